/* clientstate.c - the Core client's memory between runs; see
 * clientstate.h. */
#include "clientstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "fs.h"
#include "proc.h"

/* The statements art-poll runs at every poll, prepared once: parsing
 * the same SQL again was a quarter of a poll's CPU time. */
enum { ST_INFO_GET, ST_INFO_PUT, ST_INFO_DEL, ST_SCHED_GET, ST_SCHED_PUT,
       ST_POLICY_GET, ST_POLICY_PUT, ST_COUNT };

struct art_client {
	sqlite3 *db;
	char *dir;
	char *origin;
	sqlite3_stmt *st[ST_COUNT];
};

/* Statement which, prepared on first use, reset and ready to bind. */
static sqlite3_stmt *stmt(art_client *c, int which, const char *sql)
{
	if (!c->st[which] &&
	    sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &c->st[which], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(c->st[which]);
	sqlite3_clear_bindings(c->st[which]);
	return c->st[which];
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS core_auth ("
	" origin TEXT PRIMARY KEY, mode TEXT NOT NULL, client_id TEXT,"
	" username TEXT, store TEXT, token_id TEXT, issued_ms INTEGER,"
	" expires_ms INTEGER, scopes TEXT);"
	"CREATE TABLE IF NOT EXISTS schedule ("
	" origin TEXT NOT NULL, route TEXT NOT NULL, interval_s REAL,"
	" not_before_ms INTEGER, server_nb_ms INTEGER, last_ok_ms INTEGER, failures INTEGER,"
	" blocked_until_ms INTEGER, slowed INTEGER,"
	" PRIMARY KEY (origin, route));"
	"CREATE TABLE IF NOT EXISTS policy ("
	" origin TEXT PRIMARY KEY, body TEXT NOT NULL);";

long long art_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int art_client_state_dir(char **out, art_err *e)
{
	char *dir;
	int rc;

	if ((rc = art_user_dir("XDG_STATE_HOME", ".local/state", "art's client state",
			       &dir, e)) != 0)
		return rc;
	if ((rc = art_mkdir_private(dir, e)) != 0) {
		free(dir);
		return rc;
	}
	*out = dir;
	return 0;
}

static int db_err(art_client *c, art_err *e, const char *what)
{
	return art_errf(e, ART_EXIT_LOCAL, "%s/client.db: %s: %s", c->dir, what,
			sqlite3_errmsg(c->db));
}

int art_client_open(const char *origin, art_client **out, art_err *e)
{
	art_client *c = art_xmalloc(sizeof *c);
	char *path;
	int rc, fd;

	memset(c, 0, sizeof *c);
	if ((rc = art_client_state_dir(&c->dir, e)) != 0) {
		free(c);
		return rc;
	}
	c->origin = art_strdup(origin);
	path = art_join(c->dir, "client.db");
	/* made 0600 before SQLite opens it: it names tokens and clients */
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
		free(path);
		art_client_close(c);
		return rc;
	}
	close(fd);
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	free(path);
	if (rc != SQLITE_OK) {
		rc = art_errf(e, ART_EXIT_LOCAL, "%s/client.db: %s", c->dir,
			      c->db ? sqlite3_errmsg(c->db) : "cannot open");
		art_client_close(c);
		return rc;
	}
	sqlite3_busy_timeout(c->db, 30000);
	/* WAL with synchronous=NORMAL: a crash of art loses nothing; a power
	 * loss may lose the last schedule written, so that the first poll
	 * after it may come early once.  A sync at every poll cost half of
	 * art-poll's CPU time. */
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(c, e, "cannot set up");
		art_client_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void art_client_close(art_client *c)
{
	if (!c)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db)
		sqlite3_close(c->db);
	free(c->dir);
	free(c->origin);
	free(c);
}

sqlite3 *art_client_db(art_client *c)
{
	return c->db;
}

const char *art_client_origin(const art_client *c)
{
	return c->origin;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(out, size, "%s", s ? (const char *)s : "");
}

int art_client_info_get(art_client *c, art_client_info *out, int *found,
			art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (!(st = stmt(c, ST_INFO_GET, "SELECT mode, client_id, username, store, token_id,"
			       " issued_ms, expires_ms, scopes FROM core_auth WHERE origin = ?")))
		return db_err(c, e, "cannot read");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = 1;
		copy_col(st, 0, out->mode, sizeof out->mode);
		copy_col(st, 1, out->client_id, sizeof out->client_id);
		copy_col(st, 2, out->username, sizeof out->username);
		copy_col(st, 3, out->store, sizeof out->store);
		copy_col(st, 4, out->token_id, sizeof out->token_id);
		out->issued_ms = sqlite3_column_int64(st, 5);
		out->expires_ms = sqlite3_column_int64(st, 6);
		copy_col(st, 7, out->scopes, sizeof out->scopes);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_err(c, e, "cannot read");
}

int art_client_info_put(art_client *c, const art_client_info *in, art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = stmt(c, ST_INFO_PUT, "INSERT OR REPLACE INTO core_auth (origin, mode, client_id,"
			       " username, store, token_id, issued_ms, expires_ms, scopes)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		return db_err(c, e, "cannot write");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->store, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->token_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, in->issued_ms);
	sqlite3_bind_int64(st, 8, in->expires_ms);
	sqlite3_bind_text(st, 9, in->scopes, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(c, e, "cannot write");
}

int art_client_info_del(art_client *c, art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = stmt(c, ST_INFO_DEL, "DELETE FROM core_auth WHERE origin = ?")))
		return db_err(c, e, "cannot write");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(c, e, "cannot write");
}

int art_schedule_get(art_client *c, const char *route, art_schedule *out,
		     art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(st = stmt(c, ST_SCHED_GET, "SELECT interval_s, not_before_ms, server_nb_ms, last_ok_ms, failures,"
			       " blocked_until_ms, slowed FROM schedule"
			       " WHERE origin = ? AND route = ?")))
		return db_err(c, e, "cannot read the schedule");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->interval_s = sqlite3_column_double(st, 0);
		out->not_before_ms = sqlite3_column_int64(st, 1);
		out->server_nb_ms = sqlite3_column_int64(st, 2);
		out->last_ok_ms = sqlite3_column_int64(st, 3);
		out->failures = sqlite3_column_int(st, 4);
		out->blocked_until_ms = sqlite3_column_int64(st, 5);
		out->slowed = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
		: db_err(c, e, "cannot read the schedule");
}

int art_schedule_put(art_client *c, const char *route, const art_schedule *in,
		     art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = stmt(c, ST_SCHED_PUT, "INSERT OR REPLACE INTO schedule (origin, route, interval_s,"
			       " not_before_ms, server_nb_ms, last_ok_ms, failures,"
			       " blocked_until_ms, slowed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")))
		return db_err(c, e, "cannot write the schedule");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, in->interval_s);
	sqlite3_bind_int64(st, 4, in->not_before_ms);
	sqlite3_bind_int64(st, 5, in->server_nb_ms);
	sqlite3_bind_int64(st, 6, in->last_ok_ms);
	sqlite3_bind_int(st, 7, in->failures);
	sqlite3_bind_int64(st, 8, in->blocked_until_ms);
	sqlite3_bind_int(st, 9, in->slowed);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(c, e, "cannot write the schedule");
}

