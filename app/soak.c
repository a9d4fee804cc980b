/* `qnnlab bench --soak`: a long run of a preset's live session (the path a
 * lecture-long explorer takes: the ensemble stepped in lock step, history
 * kept and thinned, theory segments, snapshots published and released)
 * with the resident memory sampled at regular step counts.
 *
 * The history holds between 1024 and 2048 records (it is thinned by 2 when
 * full), so the memory in use rises and falls with the record count, and
 * the resident size follows its high-water mark. Two checks:
 *  - a leak grows with the steps: the heap in use (mallinfo2: allocated
 *    chunks, mmap'ed ones included) of the samples after the first is
 *    fitted by least squares as a + b records + c steps, and c times the
 *    steps sampled must stay within the allowance (default 1 MiB; a leak
 *    of one byte per instance step of 16 instances over 10^6 steps would
 *    be 15 MiB);
 *  - the resident size is bounded: its largest value in the second half of
 *    the samples exceeds the largest of the first half by at most the
 *    allowance. */
#include "command.h"
#include "preset.h"
#include "runner.h"
#include "tour.h"
#include "qnn/session.h"

#include <gsl/gsl_multifit.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Resident set size in bytes (/proc/self/statm), or 0. */
static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, res = 0;
    int n = fscanf(f, "%lu %lu", &size, &res);
    fclose(f);
    return n == 2 ? (size_t)res * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Bytes of heap in use: small chunks and mmap'ed ones. */
static double heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The refusal, one line; QNN_EXIT_USAGE. */
static int soak_usage(const char *msg)
{
    return qnn_refuse("qnnlab: bench --soak", msg);
}

static int parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || end == v || x < lo || x > hi) {
        char m[200];
        char q[120];
        snprintf(m, sizeof m, "%s: value '%s' is out of range; allowed: %ld .. %ld", opt, qnn_quote(v, 40, q, sizeof q), lo, hi);
        soak_usage(m);
        return -1;
    }
    *out = x;
    return 0;
}

enum { SK_SOAK = 256, SK_PRESET, SK_STEPS, SK_EVERY, SK_INSTANCES, SK_ALLOW };
static const qnn_opt soak_opts[] = {
    { "soak", SK_SOAK, NULL, 0 },
    { "preset", SK_PRESET, "a preset name or an .ini file", 0 },
    { "steps", SK_STEPS, "10 .. 1000000000", 0 },
    { "every", SK_EVERY, "1 .. 1000000000", 0 },
    { "instances", SK_INSTANCES, "a number of live instances", 0 },
    { "allow", SK_ALLOW, "MiB, 0 .. 1048576", 0 },
};

