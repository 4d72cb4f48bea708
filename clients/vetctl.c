/*
 * vetctl - the command-line client of vetallianced.
 *
 *   vetctl [--endpoint E] [--json] [--timeout MS] [--attempts N]
 *          [--request-id ID] NOUN VERB [flags]
 *
 * One run sends one Request through libvetalliance and prints the Reply.
 * The commands live in one table (`commands`): each names the flags it
 * accepts and a function that fills the Request from them; everything
 * else - option parsing, the call, the exit code, the output - is shared.
 * Options may come before or after NOUN VERB.
 *
 * Output.  With --json, stdout gets exactly one line: the whole Reply as
 * JSON (va_json_message), refusals included.  Otherwise a write prints a
 * one-line confirmation, and a query prints its result, rendered
 * generically from the same JSON: a result holding one repeated message
 * becomes an aligned table whose columns are that message's fields, any
 * other result becomes "key: value" lines.  New fields thus show up
 * without an edit here.
 *
 * Exit codes (sysexits): 0 ok, 1 refused by the daemon, 64 usage,
 * 69 no reply after every attempt, 70 internal error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>
#include <sys/stat.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>
#include <vetalliance/json.h>

#include "vetctl_mobility.h"
#include "vetctl_session.h"

#include "vetctl_centres.h"

#define EXIT_REFUSED       1
#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_ATTEMPTS   3
#define MAX_TIMEOUT_MS     3600000

typedef Vetalliance__V1__Partner partner_t;
typedef Vetalliance__V1__Centre centre_t;
typedef Vetalliance__V1__SectorInterest interest_t;

/* Command flags; each is one bit in `struct options.given`. */
enum flag {
	F_ID,
	F_NAME,
	F_COUNTRY,
	F_TIME_ZONE,
	F_REGION,
	F_KIND,
	F_PARTNER,
	F_SECTOR,
	F_NOTE,
	F_CLEAR_SECTORS,
	F_CENTRE,
	F_COMMITMENT,
	F_MEMBER,
	F_CONTACT,
	F_CHANNEL,
	F_ADOPT,
	F_DATE,
	F_REFERENCE,
	F_OBJECTIVES,
	F_STUDENTS,
	F_STAFF,
	F_ACTIVITY,
	F_LANGUAGES,
	F_ECVET,
	F_VALID_FROM,
	F_VALID_UNTIL,
	F_HASH,
	F_BY,
	F_PARTICIPANT,
	F_SENDING,
	F_HOST,
	F_START,
	F_END,
	F_FORMAT,
	F_PAID,
	F_GROUP,
	F_UNIT,
	F_ENGLISH,
	F_ENGLISH_REQUIRED,
	F_REASON,
	F_OUTCOME,
	F_STATUS,
	F_FACT,
	F_ACCEPT,
	F_REFUSE,
	F_CSV,
	/* centres; --csv and --fact are shared with mobilities */
	F_PERSON,
	F_CLEAR_CONTACTS,
	F_COUNT
};

#define BIT(f) (UINT64_C(1) << (f))

/* getopt values: global options from 256, command flags from FLAG_BASE. */
#define FLAG_BASE 1000

enum {
	O_ENDPOINT = 256,
	O_JSON,
	O_TIMEOUT,
	O_ATTEMPTS,
	O_REQUEST_ID,
	O_HELP,
	O_VERSION,
	O_KEY,
	O_SERVER_KEY,
};

static const struct option long_options[] = {
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"json", no_argument, NULL, O_JSON},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"attempts", required_argument, NULL, O_ATTEMPTS},
    {"request-id", required_argument, NULL, O_REQUEST_ID},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {"key", required_argument, NULL, O_KEY},
    {"server-key", required_argument, NULL, O_SERVER_KEY},
    {"id", required_argument, NULL, FLAG_BASE + F_ID},
    {"name", required_argument, NULL, FLAG_BASE + F_NAME},
    {"country", required_argument, NULL, FLAG_BASE + F_COUNTRY},
    {"time-zone", required_argument, NULL, FLAG_BASE + F_TIME_ZONE},
    {"region", required_argument, NULL, FLAG_BASE + F_REGION},
    {"kind", required_argument, NULL, FLAG_BASE + F_KIND},
    {"partner", required_argument, NULL, FLAG_BASE + F_PARTNER},
    {"sector", required_argument, NULL, FLAG_BASE + F_SECTOR},
    {"note", required_argument, NULL, FLAG_BASE + F_NOTE},
    {"clear-sectors", no_argument, NULL, FLAG_BASE + F_CLEAR_SECTORS},
    {"centre", required_argument, NULL, FLAG_BASE + F_CENTRE},
    {"commitment", required_argument, NULL, FLAG_BASE + F_COMMITMENT},
    {"member", required_argument, NULL, FLAG_BASE + F_MEMBER},
    {"contact", required_argument, NULL, FLAG_BASE + F_CONTACT},
    {"channel", required_argument, NULL, FLAG_BASE + F_CHANNEL},
    {"adopt", required_argument, NULL, FLAG_BASE + F_ADOPT},
    {"date", required_argument, NULL, FLAG_BASE + F_DATE},
    {"reference", required_argument, NULL, FLAG_BASE + F_REFERENCE},
    {"objectives", required_argument, NULL, FLAG_BASE + F_OBJECTIVES},
    {"students", required_argument, NULL, FLAG_BASE + F_STUDENTS},
    {"staff", required_argument, NULL, FLAG_BASE + F_STAFF},
    {"activity", required_argument, NULL, FLAG_BASE + F_ACTIVITY},
    {"languages", required_argument, NULL, FLAG_BASE + F_LANGUAGES},
    {"ecvet", required_argument, NULL, FLAG_BASE + F_ECVET},
    {"valid-from", required_argument, NULL, FLAG_BASE + F_VALID_FROM},
    {"valid-until", required_argument, NULL, FLAG_BASE + F_VALID_UNTIL},
    {"hash", required_argument, NULL, FLAG_BASE + F_HASH},
    {"by", required_argument, NULL, FLAG_BASE + F_BY},
    {"participant", required_argument, NULL, FLAG_BASE + F_PARTICIPANT},
    {"sending", required_argument, NULL, FLAG_BASE + F_SENDING},
    {"host", required_argument, NULL, FLAG_BASE + F_HOST},
    {"start", required_argument, NULL, FLAG_BASE + F_START},
    {"end", required_argument, NULL, FLAG_BASE + F_END},
    {"format", required_argument, NULL, FLAG_BASE + F_FORMAT},
    {"paid", no_argument, NULL, FLAG_BASE + F_PAID},
    {"group", required_argument, NULL, FLAG_BASE + F_GROUP},
    {"unit", required_argument, NULL, FLAG_BASE + F_UNIT},
    {"english", required_argument, NULL, FLAG_BASE + F_ENGLISH},
    {"english-required", required_argument, NULL, FLAG_BASE + F_ENGLISH_REQUIRED},
    {"reason", required_argument, NULL, FLAG_BASE + F_REASON},
    {"outcome", required_argument, NULL, FLAG_BASE + F_OUTCOME},
    {"status", required_argument, NULL, FLAG_BASE + F_STATUS},
    {"fact", required_argument, NULL, FLAG_BASE + F_FACT},
    {"accept", no_argument, NULL, FLAG_BASE + F_ACCEPT},
    {"refuse", no_argument, NULL, FLAG_BASE + F_REFUSE},
    {"csv", no_argument, NULL, FLAG_BASE + F_CSV},
    {"person", required_argument, NULL, FLAG_BASE + F_PERSON},
    {"clear-contacts", no_argument, NULL, FLAG_BASE + F_CLEAR_CONTACTS},
    {NULL, 0, NULL, 0},
};

static const char *const flag_names[F_COUNT] = {
    [F_ID] = "id",
    [F_NAME] = "name",
    [F_COUNTRY] = "country",
    [F_TIME_ZONE] = "time-zone",
    [F_REGION] = "region",
    [F_KIND] = "kind",
    [F_PARTNER] = "partner",
    [F_SECTOR] = "sector",
    [F_NOTE] = "note",
    [F_CLEAR_SECTORS] = "clear-sectors",
    [F_CENTRE] = "centre",
    [F_COMMITMENT] = "commitment",
    [F_MEMBER] = "member",
    [F_CONTACT] = "contact",
    [F_CHANNEL] = "channel",
    [F_ADOPT] = "adopt",
    [F_DATE] = "date",
    [F_REFERENCE] = "reference",
    [F_OBJECTIVES] = "objectives",
    [F_STUDENTS] = "students",
    [F_STAFF] = "staff",
    [F_ACTIVITY] = "activity",
    [F_LANGUAGES] = "languages",
    [F_ECVET] = "ecvet",
    [F_VALID_FROM] = "valid-from",
    [F_VALID_UNTIL] = "valid-until",
    [F_HASH] = "hash",
    [F_BY] = "by",
    [F_PARTICIPANT] = "participant",
    [F_SENDING] = "sending",
    [F_HOST] = "host",
    [F_START] = "start",
    [F_END] = "end",
    [F_FORMAT] = "format",
    [F_PAID] = "paid",
    [F_GROUP] = "group",
    [F_UNIT] = "unit",
    [F_ENGLISH] = "english",
    [F_ENGLISH_REQUIRED] = "english-required",
    [F_REASON] = "reason",
    [F_OUTCOME] = "outcome",
    [F_STATUS] = "status",
    [F_FACT] = "fact",
    [F_ACCEPT] = "accept",
    [F_REFUSE] = "refuse",
    [F_CSV] = "csv",
    [F_PERSON] = "person",
    [F_CLEAR_CONTACTS] = "clear-contacts",
};

struct options {
	const char *endpoint;
	int json;
	int timeout_ms;
	int attempts;
	char *request_id;
	uint64_t given;       /* BIT(F_*) of each flag given */
	char *value[F_COUNT]; /* the argument of each single-valued flag */
	char **sectors;       /* every --sector, in order */
	size_t n_sectors;
	char **members; /* every --member, in order */
	size_t n_members;
	char **channels; /* every --channel */
	size_t n_channels;
	char **adopts; /* every --adopt */
	size_t n_adopts;
	char **activities; /* every --activity */
	size_t n_activities;
	char **units; /* every --unit (mobilities) */
	size_t n_units;
	char **outcomes; /* every --outcome */
	size_t n_outcomes;
	char **facts; /* every --fact NAME=yes|no|unknown (and centres' NAME=VALUE) */
	size_t n_facts;
	char **persons; /* every --person (centres) */
	size_t n_persons;
	char **args; /* positional arguments after NOUN VERB */
	int n_args;
	const char *key;        /* --key: our secret certificate */
	const char *server_key; /* --server-key: the daemon's public certificate */
};

