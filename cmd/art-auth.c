/* art-auth - credentials for Core (art-auth(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"
#include "auth.h"
#include "core.h"
#include "secretin.h"
#include "secretlog.h"
#include "store.h"

static const char usage[] =
	"usage: art-auth client --client-id ID (--secret-file F | --secret-fd N) [common]\n"
	"       art-auth login [--username U] [--password-file F | --password-fd N] [common]\n"
	"       art-auth device [--client-id ID] [common]\n"
	"       art-auth rotate (--secret-file F | --secret-fd N) [common]\n"
	"       art-auth status [common]\n"
	"       art-auth logout [common]\n"
	"common: [--core URL] [--store keyring|file] [--pretty] [-v]\n";

/* A descriptor number from the command line. */
static int parse_fd(const char *s, int *fd)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 65535)
		return -1;
	*fd = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "core", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "client-id", required_argument, NULL, 'i' },
		{ "secret-file", required_argument, NULL, 'f' },
		{ "secret-fd", required_argument, NULL, 'F' },
		{ "username", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'f' },
		{ "password-fd", required_argument, NULL, 'F' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *core_url = NULL, *store = NULL, *client_id = NULL;
	const char *file = NULL, *username = NULL, *verb;
	char *secret = NULL, *prompt;
	size_t len = 0;
	int c, fd = -1, pretty = 0, verbose = 0, rc, usable = 1;
	art_core *core = NULL;
	json_t *out = NULL;
	art_err e = { 0 };

	/* first: this process will hold secrets */
	art_secretlog_harden();
	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': core_url = optarg; break;
		case 's': store = optarg; break;
		case 'i': client_id = optarg; break;
		case 'f': file = optarg; break;
		case 'F':
			if (parse_fd(optarg, &fd) != 0) {
				art_warn("%s: not a file descriptor", optarg);
				return art_end(ART_EXIT_USAGE);
			}
			break;
		case 'u': username = optarg; break;
		case 'p': pretty = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (argc - optind != 1) {
		art_warn("%s", argc == optind ? "which one: client, login, device, rotate, status or logout?"
			 : "one subcommand at a time");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	verb = argv[optind];
	if (store && strcmp(store, "keyring") != 0 && strcmp(store, "file") != 0) {
		art_warn("--store %s: expected keyring or file", store);
		return art_end(ART_EXIT_USAGE);
	}
	if (file && fd >= 0) {
		art_warn("a secret comes from a file or a descriptor, not both");
		return art_end(ART_EXIT_USAGE);
	}
	if (strcmp(verb, "client") == 0 && (!client_id || (!file && fd < 0))) {
		art_warn("client needs --client-id and --secret-file or --secret-fd");
		return art_end(ART_EXIT_USAGE);
	}
	if (strcmp(verb, "rotate") == 0 && !file && fd < 0) {
		art_warn("rotate needs the new secret: --secret-file or --secret-fd");
		return art_end(ART_EXIT_USAGE);
	}
	if ((strcmp(verb, "status") == 0 || strcmp(verb, "logout") == 0 ||
	     strcmp(verb, "device") == 0) && (file || fd >= 0 || username)) {
		art_warn("%s takes no secret and no username", verb);
		return art_end(ART_EXIT_USAGE);
	}
	if (strcmp(verb, "client") != 0 && strcmp(verb, "login") != 0 &&
	    strcmp(verb, "device") != 0 && strcmp(verb, "rotate") != 0 &&
	    strcmp(verb, "status") != 0 && strcmp(verb, "logout") != 0) {
		art_warn("%s: unknown subcommand", verb);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if ((rc = art_core_open(core_url, verbose, &core, &e)) != 0)
		goto out;
	if (strcmp(verb, "login") == 0) {
		if (!username)
			username = getenv("USER");
		if (!username || !*username) {
			rc = art_errf(&e, ART_EXIT_USAGE, "login needs --username");
			goto out;
		}
	}
	if (file)
		rc = art_secret_from_file(file, &secret, &len, &e);
	else if (fd >= 0)
		rc = art_secret_from_fd(fd, &secret, &len, &e);
	else if (strcmp(verb, "login") == 0) {
		prompt = art_asprintf("Password for %s at %s: ", username,
				      art_core_origin(core));
		rc = art_secret_from_tty(prompt, &secret, &len, &e);
		free(prompt);
	}
	if (rc)
		goto out;
	if (strcmp(verb, "client") == 0)
		rc = art_auth_client(core, store, client_id, secret, len, &out, &e);
	else if (strcmp(verb, "login") == 0)
		rc = art_auth_login(core, store, username, secret, len, &out, &e);
	else if (strcmp(verb, "device") == 0)
		rc = art_auth_device(core, store, client_id ? client_id : "art-cli",
				     &out, &e);
	else if (strcmp(verb, "rotate") == 0)
		rc = art_auth_rotate(core, secret, len, &out, &e);
	else if (strcmp(verb, "status") == 0)
		rc = art_auth_status(core, &out, &usable, &e);
	else
		rc = art_auth_logout(core, &out, &e);
	if (!rc && out && art_json_emit(out, pretty) != 0)
		rc = ART_EXIT_LOCAL;
	if (!rc && !usable)
		rc = ART_EXIT_VERDICT;
out:
	if (rc && e.status)
		art_report(&e);
	art_secret_free(secret);
	json_decref(out);
	art_core_close(core);
	return art_end(rc);
}
