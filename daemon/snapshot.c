/*
 * snapshot - when to take a snapshot, taking it, putting it in place, and
 * compacting the journal behind it.
 *
 * A forked child serialises its copy-on-write image of the state and
 * writes the temp file while the loop goes on serving.  The parent polls
 * for the child's exit, and renames the file into place only once the
 * journal is durable up to the snapshot's seq, so a snapshot never runs
 * ahead of the journal.  Segments are removed only up to the older of
 * the snapshots kept, so a damaged newest one can still fall back.
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

static void server__snapshot_work(uv_work_t *w)
{
	snapshot_job_t *job = w->data;

	job->rc = snapfile_commit(job->srv->state_dir, job->seq, job->err, sizeof job->err);
	if (job->rc == 0)
		job->rc = snapfile_prune(job->srv->state_dir, SERVER_SNAPSHOTS_KEPT, NULL, job->err,
					 sizeof job->err);
}

void server__compact(server_t *srv)
{
	char err[SERVER_ERR_MAX];
	size_t removed = 0;

	if (srv->compact_upto == 0 || srv->sync_running || srv->journal == NULL)
		return;
	if (journal_compact(srv->journal, srv->compact_upto, &removed, err, sizeof err) < 0)
		log_warn("could not compact the journal: %s", err);
	else if (removed > 0)
		log_info("compacted the journal: %zu segment(s) up to seq %llu removed", removed,
			 (unsigned long long)srv->compact_upto);
	srv->compact_upto = 0;
}

static void server__snapshot_done(uv_work_t *w, int status)
{
	snapshot_job_t *job = w->data;
	server_t *srv = job->srv;

	(void)status;
	if (job->rc < 0) {
		log_warn("could not put the snapshot at seq %llu in place: %s",
			 (unsigned long long)job->seq, job->err);
	} else {
		log_info("wrote a snapshot at seq %llu (the child ran %.2f s with %.2f s of CPU, "
			 "in place %.2f s after the fork)",
			 (unsigned long long)job->seq, (double)(job->t_exit - job->t_fork) / 1e9,
			 job->cpu_s, (double)(uv_hrtime() - job->t_fork) / 1e9);
		/* Segments are removed only up to the older snapshot kept, so a
		 * damaged newest snapshot can still fall back to it. */
		srv->snap_seqs[1] = srv->snap_seqs[0];
		srv->snap_seqs[0] = job->seq;
		if (srv->snap_seqs[1] > 0)
			srv->compact_upto = srv->snap_seqs[1];
		server__compact(srv);
	}
	free(job);
	srv->snap = NULL;
	server__maybe_finish(srv);
}

/* Puts a written snapshot in place once the journal has reached its seq. */
void server__maybe_write_snapshot(server_t *srv)
{
	snapshot_job_t *job = srv->snap;

	if (job == NULL || !job->ready || job->queued || srv->durable_seq < job->seq)
		return;
	job->queued = 1;
	job->work.data = job;
	uv_queue_work(srv->loop, &job->work, server__snapshot_work, server__snapshot_done);
}

static void server__snapshot_poll(uv_timer_t *t)
{
	server_t *srv = t->data;
	snapshot_job_t *job = srv->snap;
	struct rusage ru;
	int status = 0;
	pid_t pid;

	if (job == NULL || job->pid <= 0) {
		uv_timer_stop(t);
		return;
	}
	pid = wait4(job->pid, &status, WNOHANG, &ru);
	if (pid == 0)
		return;
	job->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	uv_timer_stop(t);
	job->pid = 0;
	job->t_exit = uv_hrtime();
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("the snapshot at seq %llu failed (the child's status %d)",
			 (unsigned long long)job->seq, status);
		free(job);
		srv->snap = NULL;
		server__maybe_finish(srv);
		return;
	}
	job->ready = 1;
	server__maybe_write_snapshot(srv);
	server__maybe_finish(srv);
}

/*
 * In the child: serialise and write, then leave without running any exit
 * handler (the sockets, the loop and the journal are the parent's).  The
 * child should finish soon: while it lives, every page the parent writes
 * that the two still share is copied on the write (ARCHITECTURE.md).
 */
static noreturn void server__snapshot_child(server_t *srv, uint64_t seq)
{
	char err[SERVER_ERR_MAX];
	uint8_t *buf = NULL;
	size_t len = codec_snapshot_pack(srv->state, server__now_ms(srv), &buf);

	if (len == 0) {
		log_warn("could not encode a snapshot at seq %llu", (unsigned long long)seq);
		_exit(1);
	}
	if (snapfile_write_tmp(srv->state_dir, seq, buf, len, err, sizeof err) < 0) {
		log_warn("could not write the snapshot at seq %llu: %s", (unsigned long long)seq,
			 err);
		_exit(1);
	}
	log_debug("snapshot child: %zu bytes at seq %llu", len, (unsigned long long)seq);
	_exit(0);
}

void server__maybe_snapshot(server_t *srv)
{
	snapshot_job_t *job;
	pid_t pid;

	int due =
	    (srv->opt.snapshot_every > 0 && srv->since_snapshot >= srv->opt.snapshot_every) ||
	    (srv->opt.snapshot_bytes > 0 && srv->since_snapshot_bytes >= srv->opt.snapshot_bytes);
	if (!due || srv->snap != NULL || srv->stopping || srv->closed)
		return;
	job = calloc(1, sizeof *job);
	if (job == NULL)
		return;
	job->srv = srv;
	job->seq = state_last_seq(srv->state);
	job->t_fork = uv_hrtime();
	pid = fork();
	if (pid < 0) {
		log_warn("could not fork to take a snapshot: %s", strerror(errno));
		free(job);
		return;
	}
	if (pid == 0)
		server__snapshot_child(srv, job->seq);
	job->pid = pid;
	srv->snap = job;
	srv->since_snapshot = 0;
	srv->since_snapshot_bytes = 0;
	uv_timer_start(&srv->snap_timer, server__snapshot_poll, 10, 10);
}
