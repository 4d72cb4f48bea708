/*
 * test_centre_flow.c - end-to-end: centres complete through the
 * real daemon and vetctl.  Contacts by role and the selection-criteria
 * facts are set at register and update and survive a restart; `centre
 * criteria` shows met / unmet / unknown with the fact; `centre match`
 * finds centres of other countries offering a sector; `report sectors`
 * prints the partner x sector matrix as text, CSV and JSON; `mou show`
 * prints the MoU as a document with its signatures and voided ones; the
 * centre CSV goes out of one daemon and into a fresh one unchanged; every
 * refusal has its status and exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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

TestSuite(centre_flow, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/*
 * ctl - run vetctl on daemon `dd`; assert its exit code and that stdout
 * contains `out_has` and stderr `err_has` (NULL: anything).  Returns
 * stdout (free it).
 */
static char *ctl(const vt_daemon_t *dd, int want, const char *out_has, const char *err_has,
		 const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(dd, args, &out, &err);

	cr_assert_eq(rc, want, "vetctl %s %s: exit %d, expected %d\nstdout: %s\nstderr: %s",
		     args[0], args[1], rc, want, out, err);
	cr_assert(out_has == NULL || strstr(out, out_has) != NULL, "stdout lacks '%s':\n%s",
		  out_has, out);
	cr_assert(err_has == NULL || strstr(err, err_has) != NULL, "stderr lacks '%s':\n%s",
		  err_has, err);
	free(err);
	return out;
}

#define CTL(want, out_has, err_has, ...)                                                           \
	free(ctl(&d, want, out_has, err_has, (const char *const[]){__VA_ARGS__, NULL}))
#define CTL_OUT(...) ctl(&d, 0, NULL, NULL, (const char *const[]){__VA_ARGS__, NULL})

static json_t *ctl_json(const char *const *args)
{
	char *out = ctl(&d, 0, NULL, NULL, args);
	json_t *obj = json_loads(out, 0, NULL);

	cr_assert_not_null(obj, "not JSON: %s", out);
	free(out);
	return obj;
}

#define CTL_JSON(...) ctl_json((const char *const[]){"--json", __VA_ARGS__, NULL})

static void register_centres(void)
{
	CTL(0, "registered centre 'CECOA'", NULL, "centre", "register", "--id", "CECOA", "--name",
	    "CECOA", "--kind", "vet-centre", "--partner", "IEFP", "--country", "PT", "--sector",
	    "international-commerce", "--person",
	    "coordinator=Ana Silva|email:ana@cecoa.example|phone:+351 21 000", "--person",
	    "headmaster=Rui Costa", "--fact", "sends=yes", "--fact", "receives=willing", "--fact",
	    "dual_vet=yes");
	CTL(0, NULL, NULL, "centre", "register", "--id", "CIFP-SEG", "--name", "CIFP Segovia",
	    "--kind", "vet-centre", "--partner", "CYL", "--country", "ES", "--region",
	    "Castilla y León", "--sector", "international-commerce", "--fact", "province=Segovia",
	    "--fact", "excellence_network=willing", "--fact", "previous_experience=yes", "--fact",
	    "teacher_hours=3", "--fact", "ka2_interest=no", "--person",
	    "teacher=Luis Gómez|skype:luis.g", "--person", "teacher=Marta");
	CTL(0, NULL, NULL, "centre", "register", "--id", "SBH-B", "--name", "SBH Berlin", "--kind",
	    "training-academy", "--partner", "SBH", "--country", "DE", "--sector",
	    "international-commerce", "--sector", "logistics");
}

static const char *str_at(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(obj, a), b);

	cr_assert(json_is_string(v), "no string %s.%s", a, b);
	return json_string_value(v);
}

