/*
 * test_alliance_flow.c - end-to-end: the seed's path for an alliance
 * through the real daemon with vetctl and vetwatch.  CECOA (PT, commerce)
 * and a Castilla y León commerce centre form a sectorial alliance,
 * designate contact points (reaching the contact-point step), confirm the
 * adopted commitments, record the agreement and a mutual visit; `alliance
 * show` and `report alliances` tell the stage, what is missing and the
 * schedule; the MoU is drafted, signed by one member, edited (voiding
 * that signature), signed by both and completed, making the alliance
 * formal; refusals have their status; the alliance survives a restart;
 * vetwatch sees the alliance and MoU events in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "harness.h"

static vt_daemon_t d;

static void setup(void)
{
	if (vt_daemon_start(&d, NULL) < 0) {
		vt_daemon_cleanup(&d);
		cr_assert_fail("the daemon did not start");
	}
}

static void teardown(void)
{
	vt_daemon_cleanup(&d);
}

TestSuite(alliance_flow, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

#define CTL(out, err, ...) VT_CTL(&d, out, err, __VA_ARGS__)
#define CTL_OK(...)        VT_CTL_OK(&d, __VA_ARGS__)

static void register_centres(void)
{
	CTL_OK("centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind", "vet-centre",
	       "--partner", "IEFP", "--country", "PT", "--sector", "international-commerce");
	CTL_OK("centre", "register", "--id", "CIFP-SEG", "--name", "CIFP Segovia", "--kind",
	       "vet-centre", "--partner", "CYL", "--country", "ES", "--region", "Segovia",
	       "--sector", "international-commerce");
}

/* The stdout of a vetctl call expected to succeed (free it). */
#define CTL_OUT(...) ctl_out((const char *const[]){__VA_ARGS__, NULL})

static char *ctl_out(const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(&d, args, &out, &err);

	cr_assert_eq(rc, 0, "vetctl %s %s: exit %d: %s", args[0], args[1], rc, err);
	free(err);
	return out;
}

/* A refusal: exit 1 and stderr containing both `status` and `text`. */
#define CTL_REFUSED(status, text, ...)                                                             \
	ctl_refused(status, text, (const char *const[]){__VA_ARGS__, NULL})

static void ctl_refused(const char *status, const char *text, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(&d, args, &out, &err);

	cr_assert_eq(rc, 1, "vetctl %s %s: exit %d, expected 1: %s", args[0], args[1], rc, err);
	cr_assert(strstr(err, status) != NULL && strstr(err, text) != NULL,
		  "expected %s '%s', got: %s", status, text, err);
	free(out);
	free(err);
}

static json_t *show_json(const char *id)
{
	char *out = CTL_OUT("--json", "alliance", "show", id);
	json_t *obj = json_loads(out, 0, NULL);

	cr_assert_not_null(obj, "not JSON: %s", out);
	free(out);
	return json_object_get(obj, "alliance") ? obj : (json_decref(obj), NULL);
}

static const char *stage_of(json_t *reply)
{
	json_t *s = json_object_get(json_object_get(reply, "alliance"), "stage");

	cr_assert(json_is_string(s), "no stage");
	return json_string_value(s);
}

static const char *const SLUGS[] = {"long-term-alliance", "digital-channels", "pilot-templates",
				    "study-visits",       "evaluations",      "project-activities"};

