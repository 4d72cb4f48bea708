/*
 * query - the answers to queries: each reads the state (or the daemon's
 * own health, or the journal for catch-up) and never changes it.
 */
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "server_internal.h"

/*
 * Centres: the centres offering q->sector outside the country
 * of centre q->id, or outside q->country; *list_p gets them (sorted by
 * id).  Returns 0 or a VA_* code with a message naming what is unknown.
 */
static int server__centre_match(server_t *srv, const query_t *q, result_t *res,
				const void ***list_p, char *msg, size_t msglen)
{
	const char *country = q->country;
	const centre_t **v;
	size_t n, k = 0;

	if (state_sector_get(srv->state, q->sector) == NULL) {
		snprintf(msg, msglen, "centre_match.sector: no sector '%s'", q->sector);
		return VA_NOT_FOUND;
	}
	if (q->id[0] != '\0') {
		const centre_t *c = state_centre_get(srv->state, q->id);
		if (c == NULL) {
			snprintf(msg, msglen, "centre '%s' not found", q->id);
			return VA_NOT_FOUND;
		}
		country = c->country;
	}
	n = state_centre_list(srv->state, "", "", q->sector, &v);
	for (size_t i = 0; i < n; i++)
		if (country[0] == '\0' || strcmp(v[i]->country, country) != 0)
			v[k++] = v[i];
	res->type = RESULT_CENTRES;
	res->n = k;
	*list_p = (const void **)v;
	return 0;
}

