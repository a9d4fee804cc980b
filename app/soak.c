/* `qnnlab bench --soak`: a long run of a preset's live session (the path a
 * lecture-long explorer takes: the ensemble stepped in lock step, history
 * kept and thinned, theory segments, snapshots published and released)
 * with the resident memory sampled at regular step counts.
 *
 * The history holds between 1024 and 2048 records (it is thinned by 2 when
 * full), so the memory in use rises and falls with the record count, and
 * the resident size follows its high-water mark: a single difference of
 * resident sizes takes that for a leak. Both the heap in use (mallinfo2:
 * allocated chunks, mmap'ed ones included; the primary measure, free of
 * the allocator's reserve) and the resident size (which also sees memory
 * outside malloc) are judged by qnn_soak_judge (soak.h) on the samples
 * after the warm-up: a line in the records and the steps, once more with
 * one jump allowed for, and a leak only when the growth with the steps
 * beyond the allowance (default 1 MiB; a leak of one byte per instance
 * step of 16 instances over 10^6 steps would be 15 MiB) is significant in
 * both fits. The resident size is judged only where it is steady enough
 * to resolve the allowance (the standard error of its growth at most a
 * quarter of it); the report says which measures were judged. */
#include "soak.h"
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

/* ------------------------------------------------------------------------ */
/* The judgement                                                            */

/* Least squares of y on the columns of X (SVD with a tolerance: a column
 * that repeats another is left out): the coefficients into c, the
 * standard error of coefficient j into *se (NaN without a degree of
 * freedom), the residual sum of squares into *chisq. 0 or -1. */
static int least_squares(const gsl_matrix *X, const gsl_vector *y, size_t j, gsl_vector *c, double *se, double *chisq)
{
    const size_t n = X->size1, p = X->size2;
    gsl_matrix *A = gsl_matrix_alloc(n, p), *cov = gsl_matrix_alloc(p, p);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p);
    int rc = -1;
    if (A && cov && w) {
        size_t rank = 0;
        gsl_matrix_memcpy(A, X);
        if (gsl_multifit_linear_tsvd(A, y, 1e-12, c, cov, chisq, &rank, w) == 0) {
            /* cov is σ² (XᵀX)⁻¹ with σ² = chisq / (n - rank) */
            *se = n > rank ? sqrt(gsl_matrix_get(cov, j, j)) : NAN;
            rc = 0;
        }
    }
    if (w) gsl_multifit_linear_free(w);
    if (A) gsl_matrix_free(A);
    if (cov) gsl_matrix_free(cov);
    return rc;
}

/* 1 when r[i] = α + β t[i] for all i (a constant record count, or one
 * that grows with the steps, as before the history first fills): the
 * records cannot be told from the steps then, and are left out. */
static int affine_in_steps(const double *t, const double *r, size_t m)
{
    double mt = 0, mr = 0, stt = 0, str = 0, scale = 1.0;
    for (size_t i = 0; i < m; i++) {
        mt += t[i] / (double)m;
        mr += r[i] / (double)m;
        scale = fabs(r[i]) > scale ? fabs(r[i]) : scale;
    }
    for (size_t i = 0; i < m; i++) {
        stt += (t[i] - mt) * (t[i] - mt);
        str += (t[i] - mt) * (r[i] - mr);
    }
    const double beta = stt > 0 ? str / stt : 0.0;
    for (size_t i = 0; i < m; i++)
        if (fabs(r[i] - mr - beta * (t[i] - mt)) > 1e-9 * scale)
            return 0;
    return 1;
}

