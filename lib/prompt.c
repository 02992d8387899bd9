/* prompt.c - prompt rendering; see prompt.h. */
#include "prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "fs.h"

const char *art_prompt_default_template(void)
{
	return art_embedded_prompt_md;
}

static void list(FILE *out, json_t *items, int dod)
{
	size_t i;
	json_t *it;

	if (json_array_size(items) == 0 && !dod) {
		fputs("- (none)", out);
		return;
	}
	json_array_foreach(items, i, it) {
		if (!dod) {
			fprintf(out, "%s- `%s`", i ? "\n" : "",
				json_string_value(it));
			continue;
		}
		fprintf(out, "- [ ] %s",
			json_is_string(json_object_get(it, "title"))
				? json_string_value(json_object_get(it, "title"))
				: json_string_value(json_object_get(it, "id")));
		if (json_is_string(json_object_get(it, "run"))) {
			fprintf(out, ": `%s`",
				json_string_value(json_object_get(it, "run")));
		} else {
			size_t k;
			json_t *arg;

			fputs(": `", out);
			json_array_foreach(json_object_get(it, "run"), k, arg)
				fprintf(out, "%s%s", k ? " " : "",
					json_string_value(arg));
			fputc('`', out);
		}
		fputc('\n', out);
	}
	if (dod) /* what art close checks besides the commands */
		fputs("- [ ] every change inside the scope: `art scope-check`\n"
		      "- [ ] every commit message is `type(area): description`, "
		      "type one of feat fix docs test chore refactor", out);
}

/* Write the value of variable name; 0, or -1 when it is unknown. */
static int value(FILE *out, const char *name, json_t *m, const char *prompt)
{
	static const char *const scalars[] = { "agent", "displayName", "role",
					       "ticket", "branch", "base",
					       "worktreePath" };
	size_t i;

	if (!strcmp(name, "prompt")) {
		fputs(prompt, out);
		return 0;
	}
	for (i = 0; i < sizeof scalars / sizeof *scalars; i++)
		if (!strcmp(name, scalars[i])) {
			const char *v = json_string_value(json_object_get(m, name));

			fputs(v ? v : "", out);
			return 0;
		}
	if (!strcmp(name, "scopeAllowlist") || !strcmp(name, "scopeDenylist") ||
	    !strcmp(name, "protected") || !strcmp(name, "dod")) {
		list(out, json_object_get(m, name), !strcmp(name, "dod"));
		return 0;
	}
	return -1;
}

int art_prompt_render(const char *name, const char *tmpl, json_t *manifest,
		      const char *profile_prompt, char **out, art_err *e)
{
	size_t len = 0, line = 1;
	FILE *f = open_memstream(out, &len);
	const char *p = tmpl;

	if (!f)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot render the prompt");
	while (*p) {
		const char *open = strstr(p, "{{"), *close, *q;
		char var[64];
		size_t n;

		if (!open) {
			fputs(p, f);
			break;
		}
		for (q = p; q < open; q++)
			line += *q == '\n';
		fwrite(p, 1, (size_t)(open - p), f);
		close = strstr(open + 2, "}}");
		n = close ? (size_t)(close - open - 2) : 0;
		if (!close || n == 0 || n >= sizeof var || memchr(open + 2, '\n', n)) {
			(void)fclose(f); /* the text is thrown away */
			free(*out);
			*out = NULL;
			return art_errf(e, ART_EXIT_INPUT,
					"%s:%zu: \"{{\" without a closing \"}}\" on the same line",
					name, line);
		}
		memcpy(var, open + 2, n);
		var[n] = '\0';
		if (value(f, var, manifest, profile_prompt) < 0) {
			(void)fclose(f); /* the text is thrown away */
			free(*out);
			*out = NULL;
			return art_errf(e, ART_EXIT_INPUT,
					"%s:%zu: unknown placeholder {{%s}}", name,
					line, var);
		}
		p = close + 2;
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot render the prompt");
	}
	return 0;
}
