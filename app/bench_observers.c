/* The observers' cost for `qnnlab bench`: Hessian spectra (exact, its two
 * ways for circuits, the second-order adjoint and the parameter shift,
 * compared; and SLQ)
 * and the entanglement observer (spectrum of ρ_v, entropy, trace distance)
 * with its two parts, ZHERK and the eigensolve, timed on their own. */
#include "bench_priv.h"
#include "qnn/entangle.h"
#include "qnn/hessian.h"
#include "qnn/instance.h"
#include "qnn/params.h"
#include "qnn/statevec.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Hessian of the loss: exact (parameter shift / R-operator) and SLQ        */
/* ------------------------------------------------------------------------ */

typedef struct hess_case {
    const char *label;
    const char *sets[12];
    int slq;              /* 0 exact: matrix + gsl_eigen_symm; 1 SLQ */
    int probes, steps;
} hess_case;

static const hess_case hess_cases[] = {
    {"random n=6 L=64 exact", {"model=random", "n=6", "L=64", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=256 exact", {"model=random", "n=6", "L=256", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=1024 exact", {"model=random", "n=6", "L=1024", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=1024 SLQ 4x40", {"model=random", "n=6", "L=1024", "hessian=slq", NULL}, 1, 4, 40},
    {"mlp 4-96-96-1 m=100 exact", {"model=mlp", "data=teacher", "n_in=4", "width=96", "L=2", "m=100",
                                   "hessian=slq", NULL}, 1, 0, 0},
    {"mlp 4-96-96-1 m=100 SLQ 10x80", {"model=mlp", "data=teacher", "n_in=4", "width=96", "L=2", "m=100",
                                       "hessian=slq", NULL}, 1, 10, 80},
};
#define NHESS ((int)(sizeof hess_cases / sizeof hess_cases[0]))

typedef struct hess_result {
    int ok, P, repeats;
    stat3 build_ms, eig_ms, total_ms;   /* exact: matrix, eigenvalues; SLQ: total only */
    double lmin, lmax, frac_pos;
    /* exact circuit cases: the matrix is the second-order adjoint's; the
     * parameter shift's is timed on an instance built alike, and compared */
    int shift_ok, shift_repeats;
    stat3 shift_ms;
    double maxdiff, hmax;
} hess_result;

static int hvp_bench(void *ctx, const double *v, double *Hv) { return qnn_instance_hvp(ctx, v, Hv); }

/* Case hc's instance, evaluated once. path (may be NULL): the circuit
 * models' exact Hessian path, QNNLAB_HESSIAN_PATH while the instance is
 * built (the engine reads it then); the caller's environment is restored. */
static qnn_instance *hess_instance(const hess_case *hc, const char *path)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[256];
    for (int k = 0; hc->sets[k]; k++) {
        char key[64];
        const char *eq = strchr(hc->sets[k], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - hc->sets[k]), hc->sets[k]);
        if (qnn_params_set(&p, key, eq + 1, err, sizeof err) != 0)
            return NULL;
    }
    const char *was = getenv("QNNLAB_HESSIAN_PATH");
    char *keep = was ? strdup(was) : NULL;
    if (path)
        setenv("QNNLAB_HESSIAN_PATH", path, 1);
    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    if (path) {
        if (keep)
            setenv("QNNLAB_HESSIAN_PATH", keep, 1);
        else
            unsetenv("QNNLAB_HESSIAN_PATH");
    }
    free(keep);
    if (in) {
        qnn_obs ob;
        qnn_instance_eval(in, 0, &ob);
    }
    return in;
}

/* The parameter shift's matrix on an instance like the adjoint's (same
 * parameters and seed, so the same θ): its time and the largest deviation
 * from Ha (the adjoint's matrix). */
static void run_hessian_shift(const hess_case *hc, const bench_opts *o, int P, const double *Ha, hess_result *r)
{
    qnn_instance *in = hess_instance(hc, "shift");
    int R = o->repeats;
    if (P >= 1024)
        R = 1;   /* tens of seconds a matrix before issue 24 */
    else if (P >= 256 && R > 3)
        R = 3;
    double *H = malloc((size_t)P * (size_t)P * sizeof *H), *t = malloc((size_t)R * sizeof *t);
    if (in && H && t) {
        r->shift_ok = 1;
        for (int k = 0; k < R && r->shift_ok; k++) {
            double t0 = bench_now_s();
            r->shift_ok = qnn_instance_hessian(in, H) == 0;
            t[k] = 1e3 * (bench_now_s() - t0);
        }
        if (r->shift_ok) {
            r->shift_ms = bench_stat_of(t, R);
            r->shift_repeats = R;
            r->maxdiff = r->hmax = 0.0;
            for (size_t i = 0; i < (size_t)P * (size_t)P; i++) {
                double d = fabs(H[i] - Ha[i]);
                if (d > r->maxdiff || d != d)
                    r->maxdiff = d;
                if (fabs(Ha[i]) > r->hmax)
                    r->hmax = fabs(Ha[i]);
            }
        }
    }
    free(H);
    free(t);
    qnn_instance_free(in);
}

/* The exact mlp case (index 4) would need a 9889 x 9889 matrix: skipped,
 * it is there to say so in the table; the SLQ rows are the point. */
static void run_hessian(const bench_opts *o, hess_result *res)
{
    for (int c = 0; c < NHESS; c++) {
        hess_result *r = &res[c];
        memset(r, 0, sizeof *r);
        r->build_ms = r->eig_ms = r->total_ms = r->shift_ms = (stat3){NAN, NAN, NAN, 0};
        r->lmin = r->lmax = r->frac_pos = r->maxdiff = r->hmax = NAN;
        const hess_case *hc = &hess_cases[c];
        if (hc->slq && hc->probes == 0)
            continue;
        qnn_instance *in = hess_instance(hc, hc->slq ? NULL : "adjoint");
        if (!in)
            continue;
        int P;
        qnn_instance_theta(in, &P);
        r->P = P;
        /* an exact Hessian at L = 1024 took tens of seconds: fewer repeats */
        int R = o->repeats;
        if (!hc->slq && P >= 1024 && R > 3)
            R = 3;
        if (o->quick && !hc->slq && P >= 1024)
            R = 1;
        r->repeats = R;
        double *b = malloc((size_t)R * sizeof *b), *e = malloc((size_t)R * sizeof *e), *t = malloc((size_t)R * sizeof *t);
        double *H = hc->slq ? NULL : malloc((size_t)P * (size_t)P * sizeof *H);
        qnn_hess_rng *rng = qnn_hess_rng_new(1);
        if (!b || !e || !t || (!hc->slq && !H) || !rng) {
            free(b); free(e); free(t); free(H);
            qnn_hess_rng_free(rng);
            qnn_instance_free(in);
            continue;
        }
        r->ok = 1;
        for (int k = 0; k < R && r->ok; k++) {
            qnn_spectrum sp;
            double t0 = bench_now_s();
            if (!hc->slq) {
                r->ok = qnn_instance_hessian(in, H) == 0;
                double t1 = bench_now_s();
                r->ok = r->ok && qnn_hess_dense_spectrum(H, (size_t)P, &sp, NULL) == QNN_HESS_OK;
                double t2 = bench_now_s();
                b[k] = 1e3 * (t1 - t0);
                e[k] = 1e3 * (t2 - t1);
                t[k] = 1e3 * (t2 - t0);
            } else {
                r->ok = qnn_hess_slq(hvp_bench, in, (size_t)P, (size_t)hc->probes, (size_t)hc->steps, rng, &sp, NULL) == QNN_HESS_OK;
                t[k] = 1e3 * (bench_now_s() - t0);
            }
            if (r->ok) {
                qnn_spectrum_stats st;
                qnn_spectrum_summary(&sp, 0.0, &st);
                r->lmin = st.min;
                r->lmax = st.max;
                r->frac_pos = st.frac_pos;
                qnn_spectrum_free(&sp);
            }
        }
        if (r->ok) {
            r->total_ms = bench_stat_of(t, R);
            if (!hc->slq) {
                r->build_ms = bench_stat_of(b, R);
                r->eig_ms = bench_stat_of(e, R);
                /* (qnn_hess_dense_spectrum works on a copy: H is the matrix) */
                run_hessian_shift(hc, o, P, H, r);
            }
        }
        free(b); free(e); free(t); free(H);
        qnn_hess_rng_free(rng);
        qnn_instance_free(in);
    }
}

static void print_hessian(const hess_result *res)
{
    printf("Hessian of the loss (one instance after one evaluation): exact = the P x P matrix (circuit:\n"
           "the second-order adjoint; mlp: P R-operator products) + gsl_eigen_symm;\n"
           "SLQ = probes x Lanczos steps of Hessian-vector products (circuit: central differences of the\n"
           "exact gradient, 2 gradients each; mlp: R-operator), full reorthogonalisation\n");
    printf("  %-32s %7s %11s %11s %11s %10s %10s %8s\n", "case", "P", "total ms", "matrix ms", "eigen ms",
           "lambda_min", "lambda_max", "frac>0");
    for (int c = 0; c < NHESS; c++) {
        const hess_result *r = &res[c];
        if (!r->ok) {
            printf("  %-32s %7d %s\n", hess_cases[c].label, r->P,
                   hess_cases[c].slq && hess_cases[c].probes == 0
                       ? "  not run: exact needs a 9889 x 9889 matrix (hessian = auto switches to SLQ above 1024)"
                       : "  failed");
            continue;
        }
        printf("  %-32s %7d %11.4g %11.4g %11.4g %10.4g %10.4g %8.3f\n", hess_cases[c].label, r->P,
               r->total_ms.med, r->build_ms.med, r->eig_ms.med, r->lmin, r->lmax, r->frac_pos);
    }
    printf("\nExact circuit Hessian: the second-order adjoint (QNNLAB_HESSIAN_PATH=adjoint, the matrix above)\n"
           "against the parameter shift (=shift, 2P Jacobians) on an instance built alike (same theta);\n"
           "medians (repeats); target: >= 5x at L = 256, max |dH| <= 1e-10\n");
    printf("  %-32s %7s %15s %15s %8s %10s %10s\n", "case", "P", "adjoint ms", "shift ms", "ratio", "max |dH|",
           "max |H|");
    for (int c = 0; c < NHESS; c++) {
        const hess_result *r = &res[c];
        if (!r->ok || hess_cases[c].slq)
            continue;
        if (!r->shift_ok) {
            printf("  %-32s %7d %11.4g (%d)   shift failed\n", hess_cases[c].label, r->P, r->build_ms.med, r->repeats);
            continue;
        }
        printf("  %-32s %7d %11.4g (%d) %11.4g (%d) %7.1fx %10.2e %10.3g\n", hess_cases[c].label, r->P,
               r->build_ms.med, r->repeats, r->shift_ms.med, r->shift_repeats, r->shift_ms.med / r->build_ms.med,
               r->maxdiff, r->hmax);
    }
    printf("\n");
}

static json_t *jhessian(const hess_result *res)
{
    json_t *a = json_array();
    for (int c = 0; c < NHESS; c++) {
        const hess_result *r = &res[c];
        json_t *j = json_pack("{s:s, s:i, s:s}", "case", hess_cases[c].label, "parameters", r->P,
                              "status", r->ok ? "measured" : "not run");
        if (r->ok) {
            json_object_set_new(j, "total_ms", bench_jstat(r->total_ms));
            if (!hess_cases[c].slq) {
                json_object_set_new(j, "matrix_ms", bench_jstat(r->build_ms));
                json_object_set_new(j, "eigen_ms", bench_jstat(r->eig_ms));
                json_object_set_new(j, "path", json_string("adjoint"));
                if (r->shift_ok) {
                    json_object_set_new(j, "shift_matrix_ms", bench_jstat(r->shift_ms));
                    json_object_set_new(j, "shift_over_adjoint", bench_jnum(r->shift_ms.med / r->build_ms.med));
                    json_object_set_new(j, "max_abs_diff_shift", bench_jnum(r->maxdiff));
                }
            } else {
                json_object_set_new(j, "probes", json_integer(hess_cases[c].probes));
                json_object_set_new(j, "lanczos_steps", json_integer(hess_cases[c].steps));
            }
            json_object_set_new(j, "lambda_min", bench_jnum(r->lmin));
            json_object_set_new(j, "lambda_max", bench_jnum(r->lmax));
            json_object_set_new(j, "frac_pos", bench_jnum(r->frac_pos));
        }
        json_array_append_new(a, j);
    }
    return a;
}

/* ------------------------------------------------------------------------ */
/* Entanglement observer: spectrum of ρ_v, entropy, trace distance          */
/* ------------------------------------------------------------------------ */

#define ENT_SEED 20261121UL

/* (n, n_v); (20, 10) is the case (D_v = D_h = 1024), (20, 8) the
 * default cut at n = 20 (n/2 capped at QNN_DEFAULT_CUT_MAX = 8), (20, 4)
 * and (20, 16) show that the cost follows k = min(D_v, D_h), not D_v. */
static const int ent_cases[][2] = {{20, 10}, {20, 8}, {20, 4}, {20, 16}, {16, 8}, {12, 6}};
#define NENT ((int)(sizeof ent_cases / sizeof ent_cases[0]))

typedef struct ent_ctx {
    int n, n_v, Dv, Dh, k;
    qnn_entangle *e;
    qnn_cplx *psi;
    double *lambda;
    double S, T;                   /* of the last call */
    int bad;
    qnn_cplx *g;                   /* ZHERK target, k x k */
    gsl_matrix_complex *G0, *W;    /* the Gram matrix; its copy the eigensolver overwrites */
    gsl_vector *ev;
    gsl_eigen_herm_workspace *ws;
} ent_ctx;

typedef struct ent_result {
    int n, n_v, ok;
    long Dv, Dh, k;
    long calls[3];                 /* calls per repeat: total, ZHERK, eigensolve */
    stat3 total, zherk, eig;       /* ms per call */
    double S, page, T, bound;
} ent_result;

/* What the observer does: the spectrum, then both numbers read off it. */
static void do_ent_total(void *v)
{
    ent_ctx *c = v;
    if (qnn_entangle_spectrum(c->e, c->psi, c->lambda) != 0)
        c->bad = 1;
    c->S = qnn_entropy(c->lambda, (size_t)c->Dv, 0);
    c->T = qnn_trace_distance_mixed(c->lambda, (size_t)c->Dv);
}

/* The product alone: the same ZHERK qnn_entangle_spectrum makes (the
 * smaller Gram matrix, upper triangle), into a buffer of our own. */
static void do_ent_zherk(void *v)
{
    ent_ctx *c = v;
    if (c->Dv <= c->Dh)
        cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, c->Dv, c->Dh, 1.0, c->psi, c->Dv, 0.0,
                    c->g, c->k);
    else
        cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, c->Dh, c->Dv, 1.0, c->psi, c->Dv, 0.0,
                    c->g, c->k);
}

