/*
 * vetbench/seed - the consortium benchmark state (seed.h).
 *
 * The state a large national consortium would have after ten years, made
 * the way it would have been made: through the daemon's own commands, year
 * by year, with the daemon's clock (its fake clock file) moved forward so
 * that every command is valid when it is sent.  At scale 1:
 *
 *   2 000 centres with three contacts and their criteria facts; 200
 *   alliances of five centres (one per partner) and the six commitments of
 *   every other centre; 5 000 mobilities a year from 2017 to 2026 across
 *   every lifecycle state; 2 000 sessions a year with five participants
 *   each, attendance and evaluations; 200 deadlines a year.
 *
 * Ids are fixed (C0001, AL001, M2019-00042, S2019-0042, D2019-042) and
 * the mix (vetbench --mix consortium) names them.  Requests go over one
 * DEALER, `window` in flight; a phase waits for all its replies before
 * the next one starts, since later phases name what earlier ones made.
 * Every command must be accepted: a refusal is a fault of the seed (or
 * of the daemon) and fails the run with the daemon's message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "vetbench/seed.h"

#define PB(name) Vetalliance__V1__##name

#define SEED_FIRST_YEAR 2017
#define SEED_YEARS      10
#define SEED_ERRORS     5
#define DAY_MS          (24LL * 3600 * 1000)

struct seeder {
	const struct seed_cfg *cfg;
	void *ctx;
	void *sock;
	unsigned inflight;
	uint64_t sent;
	uint64_t ok;
	uint64_t failed;
	uint64_t last_seq;
	char errors[SEED_ERRORS][320];
	int64_t now_ms; /* the daemon's clock, as last set */
	int broken;     /* the daemon stopped answering */
};

static const char *const seed_partners[SEED_PARTNERS] = {"CYL", "SBH", "STK", "IEFP", "SAMIEDU"};
static const char *const seed_countries[SEED_PARTNERS] = {"ES", "DE", "PL", "PT", "FI"};
static const char *const seed_zones[SEED_PARTNERS] = {
    "Europe/Madrid", "Europe/Berlin", "Europe/Warsaw", "Europe/Lisbon", "Europe/Helsinki"};
char *const seed_sectors[SEED_SECTORS] = {"logistics",
					  "international-commerce",
					  "mechatronics",
					  "railway-electric-power",
					  "it",
					  "electronics",
					  "food-processing",
					  "sports-animation",
					  "child-education",
					  "care-assistance"};

/* ----------------------------------------------------------- sizes */

void seed_sizes(double scale, struct seed_sizes *z)
{
	double s = scale > 0 ? scale : 1.0;

	z->centres = (unsigned)(2000 * s + 0.5);
	if (z->centres < 10 * SEED_PARTNERS)
		z->centres = 10 * SEED_PARTNERS;
	z->centres -= z->centres % SEED_PARTNERS; /* as many per partner */
	z->alliances = (unsigned)(200 * s + 0.5);
	if (z->alliances < 2)
		z->alliances = 2;
	z->mobilities_per_year = (unsigned)(5000 * s + 0.5);
	if (z->mobilities_per_year < 20)
		z->mobilities_per_year = 20;
	z->sessions_per_year = (unsigned)(2000 * s + 0.5);
	if (z->sessions_per_year < 10)
		z->sessions_per_year = 10;
	z->deadlines_per_year = (unsigned)(200 * s + 0.5);
	if (z->deadlines_per_year < 5)
		z->deadlines_per_year = 5;
}

void seed_centre_id(char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "C%04u", i + 1);
}

const char *seed_centre_partner(unsigned i)
{
	return seed_partners[i % SEED_PARTNERS];
}

void seed_mobility_id(char *buf, size_t len, unsigned year, unsigned k)
{
	snprintf(buf, len, "M%u-%05u", year, k + 1);
}

void seed_session_id(char *buf, size_t len, unsigned year, unsigned k)
{
	snprintf(buf, len, "S%u-%04u", year, k + 1);
}

void seed_alliance_id(char *buf, size_t len, unsigned a)
{
	snprintf(buf, len, "AL%03u", a + 1);
}

/* The centre of partner p with rank r among that partner's centres. */
static unsigned seed__centre_of(const struct seed_sizes *z, unsigned p, unsigned r)
{
	return (r % (z->centres / SEED_PARTNERS)) * SEED_PARTNERS + p;
}

