/*
 * bench/poll_anchor.c - the physical anchor of bench/poll: the polls of an
 * idle art-poll, made by the barest client there is, libcurl and nothing
 * else (no art code, no JSON library, no database, no secret store).
 *
 * usage: poll_anchor URL CLIENT_ID SECRET_FILE SCOPE [SECONDS]
 *
 * Mints one token (POST URL/auth/clients/token with {"client_id",
 * "secret_key"} and an Idempotency-Key header), then polls in rounds,
 * through one CURL handle (one kept-alive connection), until SIGTERM or
 * SIGINT (or SECONDS, when given and not 0):
 *
 *     GET URL/policy                  If-None-Match: the last ETag
 *     GET URL/jobs?scope=SCOPE        Authorization: Bearer on both
 *
 * sleeping between rounds the poll_interval_s of the last answers, plus a
 * random 0 to 20 % of it, as art-poll does: the same GETs at the same pace.
 * Numbers and strings are read from the answers with strstr and strtod.
 *
 * Prints "polls N" on standard error at the end.  Exit 0 when stopped,
 * 1 when a request fails or Core answers anything but 200 (or 304 for the
 * policy), 2 on a usage error.
 *
 * Built by `make bench` (build/bench/poll_anchor); it is linked like the
 * other programs of bench/, but calls none of art's code, so the linker
 * keeps libcurl alone (-Wl,--as-needed).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define BODY_MAX 65536

static volatile sig_atomic_t stop;

static char body[BODY_MAX];
static size_t body_len;
static char etag[256];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	size_t len = size * n;

	(void)ud;
	if (len > BODY_MAX - 1 - body_len)
		return 0; /* too big for a poll: fail the transfer */
	memcpy(body + body_len, p, len);
	body_len += len;
	body[body_len] = '\0';
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	size_t len = size * n, v;

	(void)ud;
	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		for (v = 5; v < len && (p[v] == ' ' || p[v] == '\t'); v++)
			;
		while (len > v && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
			len--;
		if (len - v < sizeof etag) {
			memcpy(etag, p + v, len - v);
			etag[len - v] = '\0';
		}
	}
	return size * n;
}

/* The number after "KEY": in the body, or 0. */
static double json_number(const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if (!(p = strstr(body, pat)))
		return 0;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	return strtod(p, NULL);
}

/* The string after "KEY": in the body, copied into out; 0 when found. */
static int json_string(const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if (!(p = strstr(body, pat)))
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"' || !(q = strchr(p, '"')) || (size_t)(q - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return 0;
}

/* One exchange; the status, or -1 when there was no answer. */
static long exchange(CURL *c, const char *url, struct curl_slist *hdrs, const char *post)
{
	CURLcode cc;
	long status = 0;

	body_len = 0;
	body[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (post) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(stderr, "poll_anchor: %s: %s\n", url, curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* no SA_RESTART: a signal ends the sleep */
	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char url_token[1024], url_policy[1024], url_jobs[1024];
	char secret[512], post[1024], token[1024], auth[1100], inm[300], key[64];
	struct curl_slist *hauth = NULL, *hpol = NULL, *hmint = NULL;
	struct sigaction sa;
	double interval = 30, iv, deadline = 0;
	long st, polls = 0;
	char *esc;
	FILE *f;
	CURL *c;
	int rc = 0;

	if (argc < 5 || argc > 6) {
		fputs("usage: poll_anchor URL CLIENT_ID SECRET_FILE SCOPE [SECONDS]\n", stderr);
		return 2;
	}
	if (argc == 6 && strtod(argv[5], NULL) > 0)
		deadline = mono_s() + strtod(argv[5], NULL);
	if (!(f = fopen(argv[3], "r")) || !fgets(secret, sizeof secret, f)) {
		fprintf(stderr, "poll_anchor: %s: cannot read the secret\n", argv[3]);
		return 2;
	}
	(void)fclose(f); /* read only */
	secret[strcspn(secret, "\r\n")] = '\0';

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(c = curl_easy_init()))
		return 1;
	esc = curl_easy_escape(c, argv[4], 0);
	snprintf(url_token, sizeof url_token, "%s/auth/clients/token", argv[1]);
	snprintf(url_policy, sizeof url_policy, "%s/policy", argv[1]);
	snprintf(url_jobs, sizeof url_jobs, "%s/jobs?scope=%s", argv[1], esc);
	curl_free(esc);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "poll_anchor/1");

	/* the token, once */
	snprintf(key, sizeof key, "Idempotency-Key: anchor-%ld-%ld", (long)getpid(), (long)time(NULL));
	hmint = curl_slist_append(hmint, "Content-Type: application/json");
	hmint = curl_slist_append(hmint, key);
	snprintf(post, sizeof post, "{\"client_id\":\"%s\",\"secret_key\":\"%s\"}", argv[2], secret);
	if ((st = exchange(c, url_token, hmint, post)) != 200 ||
	    json_string("access_token", token, sizeof token) != 0) {
		fprintf(stderr, "poll_anchor: no token (HTTP %ld)\n", st);
		rc = 1;
		goto out;
	}
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	hauth = curl_slist_append(hauth, auth);

	while (!stop && (deadline == 0 || mono_s() < deadline)) {
		/* the policy, conditional on the last ETag */
		curl_slist_free_all(hpol);
		hpol = curl_slist_append(NULL, auth);
		if (etag[0]) {
			snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
			hpol = curl_slist_append(hpol, inm);
		}
		st = exchange(c, url_policy, hpol, NULL);
		if (st != 200 && st != 304) {
			fprintf(stderr, "poll_anchor: GET /policy: HTTP %ld\n", st);
			rc = 1;
			break;
		}
		polls++;
		if (st == 200 && (iv = json_number("poll_interval_s")) > 0)
			interval = iv;
		/* the jobs */
		st = exchange(c, url_jobs, hauth, NULL);
		if (st != 200) {
			fprintf(stderr, "poll_anchor: GET /jobs: HTTP %ld\n", st);
			rc = 1;
			break;
		}
		polls++;
		if ((iv = json_number("poll_interval_s")) > 0)
			interval = iv;
		/* jitter, as a client of Core does; no secret depends on it:
		 * NOLINTNEXTLINE(cert-msc30-c) */
		sleep_s(interval * (1 + 0.2 * rand() / (double)RAND_MAX));
	}
out:
	fprintf(stderr, "polls %ld\n", polls);
	curl_slist_free_all(hpol);
	curl_slist_free_all(hauth);
	curl_slist_free_all(hmint);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}
