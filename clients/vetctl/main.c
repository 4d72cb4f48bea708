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

#include "vetctl/vetctl.h"

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

const char *const flag_names[F_COUNT] = {
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

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vetctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vetctl --help' for more information.\n", stderr);
}

/* print_slugs - the slugs of an enum but "unspecified", comma-separated. */
void print_slugs(FILE *out, const ProtobufCEnumDescriptor *d)
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
void print_kinds(FILE *out)
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

static const struct command commands[] = {
    {"partner", "register", PARTNER_FIELDS, 0, "registered", build_partner_register, NULL},
    {"partner", "update", PARTNER_FIELDS, 0, "updated", build_partner_update, NULL},
    {"partner", "show", BIT(F_ID), 1, NULL, NULL, BODY0("partner_get", "id")},
    {"partner", "list", 0, 0, NULL, NULL, BODY0("partner_list", NULL)},
    {"centre", "register", CENTRE_FIELDS, 0, "registered", build_centre_register, NULL},
    {"centre", "update", CENTRE_FIELDS | BIT(F_CLEAR_SECTORS) | BIT(F_CLEAR_CONTACTS), 0, "updated",
     build_centre_update, NULL},
    {"centre", "show", BIT(F_ID), 1, NULL, NULL, BODY0("centre_get", "id")},
    {"centre", "list", BIT(F_PARTNER) | BIT(F_COUNTRY) | BIT(F_SECTOR) | BIT(F_CSV), 0, NULL,
     build_centre_list, NULL},
    {"sector", "list", 0, 0, NULL, NULL, BODY0("sector_list", NULL)},
    {"interest", "list", BIT(F_PARTNER), 0, NULL, NULL,
     BODY("interest_list", NULL, {F_PARTNER, "partner"})},
    {"interest", "mark", BIT(F_PARTNER) | BIT(F_SECTOR) | BIT(F_NOTE), 0, "marked",
     build_interest_mark, NULL},
    {"interest", "unmark", BIT(F_PARTNER) | BIT(F_SECTOR), 0, "unmarked", build_interest_unmark,
     NULL},
    {"commitment", "confirm", BIT(F_CENTRE) | BIT(F_COMMITMENT), 0, "confirmed",
     build_commitment_confirm, NULL},
    {"commitment", "withdraw", BIT(F_CENTRE) | BIT(F_COMMITMENT), 0, "withdrew",
     build_commitment_withdraw, NULL},
    {"commitment", "list", BIT(F_CENTRE), 0, NULL, build_commitment_list, NULL},
    {"alliance", "create",
     BIT(F_ID) | BIT(F_NAME) | BIT(F_KIND) | BIT(F_SECTOR) | BIT(F_MEMBER) | BIT(F_ADOPT), 0,
     "created", build_alliance_create, NULL},
    {"alliance", "join", BIT(F_ID) | BIT(F_CENTRE), 1, "joined", NULL,
     BODY("alliance_join", "alliance", {F_CENTRE, "centre"})},
    {"alliance", "leave", BIT(F_ID) | BIT(F_CENTRE), 1, "left", NULL,
     BODY("alliance_leave", "alliance", {F_CENTRE, "centre"})},
    {"alliance", "contact", BIT(F_ID) | BIT(F_CENTRE) | BIT(F_CONTACT) | BIT(F_CHANNEL), 1,
     "designated a contact point in", build_alliance_contact, NULL},
    {"alliance", "agree", BIT(F_ID), 1, "recorded the agreement of", NULL,
     BODY0("alliance_agree", "alliance")},
    {"alliance", "visit", BIT(F_ID) | BIT(F_DATE) | BIT(F_REFERENCE), 1,
     "recorded the mutual visit of", build_alliance_visit, NULL},
    {"alliance", "mou-draft",
     BIT(F_ID) | BIT(F_OBJECTIVES) | BIT(F_STUDENTS) | BIT(F_STAFF) | BIT(F_ACTIVITY) |
	 BIT(F_LANGUAGES) | BIT(F_ECVET) | BIT(F_VALID_FROM) | BIT(F_VALID_UNTIL),
     1, "drafted the MoU of", build_mou_draft, NULL},
    {"alliance", "mou-sign", BIT(F_ID) | BIT(F_CENTRE) | BIT(F_HASH), 1, "signed the MoU of", NULL,
     BODY("mou_sign", "alliance", {F_CENTRE, "centre"}, {F_HASH, "hash"})},
    {"alliance", "show", BIT(F_ID), 1, NULL, NULL, BODY0("alliance_get", "id")},
    {"alliance", "list", 0, 0, NULL, NULL, BODY0("alliance_list", NULL)},
    {"report", "alliances", 0, 0, NULL, NULL, BODY0("alliance_list", NULL)},
    {"mobility", "propose",
     BIT(F_ID) | BIT(F_KIND) | BIT(F_PARTICIPANT) | BIT(F_SENDING) | BIT(F_HOST) | BIT(F_SECTOR) |
	 BIT(F_START) | BIT(F_END) | BIT(F_FORMAT) | BIT(F_PAID) | BIT(F_GROUP) | BIT(F_UNIT) |
	 BIT(F_ENGLISH) | BIT(F_ENGLISH_REQUIRED) | BIT(F_FACT) | BIT(F_BY),
     0, "proposed", build_mobility_propose, NULL},
    {"mobility", "review", BIT(F_ID) | BIT(F_BY) | BIT(F_ACCEPT) | BIT(F_REFUSE) | BIT(F_REASON), 1,
     "reviewed", build_mobility_review, NULL},
    {"mobility", "approve", BIT(F_ID) | BIT(F_BY), 1, "approved", NULL,
     BODY("mobility_approve", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "reject", BIT(F_ID) | BIT(F_BY) | BIT(F_REASON), 1, "rejected", NULL,
     BODY("mobility_reject", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "start", BIT(F_ID) | BIT(F_BY), 1, "started", NULL,
     BODY("mobility_start", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "complete", BIT(F_ID) | BIT(F_BY), 1, "completed", NULL,
     BODY("mobility_complete", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "certify", BIT(F_ID) | BIT(F_BY) | BIT(F_ACTIVITY) | BIT(F_OUTCOME), 1,
     "certified", build_mobility_certify, NULL},
    {"mobility", "countersign", BIT(F_ID) | BIT(F_BY), 1, "countersigned the certificate of", NULL,
     BODY("mobility_countersign", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "cancel", BIT(F_ID) | BIT(F_BY) | BIT(F_REASON), 1, "cancelled", NULL,
     BODY("mobility_cancel", "id", {F_BY, "by"}, {F_REASON, "reason"})},
    {"mobility", "prepare",
     BIT(F_ID) | BIT(F_BY) | BIT(F_FACT) | BIT(F_ENGLISH) | BIT(F_ENGLISH_REQUIRED) | BIT(F_UNIT),
     1, "updated the readiness of", build_mobility_prepare, NULL},
    {"mobility", "show", BIT(F_ID), 1, NULL, NULL, BODY0("mobility_get", "id")},
    {"mobility", "certificate", BIT(F_ID), 1, NULL, NULL, BODY0("mobility_get", "id")},
    {"mobility", "list", BIT(F_STATUS) | BIT(F_PARTNER), 0, NULL, build_mobility_list, NULL},
    {"report", "mobilities", BIT(F_CSV), 0, NULL, build_mobility_list, NULL},
    {"rules", "show", 0, 0, NULL, NULL, BODY0("rules_get", NULL)},
    {"rules", "reload", 0, 0, NULL, NULL, BODY0("rules_reload", NULL)},
    /* One-word commands: verb NULL. */
    {"status", NULL, 0, 0, NULL, NULL, BODY0("daemon_status", NULL)},
    {"metrics", NULL, 0, 0, NULL, NULL, BODY0("metrics", NULL)},
    /* Centre, sector-report and MoU-document commands */
    {"centre", "criteria", BIT(F_ID), 1, NULL, NULL, BODY0("centre_criteria", "centre")},
    {"centre", "match", BIT(F_SECTOR) | BIT(F_CENTRE) | BIT(F_COUNTRY), 0, NULL, build_centre_match,
     NULL},
    {"centre", "import", 0, 1, NULL, NULL, BODY0("state_get", NULL)}, /* see runners */
    {"report", "sectors", BIT(F_CSV), 0, NULL, build_report_sectors, NULL},
    {"mou", "show", BIT(F_ID), 1, NULL, NULL, BODY0("alliance_get", "id")},
    /* keygen sends nothing (build NULL) */
    {"keygen", NULL, 0, 1, NULL, NULL, NULL},
    {"whoami", NULL, 0, 0, NULL, NULL, BODY0("whoami", NULL)},
    {"principals", "reload", 0, 0, NULL, NULL, BODY0("principals_reload", NULL)},
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
int print_result(const va_reply_t *reply)
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
	if (cmd->build == NULL && cmd->spec == NULL) {
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
	status = cmd->build != NULL ? cmd->build(&opts, bodies, &req)
				    : build_from_spec(cmd->spec, &opts, bodies, &req);
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
