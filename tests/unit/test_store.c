/*
 * test_store.c - the secret store.  The file backend: put, get, replace,
 * del, binary values, 0600 in a 0700 directory, refused when the key is
 * wrong, the file tampered with, a symlink, others' or readable by them,
 * the key file readable by others or not a key; the systemd credential
 * before the key file; concurrent writers lose nothing.  The keyring
 * backend with names of its own, removed afterwards; refused cleanly when
 * seccomp forbids keyctl; the file's key kept in the kernel keyring, in a
 * user namespace of its own so that the user's real key is never touched.
 * Backend selection and ART_STORE.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <keyutils.h>
#include <sched.h>
#include <seccomp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[4096];

static char *at(const char *rel)
{
	return art_join(dir, rel);
}

static int write_bytes(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd, rc;

	unlink(path); /* it may be read-only */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -1;
	rc = art_write_all(fd, data, len);
	close(fd);
	return rc < 0 ? -1 : chmod(path, mode);
}

static int read_bytes(const char *path, unsigned char **buf, size_t *len)
{
	art_err e = { 0 };

	return art_read_path(path, 1 << 20, (char **)buf, len, &e);
}

/* A key file of 64 hex digits and a newline, from key. */
static int write_hex_key(const char *path, const unsigned char *key)
{
	char hex[66];

	sodium_bin2hex(hex, 65, key, 32);
	hex[64] = '\n'; /* over the NUL after the 64 digits */
	return write_bytes(path, hex, 65, 0600);
}

/* get name and compare with want (NULL: not stored). */
static int has(art_store *s, const char *name, const void *want, size_t wlen)
{
	art_err e = { 0 };
	char *v = NULL;
	size_t n = 99;
	int ok;

	if (art_store_get(s, name, &v, &n, &e) != 0) {
		fprintf(stderr, "get %s: %s\n", name, e.msg);
		return 0;
	}
	if (!want)
		ok = v == NULL && n == 0;
	else
		ok = v && n == wlen && !memcmp(v, want, wlen) && v[n] == '\0';
	art_secret_free(v);
	return ok;
}

static void test_secret_dup(void)
{
	char *s = art_secret_dup("abc", 3), *z = art_secret_dup(NULL, 0);

	CHECK(!strcmp(s, "abc"), "a copy, NUL-terminated");
	CHECK(z && z[0] == '\0', "an empty copy");
	art_secret_free(s);
	art_secret_free(z);
	art_secret_free(NULL);
}

static void test_selection(void)
{
	art_store *s = NULL;
	art_err e = { 0 };

	setenv("ART_STORE", "bogus", 1);
	CHECK(art_store_open(NULL, &s, &e) == ART_EXIT_USAGE && !s, "ART_STORE=bogus");
	CHECK(strstr(e.msg, "ART_STORE") != NULL, "names ART_STORE: %s", e.msg);
	unsetenv("ART_STORE");
	CHECK(art_store_open("bogus", &s, &e) == ART_EXIT_USAGE && !s, "an unknown backend");

	/* a key file is configured: the file */
	CHECK(art_store_open(NULL, &s, &e) == 0, "default: %s", e.msg);
	CHECK(s && !strcmp(art_store_backend(s), "file"), "a key file chooses the file");
	art_store_close(s);
	s = NULL;
	setenv("ART_STORE", "file", 1);
	CHECK(art_store_open(NULL, &s, &e) == 0 && !strcmp(art_store_backend(s), "file"),
	      "ART_STORE=file: %s", e.msg);
	art_store_close(s);
	s = NULL;
	setenv("ART_STORE", "keyring", 1);
	if (art_store_open(NULL, &s, &e) == 0)
		CHECK(!strcmp(art_store_backend(s), "keyring"), "ART_STORE=keyring");
	else
		CHECK(e.status == ART_EXIT_LOCAL, "no keyring here is LOCAL: %s", e.msg);
	art_store_close(s);
	unsetenv("ART_STORE");
}

