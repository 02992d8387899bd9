/*
 * backoff.h - when to try again: the one retry policy of the Core client
 * (core-api.md, "Client timing").
 *
 * Transient failures (no answer, 5xx, a 429 without a code, a body that
 * is not JSON) wait "full jitter": a uniform random time in
 * [0, min(60 s, 1 s * 2^n)] after the n-th failure in a row, and never
 * less than what the server hinted (Retry-After).  Polls wait the
 * server's poll_interval_s plus a random 0-20 % on top, so that a fleet
 * started by the same cron minute spreads out.
 */
#ifndef ART_BACKOFF_H
#define ART_BACKOFF_H

#define ART_BACKOFF_BASE_MS 1000LL
#define ART_BACKOFF_CAP_MS 60000LL

/* Delay after failure number n (1 for the first), at least hint_ms. */
long long art_backoff_ms(int n, long long hint_ms);
/* interval_s plus 0-20 %, in milliseconds. */
long long art_poll_delay_ms(double interval_s);
/* Sleep ms milliseconds (through EINTR, unless *stop becomes set). */
void art_sleep_ms(long long ms, const volatile int *stop);
#endif
