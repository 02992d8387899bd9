/*
 * http.h - one HTTP exchange with Core, on libcurl, the safe way.
 *
 * TLS certificates and host names are verified (ART_CORE_CA names a CA
 * bundle to trust instead of the system's).  Connecting gives up after
 * 10 s, a transfer that stalls (under 1 byte/s) after ART_CORE_STALL_S
 * seconds (default 30), any exchange after 120 s.  A response body over
 * ART_HTTP_BODY_MAX is refused.  Only http and https.  Proxies come from
 * the usual variables (https_proxy, http_proxy, no_proxy), and loopback
 * never goes through one.
 *
 * Redirects are followed here, not by libcurl, at most 5: https never
 * goes to http, and the bearer token is sent only to the origin (scheme,
 * host, port) it was meant for.  307 and 308 keep the method and body;
 * 301, 302 and 303 become a GET without one.
 *
 * With verbose, every exchange is traced on stderr through the secret log
 * (secretlog.h): headers and curl's own notes, never a body, and the
 * Authorization header never.
 */
#ifndef ART_HTTP_H
#define ART_HTTP_H
#include <stddef.h>
#include "diag.h"

#define ART_HTTP_BODY_MAX (1u << 20)

typedef struct art_http art_http;

typedef struct art_http_req {
	const char *method;          /* "GET" or "POST" */
	const char *url;             /* absolute */
	const char *bearer;          /* token, or NULL */
	const char *idempotency_key; /* NULL: none */
	const char *if_none_match;   /* NULL: none */
	const char *body;            /* JSON, or NULL */
	size_t body_len;
	long timeout_ms;             /* whole exchange; 0: the default 120 s */
} art_http_req;

typedef struct art_http_resp {
	long status;
	char *body;             /* NUL-terminated; wiped when freed */
	size_t len;
	char etag[128];         /* "" when none */
	long retry_after_s;     /* Retry-After in seconds, -1 when absent */
	int replayed;           /* Idempotency-Replayed: true */
	int json;               /* Content-Type is application/json */
	char url[2048];         /* where the answer came from, after redirects */
} art_http_resp;

int art_http_new(int verbose, art_http **out, art_err *e);
void art_http_free(art_http *h);
/*
 * One exchange.  0 when an HTTP answer came (any status: the caller
 * decides); ART_EXIT_REMOTE when none did (connection refused, reset,
 * timeout, stalled or oversized body, TLS failure), with why in e;
 * ART_EXIT_DENIED for a redirect refused (not worth trying again).
 */
int art_http_do(art_http *h, const art_http_req *rq, art_http_resp *rs,
		art_err *e);
void art_http_resp_free(art_http_resp *rs);

/*
 * A long-lived GET (server-sent events): chunks go to fn as they come.
 * Set up on a curl multi handle the caller drives (art_http_stream_poll).
 */
typedef void (*art_http_chunk_fn)(void *ctx, const char *buf, size_t len);
typedef struct art_http_stream art_http_stream;
int art_http_stream_open(int verbose, const char *url, const char *bearer,
			 art_http_chunk_fn fn, void *ctx,
			 art_http_stream **out, art_err *e);
/*
 * Wait up to timeout_ms for stream data or for extra_fd (-1: none) to be
 * readable, and hand what came to the callback.  *status: the HTTP
 * status once it came (0 before).  *done set when the stream ended (e
 * says why).
 */
int art_http_stream_poll(art_http_stream *s, int extra_fd, int timeout_ms,
			 int *done, long *status, art_err *e);
void art_http_stream_close(art_http_stream *s);

/* "scheme://host:port" of url (port made explicit, host lower-cased) in
 * out; -1 when url is not an absolute http(s) URL. */
int art_http_origin(const char *url, char *out, size_t size);
/* 1 when url's host is a loopback address (127.0.0.0/8, ::1, localhost). */
int art_http_is_loopback(const char *url);
#endif