/* --------------------------------------------------------- the wire */

/* Keep the first few refusals: the request and the daemon's words. */
static void seed__error(struct seeder *s, const char *request_id, const char *message)
{
	if (s->failed <= SEED_ERRORS)
		snprintf(s->errors[s->failed - 1], sizeof s->errors[0], "'%s' refused: %s",
			 request_id, message);
}

/* Read one reply, waiting at most the timeout.  Returns 0, or -1 when
 * none came (the daemon is gone or stuck). */
static int seed__recv(struct seeder *s, int timeout_ms)
{
	zmq_pollitem_t item = {.socket = s->sock, .events = ZMQ_POLLIN};
	zmq_msg_t msg;
	PB(Reply) * r;

	if (zmq_poll(&item, 1, timeout_ms) <= 0)
		return -1;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, s->sock, 0) < 0) {
		zmq_msg_close(&msg);
		return -1;
	}
	r = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
	zmq_msg_close(&msg);
	s->inflight--;
	if (r == NULL) {
		s->failed++;
		seed__error(s, "?", "a reply that is not a Reply");
		return 0;
	}
	if (r->status == VETALLIANCE__V1__STATUS__STATUS_OK) {
		s->ok++;
		if (r->seq > s->last_seq)
			s->last_seq = r->seq;
	} else {
		s->failed++;
		seed__error(s, r->request_id, r->message);
	}
	vetalliance__v1__reply__free_unpacked(r, NULL);
	return 0;
}

/* Send one request once a slot of the window is free. */
static void seed__send(struct seeder *s, PB(Request) * req)
{
	char rid[32];
	uint8_t stackbuf[2048], *buf = stackbuf;
	size_t len;

	if (s->broken)
		return;
	while (s->inflight >= s->cfg->window)
		if (seed__recv(s, s->cfg->timeout_ms) < 0) {
			s->broken = 1;
			return;
		}
	snprintf(rid, sizeof rid, "seed-%" PRIu64, s->sent);
	req->request_id = rid;
	len = vetalliance__v1__request__get_packed_size(req);
	if (len > sizeof stackbuf && (buf = malloc(len)) == NULL) {
		s->broken = 1;
		return;
	}
	vetalliance__v1__request__pack(req, buf);
	if (zmq_send(s->sock, buf, len, 0) != (int)len)
		s->broken = 1;
	else
		s->inflight++, s->sent++;
	if (buf != stackbuf)
		free(buf);
}

/* Wait for every reply of the phase. */
static void seed__drain(struct seeder *s)
{
	while (s->inflight > 0 && !s->broken)
		if (seed__recv(s, s->cfg->timeout_ms) < 0)
			s->broken = 1;
}

/* Move the daemon's clock (after the phase before it is answered), and
 * give its reminder timer a turn at the new time. */
static int seed__clock(struct seeder *s, int64_t ms)
{
	char tmp[4096];
	FILE *f;

	seed__drain(s);
	snprintf(tmp, sizeof tmp, "%s.tmp", s->cfg->clock_file);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%" PRId64 "\n", ms) < 0 || fclose(f) != 0 ||
	    rename(tmp, s->cfg->clock_file) != 0) {
		fprintf(stderr, "vetbench: could not write the clock file '%s': %s\n",
			s->cfg->clock_file, strerror(errno));
		return -1;
	}
	s->now_ms = ms;
	usleep(600 * 1000);
	return 0;
}

/* Midnight UTC of a calendar day, as epoch milliseconds. */
static int64_t seed__day_ms(unsigned y, unsigned m, unsigned d)
{
	struct tm tm = {.tm_year = (int)y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d};

	return (int64_t)timegm(&tm) * 1000;
}

