/*
 * fuzz_seeds.c - writes the seed corpus of fuzz_request into a directory:
 * one valid Request of each command (and a few queries) and two centre
 * Events (journal records), each prefixed with every principal selector
 * byte (0 a centre, 1 a coordinator, 2 the administrator).  Run by
 * tests/ci/fuzz.sh before the fuzzer, so no binary seed is committed.
 *
 *   fuzz_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static const char *dir;
static int written;

static void emit(const char *name, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len + 1);

	if (buf == NULL)
		exit(70);
	protobuf_c_message_pack(msg, buf + 1);
	for (int who = 0; who < 3; who++) {
		char path[4096];
		FILE *f;
		snprintf(path, sizeof path, "%s/%s-%d", dir, name, who);
		f = fopen(path, "wb");
		if (f == NULL) {
			perror(path);
			exit(73);
		}
		buf[0] = (uint8_t)who;
		if (fwrite(buf, 1, len + 1, f) != len + 1 || fclose(f) != 0) {
			perror(path);
			exit(74);
		}
		written++;
	}
	free(buf);
}

int main(int argc, char **argv)
{
	PB(Request) req;
	PB(Partner) partner = VETALLIANCE__V1__PARTNER__INIT;
	PB(Centre) centre = VETALLIANCE__V1__CENTRE__INIT;
	PB(Sector) sector = VETALLIANCE__V1__SECTOR__INIT;
	PB(SectorInterest) interest = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	PB(PartnerRegister) preg = VETALLIANCE__V1__PARTNER_REGISTER__INIT;
	PB(PartnerUpdate) pupd = VETALLIANCE__V1__PARTNER_UPDATE__INIT;
	PB(CentreRegister) creg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	PB(CentreUpdate) cupd = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	PB(SectorDefine) sdef = VETALLIANCE__V1__SECTOR_DEFINE__INIT;
	PB(InterestMark) imark = VETALLIANCE__V1__INTEREST_MARK__INIT;
	PB(CommitmentConfirm) conf = VETALLIANCE__V1__COMMITMENT_CONFIRM__INIT;
	PB(CommitmentWithdraw) wdr = VETALLIANCE__V1__COMMITMENT_WITHDRAW__INIT;
	PB(Alliance) alliance = VETALLIANCE__V1__ALLIANCE__INIT;
	PB(AllianceMember) m1 = VETALLIANCE__V1__ALLIANCE_MEMBER__INIT;
	PB(AllianceMember) m2 = VETALLIANCE__V1__ALLIANCE_MEMBER__INIT;
	PB(AllianceMember) * members[] = {&m1, &m2};
	PB(AllianceCreate) acre = VETALLIANCE__V1__ALLIANCE_CREATE__INIT;
	PB(AllianceJoin) ajoin = VETALLIANCE__V1__ALLIANCE_JOIN__INIT;
	PB(AllianceLeave) aleave = VETALLIANCE__V1__ALLIANCE_LEAVE__INIT;
	PB(AllianceContact) acontact = VETALLIANCE__V1__ALLIANCE_CONTACT__INIT;
	PB(AllianceAgree) aagree = VETALLIANCE__V1__ALLIANCE_AGREE__INIT;
	PB(AllianceVisit) avisit = VETALLIANCE__V1__ALLIANCE_VISIT__INIT;
	PB(MouContent) mou = VETALLIANCE__V1__MOU_CONTENT__INIT;
	PB(MouDraft) mdraft = VETALLIANCE__V1__MOU_DRAFT__INIT;
	PB(MouSign) msign = VETALLIANCE__V1__MOU_SIGN__INIT;
	PB(CentreGet) cget = VETALLIANCE__V1__CENTRE_GET__INIT;
	PB(WhoAmI) whoami = VETALLIANCE__V1__WHO_AM_I__INIT;
	PB(Mobility) mobility = VETALLIANCE__V1__MOBILITY__INIT;
	PB(MobilityPropose) mprop = VETALLIANCE__V1__MOBILITY_PROPOSE__INIT;
	PB(MobilityAct) mact = VETALLIANCE__V1__MOBILITY_ACT__INIT;
	PB(Session) session = VETALLIANCE__V1__SESSION__INIT;
	PB(SessionBook) sbook = VETALLIANCE__V1__SESSION_BOOK__INIT;
	PB(SessionJoin) sjoin = VETALLIANCE__V1__SESSION_JOIN__INIT;
	PB(Event) event = VETALLIANCE__V1__EVENT__INIT;
	PB(Centre) ev_centre = VETALLIANCE__V1__CENTRE__INIT;
	char *mask_name[] = {"name"};
	char *sectors[] = {"it", "logistics"};
	char *channels[] = {"teams"};

	if (argc != 2) {
		fputs("usage: fuzz_seeds DIR\n", stderr);
		return 64;
	}
	dir = argv[1];

#define REQ(field, body, value)                                                                    \
	do {                                                                                       \
		vetalliance__v1__request__init(&req);                                              \
		req.request_id = "seed";                                                           \
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_##body;                             \
		req.field = (value);                                                               \
		emit(#field, &req.base);                                                           \
	} while (0)

	partner.id = "XX";
	partner.name = "Partner X";
	partner.country = "PT";
	partner.time_zone = "Europe/Lisbon";
	preg.partner = &partner;
	REQ(partner_register, PARTNER_REGISTER, &preg);
	pupd.partner = &partner;
	partner.id = "IEFP";
	pupd.n_update_mask = 1;
	pupd.update_mask = mask_name;
	REQ(partner_update, PARTNER_UPDATE, &pupd);

	centre.id = "NEWC";
	centre.name = "New centre";
	centre.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	centre.partner = "IEFP";
	centre.country = "PT";
	centre.n_sectors = 2;
	centre.sectors = sectors;
	creg.centre = &centre;
	REQ(centre_register, CENTRE_REGISTER, &creg);
	cupd.centre = &centre;
	cupd.n_update_mask = 1;
	cupd.update_mask = mask_name;
	REQ(centre_update, CENTRE_UPDATE, &cupd);

	sector.id = "tourism";
	sector.name = "Tourism";
	sdef.sector = &sector;
	REQ(sector_define, SECTOR_DEFINE, &sdef);
	interest.partner = "IEFP";
	interest.sector = "it";
	interest.interested = 1;
	imark.interest = &interest;
	REQ(interest_mark, INTEREST_MARK, &imark);

	conf.centre = "CECOA";
	conf.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	REQ(commitment_confirm, COMMITMENT_CONFIRM, &conf);
	wdr.centre = "CECOA";
	wdr.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	REQ(commitment_withdraw, COMMITMENT_WITHDRAW, &wdr);

	alliance.id = "A2";
	alliance.name = "Second";
	alliance.kind = VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_INFORMAL;
	m1.centre = "CECOA";
	m2.centre = "ATEC";
	alliance.n_members = 2;
	alliance.members = members;
	acre.alliance = &alliance;
	REQ(alliance_create, ALLIANCE_CREATE, &acre);
	ajoin.alliance = "A1";
	ajoin.centre = "ATEC";
	REQ(alliance_join, ALLIANCE_JOIN, &ajoin);
	aleave.alliance = "A1";
	aleave.centre = "SBHC";
	REQ(alliance_leave, ALLIANCE_LEAVE, &aleave);
	acontact.alliance = "A1";
	acontact.centre = "CECOA";
	acontact.contact = "Ana";
	acontact.n_channels = 1;
	acontact.channels = channels;
	REQ(alliance_contact, ALLIANCE_CONTACT, &acontact);
	aagree.alliance = "A1";
	REQ(alliance_agree, ALLIANCE_AGREE, &aagree);
	avisit.alliance = "A1";
	avisit.is_virtual = 1;
	avisit.reference = "session-1";
	REQ(alliance_visit, ALLIANCE_VISIT, &avisit);
	mou.objectives = "Exchange apprentices";
	mou.students_under_4_weeks = 4;
	mdraft.alliance = "A1";
	mdraft.content = &mou;
	REQ(mou_draft, MOU_DRAFT, &mdraft);
	msign.alliance = "A1";
	msign.centre = "CECOA";
	msign.hash = "0123456789abcdef";
	REQ(mou_sign, MOU_SIGN, &msign);
	cget.id = "CECOA";
	REQ(centre_get, CENTRE_GET, &cget);
	REQ(whoami, WHOAMI, &whoami);

	mobility.id = "M1";
	mobility.participant_kind = VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_LEARNER;
	mobility.participant = "learner-1";
	mobility.sending = "CECOA";
	mobility.host = "SBHC";
	mobility.sector = "it";
	mobility.start_date = 20270301;
	mobility.end_date = 20270320;
	mobility.format = VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_VIRTUAL;
	mprop.mobility = &mobility;
	mprop.by = "CECOA";
	REQ(mobility_propose, MOBILITY_PROPOSE, &mprop);
	mact.id = "M1";
	mact.by = "SBHC";
	REQ(mobility_approve, MOBILITY_APPROVE, &mact);

	session.id = "S1";
	session.host = "CECOA";
	session.kind = VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_JOINT_CLASS;
	session.title = "English class";
	session.start_ms = 1800000000000;
	session.duration_min = 60;
	session.time_zone = "Europe/Lisbon";
	session.capacity = 20;
	sbook.session = &session;
	REQ(session_book, SESSION_BOOK, &sbook);
	sjoin.session = "S1";
	sjoin.centre = "SBHC";
	sjoin.head_count = 5;
	REQ(session_join, SESSION_JOIN, &sjoin);

	/* Two journal records, centre events of the shape the event
	 * decoders' fast path reads (fuzz_request reads every input as an
	 * Event too). */
	ev_centre.id = "CECOA";
	ev_centre.name = "Centro León";
	ev_centre.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	ev_centre.partner = "IEFP";
	ev_centre.country = "PT";
	ev_centre.region = "Norte";
	ev_centre.n_sectors = 2;
	ev_centre.sectors = sectors;
	ev_centre.registered_ms = 1700000000000;
	ev_centre.updated_ms = 1700000000001;
	event.seq = 7;
	event.time_ms = 1700000000001;
	event.actor = "cecoa";
	event.request_id = "seed";
	event.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED;
	event.centre_registered = &ev_centre;
	emit("event_centre_registered", &event.base);
	event.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED;
	event.centre_updated = &ev_centre;
	emit("event_centre_updated", &event.base);
	printf("fuzz_seeds: %d seeds in '%s'\n", written, dir);
	return 0;
}
