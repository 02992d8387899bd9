/*
 * bench/receipt_time.c - the cost of signing and of opening one receipt,
 * in process, without the command around it.
 *
 * usage: receipt_time RECEIPT [N]
 *
 * Opens RECEIPT (a receipt art-close wrote, checked with this user's
 * signing key) and takes its predicate and report digest; then signs that
 * statement N times (default 1000) with art_receipt_sign and opens the
 * result N times with art_receipt_open (signature check first, then the
 * statement's shape), timing each call.  Prints one JSON line:
 * {"n","bytes","sign_us","open_us"}, the medians in microseconds.
 * Exit 1 when the receipt does not open, 2 on a usage error.
 *
 * Built by `make bench` against the library (build/bench/receipt_time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "art.h"
#include "receipt.h"
#include "signkey.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	art_signkey key;
	art_err e = { 0 };
	json_t *st = NULL, *again;
	const char *hex;
	char *buf = NULL, *text = NULL;
	size_t len, tlen = 0;
	double *sign, *opened;
	char *end = NULL;
	long want = argc > 2 ? strtol(argv[2], &end, 10) : 1000;
	int n, i;

	if (argc < 2 || argc > 3 || want < 1 || want > 10000000 ||
	    (end && (end == argv[2] || *end))) {
		fputs("usage: receipt_time RECEIPT [N]\n", stderr);
		return 2;
	}
	n = (int)want;
	art_begin(argv[0]);
	if (art_read_path(argv[1], ART_RECEIPT_MAX, &buf, &len, &e) ||
	    art_signkey_load(&key, 0, &e) ||
	    art_receipt_open(argv[1], buf, len, key.pk, &st, &e)) {
		fprintf(stderr, "receipt_time: %s\n", e.msg);
		return 1;
	}
	hex = json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(st, "subject"), 1), "digest"), "sha256"));
	if (!hex || sodium_hex2bin(digest, sizeof digest, hex, strlen(hex), NULL,
				   NULL, NULL) != 0) {
		fputs("receipt_time: no report digest in the receipt\n", stderr);
		return 1;
	}
	sign = art_xmalloc((size_t)n * sizeof *sign);
	opened = art_xmalloc((size_t)n * sizeof *opened);
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		free(text);
		text = art_receipt_sign(json_object_get(st, "predicate"), digest,
					&key, &tlen);
		sign[i] = now_us() - t0;
	}
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (art_receipt_open("bench", text, tlen, key.pk, &again, &e)) {
			fprintf(stderr, "receipt_time: %s\n", e.msg);
			return 1;
		}
		opened[i] = now_us() - t0;
		json_decref(again);
	}
	printf("{\"n\":%d,\"bytes\":%zu,\"sign_us\":%.1f,\"open_us\":%.1f}\n", n,
	       tlen, median(sign, n), median(opened, n));
	free(sign);
	free(opened);
	free(text);
	free(buf);
	json_decref(st);
	art_signkey_free(&key);
	return art_end(0);
}
