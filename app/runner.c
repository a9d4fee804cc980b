/* The plumbing the commands share (runner.h): refusals, the memory limit,
 * and the headless run of a preset's grid with its signal handling. */
#include "runner.h"
#include "command.h"
#include "qnn/analysis.h"
#include "qnn/params.h"
#include "qnn/run.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Shared by the signal handler (which may run on any thread, a worker's
 * too) and the threads that read them (on_progress runs on the workers):
 * lock-free atomics, async-signal-safe and free of data races, where
 * volatile sig_atomic_t is only the former. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomic ints");
static atomic_int interrupted, writing, mid_line;

/* What the program has written so far, for the interruption message: two
 * buffers, the one `shown` names complete (the handler reads it while the
 * other is rewritten). */
#define WRITTEN_MAX 8192
static char written_text[2][WRITTEN_MAX] = { "no output written", "no output written" };
static atomic_int shown;

void qnn_result_note_written(const char *text)
{
    const int next = !atomic_load(&shown);
    snprintf(written_text[next], WRITTEN_MAX, "%s", text && *text ? text : "no output written");
    atomic_store(&shown, next);
}

static void say_interrupted(int newline)
{
    /* async-signal-safe: write(2) of text prepared beforehand */
    const char *t = written_text[atomic_load(&shown)];
    ssize_t w = write(STDERR_FILENO, "\nqnnlab: interrupted; " + !newline, 22 - !newline);
    w = write(STDERR_FILENO, t, strlen(t));
    w = write(STDERR_FILENO, "\n", 1);
    (void)w;
}

/* SIGINT, SIGTERM, SIGHUP: nothing is written before a run ends, so the
 * program leaves at once with 128 + the signal's number, taking away the
 * folders it made that are still empty; while the files are written (a set
 * committed whole, ui/base/afile.h) it lets that finish and exits with the
 * run's own status. */
static void on_signal(int sig)
{
    atomic_store(&interrupted, sig);
    if (!atomic_load(&writing)) {
        /* The engine looks for a stop request only between instances, which
         * can be minutes apart; nothing is written before the run ends, so
         * leave now. While the files are written, let that finish. */
        say_interrupted(atomic_load(&mid_line));
        qnn_outdir_remove_created();
        _exit(128 + sig);
    }
}

int qnn_result_interrupted(void)
{
    const int sig = atomic_load(&interrupted);
    return sig ? 128 + sig : 0;
}

int qnn_refuse(const char *who, const char *msg)
{
    /* the message quotes what the user typed: no control character may
     * reach the terminal, nor a line break split the one line */
    char safe[4096];
    qnn_quote(msg, 0, safe, sizeof safe);
    const char *note = qnn_memory_limit_note();
    if (note[0] && strstr(msg, "of memory"))
        fprintf(stderr, "%s: %s (%s)\n", who, safe, note);
    else
        fprintf(stderr, "%s: %s\n", who, safe);
    return QNN_EXIT_USAGE;
}

/* Why the limit is what it is, for the refusal message ("" without a
 * ulimit -v). */
static char limit_note[200];

const char *qnn_memory_limit_note(void)
{
    return limit_note;
}

size_t qnn_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    double phys = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0.0;
    double lim = phys * 0.9;
    limit_note[0] = 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        /* what is mapped already (program, libraries, OpenBLAS's buffers)
         * and room for thread stacks, cairo and stdio */
        double mapped = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long vm = 0;
        if (f) {
            if (fscanf(f, "%lu", &vm) == 1 && psz > 0)
                mapped = (double)vm * (double)psz;
            fclose(f);
        }
        double as = (double)rl.rlim_cur - mapped - 64.0 * 1024 * 1024 - (double)QNN_BLAS_RESERVE;
        if (as < lim || lim == 0) {
            lim = as > 0 ? as : 1;
            snprintf(limit_note, sizeof limit_note,
                     "the address space is limited to %.0f MiB (ulimit -v), %.0f MiB of it is mapped already, and OpenBLAS reserves %.0f MiB for each thread that computes",
                     (double)rl.rlim_cur / 1048576.0, mapped / 1048576.0, (double)QNN_BLAS_RESERVE / 1048576.0);
        }
    }
    return lim > 0 ? (size_t)lim : 0;
}

typedef struct progress_ctx {
    int quiet;
    long point, npoints;
    char label[256];
} progress_ctx;

static int on_progress(void *vctx, int done, int total)
{
    progress_ctx *c = vctx;
    if (!c->quiet && isatty(STDERR_FILENO)) {
        fprintf(stderr, "\r  point %ld/%ld%s%s: %d/%d instances", c->point + 1, c->npoints,
                c->label[0] ? " " : "", c->label, done, total);
        fflush(stderr);
    }
    return atomic_load(&interrupted) != 0;
}