/* YYYYMMDD of epoch milliseconds. */
static int32_t seed__date(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (int32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

/* A deterministic hash of a few numbers: the seed's "random" choices. */
static uint32_t seed__mix(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)a << 40) ^ ((uint64_t)b << 20) ^ c;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* ---------------------------------------------------------- centres */

static void seed__centres(struct seeder *s, const struct seed_sizes *z)
{
	static const char *const regions[SEED_PARTNERS] = {"Valladolid", "Berlin", "Małopolska",
							   "Lisboa", "Etelä-Savo"};
	for (unsigned i = 0; i < z->centres && !s->broken; i++) {
		PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
		PB(CentreRegister) reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
		PB(Centre) c = VETALLIANCE__V1__CENTRE__INIT;
		PB(CentreContact) k[3], *kp[3];
		char id[16], name[64], who[3][48], mail[3][64], *ch[3][1], *secs[3];
		static const char *const roles[3] = {"Coordinator", "Head", "Teacher"};
		unsigned p = i % SEED_PARTNERS, h = seed__mix(1, i, 0);

		seed_centre_id(id, sizeof id, i);
		snprintf(name, sizeof name, "Centre %u of %s", i / SEED_PARTNERS + 1,
			 seed_partners[p]);
		c.id = id;
		c.name = name;
		c.kind = h % 8 == 0 ? VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_COMPANY
				    : VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
		c.partner = (char *)seed_partners[p];
		c.country = (char *)seed_countries[p];
		c.region = (char *)regions[p];
		/* Each sector is offered in every partner's network. */
		secs[0] = seed_sectors[(i / SEED_PARTNERS) % 10];
		secs[1] = seed_sectors[(i / SEED_PARTNERS + 3) % 10];
		secs[2] = seed_sectors[(i / SEED_PARTNERS + 7) % 10];
		c.sectors = secs;
		c.n_sectors = 1 + h % 3;
		for (unsigned r = 0; r < 3; r++) {
			vetalliance__v1__centre_contact__init(&k[r]);
			snprintf(who[r], sizeof who[r], "%s of %s", roles[r], id);
			snprintf(mail[r], sizeof mail[r], "email:%c%u@centre%u.example",
				 roles[r][0] + 32, r, i + 1);
			ch[r][0] = mail[r];
			k[r].role = r == 0 ? VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_COORDINATOR
				    : r == 1
					? VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_HEADMASTER
					: VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_TEACHER;
			k[r].name = who[r];
			k[r].channels = ch[r];
			k[r].n_channels = 1;
			kp[r] = &k[r];
		}
		c.contacts = kp;
		c.n_contacts = 3;
		c.sends = VETALLIANCE__V1__FACT__FACT_YES;
		c.receives = h % 5 == 0 ? VETALLIANCE__V1__FACT__FACT_WILLING
					: VETALLIANCE__V1__FACT__FACT_YES;
		c.dual_vet =
		    h % 3 == 0 ? VETALLIANCE__V1__FACT__FACT_YES : VETALLIANCE__V1__FACT__FACT_NO;
		c.coordinator = VETALLIANCE__V1__FACT__FACT_YES;
		if (p == 0) {
			c.excellence_network = VETALLIANCE__V1__FACT__FACT_YES;
			c.previous_experience = VETALLIANCE__V1__FACT__FACT_YES;
			c.province = "Valladolid";
			c.teacher_hours_known = 1;
			c.teacher_hours = 2 + h % 6;
		}
		reg.centre = &c;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		req.centre_register = &reg;
		seed__send(s, &req);
	}
}

/* Every other centre confirms the six commitments. */
static void seed__commitments(struct seeder *s, const struct seed_sizes *z)
{
	for (unsigned i = 0; i < z->centres && !s->broken; i += 2)
		for (int k = 1; k <= 6; k++) {
			PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
			PB(CommitmentConfirm) cc = VETALLIANCE__V1__COMMITMENT_CONFIRM__INIT;
			char id[16];

			seed_centre_id(id, sizeof id, i);
			cc.centre = id;
			cc.commitment = (PB(Commitment))k;
			req.body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM;
			req.commitment_confirm = &cc;
			seed__send(s, &req);
		}
}

/* Alliances of five centres, one of each partner, around one sector. */
static void seed__alliances(struct seeder *s, const struct seed_sizes *z)
{
	for (unsigned a = 0; a < z->alliances && !s->broken; a++) {
		PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
		PB(AllianceCreate) ac = VETALLIANCE__V1__ALLIANCE_CREATE__INIT;
		PB(Alliance) al = VETALLIANCE__V1__ALLIANCE__INIT;
		PB(AllianceMember) m[SEED_PARTNERS], *mp[SEED_PARTNERS];
		char id[16], name[64], cid[SEED_PARTNERS][16], who[SEED_PARTNERS][96];
		char *teams[1] = {"teams"};

		seed_alliance_id(id, sizeof id, a);
		snprintf(name, sizeof name, "Alliance %u for %s", a + 1, seed_sectors[a % 10]);
		for (unsigned p = 0; p < SEED_PARTNERS; p++) {
			vetalliance__v1__alliance_member__init(&m[p]);
			seed_centre_id(cid[p], sizeof cid[p], seed__centre_of(z, p, a * 7 + p * 3));
			snprintf(who[p], sizeof who[p], "Coordinator of %s", cid[p]);
			m[p].centre = cid[p];
			m[p].contact = who[p];
			m[p].channels = teams;
			m[p].n_channels = 1;
			mp[p] = &m[p];
		}
		al.id = id;
		al.name = name;
		al.kind = a % 3 == 0 ? VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_INFORMAL
				     : VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_FORMAL;
		al.sector = seed_sectors[a % 10];
		al.members = mp;
		al.n_members = SEED_PARTNERS;
		ac.alliance = &al;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CREATE;
		req.alliance_create = &ac;
		seed__send(s, &req);
	}
}

/* ------------------------------------------------------- mobilities */

/*
 * Mobility k of year y: sent by a centre of one partner to a centre of
 * the next, short enough to be short-term everywhere (two to four weeks
 * for learners, one to two for staff), virtual wherever a partner's
 * embargo covers it (STK from late 2020 on, the others in 2020-2021).
 * Its fate (`fate`, 0-99) decides how far it goes.
 */
struct seed_mob {
	char id[24];
	char sending[16];
	char host[16];
	int32_t start, end;
	int64_t end_ms;
	int learner;
	int virtual_;
	unsigned fate;
};

static void seed__mob(const struct seed_sizes *z, unsigned y, unsigned k, struct seed_mob *m)
{
	uint32_t h = seed__mix(2, y, k);
	unsigned p = k % SEED_PARTNERS, q = (p + 1 + h % (SEED_PARTNERS - 1)) % SEED_PARTNERS;
	int64_t start = seed__day_ms(y, 1, 10) + (int64_t)(h % 320) * DAY_MS;
	unsigned days;

	seed_mobility_id(m->id, sizeof m->id, y, k);
	seed_centre_id(m->sending, sizeof m->sending, seed__centre_of(z, p, k / SEED_PARTNERS));
	seed_centre_id(m->host, sizeof m->host, seed__centre_of(z, q, k * 3 + 1));
	/* STK's staff may go only in the school year: its mobilities here are
	 * learners'. */
	m->learner = h % 4 != 0 || p == 2 || q == 2;
	days = m->learner ? 14 + (h >> 8) % 14 : 5 + (h >> 8) % 9;
	m->start = seed__date(start);
	m->end_ms = start + (int64_t)(days - 1) * DAY_MS;
	m->end = seed__date(m->end_ms);
	m->virtual_ = y == 2020 || y == 2021 || ((p == 2 || q == 2) && y >= 2020);
	m->fate = (h >> 16) % 100;
}

static void seed__propose(struct seeder *s, const struct seed_mob *m, unsigned y, unsigned k)
{
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	PB(MobilityPropose) mp = VETALLIANCE__V1__MOBILITY_PROPOSE__INIT;
	PB(Mobility) mob = VETALLIANCE__V1__MOBILITY__INIT;
	char participant[32];

	snprintf(participant, sizeof participant, "P-%u-%05u", y, k + 1);
	mob.id = (char *)m->id;
	mob.participant_kind = m->learner
				   ? VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_LEARNER
				   : VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_TEACHER;
	mob.participant = participant;
	mob.sending = (char *)m->sending;
	mob.host = (char *)m->host;
	mob.sector = seed_sectors[k % 10];
	mob.start_date = m->start;
	mob.end_date = m->end;
	mob.format = m->virtual_ ? VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_VIRTUAL
				 : VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_PHYSICAL;
	mp.mobility = &mob;
	mp.by = (char *)m->sending;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE;
	req.mobility_propose = &mp;
	seed__send(s, &req);
}

/* One lifecycle step of m by `by`, with a reason where one is needed. */
static void seed__act(struct seeder *s, const struct seed_mob *m, PB(Request__BodyCase) body,
		      const char *by)
{
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	PB(MobilityAct) act = VETALLIANCE__V1__MOBILITY_ACT__INIT;
	PB(MobilityCertify) cert = VETALLIANCE__V1__MOBILITY_CERTIFY__INIT;
	char *activities[1] = {"workshop practice"}, *outcomes[1] = {"unit of competence 1"};

	req.body_case = body;
	if (body == VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY) {
		cert.id = (char *)m->id;
		cert.by = (char *)by;
		cert.activities = activities;
		cert.n_activities = 1;
		cert.outcomes = outcomes;
		cert.n_outcomes = 1;
		req.mobility_certify = &cert;
	} else {
		act.id = (char *)m->id;
		act.by = (char *)by;
		if (body == VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT)
			act.reason = "no tutor free in that period";
		else if (body == VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL)
			act.reason = "the participant withdrew";
		/* The act bodies share one message type: any case's pointer. */
		req.mobility_approve = &act;
	}
	seed__send(s, &req);
}

/*
 * The mobilities of year y, step by step, each step a phase: propose,
 * then approve (or reject), start, complete, certify, countersign, as
 * far as each one's fate and the clock allow (a mobility is started only
 * once it has begun, completed once it has ended).  Fates: 6% rejected,
 * 6% cancelled when approved, 8% left approved, 80% carried through.
 */
static void seed__mobilities(struct seeder *s, const struct seed_sizes *z, unsigned y)
{
	enum { PROPOSE, DECIDE, START, COMPLETE, CERTIFY, COUNTERSIGN, STEPS };

	for (int step = PROPOSE; step < STEPS && !s->broken; step++) {
		for (unsigned k = 0; k < z->mobilities_per_year && !s->broken; k++) {
			struct seed_mob m;
			int begun, ended;

			seed__mob(z, y, k, &m);
			begun = seed__day_ms(m.start / 10000, m.start / 100 % 100, m.start % 100) <=
				s->now_ms;
			ended = m.end_ms + DAY_MS <= s->now_ms;
			switch (step) {
			case PROPOSE:
				seed__propose(s, &m, y, k);
				break;
			case DECIDE:
				if (m.fate < 6)
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT,
						  m.host);
				else
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_APPROVE,
						  m.host);
				break;
			case START:
				if (m.fate >= 6 && m.fate < 12)
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL,
						  m.sending);
				else if (m.fate >= 20 && begun)
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_START,
						  m.sending);
				break;
			case COMPLETE:
				if (m.fate >= 20 && ended)
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COMPLETE,
						  m.sending);
				break;
			case CERTIFY:
				if (m.fate >= 28 && ended)
					seed__act(s, &m,
						  VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY,
						  m.host);
				break;
			case COUNTERSIGN:
				if (m.fate >= 34 && ended)
					seed__act(
					    s, &m,
					    VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COUNTERSIGN,
					    m.sending);
				break;
			}
		}
		seed__drain(s);
	}
}

