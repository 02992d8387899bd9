/* filters.c - may a content filter apply?; see filters.h. */
#include "filters.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

static int file_exists(const char *path)
{
	return path && access(path, F_OK) == 0;
}

int art_filters_may_apply(git_repository *repo, int checkin)
{
	static const char *const keys[] = { "core.autocrlf", "core.eol",
					    "core.attributesFile" };
	git_config *cfg = NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *p;
	size_t i;
	int may = 0, b;

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return 1;
	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		git_buf v = GIT_BUF_INIT;

		/* autocrlf=input converts on check-in only */
		if (git_config_get_string_buf(&v, cfg, keys[i]) == 0 &&
		    strcmp(v.ptr, "false") &&
		    (checkin || strcmp(v.ptr, "input")))
			may = 1;
		git_buf_dispose(&v);
	}
	if (git_config_get_bool(&b, cfg, "core.symlinks") == 0 && !b)
		may = 1;
	git_config_free(cfg);
	p = art_join(git_repository_commondir(repo), "info/attributes");
	may |= file_exists(p);
	free(p);
	p = xdg && *xdg ? art_join(xdg, "git/attributes")
			: home ? art_join(home, ".config/git/attributes") : NULL;
	may |= file_exists(p);
	free(p);
	may |= file_exists("/etc/gitattributes");
	return may;
}