/* Storage of every Request body a command may build; lives in main(). */
struct bodies {
	partner_t partner;
	centre_t centre;
	interest_t interest;
	Vetalliance__V1__PartnerRegister partner_register;
	Vetalliance__V1__PartnerUpdate partner_update;
	Vetalliance__V1__PartnerGet partner_get;
	Vetalliance__V1__PartnerList partner_list;
	Vetalliance__V1__CentreRegister centre_register;
	Vetalliance__V1__CentreUpdate centre_update;
	Vetalliance__V1__CentreGet centre_get;
	Vetalliance__V1__CentreList centre_list;
	Vetalliance__V1__SectorList sector_list;
	Vetalliance__V1__InterestMark interest_mark;
	Vetalliance__V1__InterestList interest_list;
	Vetalliance__V1__DaemonStatusGet daemon_status;
	Vetalliance__V1__MetricsGet metrics;
	Vetalliance__V1__CommitmentConfirm commitment_confirm;
	Vetalliance__V1__CommitmentWithdraw commitment_withdraw;
	Vetalliance__V1__CommitmentList commitment_list;
	Vetalliance__V1__Alliance alliance;
	Vetalliance__V1__AllianceMember *alliance_members;
	Vetalliance__V1__AllianceMember **alliance_mptrs;
	Vetalliance__V1__Commitment adopted[64];
	Vetalliance__V1__AllianceCreate alliance_create;
	Vetalliance__V1__AllianceJoin alliance_join;
	Vetalliance__V1__AllianceLeave alliance_leave;
	Vetalliance__V1__AllianceContact alliance_contact;
	Vetalliance__V1__AllianceAgree alliance_agree;
	Vetalliance__V1__AllianceVisit alliance_visit;
	Vetalliance__V1__AllianceGet alliance_get;
	Vetalliance__V1__AllianceList alliance_list;
	Vetalliance__V1__MouContent mou;
	Vetalliance__V1__MouDraft mou_draft;
	Vetalliance__V1__MouSign mou_sign;
	char *mask[F_COUNT];
	Vetalliance__V1__PrincipalsReload principals_reload;
	Vetalliance__V1__WhoAmI whoami;
	Vetalliance__V1__Mobility mobility;
	Vetalliance__V1__MobilityFacts facts;
	Vetalliance__V1__MobilityPropose mobility_propose;
	Vetalliance__V1__MobilityReviewDecision mobility_review;
	Vetalliance__V1__MobilityAct mobility_act;
	Vetalliance__V1__MobilityCertify mobility_certify;
	Vetalliance__V1__MobilityPrepare mobility_prepare;
	Vetalliance__V1__MobilityGet mobility_get;
	Vetalliance__V1__MobilityList mobility_list;
	Vetalliance__V1__RulesGet rules_get;
	Vetalliance__V1__RulesReload rules_reload;
	vx_pool_t pool;
	Vetalliance__V1__CentreCriteria centre_criteria;
	Vetalliance__V1__CentreMatch centre_match;
	Vetalliance__V1__StateGet state_get;
};

struct command {
	const char *noun;
	const char *verb;
	uint64_t flags;   /* the flags it accepts */
	int max_args;     /* positional arguments it accepts */
	const char *done; /* confirmation verb for writes, NULL for queries */
	/* Fill req from opts; returns 0 or EX_USAGE after a message. */
	int (*build)(const struct options *opts, struct bodies *b, va_request_t *req);
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vetctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vetctl --help' for more information.\n", stderr);
}

/* print_slugs - the slugs of an enum but "unspecified", comma-separated. */
static void print_slugs(FILE *out, const ProtobufCEnumDescriptor *d)
{
	const char *sep = "";
	char slug[128];

	for (unsigned i = 0; i < d->n_values; i++) {
		if (d->values[i].value == 0)
			continue; /* "unspecified" is refused by the daemon */
		if (va_enum_slug(d, d->values[i].value, slug, sizeof slug) == NULL)
			continue;
		fprintf(out, "%s%s", sep, slug);
		sep = ", ";
	}
}

/* print_kinds - the accepted --kind slugs, comma-separated. */
static void print_kinds(FILE *out)
{
	print_slugs(out, &vetalliance__v1__centre_kind__descriptor);
}

static void usage(FILE *out)
{
	fputs("usage: vetctl [--endpoint E] [--json] [--timeout MS] [--attempts N]\n"
	      "              [--request-id ID] NOUN VERB [flags]\n"
	      "\n"
	      "commands:\n"
	      "  partner register --id ID --name NAME --country CC --time-zone TZ [--region R]\n"
	      "  partner update   --id ID [--name NAME] [--country CC] [--time-zone TZ]\n"
	      "                   [--region R]\n"
	      "  partner show     ID\n"
	      "  partner list\n"
	      "  centre register  --id ID --name NAME --kind KIND --partner P --country CC\n"
	      "                   [--region R] [--sector S]... [--person ROLE=NAME|CH...]...\n"
	      "                   [--fact NAME=VALUE]...\n"
	      "  centre update    --id ID [--name NAME] [--kind KIND] [--partner P]\n"
	      "                   [--country CC] [--region R] [--sector S]... [--clear-sectors]\n"
	      "                   [--person ROLE=NAME|CH...]... [--clear-contacts]\n"
	      "                   [--fact NAME=VALUE]...\n"
	      "  centre show      ID\n"
	      "  centre list      [--partner P] [--country CC] [--sector S] [--csv]\n"
	      "  centre criteria  ID   each selection criterion: met, unmet or unknown\n"
	      "  centre match     --sector S [--centre C | --country CC]\n"
	      "                   centres in other countries offering S\n"
	      "  centre import    FILE.csv   register or update one centre per row\n"
	      "  sector list\n"
	      "  interest list    [--partner P]\n"
	      "  interest mark    --partner P --sector S [--note NOTE]\n"
	      "  interest unmark  --partner P --sector S\n"
	      "  commitment confirm  --centre ID --commitment C\n"
	      "  commitment withdraw --centre ID --commitment C\n"
	      "  commitment list     --centre ID\n"
	      "  alliance create  --id ID --name NAME --member C --member C... [--kind K]\n"
	      "                   [--sector S] [--adopt COMMITMENT]...\n"
	      "  alliance join    ID --centre C\n"
	      "  alliance leave   ID --centre C\n"
	      "  alliance contact ID --centre C --contact PERSON [--channel CH]...\n"
	      "  alliance agree   ID\n"
	      "  alliance visit   ID --date YYYY-MM-DD | --reference REF\n"
	      "  alliance mou-draft ID --objectives TEXT [--students N,N,N,N,N]\n"
	      "                   [--staff N,N,N,N] [--activity A]... [--languages TEXT]\n"
	      "                   [--ecvet TEXT] [--valid-from DATE] [--valid-until DATE]\n"
	      "                   replaces the whole content; voids signatures\n"
	      "  alliance mou-sign ID --centre C --hash HASH  (the hash alliance show prints)\n"
	      "  alliance show    ID\n"
	      "  alliance list\n"
	      "  report alliances the road-map progress of every alliance, late ones flagged\n"
	      "  mobility propose --id ID --kind KIND --participant REF --sending C --host C\n"
	      "                   --sector S --start DATE --end DATE --format F --by C [--paid]\n"
	      "                   [--group G] [--unit U]... [--english L] [--english-required L]\n"
	      "                   [--fact NAME=yes|no|unknown]...   checked against the rules\n"
	      "  mobility review  ID --by PARTNER --accept | --refuse --reason R\n"
	      "  mobility approve ID --by HOST\n"
	      "  mobility reject  ID --by HOST --reason R\n"
	      "  mobility start   ID --by C        (sending or host)\n"
	      "  mobility complete ID --by C       (sending or host)\n"
	      "  mobility certify ID --by HOST --activity A... --outcome O...\n"
	      "  mobility countersign ID --by SENDING\n"
	      "  mobility cancel  ID --by C --reason R\n"
	      "  mobility prepare ID --by C [--fact NAME=yes|no|unknown]... [--english L]\n"
	      "                   [--english-required L] [--unit U]...\n"
	      "  mobility show    ID   (with the readiness checklist)\n"
	      "  mobility certificate ID   the certificate of participation (--json: with hash)\n"
	      "  mobility list    [--status S] [--partner P]\n"
	      "  report mobilities [--csv]  counts and days by partner x band x format, by status\n"
	      "  report sectors   [--csv] the partner x sector interest matrix\n"
	      "  mou show         ID   the MoU of alliance ID as a document\n"
	      "  rules show       the partner rules in force (source, version)\n"
	      "  rules reload     read the rules file again; a broken file keeps the old rules\n",
	      out);
	vetctl_session_usage(out);
	fputs("  status           the daemon's health: version, uptime, last seq, journal,\n"
	      "                   snapshot, peers, requests/s, sync latency\n"
	      "  metrics          the same and more, in the Prometheus text format\n",
	      out);
	/* Several strings: one would pass what C99 compilers must support. */
	fputs("  keygen NAME      write a CURVE key pair: NAME.key (public) and\n"
	      "                   NAME.key_secret (secret, mode 0600); prints the public key\n"
	      "  whoami           the principal the daemon takes this key for\n"
	      "  principals reload  re-read the daemon's principals file (administrators)\n",
	      out);
	fputs("\n"
	      "options:\n"
	      "  --endpoint E     command endpoint (default: $VETCTL_ENDPOINT, "
	      "else " VA_DEFAULT_CMD_ENDPOINT ")\n"
	      "  --json           print the reply as one JSON object, refusals included\n"
	      "  --timeout MS     how long one attempt waits for the reply (default 2000)\n"
	      "  --attempts N     how many times the request is sent at most (default 3)\n"
	      "  --request-id ID  the request id (1..64 bytes, default random); repeating a\n"
	      "                   command with the same id applies it at most once\n"
	      "  --key FILE       our secret certificate, for CURVE (default: $" VA_ENV_KEY ")\n"
	      "  --server-key FILE  the daemon's public certificate (default: "
	      "$" VA_ENV_SERVER_KEY ")\n"
	      "  --help           print this help\n"
	      "  --version        print the version\n"
	      "\n"
	      "update changes only the fields whose flags are given.  show takes the id as\n"
	      "an argument or with --id.\n"
	      "TIME is YYYY-MM-DDTHH:MM in the session's zone (or UTC with a trailing Z);\n"
	      "times are shown in --tz, else the zone of the --as centre's partner, else UTC.\n"
	      "session kinds: virtual-visit, joint-class, skills-training,\n"
	      "competition-preparation, get-to-know, meeting\n"
	      "\n"
	      "kinds: ",
	      out);
	print_kinds(out);
	fputs("\n"
	      "commitments: ",
	      out);
	print_slugs(out, &vetalliance__v1__commitment__descriptor);
	fputs("\n"
	      "contact roles (--person): ",
	      out);
	print_slugs(out, &vetalliance__v1__contact_role__descriptor);
	fputs("\n"
	      "centre facts (--fact): sends, receives, dual_vet, coordinator,\n"
	      "  excellence_network (yes, willing, no, unknown; excellence_network\n"
	      "  willing: being rated), previous_experience, integrated, ka2_interest\n"
	      "  (yes, no, unknown), province (text), teacher_hours (hours a week, or\n"
	      "  unknown)\n"
	      "--json prints the whole reply, except: report sectors (the matrix), mou show\n"
	      "(the MoU with its signatures) and the mobility documents\n"
	      "\n"
	      "exit status: 0 ok, 1 refused by the daemon, 64 usage error,\n"
	      "69 no reply from the daemon, 70 internal error\n",
	      out);
}

