/*
 * storefile.c - the secret store's sealed file; see store.h.
 *
 * Apart from store.c because it is the larger backend, with a format and
 * a discipline of its own: the file format (a header, then the plaintext
 * sealed with XChaCha20-Poly1305, the header as associated data), where
 * its key comes from (a systemd credential, a key file, or the kernel
 * keyring through storering.c), the JSON plaintext read and written here
 * so that values never leave guarded memory, the lock beside the file and
 * its atomic replacement.
 */
#define _GNU_SOURCE
#include "storeimpl.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

#define STORE_KEY_DESC "art:store-key" /* the file's key, when in the keyring */
#define CRED_NAME "art-store-key"    /* systemd LoadCredential= name */
#define FILE_NAME "secrets"
#define LOCK_NAME "secrets.lock"
#define MAGIC "ART-STORE-1\n"
#define MAGIC_LEN (sizeof MAGIC - 1)
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define HEAD_LEN (MAGIC_LEN + NONCE_LEN) /* also the AD: the header is sealed too */
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define KEY_FILE_MAX 66 /* 64 hex digits and a newline, plus one to see more */
#define FILE_MAX (16u << 20)
#define B64 sodium_base64_VARIANT_ORIGINAL

typedef struct ent {
	char *name;       /* malloc'd */
	const char *b64;  /* the value in base64: in the plaintext, or own */
	size_t b64len;
	char *own;        /* guarded memory, for a value put now */
} ent;

/* One use of the store file, under its lock. */
typedef struct txn {
	int dirfd, lockfd;
	int exists;                 /* the store file is there */
	const unsigned char *key;   /* NULL: none yet, so nothing stored */
	unsigned char *ring_key;    /* the key read from the keyring, owned */
	char *plain;                /* the opened store, guarded memory */
	size_t plen;
	ent *ents;
	size_t n, cap;
} txn;

enum { T_READ, T_DEL, T_PUT };

/* The key in a file: exactly 32 bytes, or 64 hex digits and maybe a
 * newline.  check_mode: others must not be able to read it (systemd
 * guards its credentials itself, with ACLs that show in the mode). */
static int key_file(art_store *s, const char *path, int check_mode,
		    art_err *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc = 0, err;
	size_t got = 0, bin = 0;
	const char *endp = NULL;
	struct stat st;
	ssize_t n = 1;
	char *buf;

	if (fd < 0)
		return art_err_sys(e, ART_EXIT_INPUT,
				   "%s: cannot read the key of the secret store", path);
	if (fstat(fd, &st) < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
	else if (!S_ISREG(st.st_mode))
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: the key of the secret store must be a regular file", path);
	else if (check_mode && (st.st_mode & 077))
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: others may read this key of the secret store (mode %03o); chmod 600 it",
			      path, (unsigned)(st.st_mode & 0777));
	if (rc) {
		close(fd);
		return rc;
	}
	buf = art_store_alloc(KEY_FILE_MAX);
	while (got < KEY_FILE_MAX && (n = read(fd, buf + got, KEY_FILE_MAX - got)) != 0) {
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			break;
	}
	err = errno;
	close(fd);
	s->key = art_store_alloc(KEY_LEN);
	if (n < 0) {
		errno = err;
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
	} else if (got == KEY_LEN) {
		memcpy(s->key, buf, KEY_LEN);
	} else if (!((got == 2 * KEY_LEN ||
		      (got == 2 * KEY_LEN + 1 && buf[2 * KEY_LEN] == '\n')) &&
		     sodium_hex2bin(s->key, KEY_LEN, buf, 2 * KEY_LEN, NULL, &bin,
				    &endp) == 0 &&
		     bin == KEY_LEN && endp == buf + 2 * KEY_LEN)) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: not a key for the secret store (32 bytes, or 64 hexadecimal digits)",
			      path);
	}
	sodium_free(buf);
	if (rc) {
		sodium_free(s->key);
		s->key = NULL;
	}
	return rc;
}

/* $CREDENTIALS_DIRECTORY/art-store-key when there is one, else NULL. */
char *art_store_cred_path(void)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	struct stat st;
	char *p;

	if (!dir || !*dir)
		return NULL;
	p = art_join(dir, CRED_NAME);
	if (stat(p, &st) == 0)
		return p;
	free(p);
	return NULL;
}

