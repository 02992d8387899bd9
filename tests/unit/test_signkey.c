/*
 * test_signkey.c - the signing key: made on first use (0600, in a 0700
 * directory), the same key afterwards, refused when others can read it or
 * when it is not a key, never made when not asked to; it signs envelopes
 * that verify with its public key.
 */
#include "check.h"
#include "dsse.h"
#include "fs.h"
#include "signkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fputs(text, f) == EOF) {
		(void)fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

int main(void)
{
	char dir[] = "/tmp/art-test-signkey.XXXXXX", *path;
	art_signkey k = { 0 }, k2 = { 0 };
	art_err e = { 0 };
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], *out = NULL;
	size_t len;
	struct stat st;
	json_t *env;

	CHECK(sodium_init() >= 0, "libsodium");
	if (!mkdtemp(dir))
		return 1;
	setenv("XDG_CONFIG_HOME", dir, 1);
	path = malloc(strlen(dir) + 32);
	sprintf(path, "%s/art/signing.key", dir);

	CHECK(art_signkey_load(&k, 0, &e) == ART_EXIT_INPUT, "no key, not asked to make one");
	CHECK(strstr(e.msg, "signing.key") != NULL, "names the file: %s", e.msg);
	CHECK(access(path, F_OK) < 0, "nothing made");

	CHECK(art_signkey_load(&k, 1, &e) == 0, "made: %s", e.msg);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "key is 0600");
	sprintf(path, "%s/art", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700, "its directory is 0700");
	sprintf(path, "%s/art/signing.key", dir);
	CHECK(strlen(k.keyid) == 64, "keyid");
	memcpy(pk, k.pk, sizeof pk);

	CHECK(art_signkey_load(&k2, 1, &e) == 0, "loaded: %s", e.msg);
	CHECK(!memcmp(k2.pk, pk, sizeof pk) && !strcmp(k2.keyid, k.keyid), "the same key");
	art_signkey_free(&k2);

	env = art_dsse_sign("t", (const unsigned char *)"x", 1, k.sk);
	CHECK(art_dsse_verify(env, pk, "t", &out, &len, &e) == 0, "signs: %s", e.msg);
	free(out);
	json_decref(env);
	art_signkey_free(&k);
	CHECK(k.sk == NULL, "freed");

	chmod(path, 0644);
	CHECK(art_signkey_load(&k, 1, &e) == ART_EXIT_INPUT, "a key others can read is refused");
	CHECK(strstr(e.msg, "chmod 600") != NULL, "says how to fix it: %s", e.msg);

	CHECK(write_file(path, "art-signing-key-v1 ed25519 c2hvcnQ=\n", 0600) == 0, "write");
	CHECK(art_signkey_load(&k, 1, &e) == ART_EXIT_INPUT, "a short seed is refused");
	CHECK(write_file(path, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0600) == 0, "write");
	CHECK(art_signkey_load(&k, 1, &e) == ART_EXIT_INPUT, "another kind of key is refused");

	/* two processes making it at once get the same key */
	unlink(path);
	{
		int fds[2][2], i;
		unsigned char got[2][crypto_sign_PUBLICKEYBYTES];
		pid_t pids[2];

		for (i = 0; i < 2; i++) {
			if (pipe(fds[i]) < 0 || (pids[i] = fork()) < 0)
				return 1;
			if (pids[i] == 0) {
				art_signkey c = { 0 };
				art_err ce = { 0 };

				if (art_signkey_load(&c, 1, &ce) != 0)
					_exit(1);
				_exit(write(fds[i][1], c.pk, sizeof c.pk) == sizeof c.pk ? 0 : 1);
			}
		}
		for (i = 0; i < 2; i++) {
			int status;

			CHECK(read(fds[i][0], got[i], sizeof got[i]) == sizeof got[i], "child %d", i);
			waitpid(pids[i], &status, 0);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d made or read it", i);
		}
		CHECK(!memcmp(got[0], got[1], sizeof got[0]), "racing processes share one key");
	}

	CHECK(art_rm_rf(dir) == 0, "cleanup");
	free(path);
	return CHECK_DONE();
}
