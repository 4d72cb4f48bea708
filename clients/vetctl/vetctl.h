/*
 * vetctl/vetctl - what the files of vetctl share: the flags, the parsed
 * options, the request bodies a command fills, the command table's row,
 * and each file's builders and printers (main.c holds the table that
 * names them).
 */
#ifndef VA_VETCTL_H
#define VA_VETCTL_H

#include <stdio.h>

#include <vetalliance/client.h>
#include <vetalliance/json.h>

#include "vetctl/centre_io.h"
#include "vetctl/mobility_print.h"
#include "vetctl/session.h"

#define EXIT_REFUSED 1

#define DEFAULT_TIMEOUT_MS 2000

#define DEFAULT_ATTEMPTS 3

#define MAX_TIMEOUT_MS 3600000

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
	/* the body of a command built from its spec (build.c) */
	_Alignas(16) unsigned char spec_body[256];
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

/*
 * A Request body filled by the descriptors (build.c): `body` is its field
 * in Request ("alliance_join"), `id_field` the string field that gets the
 * id argument (or --id; NULL: none), and each flag goes, as given or
 * empty, into its string field.
 */
struct body_spec {
	const char *body;
	const char *id_field;
	struct {
		enum flag flag;
		const char *field; /* NULL: the end */
	} flags[3];
};

struct command {
	const char *noun;
	const char *verb;
	uint64_t flags;   /* the flags it accepts */
	int max_args;     /* positional arguments it accepts */
	const char *done; /* confirmation verb for writes, NULL for queries */
	/* Fill req from opts; returns 0 or EX_USAGE after a message.  NULL:
	 * the spec fills it, or (no spec either) nothing is sent. */
	int (*build)(const struct options *opts, struct bodies *b, va_request_t *req);
	const struct body_spec *spec;
};

/* A body_spec in a command row: BODY("alliance_join", "alliance",
 * {F_CENTRE, "centre"}), or BODY0("alliance_list", NULL) with no flag. */
#define BODY(body, id, ...) (&(const struct body_spec){(body), (id), {__VA_ARGS__}})
#define BODY0(body, id)     (&(const struct body_spec){(body), (id), {{F_ID, NULL}}})

/* build_from_spec - fill req as spec says (build.c). */
int build_from_spec(const struct body_spec *spec, const struct options *o, struct bodies *b,
		    va_request_t *req);

#define PARTNER_FIELDS (BIT(F_ID) | BIT(F_NAME) | BIT(F_COUNTRY) | BIT(F_TIME_ZONE) | BIT(F_REGION))

#define CENTRE_FIELDS                                                                              \
	(BIT(F_ID) | BIT(F_NAME) | BIT(F_KIND) | BIT(F_PARTNER) | BIT(F_COUNTRY) | BIT(F_REGION) | \
	 BIT(F_SECTOR) | BIT(F_PERSON) | BIT(F_FACT))

/* The command-line name of each flag, by enum flag (main.c). */
extern const char *const flag_names[F_COUNT];

void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* main.c */
void print_slugs(FILE *out, const ProtobufCEnumDescriptor *d);
void print_kinds(FILE *out);
int print_result(const va_reply_t *reply);

/* partner.c */
int build_partner_register(const struct options *o, struct bodies *b, va_request_t *req);
int build_partner_update(const struct options *o, struct bodies *b, va_request_t *req);

/* centre.c */
char *flag_or_empty(const struct options *o, enum flag f);
int show_id(const struct options *o, char **id);
size_t build_mask(const struct options *o, struct bodies *b, const enum flag *flags,
		  const char *const *fields, size_t n);
int build_centre_register(const struct options *o, struct bodies *b, va_request_t *req);
int build_centre_update(const struct options *o, struct bodies *b, va_request_t *req);
int build_centre_list(const struct options *o, struct bodies *b, va_request_t *req);
int build_centre_match(const struct options *o, struct bodies *b, va_request_t *req);
int print_centre_list(const struct options *o, const va_reply_t *reply);
int run_centre_import(const struct options *o, va_client_t *client);

/* sector.c */
int build_interest_mark(const struct options *o, struct bodies *b, va_request_t *req);
int build_interest_unmark(const struct options *o, struct bodies *b, va_request_t *req);
int build_report_sectors(const struct options *o, struct bodies *b, va_request_t *req);
int print_report_sectors(const struct options *o, const va_reply_t *reply);

/* commitment.c */
int build_commitment_confirm(const struct options *o, struct bodies *b, va_request_t *req);
int build_commitment_withdraw(const struct options *o, struct bodies *b, va_request_t *req);
int build_commitment_list(const struct options *o, struct bodies *b, va_request_t *req);

/* alliance.c */
int build_alliance_create(const struct options *o, struct bodies *b, va_request_t *req);
int build_alliance_contact(const struct options *o, struct bodies *b, va_request_t *req);
int build_alliance_visit(const struct options *o, struct bodies *b, va_request_t *req);
int build_mou_draft(const struct options *o, struct bodies *b, va_request_t *req);
int print_mou_show(const struct options *o, const va_reply_t *reply);

/* ops.c */
int keygen(const char *name);

/* mobility.c */
int build_mobility_propose(const struct options *o, struct bodies *b, va_request_t *req);
int build_mobility_review(const struct options *o, struct bodies *b, va_request_t *req);
int build_mobility_certify(const struct options *o, struct bodies *b, va_request_t *req);
int build_mobility_prepare(const struct options *o, struct bodies *b, va_request_t *req);
int build_mobility_list(const struct options *o, struct bodies *b, va_request_t *req);
int print_mobility_show(const struct options *o, const va_reply_t *reply);
int print_mobility_certificate(const struct options *o, const va_reply_t *reply);
int print_mobility_report(const struct options *o, const va_reply_t *reply);

#endif
