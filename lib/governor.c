/* governor.c - consulting the governors; see governor.h. */
#define _GNU_SOURCE
#include "governor.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "proc.h"

#ifndef ART_SYSCONFDIR
#define ART_SYSCONFDIR "/etc"
#endif

/*
 * ART_GOVERNOR_TIMEOUT_MS may shorten the wait, never lengthen it: a
 * governor that does not answer in time vetoes, so a shorter wait can only
 * deny more.
 */
static int timeout_ms(void)
{
	const char *v = getenv("ART_GOVERNOR_TIMEOUT_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;

	if (ms <= 0 || ms > ART_GOVERNOR_TIMEOUT_MS)
		return ART_GOVERNOR_TIMEOUT_MS;
	return ms < 100 ? 100 : (int)ms;
}

static int wanted(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n && d->d_name[n - 1] != '~';
}

/* The governor's one-line reason: its first stdout line, printable only. */
static void one_line(char *dst, size_t cap, const char *out,
		     const art_spawn_result *res)
{
	size_t i = 0;

	for (; *out && *out != '\n' && i + 1 < cap; out++)
		dst[i++] = (char)((unsigned char)*out < 0x20 || *out == 0x7f
				  ? ' ' : *out);
	dst[i] = '\0';
	if (i)
		return;
	if (res->timed_out)
		snprintf(dst, cap, "no answer within %d ms", timeout_ms());
	else if (res->exited)
		snprintf(dst, cap, "exit status %d", res->status);
	else
		snprintf(dst, cap, "killed by signal %d", res->status);
}

static int deny(art_events *ev, const char *subject, json_t *action,
		const char *who, const char *reason, art_err *e)
{
	if (ev) {
		art_event_in in = { .type = "art.governor.denied",
				    .subject = subject,
				    .expected_previous_seq = -1 };
		art_err ignored;
		long long seq;

		in.data = json_pack("{s:O, s:s, s:s}", "action",
				    json_object_get(action, "action"),
				    "governor", who, "reason", reason);
		/* the veto stands even if it cannot be logged */
		if (in.data)
			art_event_append(ev, &in, &seq, &ignored);
		json_decref(in.data);
	}
	return art_errf(e, ART_EXIT_DENIED, "denied by governor %s: %s", who,
			reason);
}

static int check_dir(const char *dir, const char *shown, art_events *ev,
		     const char *subject, json_t *action, const char *input,
		     art_err *e)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, wanted, alphasort), i, rc = 0;

	if (n < 0 && errno != ENOENT) {
		char reason[256];

		/* a directory of guard-rails that cannot be read fails closed */
		snprintf(reason, sizeof reason, "cannot read the directory: %s",
			 strerror(errno));
		return deny(ev, subject, action, shown, reason, e);
	}

	for (i = 0; i < n; i++) {
		char *path = art_join(dir, names[i]->d_name);
		char *argv[] = { path, NULL };
		art_spawn s = { .argv = argv, .input = input,
				.input_len = strlen(input), .keep = 512,
				.timeout_ms = timeout_ms() };
		art_spawn_result res;
		struct stat st;

		if (rc || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) < 0) {
			free(path);
			continue;
		}
		if (art_spawn_run(&s, &res, e) != 0) {
			rc = e->status;
		} else if (!res.exited || res.status != 0 || res.timed_out) {
			char who[512], reason[256];

			snprintf(who, sizeof who, "%s/%s", shown, names[i]->d_name);
			one_line(reason, sizeof reason, res.out, &res);
			rc = deny(ev, subject, action, who, reason, e);
		}
		art_spawn_result_free(&res);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int art_governors_check(const art_repo *r, art_events *ev,
			const char *subject, json_t *action, art_err *e)
{
	char *input = json_dumps(action, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* outside a repository (art-claim run from cron), the system's only */
	char *repo_dir = r ? art_join(r->main_workdir, ".art/governors.d") : NULL;
	char *line = art_asprintf("%s\n", input);
	int rc;

	rc = check_dir(ART_SYSCONFDIR "/art/governors.d",
		       ART_SYSCONFDIR "/art/governors.d", ev, subject, action,
		       line, e);
	if (!rc && repo_dir)
		rc = check_dir(repo_dir, ".art/governors.d", ev, subject, action,
			       line, e);
	free(input);
	free(line);
	free(repo_dir);
	return rc;
}