Test(centre_flow, contacts_and_facts)
{
	json_t *r, *contacts;

	register_centres();
	r = CTL_JSON("centre", "show", "CECOA");
	contacts = json_object_get(json_object_get(r, "centre"), "contacts");
	cr_assert_eq(json_array_size(contacts), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(contacts, 0), "role")),
			 "coordinator");
	cr_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(json_array_get(contacts, 0), "channels"), 1)),
			 "phone:+351 21 000");
	cr_assert_str_eq(str_at(r, "centre", "receives"), "willing");
	cr_assert_str_eq(str_at(r, "centre", "coordinator"), "unknown");
	json_decref(r);

	/* an update changes only what it names */
	CTL(0, "updated centre 'CECOA'", NULL, "centre", "update", "--id", "CECOA", "--fact",
	    "coordinator=willing", "--fact", "integrated=no");
	r = CTL_JSON("centre", "show", "CECOA");
	cr_assert_str_eq(str_at(r, "centre", "coordinator"), "willing");
	cr_assert_str_eq(str_at(r, "centre", "integrated"), "no");
	cr_assert_str_eq(str_at(r, "centre", "dual_vet"), "yes");
	cr_assert_eq(json_array_size(json_object_get(json_object_get(r, "centre"), "contacts")), 2);
	json_decref(r);
	CTL(0, NULL, NULL, "centre", "update", "--id", "CECOA", "--person",
	    "company-tutor=Paula|email:p@shop.example");
	CTL(0, NULL, NULL, "centre", "update", "--id", "CIFP-SEG", "--clear-contacts", "--fact",
	    "teacher_hours=unknown");
	r = CTL_JSON("centre", "show", "CIFP-SEG");
	cr_assert_eq(json_array_size(json_object_get(json_object_get(r, "centre"), "contacts")), 0);
	cr_assert(
	    json_is_false(json_object_get(json_object_get(r, "centre"), "teacher_hours_known")));
	cr_assert_str_eq(str_at(r, "centre", "province"), "Segovia");
	json_decref(r);

	/* refusals: the client's, then the daemon's */
	CTL(EX_USAGE, NULL, "unknown contact role 'janitor'", "centre", "update", "--id", "CECOA",
	    "--person", "janitor=Bob");
	CTL(EX_USAGE, NULL, "expected ROLE=NAME", "centre", "update", "--id", "CECOA", "--person",
	    "Bob");
	CTL(EX_USAGE, NULL, "the name is empty", "centre", "update", "--id", "CECOA", "--person",
	    "teacher=|email:x@y");
	CTL(EX_USAGE, NULL, "fact 'dual_vet': 'maybe' is not one of yes, willing, no, unknown",
	    "centre", "update", "--id", "CECOA", "--fact", "dual_vet=maybe");
	CTL(EX_USAGE, NULL, "unknown fact 'shoe_size'", "centre", "update", "--id", "CECOA",
	    "--fact", "shoe_size=42");
	CTL(EX_USAGE, NULL, "'teacher_hours': 'lots'", "centre", "update", "--id", "CECOA",
	    "--fact", "teacher_hours=lots");
	CTL(EX_USAGE, NULL, "exclude each other", "centre", "update", "--id", "CECOA", "--person",
	    "teacher=X", "--clear-contacts");
	CTL(1, NULL,
	    "INVALID_ARGUMENT: centre_update.centre.previous_experience: 'willing' does not apply",
	    "centre", "update", "--id", "CECOA", "--fact", "previous_experience=willing");
	CTL(1, NULL, "INVALID_ARGUMENT: centre_register.centre.teacher_hours: 41 is more than 40",
	    "centre", "register", "--id", "NEW", "--name", "New", "--kind", "vet-centre",
	    "--partner", "IEFP", "--country", "PT", "--fact", "teacher_hours=41");
	CTL(1, NULL, "NOT_FOUND: centre 'GHOST' not found", "centre", "update", "--id", "GHOST",
	    "--fact", "sends=yes");

	/* replay keeps it all */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	r = CTL_JSON("centre", "show", "CECOA");
	contacts = json_object_get(json_object_get(r, "centre"), "contacts");
	cr_assert_eq(json_array_size(contacts), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(contacts, 0), "role")),
			 "company-tutor");
	cr_assert_str_eq(str_at(r, "centre", "coordinator"), "willing");
	json_decref(r);
}

