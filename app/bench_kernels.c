/* The engine's workloads for `qnnlab bench`: the reference table (steps
 * per second, the gradient's cost against a forward pass), the asymptotic
 * dynamics timed interleaved, the --scaling runs against D and L, and the
 * asymptotic step's cost against d and m with log-log fits; the --only
 * check of workload ids. */
#include "bench_priv.h"
#include "command.h"
#include "qnn/instance.h"
#include "qnn/params.h"

#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Workloads                                                                */
/* ------------------------------------------------------------------------ */

static const workload reference[] = {
    {"random_n4_L64_haar", "random n=4 L=64 haar",
     {"model=random", "n=4", "L=64", "entangler=haar", NULL}, {"", ""}, 0},
    {"random_n10_L200_haar", "random n=10 L=200 haar",
     {"model=random", "n=10", "L=200", "entangler=haar", NULL}, {"", ""}, 0},
    {"random_n16_L200_bw2", "random n=16 L=200 brickwork(2)",
     {"model=random", "n=16", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}, 0},
    {"random_n20_L200_bw2", "random n=20 L=200 brickwork(2)",
     {"model=random", "n=20", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}, 0},
    {"periodic_d64_p80_m4", "periodic d=64 p=80 m=4",
     {"model=periodic", "d=64", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}, 0},
    {"periodic_d256_p80_m4", "periodic d=256 p=80 m=4",
     {"model=periodic", "d=256", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}, 0},
    /* OME's quantum Boltzmann machine: 435 C1 coefficients, dense Gibbs
     * state (LAPACK zheevd) and the exact Duhamel gradient */
    {"qbm_n10", "qbm n=10 (435 terms)",
     {"model=qbm", "n=10", "n_h=5", "resample=all", "beta=1", "O0=-1", NULL}, {"", ""}, 0},
    /* a user's circuit (the gate-level simulator, adjoint through every
     * gate): one residual on 10 qubits, 160 parameters; and a data set of
     * 128 rows through the angle encoding (128 forward and adjoint passes
     * per step, the 128 x 128 kernel) */
    {"circuit_hea_n10_L8", "circuit hea n=10 L=8, no data",
     {"model=circuit", "ansatz=hea", "n=10", "layers=8", "rotations=ry,rz", "data=none", NULL}, {"", ""}, 0},
    {"circuit_spirals_n6_m128", "circuit hea n=6 L=4, m=128",
     {"model=circuit", "ansatz=hea", "n=6", "layers=4", "rotations=ry,rz", "data=spirals", "classes=2", "m=128", NULL}, {"", ""}, 0},
};
#define NREF ((int)(sizeof reference / sizeof reference[0]))

/* The asymptotic dynamics (YOU23 Eq. 119): M(0) = γ U diag(±1) U† with U
 * Haar (Eq. 120), m basis inputs with ±1 labels, time step h = eta. One
 * step is qnn_instance_eval(want_eigen = 0) + qnn_instance_step: the
 * residuals, the m x m kernel and one Cayley (or midpoint) step, all
 * O(m d²). With want_eigen the eval also computes the spectral drift, a
 * full d x d eigen-decomposition (O(d³)) that a run does only every
 * kernel_every steps; it is an observer, not part of the dynamics. */