/* The eigensolve alone: gsl_eigen_herm (eigenvalues only) on a fresh copy
 * of the Gram matrix (it overwrites its input; the copy is O(k²)). */
static void do_ent_eig(void *v)
{
    ent_ctx *c = v;
    gsl_matrix_complex_memcpy(c->W, c->G0);
    if (gsl_eigen_herm(c->W, c->ev, c->ws) != 0)
        c->bad = 1;
}

/* k x k complex matrix with one spare row behind it, as the engine
 * allocates them (engine/src/gslpad.h): OpenBLAS 0.3.21's Haswell zdot
 * kernels, which gsl_eigen_herm calls, read one element past a column. */
static gsl_matrix_complex *ent_matrix(size_t k)
{
    gsl_matrix_complex *m = gsl_matrix_complex_alloc(k + 1, k);
    if (m)
        m->size1 = k;
    return m;
}

static void ent_ctx_free(ent_ctx *c)
{
    qnn_entangle_free(c->e);
    free(c->psi);
    free(c->lambda);
    free(c->g);
    if (c->G0)
        gsl_matrix_complex_free(c->G0);
    if (c->W)
        gsl_matrix_complex_free(c->W);
    if (c->ev)
        gsl_vector_free(c->ev);
    if (c->ws)
        gsl_eigen_herm_free(c->ws);
    memset(c, 0, sizeof *c);
}

