/* art-scope-check - did the agent stay in its scope? (art-scope-check(1)) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"
#include "scope.h"

static const char usage[] =
	"usage: art-scope-check [--agent A --ticket T | --manifest FILE | --manifest-ref REF] [--staged | --range A..B] [--files] [--pretty]\n";

/* The manifest recorded at ref: REF:manifest.json. */
static int manifest_from_ref(git_repository *repo, const char *ref,
			     json_t **out, art_err *e)
{
	git_object *obj = NULL, *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	char *name = art_asprintf("%s:manifest.json", ref);
	int rc;

	if (git_revparse_single(&obj, repo, ref) < 0) {
		rc = art_err_git(e, ART_EXIT_INPUT, "--manifest-ref %s", ref);
	} else if (git_object_peel(&tree, obj, GIT_OBJECT_TREE) < 0 ||
		   git_tree_entry_bypath(&te, (git_tree *)tree, "manifest.json") < 0 ||
		   git_tree_entry_type(te) != GIT_OBJECT_BLOB ||
		   git_blob_lookup(&blob, repo, git_tree_entry_id(te)) < 0) {
		rc = art_errf(e, ART_EXIT_INPUT, "%s: no manifest there", name);
	} else if (git_blob_rawsize(blob) > ART_CONFIG_MAX) {
		rc = art_errf(e, ART_EXIT_INPUT, "%s: larger than the %u-byte limit",
			      name, ART_CONFIG_MAX);
	} else {
		rc = art_manifest_parse(name, git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob), out, e);
	}
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_object_free(tree);
	git_object_free(obj);
	free(name);
	return rc;
}

static int manifest_from_file(const char *path, json_t **out, art_err *e)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if ((rc = art_read_path(path, ART_CONFIG_MAX, &buf, &len, e)) == 0)
		rc = art_manifest_parse(path, buf, len, out, e);
	free(buf);
	return rc;
}

/*
 * The repository the current directory is in, as git's environment
 * describes it: in a hook, GIT_DIR, the objects of a push still in
 * quarantine, and the index a "git commit -a" or "git commit PATH" is
 * about to commit (GIT_INDEX_FILE).  It may be bare.
 */
static int open_from_env(git_repository **out, art_err *e)
{
	if (git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV,
				    NULL) < 0)
		return art_err_git(e, ART_EXIT_INPUT, "no git repository here");
	return 0;
}

/* Open the run's own worktree: the checkout whose changes are the run's. */
static int open_run_checkout(const art_run *run, git_repository **out,
			     art_err *e)
{
	if (git_repository_open_ext(out, run->worktree,
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return art_errf(e, ART_EXIT_INPUT,
				"run %s: no worktree at %s (check its commits with --range and --manifest-ref %s)",
				run->subject, run->worktree_rel, run->ref);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "manifest-ref", required_argument, NULL, 'M' },
		{ "staged", no_argument, NULL, 's' },
		{ "range", required_argument, NULL, 'R' },
		{ "files", no_argument, NULL, 'f' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = NULL, *ticket = NULL, *mfile = NULL, *mref = NULL;
	art_scope_opts o = { 0 };
	json_t *input = NULL, *manifest = NULL, *out = NULL;
	git_repository *checkout = NULL;
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	int c, pretty = 0, staged = 0, rc, nothing = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
		case 't': ticket = optarg; break;
		case 'm': mfile = optarg; break;
		case 'M': mref = optarg; break;
		case 's': staged = 1; break;
		case 'R': o.range = optarg; break;
		case 'f': o.files = 1; break;
		case 'p': pretty = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		art_warn("unexpected argument: %s", argv[optind]);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if ((agent || ticket) + !!mfile + !!mref > 1 || (staged && o.range)) {
		art_warn("%s", staged && o.range
			 ? "--staged and --range are two different checks: choose one"
			 : "the run, --manifest and --manifest-ref are three ways to name the manifest: choose one");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	o.mode = o.range ? ART_SCOPE_RANGE : staged ? ART_SCOPE_STAGED
						    : ART_SCOPE_WORKTREE;
	if (mfile || mref) {
		/* no run to find: the repository may be a server's, bare */
		o.env_index = 1;
		if ((rc = open_from_env(&checkout, &e)) == 0)
			rc = mfile ? manifest_from_file(mfile, &manifest, &e)
				   : manifest_from_ref(checkout, mref, &manifest, &e);
	} else if ((rc = art_repo_open(&repo, NULL, &e)) == 0 &&
		   (rc = art_run_locate(&run, &repo, agent, ticket, &input,
					&nothing, &e)) == 0 && !nothing &&
		   (rc = art_manifest_load(&repo, &run, &manifest, &e)) == 0) {
		/* the run's worktree; git's view of it when we are in it */
		o.env_index = !strcmp(run.worktree, repo.here_workdir);
		if (o.mode == ART_SCOPE_RANGE || o.env_index)
			rc = open_from_env(&checkout, &e);
		else
			rc = open_run_checkout(&run, &checkout, &e);
	}
	if (!rc && !nothing && o.mode != ART_SCOPE_RANGE &&
	    git_repository_is_bare(checkout))
		rc = art_errf(&e, ART_EXIT_INPUT,
			      "a bare repository has no working tree or index to check: use --range");
	if (rc || nothing)
		goto out;
	o.repo = checkout;
	o.manifest = manifest;
	if ((rc = art_scope_check(&o, &out, &e)) != 0)
		goto out;
	if (art_json_emit(out, pretty) != 0)
		rc = ART_EXIT_LOCAL; /* art_end says why */
	else if (!json_is_true(json_object_get(out, "ok")))
		rc = ART_EXIT_VERDICT;
out:
	if (rc && rc != ART_EXIT_VERDICT)
		art_report(&e);
	json_decref(out);
	json_decref(manifest);
	json_decref(input);
	git_repository_free(checkout);
	art_run_free(&run);
	art_repo_close(&repo);
	return art_end(rc);
}