/* ------------------------------------------------------- building */

static char *flag_or_empty(const struct options *o, enum flag f)
{
	return (o->given & BIT(f)) ? o->value[f] : (char *)protobuf_c_empty_string;
}

/* show_id - the id of a show command: the argument or --id, not both. */
static int show_id(const struct options *o, char **id)
{
	if (o->n_args > 0 && (o->given & BIT(F_ID)) && strcmp(o->args[0], o->value[F_ID]) != 0) {
		usage_error("both an id argument and a different --id given");
		return EX_USAGE;
	}
	if (o->n_args > 0)
		*id = o->args[0];
	else if (o->given & BIT(F_ID))
		*id = o->value[F_ID];
	else {
		usage_error("missing the id to show");
		return EX_USAGE;
	}
	return 0;
}

static void fill_partner(const struct options *o, partner_t *p)
{
	vetalliance__v1__partner__init(p);
	p->id = flag_or_empty(o, F_ID);
	p->name = flag_or_empty(o, F_NAME);
	p->country = flag_or_empty(o, F_COUNTRY);
	p->time_zone = flag_or_empty(o, F_TIME_ZONE);
	p->region = flag_or_empty(o, F_REGION);
}

static int fill_centre(const struct options *o, centre_t *c)
{
	vetalliance__v1__centre__init(c);
	c->id = flag_or_empty(o, F_ID);
	c->name = flag_or_empty(o, F_NAME);
	c->partner = flag_or_empty(o, F_PARTNER);
	c->country = flag_or_empty(o, F_COUNTRY);
	c->region = flag_or_empty(o, F_REGION);
	c->sectors = o->sectors;
	c->n_sectors = o->n_sectors;
	if (o->given & BIT(F_KIND)) {
		int kind;

		if (va_enum_from_slug(&vetalliance__v1__centre_kind__descriptor, o->value[F_KIND],
				      &kind) < 0) {
			fprintf(stderr, "vetctl: unknown centre kind '%s' (expected one of: ",
				o->value[F_KIND]);
			print_kinds(stderr);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		c->kind = (Vetalliance__V1__CentreKind)kind;
	}
	return 0;
}

/*
 * build_mask - the update_mask for the flags given, in `fields` order; a
 * field is named by its .proto name.  Returns its length.
 */
static size_t build_mask(const struct options *o, struct bodies *b, const enum flag *flags,
			 const char *const *fields, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (o->given & BIT(flags[i]))
			b->mask[len++] = (char *)fields[i];
	}
	return len;
}

static int build_partner_register(const struct options *o, struct bodies *b, va_request_t *req)
{
	fill_partner(o, &b->partner);
	vetalliance__v1__partner_register__init(&b->partner_register);
	b->partner_register.partner = &b->partner;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER;
	req->partner_register = &b->partner_register;
	return 0;
}

static int build_partner_update(const struct options *o, struct bodies *b, va_request_t *req)
{
	static const enum flag flags[] = {F_NAME, F_COUNTRY, F_TIME_ZONE, F_REGION};
	static const char *const fields[] = {"name", "country", "time_zone", "region"};
	Vetalliance__V1__PartnerUpdate *u = &b->partner_update;

	fill_partner(o, &b->partner);
	vetalliance__v1__partner_update__init(u);
	u->partner = &b->partner;
	u->update_mask = b->mask;
	u->n_update_mask = build_mask(o, b, flags, fields, sizeof flags / sizeof flags[0]);
	if (u->n_update_mask == 0) {
		usage_error("nothing to update: give at least one of --name, --country, "
			    "--time-zone, --region");
		return EX_USAGE;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	req->partner_update = u;
	return 0;
}

static int build_partner_show(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__partner_get__init(&b->partner_get);
	if (show_id(o, &b->partner_get.id) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	req->partner_get = &b->partner_get;
	return 0;
}

static int build_partner_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__partner_list__init(&b->partner_list);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req->partner_list = &b->partner_list;
	return 0;
}

/*
 * centre_extras - the --person and --fact flags into c; each
 * names what it changes in mask[*n] when mask is not NULL.
 */
static int centre_extras(const struct options *o, struct bodies *b, centre_t *c, char **mask,
			 size_t *n)
{
	const char *field;
	char err[512];

	for (size_t i = 0; i < o->n_persons; i++)
		if (vx_person_flag(&b->pool, c, o->persons[i], err, sizeof err) < 0) {
			usage_error("%s", err);
			return EX_USAGE;
		}
	if (mask != NULL && (o->given & (BIT(F_PERSON) | BIT(F_CLEAR_CONTACTS))))
		mask[(*n)++] = "contacts";
	for (size_t i = 0; i < o->n_facts; i++) {
		if (vx_fact_flag(&b->pool, c, o->facts[i], &field, err, sizeof err) < 0) {
			usage_error("%s", err);
			return EX_USAGE;
		}
		if (mask == NULL)
			continue;
		for (size_t k = 0; k < *n && field != NULL; k++)
			if (strcmp(mask[k], field) == 0)
				field = NULL;
		if (field != NULL)
			mask[(*n)++] = (char *)field;
	}
	return 0;
}

static int build_centre_register(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (fill_centre(o, &b->centre) != 0 || centre_extras(o, b, &b->centre, NULL, NULL) != 0)
		return EX_USAGE;
	vetalliance__v1__centre_register__init(&b->centre_register);
	b->centre_register.centre = &b->centre;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req->centre_register = &b->centre_register;
	return 0;
}

static int build_centre_update(const struct options *o, struct bodies *b, va_request_t *req)
{
	static const enum flag flags[] = {F_NAME, F_KIND, F_PARTNER, F_COUNTRY, F_REGION};
	static const char *const fields[] = {"name", "kind", "partner", "country", "region"};
	Vetalliance__V1__CentreUpdate *u = &b->centre_update;

	if ((o->given & BIT(F_SECTOR)) && (o->given & BIT(F_CLEAR_SECTORS))) {
		usage_error("--sector and --clear-sectors exclude each other");
		return EX_USAGE;
	}
	if (fill_centre(o, &b->centre) != 0)
		return EX_USAGE;
	vetalliance__v1__centre_update__init(u);
	u->centre = &b->centre;
	u->update_mask = b->mask;
	u->n_update_mask = build_mask(o, b, flags, fields, sizeof flags / sizeof flags[0]);
	if (o->given & (BIT(F_SECTOR) | BIT(F_CLEAR_SECTORS)))
		b->mask[u->n_update_mask++] = "sectors";
	if ((o->given & BIT(F_PERSON)) && (o->given & BIT(F_CLEAR_CONTACTS))) {
		usage_error("--person and --clear-contacts exclude each other");
		return EX_USAGE;
	}
	if (centre_extras(o, b, &b->centre, b->mask, &u->n_update_mask) != 0)
		return EX_USAGE;
	if (u->n_update_mask == 0) {
		usage_error("nothing to update: give at least one of --name, --kind, --partner, "
			    "--country, --region, --sector, --clear-sectors, --person, "
			    "--clear-contacts, --fact");
		return EX_USAGE;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req->centre_update = u;
	return 0;
}

static int build_centre_show(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__centre_get__init(&b->centre_get);
	if (show_id(o, &b->centre_get.id) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	req->centre_get = &b->centre_get;
	return 0;
}

static int build_centre_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__CentreList *l = &b->centre_list;

	vetalliance__v1__centre_list__init(l);
	l->partner = flag_or_empty(o, F_PARTNER);
	l->country = flag_or_empty(o, F_COUNTRY);
	if (o->n_sectors > 0)
		l->sector = o->sectors[0];
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_LIST;
	req->centre_list = l;
	return 0;
}

static int build_sector_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__sector_list__init(&b->sector_list);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_SECTOR_LIST;
	req->sector_list = &b->sector_list;
	return 0;
}

static int build_interest_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__interest_list__init(&b->interest_list);
	b->interest_list.partner = flag_or_empty(o, F_PARTNER);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_LIST;
	req->interest_list = &b->interest_list;
	return 0;
}

static int build_interest(const struct options *o, struct bodies *b, va_request_t *req,
			  int interested)
{
	interest_t *in = &b->interest;

	vetalliance__v1__sector_interest__init(in);
	in->partner = flag_or_empty(o, F_PARTNER);
	if (o->n_sectors > 0)
		in->sector = o->sectors[0];
	in->interested = interested;
	in->note = flag_or_empty(o, F_NOTE);
	vetalliance__v1__interest_mark__init(&b->interest_mark);
	b->interest_mark.interest = in;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
	req->interest_mark = &b->interest_mark;
	return 0;
}

static int build_interest_mark(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_interest(o, b, req, 1);
}

static int build_interest_unmark(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_interest(o, b, req, 0);
}

/* build_commitment - confirm (1) or withdraw (0) one commitment. */
static int build_commitment(const struct options *o, struct bodies *b, va_request_t *req,
			    int confirm)
{
	int value = 0;

	if (!(o->given & BIT(F_CENTRE)) || !(o->given & BIT(F_COMMITMENT))) {
		usage_error("'commitment %s' needs --centre and --commitment",
			    confirm ? "confirm" : "withdraw");
		return EX_USAGE;
	}
	if (va_enum_from_slug(&vetalliance__v1__commitment__descriptor, o->value[F_COMMITMENT],
			      &value) < 0 ||
	    value == 0) {
		fprintf(stderr, "vetctl: unknown commitment '%s' (expected one of: ",
			o->value[F_COMMITMENT]);
		print_slugs(stderr, &vetalliance__v1__commitment__descriptor);
		fputs(")\n", stderr);
		return EX_USAGE;
	}
	if (confirm) {
		vetalliance__v1__commitment_confirm__init(&b->commitment_confirm);
		b->commitment_confirm.centre = o->value[F_CENTRE];
		b->commitment_confirm.commitment = (Vetalliance__V1__Commitment)value;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM;
		req->commitment_confirm = &b->commitment_confirm;
	} else {
		vetalliance__v1__commitment_withdraw__init(&b->commitment_withdraw);
		b->commitment_withdraw.centre = o->value[F_CENTRE];
		b->commitment_withdraw.commitment = (Vetalliance__V1__Commitment)value;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_WITHDRAW;
		req->commitment_withdraw = &b->commitment_withdraw;
	}
	return 0;
}

