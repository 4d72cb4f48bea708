#   vetalliance reference data: what a fresh state directory starts with.
#
#   Read with czmq's zconfig (ZPL, RFC 4).  Compiled into vetallianced; an
#   edited copy can be loaded instead with `vetallianced --defaults FILE`.
#   It is loaded only when the state is empty, as ordinary events (actor
#   "system"), so every watcher and the journal see it like any change.
#
#   partners/<ID>           a project partner (a region's or country's VET body)
#       name, country (ISO 3166-1 alpha-2), time_zone (IANA), region
#   sectors/<id>            the key sectors, in the order tables show them
#       name, focus (1 = one of the project's focus sectors)
#   interest/<sector>/<ID>  the partner x sector interest matrix of the
#                           project's shared spreadsheet; the value, if any,
#                           is a note (which province's centre offers it;
#                           "*" is the spreadsheet's own footnote mark)

partners
    CYL
        name = "Junta de Castilla y León"
        country = "ES"
        time_zone = "Europe/Madrid"
        region = "Castilla y León"
    SBH
        name = "SBH (Germany)"
        country = "DE"
        time_zone = "Europe/Berlin"
    STK
        name = "STK (Poland)"
        country = "PL"
        time_zone = "Europe/Warsaw"
    IEFP
        name = "IEFP - Instituto do Emprego e Formação Profissional"
        country = "PT"
        time_zone = "Europe/Lisbon"
    SAMIEDU
        name = "Samiedu (Finland)"
        country = "FI"
        time_zone = "Europe/Helsinki"

sectors
    logistics
        name = "Logistics"
    international-commerce
        name = "International commerce & marketing"
        focus = 1
    mechatronics
        name = "Mechatronics"
        focus = 1
    railway-electric-power
        name = "Railway & electric power"
    it
        name = "IT"
        focus = 1
    electronics
        name = "Electronics"
    food-processing
        name = "Food processing & quality control"
    sports-animation
        name = "Sports & animation"
    child-education
        name = "Child education"
    care-assistance
        name = "Assistance to people in need of care"

interest
    logistics
        SBH
        STK
        SAMIEDU
    international-commerce
        SBH
        STK
        IEFP
        CYL = "Segovia"
        SAMIEDU
    mechatronics
        SBH
        STK
        IEFP
        CYL = "*"
        SAMIEDU
    railway-electric-power
        STK
        IEFP
        CYL = "*"
    it
        STK
        IEFP
        SAMIEDU
    electronics
        IEFP
        CYL
        SAMIEDU
    food-processing
        SBH
        IEFP
        CYL = "Salamanca"
    sports-animation
        SBH
        CYL = "Segovia, Ávila"
        SAMIEDU
    child-education
        SBH
        CYL = "Ávila"
        SAMIEDU
    care-assistance
        SBH
        CYL = "Ávila"
        SAMIEDU