Test(centre_flow, criteria)
{
	static const char *const slugs[] = {"long-term-alliance", "digital-channels",
					    "pilot-templates",    "study-visits",
					    "evaluations",        "project-activities"};
	char *out;
	json_t *r, *list;

	register_centres();
	out = CTL_OUT("centre", "criteria", "CIFP-SEG");
	cr_assert(strstr(out, "excellence-network   cyl      met      VET excellence network: "
			      "being rated") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "ka2-interest         cyl      unmet") != NULL, "%s", out);
	cr_assert(strstr(out, "province Segovia: 1 of the region's 1 centres") != NULL, "%s", out);
	cr_assert(strstr(out, "teacher hours a week: 3 (2-3 wanted)") != NULL, "%s", out);
	cr_assert(strstr(out, "integrated           cyl      unknown") != NULL, "%s", out);
	free(out);

	out = CTL_OUT("centre", "criteria", "CECOA");
	cr_assert(strstr(out, "sends-receives  general  met      sends mobilities: yes; "
			      "receives: willing") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "commitments     general  unknown  0 of 6 confirmed") != NULL, "%s",
		  out);
	cr_assert_null(strstr(out, "cyl"), "CyL criteria for a Portuguese centre:\n%s", out);
	free(out);

	for (size_t i = 0; i < 6; i++)
		CTL(0, NULL, NULL, "commitment", "confirm", "--centre", "CECOA", "--commitment",
		    slugs[i]);
	CTL(0, "all 6 commitments confirmed", NULL, "centre", "criteria", "CECOA");
	CTL(0, NULL, NULL, "commitment", "withdraw", "--centre", "CECOA", "--commitment",
	    "evaluations");
	r = CTL_JSON("centre", "criteria", "CECOA");
	list = json_object_get(json_object_get(r, "criteria"), "criteria");
	cr_assert_eq(json_array_size(list), 4);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 3), "status")),
			 "unmet");
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(list, 3), "fact")),
			 "evaluations (withdrawn)") != NULL);
	json_decref(r);

	CTL(1, NULL, "NOT_FOUND: centre 'GHOST' not found", "centre", "criteria", "GHOST");
	CTL(EX_USAGE, NULL, "missing the id", "centre", "criteria");
}

Test(centre_flow, match)
{
	char *out;

	register_centres();
	out = CTL_OUT("centre", "match", "--sector", "international-commerce", "--centre", "CECOA");
	cr_assert(strstr(out, "CIFP-SEG") != NULL && strstr(out, "SBH-B") != NULL, "%s", out);
	cr_assert_null(strstr(out, "CECOA"), "%s", out);
	free(out);
	out = CTL_OUT("centre", "match", "--sector", "international-commerce", "--country", "ES");
	cr_assert(strstr(out, "CECOA") != NULL && strstr(out, "SBH-B") != NULL, "%s", out);
	cr_assert_null(strstr(out, "CIFP-SEG"), "%s", out);
	free(out);
	out = CTL_OUT("centre", "match", "--sector", "logistics", "--centre", "CIFP-SEG");
	cr_assert(strstr(out, "SBH-B") != NULL && strstr(out, "CECOA") == NULL, "%s", out);
	free(out);
	out = CTL_OUT("centre", "match", "--sector", "mechatronics");
	cr_assert_null(strstr(out, "CECOA"), "%s", out);
	free(out);

	CTL(1, NULL, "NOT_FOUND: centre_match.sector: no sector 'knitting'", "centre", "match",
	    "--sector", "knitting", "--centre", "CECOA");
	CTL(1, NULL, "NOT_FOUND: centre 'GHOST' not found", "centre", "match", "--sector",
	    "logistics", "--centre", "GHOST");
	CTL(1, NULL, "INVALID_ARGUMENT: centre_match.country", "centre", "match", "--sector",
	    "logistics", "--country", "Spain");
	CTL(EX_USAGE, NULL, "needs --sector", "centre", "match", "--centre", "CECOA");
	CTL(EX_USAGE, NULL, "exclude each other", "centre", "match", "--sector", "logistics",
	    "--centre", "CECOA", "--country", "ES");
}