int art_store_file_open(art_store *s, art_err *e)
{
	const char *kf = getenv("ART_STORE_KEY_FILE");
	char *cred;
	int rc;

	if ((rc = art_user_dir("XDG_STATE_HOME", ".local/state", "the secret store",
			       &s->dir, e)) != 0)
		return rc;
	s->path = art_join(s->dir, FILE_NAME);
	if ((cred = art_store_cred_path()) != NULL) {
		rc = key_file(s, cred, 0, e);
		free(cred);
		return rc;
	}
	if (kf && *kf)
		return key_file(s, kf, 1, e);
	return art_ring_open(&s->ring, "the key of the secret store", e);
}

/* Read the store file, refusing one that others could have put there or
 * read: *ct NULL when there is none. */
static int file_read(art_store *s, txn *t, unsigned char **ct, size_t *len,
		     art_err *e)
{
	int fd = openat(t->dirfd, FILE_NAME,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc = 0;
	struct stat st;
	ssize_t n = 1;
	size_t got = 0;

	*ct = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			return art_errf(e, ART_EXIT_LOCAL,
					"%s: is a symbolic link; art keeps secrets only in a regular file",
					s->path);
		return art_err_sys(e, ART_EXIT_LOCAL, "%s", s->path);
	}
	if (fstat(fd, &st) < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", s->path);
	else if (!S_ISREG(st.st_mode))
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: not a regular file", s->path);
	else if (st.st_uid != geteuid())
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "%s: belongs to uid %u, not to you; art will not use it",
			      s->path, (unsigned)st.st_uid);
	else if (st.st_mode & 077)
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "%s: others may read it (mode %03o); chmod 600 it and consider its secrets exposed",
			      s->path, (unsigned)(st.st_mode & 0777));
	else if ((size_t)st.st_size > FILE_MAX)
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: larger than %u bytes",
			      s->path, FILE_MAX);
	if (rc) {
		close(fd);
		return rc;
	}
	*ct = art_xmalloc((size_t)st.st_size);
	/* under the lock the file is only ever replaced, never changed */
	while (got < (size_t)st.st_size &&
	       (n = read(fd, *ct + got, (size_t)st.st_size - got)) != 0) {
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			break;
	}
	if (n < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", s->path);
	close(fd);
	if (rc) {
		free(*ct);
		*ct = NULL;
	}
	*len = got;
	t->exists = !rc;
	return rc;
}

/* The key, when it is kept in the kernel keyring; made when there is no
 * store file yet (to put the first secret, under the exclusive lock: no
 * other process makes one meanwhile). */
static int ring_key(art_store *s, txn *t, art_err *e)
{
	key_serial_t id;
	char *k = NULL;
	size_t len = 0;
	int rc, found;

	if ((rc = art_ring_find(s->ring, STORE_KEY_DESC, &id, e)) != 0 ||
	    (id && (rc = art_ring_read(id, STORE_KEY_DESC, &k, &len, e)) != 0))
		return rc;
	if (k && len == KEY_LEN) {
		t->key = t->ring_key = (unsigned char *)k;
		return 0;
	}
	found = k != NULL;
	art_secret_free(k);
	if (t->exists && found)
		return art_errf(e, ART_EXIT_LOCAL,
				"%s: cannot be opened: " STORE_KEY_DESC " in the kernel keyring is not a %u-byte key",
				s->path, (unsigned)KEY_LEN);
	if (t->exists)
		return art_errf(e, ART_EXIT_LOCAL,
				"%s: cannot be opened: it was sealed with a key that is no longer in the kernel keyring (reboot?); remove it and store the secrets again",
				s->path);
	t->ring_key = art_store_alloc(KEY_LEN);
	randombytes_buf(t->ring_key, KEY_LEN);
	if ((rc = art_ring_put(s->ring, STORE_KEY_DESC, t->ring_key, KEY_LEN, e)) != 0)
		return rc;
	t->key = t->ring_key;
	return 0;
}

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A name in JSON string syntax, *p just past its opening quote. */
static char *parse_name(const char **pp)
{
	char buf[ART_STORE_NAME_MAX + 1];
	const char *p = *pp;
	size_t n = 0;
	int k, d;

	while (*p && *p != '"') {
		unsigned c = (unsigned char)*p++;

		if (c == '\\') {
			c = (unsigned char)*p++;
			if (c == 'u') {
				for (c = 0, k = 0; k < 4; k++) {
					if ((d = hexval(*p++)) < 0)
						return NULL;
					c = c * 16 + (unsigned)d;
				}
			} else if (c != '"' && c != '\\' && c != '/') {
				return NULL;
			}
		}
		if (c <= ' ' || c > '~' || n == ART_STORE_NAME_MAX)
			return NULL;
		buf[n++] = (char)c;
	}
	if (*p != '"' || n == 0)
		return NULL;
	buf[n] = '\0';
	*pp = p + 1;
	return art_strdup(buf);
}

