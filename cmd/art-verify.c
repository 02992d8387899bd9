/* art-verify - check a receipt (art-verify(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "art.h"
#include "pubkey.h"
#include "receipt.h"
#include "runref.h"
#include "signkey.h"
#include "verify.h"

static const char usage[] =
	"usage: art-verify [FILE | --run T/A | --agent A --ticket T] [--pubkey FILE] [--pretty]\n"
	"       art-verify --show-pubkey [-r] [--pretty]\n";

/* The key to check with: --pubkey, else this user's own signing key. */
static int public_key(const char *file, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		      art_err *e)
{
	art_signkey k;
	char *buf = NULL;
	size_t len;
	int rc, have;

	if (file) {
		if ((rc = art_read_path(file, 64 * 1024, &buf, &len, e)) == 0)
			rc = art_pubkey_parse(file, buf, len, pk, e);
		free(buf);
		return rc;
	}
	if ((rc = art_signkey_path(&buf, e)) != 0)
		return rc;
	have = access(buf, F_OK) == 0;
	free(buf);
	if (!have) /* no key of one's own: the receipt is someone else's */
		return art_errf(e, ART_EXIT_INPUT,
				"no signing key of yours to check with: give the signer's public key with --pubkey");
	if ((rc = art_signkey_load(&k, 0, e)) != 0)
		return rc;
	memcpy(pk, k.pk, crypto_sign_PUBLICKEYBYTES);
	art_signkey_free(&k);
	return 0;
}

/* --show-pubkey: the key receipts are signed with, made if need be. */
static int show_pubkey(int raw, int pretty, art_err *e)
{
	art_signkey k;
	char *pem;
	json_t *o;
	int rc;

	if ((rc = art_signkey_load(&k, 1, e)) != 0)
		return rc;
	pem = art_pubkey_pem(k.pk);
	if (raw) {
		rc = fputs(pem, stdout) == EOF ? ART_EXIT_LOCAL : 0;
	} else {
		o = json_pack("{s:s, s:s, s:s}", "keyid", k.keyid,
			      "algorithm", "ed25519", "pubkey", pem);
		rc = art_json_emit(o, pretty);
		json_decref(o);
	}
	free(pem);
	art_signkey_free(&k);
	return rc;
}

/* --run T/A: its two halves, checked. */
static int split_run(const char *s, char agent[65], char ticket[129], art_err *e)
{
	const char *slash = strchr(s, '/');
	int rc;

	if ((rc = art_check_subject(s, e)) != 0)
		return art_errf(e, rc, "--run %s: expected TICKET/agent", s);
	snprintf(ticket, 129, "%.*s", (int)(slash - s), s);
	snprintf(agent, 65, "%s", slash + 1);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'R' },
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "show-pubkey", no_argument, NULL, 'K' },
		{ "raw", no_argument, NULL, 'r' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = NULL, *ticket = NULL, *runarg = NULL, *keyfile = NULL;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char ra[65], rt[129];
	art_verify_opts o = { 0 };
	json_t *input = NULL, *out = NULL;
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	char *buf = NULL, *name = NULL;
	size_t len = 0;
	int c, pretty = 0, raw = 0, show = 0, rc, nothing = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "hr", longopts, NULL)) != -1) {
		switch (c) {
		case 'R': runarg = optarg; break;
		case 'a': agent = optarg; break;
		case 't': ticket = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'K': show = 1; break;
		case 'r': raw = 1; break;
		case 'p': pretty = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (argc - optind > 1 || (show && (argc > optind || runarg || agent ||
					   ticket || keyfile)) ||
	    (raw && !show) || (argc > optind && (runarg || agent || ticket)) ||
	    (runarg && (agent || ticket))) {
		art_warn("%s", argc - optind > 1 ? "one receipt at a time"
			 : show || raw ? "--show-pubkey [-r] takes no receipt and no key"
			 : "a receipt FILE, --run T/A and --agent/--ticket are three ways to name the receipt: give one");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if (show) {
		rc = show_pubkey(raw, pretty, &e);
		if (rc)
			art_report(&e);
		return art_end(rc);
	}
	if ((rc = art_repo_open(&repo, NULL, &e)) != 0)
		goto out;
	if (optind < argc) {
		name = art_strdup(argv[optind]);
		rc = art_read_path(name, ART_RECEIPT_MAX, &buf, &len, &e);
	} else {
		if (runarg && (rc = split_run(runarg, ra, rt, &e)) == 0) {
			agent = ra;
			ticket = rt;
		}
		if (!rc && (rc = art_run_locate(&run, &repo, agent, ticket, &input,
						&nothing, &e)) == 0 && !nothing) {
			name = art_asprintf("%s:receipt.json", run.ref);
			o.want_subject = run.subject;
			if (art_runref_exists(&repo, &run) == 0)
				rc = art_errf(&e, ART_EXIT_STATE,
					      "no run %s in this repository (no %s)",
					      run.subject, run.ref);
			else
				rc = art_runref_read(&repo, &run, "receipt.json",
						     &buf, &len, &e);
			if (rc == ART_EXIT_STATE && art_runref_exists(&repo, &run) == 1)
				rc = art_errf(&e, ART_EXIT_STATE,
					      "run %s has no receipt: it was not closed (art-close writes one)",
					      run.subject);
		}
	}
	if (rc || nothing || (rc = public_key(keyfile, pk, &e)) != 0)
		goto out;
	o.name = name;
	o.buf = buf;
	o.len = len;
	o.pk = pk;
	rc = art_verify(&repo, &o, &out, &e);
	if (out && art_json_emit(out, pretty) != 0 && !rc)
		rc = ART_EXIT_LOCAL; /* art_end says why */
out:
	if (rc)
		art_report(&e);
	json_decref(out);
	json_decref(input);
	free(buf);
	free(name);
	art_run_free(&run);
	art_repo_close(&repo);
	return art_end(rc);
}