static int build_commitment_confirm(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_commitment(o, b, req, 1);
}

static int build_commitment_withdraw(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_commitment(o, b, req, 0);
}

static int build_commitment_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (!(o->given & BIT(F_CENTRE))) {
		usage_error("'commitment list' needs --centre");
		return EX_USAGE;
	}
	vetalliance__v1__commitment_list__init(&b->commitment_list);
	b->commitment_list.centre = o->value[F_CENTRE];
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_LIST;
	req->commitment_list = &b->commitment_list;
	return 0;
}

/* alliance_id - the alliance of an alliance command: --id or the argument. */
static int alliance_id(const struct options *o, char **id)
{
	if (show_id(o, id) != 0)
		return EX_USAGE;
	return 0;
}

static int build_alliance_create(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__Alliance *a = &b->alliance;
	int value;

	vetalliance__v1__alliance__init(a);
	a->id = flag_or_empty(o, F_ID);
	a->name = flag_or_empty(o, F_NAME);
	a->kind = VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_INFORMAL;
	if (o->given & BIT(F_KIND)) {
		if (va_enum_from_slug(&vetalliance__v1__alliance_kind__descriptor, o->value[F_KIND],
				      &value) < 0 ||
		    value == 0) {
			fprintf(stderr, "vetctl: unknown alliance kind '%s' (expected one of: ",
				o->value[F_KIND]);
			print_slugs(stderr, &vetalliance__v1__alliance_kind__descriptor);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		a->kind = (Vetalliance__V1__AllianceKind)value;
	}
	if (o->n_sectors > 0)
		a->sector = o->sectors[0];
	b->alliance_members = calloc(o->n_members + 1, sizeof *b->alliance_members);
	b->alliance_mptrs = calloc(o->n_members + 1, sizeof *b->alliance_mptrs);
	if (b->alliance_members == NULL || b->alliance_mptrs == NULL) {
		fputs("vetctl: out of memory\n", stderr);
		return EX_SOFTWARE;
	}
	for (size_t i = 0; i < o->n_members; i++) {
		vetalliance__v1__alliance_member__init(&b->alliance_members[i]);
		b->alliance_members[i].centre = o->members[i];
		b->alliance_mptrs[i] = &b->alliance_members[i];
	}
	a->n_members = o->n_members;
	a->members = b->alliance_mptrs;
	if (o->n_adopts > sizeof b->adopted / sizeof b->adopted[0]) {
		usage_error("too many --adopt");
		return EX_USAGE;
	}
	for (size_t i = 0; i < o->n_adopts; i++) {
		if (va_enum_from_slug(&vetalliance__v1__commitment__descriptor, o->adopts[i],
				      &value) < 0 ||
		    value == 0) {
			fprintf(stderr,
				"vetctl: unknown commitment '%s' (expected one of: ", o->adopts[i]);
			print_slugs(stderr, &vetalliance__v1__commitment__descriptor);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		b->adopted[i] = (Vetalliance__V1__Commitment)value;
	}
	a->n_adopted = o->n_adopts;
	a->adopted = b->adopted;
	vetalliance__v1__alliance_create__init(&b->alliance_create);
	b->alliance_create.alliance = a;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CREATE;
	req->alliance_create = &b->alliance_create;
	return 0;
}

static int build_alliance_join(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__alliance_join__init(&b->alliance_join);
	if (alliance_id(o, &b->alliance_join.alliance) != 0)
		return EX_USAGE;
	b->alliance_join.centre = flag_or_empty(o, F_CENTRE);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_JOIN;
	req->alliance_join = &b->alliance_join;
	return 0;
}

static int build_alliance_leave(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__alliance_leave__init(&b->alliance_leave);
	if (alliance_id(o, &b->alliance_leave.alliance) != 0)
		return EX_USAGE;
	b->alliance_leave.centre = flag_or_empty(o, F_CENTRE);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_LEAVE;
	req->alliance_leave = &b->alliance_leave;
	return 0;
}

static int build_alliance_contact(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__AllianceContact *c = &b->alliance_contact;

	vetalliance__v1__alliance_contact__init(c);
	if (alliance_id(o, &c->alliance) != 0)
		return EX_USAGE;
	c->centre = flag_or_empty(o, F_CENTRE);
	c->contact = flag_or_empty(o, F_CONTACT);
	c->n_channels = o->n_channels;
	c->channels = o->channels;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CONTACT;
	req->alliance_contact = c;
	return 0;
}

static int build_alliance_agree(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__alliance_agree__init(&b->alliance_agree);
	if (alliance_id(o, &b->alliance_agree.alliance) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_AGREE;
	req->alliance_agree = &b->alliance_agree;
	return 0;
}

/* parse_date - YYYY-MM-DD as UTC midnight in ms; returns 0 or -1. */
static int parse_date(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int y, m, d;
	char tail;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int build_alliance_visit(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__AllianceVisit *v = &b->alliance_visit;

	vetalliance__v1__alliance_visit__init(v);
	if (alliance_id(o, &v->alliance) != 0)
		return EX_USAGE;
	if (!!(o->given & BIT(F_DATE)) == !!(o->given & BIT(F_REFERENCE))) {
		usage_error("'alliance visit' needs --date YYYY-MM-DD (on site) or --reference REF "
			    "(virtual)");
		return EX_USAGE;
	}
	if (o->given & BIT(F_DATE)) {
		if (parse_date(o->value[F_DATE], &v->date_ms) < 0) {
			usage_error("invalid --date '%s': expected YYYY-MM-DD", o->value[F_DATE]);
			return EX_USAGE;
		}
	} else {
		v->is_virtual = 1;
		v->reference = o->value[F_REFERENCE];
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_VISIT;
	req->alliance_visit = v;
	return 0;
}

/* parse_counts - "n,n,..." into exactly n uint32 values; returns 0 or -1. */
static int parse_counts(const char *s, uint32_t *out, size_t n)
{
	const char *p = s;

	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long v;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || end == p || v > 100000 || *p == '-')
			return -1;
		out[i] = (uint32_t)v;
		if (i + 1 < n && *end != ',')
			return -1;
		p = end + 1;
		if (i + 1 == n && *end != '\0')
			return -1;
	}
	return 0;
}

static int build_mou_draft(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MouContent *m = &b->mou;
	uint32_t st[5] = {0}, sf[4] = {0};

	vetalliance__v1__mou_content__init(m);
	vetalliance__v1__mou_draft__init(&b->mou_draft);
	if (alliance_id(o, &b->mou_draft.alliance) != 0)
		return EX_USAGE;
	if ((o->given & BIT(F_STUDENTS)) && parse_counts(o->value[F_STUDENTS], st, 5) < 0) {
		usage_error("invalid --students '%s': expected five counts N,N,N,N,N (< 4 weeks, "
			    "4-12 weeks, 3-6 months, > 6 months, special needs)",
			    o->value[F_STUDENTS]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_STAFF)) && parse_counts(o->value[F_STAFF], sf, 4) < 0) {
		usage_error("invalid --staff '%s': expected four counts N,N,N,N (job shadowing, "
			    "teaching, preparation, company experts)",
			    o->value[F_STAFF]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_VALID_FROM)) &&
	    parse_date(o->value[F_VALID_FROM], &m->valid_from_ms) < 0) {
		usage_error("invalid --valid-from '%s': expected YYYY-MM-DD",
			    o->value[F_VALID_FROM]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_VALID_UNTIL)) &&
	    parse_date(o->value[F_VALID_UNTIL], &m->valid_until_ms) < 0) {
		usage_error("invalid --valid-until '%s': expected YYYY-MM-DD",
			    o->value[F_VALID_UNTIL]);
		return EX_USAGE;
	}
	m->objectives = flag_or_empty(o, F_OBJECTIVES);
	m->students_under_4_weeks = st[0];
	m->students_4_to_12_weeks = st[1];
	m->students_3_to_6_months = st[2];
	m->students_over_6_months = st[3];
	m->students_special_needs = st[4];
	m->staff_job_shadowing = sf[0];
	m->staff_teaching = sf[1];
	m->staff_preparation = sf[2];
	m->staff_company_experts = sf[3];
	m->n_joint_activities = o->n_activities;
	m->joint_activities = o->activities;
	m->languages = flag_or_empty(o, F_LANGUAGES);
	m->ecvet = flag_or_empty(o, F_ECVET);
	b->mou_draft.content = m;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOU_DRAFT;
	req->mou_draft = &b->mou_draft;
	return 0;
}

static int build_mou_sign(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__mou_sign__init(&b->mou_sign);
	if (alliance_id(o, &b->mou_sign.alliance) != 0)
		return EX_USAGE;
	b->mou_sign.centre = flag_or_empty(o, F_CENTRE);
	b->mou_sign.hash = flag_or_empty(o, F_HASH);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOU_SIGN;
	req->mou_sign = &b->mou_sign;
	return 0;
}

static int build_alliance_show(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__alliance_get__init(&b->alliance_get);
	if (alliance_id(o, &b->alliance_get.id) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_GET;
	req->alliance_get = &b->alliance_get;
	return 0;
}

static int build_alliance_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__alliance_list__init(&b->alliance_list);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_LIST;
	req->alliance_list = &b->alliance_list;
	return 0;
}

static int build_daemon_status(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__daemon_status_get__init(&b->daemon_status);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_DAEMON_STATUS;
	req->daemon_status = &b->daemon_status;
	return 0;
}

static int build_metrics(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__metrics_get__init(&b->metrics);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_METRICS;
	req->metrics = &b->metrics;
	return 0;
}

static int build_whoami(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__who_am_i__init(&b->whoami);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_WHOAMI;
	req->whoami = &b->whoami;
	return 0;
}

static int build_principals_reload(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__principals_reload__init(&b->principals_reload);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PRINCIPALS_RELOAD;
	req->principals_reload = &b->principals_reload;
	return 0;
}

/*
 * keygen - a new CURVE key pair in NAME.key and NAME.key_secret (czmq's
 * zcert files), the secret one readable by its owner only.  No request:
 * build is NULL in the table.
 */
