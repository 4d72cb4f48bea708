/*
 * test_centre_facts.c - centres' contacts and selection-criteria facts
 * through the model, the state core and the codec: packing
 * keeps every field, an update changes only the masked facts, requests
 * are validated with the field named, events and snapshots carry the
 * new fields, and state_get carries commitments and alliances.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "state/model.h"
#include "state/state.h"
#include "statetest.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static char *ch_ana[] = {"email:ana@cecoa.pt", "phone:+351 21 000"};
static char *ch_rui[] = {"teams"};
static char *sectors[] = {"international-commerce"};

/* A centre with every new field set, strings borrowed (*more holds its
 * contacts and facts). */
static centre_t full_centre(centre_contact_t contacts[3], centre_more_t *more)
{
	centre_t c = {.id = "CECOA",
		      .name = "CECOA",
		      .kind = CENTRE_KIND_VET_CENTRE,
		      .partner = "IEFP",
		      .country = "PT",
		      .region = "Lisboa",
		      .sectors = {sectors, 1},
		      .registered_ms = 11,
		      .updated_ms = 12,
		      .more = more};

	*more = (centre_more_t){.province = "Lisboa", .hours_known = true, .teacher_hours = 3};

	contacts[0] = (centre_contact_t){CONTACT_ROLE_COORDINATOR, "Ana Silva", {ch_ana, 2}};
	contacts[1] = (centre_contact_t){CONTACT_ROLE_HEADMASTER, "Rui", {ch_rui, 1}};
	contacts[2] = (centre_contact_t){CONTACT_ROLE_TEACHER, "Maria", {NULL, 0}};
	more->contacts = contacts;
	more->n_contacts = 3;
	for (size_t i = 0; i < CENTRE_FACTS; i++)
		more->facts[i] = (uint8_t)(i % 4);
	return c;
}

static void check_same(const centre_t *ca, const centre_t *cb)
{
	const centre_t *a = ca, *b = cb;
	const centre_more_t *ma = centre_more(ca), *mb = centre_more(cb);

	cr_assert_str_eq(a->id, b->id);
	cr_assert_str_eq(a->name, b->name);
	cr_assert_eq(a->kind, b->kind);
	cr_assert_str_eq(a->partner, b->partner);
	cr_assert_str_eq(a->country, b->country);
	cr_assert_str_eq(a->region, b->region);
	cr_assert_eq(a->sectors.n, b->sectors.n);
	for (size_t i = 0; i < a->sectors.n; i++)
		cr_assert_str_eq(a->sectors.v[i], b->sectors.v[i]);
	cr_assert_eq(ma->n_contacts, mb->n_contacts);
	for (size_t i = 0; i < ma->n_contacts; i++) {
		cr_assert_eq(ma->contacts[i].role, mb->contacts[i].role);
		cr_assert_str_eq(ma->contacts[i].name, mb->contacts[i].name);
		cr_assert_eq(ma->contacts[i].channels.n, mb->contacts[i].channels.n);
		for (size_t k = 0; k < ma->contacts[i].channels.n; k++)
			cr_assert_str_eq(ma->contacts[i].channels.v[k],
					 mb->contacts[i].channels.v[k]);
	}
	cr_assert_str_eq(ma->province ? ma->province : "", mb->province ? mb->province : "");
	cr_assert_eq(memcmp(ma->facts, mb->facts, sizeof ma->facts), 0);
	cr_assert_eq(ma->hours_known, mb->hours_known);
	cr_assert_eq(ma->teacher_hours, mb->teacher_hours);
	cr_assert_eq(a->registered_ms, b->registered_ms);
	cr_assert_eq(a->updated_ms, b->updated_ms);
}

Test(centre_facts, pack_and_copy_keep_every_field)
{
	centre_contact_t contacts[3];
	centre_more_t more;
	centre_t src = full_centre(contacts, &more), packed = {0}, copied = {0}, repacked = {0};

	centre_pack(&packed, &src);
	cr_assert_not_null(packed.block);
	check_same(&packed, &src);
	/* the pieces live in the block */
	cr_assert((char *)packed.more->contacts[1].name > (char *)packed.block);
	cr_assert((char *)packed.more > (char *)packed.block - 1);
	centre_copy(&copied, &packed);
	cr_assert_null(copied.block);
	check_same(&copied, &src);
	centre_pack(&repacked, &copied);
	check_same(&repacked, &src);
	centre_release(&packed);
	centre_release(&copied);
	centre_release(&repacked);
	cr_assert_null(repacked.block);
}

Test(centre_facts, pack_without_contacts)
{
	centre_t src = {.id = "X", .name = "X"}, packed = {0};

	centre_pack(&packed, &src);
	cr_assert_null(packed.more, "a centre stating nothing has no centre_more_t");
	cr_assert_eq(centre_more(&packed)->n_contacts, 0);
	cr_assert_not(centre_more(&packed)->hours_known);
	centre_release(&packed);
}