int qnn_result_prepare(const char *preset_name, const char *const *over, int nover,
                       qnn_preset *ps, qnn_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (qnn_preset_load(preset_name, ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    return qnn_result_prepare_loaded(over, nover, ps, res, err, errlen);
}

int qnn_result_prepare_loaded(const char *const *over, int nover, qnn_preset *ps, qnn_result *res,
                              char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    for (int i = 0; i < nover; i++) {
        char e[1024];
        if (qnn_preset_override(ps, over[i], e, sizeof e) != 0) {
            snprintf(err, errlen, "--set %s: %s", over[i], e);
            return QNN_EXIT_USAGE;
        }
    }
    if (qnn_preset_finalise(ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    /* Validate every grid point (relations, memory) before any work. */
    const long P = qnn_preset_points(ps);
    const size_t lim = qnn_memory_limit();
    res->preset = ps;
    res->overrides = (const char **)over;
    res->noverrides = nover;
    res->points = calloc((size_t)P, sizeof *res->points);
    if (!res->points) {
        snprintf(err, errlen, "out of memory");
        return QNN_EXIT_FAILURE;
    }
    res->npoints = P;
    for (long k = 0; k < P; k++) {
        qnn_point *pt = &res->points[k];
        if (qnn_preset_point(ps, k, &pt->params, pt->value_index, err, errlen) != 0 ||
            qnn_params_check(&pt->params, 0, err, errlen) != 0)
            return QNN_EXIT_USAGE;
        int t = pt->params.threads > 0 ? pt->params.threads : qnn_run_default_threads();
        if (t > pt->params.instances)
            t = pt->params.instances;
        /* under a ulimit -v every further computing thread also costs
         * OpenBLAS's buffer of address space (qnn_memory_limit left room
         * for one) */
        const size_t blas = qnn_memory_limit_note()[0] ? QNN_BLAS_RESERVE : 0;
        while (t > 1 && qnn_params_run_bytes(&pt->params, t) + (size_t)(t - 1) * blas > lim)
            t--;
        pt->params.threads = t;
        if (qnn_params_check(&pt->params, lim, err, errlen) != 0)
            return QNN_EXIT_USAGE;
    }
    return QNN_EXIT_OK;
}

int qnn_result_execute(qnn_result *res, int quiet, int *diverged_out)
{
    char err[1024];
    const long P = res->npoints;
    atomic_store(&mid_line, !quiet && isatty(STDERR_FILENO));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    progress_ctx pc = { quiet, 0, P, "" };
    int diverged = 0;
    for (long k = 0; k < P; k++) {
        qnn_point *pt = &res->points[k];
        pc.point = k;
        qnn_point_label(res, k, pc.label, sizeof pc.label);
        if (qnn_run_execute(&pt->params, on_progress, &pc, &pt->run, err, sizeof err) != 0) {
            if (!quiet && isatty(STDERR_FILENO))
                fputc('\n', stderr);
            if (atomic_load(&interrupted)) {
                say_interrupted(0);
                qnn_outdir_remove_created();
                return 128 + atomic_load(&interrupted);
            }
            fprintf(stderr, "qnnlab: %s\n", err);
            qnn_outdir_remove_created();
            return QNN_EXIT_FAILURE;
        }
        if (qnn_analyse(pt->run, &pt->sum) != 0) {
            fprintf(stderr, "qnnlab: out of memory while analysing the run\n");
            qnn_outdir_remove_created();
            return QNN_EXIT_FAILURE;
        }
        diverged += pt->sum.diverged;
        if (!quiet) {
            if (isatty(STDERR_FILENO))
                fputc('\r', stderr);
            const qnn_summary *s = &pt->sum;
            /* the thread count is here, not in the files (the same bytes
             * at every --threads) */
            fprintf(stderr, "  point %ld/%ld%s%s: %d instances on %d thread%s, K(0) = %.4g ± %.2g", k + 1, P,
                    pc.label[0] ? " " : "", pc.label, s->instances, pt->params.threads,
                    pt->params.threads == 1 ? "" : "s", s->kernel_t0.mean, s->kernel_t0.se);
            const qnn_theory_value *tv = qnn_summary_theory(s, "mean_qntk");
            if (tv)
                fprintf(stderr, " (theory %.4g)", tv->value);
            if (pt->params.steps > 0)
                fprintf(stderr, ", final loss %.3g", s->loss_final.mean);
            if (s->diverged)
                fprintf(stderr, ", %d diverged", s->diverged);
            fputc('\n', stderr);
        }
    }
    if (atomic_load(&interrupted)) {
        say_interrupted(0);
        qnn_outdir_remove_created();
        return 128 + atomic_load(&interrupted);
    }
    if (diverged_out)
        *diverged_out = diverged;
    return QNN_EXIT_OK;
}

void qnn_result_writing(int on)
{
    atomic_store(&writing, on != 0);
}

void qnn_result_release(qnn_result *res)
{
    if (res->points)
        for (long k = 0; k < res->npoints; k++)
            qnn_run_free(res->points[k].run);
    free(res->points);
    res->points = NULL;
    res->npoints = 0;
}