static int keygen(const char *name)
{
	char path[4096];
	zcert_t *cert = zcert_new();
	const char *base;
	mode_t old;
	int rc;

	if (cert == NULL) {
		fputs("vetctl: keygen: could not create a key pair\n", stderr);
		return EX_SOFTWARE;
	}
	if ((size_t)snprintf(path, sizeof path, "%s.key", name) >= sizeof path) {
		usage_error("keygen: name too long");
		zcert_destroy(&cert);
		return EX_USAGE;
	}
	base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
	/* Small metadata: zauth copies it into a fixed 512-byte buffer. */
	zcert_set_meta(cert, "name", "%.64s", base);
	/* 0600 from the first byte: never readable by others, not even
	 * between the write and a chmod. */
	old = umask(077);
	rc = zcert_save(cert, path);
	umask(old);
	if (rc < 0) {
		fprintf(stderr, "vetctl: keygen: could not write '%s' and '%s_secret'\n", path,
			path);
		zcert_destroy(&cert);
		return EX_CANTCREAT;
	}
	/* The public half may be shared. */
	chmod(path, 0644);
	printf("public key: %s\n"
	       "wrote %s (public) and %s_secret (secret, mode 0600)\n"
	       "principals entry:\n"
	       "%s\n"
	       "    key = \"%s\"\n"
	       "    role = centre\n"
	       "    institution = \"...\"\n",
	       zcert_public_txt(cert), path, path, base, zcert_public_txt(cert));
	zcert_destroy(&cert);
	return EX_OK;
}

/* ------------------------------------------------ mobilities */

/* mobility_enum - a required enum value from its slug; 0 is refused. */
static int mobility_enum(const ProtobufCEnumDescriptor *d, const char *what, const char *v,
			 int *out)
{
	if (va_enum_from_slug(d, v, out) < 0 || *out == 0) {
		fprintf(stderr, "vetctl: unknown %s '%s' (expected one of: ", what, v);
		print_slugs(stderr, d);
		fputs(")\n", stderr);
		return EX_USAGE;
	}
	return 0;
}

/* mobility_date - --start / --end as YYYYMMDD. */
static int mobility_date(const struct options *o, enum flag f, int32_t *out)
{
	if (!(o->given & BIT(f)))
		return 0;
	*out = vetctl_parse_ymd(o->value[f]);
	if (*out == 0) {
		usage_error("invalid --%s '%s': expected a date YYYY-MM-DD", flag_names[f],
			    o->value[f]);
		return EX_USAGE;
	}
	return 0;
}

/* mobility_levels - --english and --english-required (CEFR). */
static int mobility_levels(const struct options *o, Vetalliance__V1__Cefr *level,
			   Vetalliance__V1__Cefr *required)
{
	int v;

	if ((o->given & BIT(F_ENGLISH)) &&
	    mobility_enum(&vetalliance__v1__cefr__descriptor, "CEFR level", o->value[F_ENGLISH],
			  &v) != 0)
		return EX_USAGE;
	if (o->given & BIT(F_ENGLISH))
		*level = (Vetalliance__V1__Cefr)v;
	if ((o->given & BIT(F_ENGLISH_REQUIRED)) &&
	    mobility_enum(&vetalliance__v1__cefr__descriptor, "CEFR level",
			  o->value[F_ENGLISH_REQUIRED], &v) != 0)
		return EX_USAGE;
	if (o->given & BIT(F_ENGLISH_REQUIRED))
		*required = (Vetalliance__V1__Cefr)v;
	return 0;
}

/* mobility_facts - every --fact NAME=yes|no|unknown into a MobilityFacts:
 * NAME is a field of the message, '-' for '_' ("company-experience"). */
static int mobility_facts(const struct options *o, Vetalliance__V1__MobilityFacts *f)
{
	const ProtobufCMessageDescriptor *d = &vetalliance__v1__mobility_facts__descriptor;

	vetalliance__v1__mobility_facts__init(f);
	for (size_t i = 0; i < o->n_facts; i++) {
		const char *eq = strchr(o->facts[i], '=');
		const ProtobufCFieldDescriptor *fd = NULL;
		char name[64];
		int v;

		if (eq != NULL && (size_t)(eq - o->facts[i]) < sizeof name) {
			memcpy(name, o->facts[i], (size_t)(eq - o->facts[i]));
			name[eq - o->facts[i]] = '\0';
			for (char *p = name; *p; p++)
				*p = *p == '-' ? '_' : *p;
			fd = protobuf_c_message_descriptor_get_field_by_name(d, name);
		}
		if (fd == NULL ||
		    va_enum_from_slug(&vetalliance__v1__tri__descriptor, eq + 1, &v) < 0) {
			usage_error(
			    "invalid --fact '%s': expected NAME=yes|no|unknown, NAME one of "
			    "company-experience, found-company, soft-landing, host-welcome, "
			    "units-agreed, skills-assessed, learning-pathway, documented",
			    o->facts[i]);
			return EX_USAGE;
		}
		*(Vetalliance__V1__Tri *)((char *)f + fd->offset) = (Vetalliance__V1__Tri)v;
	}
	return 0;
}

static int build_mobility_propose(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__Mobility *m = &b->mobility;
	int v;

	vetalliance__v1__mobility__init(m);
	m->id = flag_or_empty(o, F_ID);
	m->participant = flag_or_empty(o, F_PARTICIPANT);
	m->sending = flag_or_empty(o, F_SENDING);
	m->host = flag_or_empty(o, F_HOST);
	m->sector = o->n_sectors > 0 ? o->sectors[0] : (char *)protobuf_c_empty_string;
	m->group = flag_or_empty(o, F_GROUP);
	m->paid = (o->given & BIT(F_PAID)) != 0;
	m->units = o->units;
	m->n_units = o->n_units;
	if (o->given & BIT(F_KIND)) {
		if (mobility_enum(&vetalliance__v1__participant_kind__descriptor,
				  "participant kind", o->value[F_KIND], &v) != 0)
			return EX_USAGE;
		m->participant_kind = (Vetalliance__V1__ParticipantKind)v;
	}
	if (o->given & BIT(F_FORMAT)) {
		if (mobility_enum(&vetalliance__v1__mobility_format__descriptor, "format",
				  o->value[F_FORMAT], &v) != 0)
			return EX_USAGE;
		m->format = (Vetalliance__V1__MobilityFormat)v;
	}
	if (mobility_date(o, F_START, &m->start_date) != 0 ||
	    mobility_date(o, F_END, &m->end_date) != 0 ||
	    mobility_levels(o, &m->english_level, &m->english_required) != 0 ||
	    mobility_facts(o, &b->facts) != 0)
		return EX_USAGE;
	m->facts = &b->facts;
	vetalliance__v1__mobility_propose__init(&b->mobility_propose);
	b->mobility_propose.mobility = m;
	b->mobility_propose.by = flag_or_empty(o, F_BY);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE;
	req->mobility_propose = &b->mobility_propose;
	return 0;
}

/* A lifecycle step: every MobilityAct body shares the oneof's one slot. */
static int build_mobility_act(const struct options *o, struct bodies *b, va_request_t *req,
			      Vetalliance__V1__Request__BodyCase body)
{
	vetalliance__v1__mobility_act__init(&b->mobility_act);
	if (show_id(o, &b->mobility_act.id) != 0)
		return EX_USAGE;
	b->mobility_act.by = flag_or_empty(o, F_BY);
	b->mobility_act.reason = flag_or_empty(o, F_REASON);
	req->body_case = body;
	req->mobility_approve = &b->mobility_act;
	return 0;
}

static int build_mobility_approve(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_APPROVE);
}

static int build_mobility_reject(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT);
}

static int build_mobility_start(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_START);
}

static int build_mobility_complete(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COMPLETE);
}

static int build_mobility_countersign(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COUNTERSIGN);
}

static int build_mobility_cancel(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_mobility_act(o, b, req, VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL);
}

static int build_mobility_review(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityReviewDecision *d = &b->mobility_review;

	vetalliance__v1__mobility_review_decision__init(d);
	if (show_id(o, &d->id) != 0)
		return EX_USAGE;
	if (!(o->given & BIT(F_ACCEPT)) == !(o->given & BIT(F_REFUSE))) {
		usage_error("'mobility review' needs one of --accept and --refuse");
		return EX_USAGE;
	}
	d->accept = (o->given & BIT(F_ACCEPT)) != 0;
	d->by = flag_or_empty(o, F_BY);
	d->reason = flag_or_empty(o, F_REASON);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REVIEW;
	req->mobility_review = d;
	return 0;
}

static int build_mobility_certify(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityCertify *k = &b->mobility_certify;

	vetalliance__v1__mobility_certify__init(k);
	if (show_id(o, &k->id) != 0)
		return EX_USAGE;
	k->by = flag_or_empty(o, F_BY);
	k->activities = o->activities;
	k->n_activities = o->n_activities;
	k->outcomes = o->outcomes;
	k->n_outcomes = o->n_outcomes;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY;
	req->mobility_certify = k;
	return 0;
}

static int build_mobility_prepare(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityPrepare *p = &b->mobility_prepare;

	vetalliance__v1__mobility_prepare__init(p);
	if (show_id(o, &p->id) != 0 ||
	    mobility_levels(o, &p->english_level, &p->english_required) ||
	    mobility_facts(o, &b->facts) != 0)
		return EX_USAGE;
	p->by = flag_or_empty(o, F_BY);
	p->facts = &b->facts;
	p->units = o->units;
	p->n_units = o->n_units;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PREPARE;
	req->mobility_prepare = p;
	return 0;
}

