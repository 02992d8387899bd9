/* http.c - HTTP exchanges with Core on libcurl; see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fs.h"
#include "secretlog.h"

#define MAX_REDIRECTS 5
#define CONNECT_TIMEOUT_MS 10000L
#define EXCHANGE_TIMEOUT_MS 120000L
#define STALL_DEFAULT_S 30L

struct art_http {
	CURL *curl;
	int verbose;
	/* the Authorization header, in guarded memory kept from one call to
	 * the next: allocating it each time was a tenth of a poll's CPU */
	char *auth;
	size_t auth_cap;
};

/* A body being received: capped, kept in memory wiped when freed (a
 * token answer is a secret). */
typedef struct sink {
	char *buf;
	size_t len, cap;
	int over;
	art_http_chunk_fn fn; /* streams: handed on instead of kept */
	void *ctx;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *v)
{
	sink *s = v;
	size_t add = size * n, cap;
	char *nb;

	if (s->fn) {
		s->fn(s->ctx, p, add);
		return add;
	}
	if (s->len + add > ART_HTTP_BODY_MAX) {
		s->over = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (s->len + add + 1 > s->cap) {
		cap = s->cap ? s->cap : 4096;
		while (cap < s->len + add + 1)
			cap *= 2;
		nb = art_xmalloc(cap);
		if (s->buf) {
			memcpy(nb, s->buf, s->len);
			sodium_memzero(s->buf, s->cap);
			free(s->buf);
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

static void sink_free(sink *s)
{
	if (s->buf) {
		sodium_memzero(s->buf, s->cap);
		free(s->buf);
	}
	memset(s, 0, sizeof *s);
}

/* The response headers art reads. */
static size_t on_header(char *p, size_t size, size_t n, void *v)
{
	art_http_resp *rs = v;
	size_t len = size * n;
	char line[512], *val, *end;

	if (len >= sizeof line)
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) { /* a new response (redirect) */
		rs->etag[0] = '\0';
		rs->retry_after_s = -1;
		rs->replayed = 0;
		rs->json = 0;
		return len;
	}
	if (!(val = strchr(line, ':')))
		return len;
	*val++ = '\0';
	while (*val == ' ' || *val == '\t')
		val++;
	end = val + strlen(val);
	while (end > val && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	if (strcasecmp(line, "ETag") == 0) {
		snprintf(rs->etag, sizeof rs->etag, "%s", val);
	} else if (strcasecmp(line, "Retry-After") == 0) {
		/* seconds; an HTTP date is rare from an API and is ignored */
		char *stop;
		long s = strtol(val, &stop, 10);

		if (stop != val && *stop == '\0' && s >= 0 && s <= 86400)
			rs->retry_after_s = s;
	} else if (strcasecmp(line, "Idempotency-Replayed") == 0) {
		rs->replayed = strcasecmp(val, "true") == 0;
	} else if (strcasecmp(line, "Content-Type") == 0) {
		rs->json = strncasecmp(val, "application/json", 16) == 0;
	}
	return len;
}

/* curl's trace, for --verbose: its notes and the headers, through the
 * secret log; the Authorization header is never shown, whatever it is. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size,
		    void *v)
{
	const char *tag;
	char *text, *line, *next, *clean;

	(void)c;
	(void)v;
	switch (type) {
	case CURLINFO_TEXT: tag = "*"; break;
	case CURLINFO_HEADER_IN: tag = "<"; break;
	case CURLINFO_HEADER_OUT: tag = ">"; break;
	default: return 0; /* bodies: never */
	}
	text = art_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line && *line; line = next) {
		if ((next = strpbrk(line, "\r\n"))) {
			*next++ = '\0';
			while (*next == '\r' || *next == '\n')
				next++;
		}
		if (!*line)
			continue;
		if (strncasecmp(line, "Authorization:", 14) == 0 ||
		    strncasecmp(line, "Proxy-Authorization:", 20) == 0) {
			fprintf(stderr, "%s %.*s: [REDACTED]\n", tag,
				(int)(strchr(line, ':') - line), line);
			continue;
		}
		clean = art_secretlog_scrub(line);
		fprintf(stderr, "%s %s\n", tag, clean);
		free(clean);
	}
	sodium_memzero(text, size);
	free(text);
	return 0;
}

static long stall_seconds(void)
{
	const char *s = getenv("ART_CORE_STALL_S");
	char *end;
	long v;

	if (!s || !*s)
		return STALL_DEFAULT_S;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 600 ? v : STALL_DEFAULT_S;
}

/* no_proxy as the user set it, plus loopback: a proxy in the middle of a
 * loopback Core would only be a place for the token to leak to. */
static char *no_proxy(void)
{
	const char *u = getenv("no_proxy");

	if (!u || !*u)
		u = getenv("NO_PROXY");
	if (u && strcmp(u, "*") == 0)
		return art_strdup("*");
	return art_asprintf("%s%slocalhost,127.0.0.0/8,::1", u && *u ? u : "",
			    u && *u ? "," : "");
}

/* Settings every handle has. */
static void common_setup(CURL *c, int verbose)
{
	const char *ca = getenv("ART_CORE_CA");
	char *np = no_proxy();

	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_seconds());
	curl_easy_setopt(c, CURLOPT_NOPROXY, np); /* curl copies it */
	curl_easy_setopt(c, CURLOPT_USERAGENT, "art/" ART_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (verbose) {
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	}
	free(np);
}

int art_http_new(int verbose, art_http **out, art_err *e)
{
	art_http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return art_errf(e, ART_EXIT_LOCAL, "cannot initialise libcurl");
	h = art_xmalloc(sizeof *h);
	memset(h, 0, sizeof *h);
	h->verbose = verbose;
	if (!(h->curl = curl_easy_init())) {
		free(h);
		return art_errf(e, ART_EXIT_LOCAL, "cannot initialise libcurl");
	}
	*out = h;
	return 0;
}

void art_http_free(art_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	if (h->auth)
		sodium_free(h->auth);
	free(h);
}

void art_http_resp_free(art_http_resp *rs)
{
	if (rs->body) {
		sodium_memzero(rs->body, rs->len);
		free(rs->body);
	}
	rs->body = NULL;
	rs->len = 0;
}

int art_http_origin(const char *url, char *out, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
		for (char *p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if ((size_t)snprintf(out, size, "%s://%s:%s", scheme, host, port) < size)
			rc = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int art_http_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int yes = 0;

	if (!u)
		return 0;
	/* an address, parsed: "127.evil.example" is a name, not 127/8 */
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		struct in_addr a4;
		struct in6_addr a6;
		size_t n = strlen(host);

		if (inet_pton(AF_INET, host, &a4) == 1)
			yes = (ntohl(a4.s_addr) >> 24) == 127;
		else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
			host[n - 1] = '\0';
			yes = inet_pton(AF_INET6, host + 1, &a6) == 1 &&
			      IN6_IS_ADDR_LOOPBACK(&a6);
		} else
			yes = strcasecmp(host, "localhost") == 0;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

static int is_https(const char *url)
{
	return strncasecmp(url, "https:", 6) == 0;
}

/* One request, no redirect followed. */
static int exchange(art_http *h, const char *method, const char *url,
		    const char *bearer, const art_http_req *rq, int with_body,
		    art_http_resp *rs, sink *body, art_err *e)
{
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL;
	char *line;
	CURLcode cc;

	curl_easy_reset(c);
	common_setup(c, h->verbose);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 rq->timeout_ms > 0 && rq->timeout_ms < EXCHANGE_TIMEOUT_MS
			 ? rq->timeout_ms : EXCHANGE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (bearer) {
		/* built in guarded memory: the token's one copy outside the
		 * store is the one curl sends, wiped below */
		size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";

		if (n > h->auth_cap) {
			if (h->auth)
				sodium_free(h->auth);
			if (!(h->auth = sodium_malloc(n)))
				abort();
			h->auth_cap = n;
		}
		snprintf(h->auth, n, "Authorization: Bearer %s", bearer);
		hdrs = curl_slist_append(hdrs, h->auth);
		sodium_memzero(h->auth, h->auth_cap);
	}
	if (rq->idempotency_key) {
		line = art_asprintf("Idempotency-Key: %s", rq->idempotency_key);
		hdrs = curl_slist_append(hdrs, line);
		free(line);
	}
	if (rq->if_none_match) {
		line = art_asprintf("If-None-Match: %s", rq->if_none_match);
		hdrs = curl_slist_append(hdrs, line);
		free(line);
	}
	if (strcmp(method, "POST") == 0) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, with_body && rq->body ? rq->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
				 (long)(with_body && rq->body ? rq->body_len : 0));
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rs->retry_after_s = -1;
	cc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	/* the slist holds the token: wipe it before it goes */
	for (struct curl_slist *p = hdrs; p; p = p->next)
		sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK) {
		if (body->over)
			return art_errf(e, ART_EXIT_REMOTE,
					"%s %s: response body larger than %u bytes",
					method, url, ART_HTTP_BODY_MAX);
		return art_errf(e, ART_EXIT_REMOTE, "%s %s: %s", method, url,
				curl_easy_strerror(cc));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	return 0;
}

int art_http_do(art_http *h, const art_http_req *rq, art_http_resp *rs,
		art_err *e)
{
	char origin[300], here[300], url[2048];
	const char *method = rq->method;
	const char *bearer = rq->bearer;
	int with_body = 1, hops, rc;
	sink body = { 0 };
	char *next = NULL;

	memset(rs, 0, sizeof *rs);
	if (art_http_origin(rq->url, origin, sizeof origin) != 0)
		return art_errf(e, ART_EXIT_INPUT, "%s: not an http(s) URL", rq->url);
	snprintf(url, sizeof url, "%s", rq->url);
	for (hops = 0;; hops++) {
		sink_free(&body);
		if ((rc = exchange(h, method, url, bearer, rq, with_body, rs,
				   &body, e)) != 0) {
			sink_free(&body); /* what came before it failed */
			return rc;
		}
		if (rs->status < 300 || rs->status > 308 || rs->status == 304 ||
		    rs->status == 305 || rs->status == 306)
			break;
		if (curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &next) != CURLE_OK ||
		    !next)
			break; /* a 3xx without Location: the caller sees it */
		if (hops == MAX_REDIRECTS) {
			sink_free(&body);
			return art_errf(e, ART_EXIT_REMOTE, "%s %s: more than %d redirects",
					method, rq->url, MAX_REDIRECTS);
		}
		if (is_https(url) && !is_https(next)) {
			sink_free(&body);
			return art_errf(e, ART_EXIT_DENIED,
					"%s %s: refused a redirect from https to http",
					method, rq->url);
		}
		if (art_http_origin(next, here, sizeof here) != 0 ||
		    strlen(next) >= sizeof url) {
			sink_free(&body);
			return art_errf(e, ART_EXIT_REMOTE, "%s %s: bad redirect location",
					method, rq->url);
		}
		if (rs->status != 307 && rs->status != 308) {
			method = "GET";
			with_body = 0;
		}
		/* the token, and a body (which may hold a secret), are for
		 * their origin only; and no plain http but to loopback */
		if (strcmp(here, origin) != 0) {
			if (with_body && rq->body) {
				sink_free(&body);
				return art_errf(e, ART_EXIT_DENIED,
						"%s %s: refused a redirect of its body to another origin",
						method, rq->url);
			}
			bearer = NULL;
		}
		if (!is_https(next) && !art_http_is_loopback(next)) {
			sink_free(&body);
			return art_errf(e, ART_EXIT_DENIED,
					"%s %s: refused a redirect to plain http off this machine",
					method, rq->url);
		}
		snprintf(url, sizeof url, "%s", next);
	}
	snprintf(rs->url, sizeof rs->url, "%s", url);
	rs->body = body.buf ? body.buf : art_strdup("");
	rs->len = body.len;
	return 0;
}

