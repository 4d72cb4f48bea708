/*
 * recover - start-up: the newest valid snapshot, the journal's tail after
 * it, and, on an empty state, the reference data as ordinary commands.
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

/* Loads the snapshot and replays the journal.  Returns 0 or an exit code. */
int server__recover(server_t *srv, char *err, size_t errlen)
{
	journal_options_t jopt = {.segment_max_bytes = srv->opt.segment_max_bytes};
	journal_report_t report;
	snapfile_report_t sreport;
	uint64_t snap_seq = 0, replayed;
	void *bytes = NULL;
	size_t len = 0;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&sreport, 0, sizeof sreport);
	rc = snapfile_load_newest(srv->state_dir, &snap_seq, &bytes, &len, &sreport, err, errlen);
	if (rc < 0)
		return 74;
	if (sreport.skipped > 0)
		log_warn("passed over %zu damaged snapshot(s): %s", sreport.skipped,
			 sreport.detail);
	if (bytes != NULL) {
		rc = codec_snapshot_load(bytes, len, &srv->state, err, errlen);
		free(bytes);
		if (rc < 0)
			return 65;
		srv->snap_seqs[0] = snap_seq;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("loaded the snapshot at seq %llu (%zu bytes) in %.3f s",
			 (unsigned long long)snap_seq, len,
			 (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else {
		srv->state = state_new();
		if (srv->state == NULL) {
			snprintf(err, errlen, "out of memory");
			return 70;
		}
	}
	state_set_dedup_window(srv->state, srv->opt.dedup_window);

	memset(&report, 0, sizeof report);
	rc = journal_open(srv->state_dir, &jopt, &srv->journal, &report, err, errlen);
	if (rc == -VA_FAILED_PRECONDITION)
		return 65;
	if (rc == -VA_UNAVAILABLE)
		return 75;
	if (rc < 0)
		return 74;
	if (report.torn)
		log_warn("journal: cut off a torn write at the end of '%s': %llu byte(s) from "
			 "offset %llu (%s)",
			 report.torn_file, (unsigned long long)report.torn_bytes,
			 (unsigned long long)report.torn_offset, report.torn_reason);
	if (report.records > 0 && journal_first_seq(srv->journal) > snap_seq + 1) {
		snprintf(err, errlen,
			 "the journal starts at seq %llu but the newest snapshot ends at seq %llu: "
			 "events are missing",
			 (unsigned long long)journal_first_seq(srv->journal),
			 (unsigned long long)snap_seq);
		return 65;
	}
	if (journal_last_seq(srv->journal) > 0 && journal_last_seq(srv->journal) < snap_seq) {
		snprintf(err, errlen,
			 "the snapshot at seq %llu is newer than the end of the journal (seq %llu)",
			 (unsigned long long)snap_seq,
			 (unsigned long long)journal_last_seq(srv->journal));
		return 65;
	}
	state_replay_begin(srv->state);
	rc = replay_journal(srv->journal, snap_seq + 1, srv->state, err, errlen);
	state_replay_end(srv->state);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "the journal does not replay onto the snapshot");
		return 65;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	replayed = state_last_seq(srv->state) - snap_seq;
	if (replayed > 0 || snap_seq > 0)
		log_notice("recovered to seq %llu: snapshot %llu + %llu journal events in %.3f s",
			   (unsigned long long)state_last_seq(srv->state),
			   (unsigned long long)snap_seq, (unsigned long long)replayed,
			   (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	srv->since_snapshot = replayed;
	return 0;
}

int server__load_defaults(server_t *srv, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	cmd_t *cmds = NULL;
	size_t n = 0;
	uint64_t seq;
	int rc;

	if (path != NULL) {
		FILE *f = fopen(path, "r");
		long size;
		if (f == NULL) {
			snprintf(err, errlen, "could not open '%s': %s", path, strerror(errno));
			return -VA_INVALID_ARGUMENT;
		}
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = calloc(1, (size_t)(size > 0 ? size : 0) + 1);
		if (text == NULL || (size > 0 && fread(text, 1, (size_t)size, f) != (size_t)size)) {
			snprintf(err, errlen, "could not read '%s'", path);
			fclose(f);
			free(text);
			return -VA_INVALID_ARGUMENT;
		}
		fclose(f);
	}
	rc = defaults_parse(text ? text : (const char *)va_defaults_zpl, &cmds, &n, err, errlen);
	free(text);
	if (rc < 0)
		return rc;
	state_ctx_t ctx = {
	    .now_ms = server__now_ms(srv), .actor = "system", .request_id = "defaults"};
	for (size_t i = 0; i < n && rc == 0; i++) {
		char e[SERVER_ERR_MAX];
		rc = server__execute(srv, &cmds[i], &ctx, &seq, e, sizeof e);
		if (rc < 0)
			snprintf(err, errlen, "reference data: %s", e);
	}
	defaults_free(&cmds, n);
	if (rc < 0)
		return -VA_INVALID_ARGUMENT;
	/* Before the loop runs: write it here, blocking. */
	rc = journal_write(srv->journal, srv->cur->jb, err, errlen);
	if (rc < 0)
		return rc == -VA_INVALID_ARGUMENT ? -VA_INTERNAL : rc;
	log_info("loaded the reference data: %zu events", srv->cur->n_events);
	srv->since_snapshot += srv->cur->n_events;
	server__release_batch(srv, srv->cur);
	return 0;
}
