/* timefmt.c - RFC 3339 times; see timefmt.h. */
#define _DEFAULT_SOURCE /* timegm */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void art_rfc3339_ms(long long ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	/* no time at all rather than garbage, should a year not fit */
	if (!gmtime_r(&s, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

/* n digits at s, or -1. */
static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * See timefmt.h.  No leap second: time_t has none, and timegm would
 * move it silently into the next minute.
 */
int art_parse_rfc3339_ms(const char *s, size_t n, long long *ms)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, frac = 0, k;
	size_t p = 19;
	struct tm tm;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	h = num(s + 11, 2);
	mi = num(s + 14, 2);
	sec = num(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	if (s[p] == '.') {
		for (k = 0, p++; p < n && s[p] >= '0' && s[p] <= '9'; k++, p++)
			if (k < 3)
				frac = frac * 10 + (s[p] - '0');
		if (k < 1 || k > 9)
			return -1;
		for (; k < 3; k++)
			frac *= 10;
	}
	if (!((n - p == 1 && s[p] == 'Z') ||
	      (n - p == 6 && !memcmp(s + p, "+00:00", 6))))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ms = (long long)timegm(&tm) * 1000 + frac;
	return 0;
}