Test(centre_flow, report_sectors)
{
	char *out;
	json_t *r, *sectors, *commerce;

	out = CTL_OUT("report", "sectors");
	cr_assert(strncmp(out, "sector ", 7) == 0, "%s", out);
	cr_assert_null(strstr(out, " \n"), "trailing blanks:\n%s", out);
	cr_assert(strstr(out, "CYL") != NULL && strstr(out, "DE") != NULL, "%s", out);
	cr_assert(strstr(out, "International commerce & marketing    x (Segovia)") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "Mechatronics                          x*") != NULL, "%s", out);
	cr_assert(
	    strstr(out, "focus sectors: International commerce & marketing, Mechatronics, IT") !=
		NULL,
	    "%s", out);
	free(out);

	out = CTL_OUT("report", "sectors", "--csv");
	cr_assert(strncmp(out, "sector,CYL,DE,PL,PT,FI\r\n", 24) == 0, "%s", out);
	cr_assert(strstr(out, "\r\nSports & animation,\"x (Segovia, Ávila)\",x,,,x\r\n") != NULL,
		  "%s", out);
	free(out);

	CTL(0, NULL, NULL, "interest", "mark", "--partner", "SBH", "--sector", "it", "--note",
	    "Berlin");
	CTL(0, NULL, NULL, "interest", "unmark", "--partner", "SBH", "--sector", "logistics");
	out = CTL_OUT("report", "sectors", "--csv");
	cr_assert(strstr(out, "\r\nIT,,x (Berlin),x,x,x\r\n") != NULL, "%s", out);
	cr_assert(strstr(out, "\r\nLogistics,,,x,,x\r\n") != NULL, "%s", out);
	free(out);

	r = CTL_JSON("report", "sectors");
	cr_assert_eq(json_array_size(json_object_get(r, "partners")), 5);
	sectors = json_object_get(r, "sectors");
	commerce = json_array_get(sectors, 1);
	cr_assert_str_eq(json_string_value(json_object_get(commerce, "id")),
			 "international-commerce");
	cr_assert(json_is_true(json_object_get(commerce, "focus")));
	cr_assert_str_eq(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(commerce, "interest"), "CYL"), "note")),
	    "Segovia");
	json_decref(r);

	CTL(EX_USAGE, NULL, "exclude each other", "--json", "report", "sectors", "--csv");
	CTL(EX_USAGE, NULL, "does not apply", "report", "sectors", "--partner", "CYL");
}

static const char *mou_hash(void)
{
	static char hash[64];
	json_t *r = CTL_JSON("alliance", "show", "A1");
	json_t *mou = json_object_get(json_object_get(r, "alliance"), "mou");

	snprintf(hash, sizeof hash, "%s", json_string_value(json_object_get(mou, "hash")));
	json_decref(r);
	return hash;
}