static int is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/*
 * The plaintext: a JSON object {name: base64 value}.  Parsed here, not by
 * jansson, which would copy the values into ordinary heap memory; the
 * entries point into the plaintext.  -1 when it is not what art writes.
 */
static int parse(txn *t)
{
	const char *p = t->plain, *v;
	char *name;

	skip_ws(&p);
	if (*p++ != '{')
		return -1;
	skip_ws(&p);
	if (*p == '}')
		p++;
	else
		for (;;) {
			if (*p++ != '"' || !(name = parse_name(&p)))
				return -1;
			art_grow(&t->ents, &t->cap, t->n + 1, sizeof *t->ents);
			t->ents[t->n++] = (ent){ .name = name };
			skip_ws(&p);
			if (*p++ != ':')
				return -1;
			skip_ws(&p);
			if (*p++ != '"')
				return -1;
			for (v = p; is_b64(*p); p++)
				;
			if (*p != '"')
				return -1;
			t->ents[t->n - 1].b64 = v;
			t->ents[t->n - 1].b64len = (size_t)(p++ - v);
			skip_ws(&p);
			if (*p == '}') {
				p++;
				break;
			}
			if (*p++ != ',')
				return -1;
			skip_ws(&p);
		}
	skip_ws(&p);
	return p == t->plain + t->plen ? 0 : -1;
}

static void txn_end(txn *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->ents[i].name);
		sodium_free(t->ents[i].own);
	}
	free(t->ents);
	sodium_free(t->plain);
	sodium_free(t->ring_key);
	if (t->lockfd >= 0)
		close(t->lockfd); /* releases the lock */
	if (t->dirfd >= 0)
		close(t->dirfd);
}

/* Lock the store (readers shared, writers exclusive) and open it; no
 * entries when nothing is stored.  The caller ends t with txn_end. */
static int txn_begin(art_store *s, int mode, txn *t, art_err *e)
{
	unsigned char *ct = NULL;
	size_t len = 0;
	int rc;

	memset(t, 0, sizeof *t);
	t->dirfd = t->lockfd = -1;
	t->key = s->key;
	if (mode == T_PUT && (rc = art_mkdir_private(s->dir, e)) != 0)
		return rc;
	if ((t->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (mode != T_PUT && errno == ENOENT)
			return 0; /* nothing stored yet */
		return art_err_sys(e, ART_EXIT_LOCAL, "%s", s->dir);
	}
	t->lockfd = openat(t->dirfd, LOCK_NAME,
			   (mode == T_READ ? O_RDONLY : O_RDWR) | O_CREAT |
			   O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->lockfd < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "%s/%s", s->dir, LOCK_NAME);
	while (flock(t->lockfd, mode == T_READ ? LOCK_SH : LOCK_EX) < 0)
		if (errno != EINTR)
			return art_err_sys(e, ART_EXIT_LOCAL, "cannot lock %s/%s",
					   s->dir, LOCK_NAME);
	if ((rc = file_read(s, t, &ct, &len, e)) != 0)
		return rc;
	if (!t->exists && mode != T_PUT)
		goto out; /* nothing stored: no key needed, none made */
	if (!t->key && (rc = ring_key(s, t, e)) != 0)
		goto out;
	if (!t->exists)
		goto out;
	if (len < HEAD_LEN + TAG_LEN || memcmp(ct, MAGIC, MAGIC_LEN)) {
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: not an art secret store", s->path);
		goto out;
	}
	t->plen = len - HEAD_LEN - TAG_LEN;
	t->plain = art_store_alloc(t->plen + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    (unsigned char *)t->plain, NULL, NULL, ct + HEAD_LEN,
		    len - HEAD_LEN, ct, HEAD_LEN, ct + MAGIC_LEN, t->key) != 0) {
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "%s: cannot be opened: wrong key or damaged file", s->path);
		goto out;
	}
	t->plain[t->plen] = '\0';
	if (parse(t) < 0)
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "%s: damaged: not the secrets art writes", s->path);
out:
	free(ct);
	return rc;
}

/* Write data as the new store file: a temporary file, fsync, rename,
 * fsync of the directory. */