/* --- streams --- */

struct art_http_stream {
	CURLM *multi;
	CURL *curl;
	struct curl_slist *hdrs;
	sink body;
	art_http_resp head;
};

int art_http_stream_open(int verbose, const char *url, const char *bearer,
			 art_http_chunk_fn fn, void *ctx,
			 art_http_stream **out, art_err *e)
{
	art_http_stream *s;
	size_t n;
	char *auth;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return art_errf(e, ART_EXIT_LOCAL, "cannot initialise libcurl");
	s = art_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->body.fn = fn;
	s->body.ctx = ctx;
	s->multi = curl_multi_init();
	s->curl = curl_easy_init();
	if (!s->multi || !s->curl) {
		art_http_stream_close(s);
		return art_errf(e, ART_EXIT_LOCAL, "cannot initialise libcurl");
	}
	common_setup(s->curl, verbose);
	/* no overall timeout: a stream lasts; the stall limit still holds,
	 * and Core's keep-alive comments keep it from firing */
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->body);
	curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, &s->head);
	s->hdrs = curl_slist_append(NULL, "Accept: text/event-stream");
	if (bearer) {
		n = strlen(bearer) + sizeof "Authorization: Bearer ";
		if (!(auth = sodium_malloc(n)))
			abort();
		snprintf(auth, n, "Authorization: Bearer %s", bearer);
		s->hdrs = curl_slist_append(s->hdrs, auth);
		sodium_free(auth);
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->hdrs);
	curl_multi_add_handle(s->multi, s->curl);
	*out = s;
	return 0;
}