int qnn_bench_soak(const qnn_command *self, int argc, char **argv)
{
    const char *preset = "default";
    long steps = 1000000, every = 100000, inst = 0, allow_mib = 1;
    qnn_optparser op;
    qnn_opt_init(&op, soak_opts, sizeof soak_opts / sizeof soak_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *v = op.arg;
        int bad = 0;
        char m[200], q[120];
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        case QNN_OPT_ERROR:
            return soak_usage(op.msg);
        case QNN_OPT_OPERAND:
            snprintf(m, sizeof m, "unexpected argument '%s'; allowed: options only", qnn_quote(v, 40, q, sizeof q));
            return soak_usage(m);
        case SK_SOAK: break;
        case SK_PRESET: preset = v; break;
        case SK_STEPS: bad = parse_long(op.name, v, 10, 1000000000L, &steps); break;
        case SK_EVERY: bad = parse_long(op.name, v, 1, 1000000000L, &every); break;
        case SK_INSTANCES: bad = parse_long(op.name, v, 1, QNN_SESSION_MAX_INSTANCES, &inst); break;
        case SK_ALLOW: bad = parse_long(op.name, v, 0, 1 << 20, &allow_mib); break;
        }
        if (bad)
            return QNN_EXIT_USAGE;
    }
    if (every > steps || steps / every < 5)
        return soak_usage("--every: the fit needs at least five samples; allowed: every <= steps / 5");
    static qnn_preset ps;
    char err[1024];
    qnn_params p;
    if (qnn_preset_load(preset, &ps, err, sizeof err) != 0 || qnn_preset_finalise(&ps, err, sizeof err) != 0 ||
        qnn_preset_point(&ps, 0, &p, NULL, err, sizeof err) != 0)
        return soak_usage(err);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = inst ? (int)inst : qnn_live_default_instances(&p);
    o.mem_limit = qnn_memory_limit();
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s) {
        fprintf(stderr, "qnnlab: bench --soak: %s\n", err);
        return QNN_EXIT_USAGE;
    }
    printf("qnnlab bench --soak: preset %s (%s), %d live instances, %ld steps, resident memory every %ld steps\n",
           preset, qnn_model_name(p.model), o.instances, steps, every);
    printf("  %12s %12s %12s %10s %12s\n", "step", "RSS [MiB]", "heap [MiB]", "records", "steps/s");
    const int nsamp = (int)((steps + every - 1) / every);
    double *st = calloc((size_t)nsamp, sizeof *st), *rec = calloc((size_t)nsamp, sizeof *rec),
           *rss = calloc((size_t)nsamp, sizeof *rss), *heap = calloc((size_t)nsamp, sizeof *heap);
    if (!st || !rec || !rss || !heap) {
        free(st); free(rec); free(rss); free(heap);
        qnn_session_free(s);
        fprintf(stderr, "qnnlab: bench --soak: out of memory\n");
        return QNN_EXIT_FAILURE;
    }
    int rc = QNN_EXIT_OK, k = 0;
    double t0 = now_s();
    for (long done = 0; done < steps && k < nsamp; k++) {
        long n = every < steps - done ? every : steps - done;
        if (qnn_session_advance(s, n) != 0) {
            fprintf(stderr, "qnnlab: bench --soak: the session stopped at step %ld\n", done);
            rc = QNN_EXIT_FAILURE;
            break;
        }
        done += n;
        /* a reader's view, as the faces take it */
        const qnn_snapshot *sn = qnn_session_acquire(s);
        size_t nrec = sn->nrec;
        int dead = sn->ndiverged;
        qnn_snapshot_release(sn);
        st[k] = (double)done;
        rec[k] = (double)nrec;
        rss[k] = (double)rss_bytes();
        heap[k] = heap_bytes();
        printf("  %12ld %12.2f %12.3f %10zu %12.0f\n", done, rss[k] / 1048576.0, heap[k] / 1048576.0, nrec,
               done / (now_s() - t0));
        fflush(stdout);
        if (dead) {
            fprintf(stderr, "qnnlab: bench --soak: %d instance(s) diverged; the soak needs a stable run\n", dead);
            rc = QNN_EXIT_FAILURE;
            break;
        }
    }
    qnn_session_free(s);
    if (rc == QNN_EXIT_OK) {
        /* least squares on the samples after the first (allocator warm-up) */
        const size_t n = (size_t)k - 1;
        gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
        gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(3);
        gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
        if (!X || !cov || !y || !c || !w) {
            fprintf(stderr, "qnnlab: bench --soak: out of memory\n");
            rc = QNN_EXIT_FAILURE;
        } else {
            for (size_t i = 0; i < n; i++) {
                gsl_matrix_set(X, i, 0, 1.0);
                gsl_matrix_set(X, i, 1, rec[i + 1]);
                gsl_matrix_set(X, i, 2, st[i + 1]);
                gsl_vector_set(y, i, heap[i + 1]);
            }
            double chisq;
            size_t rank;
            /* SVD with a tolerance: a record count that never changes
             * leaves its column out instead of failing */
            gsl_multifit_linear_tsvd(X, y, 1e-12, c, cov, &chisq, &rank, w);
            const double span = st[k - 1] - st[1];
            const double grow = gsl_vector_get(c, 2) * span / 1048576.0;
            /* cov is already σ² (XᵀX)⁻¹ with σ² from the residuals */
            const double se = n > rank ? sqrt(gsl_matrix_get(cov, 2, 2)) * span / 1048576.0 : NAN;
            printf("  heap in use, fit over %zu samples: %.3f MiB + %.1f B per record + %.4f B per step\n", n,
                   gsl_vector_get(c, 0) / 1048576.0, gsl_vector_get(c, 1), gsl_vector_get(c, 2));
            printf("  growth with the steps over steps %.0f .. %.0f: %.4f MiB (standard error %.4f MiB; allowed %ld MiB)\n",
                   st[1], st[k - 1], grow, se, allow_mib);
            double max1 = 0, max2 = 0;
            for (int i = 0; i < k; i++) {
                double *m = i < k / 2 ? &max1 : &max2;
                *m = rss[i] > *m ? rss[i] : *m;
            }
            const double rgrow = (max2 - max1) / 1048576.0;
            printf("  resident size: largest %.2f MiB in the first half, %.2f MiB in the second (%+.2f MiB; allowed %ld MiB)\n",
                   max1 / 1048576.0, max2 / 1048576.0, rgrow, allow_mib);
            if (grow > (double)allow_mib) {
                fprintf(stderr, "qnnlab: bench --soak: the heap grows with the steps: %.3f MiB over %.0f steps; allowed: %ld MiB\n",
                        grow, span, allow_mib);
                rc = QNN_EXIT_FAILURE;
            } else if (rgrow > (double)allow_mib) {
                fprintf(stderr, "qnnlab: bench --soak: the resident size rose by %.2f MiB in the second half; allowed: %ld MiB\n",
                        rgrow, allow_mib);
                rc = QNN_EXIT_FAILURE;
            } else {
                printf("  flat: ok\n");
            }
        }
        if (w) gsl_multifit_linear_free(w);
        if (X) gsl_matrix_free(X);
        if (cov) gsl_matrix_free(cov);
        if (y) gsl_vector_free(y);
        if (c) gsl_vector_free(c);
    }
    free(st);
    free(rec);
    free(rss);
    free(heap);
    return rc;
}
