/* pidlimit.c - the cage's process limit; see pidlimit.h. */
#define _GNU_SOURCE
#include "pidlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"

/*
 * Where the hierarchy with the pids controller is mounted (malloc'd),
 * and *v2 whether it is the unified one: a "cgroup2" mount, or a "cgroup"
 * one whose options name pids.
 */
static char *pids_mount(int *v2)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *found = NULL, *v1 = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], type[64], opts[1024], *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (!strcmp(type, "cgroup2") && !found)
			found = art_strdup(mp);
		else if (!strcmp(type, "cgroup") && !v1 &&
			 (strstr(opts, ",pids") || !strncmp(opts, "pids", 4)))
			v1 = art_strdup(mp);
	}
	free(line);
	(void)fclose(f); /* read only: nothing to lose */
	/* where both exist (hybrid), pids is v1's */
	*v2 = !v1;
	if (v1) {
		free(found);
		return v1;
	}
	return found;
}

/* art-vm's own cgroup in that hierarchy, from /proc/self/cgroup. */
static char *own_cgroup(int v2)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL, *path = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (!path && getline(&line, &cap, f) > 0) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!p)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		ctl++;
		if (v2 ? !strcmp(line, "0") && !*ctl
		       : !strcmp(ctl, "pids") || strstr(ctl, "pids,") == ctl ||
			 strstr(ctl, ",pids"))
			path = art_strdup(p);
	}
	free(line);
	(void)fclose(f); /* read only: nothing to lose */
	return path;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char *path = art_join(dir, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd >= 0) {
		rc = art_write_all(fd, text, strlen(text));
		if (close(fd) < 0)
			rc = -1;
	}
	free(path);
	return rc;
}

/* A pids cgroup for the cage, or NULL where none can be made here. */
static char *make_cgroup(long max)
{
	int v2;
	char *mnt = pids_mount(&v2), *own = mnt ? own_cgroup(v2) : NULL;
	char *parent = NULL, *dir = NULL, *limit = NULL, *pidsmax = NULL;
	struct stat st;

	if (!own)
		goto out;
	parent = art_asprintf("%s%s", mnt, strcmp(own, "/") ? own : "");
	dir = art_asprintf("%s/art-vm.%ld", parent, (long)getpid());
	if (mkdir(dir, 0755) < 0) {
		free(dir);
		dir = NULL;
		goto out;
	}
	pidsmax = art_join(dir, "pids.max");
	/* v2 has pids.max only where the parent hands the controller down */
	if (stat(pidsmax, &st) < 0 && v2)
		write_file(parent, "cgroup.subtree_control", "+pids");
	limit = art_asprintf("%ld", max);
	if (write_file(dir, "pids.max", limit) < 0) {
		rmdir(dir);
		free(dir);
		dir = NULL;
	}
out:
	free(mnt);
	free(own);
	free(parent);
	free(limit);
	free(pidsmax);
	return dir;
}

int art_pidlimit_open(art_pidlimit *pl, long max, art_err *e)
{
	memset(pl, 0, sizeof *pl);
	pl->max = max;
	if (max <= 0)
		return 0;
	if ((pl->cgroup = make_cgroup(max)) != NULL)
		return 0;
	if (geteuid() == 0)
		return art_errf(e, ART_EXIT_LOCAL,
				"--max-procs: no pids cgroup can be made here, and root is exempt from RLIMIT_NPROC: the limit would not hold");
	pl->rlimit = 1;
	return 0;
}

int art_pidlimit_enter(const art_pidlimit *pl, pid_t pid, art_err *e)
{
	char num[32];

	if (!pl->cgroup)
		return 0;
	snprintf(num, sizeof num, "%ld", (long)pid);
	if (write_file(pl->cgroup, "cgroup.procs", num) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "--max-procs: cannot enter %s",
				   pl->cgroup);
	return 0;
}

int art_pidlimit_hit(const art_pidlimit *pl)
{
	char *path, *buf = NULL, *max;
	size_t len;
	art_err ignored;
	int hit = 0;

	if (!pl->cgroup)
		return 0;
	path = art_join(pl->cgroup, "pids.events");
	if (art_read_path(path, 4096, &buf, &len, &ignored) == 0 &&
	    (max = strstr(buf, "max ")) != NULL)
		hit = strtol(max + 4, NULL, 10) > 0;
	free(buf);
	free(path);
	return hit;
}

void art_pidlimit_close(art_pidlimit *pl)
{
	if (pl->cgroup) {
		/* the cage's processes are gone, but the kernel may take a
		 * moment to let their cgroup go */
		for (int i = 0; i < 100 && rmdir(pl->cgroup) < 0 && errno == EBUSY; i++)
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		free(pl->cgroup);
		pl->cgroup = NULL;
	}
}