Test(centre_flow, mou_show)
{
	static const char *const slugs[] = {"long-term-alliance", "digital-channels",
					    "pilot-templates",    "study-visits",
					    "evaluations",        "project-activities"};
	char *out, h1[64];
	json_t *r, *sigs;

	register_centres();
	CTL(0, NULL, NULL, "alliance", "create", "--id", "A1", "--name", "Commerce PT-CyL",
	    "--sector", "international-commerce", "--member", "CECOA", "--member", "CIFP-SEG");
	CTL(1, NULL, "alliance 'A1' has no MoU draft yet", "mou", "show", "A1");
	CTL(1, NULL, "NOT_FOUND: alliance 'NOPE' not found", "mou", "show", "NOPE");
	CTL(EX_USAGE, NULL, "missing the id", "mou", "show");
	CTL(0, NULL, NULL, "alliance", "contact", "A1", "--centre", "CECOA", "--contact", "Ana");
	CTL(0, NULL, NULL, "alliance", "contact", "A1", "--centre", "CIFP-SEG", "--contact",
	    "Luis");
	for (size_t i = 0; i < 6; i++) {
		CTL(0, NULL, NULL, "commitment", "confirm", "--centre", "CECOA", "--commitment",
		    slugs[i]);
		CTL(0, NULL, NULL, "commitment", "confirm", "--centre", "CIFP-SEG", "--commitment",
		    slugs[i]);
	}
	CTL(0, NULL, NULL, "alliance", "agree", "A1");
	CTL(0, NULL, NULL, "alliance", "visit", "A1", "--date", "2021-05-10");
	CTL(0, NULL, NULL, "alliance", "mou-draft", "A1", "--objectives",
	    "exchange of commerce learners", "--students", "4,2,0,0,1", "--staff", "2,1,1,0",
	    "--activity", "thematic days", "--activity", "virtual companies", "--languages",
	    "English, Portuguese, Spanish", "--ecvet", "retail units; host assesses",
	    "--valid-from", "2021-09-01", "--valid-until", "2023-08-31");
	snprintf(h1, sizeof h1, "%s", mou_hash());
	CTL(0, NULL, NULL, "alliance", "mou-sign", "A1", "--centre", "CECOA", "--hash", h1);

	out = CTL_OUT("mou", "show", "A1");
	cr_assert(strstr(out, "MEMORANDUM OF UNDERSTANDING") != NULL, "%s", out);
	cr_assert(strstr(out, "alliance:  A1 - Commerce PT-CyL (informal, sector "
			      "international-commerce)") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "version:   1\n") != NULL, "%s", out);
	cr_assert(strstr(out, h1) != NULL, "%s", out);
	cr_assert(strstr(out, "valid:     from 2021-09-01 until 2023-08-31") != NULL, "%s", out);
	cr_assert(strstr(out, "1. Objectives\n   exchange of commerce learners") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "less than 4 weeks:                      4") != NULL, "%s", out);
	cr_assert(strstr(out, "special needs:                          1") != NULL, "%s", out);
	cr_assert(strstr(out, "job shadowing (one week):               2") != NULL, "%s", out);
	cr_assert(strstr(out, "   - thematic days\n   - virtual companies") != NULL, "%s", out);
	cr_assert(strstr(out, "English, Portuguese, Spanish") != NULL, "%s", out);
	cr_assert(strstr(out, "retail units; host assesses") != NULL, "%s", out);
	cr_assert(strstr(out, "CECOA            signed on ") != NULL, "%s", out);
	cr_assert(strstr(out, "CIFP-SEG         not signed") != NULL, "%s", out);
	cr_assert(strstr(out, "1 of 2 members signed\n") != NULL, "%s", out);
	cr_assert_null(strstr(out, "voided"), "%s", out);
	free(out);

	/* editing voids the signature, and the document says so */
	CTL(0, NULL, NULL, "alliance", "mou-draft", "A1", "--objectives",
	    "exchange of commerce learners and teachers");
	out = CTL_OUT("mou", "show", "A1");
	cr_assert(strstr(out, "version:   2\n") != NULL, "%s", out);
	cr_assert(strstr(out, "CECOA            not signed") != NULL, "%s", out);
	cr_assert(strstr(out, "Note: the change to version 2 voided 1 signature;") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "valid:     from not set until not set") != NULL, "%s", out);
	free(out);
	snprintf(h1, sizeof h1, "%s", mou_hash());
	CTL(0, NULL, NULL, "alliance", "mou-sign", "A1", "--centre", "CECOA", "--hash", h1);
	CTL(0, NULL, NULL, "alliance", "mou-sign", "A1", "--centre", "CIFP-SEG", "--hash", h1);
	CTL(0, "2 of 2 members signed: the MoU is complete", NULL, "mou", "show", "A1");

	r = CTL_JSON("mou", "show", "A1");
	cr_assert_str_eq(json_string_value(json_object_get(r, "alliance")), "A1");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "mou"), "version")), 2);
	sigs = json_object_get(r, "signatures");
	cr_assert_eq(json_array_size(sigs), 2);
	cr_assert(json_is_true(json_object_get(json_array_get(sigs, 1), "signed")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(sigs, 1), "hash")), h1);
	json_decref(r);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write '%s'", path);
	fputs(text, f);
	fclose(f);
}