/* The fixed state: complex Gaussian amplitudes from mt19937 seeded with
 * ENT_SEED, normalised (a Haar-random state, the same one on every run). */
static int ent_ctx_init(ent_ctx *c, int n, int n_v)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->n_v = n_v;
    c->Dv = 1 << n_v;
    c->Dh = 1 << (n - n_v);
    c->k = c->Dv < c->Dh ? c->Dv : c->Dh;
    const size_t D = (size_t)1 << n, k = (size_t)c->k;
    c->e = qnn_entangle_new(n, n_v);
    c->psi = malloc(D * sizeof(qnn_cplx));
    c->lambda = malloc((size_t)c->Dv * sizeof(double));
    c->g = malloc(k * k * sizeof(qnn_cplx));
    c->G0 = ent_matrix(k);
    c->W = ent_matrix(k);
    c->ev = gsl_vector_alloc(k);
    c->ws = gsl_eigen_herm_alloc(k);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!c->e || !c->psi || !c->lambda || !c->g || !c->G0 || !c->W || !c->ev || !c->ws || !rng) {
        if (rng)
            gsl_rng_free(rng);
        ent_ctx_free(c);
        return -1;
    }
    gsl_rng_set(rng, ENT_SEED);
    double nrm = 0.0;
    for (size_t i = 0; i < D; i++) {
        const double re = gsl_ran_gaussian_ziggurat(rng, 1.0), im = gsl_ran_gaussian_ziggurat(rng, 1.0);
        c->psi[i] = CMPLX(re, im);
        nrm += re * re + im * im;
    }
    gsl_rng_free(rng);
    nrm = 1.0 / sqrt(nrm);
    for (size_t i = 0; i < D; i++)
        c->psi[i] *= nrm;
    /* the Gram matrix the eigensolve starts from, laid out as in the engine */
    do_ent_zherk(c);
    memcpy(c->G0->data, c->g, k * k * sizeof(qnn_cplx));
    return 0;
}

