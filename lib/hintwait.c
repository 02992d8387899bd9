/* hintwait.c - waiting between polls, cut short by push hints; see
 * hintwait.h. */
#include "hintwait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "clientstate.h"
#include "fs.h"
#include "hints.h"
#include "http.h"
#include "poller.h"
#include "proc.h"

/* The longest a single wait step lasts: the policy may change meanwhile. */
#define STEP_MS 1000

struct art_hintwait {
	art_core *c;
	int verbose;
	art_hint_fn fn;
	void *ctx;
	art_hints *hints;
	int on;                   /* push.hints, as the last policy said */
	int got;                  /* a valid hint came during this wait */
	/* a FIFO */
	int fifo, fifo_keep;      /* read end; a write end so it never EOFs */
	art_lines *lines;
	/* Core's stream */
	int sse;
	art_http_stream *stream;
	art_sse *parser;
	long long reconnect_ms;   /* monotonic: not before */
	int failures;
	int refused;              /* 401s in a row on the stream */
};

static void count_accepted(art_hintwait *hw)
{
	sqlite3 *db = art_client_db(art_core_state(hw->c));

	sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS hint_stats (name TEXT PRIMARY KEY, count INTEGER);"
		     "INSERT INTO hint_stats VALUES ('accepted', 1) ON CONFLICT(name)"
		     " DO UPDATE SET count = count + 1;", NULL, NULL, NULL);
}

/* One message from either framing. */
static int on_message(void *ctx, const art_sse_event *ev)
{
	art_hintwait *hw = ctx;
	art_hint hint;
	art_err e = { 0 };

	if (!hw->on) {
		if (hw->verbose)
			art_warn("hint dropped: push.hints is off in Core's policy");
		return 0;
	}
	if (ev->oversize) {
		art_hints_count(hw->hints, ART_HINT_MALFORMED, &e);
		if (hw->verbose)
			art_warn("hint refused: larger than %d bytes", ART_HINT_FRAME_MAX);
		return 0;
	}
	if (art_hint_check(hw->hints, ev->data, ev->len, art_wall_ms(), &hint, &e) != 0) {
		art_report(&e);
		return 0;
	}
	if (hint.verdict != ART_HINT_OK) {
		/* the rule, never the payload */
		if (hw->verbose)
			art_warn("hint refused (%s): %s", art_hint_verdict_name(hint.verdict), e.msg);
		return 0;
	}
	count_accepted(hw);
	if (hw->verbose)
		art_warn("hint %s: %s may be polled at the earliest time allowed",
			 hint.hint_id, hint.topic);
	hw->fn(hw->ctx, hint.topic);
	hw->got = 1;
	return 0;
}

static void on_chunk(void *ctx, const char *buf, size_t len)
{
	art_hintwait *hw = ctx;

	art_sse_feed(hw->parser, buf, len, on_message, hw);
}

int art_hintwait_open(art_core *c, const char *source, int verbose,
		      art_hint_fn fn, void *ctx, art_hintwait **out, art_err *e)
{
	art_hintwait *hw = art_xmalloc(sizeof *hw);
	struct stat st;
	int rc;

	memset(hw, 0, sizeof *hw);
	hw->c = c;
	hw->verbose = verbose;
	hw->fn = fn;
	hw->ctx = ctx;
	hw->fifo = hw->fifo_keep = -1;
	if ((rc = art_hints_open(art_client_db(art_core_state(c)), &hw->hints, e)) != 0) {
		free(hw);
		return rc;
	}
	if (strcmp(source, "sse") == 0) {
		hw->sse = 1;
		hw->parser = art_sse_new();
	} else {
		hw->fifo = open(source, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (hw->fifo < 0 || fstat(hw->fifo, &st) < 0 || !S_ISFIFO(st.st_mode)) {
			rc = hw->fifo < 0 ? art_err_sys(e, ART_EXIT_USAGE, "--hints %s", source)
				: art_errf(e, ART_EXIT_USAGE, "--hints %s: not a FIFO (mkfifo one)", source);
			art_hintwait_close(hw);
			return rc;
		}
		/* our own writer: the last outside writer leaving is not EOF */
		hw->fifo_keep = open(source, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		hw->lines = art_lines_new();
	}
	*out = hw;
	return 0;
}

void art_hintwait_close(art_hintwait *hw)
{
	if (!hw)
		return;
	art_http_stream_close(hw->stream);
	art_sse_free(hw->parser);
	art_lines_free(hw->lines);
	if (hw->fifo >= 0)
		close(hw->fifo);
	if (hw->fifo_keep >= 0)
		close(hw->fifo_keep);
	art_hints_close(hw->hints);
	free(hw);
}

static void read_fifo(art_hintwait *hw)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(hw->fifo, buf, sizeof buf)) > 0)
		art_lines_feed(hw->lines, buf, (size_t)n, on_message, hw);
}

