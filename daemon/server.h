/*
 * server - the daemon proper: one libuv loop owns the command ROUTER, the
 * event PUB and the state.
 *
 * The flow of one request:
 *
 *   ROUTER -> decode (codec) -> state_decide -> state_apply -> batch
 *
 * Replies and events wait in the current batch until it is durable in the
 * journal (group commit: while one batch is written and fdatasync'ed on
 * the libuv threadpool, the loop keeps accepting commands into the next);
 * then the replies go out first and the events are published in seq
 * order.  A reply never reveals a change that a crash could still lose.
 *
 * Start-up: the newest valid snapshot, then the journal after it; the
 * reference data only when both are empty.
 *
 * Reminders: a loop timer ticks every SERVER_REMINDER_TICK_MS,
 * asks the state which session and deadline reminders are due at the
 * clock's now (state/session.h) and runs each as the daemon's own
 * command, actor "system": its event is journaled like any other, so a
 * restart never sends one twice and sends a missed one once, late.
 */
#ifndef VA_SERVER_H
#define VA_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct server server_t;

typedef struct server_options {
	const char *cmd_endpoint;
	const char *pub_endpoint;
	const char *state_dir;
	const char *defaults_path;  /* NULL: the compiled-in reference data */
	int max_msg_size;           /* bytes; larger inbound messages drop the peer */
	uint64_t snapshot_every;    /* events between snapshots; 0 = never */
	uint64_t snapshot_bytes;    /* journal bytes between snapshots; 0 = never */
	uint64_t segment_max_bytes; /* journal segment size; 0 = the default */
	size_t dedup_window;        /* requests remembered for retries; 0 = default */
	uint32_t heartbeat_ms;      /* between daemon.heartbeat events; 0 = none */
	/* docs/SECURITY.md */
	const char *server_key;      /* secret certificate; NULL with no principals: plain */
	const char *principals;      /* principals file (principals.h) */
	int require_keys;            /* CURVE even on loopback endpoints */
	size_t string_max;           /* bytes per string field; 0 = CODEC_STRING_MAX */
	size_t list_max;             /* entries per repeated field; 0 = CODEC_LIST_MAX */
	size_t alliance_members_max; /* 0 = BOUNDS_ALLIANCE_MEMBERS */
	size_t in_flight_max;        /* requests per principal; 0 = BOUNDS_IN_FLIGHT */
	const char *rules_path;      /* partner rules; NULL: the compiled-in ones */
	/* Sessions: minutes before a session its reminders are due. */
	uint32_t reminder_offsets[8]; /* REMINDER_OFFSETS_MAX */
	size_t n_reminder_offsets;
} server_options_t;

/*
 * server_new - create sockets, bind both endpoints, load the reference
 * data if the state is empty.  Returns NULL with a message in err on
 * failure; *exit_code then says how main() should exit (65 the state
 * directory is damaged, 69 unavailable, 73 cannot create, 74 I/O error,
 * 78 configuration).
 */
server_t *server_new(uv_loop_t *loop, const server_options_t *opt, int *exit_code, char *err,
		     size_t errlen);

/* server_stop - stop taking requests, let the batches in flight become
 * durable and their replies go out, then close every handle; the loop
 * then runs out.  Idempotent. */
void server_stop(server_t *srv);

/* server_free - free after the loop has run out; sets *self_p to NULL. */
void server_free(server_t **self_p);

uint64_t server_last_seq(const server_t *srv);

struct metrics_status;

/* server_status - the daemon's health for `vetctl status`, `vetctl
 * metrics` and the STATUS= line (see metrics.h). */
void server_status(server_t *srv, struct metrics_status *st);

/* server_set_snapshot_policy - change the snapshot policy at run time
 * (SIGHUP): a snapshot after `every` events or `bytes` journal bytes,
 * whichever comes first; 0 disables that trigger. */
void server_set_snapshot_policy(server_t *srv, uint64_t every, uint64_t bytes);

/*
 * server_reload_principals - read the principals file again (SIGHUP and
 * the principals_reload command).  When keys were removed, the event
 * socket is bound anew, so every subscriber reconnects through the new
 * handshake and a removed key stops receiving events.  Returns 0 with
 * the count and the number of removed keys, or a negative VA_* code with a message (the
 * running principals stay).
 */
int server_reload_principals(server_t *srv, size_t *count, size_t *removed, char *err,
			     size_t errlen);

/*
 * server_rules_reload - read the partner rules file again:
 * SIGHUP and the rules_reload request.  A file that cannot be read or
 * parsed keeps the rules in force; the reason is logged and returned
 * in err.  Returns 0 or a negative VA_* code.
 */
int server_rules_reload(server_t *srv, char *err, size_t errlen);

#endif