Test(centre_flow, csv_round_trip)
{
	vt_daemon_t d2 = {0};
	char path[VT_PATH_MAX + 32], *a, *b, *out;

	register_centres();
	/* the awkward values: commas, quotes, a line break, escapes, UTF-8 */
	CTL(0, NULL, NULL, "centre", "update", "--id", "CECOA", "--name",
	    "CECOA, \"Centro\" de\nFormação", "--person", "teacher=Zé \"o prof\"|email:z@x.pt",
	    "--person", "teacher=Pipe\\|Name;Two|tel:1\\;2", "--person",
	    "headmaster=Rui, Costa|teams");
	a = CTL_OUT("centre", "list", "--csv");
	cr_assert(strncmp(a,
			  "id,name,kind,partner,country,region,sectors,province,sends,receives,"
			  "dual_vet,coordinator,excellence_network,previous_experience,integrated,"
			  "ka2_interest,teacher_hours,headmasters,coordinators,teachers,"
			  "company_tutors\r\n",
			  216) == 0,
		  "%s", a);
	cr_assert(strstr(a, "\r\nCECOA,\"CECOA, \"\"Centro\"\" de\nFormação\",vet-centre,IEFP,PT,,"
			    "international-commerce,,yes,willing,yes,,,,,,,\"Rui, Costa|teams\",,"
			    "\"Zé \"\"o prof\"\"|email:z@x.pt;Pipe\\|Name;Two|tel:1\\;2\",\r\n") !=
		      NULL,
		  "%s", a);
	cr_assert(strstr(a, "SBH-B,SBH Berlin,training-academy,SBH,DE,,"
			    "international-commerce;logistics,") != NULL,
		  "%s", a);
	snprintf(path, sizeof path, "%s/centres.csv", d.dir);
	write_file(path, a);

	if (vt_daemon_start(&d2, NULL) < 0) {
		vt_daemon_cleanup(&d2);
		cr_assert_fail("the second daemon did not start");
	}
	out = ctl(&d2, 0, "3 rows accepted, 0 refused", NULL,
		  (const char *const[]){"centre", "import", path, NULL});
	cr_assert(strstr(out, "row 2 (line 2): registered centre 'CECOA'") != NULL, "%s", out);
	cr_assert(strstr(out, "row 3 (line 4): registered centre 'CIFP-SEG'") != NULL, "%s", out);
	free(out);
	b = ctl(&d2, 0, NULL, NULL, (const char *const[]){"centre", "list", "--csv", NULL});
	cr_assert_str_eq(a, b, "the round trip changed the file");
	free(b);
	/* again: every row exists, so every row updates, nothing changes */
	out = ctl(&d2, 0, "row 2 (line 2): updated centre 'CECOA'", NULL,
		  (const char *const[]){"centre", "import", path, NULL});
	free(out);
	b = ctl(&d2, 0, NULL, NULL, (const char *const[]){"centre", "list", "--csv", NULL});
	cr_assert_str_eq(a, b);
	free(b);
	free(a);
	cr_assert_eq(vt_daemon_stop(&d2), 0);
	vt_daemon_cleanup(&d2);
}