static int build_mobility_show(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__mobility_get__init(&b->mobility_get);
	if (show_id(o, &b->mobility_get.id) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_GET;
	req->mobility_get = &b->mobility_get;
	return 0;
}

static int build_mobility_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	int v;

	vetalliance__v1__mobility_list__init(&b->mobility_list);
	b->mobility_list.partner = flag_or_empty(o, F_PARTNER);
	if (o->given & BIT(F_STATUS)) {
		if (mobility_enum(&vetalliance__v1__mobility_status__descriptor, "status",
				  o->value[F_STATUS], &v) != 0)
			return EX_USAGE;
		b->mobility_list.status = (Vetalliance__V1__MobilityStatus)v;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_LIST;
	req->mobility_list = &b->mobility_list;
	return 0;
}

static int build_rules_show(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__rules_get__init(&b->rules_get);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_RULES_GET;
	req->rules_get = &b->rules_get;
	return 0;
}

static int build_rules_reload(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__rules_reload__init(&b->rules_reload);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_RULES_RELOAD;
	req->rules_reload = &b->rules_reload;
	return 0;
}

/* ------------------------------------------ centres */

static int build_centre_criteria(const struct options *o, struct bodies *b, va_request_t *req)
{
	vetalliance__v1__centre_criteria__init(&b->centre_criteria);
	if (show_id(o, &b->centre_criteria.centre) != 0)
		return EX_USAGE;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_CRITERIA;
	req->centre_criteria = &b->centre_criteria;
	return 0;
}

static int build_centre_match(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__CentreMatch *m = &b->centre_match;

	if (o->n_sectors == 0) {
		usage_error("'centre match' needs --sector");
		return EX_USAGE;
	}
	if ((o->given & BIT(F_CENTRE)) && (o->given & BIT(F_COUNTRY))) {
		usage_error("--centre and --country exclude each other");
		return EX_USAGE;
	}
	vetalliance__v1__centre_match__init(m);
	m->sector = o->sectors[0];
	m->centre = flag_or_empty(o, F_CENTRE);
	m->country = flag_or_empty(o, F_COUNTRY);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_MATCH;
	req->centre_match = m;
	return 0;
}

static int build_state_get(const struct options *o, struct bodies *b, va_request_t *req)
{
	(void)o;
	vetalliance__v1__state_get__init(&b->state_get);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_STATE_GET;
	req->state_get = &b->state_get;
	return 0;
}

static int build_report_sectors(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (o->json && (o->given & BIT(F_CSV))) {
		usage_error("--csv and --json exclude each other");
		return EX_USAGE;
	}
	return build_state_get(o, b, req);
}

static int print_result(const va_reply_t *reply);

/* The printers below follow `printers`: 0, 1 (refused) or -1. */

static int print_centre_list(const struct options *o, const va_reply_t *reply)
{
	const Vetalliance__V1__CentreListResult *r = reply->centres;
	char *json;

	if (o->given & BIT(F_CSV))
		return vx_centres_csv(stdout, r != NULL ? r->centres : NULL,
				      r != NULL ? r->n_centres : 0);
	if (!o->json)
		return print_result(reply);
	json = va_json_message(&reply->base);
	if (json == NULL)
		return -1;
	printf("%s\n", json);
	free(json);
	return 0;
}

static int print_report_sectors(const struct options *o, const va_reply_t *reply)
{
	static const Vetalliance__V1__StateResult empty = VETALLIANCE__V1__STATE_RESULT__INIT;
	enum vx_format f = o->json ? VX_JSON : (o->given & BIT(F_CSV)) ? VX_CSV : VX_TEXT;

	return vx_report_sectors(stdout, reply->state != NULL ? reply->state : &empty, f);
}

static int print_mou_show(const struct options *o, const va_reply_t *reply)
{
	if (reply->alliance == NULL)
		return -1;
	return vx_mou_show(stdout, reply->alliance, o->json ? VX_JSON : VX_TEXT);
}

static int run_centre_import(const struct options *o, va_client_t *client)
{
	if (o->n_args != 1) {
		usage_error("'centre import' needs the CSV file to read");
		return EX_USAGE;
	}
	return vx_centre_import(client, o->args[0], o->request_id, stdout);
}

static int print_mobility_show(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_show(reply, o->json);
}

static int print_mobility_certificate(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_certificate(reply, o->json);
}

static int print_mobility_report(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_report(reply, o->json, (o->given & BIT(F_CSV)) != 0);
}

/* The commands that print a successful reply themselves, --json included. */
static const struct printer {
	const char *noun, *verb;
	/* Returns 0, an exit code (1: refused), or -1. */
	int (*print)(const struct options *o, const va_reply_t *reply);
} printers[] = {
    {"mobility", "show", print_mobility_show},
    {"mobility", "certificate", print_mobility_certificate},
    {"report", "mobilities", print_mobility_report},
    /* Centre, sector-report and MoU-document commands */
    {"centre", "list", print_centre_list},
    {"report", "sectors", print_report_sectors},
    {"mou", "show", print_mou_show},
};

static const struct printer *printer_of(const char *noun, const char *verb)
{
	for (size_t i = 0; verb != NULL && i < sizeof printers / sizeof printers[0]; i++)
		if (strcmp(printers[i].noun, noun) == 0 && strcmp(printers[i].verb, verb) == 0)
			return &printers[i];
	return NULL;
}

#define PARTNER_FIELDS (BIT(F_ID) | BIT(F_NAME) | BIT(F_COUNTRY) | BIT(F_TIME_ZONE) | BIT(F_REGION))
#define CENTRE_FIELDS                                                                              \
	(BIT(F_ID) | BIT(F_NAME) | BIT(F_KIND) | BIT(F_PARTNER) | BIT(F_COUNTRY) | BIT(F_REGION) | \
	 BIT(F_SECTOR) | BIT(F_PERSON) | BIT(F_FACT))

static const struct command commands[] = {
    {"partner", "register", PARTNER_FIELDS, 0, "registered", build_partner_register},
    {"partner", "update", PARTNER_FIELDS, 0, "updated", build_partner_update},
    {"partner", "show", BIT(F_ID), 1, NULL, build_partner_show},
    {"partner", "list", 0, 0, NULL, build_partner_list},
    {"centre", "register", CENTRE_FIELDS, 0, "registered", build_centre_register},
    {"centre", "update", CENTRE_FIELDS | BIT(F_CLEAR_SECTORS) | BIT(F_CLEAR_CONTACTS), 0, "updated",
     build_centre_update},
    {"centre", "show", BIT(F_ID), 1, NULL, build_centre_show},
    {"centre", "list", BIT(F_PARTNER) | BIT(F_COUNTRY) | BIT(F_SECTOR) | BIT(F_CSV), 0, NULL,
     build_centre_list},
    {"sector", "list", 0, 0, NULL, build_sector_list},
    {"interest", "list", BIT(F_PARTNER), 0, NULL, build_interest_list},
    {"interest", "mark", BIT(F_PARTNER) | BIT(F_SECTOR) | BIT(F_NOTE), 0, "marked",
     build_interest_mark},
    {"interest", "unmark", BIT(F_PARTNER) | BIT(F_SECTOR), 0, "unmarked", build_interest_unmark},
    {"commitment", "confirm", BIT(F_CENTRE) | BIT(F_COMMITMENT), 0, "confirmed",
     build_commitment_confirm},
    {"commitment", "withdraw", BIT(F_CENTRE) | BIT(F_COMMITMENT), 0, "withdrew",
     build_commitment_withdraw},
    {"commitment", "list", BIT(F_CENTRE), 0, NULL, build_commitment_list},
    {"alliance", "create",
     BIT(F_ID) | BIT(F_NAME) | BIT(F_KIND) | BIT(F_SECTOR) | BIT(F_MEMBER) | BIT(F_ADOPT), 0,
     "created", build_alliance_create},
    {"alliance", "join", BIT(F_ID) | BIT(F_CENTRE), 1, "joined", build_alliance_join},
    {"alliance", "leave", BIT(F_ID) | BIT(F_CENTRE), 1, "left", build_alliance_leave},
    {"alliance", "contact", BIT(F_ID) | BIT(F_CENTRE) | BIT(F_CONTACT) | BIT(F_CHANNEL), 1,
     "designated a contact point in", build_alliance_contact},
    {"alliance", "agree", BIT(F_ID), 1, "recorded the agreement of", build_alliance_agree},
    {"alliance", "visit", BIT(F_ID) | BIT(F_DATE) | BIT(F_REFERENCE), 1,
     "recorded the mutual visit of", build_alliance_visit},
    {"alliance", "mou-draft",
     BIT(F_ID) | BIT(F_OBJECTIVES) | BIT(F_STUDENTS) | BIT(F_STAFF) | BIT(F_ACTIVITY) |
	 BIT(F_LANGUAGES) | BIT(F_ECVET) | BIT(F_VALID_FROM) | BIT(F_VALID_UNTIL),
     1, "drafted the MoU of", build_mou_draft},
    {"alliance", "mou-sign", BIT(F_ID) | BIT(F_CENTRE) | BIT(F_HASH), 1, "signed the MoU of",
     build_mou_sign},
    {"alliance", "show", BIT(F_ID), 1, NULL, build_alliance_show},
    {"alliance", "list", 0, 0, NULL, build_alliance_list},
    {"report", "alliances", 0, 0, NULL, build_alliance_list},
    {"mobility", "propose",
     BIT(F_ID) | BIT(F_KIND) | BIT(F_PARTICIPANT) | BIT(F_SENDING) | BIT(F_HOST) | BIT(F_SECTOR) |
	 BIT(F_START) | BIT(F_END) | BIT(F_FORMAT) | BIT(F_PAID) | BIT(F_GROUP) | BIT(F_UNIT) |
	 BIT(F_ENGLISH) | BIT(F_ENGLISH_REQUIRED) | BIT(F_FACT) | BIT(F_BY),
     0, "proposed", build_mobility_propose},
    {"mobility", "review", BIT(F_ID) | BIT(F_BY) | BIT(F_ACCEPT) | BIT(F_REFUSE) | BIT(F_REASON), 1,
     "reviewed", build_mobility_review},
    {"mobility", "approve", BIT(F_ID) | BIT(F_BY), 1, "approved", build_mobility_approve},
    {"mobility", "reject", BIT(F_ID) | BIT(F_BY) | BIT(F_REASON), 1, "rejected",
     build_mobility_reject},
    {"mobility", "start", BIT(F_ID) | BIT(F_BY), 1, "started", build_mobility_start},
    {"mobility", "complete", BIT(F_ID) | BIT(F_BY), 1, "completed", build_mobility_complete},
    {"mobility", "certify", BIT(F_ID) | BIT(F_BY) | BIT(F_ACTIVITY) | BIT(F_OUTCOME), 1,
     "certified", build_mobility_certify},
    {"mobility", "countersign", BIT(F_ID) | BIT(F_BY), 1, "countersigned the certificate of",
     build_mobility_countersign},
    {"mobility", "cancel", BIT(F_ID) | BIT(F_BY) | BIT(F_REASON), 1, "cancelled",
     build_mobility_cancel},
    {"mobility", "prepare",
     BIT(F_ID) | BIT(F_BY) | BIT(F_FACT) | BIT(F_ENGLISH) | BIT(F_ENGLISH_REQUIRED) | BIT(F_UNIT),
     1, "updated the readiness of", build_mobility_prepare},
    {"mobility", "show", BIT(F_ID), 1, NULL, build_mobility_show},
    {"mobility", "certificate", BIT(F_ID), 1, NULL, build_mobility_show},
    {"mobility", "list", BIT(F_STATUS) | BIT(F_PARTNER), 0, NULL, build_mobility_list},
    {"report", "mobilities", BIT(F_CSV), 0, NULL, build_mobility_list},
    {"rules", "show", 0, 0, NULL, build_rules_show},
    {"rules", "reload", 0, 0, NULL, build_rules_reload},
    /* One-word commands: verb NULL. */
    {"status", NULL, 0, 0, NULL, build_daemon_status},
    {"metrics", NULL, 0, 0, NULL, build_metrics},
    /* Centre, sector-report and MoU-document commands */
    {"centre", "criteria", BIT(F_ID), 1, NULL, build_centre_criteria},
    {"centre", "match", BIT(F_SECTOR) | BIT(F_CENTRE) | BIT(F_COUNTRY), 0, NULL,
     build_centre_match},
    {"centre", "import", 0, 1, NULL, build_state_get}, /* see runners */
    {"report", "sectors", BIT(F_CSV), 0, NULL, build_report_sectors},
    {"mou", "show", BIT(F_ID), 1, NULL, build_alliance_show},
    /* keygen sends nothing (build NULL) */
    {"keygen", NULL, 0, 1, NULL, NULL},
    {"whoami", NULL, 0, 0, NULL, build_whoami},
    {"principals", "reload", 0, 0, NULL, build_principals_reload},
};

/* Commands that send several requests themselves. */
static const struct runner {
	const char *noun, *verb;
	/* Does the whole command; returns an exit code. */
	int (*run)(const struct options *o, va_client_t *client);
} runners[] = {
    {"centre", "import", run_centre_import},
};

static const struct runner *runner_of(const struct command *cmd)
{
	for (size_t i = 0; cmd->verb != NULL && i < sizeof runners / sizeof runners[0]; i++)
		if (strcmp(runners[i].noun, cmd->noun) == 0 &&
		    strcmp(runners[i].verb, cmd->verb) == 0)
			return &runners[i];
	return NULL;
}

/* Flags that may be given once only, even where --sector repeats. */
static int single_sector(const struct command *cmd)
{
	return strcmp(cmd->noun, "centre") != 0 || strcmp(cmd->verb, "list") == 0;
}

/* ------------------------------------------------------- parsing */

/* parse_int - a decimal in [min, max]; returns 0 or -1. */
static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * parse_args - fill opts and find the command.  Returns 0, or the exit
 * code to leave with (EX_OK after --help or --version).
 */
static int parse_args(int argc, char **argv, struct options *o, const struct command **cmd_p)
{
	const struct command *cmd = NULL;
	const char *noun, *verb;
	int known_noun = 0;
	int c;

	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->attempts = DEFAULT_ATTEMPTS;
	o->endpoint = getenv("VETCTL_ENDPOINT");
	if (o->endpoint == NULL || o->endpoint[0] == '\0')
		o->endpoint = VA_DEFAULT_CMD_ENDPOINT;

	opterr = 0; /* our messages, in our format */
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (c) {
		case O_ENDPOINT:
			o->endpoint = optarg;
			break;
		case O_JSON:
			o->json = 1;
			break;
		case O_TIMEOUT:
			if (parse_int(optarg, 1, MAX_TIMEOUT_MS, &o->timeout_ms) < 0) {
				usage_error("invalid --timeout '%s': expected milliseconds, 1..%d",
					    optarg, MAX_TIMEOUT_MS);
				return EX_USAGE;
			}
			break;
		case O_ATTEMPTS:
			if (parse_int(optarg, 1, 1000, &o->attempts) < 0) {
				usage_error("invalid --attempts '%s': expected 1..1000", optarg);
				return EX_USAGE;
			}
			break;
		case O_REQUEST_ID:
			if (optarg[0] == '\0' || strlen(optarg) > VA_REQUEST_ID_MAX) {
				usage_error("invalid --request-id '%s': expected 1..%d bytes",
					    optarg, VA_REQUEST_ID_MAX);
				return EX_USAGE;
			}
			o->request_id = optarg;
			break;
		case O_KEY:
			o->key = optarg;
			break;
		case O_SERVER_KEY:
			o->server_key = optarg;
			break;
		case O_HELP:
			usage(stdout);
			return EX_OK;
		case O_VERSION:
			printf("vetctl %s\n", VA_VERSION);
			return EX_OK;
		case FLAG_BASE + F_SECTOR:
			o->given |= BIT(F_SECTOR);
			o->sectors[o->n_sectors++] = optarg;
			break;
		case FLAG_BASE + F_MEMBER:
			o->given |= BIT(F_MEMBER);
			o->members[o->n_members++] = optarg;
			break;
		case FLAG_BASE + F_CHANNEL:
			o->given |= BIT(F_CHANNEL);
			o->channels[o->n_channels++] = optarg;
			break;
		case FLAG_BASE + F_ADOPT:
			o->given |= BIT(F_ADOPT);
			o->adopts[o->n_adopts++] = optarg;
			break;
		case FLAG_BASE + F_ACTIVITY:
			o->given |= BIT(F_ACTIVITY);
			o->activities[o->n_activities++] = optarg;
			break;
		case FLAG_BASE + F_CLEAR_SECTORS:
			o->given |= BIT(F_CLEAR_SECTORS);
			break;
		/* Repeatable and valueless flags */
		case FLAG_BASE + F_UNIT:
			o->given |= BIT(F_UNIT);
			o->units[o->n_units++] = optarg;
			break;
		case FLAG_BASE + F_OUTCOME:
			o->given |= BIT(F_OUTCOME);
			o->outcomes[o->n_outcomes++] = optarg;
			break;
		case FLAG_BASE + F_FACT:
			o->given |= BIT(F_FACT);
			o->facts[o->n_facts++] = optarg;
			break;
		case FLAG_BASE + F_PERSON:
			o->given |= BIT(F_PERSON);
			o->persons[o->n_persons++] = optarg;
			break;
		case FLAG_BASE + F_CLEAR_CONTACTS:
			o->given |= BIT(F_CLEAR_CONTACTS);
			break;
		case FLAG_BASE + F_PAID:
		case FLAG_BASE + F_ACCEPT:
		case FLAG_BASE + F_REFUSE:
		case FLAG_BASE + F_CSV:
			o->given |= BIT(c - FLAG_BASE);
			break;
		default:
			if (c >= FLAG_BASE && c < FLAG_BASE + F_COUNT) {
				int f = c - FLAG_BASE;

				if (o->given & BIT(f)) {
					usage_error("option '--%s' given twice", flag_names[f]);
					return EX_USAGE;
				}
				o->given |= BIT(f);
				o->value[f] = optarg;
				break;
			}
			if (c == ':')
				usage_error("option '%s' needs an argument", argv[optind - 1]);
			else
				usage_error("unknown option '%s'", argv[optind - 1]);
			return EX_USAGE;
		}
	}

	if (optind >= argc) {
		usage_error(
		    "missing NOUN (partner, centre, sector, interest, commitment, alliance, "
		    "mobility, rules, report, mou, session, deadline, status, metrics, keygen, "
		    "whoami, "
		    "principals)");
		return EX_USAGE;
	}
	noun = argv[optind++];
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].verb == NULL && strcmp(commands[i].noun, noun) == 0)
			cmd = &commands[i];
	if (cmd != NULL) {
		verb = "";
		known_noun = 1;
	} else if (optind >= argc) {
		usage_error("missing VERB after '%s'", noun);
		return EX_USAGE;
	}
	if (cmd == NULL)
		verb = argv[optind++];
	for (size_t i = 0; cmd == NULL && i < sizeof commands / sizeof commands[0]; i++) {
		if (commands[i].verb == NULL || strcmp(commands[i].noun, noun) != 0)
			continue;
		known_noun = 1;
		if (strcmp(commands[i].verb, verb) == 0) {
			cmd = &commands[i];
			break;
		}
	}
	if (!known_noun) {
		usage_error("unknown noun '%s'", noun);
		return EX_USAGE;
	}
	if (cmd == NULL) {
		usage_error("unknown verb '%s' for '%s'", verb, noun);
		return EX_USAGE;
	}

	o->args = argv + optind;
	o->n_args = argc - optind;
	if (o->n_args > cmd->max_args) {
		usage_error("unexpected argument '%s' to '%s %s'", o->args[cmd->max_args], noun,
			    verb);
		return EX_USAGE;
	}
	for (int f = 0; f < F_COUNT; f++) {
		if ((o->given & BIT(f)) && !(cmd->flags & BIT(f))) {
			usage_error("option '--%s' does not apply to '%s %s'", flag_names[f], noun,
				    verb);
			return EX_USAGE;
		}
	}
	if (o->n_sectors > 1 && single_sector(cmd)) {
		usage_error("option '--sector' given twice");
		return EX_USAGE;
	}
	*cmd_p = cmd;
	return 0;
}

