/* What the commands of qnnlab share (app/runner.c): the exit statuses, the
 * one-line refusal, the memory a run may use, and the headless run of a
 * preset's grid (prepare, execute, release) that `run`, `sweep` and
 * `reproduce` are built on. The commands include this, never app/cli.h
 * (the dispatcher). */
#ifndef QNN_RUNNER_H
#define QNN_RUNNER_H

#include <stddef.h>
#include "results.h"

/* Exit statuses of qnnlab (documented in `qnnlab --help` and README.md). */
enum {
    QNN_EXIT_OK = 0,
    QNN_EXIT_FAILURE = 1,     /* a run failed after it started (out of memory ...) */
    QNN_EXIT_USAGE = 2,       /* bad input: arguments, preset, value, size, output path */
    QNN_EXIT_DIVERGED = 3,    /* finished and wrote its files, but an instance diverged */
    QNN_EXIT_NOT_REPRODUCED = 4, /* reproduce: wrote its files, but a paper's claim does not hold */
    QNN_EXIT_INTERRUPTED = 130 /* 128 + SIGINT; a signal s gives 128 + s */
};

/* Writes "WHO: MSG" as one line on stderr (WHO: "qnnlab", "qnnlab gui"),
 * MSG's control characters escaped (qnn_quote), with
 * qnn_memory_limit_note() in parentheses when msg is about memory ("... of
 * memory") and the limit has a note. Returns QNN_EXIT_USAGE. */
int qnn_refuse(const char *who, const char *msg);

/* Address space OpenBLAS maps for each thread that calls it (its
 * BUFFER_SIZE, 128 MiB in Debian's build, and alignment). Under a ulimit -v
 * it must fit: OpenBLAS retries a failed mapping forever. */
#define QNN_BLAS_RESERVE ((size_t)130 << 20)

/* Bytes a run may use: 90 % of the physical memory, or less under a
 * ulimit -v (what is mapped already, 64 MiB for stacks and libraries, and
 * one OpenBLAS buffer taken off). Never fails (0 when nothing is known). */
size_t qnn_memory_limit(void);
/* After qnn_memory_limit: why it is lower than the physical memory (a
 * ulimit -v, with the numbers), or "". A static string, valid until the
 * next qnn_memory_limit. */
const char *qnn_memory_limit_note(void);

/* Loads PRESET (a name or a path), applies the --set overrides in order and
 * validates every grid point, fitting each point's threads to the memory
 * limit, before any work. QNN_EXIT_OK, else QNN_EXIT_USAGE (bad input) or
 * QNN_EXIT_FAILURE with the message in err. res keeps pointers to ps and
 * over (the caller owns both and keeps them while res is in use); release
 * res with qnn_result_release (also after a failure). */
int qnn_result_prepare(const char *preset_name, const char *const *over, int nover,
                       qnn_preset *ps, qnn_result *res, char *err, size_t errlen);
/* The same for a preset already loaded into ps. */
int qnn_result_prepare_loaded(const char *const *over, int nover, qnn_preset *ps, qnn_result *res,
                              char *err, size_t errlen);
/* Runs and analyses every point (progress lines on stderr unless quiet;
 * SIGINT/TERM/HUP end the program with 128 + the signal unless
 * qnn_result_writing(1) is in force; an interruption or a failure takes
 * away the folders qnn_prepare_outdir made that are still empty). QNN_EXIT_OK, QNN_EXIT_FAILURE (message
 * printed) or 128 + a signal; *diverged (may be NULL) counts the diverged
 * instances. */
int qnn_result_execute(qnn_result *res, int quiet, int *diverged);
/* While on, a signal lets the files being written finish. */
void qnn_result_writing(int on);
/* 128 + the signal that asked the program to stop (while the files were
 * written, or between a run's end and the next), or 0. */
int qnn_result_interrupted(void);
/* What an interruption reports as written ("qnnlab: interrupted; TEXT"):
 * "no output written" until a command that writes in steps (reproduce all)
 * says what is done; NULL or "" sets that again. Copied. */
void qnn_result_note_written(const char *text);
/* Frees the runs of res (not the preset or the overrides it points to);
 * res is then empty. Safe on a zeroed or failed res. */
void qnn_result_release(qnn_result *res);

#endif
