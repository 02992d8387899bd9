/* ids.c - identifier checks; see ids.h. */
#include "ids.h"

#include <ctype.h>
#include <string.h>

/* Render an untrusted id for a message: printable ASCII only, cut short. */
static void show(char *out, size_t cap, const char *s)
{
	size_t i = 0;

	for (; *s && i + 5 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		out[i++] = (char)(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
	}
	if (*s) {
		out[i++] = '.';
		out[i++] = '.';
		out[i++] = '.';
	}
	out[i] = '\0';
}

int art_check_agent(const char *a, art_err *e)
{
	char buf[80];
	size_t i, n = strlen(a);

	show(buf, sizeof buf, a);
	if (n == 0)
		return art_errf(e, ART_EXIT_INPUT, "agent id is empty");
	if (n > 64)
		return art_errf(e, ART_EXIT_INPUT,
				"agent id \"%s\": longer than 64 characters", buf);
	if (!(a[0] >= 'a' && a[0] <= 'z'))
		return art_errf(e, ART_EXIT_INPUT,
				"agent id \"%s\": must start with a lowercase letter",
				buf);
	for (i = 1; i < n; i++) {
		char c = a[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return art_errf(e, ART_EXIT_INPUT,
					"agent id \"%s\": character %zu is not one of [a-z0-9_-]",
					buf, i + 1);
	}
	return 0;
}

int art_check_ticket(const char *t, art_err *e)
{
	char buf[80];
	size_t i, n = strlen(t);

	show(buf, sizeof buf, t);
	if (n == 0)
		return art_errf(e, ART_EXIT_INPUT, "ticket id is empty");
	if (n > 128)
		return art_errf(e, ART_EXIT_INPUT,
				"ticket id \"%s\": longer than 128 characters", buf);
	for (i = 0; i < n; i++) {
		char c = t[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (i == 0 && !alnum)
			return art_errf(e, ART_EXIT_INPUT,
					"ticket id \"%s\": must start with a letter or a digit",
					buf);
		if (!alnum && c != '.' && c != '_' && c != '-')
			return art_errf(e, ART_EXIT_INPUT,
					"ticket id \"%s\": character %zu is not one of [A-Za-z0-9._-]",
					buf, i + 1);
	}
	if (strstr(t, ".."))
		return art_errf(e, ART_EXIT_INPUT,
				"ticket id \"%s\": \"..\" cannot be part of a git ref name",
				buf);
	if (t[n - 1] == '.' || (n >= 5 && !strcmp(t + n - 5, ".lock")))
		return art_errf(e, ART_EXIT_INPUT,
				"ticket id \"%s\": a trailing \".\" or \".lock\" cannot end a git ref name component",
				buf);
	return 0;
}

int art_check_subject(const char *subject, art_err *e)
{
	const char *slash = strrchr(subject, '/');
	char ticket[130];
	size_t n;

	if (!slash || (n = (size_t)(slash - subject)) >= sizeof ticket)
		return art_errf(e, ART_EXIT_INPUT, "expected TICKET/agent");
	memcpy(ticket, subject, n);
	ticket[n] = '\0';
	if (art_check_ticket(ticket, e) || art_check_agent(slash + 1, e))
		return e->status;
	return 0;
}

int art_is_env_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n && n <= 128 && !isdigit((unsigned char)*name) &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}