static state_t *fresh_state(void)
{
	state_t *st = state_new();
	cmd_t c = {.type = CMD_PARTNER_REGISTER};

	cr_assert_not_null(st);
	c.u.partner = (partner_t){model_strdup("IEFP"), model_strdup("IEFP"), model_strdup("PT"),
				  model_strdup("Europe/Lisbon"), NULL};
	cr_assert_eq(st_run(st, c, 1, "t", NULL, NULL, 0), 0);
	c = (cmd_t){.type = CMD_SECTOR_DEFINE};
	c.u.sector =
	    (sector_t){model_strdup("international-commerce"), model_strdup("Commerce"), true};
	cr_assert_eq(st_run(st, c, 2, "t", NULL, NULL, 0), 0);
	return st;
}

Test(centre_facts, update_changes_only_the_masked_fields)
{
	centre_contact_t contacts[3];
	centre_more_t more;
	centre_t src = full_centre(contacts, &more);
	state_t *st = fresh_state();
	cmd_t c = {.type = CMD_CENTRE_REGISTER};
	const centre_t *cur;

	centre_copy(&c.u.centre, &src);
	cr_assert_eq(st_run(st, c, 3, "t", NULL, NULL, 0), 0);

	/* one fact and the province; contacts and the other facts stay */
	c = (cmd_t){.type = CMD_CENTRE_UPDATE,
		    .mask = CENTRE_F_FACT(CENTRE_FACT_DUAL_VET) | CENTRE_F_PROVINCE};
	c.u.centre.id = model_strdup("CECOA");
	centre_more_mut(&c.u.centre)->facts[CENTRE_FACT_DUAL_VET] = FACT_NO;
	centre_more_mut(&c.u.centre)->facts[CENTRE_FACT_SENDS] = FACT_NO; /* not in the mask */
	centre_more_mut(&c.u.centre)->province = model_strdup("Porto");
	cr_assert_eq(st_run(st, c, 4, "t", NULL, NULL, 0), 0);
	cur = state_centre_get(st, "CECOA");
	cr_assert_eq(cur->more->facts[CENTRE_FACT_DUAL_VET], FACT_NO);
	cr_assert_eq(cur->more->facts[CENTRE_FACT_SENDS], more.facts[CENTRE_FACT_SENDS]);
	cr_assert_str_eq(cur->more->province, "Porto");
	cr_assert_eq(cur->more->n_contacts, 3);
	cr_assert_eq(cur->more->teacher_hours, 3);

	/* contacts replaced as a whole; hours made unknown */
	c = (cmd_t){.type = CMD_CENTRE_UPDATE, .mask = CENTRE_F_CONTACTS | CENTRE_F_TEACHER_HOURS};
	c.u.centre.id = model_strdup("CECOA");
	centre_more_mut(&c.u.centre)->contacts = calloc(1, sizeof(centre_contact_t));
	c.u.centre.more->n_contacts = 1;
	c.u.centre.more->contacts[0].role = CONTACT_ROLE_COMPANY_TUTOR;
	c.u.centre.more->contacts[0].name = model_strdup("Tutor");
	cr_assert_eq(st_run(st, c, 5, "t", NULL, NULL, 0), 0);
	cur = state_centre_get(st, "CECOA");
	cr_assert_eq(cur->more->n_contacts, 1);
	cr_assert_eq(cur->more->contacts[0].role, CONTACT_ROLE_COMPANY_TUTOR);
	cr_assert_str_eq(cur->more->contacts[0].name, "Tutor");
	cr_assert_not(cur->more->hours_known);
	cr_assert_str_eq(cur->more->province, "Porto");

	/* everything cleared: the centre no longer keeps a centre_more_t */
	c = (cmd_t){.type = CMD_CENTRE_UPDATE,
		    .mask = CENTRE_F_CONTACTS | CENTRE_F_PROVINCE |
			    (CENTRE_F_FACT(CENTRE_FACTS) - CENTRE_F_FACT0)};
	c.u.centre.id = model_strdup("CECOA");
	cr_assert_eq(st_run(st, c, 6, "t", NULL, NULL, 0), 0);
	cr_assert_null(state_centre_get(st, "CECOA")->more);
	state_free(&st);
}

/* ------------------------------------------------------------ codec */