/* ------------------------------------------------------- output */

/* text_width - display columns of a UTF-8 string (one per code point). */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/*
 * value_text - a JSON value as plain text: strings bare, booleans yes/no,
 * arrays joined with `sep`, null empty.  Returns a string to free(), or
 * NULL on out of memory.
 */
static char *value_text(json_t *v, const char *sep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		fputs(json_string_value(v), f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%.10g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("yes", f);
		break;
	case JSON_FALSE:
		fputs("no", f);
		break;
	case JSON_NULL:
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
		{
			char *t = value_text(e, sep);

			fprintf(f, "%s%s", i > 0 ? sep : "", t != NULL ? t : "");
			free(t);
		}
		break;
	}
	case JSON_OBJECT: {
		char *t = json_dumps(v, JSON_COMPACT);

		fputs(t != NULL ? t : "", f);
		free(t);
		break;
	}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* shadowed_ms - key ends in "_ms" and the object has its "_at" sibling. */
static int shadowed_ms(json_t *obj, const char *key)
{
	size_t n = strlen(key);
	char at[256];

	if (n < 4 || n >= sizeof at || strcmp(key + n - 3, "_ms") != 0)
		return 0;
	memcpy(at, key, n - 3);
	memcpy(at + n - 3, "_at", 4);
	return json_object_get(obj, at) != NULL;
}

/* print_fields - "key: value" lines for an object; nested objects get
 * their keys prefixed with "key.". */
static int print_fields(json_t *obj, const char *prefix)
{
	const char *key;
	size_t width = 0;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t w = strlen(prefix) + strlen(key) + 1;
		if (!json_is_object(v) && !shadowed_ms(obj, key) && w > width)
			width = w;
	}
	json_object_foreach(obj, key, v)
	{
		char *text;
		int pad;

		if (shadowed_ms(obj, key))
			continue;
		if (json_is_object(v)) {
			char sub[512];

			snprintf(sub, sizeof sub, "%s%s.", prefix, key);
			if (print_fields(v, sub) < 0)
				return -1;
			continue;
		}
		text = value_text(v, ", ");
		if (text == NULL)
			return -1;
		pad = (int)(width - strlen(prefix) - strlen(key) - 1);
		printf("%s%s:%*s %s\n", prefix, key, pad, "", text);
		free(text);
	}
	return 0;
}

/* table_column - a field shown as a table column: scalars and repeated
 * scalars, not timestamps or nested messages. */
static int table_column(const ProtobufCFieldDescriptor *f)
{
	size_t n = strlen(f->name);

	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
		return 0;
	return !(n >= 3 && strcmp(f->name + n - 3, "_ms") == 0);
}

/*
 * print_table - an aligned table of `rows` (JSON objects of messages of
 * type `desc`): one column per field, headed by its upper-case name.
 * Empty cells print as "-" so that every row splits into the same number
 * of words.
 */