#define ASYM_COMMON "model=asymptotic", "gamma=2", "eta=1e-3", "eta_per_L=0", "m0_init=haar"
static const workload asym_reference[] = {
    {"asym-d64", "asymptotic d=64 m=4 cayley",
     {ASYM_COMMON, "d=64", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-d256", "asymptotic d=256 m=4 cayley",
     {ASYM_COMMON, "d=256", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-d1024", "asymptotic d=1024 m=4 cayley",
     {ASYM_COMMON, "d=1024", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-mid-d256", "asymptotic d=256 m=4 midpoint",
     {ASYM_COMMON, "d=256", "m=4", "integrator=midpoint", NULL}, {"", ""}, 1},
};
#define NASYM ((int)(sizeof asym_reference / sizeof asym_reference[0]))
#define ASYM_D256 1     /* asym_reference[] index of the Cayley d = 256 */
#define ASYM_MID_D256 3 /* and of the midpoint one */

typedef struct step_ctx {
    qnn_instance *in;
    int want_eigen;
    double *theta, *r;
    int bad;
} step_ctx;

static void do_step(void *v)
{
    step_ctx *c = v;
    qnn_obs o;
    if (qnn_instance_eval(c->in, c->want_eigen, &o) != 0)
        c->bad = 1;
    qnn_instance_step(c->in);
}

static void do_grad(void *v)
{
    step_ctx *c = v;
    qnn_obs o;
    if (qnn_instance_eval(c->in, 0, &o) != 0)
        c->bad = 1;
}

static void do_fwd(void *v)
{
    step_ctx *c = v;
    qnn_instance_residuals_at(c->in, c->theta, c->r);
}

static int build_params(const workload *w, qnn_params *p, char *err, size_t errlen)
{
    qnn_params_default(p);
    const char *all[MAX_SETS + 2];
    int k = 0;
    for (int i = 0; i < MAX_SETS && w->sets[i]; i++)
        all[k++] = w->sets[i];
    for (int i = 0; i < 2; i++)
        if (w->extra[i][0])
            all[k++] = w->extra[i];
    for (int i = 0; i < k; i++) {
        char key[64];
        const char *eq = strchr(all[i], '=');
        size_t kl = eq ? (size_t)(eq - all[i]) : 0;
        if (!eq || kl >= sizeof key) {
            snprintf(err, errlen, "bad workload setting '%s'", all[i]);
            return -1;
        }
        memcpy(key, all[i], kl);
        key[kl] = '\0';
        if (qnn_params_set(p, key, eq + 1, err, errlen) != 0)
            return -1;
    }
    p->instances = 1;
    p->threads = 1;
    p->steps = 0;
    return qnn_params_check(p, 0, err, errlen);
}

/* Starts res for w and builds its instance (timed into res->build_s).
 * NULL, with res->status and res->note set, when the parameters are wrong,
 * the instance would not fit in memory (skipped) or building failed. */
static qnn_instance *build_workload(const workload *w, const machine *mc, wl_result *res)
{
    memset(res, 0, sizeof *res);
    res->w = w;
    res->sps = res->step_ms = res->grad_ms = res->fwd_ms = (stat3){NAN, NAN, NAN, 0};
    res->ratio = NAN;
    char err[512];
    qnn_params p;
    if (build_params(w, &p, err, sizeof err) != 0) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "%s", err);
        return NULL;
    }
    res->bytes = (double)qnn_params_instance_bytes(&p);
    res->D = 1L << p.n;
    /* Leave a tenth of what is available to everything else. */
    double avail = bench_meminfo_bytes("MemAvailable");
    if (avail <= 0.0)
        avail = mc->mem_avail;
    if (avail > 0.0 && res->bytes > 0.9 * avail) {
        res->status = 1;
        snprintf(res->note, sizeof res->note,
                 "skipped: needs %.2f GiB, %.2f GiB available", bench_gib(res->bytes), bench_gib(avail));
        return NULL;
    }
    if (res->bytes > 1024.0 * 1024.0 * 1024.0)
        snprintf(res->note, sizeof res->note, "needs %.2f GiB, %.2f GiB available: fits",
                 bench_gib(res->bytes), bench_gib(avail));
    double t0 = bench_now_s();
    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    res->build_s = bench_now_s() - t0;
    if (!in) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "%s", err);
        return NULL;
    }
    qnn_instance_theta(in, &res->L);
    qnn_instance_residuals(in, &res->m);
    return in;
}

/* Builds one instance and measures it. want_ratio: also time the gradient
 * and the forward pass on their own. */