static int decode_centre(PB(Centre) * c, char **mask, size_t nmask, request_t *out, char *err,
			 size_t errlen)
{
	PB(Request) r = VETALLIANCE__V1__REQUEST__INIT;
	PB(CentreRegister) reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	PB(CentreUpdate) upd = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	uint8_t *buf;
	size_t len;
	int rc;

	r.request_id = "r-1";
	if (mask == NULL) {
		reg.centre = c;
		r.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		r.centre_register = &reg;
	} else {
		upd.centre = c;
		upd.update_mask = mask;
		upd.n_update_mask = nmask;
		r.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
		r.centre_update = &upd;
	}
	len = vetalliance__v1__request__get_packed_size(&r);
	buf = malloc(len ? len : 1);
	vetalliance__v1__request__pack(&r, buf);
	err[0] = '\0';
	rc = codec_request_decode(buf, len, out, err, errlen);
	free(buf);
	return rc;
}

static PB(Centre) wire_centre(void)
{
	PB(Centre) c = VETALLIANCE__V1__CENTRE__INIT;

	c.id = "CECOA";
	c.name = "CECOA";
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c.partner = "IEFP";
	c.country = "PT";
	return c;
}

static void expect_refused(PB(Centre) * c, char **mask, size_t nmask, const char *msg)
{
	request_t out;
	char err[512];
	int rc = decode_centre(c, mask, nmask, &out, err, sizeof err);

	cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "accepted, expected '%s'", msg);
	cr_assert_str_eq(err, msg);
	request_release(&out);
}

Test(centre_facts, decode_refusals_name_the_field)
{
	PB(Centre) c = wire_centre();
	PB(CentreContact) k = VETALLIANCE__V1__CENTRE_CONTACT__INIT, *kp = &k;
	char *empty_ch[] = {""};
	char *m_hours[] = {"teacher_hours"}, *m_bogus[] = {"shoe_size"};

	c.n_contacts = 1;
	c.contacts = &kp;
	k.name = "Ana";
	expect_refused(&c, NULL, 0,
		       "centre_register.centre.contacts[0].role: must be set (headmaster, "
		       "coordinator, teacher, company-tutor)");
	k.role = VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_TEACHER;
	k.name = "";
	expect_refused(&c, NULL, 0, "centre_register.centre.contacts[0].name: must not be empty");
	k.name = "Ana";
	k.n_channels = 1;
	k.channels = empty_ch;
	expect_refused(&c, NULL, 0,
		       "centre_register.centre.contacts[0].channels[0]: must not be empty");
	k.n_channels = 0;
	k.role = (PB(ContactRole))9;
	expect_refused(&c, NULL, 0, "centre_register.centre.contacts[0].role: unknown value 9");
	k.role = VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_TEACHER;

	c.previous_experience = VETALLIANCE__V1__FACT__FACT_WILLING;
	expect_refused(&c, NULL, 0,
		       "centre_register.centre.previous_experience: 'willing' does not apply "
		       "(yes, no or unknown)");
	c.previous_experience = VETALLIANCE__V1__FACT__FACT_YES;
	c.dual_vet = (PB(Fact))7;
	expect_refused(&c, NULL, 0, "centre_register.centre.dual_vet: unknown value 7");
	c.dual_vet = VETALLIANCE__V1__FACT__FACT_WILLING;

	c.teacher_hours_known = 1;
	c.teacher_hours = 41;
	expect_refused(&c, m_hours, 1,
		       "centre_update.centre.teacher_hours: 41 is more than 40 hours a week");
	c.teacher_hours_known = 0;
	c.teacher_hours = 2;
	expect_refused(&c, m_hours, 1,
		       "centre_update.centre.teacher_hours: given without teacher_hours_known");
	expect_refused(&c, m_bogus, 1, "centre_update.update_mask: unknown field 'shoe_size'");
}

