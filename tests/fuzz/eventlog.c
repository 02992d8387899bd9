/*
 * eventlog - the event log's verification (events.c) over a damaged
 * database.  The store is <git common dir>/art/art.db: a file anyone with
 * write access to the repository's .git can change, by accident (a disk,
 * a copy) or on purpose (to rewrite what happened), and art-log verify
 * must then say so, never crash or hang.
 *
 * A valid log of a few events (one spanning SQLite overflow pages, run
 * states, an idempotency key) is made once; each input is a list of
 * patches applied to a copy of its file:
 *
 *	OFFSET_HI OFFSET_LO N BYTES[N]	(N = 0: cut the file at OFFSET)
 *
 * the offset taken modulo the file's size.  Then the store is opened and
 * verified, and read every other way a command reads it.
 *
 * Property: a log that verifies is a prefix of the original one, and
 * its head is the original hash at that length (the chain is SHA-256;
 * only a cut at the end goes unseen, which receipts cover).
 */
#include "fuzz.h"

#include <fcntl.h>
#include <sqlite3.h>

#include "events.h"

#define NEVENTS 8

static art_repo repo;
static char *db_path, *wal_path, *shm_path;
static unsigned char *tmpl;
static size_t tmpl_len;
static char heads[NEVENTS + 1][65]; /* heads[k]: the hash of event k */

static void append(art_events *ev, const char *type, const char *subject,
		   const char *data_json, const char *key, int k)
{
	art_event_in in = { .type = type, .subject = subject, .idempotency_key = key,
			    .expected_previous_seq = -1 };
	art_err e = { 0 };
	long long seq;

	in.data = data_json ? json_loads(data_json, 0, NULL) : NULL;
	if (art_event_append(ev, &in, &seq, &e) != 0 || seq != k ||
	    art_events_head(ev, &seq, heads[k], &e) != 0) {
		fprintf(stderr, "cannot make the log: %s\n", e.msg);
		abort();
	}
	json_decref(in.data);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char big[6000], *data;
	art_events *ev;
	art_err e = { 0 };
	sqlite3 *db;

	(void)argc;
	(void)argv;
	repo.commondir = (char *)fuzz_tmpdir("eventlog");
	if (asprintf(&db_path, "%s/art/art.db", repo.commondir) < 0 ||
	    asprintf(&wal_path, "%s-wal", db_path) < 0 ||
	    asprintf(&shm_path, "%s-shm", db_path) < 0)
		abort();
	if (art_events_open(&repo, &ev, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	if (asprintf(&data, "{\"blob\":\"%s\"}", big) < 0)
		abort();
	append(ev, "art.run.created", "T-1/tom", "{\"base\":\"main\"}", NULL, 1);
	append(ev, "art.run.started", "T-1/tom", NULL, NULL, 2);
	append(ev, "test.note", NULL, "{\"text\":\"caf\\u00e9 \\\"quoted\\\"\"}", "k-1", 3);
	append(ev, "test.big", "T-1/tom", data, NULL, 4);
	append(ev, "art.run.closing", "T-1/tom", NULL, NULL, 5);
	append(ev, "art.run.created", "T-2/ann", "{\"n\":[1,2,3]}", "k-2", 6);
	append(ev, "art.run.closed", "T-1/tom", "{}", NULL, 7);
	append(ev, "test.note", "T-2/ann", "{\"last\":true}", NULL, 8);
	free(data);
	art_events_close(ev);
	/* everything into the database file: no WAL to carry along */
	if (sqlite3_open(db_path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_close(db);
	unlink(wal_path);
	unlink(shm_path);
	tmpl = slurp(db_path, &tmpl_len);
	return 0;
}

/* The template with the input's patches, as the store's file. */
static void damage(const uint8_t *data, size_t size)
{
	unsigned char *file = malloc(tmpl_len);
	size_t len = tmpl_len, i = 0;
	int fd;

	if (!file)
		abort();
	memcpy(file, tmpl, tmpl_len);
	while (i + 3 <= size && len > 0) {
		size_t off = ((size_t)data[i] << 8 | data[i + 1]) % len, n = data[i + 2];

		i += 3;
		if (n == 0) {
			len = off;
			continue;
		}
		if (n > size - i)
			n = size - i;
		if (n > len - off)
			n = len - off;
		memcpy(file + off, data + i, n);
		i += n;
	}
	unlink(wal_path);
	unlink(shm_path);
	fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, file, len) != (ssize_t)len) || close(fd))
		abort();
	free(file);
}

static int count(void *ctx, long long seq, const char *json, size_t len)
{
	(void)seq;
	FUZZ_ASSERT(strlen(json) == len, "envelope length");
	++*(long long *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	art_events *ev;
	art_err e = { 0 };
	long long events, bad, seq, n = 0;
	char head[65], hash[65], state[16];
	int rc;

	damage(data, size);
	if (art_events_open(&repo, &ev, &e) != 0) {
		FUZZ_ASSERT(e.status == ART_EXIT_LOCAL, "open: status %d", e.status);
		return 0;
	}
	rc = art_events_verify(ev, &events, head, &bad, &e);
	if (rc == 0) {
		FUZZ_ASSERT(events >= 0 && events <= NEVENTS, "%lld events", events);
		FUZZ_ASSERT(!strcmp(head, events ? heads[events] : ""),
			    "a log of %lld events verifies with a head not its own",
			    events);
	} else {
		FUZZ_ASSERT(rc == ART_EXIT_VERDICT || rc == ART_EXIT_LOCAL,
			    "verify: status %d", rc);
		FUZZ_ASSERT(rc != ART_EXIT_VERDICT || bad >= 1, "bad seq %lld", bad);
	}
	art_events_head(ev, &seq, hash, &e);
	art_events_each(ev, 0, NULL, count, &n, &e);
	art_events_each(ev, 2, "T-1/tom", count, &n, &e);
	for (seq = 0; seq <= NEVENTS + 1; seq++)
		free(art_event_get(ev, seq));
	art_run_state(ev, "T-1/tom", state, &seq, &e);
	art_events_close(ev);
	return 0;
}