/* --------------------------------------------------------- sessions */

/* Session k of year y: hosted by a centre of one partner, joined by one
 * centre of each of the others and one more of the host's partner. */
static void seed__session_parts(const struct seed_sizes *z, unsigned y, unsigned k, char host[16],
				char parts[SEED_PARTNERS][16], int64_t *start_ms)
{
	unsigned p = k % SEED_PARTNERS, rank = k / SEED_PARTNERS + y;

	seed_centre_id(host, 16, seed__centre_of(z, p, rank));
	/* j = 0: the host's neighbour in its own network; then one centre
	 * of each other partner. */
	for (unsigned j = 0; j < SEED_PARTNERS; j++) {
		unsigned q = (p + j) % SEED_PARTNERS;
		seed_centre_id(parts[j], 16, seed__centre_of(z, q, j == 0 ? rank + 1 : k * 7 + j));
	}
	/* Evenly spread over February to November, so that no two of a
	 * year's sessions overlap (a participant is in one at a time) while
	 * they are at least 2.5 hours apart: up to 2 800 a year. */
	*start_ms = seed__day_ms(y, 2, 1) + 8 * 3600 * 1000LL +
		    (int64_t)k * (300 * DAY_MS / z->sessions_per_year) / 60000 * 60000;
}

static void seed__sessions_book(struct seeder *s, const struct seed_sizes *z, unsigned y)
{
	for (unsigned k = 0; k < z->sessions_per_year && !s->broken; k++) {
		PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
		PB(SessionBook) sb = VETALLIANCE__V1__SESSION_BOOK__INIT;
		PB(Session) se = VETALLIANCE__V1__SESSION__INIT;
		char id[24], title[64], host[16], parts[SEED_PARTNERS][16];
		int64_t start;

		seed__session_parts(z, y, k, host, parts, &start);
		seed_session_id(id, sizeof id, y, k);
		snprintf(title, sizeof title, "Joint class %u of %u", k + 1, y);
		se.id = id;
		se.host = host;
		se.kind = (PB(SessionKind))(1 + k % 6);
		se.title = title;
		se.language = "en";
		se.platform = "teams";
		se.link = "https://meet.example/vet";
		se.start_ms = start;
		se.duration_min = 60 + 30 * (k % 3);
		se.time_zone = (char *)seed_zones[k % SEED_PARTNERS];
		se.capacity = 40;
		se.min_notice_min = 60;
		sb.session = &se;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK;
		req.session_book = &sb;
		seed__send(s, &req);
	}
	seed__drain(s);
	for (unsigned k = 0; k < z->sessions_per_year && !s->broken; k++) {
		char id[24], host[16], parts[SEED_PARTNERS][16];
		int64_t start;

		seed__session_parts(z, y, k, host, parts, &start);
		seed_session_id(id, sizeof id, y, k);
		for (unsigned j = 0; j < SEED_PARTNERS; j++) {
			PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
			PB(SessionJoin) sj = VETALLIANCE__V1__SESSION_JOIN__INIT;

			sj.session = id;
			sj.centre = parts[j];
			sj.head_count = 1 + (k + j) % 4;
			req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN;
			req.session_join = &sj;
			seed__send(s, &req);
		}
	}
	seed__drain(s);
}

