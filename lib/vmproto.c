/* vmproto.c - the frames of art-vm's microVM channel; see vmproto.h. */
#include "vmproto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

void art_vmf_header(unsigned char h[ART_VMF_HEADER], int type, size_t len)
{
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
}

int art_vmf_write(int fd, int type, const void *data, size_t len)
{
	unsigned char h[ART_VMF_HEADER];
	struct iovec iov[2] = { { h, sizeof h }, { (void *)data, len } };
	struct iovec *v = iov;
	int n = 2;

	if (len > ART_VMF_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	art_vmf_header(h, type, len);
	while (n > 0) {
		ssize_t w = writev(fd, v, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

void art_vmf_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

uint32_t art_vmf_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put32(unsigned char *p, int32_t v)
{
	art_vmf_put32(p, (uint32_t)v);
}

static int32_t get32(const unsigned char *p)
{
	return (int32_t)art_vmf_get32(p);
}

void art_vm_end_pack(unsigned char out[ART_VM_END_SIZE], const art_vm_end *x)
{
	put32(out, x->exited);
	put32(out + 4, x->code);
	put32(out + 8, x->signal);
	put32(out + 12, x->exec_errno);
}

void art_vm_end_unpack(art_vm_end *x, const unsigned char in[ART_VM_END_SIZE])
{
	x->exited = get32(in);
	x->code = get32(in + 4);
	x->signal = get32(in + 8);
	x->exec_errno = get32(in + 12);
}

int art_vmf_feed(art_vmf_reader *r, const void *data, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		unsigned char *b;

		while (cap < r->len + n)
			cap *= 2;
		if (!(b = realloc(r->buf, cap)))
			return -1;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return 0;
}

int art_vmf_next(art_vmf_reader *r, int *type, const unsigned char **data,
		 size_t *len)
{
	size_t n;

	if (r->taken) {
		memmove(r->buf, r->buf + r->taken, r->len - r->taken);
		r->len -= r->taken;
		r->taken = 0;
	}
	if (r->broken)
		return -1;
	if (r->len < ART_VMF_HEADER)
		return 0;
	n = (size_t)r->buf[1] << 24 | (size_t)r->buf[2] << 16 |
	    (size_t)r->buf[3] << 8 | r->buf[4];
	if (n > ART_VMF_MAX) {
		r->broken = 1;
		return -1;
	}
	if (r->len < ART_VMF_HEADER + n)
		return 0;
	*type = r->buf[0];
	*data = r->buf + ART_VMF_HEADER;
	*len = n;
	r->taken = ART_VMF_HEADER + n;
	return 1;
}

void art_vmf_reader_free(art_vmf_reader *r)
{
	free(r->buf);
	*r = (art_vmf_reader){ 0 };
}