int art_http_stream_poll(art_http_stream *s, int extra_fd, int timeout_ms,
			 int *done, long *status, art_err *e)
{
	struct curl_waitfd wfd = { .fd = extra_fd, .events = CURL_WAIT_POLLIN };
	int running = 0, left;
	CURLMsg *m;

	*done = 0;
	*status = 0;
	if (curl_multi_poll(s->multi, extra_fd >= 0 ? &wfd : NULL,
			    extra_fd >= 0 ? 1 : 0, timeout_ms, NULL) != CURLM_OK)
		return art_errf(e, ART_EXIT_LOCAL, "waiting for the hint stream failed");
	curl_multi_perform(s->multi, &running);
	/* 0 until the status line came */
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
	while ((m = curl_multi_info_read(s->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		*done = 1;
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
		art_errf(e, ART_EXIT_REMOTE, "hint stream ended: %s",
			 curl_easy_strerror(m->data.result));
	}
	return 0;
}

void art_http_stream_close(art_http_stream *s)
{
	if (!s)
		return;
	if (s->multi && s->curl)
		curl_multi_remove_handle(s->multi, s->curl);
	curl_easy_cleanup(s->curl);
	curl_multi_cleanup(s->multi);
	for (struct curl_slist *p = s->hdrs; p; p = p->next)
		sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(s->hdrs);
	free(s);
}