/* The stream: opened while push.hints is on, closed when it turns off,
 * reopened after a failure with full-jitter backoff. */
static void tend_stream(art_hintwait *hw)
{
	art_err e = { 0 };

	if (!hw->on && hw->stream) {
		art_http_stream_close(hw->stream);
		hw->stream = NULL;
	}
	if (!hw->on || hw->stream || art_mono_ms() < hw->reconnect_ms)
		return;
	art_sse_reset(hw->parser);
	/* one new token after a 401; a new token refused as well is not a
	 * reason to mint again (each mint revokes the token of every other
	 * art process): the backoff grows instead */
	if (art_core_stream_open(hw->c, "/hints", hw->refused == 1, on_chunk, hw,
				 &hw->stream, &e) != 0) {
		art_report(&e);
		hw->failures++;
		hw->reconnect_ms = art_mono_ms() + art_backoff_ms(hw->failures, 0);
	}
}

int art_hintwait_wait(art_hintwait *hw, const json_t *policy, long long wait_ms,
		      volatile int *stop, art_err *e)
{
	long long deadline = art_mono_ms() + wait_ms, left;
	struct pollfd p;
	long status;
	int done, step;

	hw->on = art_policy_feature(policy, "push.hints");
	hw->got = 0;
	while (!*stop && !hw->got && (left = deadline - art_mono_ms()) > 0) {
		step = left < STEP_MS ? (int)left : STEP_MS;
		if (hw->sse)
			tend_stream(hw);
		if (hw->stream) {
			if (art_http_stream_poll(hw->stream, -1, step, &done, &status, e) != 0)
				return e->status;
			if (done) {
				if (hw->verbose || status != 200)
					art_warn("hint stream closed (HTTP %ld); reconnecting", status);
				art_http_stream_close(hw->stream);
				hw->stream = NULL;
				hw->refused = status == 401 ? hw->refused + 1 : 0;
				hw->failures++;
				hw->reconnect_ms = art_mono_ms() + art_backoff_ms(hw->failures, 0);
			} else if (status == 200) {
				/* a stream that answered: the next failure starts afresh */
				hw->failures = 0;
				hw->refused = 0;
			}
			continue;
		}
		if (hw->fifo >= 0) {
			p = (struct pollfd){ .fd = hw->fifo, .events = POLLIN };
			if (poll(&p, 1, step) > 0)
				read_fifo(hw);
		} else {
			art_sleep_ms(step, stop);
		}
	}
	return 0;
}

int art_hintwait_counts(art_core *c, json_t *out, art_err *e)
{
	sqlite3 *db = art_client_db(art_core_state(c));
	sqlite3_stmt *st;
	art_hints *h;
	json_t *counts;
	long long accepted = 0;
	int rc;

	if ((rc = art_hints_open(db, &h, e)) != 0)
		return rc;
	rc = art_hints_counts(h, &counts, e);
	art_hints_close(h);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT count FROM hint_stats WHERE name = 'accepted'",
			       -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			accepted = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	json_object_set_new(counts, "accepted", json_integer(accepted));
	json_object_set_new(out, "hints", counts);
	return 0;
}