static void run_workload(const workload *w, const bench_opts *o, const machine *mc,
                         int want_ratio, wl_result *res)
{
    qnn_instance *in = build_workload(w, mc, res);
    if (!in)
        return;
    const double *th = qnn_instance_theta(in, NULL);
    step_ctx c = {in, !w->plain_eval, NULL, NULL, 0};
    /* (the asymptotic model has no angles: L = 0) */
    c.theta = malloc((size_t)(res->L > 0 ? res->L : 1) * sizeof(double));
    c.r = malloc((size_t)(res->m > 0 ? res->m : 1) * sizeof(double));
    double *sec = malloc((size_t)o->repeats * sizeof(double));
    double *rate = malloc((size_t)o->repeats * sizeof(double));
    if (!c.theta || !c.r || !sec || !rate) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "out of memory");
        goto done;
    }

    int nr = bench_time_calls(do_step, &c, o, 1, sec, &res->calls);
    const int nr_steps = nr;
    for (int i = 0; i < nr; i++) {
        rate[i] = 1.0 / sec[i];
        sec[i] *= 1e3;
    }
    res->sps = bench_stat_of(rate, nr);
    res->step_ms = bench_stat_of(sec, nr);

    if (want_ratio && res->L > 0) {
        /* The instance is warm from the steps; slow ones skip the warm-up. */
        const int warm = res->step_ms.med < 1e3 * SLOW_CALL_S;
        memcpy(c.theta, th, (size_t)res->L * sizeof(double));
        nr = bench_time_calls(do_grad, &c, o, warm, sec, NULL);
        for (int i = 0; i < nr; i++)
            sec[i] *= 1e3;
        res->grad_ms = bench_stat_of(sec, nr);
        nr = bench_time_calls(do_fwd, &c, o, warm, sec, NULL);
        for (int i = 0; i < nr; i++)
            sec[i] *= 1e3;
        res->fwd_ms = bench_stat_of(sec, nr);
        res->ratio = res->grad_ms.med / res->fwd_ms.med;
    }
    if (nr_steps == 1 && o->repeats > 1) {
        size_t l = strlen(res->note);
        snprintf(res->note + l, sizeof res->note - l, "%stimed once (--quick, over %.0f s per call)",
                 l ? "; " : "", SLOW_CALL_S);
    }
    if (c.bad)
        snprintf(res->note, sizeof res->note, "diverged during the timing (values not finite)");
done:
    free(c.theta);
    free(c.r);
    free(sec);
    free(rate);
    qnn_instance_free(in);
}

/* Like run_workload (steps only, no ratio) for n workloads together: all
 * are built and calibrated first, then their repeats are interleaved
 * (repeat r of every workload, then repeat r + 1), so that a slow spell of
 * the shared machine hits every workload alike and ratios between them
 * hold. ms (n x repeats, if not NULL) receives the ms per step of every
 * repeat; NAN where a workload was not measured. */
static void run_interleaved(const workload *const *w, int n, const bench_opts *o, const machine *mc,
                            wl_result *res, double *ms)
{
    const int R = o->repeats;
    qnn_instance **in = calloc((size_t)n, sizeof *in);
    step_ctx *c = calloc((size_t)n, sizeof *c);
    double *sec = malloc((size_t)n * (size_t)R * sizeof(double));
    double *rate = malloc((size_t)R * sizeof(double));
    if (!in || !c || !sec || !rate) {
        for (int i = 0; i < n; i++) {
            memset(&res[i], 0, sizeof res[i]);
            res[i].w = w[i];
            res[i].status = -1;
            res[i].sps = res[i].step_ms = res[i].grad_ms = res[i].fwd_ms = (stat3){NAN, NAN, NAN, 0};
            res[i].ratio = NAN;
            snprintf(res[i].note, sizeof res[i].note, "out of memory");
            for (int r = 0; ms && r < R; r++)
                ms[i * R + r] = NAN;
        }
        goto done;
    }
    for (int i = 0; i < n; i++) {
        qnn_instance *q = build_workload(w[i], mc, &res[i]);
        if (!q)
            continue;
        in[i] = q;
        c[i] = (step_ctx){q, !w[i]->plain_eval, NULL, NULL, 0};
        res[i].calls = bench_calibrate(do_step, &c[i], o, NULL);
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < n; i++)
            if (in[i])
                sec[i * R + r] = bench_timed_repeat(do_step, &c[i], res[i].calls, o->min_time);
    for (int i = 0; i < n; i++) {
        for (int r = 0; ms && r < R; r++)
            ms[i * R + r] = in[i] ? 1e3 * sec[i * R + r] : NAN;
        if (!in[i])
            continue;
        double *s = sec + (size_t)i * (size_t)R;
        for (int r = 0; r < R; r++) {
            rate[r] = 1.0 / s[r];
            s[r] *= 1e3;
        }
        res[i].sps = bench_stat_of(rate, R);
        res[i].step_ms = bench_stat_of(s, R);
        if (c[i].bad)
            snprintf(res[i].note, sizeof res[i].note, "diverged during the timing (values not finite)");
        qnn_instance_free(in[i]);
    }
done:
    free(in);
    free(c);
    free(sec);
    free(rate);
}

