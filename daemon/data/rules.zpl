#   vetalliance partner rules for mobilities: every proposal is checked
#   against them.  Read with czmq's zconfig (ZPL, RFC 4).  Compiled into
#   vetallianced; an edited copy is used with `vetallianced --rules FILE`
#   (or the config key mobility/rules) and reloaded on SIGHUP or with
#   `vetctl rules reload`.  The format is docs/RULES.md.
#
#   Each rule below comes from the report of the project's meetings of
#   Oct-Dec 2020 (the seed report); the quotations say where.  Where the
#   report gives no date or number, the comment says what was chosen.

mobility
    # A learner mobility this long or longer is "long-term": the lower
    # bound of Erasmus+ ErasmusPro (90-365 days; DOMAIN.md, "Mobilities").
    long_term = 90d
    # Readiness only: the report says "better in (small) groups" and gives
    # no size.  Unset, the small-group condition shows as unknown; set it
    # here, e.g. small_group_max = 5, to judge it.

partners
    # Junta de Castilla y León: the report records no restriction.
    CYL

    # SBH (Germany): "Long-term mobilities: they are not allowed to send
    # students; receiving students could perhaps be done but it would have
    # to be studied thoroughly."  "Due to the current circumstances there
    # will be no on-site activities in 2021."
    SBH
        learners
            sends_long_term = not-allowed
            receives_long_term = needs-review
        embargo
            no-on-site-2021
                from = 2021-01-01
                until = 2021-12-31
                note = "SBH: no on-site activities in 2021"

    # STK (Poland): "the maximum period for their students to be abroad is
    # four weeks although paid internships during holidays can be done up
    # to 3 months (in Poland there is a difference between practical
    # training - no paid - and internship - paid)."  The report names no
    # holiday dates: the Polish school summer holidays (late June to 31
    # August) are used; winter holidays differ by voivodeship and are left
    # out - add them to `windows` if needed.
    #
    # "Mobilities of teachers during summer holidays (this can only be done
    # during the school year)": read as teachers may go only during the
    # school year, not in the summer holidays.
    #
    # "No on-site mobilities can be done" (meeting of 27 October 2020): no
    # end was announced, so the embargo is open-ended; set `until` when STK
    # receives and sends on site again.
    STK
        learners
            max_abroad = 4w
            holiday_internship
                max = 3m
                windows = "06-21..08-31"
        staff
            windows = "09-01..06-20"
        embargo
            no-on-site-2020
                from = 2020-10-27
                note = "STK: no on-site mobilities can be done"

    # IEFP (Portugal): "Long-term mobilities: sending students would be
    # complicated."  Nothing is said about receiving.
    IEFP
        learners
            sends_long_term = needs-review

    # SAMIedu (Finland).  Sending long-term learners: the report contradicts
    # itself ("3-year history of sending long-term mobility students,
    # interested to continue" and, in the same paragraph, "We are not
    # allowed to send students"), so it is needs-review: a coordinator of
    # SAMIEDU settles each case.  Receiving: "We are able to accept
    # students" and "it will be possible to receive long-term students";
    # the sentence "receiving students could perhaps be done but it would
    # have to be studied thoroughly" repeats SBH's paragraph word for word
    # and is not taken as Finland's rule.
    # "No on-site mobilities will be managed at least until next summer,
    # 2021" (27 October 2020): until the end of May 2021.
    SAMIEDU
        learners
            sends_long_term = needs-review
            receives_long_term = allowed
        embargo
            until-summer-2021
                from = 2020-10-27
                until = 2021-05-31
                note = "SAMIedu: no on-site mobilities until summer 2021"
