/* test_metrics - daemon/metrics.c: percentiles, the request rate window,
 * and the Prometheus text. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "ops/metrics.h"

Test(metrics, nearest_rank_percentiles)
{
	uint64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (uint64_t)(100 - i); /* unsorted: 100..1 */
	cr_expect_eq(metrics_percentile(v, 100, 50), 50);
	cr_expect_eq(metrics_percentile(v, 100, 99), 99);
	cr_expect_eq(metrics_percentile(v, 100, 100), 100);
	cr_expect_eq(metrics_percentile(v, 0, 50), 0);
	uint64_t one = 7;
	cr_expect_eq(metrics_percentile(&one, 1, 99), 7);
}

Test(metrics, sync_latencies_feed_p50_and_p99)
{
	uv_loop_t loop;
	metrics_t *m;
	metrics_status_t st;

	uv_loop_init(&loop);
	m = metrics_new(&loop, "/nonexistent");
	cr_assert_not_null(m);
	for (int i = 1; i <= 1000; i++)
		metrics_sync(m, (uint64_t)i * 1000); /* 1..1000 us */
	memset(&st, 0, sizeof st);
	metrics_fill(m, &st);
	cr_expect_eq(st.sync_p50_us, 500);
	cr_expect_eq(st.sync_p99_us, 990);
	cr_expect_eq(st.sync_count, 1000);
	cr_expect_eq(st.journal_age_ms, -1, "no state directory: no journal");
	cr_expect_eq(st.snapshot_age_ms, -1);
	cr_expect_eq(st.peers, 0);
	/* The ring keeps the last METRICS_SYNC_RING only. */
	for (int i = 0; i < METRICS_SYNC_RING; i++)
		metrics_sync(m, 5000000);
	metrics_fill(m, &st);
	cr_expect_eq(st.sync_p50_us, 5000);
	metrics_free(&m);
	cr_expect_null(m);
	uv_loop_close(&loop);
}

Test(metrics, prometheus_text_has_help_type_and_samples)
{
	metrics_status_t st = {.version = "9.9.9",
			       .last_seq = 1234,
			       .requests = 5,
			       .journal_age_ms = -1,
			       .snapshot_age_ms = 2500,
			       .sync_p99_us = 1500};
	char *text = metrics_text(&st);

	cr_assert_not_null(text);
	cr_expect(strstr(text, "vetalliance_build_info{version=\"9.9.9\"} 1\n") != NULL);
	cr_expect(strstr(text, "# HELP vetalliance_last_seq ") != NULL);
	cr_expect(strstr(text, "# TYPE vetalliance_last_seq gauge\nvetalliance_last_seq 1234\n") !=
		      NULL,
		  "%s", text);
	cr_expect(strstr(text, "# TYPE vetalliance_requests_total counter\n"
			       "vetalliance_requests_total 5\n") != NULL);
	cr_expect(strstr(text, "vetalliance_journal_age_seconds -1\n") != NULL);
	cr_expect(strstr(text, "vetalliance_snapshot_age_seconds 2.5\n") != NULL);
	cr_expect(strstr(text, "vetalliance_sync_seconds{quantile=\"0.99\"} 0.001500\n") != NULL);
	cr_expect(text[strlen(text) - 1] == '\n');
	free(text);
}
