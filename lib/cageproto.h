/*
 * cageproto.h - what the pieces of the cage (cage.h) say to each other.
 *
 * One SOCK_SEQPACKET socket pair joins the host side (art-vm) and the
 * cage: art-vm says "go" once the cage's id maps and process limit are in
 * place; pid 1 builds the view and says "ready"; art-vm, which meanwhile
 * asked the governors and logged the start, says "exec"; the command,
 * sealed, sends its seccomp listener (the descriptor the denials arrive
 * on); pid 1 sends the command's end, or why the cage could not be
 * built.
 */
#ifndef ART_CAGEPROTO_H
#define ART_CAGEPROTO_H

#include <linux/filter.h>
#include <sys/types.h>

#include "cage.h"
#include "diag.h"

enum {
	ART_CAGE_GO = 'G',       /* art-vm -> pid 1: maps and limits done */
	ART_CAGE_READY = 'R',    /* pid 1 -> art-vm: the view is built */
	ART_CAGE_EXEC = 'X',     /* art-vm -> pid 1: start the command */
	ART_CAGE_LISTENER = 'N', /* command -> art-vm: + the listener fd */
	ART_CAGE_END = 'S',      /* pid 1 -> art-vm: how the command ended */
	ART_CAGE_FAILED = 'E',   /* pid 1 or command -> art-vm: text */
};

typedef struct art_cage_msg {
	char tag;
	int exited, code, signal, exec_errno;
	int landlock_abi;
	char text[sizeof ((art_err *)0)->msg];
} art_cage_msg;

/* Send m, with fd attached when fd >= 0.  -1 with errno. */
int art_cage_send(int sock, const art_cage_msg *m, int fd);
/* Receive one message; *fd gets an attached descriptor or -1.  0 at the
 * end of the stream, -1 with errno. */
ssize_t art_cage_recv(int sock, art_cage_msg *m, int *fd);

/* pid 1 of the cage: waits for "go", builds the view, runs the command,
 * reports its end.  Never returns. */
void art_cage_init(const art_cage *c, int sock) __attribute__((noreturn));

/* In pid 1, before "go" is answered: the file system view (cagefs.c),
 * entered with pivot_root; the current directory is c->workdir. */
int art_cagefs_build(const art_cage *c, art_err *e);

/*
 * The command's seal (cageseal.c): no_new_privs, Landlock on writes (and
 * TCP and signals, where the kernel has them), every capability dropped,
 * then the seccomp filter.  Prepared in pid 1 once the view is built;
 * applied in the command last before exec, where *listener gets the
 * filter's notification descriptor.  abi: the Landlock ABI (0: none).
 */
typedef struct art_cage_seal {
	int ruleset;              /* Landlock ruleset, -1: none */
	int abi;
	struct sock_fprog prog;   /* the filter, as BPF */
} art_cage_seal;

int art_cage_seal_prepare(const art_cage *c, art_cage_seal *s, art_err *e);
int art_cage_seal_apply(const art_cage_seal *s, int *listener, art_err *e);

#endif
