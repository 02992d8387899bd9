/*
 * test_ids.c - art_check_agent and art_check_ticket: 0 for a good id,
 * ART_EXIT_INPUT (3) and a message for a bad one.
 */
#include "check.h"
#include "ids.h"

#include <stdlib.h>
#include <string.h>

static char *repeat(char first, char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, c, n);
	s[0] = first;
	s[n] = '\0';
	return s;
}

static void agent(const char *id, int want)
{
	art_err e = { 0 };
	int got = art_check_agent(id, &e);

	CHECK(got == want, "agent \"%.80s\": got %d, want %d", id, got, want);
	if (want)
		CHECK(e.status == want && e.msg[0], "agent \"%.80s\": status %d",
		      id, e.status);
}

static void ticket(const char *id, int want)
{
	art_err e = { 0 };
	int got = art_check_ticket(id, &e);

	CHECK(got == want, "ticket \"%.80s\": got %d, want %d", id, got, want);
	if (want)
		CHECK(e.status == want && e.msg[0], "ticket \"%.80s\": status %d",
		      id, e.status);
}

int main(void)
{
	const int BAD = ART_EXIT_INPUT;
	char *a64 = repeat('a', 'b', 64), *a65 = repeat('a', 'b', 65);
	char *t128 = repeat('T', '1', 128), *t129 = repeat('T', '1', 129);
	char *a200 = repeat('a', 'x', 200);

	CHECK(BAD == 3, "ART_EXIT_INPUT is %d", BAD);

	/* agent: [a-z][a-z0-9_-]{0,63} */
	agent("tom", 0);
	agent("a", 0);
	agent("a-b_c9", 0);
	agent("z0-", 0);
	agent(a64, 0);
	agent(a65, BAD);
	agent(a200, BAD);
	agent("", BAD);
	agent("Tom", BAD);
	agent("tOm", BAD);
	agent("9abc", BAD);
	agent("-a", BAD);
	agent("_a", BAD);
	agent("../x", BAD);
	agent("a/b", BAD);
	agent("a..b", BAD);
	agent("a.b", BAD);
	agent("x.lock", BAD);
	agent("abc.", BAD);
	agent("a b", BAD);
	agent("a\n", BAD);
	agent("\na", BAD);
	agent("tom\xc3\xa9", BAD);
	agent("\xc3\xa9tom", BAD);

	/* ticket: [A-Za-z0-9][A-Za-z0-9._-]{0,127}, a valid ref component */
	ticket("TKT_backend_mvp_api", 0);
	ticket("a", 0);
	ticket("1", 0);
	ticket("A.b-c_d", 0);
	ticket("a.b", 0);
	ticket("v1.2.3", 0);
	ticket("x.locks", 0);
	ticket("x.lock.y", 0);
	ticket("lock", 0);
	ticket(t128, 0);
	ticket(t129, BAD);
	ticket(a200, BAD);
	ticket("", BAD);
	ticket("../x", BAD);
	ticket("a/b", BAD);
	ticket("a..b", BAD);
	ticket("..", BAD);
	ticket(".x", BAD);
	ticket("-x", BAD);
	ticket("_x", BAD);
	ticket("x.lock", BAD);
	ticket(".lock", BAD);
	ticket("abc.", BAD);
	ticket("a b", BAD);
	ticket("a\n", BAD);
	ticket("a\nb", BAD);
	ticket("tick\xc3\xa9", BAD);
	ticket("a~b", BAD);
	ticket("a:b", BAD);
	ticket("a^b", BAD);
	ticket("a@{b", BAD);
	ticket("a\\b", BAD);
	ticket("a*b", BAD);

	free(a64);
	free(a65);
	free(t128);
	free(t129);
	free(a200);
	return CHECK_DONE();
}