int art_policy_get(art_client *c, json_t **out, art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (!(st = stmt(c, ST_POLICY_GET, "SELECT body FROM policy WHERE origin = ?")))
		return db_err(c, e, "cannot read the policy");
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
		: db_err(c, e, "cannot read the policy");
}

int art_policy_put(art_client *c, const json_t *policy, art_err *e)
{
	sqlite3_stmt *st;
	char *body = json_dumps(policy, JSON_COMPACT);
	int rc;

	if (!(st = stmt(c, ST_POLICY_PUT,
			"INSERT OR REPLACE INTO policy (origin, body) VALUES (?, ?)"))) {
		free(body);
		return db_err(c, e, "cannot write the policy");
	}
	sqlite3_bind_text(st, 1, c->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(body);
	return rc == SQLITE_DONE ? 0 : db_err(c, e, "cannot write the policy");
}

int art_client_lock_tokens(art_client *c, long long deadline_ms, int *fd,
			   art_err *e)
{
	char *path = art_join(c->dir, "token.lock");
	int rc = 0;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
	} else {
		while (flock(*fd, deadline_ms ? LOCK_EX | LOCK_NB : LOCK_EX) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EWOULDBLOCK && art_mono_ms() < deadline_ms) {
				art_sleep_ms(20, NULL);
				continue;
			}
			rc = errno == EWOULDBLOCK
				? art_errf(e, ART_EXIT_REMOTE, "%s: another art process is minting a token; out of time",
					   path)
				: art_err_sys(e, ART_EXIT_LOCAL, "%s: lock", path);
			close(*fd);
			*fd = -1;
			break;
		}
	}
	free(path);
	return rc;
}

void art_client_unlock_tokens(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}
