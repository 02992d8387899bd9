/* runref.c - run records in git; see runref.h. */
#include "runref.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fs.h"

int art_runref_exists(const art_repo *r, const art_run *run)
{
	git_reference *ref = NULL;
	int rc = git_reference_lookup(&ref, r->main, run->ref);

	git_reference_free(ref);
	if (rc == GIT_ENOTFOUND)
		return 0;
	return rc < 0 ? rc : 1;
}

static int signature(git_signature **sig, git_repository *repo)
{
	if (git_signature_default(sig, repo) == 0)
		return 0;
	return git_signature_now(sig, "art", "art@localhost");
}

int art_runref_write(const art_repo *r, const art_run *run,
		     const art_runref_file *files, size_t n, int create,
		     const char *message, art_err *e)
{
	git_treebuilder *tb = NULL;
	git_reference *old = NULL, *ref = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_oid oid, tree_oid, commit_oid;
	size_t i;
	int rc = 0;

	if (!create) {
		if (git_reference_lookup(&old, r->main, run->ref) < 0 ||
		    git_commit_lookup(&parent, r->main,
				      git_reference_target(old)) < 0) {
			rc = art_err_git(e, ART_EXIT_STATE, "run record %s",
					 run->ref);
			goto out;
		}
	}
	if (git_treebuilder_new(&tb, r->main, NULL) < 0)
		goto giterr;
	for (i = 0; i < n; i++)
		if (git_blob_create_from_buffer(&oid, r->main, files[i].data,
						files[i].len) < 0 ||
		    git_treebuilder_insert(NULL, tb, files[i].name, &oid,
					   GIT_FILEMODE_BLOB) < 0)
			goto giterr;
	if (git_treebuilder_write(&tree_oid, tb) < 0 ||
	    git_tree_lookup(&tree, r->main, &tree_oid) < 0 ||
	    signature(&sig, r->main) < 0 ||
	    git_commit_create(&commit_oid, r->main, NULL, sig, sig, "UTF-8",
			      message, tree, parent ? 1 : 0,
			      (const git_commit **)&parent) < 0)
		goto giterr;
	if (create)
		rc = git_reference_create(&ref, r->main, run->ref, &commit_oid,
					  0, message);
	else
		rc = git_reference_create_matching(&ref, r->main, run->ref,
						   &commit_oid, 1,
						   git_reference_target(old),
						   message);
	if (rc == GIT_EEXISTS || rc == GIT_EMODIFIED) {
		rc = art_errf(e, ART_EXIT_STATE, "run record %s %s", run->ref,
			      create ? "already exists" : "was moved meanwhile");
		goto out;
	}
	if (rc < 0)
		goto giterr;
	rc = 0;
	goto out;
giterr:
	rc = art_err_git(e, ART_EXIT_LOCAL, "cannot write run record %s",
			 run->ref);
out:
	git_reference_free(ref);
	git_reference_free(old);
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	return rc;
}

int art_runref_read(const art_repo *r, const art_run *run, const char *name,
		    char **buf, size_t *len, art_err *e)
{
	git_tree_entry *te = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_blob *blob = NULL;
	git_reference *ref = NULL;
	int rc = 0;

	if (git_reference_lookup(&ref, r->main, run->ref) < 0 ||
	    git_commit_lookup(&c, r->main, git_reference_target(ref)) < 0 ||
	    git_commit_tree(&tree, c) < 0 ||
	    git_tree_entry_bypath(&te, tree, name) < 0 ||
	    git_blob_lookup(&blob, r->main, git_tree_entry_id(te)) < 0) {
		rc = art_err_git(e, ART_EXIT_STATE, "run record %s: %s",
				 run->ref, name);
	} else {
		size_t n = (size_t)git_blob_rawsize(blob);

		*buf = art_xmalloc(n + 1);
		memcpy(*buf, git_blob_rawcontent(blob), n);
		(*buf)[n] = '\0';
		if (len)
			*len = n;
	}
	git_tree_entry_free(te);
	git_blob_free(blob);
	git_tree_free(tree);
	git_commit_free(c);
	git_reference_free(ref);
	return rc;
}