int bench_selected(const bench_opts *o, const char *id)
{
    if (!o->only)
        return 1;
    size_t l = strlen(id);
    for (const char *s = o->only; *s;) {
        size_t k = strcspn(s, ",");
        if (k == l && !strncmp(s, id, l))
            return 1;
        s += k;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Asymptotic dynamics: cost of a step against d and m                      */
/* ------------------------------------------------------------------------ */

#define FIT_MAX 8

/* One sweep: the Cayley step at d = x[i] (m fixed) or m = x[i] (d fixed),
 * and the least-squares line log(ms/step) = c0 + c1 log x through the
 * medians (gsl_fit_linear). c1 is the exponent of the cost. The points of
 * a sweep are timed interleaved (run_interleaved), so that a slow spell of
 * the shared machine does not bend the line. */
typedef struct asym_fit {
    int vary_m;           /* 0: x is d; 1: x is m */
    int fixed;            /* m (vary_m = 0) or d (vary_m = 1) */
    int npts;
    int x[FIT_MAX];
    workload w[FIT_MAX];
    wl_result r[FIT_MAX];
    int nfit;             /* points measured and fitted */
    double slope, slope_se, intercept, r2;
    /* vary_m: also the straight line ms/step = lin0 + lin1 m (gsl_fit_linear
     * on the medians): lin0 is the part every m pays (the passes over M),
     * lin1 the cost per training state */
    double lin0, lin1;
} asym_fit;

static const char *const asym_fit_sets[] = {ASYM_COMMON, "integrator=cayley", NULL};

static void asym_fit_row(const wl_result *r, double per)
{
    if (r->status != 0) {
        printf("  %-32s %s\n", r->w->label, r->note);
    } else {
        printf("  %-32s %10.4g %10.4g %10.4g %11.4g %12.3f\n", r->w->label, r->sps.med, r->sps.min,
               r->sps.max, r->step_ms.med, per);
        if (r->note[0])
            printf("  %-32s note: %s\n", "", r->note);
    }
    fflush(stdout);
}

/* ns per step divided by m d² */
static double asym_per_md2(const wl_result *r, int d, int m)
{
    return r->step_ms.med * 1e6 / ((double)m * (double)d * (double)d);
}

static void run_asym_fit(asym_fit *f, const bench_opts *o, const machine *mc)
{
    double lx[FIT_MAX], ly[FIT_MAX], px[FIT_MAX], py[FIT_MAX];
    const workload *wp[FIT_MAX];
    f->slope = f->slope_se = f->intercept = f->r2 = f->lin0 = f->lin1 = NAN;
    f->nfit = 0;
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        workload *w = &f->w[i];
        memset(w, 0, sizeof *w);
        snprintf(w->id, sizeof w->id, "asym-scaling-d%d-m%d", d, m);
        snprintf(w->label, sizeof w->label, "asymptotic d=%d m=%d cayley", d, m);
        for (int j = 0; asym_fit_sets[j] && j < MAX_SETS - 1; j++)
            w->sets[j] = asym_fit_sets[j];
        snprintf(w->extra[0], sizeof w->extra[0], "d=%d", d);
        snprintf(w->extra[1], sizeof w->extra[1], "m=%d", m);
        w->plain_eval = 1;
        wp[i] = w;
    }
    run_interleaved(wp, f->npts, o, mc, f->r, NULL);
    int k = 0;
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        asym_fit_row(&f->r[i], asym_per_md2(&f->r[i], d, m));
        const double t = f->r[i].step_ms.med;
        if (f->r[i].status == 0 && isfinite(t) && t > 0.0) {
            px[k] = (double)f->x[i];
            py[k] = t;
            lx[k] = log(px[k]);
            ly[k] = log(t);
            k++;
        }
    }
    f->nfit = k;
    if (k < 3)
        return;
    double c0, c1, cov00, cov01, cov11, sumsq;
    if (gsl_fit_linear(lx, 1, ly, 1, (size_t)k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) != 0)
        return;
    const double tss = gsl_stats_tss(ly, 1, (size_t)k);
    f->slope = c1;
    f->slope_se = sqrt(cov11);
    f->intercept = c0;
    f->r2 = tss > 0.0 ? 1.0 - sumsq / tss : NAN;
    if (f->vary_m &&
        gsl_fit_linear(px, 1, py, 1, (size_t)k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) == 0) {
        f->lin0 = c0;
        f->lin1 = c1;
    }
}

