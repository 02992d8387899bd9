/*
 * vmproto.h - what art-vm and the init of its microVM (guest/init.c) say
 * to each other, on one virtio-serial port, "art.ctl".
 *
 * A stream of frames: a one-byte type, a four-byte big-endian length,
 * then that many bytes.  The command's output travels inside frames that
 * the guest's init makes, so nothing the command prints can pass for a
 * frame of init's own: its exit status cannot be forged from its output.
 *
 *   guest -> host   READY once init runs; OUT and ERR, the command's
 *                   output; END, how it ended (the last frame); FAIL,
 *                   why the guest could not run it (text)
 *                   ACK, how many bytes of input the command has taken
 *   host -> guest   PLAN records, then GO; IN, the command's input, and
 *                   IN of length 0 at its end; WINCH, the terminal's
 *                   size; SIGNAL, a signal for the command
 *
 * Input is sent ahead of ACKs by at most ART_VMF_WINDOW bytes, so that a
 * command that does not read its input holds the host's reading, not
 * init's memory.
 *
 * Kept free of everything but libc: the guest's init links it statically.
 */
#ifndef ART_VMPROTO_H
#define ART_VMPROTO_H

#include <stddef.h>
#include <stdint.h>

enum {
	ART_VMF_READY = 'R',
	ART_VMF_OUT = 'O',
	ART_VMF_ERR = 'E',
	ART_VMF_END = 'X',
	ART_VMF_FAIL = 'F',
	ART_VMF_PLAN = 'P',
	ART_VMF_GO = 'G',
	ART_VMF_IN = 'I',
	ART_VMF_WINCH = 'W',
	ART_VMF_SIGNAL = 'K',
	ART_VMF_ACK = 'A',
};

/* A PLAN frame holds one record: its kind (first byte), then its value. */
enum {
	ART_VMP_ARG = 'a',       /* one argument of the command, in order */
	ART_VMP_ENV = 'e',       /* NAME=value */
	ART_VMP_CWD = 'c',
	ART_VMP_UID = 'u',       /* decimal: the command's uid, and gid */
	ART_VMP_GID = 'g',
	ART_VMP_LOOPBACK = 'n',  /* present: bring lo up */
	ART_VMP_TTY = 't',       /* "rows cols": run it on a terminal */
	ART_VMP_MOUNT = 'm',     /* "ro TAG PATH" or "rw TAG PATH" (9p) */
	ART_VMP_PIN = 'p',       /* a path made read-only again */
	ART_VMP_HIDE = 'h',      /* a path covered with nothing */
	ART_VMP_FILE = 'f',      /* PATH, NUL, contents: a file of the guest's own */
	ART_VMP_NPROC = 'l',     /* decimal: RLIMIT_NPROC of the command */
};

#define ART_VMF_HEADER 5
/* Longer frames are a broken peer. */
#define ART_VMF_MAX (1024 * 1024)
/* Input in flight, not yet acknowledged. */
#define ART_VMF_WINDOW (256 * 1024)

/* The END frame's payload: four big-endian int32s. */
typedef struct art_vm_end {
	int32_t exited, code, signal, exec_errno;
} art_vm_end;
#define ART_VM_END_SIZE 16

void art_vmf_header(unsigned char h[ART_VMF_HEADER], int type, size_t len);

/* Write one whole frame to fd (blocking; EINTR retried): 0, or -1 with
 * errno. */
int art_vmf_write(int fd, int type, const void *data, size_t len);

/* A four-byte big-endian count (ACK, WINCH's rows and columns). */
void art_vmf_put32(unsigned char *p, uint32_t v);
uint32_t art_vmf_get32(const unsigned char *p);

void art_vm_end_pack(unsigned char out[ART_VM_END_SIZE], const art_vm_end *x);
void art_vm_end_unpack(art_vm_end *x, const unsigned char in[ART_VM_END_SIZE]);

/*
 * Frames from a byte stream, as they arrive: feed what was read, then
 * take whole frames out.  The buffer grows to the longest frame.
 */
typedef struct art_vmf_reader {
	unsigned char *buf;
	size_t len, cap;
	size_t taken;      /* the frame handed out last, dropped next call */
	int broken;        /* a frame longer than ART_VMF_MAX was announced */
} art_vmf_reader;

/* Append n bytes: 0, or -1 when memory ran out. */
int art_vmf_feed(art_vmf_reader *r, const void *data, size_t n);
/* The next whole frame: 1 with *type, *data (in the reader's buffer,
 * valid until the next feed or next call) and *len; 0 when none is
 * whole yet; -1 when the stream is broken. */
int art_vmf_next(art_vmf_reader *r, int *type, const unsigned char **data,
		 size_t *len);
void art_vmf_reader_free(art_vmf_reader *r);

#endif
