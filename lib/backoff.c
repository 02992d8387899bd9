/* backoff.c - the retry policy; see backoff.h. */
#include "backoff.h"

#include <errno.h>
#include <time.h>

#include <sodium.h>

/* Uniform in [0, max], max up to a day of milliseconds. */
static long long uniform(long long max)
{
	if (max <= 0)
		return 0;
	return (long long)randombytes_uniform((uint32_t)(max + 1));
}

long long art_backoff_ms(int n, long long hint_ms)
{
	long long ceil = ART_BACKOFF_BASE_MS, d;

	for (int i = 1; i < n && ceil < ART_BACKOFF_CAP_MS; i++)
		ceil *= 2;
	if (ceil > ART_BACKOFF_CAP_MS)
		ceil = ART_BACKOFF_CAP_MS;
	d = uniform(ceil);
	return d < hint_ms ? hint_ms : d;
}

long long art_poll_delay_ms(double interval_s)
{
	long long base = (long long)(interval_s * 1000.0 + 0.5);

	return base + uniform(base / 5);
}

void art_sleep_ms(long long ms, const volatile int *stop)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (stop && *stop)
			return;
}