static json_t *jasym_fit(const asym_fit *f)
{
    json_t *pts = json_array();
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        json_t *j = bench_jworkload(&f->r[i]);
        if (f->r[i].status == 0)
            json_object_set_new(j, "ns_per_m_d2", bench_jnum(asym_per_md2(&f->r[i], d, m)));
        json_array_append_new(pts, j);
    }
    json_t *j = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:i}", "against", f->vary_m ? "m" : "d",
                          f->vary_m ? "d" : "m", f->fixed,
                          "fit", "gsl_fit_linear: log(median ms/step) = intercept + exponent * log(x)",
                          "exponent", bench_jnum(f->slope), "exponent_stderr", bench_jnum(f->slope_se),
                          "intercept", bench_jnum(f->intercept), "r2", bench_jnum(f->r2), "points_fitted", f->nfit);
    if (f->vary_m)
        json_object_set_new(j, "linear_fit",
                            json_pack("{s:s, s:o, s:o}", "fit",
                                      "gsl_fit_linear: median ms/step = ms_fixed + ms_per_state * m",
                                      "ms_fixed", bench_jnum(f->lin0), "ms_per_state", bench_jnum(f->lin1)));
    json_object_set_new(j, "points", pts);
    return j;
}

static void print_asym_fit(const asym_fit *f, const char *expect)
{
    const char *v = f->vary_m ? "m" : "d";
    if (f->nfit < 3) {
        printf("  fit against %s: too few points measured (%d)\n", v, f->nfit);
        return;
    }
    printf("  fit against %s (%s = %d, %d points): time per step ~ %s^%.3f (standard error %.3f, R^2 = %.4f); %s\n",
           v, f->vary_m ? "d" : "m", f->fixed, f->nfit, v, f->slope, f->slope_se, f->r2, expect);
    if (f->vary_m && isfinite(f->lin1))
        printf("  straight line: ms/step = %.4g + %.4g m (the first term: passes over M that every m pays)\n",
               f->lin0, f->lin1);
}

int bench_check_only(const char *only)
{
    char qb[200];
    for (const char *t = only; *t;) {
        size_t k = strcspn(t, ",");
        int ok = (k == 9 && !strncmp(t, "bandwidth", 9)) ||
                 (k == strlen(ENTROPY_ID) && !strncmp(t, ENTROPY_ID, k)) ||
                 (k == strlen(HESSIAN_ID) && !strncmp(t, HESSIAN_ID, k)) ||
                 (k == strlen(ASYM_SCALING_ID) && !strncmp(t, ASYM_SCALING_ID, k)) ||
                 bench_kernel_id(t, k);
        for (int i = 0; i < NREF && !ok; i++)
            ok = strlen(reference[i].id) == k && !strncmp(t, reference[i].id, k);
        for (int i = 0; i < NASYM && !ok; i++)
            ok = strlen(asym_reference[i].id) == k && !strncmp(t, asym_reference[i].id, k);
        if (!ok) {
            char id[200];
            snprintf(id, sizeof id, "%.*s", (int)(k < 120 ? k : 120), t);
            fprintf(stderr, "qnnlab: bench: --only: unknown workload '%s'; allowed: the ids `qnnlab bench --help` lists\n",
                    qnn_quote(id, 60, qb, sizeof qb));
            return -1;
        }
        t += k;
        if (*t == ',')
            t++;
    }
    return 0;
}

