/*
 * test_rmrf.c - art_rm_rf: a tree is removed, links are not followed, and
 * a tree deeper than ART_TREE_DEPTH_MAX ends in ENAMETOOLONG, not in a
 * stack overflow.
 */
#include "check.h"
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* n nested directories "d" under top, made one level at a time (the
 * path would be too long for mkdir -p); 0 or -1. */
static int nest(const char *top, int n)
{
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next, i;

	for (i = 0; fd >= 0 && i < n; i++) {
		if (mkdirat(fd, "d", 0700) < 0) {
			close(fd);
			return -1;
		}
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char *top = art_asprintf("%s/art-test-rmrf.XXXXXX",
				 tmp && *tmp == '/' ? tmp : "/tmp");
	char *keep, *lnk, *tree;
	struct stat st;

	if (!mkdtemp(top))
		abort();
	keep = art_join(top, "keep");
	lnk = art_join(top, "tree/link");
	tree = art_join(top, "tree");

	/* a tree with a link out of it: the tree goes, the target stays */
	CHECK(mkdir(keep, 0700) == 0 && mkdir(tree, 0700) == 0 &&
	      symlink(keep, lnk) == 0 && nest(tree, 3) == 0, "made the tree");
	CHECK(art_rm_rf(tree) == 0 && lstat(tree, &st) < 0 && errno == ENOENT,
	      "the tree is gone");
	CHECK(stat(keep, &st) == 0, "what a link pointed to is not");

	/* as deep as art goes, and removed */
	CHECK(mkdir(tree, 0700) == 0 && nest(tree, ART_TREE_DEPTH_MAX - 1) == 0,
	      "%d levels", ART_TREE_DEPTH_MAX);
	CHECK(art_rm_rf(tree) == 0 && lstat(tree, &st) < 0,
	      "%d levels are removed", ART_TREE_DEPTH_MAX);

	/* one level deeper: an error, and what was above stays */
	CHECK(mkdir(tree, 0700) == 0 && nest(tree, ART_TREE_DEPTH_MAX) == 0,
	      "%d levels", ART_TREE_DEPTH_MAX + 1);
	errno = 0;
	CHECK(art_rm_rf(tree) == -1 && errno == ENAMETOOLONG,
	      "%d levels: ENAMETOOLONG, got %d", ART_TREE_DEPTH_MAX + 1, errno);
	CHECK(lstat(tree, &st) == 0, "the top of a tree too deep stays");

	/* what is left goes from the top down: test_rmrf cleans up */
	{
		int fd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next, i;

		for (i = 0; fd >= 0 && i < ART_TREE_DEPTH_MAX - 1; i++) {
			next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			close(fd);
			fd = next;
		}
		/* fd: the level above the last one, which is empty */
		CHECK(fd >= 0 && unlinkat(fd, "d", AT_REMOVEDIR) == 0,
		      "the deepest level removed by hand");
		if (fd >= 0)
			close(fd);
	}
	CHECK(art_rm_rf(tree) == 0 && art_rm_rf(top) == 0, "the rest removed");
	free(keep);
	free(lnk);
	free(tree);
	free(top);
	return CHECK_DONE();
}