Test(centre_flow, csv_import_refusals)
{
	char path[VT_PATH_MAX + 32], *out;

	snprintf(path, sizeof path, "%s/bad.csv", d.dir);
	write_file(path, "id,name,kind,partner,country,dual_vet,teachers\r\n"
			 "OK1,Good one,vet-centre,CYL,ES,yes,Ana|email:a@x.es\r\n"
			 "Q1,\"bad\"quote,vet-centre,CYL,ES,yes,\r\n"
			 "F1,Fact,vet-centre,CYL,ES,maybe,\r\n"
			 "C1,Country,vet-centre,CYL,Spain,yes,\r\n"
			 "N1,Short,vet-centre,CYL,ES\r\n"
			 "K1,Kind,bakery,CYL,ES,no,\r\n"
			 "P1,Person,vet-centre,CYL,ES,no,|email:nobody@x.es\r\n"
			 "U1,Unknown partner,vet-centre,NOPE,ES,no,\r\n"
			 "OK2,\"Second\r\ngood\",vet-centre,CYL,ES,no,\r\n");
	out = ctl(&d, 1, "2 rows accepted, 7 refused", NULL,
		  (const char *const[]){"centre", "import", path, NULL});
	cr_assert(strstr(out, "row 2 (line 2): registered centre 'OK1'") != NULL, "%s", out);
	cr_assert(strstr(out, "row 3 (line 3): refused: malformed CSV: field 2: text after a "
			      "closing quote") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 4 (line 4): refused: column dual_vet: fact 'dual_vet': "
			      "'maybe' is not one of") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 5 (line 5): refused: INVALID_ARGUMENT: "
			      "centre_register.centre.country: 'Spain'") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 6 (line 6): refused: 5 fields, the header has 7") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "row 7 (line 7): refused: column kind: unknown centre kind "
			      "'bakery'") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 8 (line 8): refused: column teachers: person "
			      "'|email:nobody@x.es': the name is empty") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 9 (line 9): refused: NOT_FOUND: centre.partner: no partner "
			      "'NOPE'") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "row 10 (line 10): registered centre 'OK2'") != NULL, "%s", out);
	free(out);
	CTL(0, "Ana", NULL, "centre", "show", "OK1");
	CTL(1, NULL, "NOT_FOUND", "centre", "show", "F1");

	/* with --request-id, running an import again applies no row twice */
	write_file(path, "id,name,kind,partner,country\r\nRID1,Once,vet-centre,CYL,ES\r\n");
	{
		char *first = ctl(
		    &d, 0, "registered centre 'RID1'", NULL,
		    (const char *const[]){"--request-id", "imp-7", "centre", "import", path, NULL});
		char *again = ctl(
		    &d, 0, NULL, NULL,
		    (const char *const[]){"--request-id", "imp-7", "centre", "import", path, NULL});
		cr_assert_str_eq(first, again, "the retry applied the row again");
		free(first);
		free(again);
	}

	/* a bad header refuses the whole file */
	write_file(path, "id,name,shoe_size\r\nX,Y,42\r\n");
	CTL(EX_DATAERR, NULL, "unknown column 'shoe_size'", "centre", "import", path);
	write_file(path, "name,kind\r\nY,vet-centre\r\n");
	CTL(EX_DATAERR, NULL, "the header has no 'id' column", "centre", "import", path);
	write_file(path, "id,name,id\r\n");
	CTL(EX_DATAERR, NULL, "column 'id' twice", "centre", "import", path);
	write_file(path, "");
	CTL(EX_DATAERR, NULL, "no header record", "centre", "import", path);
	CTL(EX_NOINPUT, NULL, "could not read", "centre", "import", "/nonexistent/c.csv");
	CTL(EX_USAGE, NULL, "needs the CSV file", "centre", "import");
}

Test(centre_flow, state_get_and_events)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__StateGet sg = VETALLIANCE__V1__STATE_GET__INIT;
	va_reply_t *reply = NULL;
	const char *argv[] = {VA_VETWATCH_PATH, "--endpoint", d.pub_ep, "--cmd-endpoint",
			      d.cmd_ep,         "--from",     "1",      "--once",
			      "--type",         "centre.",    NULL};
	char *out = NULL, *err = NULL;

	register_centres();
	CTL(0, NULL, NULL, "commitment", "confirm", "--centre", "CECOA", "--commitment",
	    "evaluations");
	CTL(0, NULL, NULL, "alliance", "create", "--id", "A1", "--name", "Commerce", "--member",
	    "CECOA", "--member", "CIFP-SEG");
	CTL(0, NULL, NULL, "centre", "update", "--id", "CECOA", "--fact", "dual_vet=no");

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_STATE_GET;
	req.state_get = &sg;
	cr_assert_eq(vt_call(&d, &req, &reply), 0);
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK);
	cr_assert_eq(reply->state->n_commitments, 1);
	cr_assert_str_eq(reply->state->commitments[0]->centre, "CECOA");
	cr_assert_eq(reply->state->n_alliances, 1);
	cr_assert_str_eq(reply->state->alliances[0]->id, "A1");
	cr_assert_eq(reply->state->n_centres, 3);
	cr_assert_eq(reply->state->centres[0]->n_contacts, 2);
	va_reply_free(&reply);

	/* the events carry the new fields */
	cr_assert_eq(vt_run(argv, NULL, &out, &err, 20000), 0, "vetwatch: %s", err);
	cr_assert(strstr(out, "\"role\":\"coordinator\",\"name\":\"Ana Silva\"") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "centre.updated") != NULL &&
		      strstr(out, "\"dual_vet\":\"no\"") != NULL,
		  "%s", out);
	free(out);
	free(err);
}
