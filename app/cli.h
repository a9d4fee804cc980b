#ifndef QNN_CLI_H
#define QNN_CLI_H

/* Exit statuses of qnnlab (documented in `qnnlab --help` and README.md). */
enum {
    QNN_EXIT_OK = 0,
    QNN_EXIT_FAILURE = 1,     /* a run failed after it started (out of memory ...) */
    QNN_EXIT_USAGE = 2,       /* bad input: arguments, preset, value, size, output path */
    QNN_EXIT_DIVERGED = 3,    /* finished and wrote its files, but an instance diverged */
    QNN_EXIT_NOT_REPRODUCED = 4, /* reproduce: wrote its files, but a paper's claim does not hold */
    QNN_EXIT_INTERRUPTED = 130 /* 128 + SIGINT; a signal s gives 128 + s */
};

int qnn_cli_run(int argc, char **argv);
int qnn_bench_main(int argc, char **argv);
/* `qnnlab gui` (app/gui.c). */
int qnn_cmd_gui(int argc, char **argv);
/* `qnnlab reproduce` (app/reproduce.c). */
int qnn_cmd_reproduce(int argc, char **argv);
/* `qnnlab tui` (app/gui.c). */
int qnn_cmd_tui(int argc, char **argv);
/* `qnnlab tour`: the guided tour in the window or the terminal (app/gui.c). */
int qnn_cmd_tour(int argc, char **argv);
/* `qnnlab bench --gui` (app/bench_gui.c). */
int qnn_bench_gui(int argc, char **argv);
/* `qnnlab bench --soak` (app/soak.c). */
int qnn_bench_soak(int argc, char **argv);
/* Live instances by default: the preset's, at most 16. */
struct qnn_params;
int qnn_gui_default_instances(const struct qnn_params *p);
/* Address space OpenBLAS maps for each thread that calls it (its
 * BUFFER_SIZE, 128 MiB in Debian's build, and alignment). Under a ulimit -v
 * it must fit: OpenBLAS retries a failed mapping forever. */
#define QNN_BLAS_RESERVE ((size_t)130 << 20)
/* Bytes a run may use: 90 % of the physical memory, or less under a
 * ulimit -v (what is mapped already, 64 MiB for stacks and libraries, and
 * one OpenBLAS buffer taken off). */
#include <stddef.h>
size_t qnn_memory_limit(void);
/* After qnn_memory_limit: why it is lower than the physical memory (a
 * ulimit -v, with the numbers), or "". */
const char *qnn_memory_limit_note(void);

#endif
