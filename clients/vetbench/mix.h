/*
 * vetbench/mix - the consortium mix (vetbench --mix consortium): what the
 * clients of a large consortium send, on the state vetbench --seed
 * consortium made.  Per command:
 *
 *   40% mobilities: proposals, then each one approved, started,
 *       completed and certified, a step a request;
 *   30% sessions: bookings, then four joins each;
 *   10% commitment confirmations and withdrawals;
 *   10% centre updates;
 *   10% queries: a mobility, a centre, a session (point lookups), the
 *       mobilities under way of a partner, the alliances with their
 *       road-map state.
 *
 * Each client works on its own block of the seeded centres (sessions
 * and commitments change per centre, and two clients on one centre
 * would refuse each other), names the seeded mobilities and sessions in
 * its queries, and makes its own mobilities and sessions under ids with
 * the run's prefix.  Every command is one the daemon accepts; a refusal
 * counts as an error of the run.
 */
#ifndef VA_VETBENCH_MIX_H
#define VA_VETBENCH_MIX_H

#include <stddef.h>
#include <stdint.h>

#include <vetalliance/client.h>

enum mix_op {
	MIX_OP_PROPOSE,
	MIX_OP_STEP,
	MIX_OP_BOOK,
	MIX_OP_JOIN,
	MIX_OP_COMMITMENT,
	MIX_OP_CENTRE,
	MIX_OP_QUERY,
	MIX_OP_LIST,
	MIX_OPS
};

extern const char *const mix_op_names[MIX_OPS];

typedef struct mix_client mix_client_t;

/* What one request is built in: the messages and strings its fields
 * point at.  On the caller's stack. */
typedef struct mix_req {
	union {
		Vetalliance__V1__MobilityPropose propose;
		Vetalliance__V1__MobilityAct act;
		Vetalliance__V1__MobilityCertify certify;
		Vetalliance__V1__SessionBook book;
		Vetalliance__V1__SessionJoin join;
		Vetalliance__V1__CommitmentConfirm confirm;
		Vetalliance__V1__CommitmentWithdraw withdraw;
		Vetalliance__V1__CentreUpdate update;
		Vetalliance__V1__MobilityGet mobility_get;
		Vetalliance__V1__CentreGet centre_get;
		Vetalliance__V1__SessionGet session_get;
		Vetalliance__V1__MobilityList mobility_list;
		Vetalliance__V1__AllianceList alliance_list;
	} u;
	Vetalliance__V1__Mobility mobility;
	Vetalliance__V1__Session session;
	Vetalliance__V1__Centre centre;
	char id[40], a[40], b[40], text[96];
	char *strs[2];
} mix_req_t;

/*
 * mix_client_new - the state of client `idx` of `clients` on the state
 * seeded at `scale`; ids carry `prefix`.  NULL when the seeded state has
 * too few centres for a block per client.
 */
mix_client_t *mix_client_new(unsigned idx, unsigned clients, double scale, const char *prefix);
void mix_client_free(mix_client_t **self_p);

/* mix_choose - the next kind of request, by the mix's weights. */
enum mix_op mix_choose(mix_client_t *c, uint64_t *rng);

/*
 * mix_build - fill req (its body; not the request id) for op in r's
 * storage; *item names what the request works on, for mix_done().
 * Returns the op actually built (a step or a join with nothing to work
 * on becomes a proposal or a booking).
 */
enum mix_op mix_build(mix_client_t *c, enum mix_op op, uint64_t *rng, va_request_t *req,
		      mix_req_t *r, uint32_t *item);

/* mix_done - the reply to a request of mix_build(): ok or refused. */
void mix_done(mix_client_t *c, enum mix_op op, uint32_t item, int ok);

#endif