/* After the sessions of year y are over: attendance for every
 * participant, and an evaluation from most. */
static void seed__sessions_close(struct seeder *s, const struct seed_sizes *z, unsigned y)
{
	for (int evaluate = 0; evaluate <= 1 && !s->broken; evaluate++) {
		for (unsigned k = 0; k < z->sessions_per_year && !s->broken; k++) {
			char id[24], host[16], parts[SEED_PARTNERS][16];
			int64_t start;

			seed__session_parts(z, y, k, host, parts, &start);
			if (start + 4 * 3600 * 1000 > s->now_ms)
				continue;
			seed_session_id(id, sizeof id, y, k);
			for (unsigned j = 0; j < SEED_PARTNERS; j++) {
				PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
				PB(SessionAttendance)
				sa = VETALLIANCE__V1__SESSION_ATTENDANCE__INIT;
				PB(SessionEvaluate) ev = VETALLIANCE__V1__SESSION_EVALUATE__INIT;

				if (!evaluate) {
					sa.session = id;
					sa.by = host;
					sa.centre = parts[j];
					sa.attended = (k + j) % 9 == 0 ? 0 : 1 + (k + j) % 4;
					req.body_case =
					    VETALLIANCE__V1__REQUEST__BODY_SESSION_ATTENDANCE;
					req.session_attendance = &sa;
				} else {
					if ((k + j) % 9 == 0 || (k + j) % 5 == 0)
						continue; /* absent, or gave no evaluation */
					ev.session = id;
					ev.centre = parts[j];
					ev.rating = 3 + (k + j) % 3;
					ev.comment = "useful";
					req.body_case =
					    VETALLIANCE__V1__REQUEST__BODY_SESSION_EVALUATE;
					req.session_evaluate = &ev;
				}
				seed__send(s, &req);
			}
		}
		seed__drain(s);
	}
}