static void test_file(const char *keyfile)
{
	const char *tok = "core:http://127.0.0.1:8080:token";
	static const unsigned char bin[] = { 0, 1, 0, 255, '"', '\\', 0 };
	char *path = at("state/art/secrets"), *adir = at("state/art");
	char name200[201], name201[202], *v = NULL;
	art_store *s = NULL, *s2 = NULL;
	art_err e = { 0 };
	struct stat st;
	unsigned char *raw = NULL;
	size_t n, rn;

	CHECK(art_store_open("file", &s, &e) == 0, "open: %s", e.msg);
	if (!s)
		goto out;
	CHECK(has(s, tok, NULL, 0), "nothing stored yet");
	CHECK(art_store_del(s, tok, &e) == 0, "del with no store: %s", e.msg);
	CHECK(access(path, F_OK) < 0, "reading and deleting made no file");

	CHECK(art_store_put(s, tok, "tok1", 4, &e) == 0, "put: %s", e.msg);
	CHECK(has(s, tok, "tok1", 4), "get");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the store is 0600");
	CHECK(stat(adir, &st) == 0 && (st.st_mode & 0777) == 0700, "its directory is 0700");
	CHECK(read_bytes(path, &raw, &n) == 0 && n > 36 && !memcmp(raw, "ART-STORE-1\n", 12),
	      "the header");
	CHECK(raw && !memmem(raw, n, "tok1", 4) && !memmem(raw, n, "dG9rMQ", 6) &&
	      !memmem(raw, n, "core:", 5), "sealed: no name, no value in clear");
	free(raw);
	raw = NULL;

	CHECK(art_store_put(s, tok, "tok2-longer", 11, &e) == 0, "replace: %s", e.msg);
	CHECK(has(s, tok, "tok2-longer", 11), "replaced");
	CHECK(art_store_put(s, "bin", bin, sizeof bin, &e) == 0, "binary: %s", e.msg);
	CHECK(has(s, "bin", bin, sizeof bin), "binary value with NUL bytes");
	CHECK(art_store_put(s, "q\"uo\\te/", "x", 1, &e) == 0, "quotes in a name: %s", e.msg);

	/* another store object sees it all */
	CHECK(art_store_open(NULL, &s2, &e) == 0, "reopen: %s", e.msg);
	if (s2) {
		CHECK(has(s2, tok, "tok2-longer", 11), "persisted");
		CHECK(has(s2, "q\"uo\\te/", "x", 1), "name with quotes persisted");
		CHECK(has(s2, "bin", bin, sizeof bin), "binary persisted");
		art_store_close(s2);
		s2 = NULL;
	}
	CHECK(art_store_get(s, "bin", &v, NULL, &e) == 0 && v, "len may be NULL");
	art_secret_free(v);

	CHECK(art_store_del(s, tok, &e) == 0, "del: %s", e.msg);
	CHECK(has(s, tok, NULL, 0), "deleted");
	CHECK(has(s, "bin", bin, sizeof bin), "the others stay");
	CHECK(art_store_del(s, tok, &e) == 0, "del again: %s", e.msg);
	CHECK(has(s, "missing", NULL, 0), "a missing name");

	/* names and values */
	memset(name200, 'n', 200);
	name200[200] = '\0';
	memset(name201, 'n', 201);
	name201[201] = '\0';
	CHECK(art_store_put(s, name200, "x", 1, &e) == 0, "a 200-byte name: %s", e.msg);
	CHECK(has(s, name200, "x", 1), "a 200-byte name is kept");
	CHECK(art_store_put(s, name201, "x", 1, &e) == ART_EXIT_INPUT, "a 201-byte name");
	CHECK(art_store_put(s, "", "x", 1, &e) == ART_EXIT_INPUT, "an empty name");
	CHECK(art_store_put(s, "a b", "x", 1, &e) == ART_EXIT_INPUT, "a space");
	CHECK(art_store_put(s, "a\tb", "x", 1, &e) == ART_EXIT_INPUT, "a tab");
	CHECK(art_store_put(s, "caf\xc3\xa9", "x", 1, &e) == ART_EXIT_INPUT, "not ASCII");
	CHECK(art_store_get(s, "a b", &v, &n, &e) == ART_EXIT_INPUT && !v, "get checks names");
	CHECK(art_store_del(s, "", &e) == ART_EXIT_INPUT, "del checks names");
	CHECK(art_store_put(s, "empty", "", 0, &e) == ART_EXIT_INPUT, "an empty value");
	{
		char *big = calloc(1, ART_STORE_VALUE_MAX + 1);

		CHECK(art_store_put(s, "big", big, ART_STORE_VALUE_MAX, &e) == 0,
		      "the largest value: %s", e.msg);
		CHECK(has(s, "big", big, ART_STORE_VALUE_MAX), "the largest value is kept");
		CHECK(art_store_put(s, "big", big, ART_STORE_VALUE_MAX + 1, &e) == ART_EXIT_INPUT,
		      "a value too large");
		free(big);
	}

	/* a group-readable store file */
	chmod(path, 0640);
	CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL && !v, "group-readable store");
	CHECK(strstr(e.msg, path) != NULL, "names the file: %s", e.msg);
	CHECK(art_store_put(s, "bin", "x", 1, &e) == ART_EXIT_LOCAL, "not written either");
	chmod(path, 0600);
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0, "chown");
		CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL, "another's store");
		CHECK(strstr(e.msg, "uid 65534") != NULL, "says whose: %s", e.msg);
		CHECK(chown(path, 0, 0) == 0, "chown back");
	}

	/* a symlinked store file */
	{
		char *real = at("state/art/secrets.real");

		CHECK(rename(path, real) == 0 && symlink(real, path) == 0, "symlink");
		CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL && !v, "symlink refused");
		CHECK(strstr(e.msg, path) && strstr(e.msg, "symbolic link"), "says so: %s", e.msg);
		CHECK(art_store_put(s, "bin", "x", 1, &e) == ART_EXIT_LOCAL, "no write through a symlink");
		CHECK(lstat(real, &st) == 0 && S_ISREG(st.st_mode), "the target untouched");
		CHECK(unlink(path) == 0 && rename(real, path) == 0, "restore");
		free(real);
	}
	CHECK(has(s, "bin", bin, sizeof bin), "fine again");

	/* tampered: a byte of the ciphertext, then of the nonce (the AD) */
	CHECK(read_bytes(path, &raw, &rn) == 0, "read");
	if (raw) {
		size_t pos[2] = { rn - 1, 20 }, i;

		for (i = 0; i < 2; i++) {
			raw[pos[i]] ^= 1;
			CHECK(write_bytes(path, raw, rn, 0600) == 0, "write");
			CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL && !v,
			      "tampered at %zu", pos[i]);
			CHECK(strstr(e.msg, "wrong key or damaged file") && strstr(e.msg, path),
			      "says so: %s", e.msg);
			raw[pos[i]] ^= 1;
		}
		CHECK(write_bytes(path, raw, rn, 0600) == 0, "restore");
		CHECK(write_bytes(path, raw, 30, 0600) == 0, "truncate");
		CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL, "a truncated store");
		CHECK(write_bytes(path, raw, rn, 0600) == 0, "restore");
		free(raw);
		raw = NULL;
	}
	CHECK(has(s, "bin", bin, sizeof bin), "fine again");
	art_store_close(s);
	s = NULL;

	/* a wrong key: refused, and the store is not overwritten */
	{
		char *other = at("other.key");
		unsigned char k[32], *before = NULL, *after = NULL;
		size_t nb = 0, na = 0;

		randombytes_buf(k, sizeof k);
		CHECK(write_bytes(other, k, sizeof k, 0600) == 0, "raw key file");
		setenv("ART_STORE_KEY_FILE", other, 1);
		CHECK(art_store_open("file", &s, &e) == 0, "a raw key: %s", e.msg);
		CHECK(read_bytes(path, &before, &nb) == 0, "read");
		if (s) {
			CHECK(art_store_get(s, "bin", &v, &n, &e) == ART_EXIT_LOCAL && !v, "wrong key");
			CHECK(strstr(e.msg, "wrong key") && strstr(e.msg, path), "says so: %s", e.msg);
			CHECK(art_store_put(s, "new", "x", 1, &e) == ART_EXIT_LOCAL, "no put");
			CHECK(art_store_del(s, "bin", &e) == ART_EXIT_LOCAL, "no del");
		}
		CHECK(read_bytes(path, &after, &na) == 0 && na == nb && !memcmp(before, after, na),
		      "the store is untouched");
		free(before);
		free(after);
		art_store_close(s);
		s = NULL;

		/* the systemd credential comes before the key file */
		{
			char *creds = at("creds"), *cred = at("creds/art-store-key");
			unsigned char *good = NULL;
			size_t gl = 0;

			mkdir(creds, 0700);
			CHECK(read_bytes(keyfile, &good, &gl) == 0, "read key");
			/* systemd's ACLs may show as group bits: not refused */
			CHECK(good && write_bytes(cred, good, gl, 0440) == 0, "credential");
			setenv("CREDENTIALS_DIRECTORY", creds, 1);
			CHECK(art_store_open(NULL, &s, &e) == 0, "credential: %s", e.msg);
			CHECK(s && !strcmp(art_store_backend(s), "file"), "a credential chooses the file");
			if (s)
				CHECK(has(s, "bin", bin, sizeof bin), "opened with the credential");
			art_store_close(s);
			s = NULL;
			CHECK(write_bytes(cred, "short", 5, 0400) == 0, "bad credential");
			CHECK(art_store_open("file", &s, &e) == ART_EXIT_INPUT && !s, "bad credential");
			CHECK(strstr(e.msg, cred) != NULL, "names it: %s", e.msg);
			unsetenv("CREDENTIALS_DIRECTORY");
			free(good);
			free(cred);
			free(creds);
		}

		/* bad key files */
		chmod(other, 0640);
		CHECK(art_store_open("file", &s, &e) == ART_EXIT_INPUT && !s, "group-readable key");
		CHECK(strstr(e.msg, other) && strstr(e.msg, "chmod 600"), "says so: %s", e.msg);
		CHECK(write_bytes(other, k, 31, 0600) == 0, "31 bytes");
		CHECK(art_store_open("file", &s, &e) == ART_EXIT_INPUT && !s, "a short key");
		CHECK(strstr(e.msg, other) != NULL, "names it: %s", e.msg);
		CHECK(write_hex_key(other, k) == 0, "hex");
		CHECK(art_store_open("file", &s, &e) == 0, "a hex key: %s", e.msg);
		art_store_close(s);
		s = NULL;
		{
			char hex[66];

			sodium_bin2hex(hex, sizeof hex, k, 32);
			hex[0] = 'z';
			CHECK(write_bytes(other, hex, 64, 0600) == 0, "bad hex");
			CHECK(art_store_open("file", &s, &e) == ART_EXIT_INPUT && !s, "bad hex");
		}
		unlink(other);
		CHECK(art_store_open("file", &s, &e) == ART_EXIT_INPUT && !s, "a missing key file");
		CHECK(strstr(e.msg, other) != NULL, "names it: %s", e.msg);
		CHECK(art_store_open(NULL, &s, &e) == ART_EXIT_INPUT && !s,
		      "a missing key file, by default too");
		setenv("ART_STORE_KEY_FILE", keyfile, 1);
		free(other);
	}
