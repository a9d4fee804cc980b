/* Shared pieces of the libFuzzer targets (tests/fuzz/README.md): the
 * message check every refusal must pass, the get/set round trip of a key,
 * temporary files, and the substitution of m0_file.
 *
 * The oracles: a crash, a leak or undefined behaviour (the sanitizers), a
 * refusal whose message is empty or does not say what is "allowed" (the
 * project's convention), and a key whose canonical text (qnn_params_get)
 * is not accepted back by qnn_params_set with the same result. Each
 * violation prints what it saw and calls abort(), which libFuzzer reports
 * as a crash with the input saved. */
#ifndef QNN_FUZZ_COMMON_H
#define QNN_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qnn/params.h"

#define FUZZ_ERR 4096
#define FUZZ_GET 65536               /* the longest label list fits */
#define FUZZ_MEM_LIMIT ((size_t)1 << 30)

/* A refusal must explain itself: a non-empty message that names what is
 * allowed. */
static inline void fuzz_check_msg(const char *where, const char *err)
{
    if (!err[0] || !strstr(err, "allowed")) {
        fprintf(stderr, "fuzz: %s refused with a message that does not say what is allowed: '%s'\n", where, err);
        abort();
    }
}

/* The canonical text of `key` (qnn_params_get) set back onto a copy gives
 * the same text: what the share encoder and the unit tests rely on. */
static inline void fuzz_check_get_set(const qnn_params *p, const char *key)
{
    static char v1[FUZZ_GET], v2[FUZZ_GET];
    static qnn_params q;
    char err[FUZZ_ERR] = "";
    if (qnn_params_get(p, key, v1, sizeof v1) != 0) {
        fprintf(stderr, "fuzz: qnn_params_get('%s') failed on a table key\n", key);
        abort();
    }
    q = *p;
    if (qnn_params_set(&q, key, v1, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz: key '%s': its own canonical text '%s' is refused: %s\n", key, v1, err);
        abort();
    }
    qnn_params_get(&q, key, v2, sizeof v2);
    if (strcmp(v1, v2) != 0) {
        fprintf(stderr, "fuzz: key '%s': canonical text '%s' reads back as '%s'\n", key, v1, v2);
        abort();
    }
}

/* Temporary files: created in /dev/shm when there is one (on ext4 each
 * truncation costs about 1 ms) or /tmp, and unlinked at once; their name
 * is then /proc/self/fd/N, so that nothing is left behind even when a
 * target crashes. Without /proc the file keeps its name until exit. */
static char fuzz_tmp_name[64];

static inline void fuzz_tmp_unlink(void)
{
    unlink(fuzz_tmp_name);
}

/* Opens a new temporary file; its name goes into path (64 bytes). */
static inline int fuzz_tmp_open(const char *tag, char *path)
{
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, 64, "%s/qnn-fuzz-%s-XXXXXX", dir, tag);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("fuzz: mkstemp");
        abort();
    }
    if (access("/proc/self/fd", X_OK) == 0) {
        unlink(path);
        snprintf(path, 64, "/proc/self/fd/%d", fd);
    } else if (!fuzz_tmp_name[0]) {
        snprintf(fuzz_tmp_name, sizeof fuzz_tmp_name, "%s", path);
        atexit(fuzz_tmp_unlink);
    }
    return fd;
}

/* The temporary file of fuzz_matrix, opened on the first call. */
static char fuzz_tmp_path[64];

static inline int fuzz_tmp_fd(const char *tag)
{
    static int fd = -1;
    if (fd < 0)
        fd = fuzz_tmp_open(tag, fuzz_tmp_path);
    return fd;
}

/* Makes the temporary file hold exactly data[0 .. size). */
static inline void fuzz_tmp_write(int fd, const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz: writing the temporary file");
        abort();
    }
}

/* qnn_params_check reads the file named by m0_file (m0_init = file). A
 * fuzzed path could name anything (/dev/stdin blocks), so a non-empty
 * m0_file is replaced by a file of this process holding a valid 2 x 2
 * matrix; the matrix reader has its own target (fuzz_matrix). */
static inline void fuzz_fix_m0_file(qnn_params *p)
{
    static char path[64];
    if (!p->m0_file[0])
        return;
    if (!path[0]) {
        static const char m[] = "{\"re\": [[1, 0], [0, -1]], \"im\": [[0, 0.5], [-0.5, 0]]}\n";
        int fd = fuzz_tmp_open("m0", path);
        if (write(fd, m, sizeof m - 1) != (ssize_t)(sizeof m - 1)) {
            perror("fuzz: m0 file");
            abort();
        }
    }
    snprintf(p->m0_file, sizeof p->m0_file, "%s", path);
}

/* qnn_params_check with the mem limit of the targets; a refusal must
 * explain itself. */
static inline int fuzz_params_check(const char *where, const qnn_params *in)
{
    static qnn_params p;
    char err[FUZZ_ERR] = "";
    p = *in;
    fuzz_fix_m0_file(&p);
    if (qnn_params_check(&p, FUZZ_MEM_LIMIT, err, sizeof err) != 0) {
        fuzz_check_msg(where, err);
        return -1;
    }
    return 0;
}

#endif