/* Times all cases with their three parts interleaved: calibration first,
 * then repeat r of every part of every case, then repeat r + 1, so that a
 * slow spell of the shared machine hits all alike. The calls are
 * deterministic and repeat after repeat cost the same, so the repeats are
 * a third as long as elsewhere and the warm-ups a quarter (default 0.1 s
 * and 0.05 s): the 18 timings then take ~13 s, not ~35 s. */
#define ENT_TIME_DIV 3.0
#define ENT_WARM_DIV 4.0
static void run_entropy(const bench_opts *opts, ent_result *res)
{
    static const work_fn fn[3] = {do_ent_total, do_ent_zherk, do_ent_eig};
    bench_opts eo = *opts;
    eo.min_time /= ENT_TIME_DIV;
    eo.warm_time /= ENT_WARM_DIV;
    const bench_opts *o = &eo;
    const int R = o->repeats;
    ent_ctx *c = calloc(NENT, sizeof *c);
    double *sec = malloc((size_t)NENT * 3 * (size_t)R * sizeof(double));
    int ok[NENT];
    memset(res, 0, NENT * sizeof *res);
    for (int i = 0; i < NENT; i++) {
        ent_result *r = &res[i];
        r->n = ent_cases[i][0];
        r->n_v = ent_cases[i][1];
        r->Dv = 1L << r->n_v;
        r->Dh = 1L << (r->n - r->n_v);
        r->k = r->Dv < r->Dh ? r->Dv : r->Dh;
        r->total = r->zherk = r->eig = (stat3){NAN, NAN, NAN, 0};
        r->S = r->page = r->T = r->bound = NAN;
        ok[i] = c && sec && ent_ctx_init(&c[i], r->n, r->n_v) == 0;
        if (!ok[i])
            continue;
        for (int p = 0; p < 3; p++)
            r->calls[p] = bench_calibrate(fn[p], &c[i], o, NULL);
    }
    for (int rep = 0; rep < R; rep++)
        for (int i = 0; i < NENT; i++)
            for (int p = 0; ok[i] && p < 3; p++)
                sec[((size_t)i * 3 + (size_t)p) * (size_t)R + (size_t)rep] =
                    1e3 * bench_timed_repeat(fn[p], &c[i], res[i].calls[p], o->min_time);
    for (int i = 0; i < NENT; i++) {
        if (!ok[i])
            continue;
        ent_result *r = &res[i];
        const double *s = sec + (size_t)i * 3 * (size_t)R;
        r->total = bench_stat_of(s, R);
        r->zherk = bench_stat_of(s + R, R);
        r->eig = bench_stat_of(s + 2 * R, R);
        r->S = c[i].S;
        r->T = c[i].T;
        r->page = qnn_page_entropy((double)r->Dv, (double)r->Dh);
        r->bound = qnn_trace_distance_bound((double)r->Dv, (double)r->Dh);
        r->ok = !c[i].bad;
        ent_ctx_free(&c[i]);
    }
    free(c);
    free(sec);
}