out:
	free(path);
	free(adir);
}

/* Two processes writing at once: the lock keeps every write. */
static void test_race(void)
{
	enum { PER = 15 };
	pid_t pids[2];
	art_store *s = NULL;
	art_err e = { 0 };
	int i, j, status, all = 1;

	for (i = 0; i < 2; i++) {
		if ((pids[i] = fork()) < 0)
			return;
		if (pids[i] == 0) {
			art_store *c = NULL;
			art_err ce = { 0 };
			char name[32];

			if (art_store_open("file", &c, &ce) != 0)
				_exit(1);
			for (j = 0; j < PER; j++) {
				snprintf(name, sizeof name, "race:%d:%d", i, j);
				if (art_store_put(c, name, name, strlen(name), &ce) != 0)
					_exit(2);
			}
			art_store_close(c);
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		waitpid(pids[i], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d", i);
	}
	CHECK(art_store_open("file", &s, &e) == 0, "open: %s", e.msg);
	if (!s)
		return;
	for (i = 0; i < 2; i++)
		for (j = 0; j < PER; j++) {
			char name[32];

			snprintf(name, sizeof name, "race:%d:%d", i, j);
			if (!has(s, name, name, strlen(name)))
				all = 0;
		}
	CHECK(all, "no write lost");
	art_store_close(s);
}

static int keyring_refused(const art_err *e)
{
	return e->status == ART_EXIT_LOCAL && strstr(e->msg, "not available here");
}

static void test_keyring(void)
{
	static const unsigned char bin[] = { 'a', 0, 'b', 0 };
	char prefix[64], n1[96], n2[96], *desc;
	art_store *s = NULL;
	art_err e = { 0 };
	long ring, id;
	void *d = NULL;

	if (art_store_open("keyring", &s, &e) != 0) {
		CHECK(e.status == ART_EXIT_LOCAL && !s, "refused cleanly: %s", e.msg);
		printf("test_store: kernel keyring not available, keyring tests skipped: %s\n", e.msg);
		return;
	}
	CHECK(!strcmp(art_store_backend(s), "keyring"), "keyring");
	snprintf(prefix, sizeof prefix, "art-test-store-%d-%08x", (int)getpid(),
		 (unsigned)randombytes_random());
	snprintf(n1, sizeof n1, "%s:token", prefix);
	snprintf(n2, sizeof n2, "%s:bin", prefix);

	CHECK(has(s, n1, NULL, 0), "not stored yet");
	CHECK(art_store_put(s, n1, "tok1", 4, &e) == 0, "put: %s", e.msg);
	CHECK(has(s, n1, "tok1", 4), "get");
	CHECK(art_store_put(s, n1, "tok2-longer", 11, &e) == 0, "replace: %s", e.msg);
	CHECK(has(s, n1, "tok2-longer", 11), "replaced");
	CHECK(art_store_put(s, n2, bin, sizeof bin, &e) == 0, "binary: %s", e.msg);
	CHECK(has(s, n2, bin, sizeof bin), "binary value");
	CHECK(art_store_put(s, "a b", "x", 1, &e) == ART_EXIT_INPUT, "names checked");

	/* its permissions: the user's, nobody else's */
	ring = keyctl_get_persistent((uid_t)-1, KEY_SPEC_PROCESS_KEYRING);
	if (ring < 0)
		ring = KEY_SPEC_USER_KEYRING;
	desc = art_asprintf("art:%s", n1);
	id = keyctl_search((key_serial_t)ring, "user", desc, 0);
	CHECK(id > 0, "the key is art:<name> in the persistent keyring");
	if (id > 0 && keyctl_describe_alloc((key_serial_t)id, (char **)&d) >= 0) {
		/* "user;UID;GID;PERM;DESCRIPTION", PERM in hexadecimal */
		const char *p = d;
		unsigned long perm = 0;
		int k;

		for (k = 0; k < 3 && p; k++)
			if ((p = strchr(p, ';')) != NULL)
				p++;
		if (p)
			perm = strtoul(p, NULL, 16);
		CHECK(perm == 0x3f3f0000, "possessor and user only: %s", (char *)d);
		free(d);
	}
	free(desc);

	/* another store object sees it */
	{
		art_store *s2 = NULL;

		CHECK(art_store_open("keyring", &s2, &e) == 0, "reopen: %s", e.msg);
		if (s2)
			CHECK(has(s2, n1, "tok2-longer", 11), "shared");
		art_store_close(s2);
	}

	CHECK(art_store_del(s, n1, &e) == 0, "del: %s", e.msg);
	CHECK(has(s, n1, NULL, 0), "deleted");
	CHECK(art_store_del(s, n1, &e) == 0, "del again: %s", e.msg);
	CHECK(has(s, n2, bin, sizeof bin), "the other stays");
	/* cleanup, whatever happened above */
	CHECK(art_store_del(s, n2, &e) == 0, "del: %s", e.msg);
	art_store_del(s, n1, &e);
	CHECK(has(s, n2, NULL, 0), "nothing left behind");
	art_store_close(s);
}

/* In a child where seccomp refuses keyctl, as container runtimes do:
 * both the keyring and the file's keyring key fail with the way out. */
static void test_no_keyring(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return;
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		art_store *s = NULL;
		art_err e = { 0 };

		if (!ctx ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0) ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(add_key), 0) ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(request_key), 0) ||
		    seccomp_load(ctx))
			_exit(77);
		if (art_store_open("keyring", &s, &e) != ART_EXIT_LOCAL ||
		    !strstr(e.msg, "ART_STORE=file") || !keyring_refused(&e)) {
			fprintf(stderr, "keyring without keyctl: %s\n", e.msg);
			_exit(1);
		}
		unsetenv("ART_STORE_KEY_FILE");
		if (art_store_open("file", &s, &e) != ART_EXIT_LOCAL ||
		    !strstr(e.msg, "ART_STORE_KEY_FILE") || !keyring_refused(&e)) {
			fprintf(stderr, "file without keyctl: %s\n", e.msg);
			_exit(2);
		}
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("test_store: seccomp unavailable, keyctl refusal not tested\n");
		return;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "refused cleanly without keyctl (%d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = art_write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* The file's key in the kernel keyring, in a new user namespace: its
 * persistent and user keyrings are its own and go with it. */
