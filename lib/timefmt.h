/* timefmt.h - RFC 3339 UTC times, as Core's API writes them. */
#ifndef ART_TIMEFMT_H
#define ART_TIMEFMT_H
#include <stddef.h>

/* "2026-09-01T12:00:20Z" for ms since the epoch, in out[32]. */
void art_rfc3339_ms(long long ms, char out[32]);
/*
 * The n bytes at s, exactly "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00)",
 * into ms since the epoch (the fraction truncated to milliseconds): 0,
 * or -1 for anything else.  Only UTC, as Core's API says: a hint names
 * an instant, and another offset would only be a way to hide one.
 */
int art_parse_rfc3339_ms(const char *s, size_t n, long long *ms);
#endif