static int replace_file(art_store *s, txn *t, const void *data, size_t len,
			art_err *e)
{
	char tmp[32];
	int fd = -1, tries, rc = 0;

	for (tries = 0; fd < 0 && tries < 100; tries++) {
		snprintf(tmp, sizeof tmp, ".%s.%08x", FILE_NAME,
			 (unsigned)randombytes_random());
		fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					     O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot create a file in %s",
				   s->dir);
	/* 0600 whatever the umask: reading refuses anything else */
	if (fchmod(fd, 0600) < 0 || art_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", s->path);
		close(fd);
	} else if (close(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", s->path);
	} else if (renameat(t->dirfd, tmp, t->dirfd, FILE_NAME) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot rename onto %s", s->path);
	} else {
		/* the rename itself must reach the disk */
		if (fsync(t->dirfd) < 0 && errno != EINVAL)
			return art_err_sys(e, ART_EXIT_LOCAL, "cannot sync %s", s->dir);
		return 0;
	}
	unlinkat(t->dirfd, tmp, 0);
	return rc;
}

/* Seal the entries with a new nonce and replace the store file. */
static int txn_commit(art_store *s, txn *t, art_err *e)
{
	size_t cap = 2, i, plen;
	unsigned long long clen;
	unsigned char *out;
	char *plain, *p;
	const char *c;
	int rc;

	for (i = 0; i < t->n; i++)
		cap += 6 + 2 * strlen(t->ents[i].name) + t->ents[i].b64len;
	p = plain = art_store_alloc(cap);
	*p++ = '{';
	for (i = 0; i < t->n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (c = t->ents[i].name; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		memcpy(p, "\":\"", 3);
		p += 3;
		memcpy(p, t->ents[i].b64, t->ents[i].b64len);
		p += t->ents[i].b64len;
		*p++ = '"';
	}
	*p++ = '}';
	plen = (size_t)(p - plain);
	out = art_xmalloc(HEAD_LEN + plen + TAG_LEN);
	memcpy(out, MAGIC, MAGIC_LEN);
	randombytes_buf(out + MAGIC_LEN, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + HEAD_LEN, &clen,
						   (unsigned char *)plain, plen,
						   out, HEAD_LEN, NULL,
						   out + MAGIC_LEN, t->key);
	sodium_free(plain);
	rc = replace_file(s, t, out, HEAD_LEN + (size_t)clen, e);
	free(out);
	return rc;
}

static long find(const txn *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->ents[i].name, name))
			return (long)i;
	return -1;
}

int art_store_file_get(art_store *s, const char *name, char **val,
		       size_t *len, art_err *e)
{
	size_t max, n;
	txn t;
	long i;
	char *v;
	int rc = txn_begin(s, T_READ, &t, e);

	if (!rc && (i = find(&t, name)) >= 0) {
		max = t.ents[i].b64len / 4 * 3 + 3;
		v = art_store_alloc(max + 1);
		if (sodium_base642bin((unsigned char *)v, max, t.ents[i].b64,
				      t.ents[i].b64len, NULL, &n, NULL, B64) < 0) {
			sodium_free(v);
			rc = art_errf(e, ART_EXIT_LOCAL,
				      "%s: damaged: the value of %s is not base64",
				      s->path, name);
		} else {
			v[n] = '\0';
			*val = v;
			*len = n;
		}
	}
	txn_end(&t);
	return rc;
}

int art_store_file_put(art_store *s, const char *name, const void *val,
		       size_t len, art_err *e)
{
	size_t blen = sodium_base64_encoded_len(len, B64);
	txn t;
	long i;
	char *b;
	int rc = txn_begin(s, T_PUT, &t, e);

	if (!rc) {
		b = art_store_alloc(blen);
		sodium_bin2base64(b, blen, val, len, B64);
		if ((i = find(&t, name)) < 0) {
			art_grow(&t.ents, &t.cap, t.n + 1, sizeof *t.ents);
			i = (long)t.n++;
			t.ents[i] = (ent){ .name = art_strdup(name) };
		}
		sodium_free(t.ents[i].own);
		t.ents[i].own = b;
		t.ents[i].b64 = b;
		t.ents[i].b64len = strlen(b);
		rc = txn_commit(s, &t, e);
	}
	txn_end(&t);
	return rc;
}

int art_store_file_del(art_store *s, const char *name, art_err *e)
{
	txn t;
	long i;
	int rc = txn_begin(s, T_DEL, &t, e);

	if (!rc && (i = find(&t, name)) >= 0) {
		/* find() found it, so t.ents is set; the analyzer misses that:
		 * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		free(t.ents[i].name);
		sodium_free(t.ents[i].own);
		memmove(&t.ents[i], &t.ents[i + 1],
			(t.n - (size_t)i - 1) * sizeof *t.ents);
		t.n--;
		rc = txn_commit(s, &t, e);
	}
	txn_end(&t);
	return rc;
}
