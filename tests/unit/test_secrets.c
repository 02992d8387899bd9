/*
 * test_secrets.c - the secret rules: each rule finds its token on a line
 * and names itself; near misses and ordinary code are not secrets; the
 * keyword pre-filter agrees with the rules; binary and .env detection.
 * Tokens are assembled at run time so that this file holds none.
 */
#include "check.h"
#include "secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static art_secrets *s;

/* prefix followed by n copies of c, then suffix */
static char *tok(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *t = malloc(lp + n + ls + 1);

	if (!t)
		abort();
	memcpy(t, prefix, lp);
	memset(t + lp, c, n);
	memcpy(t + lp + n, suffix, ls + 1);
	return t;
}

static void expect(const char *line, const char *want)
{
	const char *got = art_secrets_match_line(s, line, strlen(line));

	if (want) {
		CHECK(got && !strcmp(got, want), "\"%.60s…\": got %s, want %s",
		      line, got ? got : "nothing", want);
		CHECK(art_secrets_maybe(line, strlen(line)),
		      "\"%.60s…\": keyword pre-filter missed it", line);
	} else {
		CHECK(!got, "\"%.60s…\": got %s, want nothing", line, got);
	}
}

/* the token inside an ordinary line of code */
static void expect_tok(char *t, const char *want)
{
	char line[512];

	snprintf(line, sizeof line, "  api_key = \"%s\"  # prod", t);
	expect(line, want);
	free(t);
}

int main(void)
{
	art_err e = { 0 };
	char *t;

	s = art_secrets_new(&e);
	CHECK(s != NULL, "rules compile: %s", e.msg);
	if (!s)
		return CHECK_DONE();

	expect_tok(tok("AKIA", 'Q', 16, ""), "aws-access-key-id");
	expect_tok(tok("ASIA", '7', 16, ""), "aws-access-key-id");
	expect_tok(tok("AKIA", 'Q', 15, ""), NULL);       /* too short */
	expect_tok(tok("XAKIA", 'Q', 16, ""), NULL);      /* inside a word */
	expect_tok(tok("AKIA", 'Q', 17, ""), NULL);       /* too long */
	expect_tok(tok("ghp_", 'a', 36, ""), "github-pat");
	expect_tok(tok("ghp_", 'a', 35, ""), NULL);
	expect_tok(tok("gho_", 'B', 36, ""), "github-oauth");
	expect_tok(tok("ghu_", '1', 36, ""), "github-app-token");
	expect_tok(tok("ghs_", 'z', 36, ""), "github-app-token");
	expect_tok(tok("github_pat_", 'A', 82, ""), "github-fine-grained-pat");
	expect_tok(tok("glpat-", 'x', 20, ""), "gitlab-pat");
	expect_tok(tok("glpat-", 'x', 19, ""), NULL);
	expect_tok(tok("xoxb-123456789012-1234567890123-", 'a', 24, ""),
		   "slack-token");
	expect_tok(tok("xoxp-123456789012-123456789012-123456789012-", 'f', 32, ""),
		   "slack-token");
	expect_tok(tok("https://hooks.slack.com/services/T00000000/B00000000/", 'X', 24, ""),
		   "slack-webhook");
	expect_tok(tok("sk_live_", '4', 24, ""), "stripe-live-key");
	expect_tok(tok("rk_live_", 'c', 24, ""), "stripe-live-key");
	expect_tok(tok("sk_test_", '4', 24, ""), NULL);   /* test keys are fine */
	expect_tok(tok("AIza", 'S', 35, ""), "gcp-api-key");
	expect_tok(tok("npm_", 'k', 36, ""), "npm-token");
	expect_tok(tok("eyJ", 'h', 20, ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop"),
		   "jwt");
	expect("-----BEGIN RSA PRIVATE KEY-----", "private-key");
	expect("-----BEGIN OPENSSH PRIVATE KEY-----", "private-key");
	expect("-----BEGIN PRIVATE KEY-----", "private-key");
	expect("-----BEGIN PUBLIC KEY-----", NULL);
	expect("int main(void) { return 0; }", NULL);
	expect("# see the AKIA prefix in the AWS docs", NULL);
	expect("ghp_ is GitHub's prefix", NULL);

	/* a line with invalid UTF-8 around a token still matches */
	t = tok("\xff\xfe ghp_", 'a', 36, " \xc3");
	expect(t, "github-pat");
	free(t);

	CHECK(!art_secrets_maybe("plain text\nmore\n", 16), "no keyword");
	CHECK(art_secrets_is_env_file(".env"), ".env");
	CHECK(art_secrets_is_env_file("app/.env.local"), ".env.local");
	CHECK(!art_secrets_is_env_file("app/env.txt"), "env.txt");
	CHECK(!art_secrets_is_env_file(".env.example"), "a template");
	CHECK(!art_secrets_is_env_file("x/.env.dist"), "a template");
	CHECK(!art_secrets_is_env_file("app.env/x"), "a directory named *.env");
	CHECK(art_is_binary("a\0b", 3), "NUL is binary");
	CHECK(!art_is_binary("abc\n", 4), "text");
	art_secrets_free(s);
	return CHECK_DONE();
}