int bench_section_reference(const bench_opts *o, const machine *mc, json_t *jw)
{
    wl_result res[NREF];
    int nres = 0, failed = 0;
    int any = 0;
    for (int i = 0; i < NREF; i++)
        any |= bench_selected(o, reference[i].id);
    if (!any)
        return 0;
    printf("Steps per second (one step = qnn_instance_eval with eigenvalues + qnn_instance_step;\n"
           "random: task optimise, m = 1, n_obs = 10; brickwork(2): W_l = brickwork of depth 2;\n"
           "periodic: gamma = 1, eta = 1e-3/p, M0 = Z on qubit 0)\n");
    printf("  %-32s %10s %10s %10s %11s %8s %7s\n", "workload", "median/s", "min/s", "max/s",
           "ms/step", "mem GiB", "build s");
    for (int i = 0; i < NREF; i++) {
        if (!bench_selected(o, reference[i].id))
            continue;
        run_workload(&reference[i], o, mc, 1, &res[nres]);
        bench_print_workload_row(&res[nres]);
        json_array_append_new(jw, bench_jworkload(&res[nres]));
        nres++;
    }
    printf("\nGradient (eval with Jacobian and kernel) against one forward pass (residuals only)\n");
    printf("  %-32s %12s %12s %8s\n", "workload", "gradient ms", "forward ms", "ratio");
    for (int i = 0; i < nres; i++) {
        if (res[i].status < 0)
            failed = 1;
        if (res[i].status != 0)
            continue;
        printf("  %-32s %12.4g %12.4g %7.2fx\n", res[i].w->label, res[i].grad_ms.med,
               res[i].fwd_ms.med, res[i].ratio);
    }
    printf("\n");
    return failed;
}

int bench_section_asymptotic(const bench_opts *o, const machine *mc, json_t *jw, json_t *root)
{
    int rc = 0;
    int nasym = 0, asel[NASYM];
    for (int i = 0; i < NASYM; i++)
        nasym += asel[i] = bench_selected(o, asym_reference[i].id);
    if (!nasym)
        return 0;
    printf("Asymptotic dynamics (YOU23 Eq. 119), dM/dt = [B, M]: steps per second (one step =\n"
           "qnn_instance_eval without eigenvalues + qnn_instance_step; M(0) = gamma U diag(+-1) U^dagger,\n"
           "U Haar (Eq. 120), gamma = 2, m = 4 basis states, +-1 labels, h = eta = 1e-3)\n");
    printf("  %-32s %10s %10s %10s %11s %8s %7s\n", "workload", "median/s", "min/s", "max/s",
           "ms/step", "mem GiB", "build s");
    const workload *wp[NASYM];
    int idx[NASYM], nw = 0;
    for (int i = 0; i < NASYM; i++)
        if (asel[i]) {
            idx[nw] = i;
            wp[nw++] = &asym_reference[i];
        }
    wl_result ar[NASYM];
    double *ms = malloc((size_t)NASYM * (size_t)o->repeats * sizeof(double));
    run_interleaved(wp, nw, o, mc, ar, ms);
    for (int k = 0; k < nw; k++) {
        bench_print_workload_row(&ar[k]);
        json_array_append_new(jw, bench_jworkload(&ar[k]));
        if (ar[k].status < 0)
            rc = 1;
    }
    json_t *ja = json_object();
    int kc = -1, km = -1;
    for (int k = 0; k < nw; k++) {
        if (idx[k] == ASYM_D256 && ar[k].status == 0)
            kc = k;
        if (idx[k] == ASYM_MID_D256 && ar[k].status == 0)
            km = k;
    }
    if (kc >= 0 && km >= 0 && ms) {
        /* median of the per-repeat ratios: repeat r of both is timed in the
         * same round (run_interleaved) */
        const int R = o->repeats;
        double *q = malloc((size_t)R * sizeof(double));
        if (q) {
            for (int r = 0; r < R; r++)
                q[r] = ms[km * R + r] / ms[kc * R + r];
            stat3 st = bench_stat_of(q, R);
            printf("  midpoint / cayley at d = 256: %.2fx the time per step (median over %d interleaved\n"
                   "  repeats of the ratio; min %.2fx, max %.2fx)\n", st.med, R, st.min, st.max);
            json_object_set_new(ja, "midpoint_over_cayley_d256", bench_jstat(st));
            free(q);
        }
    }
    free(ms);
    json_object_set_new(root, "asymptotic", ja);
    printf("\n");
    return rc;
}