static json_t *jentropy(const bench_opts *o, const ent_result *res)
{
    json_t *cases = json_array();
    for (int i = 0; i < NENT; i++) {
        const ent_result *r = &res[i];
        json_t *j = json_pack("{s:i, s:i, s:I, s:I, s:I, s:s}", "n", r->n, "n_v", r->n_v,
                              "D_v", (json_int_t)r->Dv, "D_h", (json_int_t)r->Dh, "k", (json_int_t)r->k,
                              "status", r->ok ? "measured" : "failed");
        if (r->ok) {
            json_object_set_new(j, "calls_per_repeat",
                                json_pack("{s:I, s:I, s:I}", "total", (json_int_t)r->calls[0],
                                          "zherk", (json_int_t)r->calls[1], "eigensolve",
                                          (json_int_t)r->calls[2]));
            json_object_set_new(j, "ms_per_call", bench_jstat(r->total));
            json_object_set_new(j, "zherk_ms", bench_jstat(r->zherk));
            json_object_set_new(j, "eigensolve_ms", bench_jstat(r->eig));
            json_object_set_new(j, "entropy_nats", bench_jnum(r->S));
            json_object_set_new(j, "page_entropy_nats", bench_jnum(r->page));
            json_object_set_new(j, "trace_distance_mixed", bench_jnum(r->T));
            json_object_set_new(j, "trace_distance_bound", bench_jnum(r->bound));
        }
        json_array_append_new(cases, j);
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:o}",
                     "call", "qnn_entangle_spectrum + qnn_entropy + qnn_trace_distance_mixed",
                     "state", "complex Gaussian amplitudes, gsl_rng_mt19937 seed 20261121, normalised",
                     "zherk", "cblas_zherk of the smaller Gram matrix alone (k x k, k = min(D_v, D_h))",
                     "eigensolve", "gsl_eigen_herm (eigenvalues only) of that k x k matrix, after copying it",
                     "min_time_s", o->min_time / ENT_TIME_DIV, "warm_time_s", o->warm_time / ENT_WARM_DIV,
                     "cases", cases);
}