Test(alliance_flow, seed_path)
{
	char *out;
	json_t *r;

	register_centres();
	CTL_OK("centre", "register", "--id", "CYL-VA", "--name", "CIFP Valladolid", "--kind",
	       "vet-centre", "--partner", "CYL", "--country", "ES");

	/* refusals at creation */
	CTL_REFUSED("INVALID_ARGUMENT", "two or more members", "alliance", "create", "--id", "A1",
		    "--name", "Commerce", "--member", "CECOA");
	CTL_REFUSED("INVALID_ARGUMENT", "'CECOA' is listed twice", "alliance", "create", "--id",
		    "A1", "--name", "Commerce", "--member", "CECOA", "--member", "CECOA");
	CTL_REFUSED("NOT_FOUND", "no centre 'GHOST'", "alliance", "create", "--id", "A1", "--name",
		    "Commerce", "--member", "CECOA", "--member", "GHOST");
	CTL_REFUSED("NOT_FOUND", "no sector 'knitting'", "alliance", "create", "--id", "A1",
		    "--name", "Commerce", "--member", "CECOA", "--member", "CIFP-SEG", "--sector",
		    "knitting");

	out = CTL_OUT("alliance", "create", "--id", "A1", "--name", "Commerce PT-CyL", "--sector",
		      "international-commerce", "--member", "CECOA", "--member", "CIFP-SEG");
	cr_assert(strstr(out, "created alliance 'A1'") != NULL, "%s", out);
	free(out);
	CTL_REFUSED("ALREADY_EXISTS", "alliance 'A1' already exists", "alliance", "create", "--id",
		    "A1", "--name", "x", "--member", "CECOA", "--member", "CIFP-SEG");

	r = show_json("A1");
	cr_assert_str_eq(stage_of(r), "created");
	cr_assert(
	    strstr(json_string_value(json_object_get(json_object_get(r, "alliance"), "missing")),
		   "CECOA, CIFP-SEG") != NULL);
	json_decref(r);

	/* join, leave, and the refusals around them */
	CTL_OK("alliance", "join", "A1", "--centre", "CYL-VA");
	CTL_REFUSED("ALREADY_EXISTS", "already a member", "alliance", "join", "A1", "--centre",
		    "CYL-VA");
	CTL_REFUSED("NOT_FOUND", "alliance 'NOPE' not found", "alliance", "join", "NOPE",
		    "--centre", "CYL-VA");
	CTL_OK("alliance", "leave", "A1", "--centre", "CYL-VA");
	CTL_REFUSED("FAILED_PRECONDITION", "two or more members", "alliance", "leave", "A1",
		    "--centre", "CECOA");

	/* out of order */
	CTL_REFUSED("FAILED_PRECONDITION", "agreement needs a contact point for every member",
		    "alliance", "agree", "A1");
	CTL_REFUSED("FAILED_PRECONDITION", "mutual visit needs the agreement", "alliance", "visit",
		    "A1", "--date", "2021-05-10");

	/* contact points: the second one reaches step 1 */
	CTL_OK("alliance", "contact", "A1", "--centre", "CECOA", "--contact", "Ana Silva",
	       "--channel", "teams", "--channel", "email:ana@cecoa.example");
	CTL_OK("alliance", "contact", "A1", "--centre", "CIFP-SEG", "--contact", "Luis Gomez",
	       "--channel", "skype");
	r = show_json("A1");
	cr_assert_str_eq(stage_of(r), "contact-point");
	json_decref(r);

	/* agreement needs every adopted commitment confirmed by every member */
	for (size_t i = 0; i < 6; i++)
		CTL_OK("commitment", "confirm", "--centre", "CECOA", "--commitment", SLUGS[i]);
	CTL_REFUSED("FAILED_PRECONDITION",
		    "alliance 'A1': agreement needs every member to confirm 'long-term-alliance'; "
		    "missing: CIFP-SEG",
		    "alliance", "agree", "A1");
	for (size_t i = 0; i < 6; i++)
		CTL_OK("commitment", "confirm", "--centre", "CIFP-SEG", "--commitment", SLUGS[i]);
	CTL_OK("alliance", "agree", "A1");
	CTL_OK("alliance", "visit", "A1", "--reference", "virtual-session-7");
	r = show_json("A1");
	cr_assert_str_eq(stage_of(r), "mutual-visit");
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(r, "alliance"), "schedule")),
	    "on-time");
	json_decref(r);

	/* the MoU: draft, sign, edit (voids), sign again by both */
	CTL_REFUSED("FAILED_PRECONDITION", "no MoU is drafted yet", "alliance", "mou-sign", "A1",
		    "--centre", "CECOA", "--hash", "0123456789abcdef");
	CTL_OK("alliance", "mou-draft", "A1", "--objectives", "exchange of commerce learners",
	       "--students", "4,2,0,0,1", "--staff", "2,1,1,0", "--activity", "thematic days",
	       "--activity", "virtual companies", "--languages", "English, Portuguese, Spanish",
	       "--ecvet", "retail units; host assesses, sender validates and recognises",
	       "--valid-from", "2021-09-01", "--valid-until", "2023-08-31");
	{
		char h1[64], h2[64];
		json_t *mou;
		r = show_json("A1");
		mou = json_object_get(json_object_get(r, "alliance"), "mou");
		snprintf(h1, sizeof h1, "%s", json_string_value(json_object_get(mou, "hash")));
		cr_assert_eq(strlen(h1), 16, "hash '%s'", h1);
		json_decref(r);
		CTL_REFUSED("FAILED_PRECONDITION", "not a member", "alliance", "mou-sign", "A1",
			    "--centre", "CYL-VA", "--hash", h1);
		CTL_OK("alliance", "mou-sign", "A1", "--centre", "CECOA", "--hash", h1);
		CTL_OK("alliance", "mou-draft", "A1", "--objectives",
		       "exchange of commerce learners and teachers", "--students", "4,2,0,0,1");
		r = show_json("A1");
		mou = json_object_get(json_object_get(r, "alliance"), "mou");
		snprintf(h2, sizeof h2, "%s", json_string_value(json_object_get(mou, "hash")));
		cr_assert_str_neq(h1, h2);
		cr_assert_eq(json_integer_value(json_object_get(mou, "voided")), 1,
			     "the edit voided CECOA's signature");
		json_decref(r);
		CTL_REFUSED("FAILED_PRECONDITION", "stale MoU version", "alliance", "mou-sign",
			    "A1", "--centre", "CECOA", "--hash", h1);
		CTL_OK("alliance", "mou-sign", "A1", "--centre", "CECOA", "--hash", h2);
		CTL_OK("alliance", "mou-sign", "A1", "--centre", "CIFP-SEG", "--hash", h2);
	}
	r = show_json("A1");
	cr_assert_str_eq(stage_of(r), "mou");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "alliance"), "kind")),
			 "formal");
	json_decref(r);

	/* the progress table */
	out = CTL_OUT("report", "alliances");
	cr_assert(strstr(out, "A1") != NULL && strstr(out, "formal") != NULL &&
		      strstr(out, "done") != NULL,
		  "%s", out);
	free(out);

	/* replay */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	r = show_json("A1");
	cr_assert_str_eq(stage_of(r), "mou");
	json_decref(r);

	/* vetwatch sees the alliance events in order */
	{
		const char *argv[] = {
		    VA_VETWATCH_PATH, "--endpoint", d.pub_ep, "--cmd-endpoint", d.cmd_ep,
		    "--from",         "1",          "--once", "--type",         "alliance.",
		    "--type",         "mou.",       NULL};
		const char *want[] = {"alliance.created",
				      "alliance.member_joined",
				      "alliance.member_left",
				      "alliance.contact_designated",
				      "alliance.contact_designated",
				      "alliance.step_reached",
				      "alliance.step_reached",
				      "mou.drafted",
				      "mou.signed",
				      "mou.changed",
				      "mou.signed",
				      "mou.signed",
				      "mou.fully_signed"};
		char *err = NULL;
		const char *p;
		int rc;
		out = NULL;
		rc = vt_run(argv, NULL, &out, &err, 20000);
		cr_assert_eq(rc, 0, "vetwatch exit %d: %s", rc, err);
		p = out;
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			p = strstr(p, want[i]);
			cr_assert_not_null(p, "vetwatch: event %zu '%s' missing in order:\n%s", i,
					   want[i], out);
			p++;
		}
		cr_assert_null(strstr(p, "\"mou."), "more MoU events than expected:\n%s", out);
		free(out);
		free(err);
	}
}