static int ring_key_child(void)
{
	char map[64], *path = at("state2/art/secrets"), *state;
	unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
	art_store *s = NULL;
	art_err e = { 0 };
	long ring, id;
	char *v = NULL;
	size_t n;

	if (unshare(CLONE_NEWUSER) < 0)
		return 77;
	snprintf(map, sizeof map, "0 %u 1", uid);
	if (write_proc("/proc/self/uid_map", map) < 0)
		return 77;
	write_proc("/proc/self/setgroups", "deny");
	snprintf(map, sizeof map, "0 %u 1", gid);
	if (write_proc("/proc/self/gid_map", map) < 0)
		return 77;
	ring = keyctl_get_persistent((uid_t)-1, KEY_SPEC_PROCESS_KEYRING);
	if (ring < 0)
		ring = KEY_SPEC_USER_KEYRING;
	if (keyctl_search((key_serial_t)ring, "user", "art:store-key", 0) >= 0)
		return 10; /* not a keyring of our own */

	unsetenv("ART_STORE_KEY_FILE");
	state = at("state2");
	setenv("XDG_STATE_HOME", state, 1);
	free(state);
	if (art_store_open(NULL, &s, &e) != 0 || strcmp(art_store_backend(s), "keyring"))
		return 11; /* no key file: the keyring */
	art_store_close(s);
	if (art_store_open("file", &s, &e) != 0)
		return 12;
	if (art_store_get(s, "x", &v, &n, &e) != 0 || v ||
	    keyctl_search((key_serial_t)ring, "user", "art:store-key", 0) >= 0)
		return 13; /* a read makes no key */
	if (art_store_put(s, "x", "secret", 6, &e) != 0 || !has(s, "x", "secret", 6))
		return 14;
	art_store_close(s);
	if (art_store_open("file", &s, &e) != 0 || !has(s, "x", "secret", 6))
		return 15; /* the same key again */
	id = keyctl_search((key_serial_t)ring, "user", "art:store-key", 0);
	if (id < 0 || keyctl_invalidate((key_serial_t)id) < 0)
		return 16;
	if (art_store_get(s, "x", &v, &n, &e) != ART_EXIT_LOCAL || v ||
	    !strstr(e.msg, "no longer in the kernel keyring") || !strstr(e.msg, path))
		return 17;
	if (art_store_put(s, "x", "again", 5, &e) != ART_EXIT_LOCAL)
		return 18; /* not overwritten with a new key */
	unlink(path);
	if (art_store_put(s, "x", "again", 5, &e) != 0 || !has(s, "x", "again", 5))
		return 19; /* removed: stored again, with a new key */
	art_store_close(s);
	free(path);
	return 0;
}

static void test_ring_key(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return;
	if (pid == 0)
		_exit(ring_key_child());
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("test_store: no user namespace, the file's keyring key not tested\n");
		return;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the file's key in the kernel keyring (step %d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	unsigned char key[32];
	char *keyfile;

	CHECK(sodium_init() >= 0, "libsodium");
	snprintf(dir, sizeof dir, "%s/art-test-store.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	keyfile = at("state");
	setenv("XDG_STATE_HOME", keyfile, 1);
	free(keyfile);
	unsetenv("ART_STORE");
	unsetenv("CREDENTIALS_DIRECTORY");
	keyfile = at("store.key");
	randombytes_buf(key, sizeof key);
	CHECK(write_hex_key(keyfile, key) == 0, "key file");
	setenv("ART_STORE_KEY_FILE", keyfile, 1);

	test_secret_dup();
	test_selection();
	test_file(keyfile);
	test_race();
	test_keyring();
	test_no_keyring();
	test_ring_key();

	CHECK(art_rm_rf(dir) == 0, "cleanup");
	free(keyfile);
	return CHECK_DONE();
}