static void print_entropy(const bench_opts *o, const ent_result *res)
{
    printf("Entanglement observer (qnn/entangle.h): one qnn_entangle_spectrum + qnn_entropy +\n"
           "qnn_trace_distance_mixed on a fixed Haar-random state (complex Gaussian amplitudes, mt19937\n"
           "seed %lu, normalised); qubits 0 .. n_v - 1 visible. The spectrum is one ZHERK of the smaller\n"
           "Gram matrix, k = min(D_v, D_h), O(D k), and gsl_eigen_herm of it, O(k^3); those two parts are\n"
           "also timed on their own (the eigensolve on a fresh copy of the k x k matrix); all interleaved,\n"
           "median of %d repeats, each >= %.2g s after a warm-up of %.2g s\n", ENT_SEED, o->repeats,
           o->min_time / ENT_TIME_DIV, o->warm_time / ENT_WARM_DIV);
    printf("  %3s %4s %6s %6s %5s %10s %9s %9s %9s %9s %8s %8s\n", "n", "n_v", "D_v", "D_h", "k",
           "ms/call", "min", "max", "ZHERK ms", "eigen ms", "S nats", "Page");
    for (int i = 0; i < NENT; i++) {
        const ent_result *r = &res[i];
        if (!r->ok) {
            printf("  %3d %4d %6ld %6ld %5ld  failed (out of memory or eigensolver)\n", r->n, r->n_v,
                   r->Dv, r->Dh, r->k);
            continue;
        }
        printf("  %3d %4d %6ld %6ld %5ld %10.4g %9.4g %9.4g %9.4g %9.4g %8.4f %8.4f\n", r->n, r->n_v,
               r->Dv, r->Dh, r->k, r->total.med, r->total.min, r->total.max, r->zherk.med, r->eig.med,
               r->S, r->page);
    }
    printf("\n");
    fflush(stdout);
}

int bench_section_entropy(const bench_opts *o, json_t *root)
{
    if (!bench_selected(o, ENTROPY_ID))
        return 0;
    int failed = 0;
    ent_result er[NENT];
    run_entropy(o, er);
    print_entropy(o, er);
    json_object_set_new(root, "entropy", jentropy(o, er));
    for (int i = 0; i < NENT; i++)
        if (!er[i].ok)
            failed = 1;
    return failed;
}

void bench_section_hessian(const bench_opts *o, json_t *root)
{
    if (!bench_selected(o, HESSIAN_ID))
        return;
    hess_result hr[NHESS];
    run_hessian(o, hr);
    print_hessian(hr);
    json_object_set_new(root, "hessian", jhessian(hr));
}