int qnn_soak_judge(const double *steps, const double *records, const double *y, size_t n, size_t warm,
                   double allow, qnn_soak_fit *out)
{
    memset(out, 0, sizeof *out);
    out->se = out->jump_growth = out->jump_se = out->jump = out->jump_at = NAN;
    if (warm >= n || n - warm < 3)
        return -1;
    const size_t m = n - warm;
    const double *t = steps + warm, *r = records ? records + warm : NULL, *v = y + warm;
    out->n = m;
    out->first = t[0];
    out->last = t[m - 1];
    out->span = t[m - 1] - t[0];
    /* columns: 1, the steps scaled to 0 .. 1 (its coefficient is the
     * growth over the span), the records when they vary, the jump */
    int use_rec = r && !affine_in_steps(t, r, m);
    const size_t p = 2 + (size_t)use_rec, RC = 2, GC = 1;
    gsl_matrix *X = gsl_matrix_alloc(m, p), *XJ = gsl_matrix_alloc(m, p + 1);
    gsl_vector *Y = gsl_vector_alloc(m), *c = gsl_vector_alloc(p), *cj = gsl_vector_alloc(p + 1),
               *best = gsl_vector_alloc(p + 1);
    int rc = -1;
    if (!X || !XJ || !Y || !c || !cj || !best)
        goto done;
    for (size_t i = 0; i < m; i++) {
        const double x = out->span > 0 ? (t[i] - t[0]) / out->span : 0.0;
        gsl_matrix_set(X, i, 0, 1.0);
        gsl_matrix_set(X, i, GC, x);
        if (use_rec)
            gsl_matrix_set(X, i, RC, r[i]);
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(XJ, i, j, gsl_matrix_get(X, i, j));
        gsl_vector_set(Y, i, v[i]);
    }
    double chisq;
    if (least_squares(X, Y, GC, c, &out->se, &chisq) != 0)
        goto done;
    out->base = gsl_vector_get(c, 0);
    out->growth = gsl_vector_get(c, GC);
    out->per_record = use_rec ? gsl_vector_get(c, RC) : 0.0;
    /* one jump, between samples k - 1 and k, where it fits best */
    double best_chisq = INFINITY, best_se = NAN;
    size_t best_k = 0;
    for (size_t k = 1; k < m; k++) {
        for (size_t i = 0; i < m; i++)
            gsl_matrix_set(XJ, i, p, i >= k ? 1.0 : 0.0);
        double se, cs;
        if (least_squares(XJ, Y, GC, cj, &se, &cs) != 0)
            goto done;
        if (cs < best_chisq) {
            best_chisq = cs;
            best_se = se;
            best_k = k;
            gsl_vector_memcpy(best, cj);
        }
    }
    const int sig_line = out->growth - 2.0 * out->se > allow;
    int sig_jump = 1;
    if (best_k > 0 && isfinite(best_se)) {
        out->jump_growth = gsl_vector_get(best, GC);
        out->jump_se = best_se;
        out->jump = gsl_vector_get(best, p);
        out->jump_at = t[best_k];
        sig_jump = out->jump_growth - 2.0 * out->jump_se > allow;
    }
    out->leak = sig_line && sig_jump;
    out->noisy = !(out->se <= 0.25 * allow);
    rc = 0;
done:
    if (X) gsl_matrix_free(X);
    if (XJ) gsl_matrix_free(XJ);
    if (Y) gsl_vector_free(Y);
    if (c) gsl_vector_free(c);
    if (cj) gsl_vector_free(cj);
    if (best) gsl_vector_free(best);
    return rc;
}

/* One measure's fit, two lines of the report (with its verdict when
 * judged). */
static void report_fit(const char *what, const qnn_soak_fit *f, int judged)
{
    const char *verdict = !judged ? "not judged" : f->leak ? "grows" : "flat";
    printf("  %s: %.3f MiB + %.1f B per record; growth with the steps %+.4f MiB (standard error %.4f MiB)\n", what,
           f->base / 1048576.0, f->per_record, f->growth / 1048576.0, f->se / 1048576.0);
    if (isfinite(f->jump_at))
        printf("    with one jump allowed for (%+.4f MiB at step %.0f): %+.4f MiB (standard error %.4f MiB): %s\n",
               f->jump / 1048576.0, f->jump_at, f->jump_growth / 1048576.0, f->jump_se / 1048576.0, verdict);
    else
        printf("    (too few samples to allow for a jump): %s\n", verdict);
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
        /* the samples after a warm-up (the allocator's first growth) */
        const size_t warm = k >= 20 ? (size_t)k / 10 : 1;
        const double allow = (double)allow_mib * 1048576.0;
        qnn_soak_fit fh, fr;
        if (qnn_soak_judge(st, rec, heap, (size_t)k, warm, allow, &fh) != 0 ||
            qnn_soak_judge(st, rec, rss, (size_t)k, warm, allow, &fr) != 0) {
            fprintf(stderr, "qnnlab: bench --soak: out of memory\n");
            rc = QNN_EXIT_FAILURE;
        } else {
            printf("  judged on the %zu samples from step %.0f (after %zu of warm-up), allowed %ld MiB of growth with the steps:\n",
                   fh.n, fh.first, warm, allow_mib);
            /* the resident size follows the allocator's high-water mark:
             * judged where it is steady enough to resolve the allowance */
            const int rss_judged = !fr.noisy;
            report_fit("heap in use (mallinfo2), judged", &fh, 1);
            report_fit(rss_judged ? "resident size (also memory outside malloc), judged"
                                  : "resident size, not judged: too noisy (a standard error over a quarter of the allowance)",
                       &fr, rss_judged);
            if (fh.leak || (rss_judged && fr.leak)) {
                const qnn_soak_fit *f = fh.leak ? &fh : &fr;
                fprintf(stderr, "qnnlab: bench --soak: the %s grows with the steps: %.3f ± %.3f MiB over %.0f steps (%.3f ± %.3f MiB with one jump allowed for); allowed: %ld MiB\n",
                        fh.leak ? "heap in use" : "resident size", f->growth / 1048576.0, f->se / 1048576.0, f->span,
                        f->jump_growth / 1048576.0, f->jump_se / 1048576.0, allow_mib);
                rc = QNN_EXIT_FAILURE;
            } else {
                printf("  flat: ok (%s with the steps beyond the allowance by more than two standard errors)\n",
                       rss_judged ? "neither grows" : "the heap in use does not grow");
            }
        }
    }
    free(st);
    free(rec);
    free(rss);
    free(heap);
    return rc;
}