static int print_table(const ProtobufCMessageDescriptor *desc, json_t *rows)
{
	size_t nrows = json_array_size(rows);
	size_t ncols = desc->n_fields;
	size_t *width = NULL;
	char **cell = NULL;
	int rc = -1;

	width = calloc(ncols, sizeof *width);
	cell = calloc((nrows + 1) * ncols, sizeof *cell);
	if (width == NULL || cell == NULL)
		goto out;
	for (size_t c = 0; c < ncols; c++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[c];
		char *h;

		if (!table_column(f))
			continue;
		h = strdup(f->name);
		if (h == NULL)
			goto out;
		for (char *p = h; *p != '\0'; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		cell[c] = h;
		for (size_t r = 0; r < nrows; r++) {
			json_t *v = json_object_get(json_array_get(rows, r), f->name);
			char *t = v != NULL ? value_text(v, ",") : strdup("");

			if (t == NULL)
				goto out;
			if (t[0] == '\0') {
				free(t);
				t = strdup("-");
				if (t == NULL)
					goto out;
			}
			cell[(r + 1) * ncols + c] = t;
		}
	}
	for (size_t i = 0; i < (nrows + 1) * ncols; i++) {
		if (cell[i] != NULL && text_width(cell[i]) > width[i % ncols])
			width[i % ncols] = text_width(cell[i]);
	}
	for (size_t r = 0; r <= nrows; r++) {
		size_t last = 0;

		for (size_t c = 0; c < ncols; c++) {
			if (cell[r * ncols + c] != NULL)
				last = c;
		}
		for (size_t c = 0; c < ncols; c++) {
			const char *t = cell[r * ncols + c];

			if (t == NULL)
				continue;
			fputs(t, stdout);
			if (c == last)
				break;
			printf("%*s", (int)(width[c] - text_width(t) + 2), "");
		}
		putchar('\n');
	}
	rc = 0;
out:
	if (cell != NULL) {
		for (size_t i = 0; i < (nrows + 1) * ncols; i++)
			free(cell[i]);
	}
	free(cell);
	free(width);
	return rc;
}

/*
 * print_result - the result member of a query's reply: a table when the
 * result message is a single repeated message field (a list result),
 * "key: value" lines otherwise.  Returns 0 or -1 on out of memory.
 */
static int print_result(const va_reply_t *reply)
{
	const ProtobufCFieldDescriptor *rf;
	const ProtobufCMessage *res;
	const ProtobufCMessageDescriptor *d;
	json_t *obj = NULL;
	char *text = NULL;
	int rc = -1;

	if (reply->result_case == VETALLIANCE__V1__REPLY__RESULT__NOT_SET)
		return 0;
	if (reply->result_case == VETALLIANCE__V1__REPLY__RESULT_METRICS) {
		/* Already text, for a scraper: as it came. */
		if (reply->metrics != NULL && reply->metrics->text != NULL)
			fputs(reply->metrics->text, stdout);
		return 0;
	}
	rf = protobuf_c_message_descriptor_get_field(reply->base.descriptor,
						     (unsigned)reply->result_case);
	if (rf == NULL || rf->type != PROTOBUF_C_TYPE_MESSAGE)
		return 0;
	res = *(ProtobufCMessage *const *)((const char *)reply + rf->offset);
	if (res == NULL)
		return 0;
	text = va_json_message(res);
	if (text == NULL)
		goto out;
	obj = json_loads(text, 0, NULL);
	if (obj == NULL)
		goto out;

	d = res->descriptor;
	if (d->n_fields == 1 && d->fields[0].label == PROTOBUF_C_LABEL_REPEATED &&
	    d->fields[0].type == PROTOBUF_C_TYPE_MESSAGE)
		rc = print_table(d->fields[0].descriptor, json_object_get(obj, d->fields[0].name));
	else
		rc = print_fields(obj, "");
out:
	json_decref(obj);
	free(text);
	return rc;
}

/* print_done - the one-line confirmation of a write. */
static void print_done(const struct command *cmd, const struct options *o, const va_reply_t *reply)
{
	if (strcmp(cmd->noun, "interest") == 0)
		printf("%s interest of partner '%s' in sector '%s' (seq %" PRIu64 ")\n", cmd->done,
		       o->value[F_PARTNER] != NULL ? o->value[F_PARTNER] : "",
		       o->n_sectors > 0 ? o->sectors[0] : "", reply->seq);
	else if (strcmp(cmd->noun, "alliance") == 0)
		printf("%s alliance '%s' (seq %" PRIu64 ")\n", cmd->done,
		       o->value[F_ID] != NULL ? o->value[F_ID]
		       : o->n_args > 0        ? o->args[0]
					      : "",
		       reply->seq);
	else if (strcmp(cmd->noun, "mobility") == 0)
		printf("%s mobility '%s' (seq %" PRIu64 ")\n", cmd->done,
		       o->value[F_ID] != NULL ? o->value[F_ID]
		       : o->n_args > 0        ? o->args[0]
					      : "",
		       reply->seq);
	else if (strcmp(cmd->noun, "commitment") == 0)
		printf("%s commitment '%s' for centre '%s' (seq %" PRIu64 ")\n", cmd->done,
		       o->value[F_COMMITMENT], o->value[F_CENTRE], reply->seq);
	else
		printf("%s %s '%s' (seq %" PRIu64 ")\n", cmd->done, cmd->noun,
		       o->value[F_ID] != NULL ? o->value[F_ID] : "", reply->seq);
}

int main(int argc, char **argv)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	struct options opts = {0};
	const struct command *cmd = NULL;
	const struct printer *printer = NULL;
	struct bodies *bodies = NULL;
	va_client_t *client = NULL;
	va_reply_t *reply = NULL;
	va_keys_t keys;
	int keyed = 0;
	char *json = NULL;
	int status = EX_SOFTWARE;
	int rc;

	/* Sessions, deadlines and their report have their own flags. */
	if (vetctl_session_wants(argc, argv))
		return vetctl_session_main(argc, argv);
	opts.sectors = calloc((size_t)argc + 1, sizeof *opts.sectors);
	opts.members = calloc((size_t)argc + 1, sizeof *opts.members);
	opts.channels = calloc((size_t)argc + 1, sizeof *opts.channels);
	opts.adopts = calloc((size_t)argc + 1, sizeof *opts.adopts);
	opts.activities = calloc((size_t)argc + 1, sizeof *opts.activities);
	opts.units = calloc((size_t)argc + 1, sizeof *opts.units);
	opts.outcomes = calloc((size_t)argc + 1, sizeof *opts.outcomes);
	opts.facts = calloc((size_t)argc + 1, sizeof *opts.facts);
	opts.persons = calloc((size_t)argc + 1, sizeof *opts.persons);
	bodies = calloc(1, sizeof *bodies);
	if (opts.sectors == NULL || opts.members == NULL || opts.channels == NULL ||
	    opts.adopts == NULL || opts.activities == NULL || opts.units == NULL ||
	    opts.outcomes == NULL || opts.facts == NULL || opts.persons == NULL || bodies == NULL) {
		fputs("vetctl: out of memory\n", stderr);
		goto out;
	}
	rc = parse_args(argc, argv, &opts, &cmd);
	if (rc != 0 || cmd == NULL) {
		status = rc;
		goto out;
	}
	if (cmd->build == NULL) {
		if (opts.n_args != 1) {
			usage_error("keygen: give the NAME of the key pair");
			status = EX_USAGE;
		} else {
			status = keygen(opts.args[0]);
		}
		goto out;
	}
	{
		char err[512];
		if (va_keys_setup(&keys, &keyed, opts.key, opts.server_key, err, sizeof err) < 0) {
			usage_error("%s", err);
			status = EX_USAGE;
			goto out;
		}
	}
	if (runner_of(cmd) != NULL) {
		client = va_client_new_keyed(opts.endpoint, opts.timeout_ms, opts.attempts,
					     keyed ? &keys : NULL);
		if (client == NULL) {
			usage_error("invalid endpoint '%s'", opts.endpoint);
			status = EX_USAGE;
			goto out;
		}
		status = runner_of(cmd)->run(&opts, client);
		goto out;
	}
	status = cmd->build(&opts, bodies, &req);
	if (status != 0)
		goto out;
	if (opts.request_id != NULL)
		req.request_id = opts.request_id;

	client = va_client_new_keyed(opts.endpoint, opts.timeout_ms, opts.attempts,
				     keyed ? &keys : NULL);
	if (client == NULL) {
		usage_error("invalid endpoint '%s'", opts.endpoint);
		status = EX_USAGE;
		goto out;
	}
	rc = va_client_call(client, &req, &reply);
	if (rc == -VA_DEADLINE_EXCEEDED) {
		fprintf(stderr, "vetctl: no reply from '%s' after %d attempt%s\n", opts.endpoint,
			opts.attempts, opts.attempts == 1 ? "" : "s");
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "vetctl: cannot send the request: %s\n", va_strerror(rc));
		status = EX_SOFTWARE;
		goto out;
	}

	printer = printer_of(cmd->noun, cmd->verb);
	if (opts.json && (printer == NULL || reply->status != VETALLIANCE__V1__STATUS__STATUS_OK)) {
		json = va_json_message(&reply->base);
		if (json == NULL) {
			fputs("vetctl: cannot print the reply as JSON\n", stderr);
			status = EX_SOFTWARE;
			goto out;
		}
		printf("%s\n", json);
	}
	if (reply->status != VETALLIANCE__V1__STATUS__STATUS_OK) {
		fprintf(stderr, "vetctl: %s: %s\n", va_status_name((int)reply->status),
			reply->message != NULL && reply->message[0] != '\0'
			    ? reply->message
			    : va_strerror((int)reply->status));
		status = EXIT_REFUSED;
		goto out;
	}
	if (printer != NULL) {
		rc = printer->print(&opts, reply);
		if (rc != 0) {
			if (rc < 0)
				fputs("vetctl: cannot print the reply\n", stderr);
			status = rc < 0 ? EX_SOFTWARE : EXIT_REFUSED;
			goto out;
		}
	} else if (!opts.json) {
		if (cmd->done != NULL)
			print_done(cmd, &opts, reply);
		else if (print_result(reply) < 0) {
			fputs("vetctl: cannot print the reply\n", stderr);
			status = EX_SOFTWARE;
			goto out;
		}
	}
	status = EX_OK;
out:
	if (fflush(stdout) != 0 && status == EX_OK) {
		perror("vetctl: stdout");
		status = EX_IOERR;
	}
	free(json);
	va_reply_free(&reply);
	va_client_free(&client);
	if (bodies != NULL) {
		free(bodies->alliance_members);
		free(bodies->alliance_mptrs);
		vx_pool_release(&bodies->pool);
	}
	free(bodies);
	free(opts.sectors);
	free(opts.members);
	free(opts.channels);
	free(opts.adopts);
	free(opts.activities);
	free(opts.units);
	free(opts.outcomes);
	free(opts.facts);
	free(opts.persons);
	return status;
}
