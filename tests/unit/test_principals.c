/*
 * test_principals.c - daemon/principals.c: the principals file, each of
 * its rules refused with the section named, lookups by key, and the count
 * of keys a new file removes.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "security/principals.h"

#define KEY_A "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define KEY_B "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define KEY_C "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

static char err[512];

static const char good[] = "cecoa-office\n"
			   "    key = \"" KEY_A "\"\n"
			   "    role = centre\n"
			   "    institution = \"CECOA\"\n"
			   "iefp\n"
			   "    key = \"" KEY_B "\"\n"
			   "    role = partner\n"
			   "    institution = \"IEFP\"\n"
			   "secretariat\n"
			   "    key = \"" KEY_C "\"\n"
			   "    role = admin\n";

Test(principals, parses_every_role_and_finds_by_key)
{
	principals_t *p = principals_parse(good, "good", err, sizeof err);
	const principal_t *a;

	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(principals_count(p), 3);
	a = principals_find(p, KEY_A);
	cr_assert_not_null(a);
	cr_assert_str_eq(a->name, "cecoa-office");
	cr_assert_eq(a->role, ROLE_CENTRE);
	cr_assert_str_eq(a->institution, "CECOA");
	cr_assert_eq(principals_find(p, KEY_B)->role, ROLE_PARTNER);
	cr_assert_eq(principals_find(p, KEY_C)->role, ROLE_ADMIN);
	cr_assert_str_eq(principals_find(p, KEY_C)->institution, "");
	cr_assert_null(principals_find(p, "0000000000000000000000000000000000000000"));
	cr_assert_null(principals_find(p, NULL));
	principals_free(&p);
	cr_assert_null(p);
}

static void refused(const char *text, const char *needle)
{
	principals_t *p = principals_parse(text, "f", err, sizeof err);

	cr_assert_null(p, "accepted: %s", text);
	cr_assert(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
}

Test(principals, refuses_each_broken_rule)
{
	refused("a\n    key = \"short\"\n    role = admin\n", "principal 'a': 'key' must be");
	refused("a\n    key = \"" KEY_A "\"\n    role = boss\n", "'role' must be centre");
	refused("a\n    key = \"" KEY_A "\"\n", "'role' must be");
	refused("a\n    role = admin\n", "'key' must be");
	refused("a\n    key = \"" KEY_A "\"\n    role = centre\n", "needs 'institution'");
	refused("a\n    key = \"" KEY_A "\"\n    role = admin\n    institution = \"X\"\n",
		"acts for no institution");
	refused("a\n    key = \"" KEY_A "\"\n    role = admin\n    colour = red\n",
		"unknown key 'colour'");
	refused("a\n    key = \"" KEY_A "\"\n    role = admin\n    role = admin\n",
		"'role' given twice");
	refused("a\n    key = \"" KEY_A "\"\n    role = admin\n"
		"b\n    key = \"" KEY_A "\"\n    role = admin\n",
		"key already belongs to 'a'");
	refused("a\n    key = \"" KEY_A "\"\n    role = admin\n"
		"a\n    key = \"" KEY_B "\"\n    role = admin\n",
		"principal 'a' is defined twice");
	refused("bad@label\n    key = \"" KEY_A "\"\n    role = admin\n",
		"is not a principal label");
}

Test(principals, missing_file_names_it)
{
	cr_assert_null(principals_load("/nonexistent/principals", err, sizeof err));
	cr_assert(strstr(err, "/nonexistent/principals") != NULL, "%s", err);
}

Test(principals, counts_removed_keys)
{
	principals_t *old = principals_parse(good, "old", err, sizeof err);
	principals_t *next = principals_parse("secretariat\n    key = \"" KEY_C "\"\n"
					      "    role = admin\n",
					      "next", err, sizeof err);

	cr_assert_not_null(old);
	cr_assert_not_null(next);
	cr_assert_eq(principals_removed(old, next), 2);
	cr_assert_eq(principals_removed(next, old), 0);
	principals_free(&old);
	principals_free(&next);
}
