/*
 * test_bounds.c - daemon/bounds.c: requests in flight per principal, and
 * members per alliance, each refused exactly at its edge.
 */
#include <criterion/criterion.h>

#include <string.h>

#include <vetalliance/error.h>

#include "security/bounds.h"
#include "state/model.h"

static char err[512];

Test(bounds, in_flight_refused_past_the_limit_and_free_again_after_a_reply)
{
	inflight_t *f = inflight_new();
	uint32_t a = inflight_slot(f, "cecoa"), b = inflight_slot(f, "atec");

	cr_assert_neq(a, b);
	cr_assert_eq(inflight_slot(f, "cecoa"), a);
	cr_assert_eq(inflight_acquire(f, a, 2, err, sizeof err), 0);
	cr_assert_eq(inflight_acquire(f, a, 2, err, sizeof err), 0);
	cr_assert_eq(inflight_acquire(f, a, 2, err, sizeof err), -VA_RESOURCE_EXHAUSTED);
	cr_assert(strstr(err, "principal 'cecoa' has 2 requests in flight") != NULL, "%s", err);
	cr_assert_eq(inflight_count(f, a), 2);
	/* Another principal is not held up. */
	cr_assert_eq(inflight_acquire(f, b, 2, err, sizeof err), 0);
	inflight_release(f, a);
	cr_assert_eq(inflight_acquire(f, a, 2, err, sizeof err), 0);
	inflight_release(f, a);
	inflight_release(f, a);
	inflight_release(f, a); /* never below zero */
	cr_assert_eq(inflight_count(f, a), 0);
	inflight_free(&f);
	cr_assert_null(f);
}

Test(bounds, alliance_create_members_at_the_edge)
{
	alliance_member_t m[3] = {{.centre = "A"}, {.centre = "B"}, {.centre = "C"}};
	cmd_t c = {.type = CMD_ALLIANCE_CREATE};

	c.u.alliance.members = m;
	c.u.alliance.n_members = 3;
	cr_assert_eq(bounds_check(NULL, &c, 3, err, sizeof err), 0);
	cr_assert_eq(bounds_check(NULL, &c, 2, err, sizeof err), -VA_RESOURCE_EXHAUSTED);
	cr_assert(strstr(err, "3 members, more than the limit of 2") != NULL, "%s", err);
}