/* -------------------------------------------------------- deadlines */

/* The deadlines of year y, owed by centres, all but a tenth done at
 * once (the rest are missed when the clock passes them). */
static void seed__deadlines(struct seeder *s, const struct seed_sizes *z, unsigned y)
{
	for (int done = 0; done <= 1 && !s->broken; done++) {
		for (unsigned k = 0; k < z->deadlines_per_year && !s->broken; k++) {
			PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
			PB(DeadlineSet) ds = VETALLIANCE__V1__DEADLINE_SET__INIT;
			PB(Deadline) d = VETALLIANCE__V1__DEADLINE__INIT;
			PB(DeadlineDone) dd = VETALLIANCE__V1__DEADLINE_DONE__INIT;
			char id[24], owner[16], title[64];

			snprintf(id, sizeof id, "D%u-%03u", y, k + 1);
			seed_centre_id(owner, sizeof owner, (k * 11 + y) % z->centres);
			if (!done) {
				snprintf(title, sizeof title, "Progress report %u of %u", k + 1, y);
				d.id = id;
				d.title = title;
				d.owner = owner;
				d.due_ms = seed__day_ms(y, 2, 28) + (int64_t)(k % 280) * DAY_MS;
				ds.deadline = &d;
				req.body_case = VETALLIANCE__V1__REQUEST__BODY_DEADLINE_SET;
				req.deadline_set = &ds;
			} else {
				if (k % 10 == 9)
					continue;
				dd.id = id;
				dd.by = owner;
				req.body_case = VETALLIANCE__V1__REQUEST__BODY_DEADLINE_DONE;
				req.deadline_done = &dd;
			}
			seed__send(s, &req);
		}
		seed__drain(s);
	}
}

