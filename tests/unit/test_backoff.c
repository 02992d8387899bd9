/*
 * test_backoff.c - the retry policy's bounds (full jitter under the cap,
 * never under the server's hint; polls at the interval plus 0-20 %), and
 * the URL checks the Core client relies on (origins, loopback).
 */
#include "backoff.h"
#include "check.h"
#include "http.h"
#include "timefmt.h"

#include <string.h>

#include <sodium.h>

static void backoff_bounds(void)
{
	for (int n = 1; n <= 12; n++) {
		long long ceil = n >= 7 ? ART_BACKOFF_CAP_MS : ART_BACKOFF_BASE_MS << (n - 1);
		long long lo = ceil, hi = 0;

		for (int i = 0; i < 2000; i++) {
			long long d = art_backoff_ms(n, 0);

			CHECK(d >= 0 && d <= ceil, "failure %d: %lld outside [0, %lld]", n, d, ceil);
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
		}
		/* jitter, not a fixed delay: the draws spread over the range */
		CHECK(hi - lo > ceil / 2, "failure %d: draws within %lld..%lld", n, lo, hi);
	}
	for (int i = 0; i < 200; i++)
		CHECK(art_backoff_ms(1, 5000) >= 5000, "the server's hint wins");
	CHECK(art_backoff_ms(1000, 0) <= ART_BACKOFF_CAP_MS, "the cap holds for large n");
}

static void poll_delay_bounds(void)
{
	long long lo = 1 << 30, hi = 0;

	for (int i = 0; i < 2000; i++) {
		long long d = art_poll_delay_ms(20);

		CHECK(d >= 20000 && d <= 24000, "poll delay %lld outside [20 s, 24 s]", d);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(hi - lo > 2000, "poll delays spread: %lld..%lld", lo, hi);
	CHECK(art_poll_delay_ms(0.5) >= 500 && art_poll_delay_ms(0.5) <= 600,
	      "fractional intervals");
}

static void origins(void)
{
	char o[300];

	CHECK(art_http_origin("https://Core.Example/api/v1", o, sizeof o) == 0 &&
	      strcmp(o, "https://core.example:443") == 0, "got %s", o);
	CHECK(art_http_origin("http://127.0.0.1:8080/x?y=1", o, sizeof o) == 0 &&
	      strcmp(o, "http://127.0.0.1:8080") == 0, "got %s", o);
	CHECK(art_http_origin("ftp://core.example/", o, sizeof o) == -1, "ftp refused");
	CHECK(art_http_origin("not a url", o, sizeof o) == -1, "junk refused");
}

static void loopback(void)
{
	static const struct { const char *url; int yes; } cases[] = {
		{ "http://127.0.0.1:1/", 1 }, { "http://127.9.8.7/", 1 },
		{ "http://[::1]:8080/", 1 }, { "http://localhost:1", 1 },
		{ "http://LOCALHOST/", 1 },
		{ "http://127.evil.example/", 0 }, { "http://128.0.0.1/", 0 },
		{ "http://[::2]/", 0 }, { "http://localhost.example/", 0 },
		{ "http://10.0.0.1/", 0 },
		/* curl reads this as 127.0.0.1, and connects there */
		{ "http://0x7f000001/", 1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(art_http_is_loopback(cases[i].url) == cases[i].yes, "%s", cases[i].url);
}

static void times(void)
{
	char out[32];
	long long ms;

	art_rfc3339_ms(1788264020000LL, out);
	CHECK(strcmp(out, "2026-09-01T12:00:20Z") == 0, "got %s", out);
	CHECK(art_parse_rfc3339_ms(out, strlen(out), &ms) == 0 && ms == 1788264020000LL,
	      "round trip: %lld", ms);
	CHECK(art_parse_rfc3339_ms("2026-09-01T12:00:20.5+00:00", 27, &ms) == 0 &&
	      ms == 1788264020500LL, "fraction and +00:00: %lld", ms);
	CHECK(art_parse_rfc3339_ms("2026-09-01T14:00:20+02:00", 25, &ms) == -1,
	      "only UTC");
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	backoff_bounds();
	poll_delay_bounds();
	origins();
	loopback();
	times();
	return CHECK_DONE();
}