void bench_section_scaling(const bench_opts *o, const machine *mc, json_t *root)
{
    if (!o->scaling)
        return;
    static const int ns[] = {12, 14, 16, 18, 20};
    static const int Ls[] = {25, 50, 100, 200};
    const int nsc = (int)(sizeof ns / sizeof ns[0]) + (int)(sizeof Ls / sizeof Ls[0]);
    workload *sw = calloc((size_t)nsc, sizeof *sw);
    json_t *js = json_array();
    printf("Scaling (random, brickwork depth 2, optimisation task, m = 1)\n");
    printf("  %-28s %10s %10s %10s %11s %14s\n", "workload", "median/s", "min/s", "max/s",
           "ms/step", "ns/(D*L)");
    for (int i = 0; sw && i < nsc; i++) {
        int n, L;
        if (i < 5) {
            n = ns[i];
            L = 50;
        } else {
            n = 10;
            L = Ls[i - 5];
        }
        snprintf(sw[i].id, sizeof sw[i].id, "scaling_n%d_L%d_bw2", n, L);
        snprintf(sw[i].label, sizeof sw[i].label, "random n=%d L=%d brickwork(2)", n, L);
        sw[i].sets[0] = "model=random";
        sw[i].sets[1] = "entangler=brickwork";
        sw[i].sets[2] = "depth=2";
        snprintf(sw[i].extra[0], sizeof sw[i].extra[0], "n=%d", n);
        snprintf(sw[i].extra[1], sizeof sw[i].extra[1], "L=%d", L);
        wl_result r;
        run_workload(&sw[i], o, mc, 0, &r);
        if (r.status != 0) {
            printf("  %-28s %s\n", sw[i].label, r.note);
        } else {
            double per = r.step_ms.med * 1e6 / ((double)r.D * (double)r.L);
            printf("  %-28s %10.4g %10.4g %10.4g %11.4g %14.3f\n", sw[i].label, r.sps.med,
                   r.sps.min, r.sps.max, r.step_ms.med, per);
            json_t *j = bench_jworkload(&r);
            json_object_set_new(j, "ns_per_amplitude_layer", bench_jnum(per));
            json_array_append_new(js, j);
        }
        fflush(stdout);
    }
    printf("\n");
    json_object_set_new(root, "scaling", js);
    free(sw);
}

void bench_section_asym_scaling(const bench_opts *o, const machine *mc, json_t *root)
{
    if (!(o->scaling || (o->only && bench_selected(o, ASYM_SCALING_ID))))
        return;
    static const int ds[] = {64, 128, 256, 512, 1024};
    static const int ms[] = {1, 2, 4, 8, 16};
    asym_fit *fd = calloc(1, sizeof *fd), *fm = calloc(1, sizeof *fm);
    if (!fd || !fm) {
        printf("Asymptotic scaling: out of memory\n\n");
    } else {
        fd->vary_m = 0;
        fd->fixed = 4;
        fd->npts = (int)(sizeof ds / sizeof ds[0]);
        memcpy(fd->x, ds, sizeof ds);
        fm->vary_m = 1;
        fm->fixed = 256;
        fm->npts = (int)(sizeof ms / sizeof ms[0]);
        memcpy(fm->x, ms, sizeof ms);
        printf("Asymptotic scaling (Cayley step, gamma = 2, eta = 1e-3; least squares of log time per step\n"
               "on log d and log m, gsl_fit_linear; the step is O(m d^2))\n");
        printf("  %-32s %10s %10s %10s %11s %12s\n", "workload", "median/s", "min/s", "max/s",
               "ms/step", "ns/(m d^2)");
        run_asym_fit(fd, o, mc);
        print_asym_fit(fd, "O(m d^2) gives 2, a d x d inverse or exponential 3");
        run_asym_fit(fm, o, mc);
        print_asym_fit(fm, "O(m d^2) gives 1");
        printf("\n");
        json_object_set_new(root, "asymptotic_scaling",
                            json_pack("{s:s, s:f, s:f, s:o, s:o}", "integrator", "cayley", "gamma", 2.0,
                                      "eta", 1e-3, "against_d", jasym_fit(fd),
                                      "against_m", jasym_fit(fm)));
    }
    free(fd);
    free(fm);
}