/* ------------------------------------------------------------- run */

static double seed__now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int seed_consortium(const struct seed_cfg *cfg, struct seed_result *res)
{
	struct seeder s = {.cfg = cfg};
	struct seed_sizes z;
	int linger = 0, hwm = (int)cfg->window + 100, status = 0;
	double t0 = seed__now_s();

	memset(res, 0, sizeof *res);
	seed_sizes(cfg->scale, &z);
	s.ctx = zmq_ctx_new();
	s.sock = s.ctx != NULL ? zmq_socket(s.ctx, ZMQ_DEALER) : NULL;
	if (s.sock == NULL) {
		fprintf(stderr, "vetbench: could not make a socket: %s\n",
			zmq_strerror(zmq_errno()));
		status = EX_SOFTWARE;
		goto out;
	}
	zmq_setsockopt(s.sock, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(s.sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(s.sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
	if ((cfg->keys != NULL && va_keys_apply(cfg->keys, s.sock) < 0) ||
	    zmq_connect(s.sock, cfg->endpoint) != 0) {
		fprintf(stderr, "vetbench: could not connect to '%s': %s\n", cfg->endpoint,
			zmq_strerror(zmq_errno()));
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (seed__clock(&s, seed__day_ms(SEED_FIRST_YEAR, 1, 2)) < 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	seed__centres(&s, &z);
	seed__drain(&s);
	seed__alliances(&s, &z);
	seed__commitments(&s, &z);
	seed__drain(&s);
	for (unsigned i = 0; i < SEED_YEARS && !s.broken && s.failed == 0; i++) {
		unsigned y = SEED_FIRST_YEAR + i;
		/* The last year ends at the day the state is "now". */
		int64_t after =
		    i + 1 < SEED_YEARS ? seed__day_ms(y + 1, 1, 2) : seed__day_ms(y, 12, 1);

		if (i > 0 && seed__clock(&s, seed__day_ms(y, 1, 2)) < 0)
			break;
		seed__sessions_book(&s, &z, y);
		seed__deadlines(&s, &z, y);
		if (seed__clock(&s, after) < 0)
			break;
		seed__mobilities(&s, &z, y);
		seed__sessions_close(&s, &z, y);
		if (cfg->progress)
			fprintf(stderr,
				"vetbench: seeded %u: %" PRIu64 " commands, seq %" PRIu64
				", %.0f s\n",
				y, s.sent, s.last_seq, seed__now_s() - t0);
	}
	seed__drain(&s);
	if (s.broken) {
		fprintf(stderr,
			"vetbench: the daemon at '%s' stopped answering (%u requests in "
			"flight after %" PRIu64 " sent)\n",
			cfg->endpoint, s.inflight, s.sent);
		status = EX_UNAVAILABLE;
	} else if (s.failed > 0) {
		fprintf(stderr,
			"vetbench: %" PRIu64 " of %" PRIu64 " seed commands were refused:\n",
			s.failed, s.sent);
		for (uint64_t i = 0; i < s.failed && i < SEED_ERRORS; i++)
			fprintf(stderr, "  %s\n", s.errors[i]);
		status = EXIT_FAILURE;
	}
out:
	res->commands = s.sent;
	res->last_seq = s.last_seq;
	res->seconds = seed__now_s() - t0;
	res->sizes = z;
	res->now_ms = s.now_ms;
	if (s.sock != NULL)
		zmq_close(s.sock);
	if (s.ctx != NULL)
		zmq_ctx_term(s.ctx);
	return status;
}