void server__query(server_t *srv, const query_t *q, reply_to_t *to)
{
	uint64_t seq = state_last_seq(srv->state);
	result_t res = {0};
	const void **list = NULL;
	char msg[SERVER_ERR_MAX] = "";
	confirmation_t view[COMMITMENT_MAX];
	criterion_t crit[CRITERIA_MAX];
	metrics_status_t st;
	char *text = NULL;
	int status = 0;

	switch (q->type) {
	case QUERY_MOBILITY_GET:
		res.one = mobilities_get(state_mobilities(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "mobility '%s' not found", q->id);
			break;
		}
		res.type = RESULT_MOBILITY;
		res.state = srv->state;
		res.rules = srv->rules;
		break;
	case QUERY_MOBILITY_LIST: {
		size_t n =
		    mobilities_list(state_mobilities(srv->state), (const mobility_t ***)&list);
		for (size_t i = 0; i < n; i++) {
			const mobility_t *m = list[i];
			int keep = (q->status == 0 || (int)m->status == q->status) &&
				   (q->partner == NULL || *q->partner == '\0' ||
				    strcmp(m->sending_partner, q->partner) == 0 ||
				    strcmp(m->host_partner, q->partner) == 0);
			if (keep)
				list[res.n++] = m;
		}
		res.type = RESULT_MOBILITIES;
		res.state = srv->state;
		res.rules = srv->rules;
		break;
	}
	case QUERY_RULES_RELOAD:
		if (server_rules_reload(srv, msg, sizeof msg) < 0) {
			status = VA_INVALID_ARGUMENT;
			break;
		}
		res.type = RESULT_RULES;
		res.one = srv->rules;
		break;
	case QUERY_RULES_GET:
		res.type = RESULT_RULES;
		res.one = srv->rules;
		break;
	case QUERY_ALLIANCE_GET:
		res.one = alliances_get(state_alliances(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "alliance '%s' not found", q->id);
			break;
		}
		res.type = RESULT_ALLIANCE;
		res.state = srv->state;
		res.now_ms = server__now_ms(srv);
		break;
	case QUERY_ALLIANCE_LIST:
		res.type = RESULT_ALLIANCES;
		res.n = alliances_list(state_alliances(srv->state), (const alliance_t ***)&list);
		res.state = srv->state;
		res.now_ms = server__now_ms(srv);
		break;
	case QUERY_SESSION_GET:
		res.one = sessions_get(state_sessions(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "session '%s' not found", q->id);
			break;
		}
		res.type = RESULT_SESSION;
		break;
	case QUERY_SESSION_LIST:
		res.type = RESULT_SESSIONS;
		res.n =
		    sessions_list(state_sessions(srv->state), q->id, (const session_t ***)&list);
		break;
	case QUERY_DEADLINE_LIST:
		res.type = RESULT_DEADLINES;
		res.n =
		    sessions_deadline_list(state_sessions(srv->state), (const deadline_t ***)&list);
		break;
	case QUERY_COMMITMENT_LIST:
		if (state_centre_get(srv->state, q->id) == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			break;
		}
		commitments_view(state_commitments(srv->state), q->id, view);
		list = calloc(COMMITMENT_MAX, sizeof *list);
		if (list == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		for (size_t i = 0; i < COMMITMENT_MAX; i++)
			list[i] = &view[i];
		res.type = RESULT_COMMITMENTS;
		res.n = COMMITMENT_MAX;
		break;
	case QUERY_PARTNER_GET:
		res.type = RESULT_PARTNER;
		res.one = state_partner_get(srv->state, q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "partner '%s' not found", q->id);
			res.type = RESULT_NONE;
		}
		break;
	case QUERY_CENTRE_GET:
		res.type = RESULT_CENTRE;
		res.one = state_centre_get(srv->state, q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			res.type = RESULT_NONE;
		}
		break;
	case QUERY_PARTNER_LIST:
		res.type = RESULT_PARTNERS;
		res.n = state_partner_list(srv->state, (const partner_t ***)&list);
		break;
	case QUERY_CENTRE_LIST:
		res.type = RESULT_CENTRES;
		res.n = state_centre_list(srv->state, q->partner, q->country, q->sector,
					  (const centre_t ***)&list);
		break;
	case QUERY_SECTOR_LIST:
		res.type = RESULT_SECTORS;
		res.n = state_sector_list(srv->state, (const sector_t ***)&list);
		break;
	case QUERY_INTEREST_LIST:
		res.type = RESULT_INTERESTS;
		res.n = state_interest_list(srv->state, q->partner, (const interest_t ***)&list);
		break;
	case QUERY_DAEMON_STATUS:
		server_status(srv, &st);
		res.type = RESULT_DAEMON_STATUS;
		res.one = &st;
		break;
	case QUERY_EVENTS_SINCE:
		/* Answered from the journal when no commit holds it. */
		feed_request(srv->feed, to->frames, to->nframes, to->request_id, q->from_seq,
			     q->max_events, q->max_bytes);
		server__feed(srv);
		return;
	case QUERY_STATE_GET:
		res.type = RESULT_STATE;
		res.one = srv->state;
		break;
	/* Criteria and matching. */
	case QUERY_CENTRE_CRITERIA: {
		const centre_t *c = state_centre_get(srv->state, q->id);
		if (c == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			break;
		}
		res.n = criteria_of(srv->state, c, crit);
		list = calloc(CRITERIA_MAX, sizeof *list);
		if (list == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		for (size_t i = 0; i < res.n; i++)
			list[i] = &crit[i];
		res.type = RESULT_CRITERIA;
		break;
	}
	case QUERY_CENTRE_MATCH:
		status = server__centre_match(srv, q, &res, &list, msg, sizeof msg);
		break;
	case QUERY_METRICS:
		server_status(srv, &st);
		text = metrics_text(&st);
		if (text == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		res.type = RESULT_METRICS;
		res.one = text;
		break;
	/* Answered by server__security_query */
	case QUERY_PRINCIPALS_RELOAD:
	case QUERY_WHOAMI:
		return;
	}
	res.many = (const void *const *)list;
	server__answer(srv, to, status, msg, seq, &res, 0);
	free(list);
	free(text);
}

/* The requests that change how the daemon runs are
 * the administrator's; every other query is open to every principal. */
int server__admin_query(const principal_t *p, const query_t *q, char *err, size_t errlen)
{
	const char *name = q->type == QUERY_PRINCIPALS_RELOAD ? "principals_reload"
			   : q->type == QUERY_RULES_RELOAD    ? "rules_reload"
							      : NULL;

	if (name == NULL || p->role == ROLE_ADMIN)
		return 0;
	snprintf(err, errlen, "principal '%s' (%s %s) may not issue %s: administrators only",
		 p->name, role_name(p->role), p->institution, name);
	return -VA_PERMISSION_DENIED;
}

/* The queries about principals. */
void server__security_query(server_t *srv, const principal_t *p, const query_t *q, reply_to_t *to)
{
	char err[SERVER_ERR_MAX] = "";
	result_t res = {0};
	codec_reload_t reload = {0};
	size_t count = 0, removed = 0;
	int status = 0;

	if (q->type == QUERY_WHOAMI) {
		res.type = RESULT_PRINCIPAL;
		res.one = p;
	} else if (server_reload_principals(srv, &count, &removed, err, sizeof err) < 0) {
		status = -VA_FAILED_PRECONDITION;
	} else {
		reload.principals = (uint32_t)count;
		reload.removed = (uint32_t)removed;
		res.type = RESULT_PRINCIPALS_RELOADED;
		res.one = &reload;
	}
	server__answer(srv, to, status, err, state_last_seq(srv->state), &res, 0);
}