Test(centre_facts, decode_carries_contacts_facts_and_mask)
{
	PB(Centre) c = wire_centre();
	PB(CentreContact) k = VETALLIANCE__V1__CENTRE_CONTACT__INIT, *kp = &k;
	char *chans[] = {"email:a@b.pt"};
	char *mask[] = {"contacts", "ka2_interest", "province", "teacher_hours"};
	request_t out;
	char err[512];

	k.role = VETALLIANCE__V1__CONTACT_ROLE__CONTACT_ROLE_HEADMASTER;
	k.name = "Rui";
	k.n_channels = 1;
	k.channels = chans;
	c.n_contacts = 1;
	c.contacts = &kp;
	c.ka2_interest = VETALLIANCE__V1__FACT__FACT_NO;
	c.province = "Segovia";
	c.teacher_hours_known = 1;
	c.teacher_hours = 2;
	cr_assert_eq(decode_centre(&c, mask, 4, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.cmd.mask, CENTRE_F_CONTACTS | CENTRE_F_FACT(CENTRE_FACT_KA2) |
				       CENTRE_F_PROVINCE | CENTRE_F_TEACHER_HOURS);
	cr_assert_eq(out.cmd.u.centre.more->n_contacts, 1);
	cr_assert_eq(out.cmd.u.centre.more->contacts[0].role, CONTACT_ROLE_HEADMASTER);
	cr_assert_str_eq(out.cmd.u.centre.more->contacts[0].channels.v[0], "email:a@b.pt");
	cr_assert_eq(out.cmd.u.centre.more->facts[CENTRE_FACT_KA2], FACT_NO);
	cr_assert_str_eq(out.cmd.u.centre.more->province, "Segovia");
	cr_assert(out.cmd.u.centre.more->hours_known);
	cr_assert_eq(out.cmd.u.centre.more->teacher_hours, 2);
	request_release(&out);
}

Test(centre_facts, event_round_trip)
{
	centre_contact_t contacts[3];
	centre_more_t more;
	centre_t src = full_centre(contacts, &more);
	event_t ev = {.seq = 9, .time_ms = 5, .type = EV_CENTRE_UPDATED}, out;
	uint8_t *buf = NULL;
	char topic[64], err[256];
	size_t len;

	ev.actor = model_strdup("t");
	ev.request_id = model_strdup("r");
	centre_copy(&ev.u.centre, &src);
	len = codec_event_pack(&ev, &buf, topic, sizeof topic);
	cr_assert_gt(len, 0);
	cr_assert_str_eq(topic, "centre.updated");
	cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
	cr_assert_not_null(out.u.centre.block, "decoded centres are packed");
	check_same(&out.u.centre, &src);
	free(buf);
	event_release(&out);
	event_release(&ev);
}

Test(centre_facts, snapshot_round_trip)
{
	centre_contact_t contacts[3];
	centre_more_t more;
	centre_t src = full_centre(contacts, &more);
	state_t *st = fresh_state(), *back = NULL;
	cmd_t c = {.type = CMD_CENTRE_REGISTER};
	uint8_t *buf = NULL;
	char err[256];
	size_t len;

	centre_copy(&c.u.centre, &src);
	cr_assert_eq(st_run(st, c, 3, "t", NULL, NULL, 0), 0);
	len = codec_snapshot_pack(st, 7, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	src.registered_ms = src.updated_ms = 3;
	check_same(state_centre_get(back, "CECOA"), &src);
	free(buf);
	state_free(&st);
	state_free(&back);
}

/* state_get: the reply carries commitments and alliances too. */
Test(centre_facts, state_result_carries_commitments_and_alliances)
{
	state_t *st = fresh_state();
	cmd_t c = {.type = CMD_CENTRE_REGISTER};
	result_t res = {.type = RESULT_STATE};
	char msg[256];
	PB(Reply) * r;
	uint8_t *bytes;
	size_t len;

	for (int i = 0; i < 2; i++) {
		c = (cmd_t){.type = CMD_CENTRE_REGISTER};
		c.u.centre = (centre_t){.id = model_strdup(i ? "B" : "A"),
					.name = model_strdup("n"),
					.kind = CENTRE_KIND_VET_CENTRE,
					.partner = model_strdup("IEFP"),
					.country = model_strdup("PT"),
					.region = model_strdup("")};
		cr_assert_eq(st_run(st, c, 3 + i, "t", NULL, NULL, 0), 0);
	}
	c = (cmd_t){.type = CMD_COMMITMENT_CONFIRM};
	c.u.confirmation.centre = model_strdup("A");
	c.u.confirmation.commitment = COMMITMENT_EVALUATIONS;
	cr_assert_eq(st_run(st, c, 6, "t", NULL, NULL, 0), 0);
	c = (cmd_t){.type = CMD_ALLIANCE_CREATE};
	c.u.alliance.id = model_strdup("AL");
	c.u.alliance.name = model_strdup("Alliance");
	c.u.alliance.kind = ALLIANCE_KIND_INFORMAL;
	c.u.alliance.members = calloc(2, sizeof *c.u.alliance.members);
	c.u.alliance.members[0].centre = model_strdup("A");
	c.u.alliance.members[1].centre = model_strdup("B");
	c.u.alliance.n_members = 2;
	cr_assert_eq(st_run(st, c, 7, "t", NULL, msg, sizeof msg), 0, "%s", msg);

	res.one = st;
	cr_assert_eq(codec_reply_pack("q", 0, "", 7, &res, &bytes, &len), 0);
	r = vetalliance__v1__reply__unpack(NULL, len, bytes);
	free(bytes);
	cr_assert_not_null(r);
	cr_assert_eq(r->state->n_centres, 2);
	cr_assert_eq(r->state->n_commitments, 1);
	cr_assert_str_eq(r->state->commitments[0]->centre, "A");
	cr_assert_eq(r->state->n_alliances, 1);
	cr_assert_str_eq(r->state->alliances[0]->id, "AL");
	cr_assert_eq(r->state->alliances[0]->n_members, 2);
	vetalliance__v1__reply__free_unpacked(r, NULL);
	state_free(&st);
}
