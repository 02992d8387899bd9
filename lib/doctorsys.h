/*
 * doctorsys.h - the kernel probes of art-doctor(1): each tries what art
 * needs the way art does it (lib/cage.c, lib/cageseal.c), in a child that
 * exits at once, rather than guessing from version numbers.  Each returns
 * a record of doctor.h, a new reference.
 */
#ifndef ART_DOCTORSYS_H
#define ART_DOCTORSYS_H

#include <jansson.h>

/* The namespaces of art-vm's cage, and its uid and gid maps. */
json_t *art_doctor_userns(void);
/* A seccomp filter with a user-notification listener, as the cage loads,
 * and libseccomp's API level for SCMP_ACT_NOTIFY. */
json_t *art_doctor_seccomp(void);
/* The Landlock ABI; needed when run as root (the cage refuses without). */
json_t *art_doctor_landlock(void);
/* /dev/kvm opened read-write and answering KVM_GET_API_VERSION. */
json_t *art_doctor_kvm(void);
/* qemu-system-<machine> in PATH; the backend itself is not in this
 * release, which the record says. */
json_t *art_doctor_qemu(void);

/* The first executable prog in PATH (malloc'd), or NULL. */
char *art_doctor_which(const char *prog);

#endif
