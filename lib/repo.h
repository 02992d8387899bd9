/*
 * repo.h - finding the repository, from the main checkout or from inside
 * any linked worktree (an agent's included).
 */
#ifndef ART_REPO_H
#define ART_REPO_H

#include <git2.h>

#include "diag.h"

typedef struct art_repo {
	git_repository *here;  /* the repository the directory is in */
	git_repository *main;  /* the main repository (== here when not linked) */
	char *here_workdir;    /* top of the checkout we are in, no trailing / */
	char *main_workdir;    /* top of the main checkout, no trailing / */
	char *commondir;       /* git common dir, no trailing / */
	int linked;            /* here is a linked worktree */
} art_repo;

/*
 * Discover the repository containing dir (NULL: the current directory).
 * Not a repository, or a bare one: ART_EXIT_INPUT.
 */
int art_repo_open(art_repo *r, const char *dir, art_err *e);
void art_repo_close(art_repo *r);

/* Directory for art's own local state: <commondir>/art (created). */
int art_repo_state_dir(const art_repo *r, char **out, art_err *e);

/*
 * Read a git config string of the main repository (NULL when unset).
 * The result is malloc'd.
 */
char *art_repo_config(const art_repo *r, const char *key);

#endif
