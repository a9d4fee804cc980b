/* The fits and run measures of the engine's analysis (qnn/fit.h and the
 * measures in qnn/analysis.h), on data whose answer is known: laws with a
 * known exponent and Gaussian noise of a known size (recovered within 4
 * standard errors), the wrong law that must fail, and hand-built runs
 * whose rates, exponents and distances follow from their formula. Fixed
 * seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/analysis.h"
#include "qnn/fit.h"
#include "qnn/run.h"
#include "qnn/theory.h"

#define NP 12

/* y = law(x) (1 + rel ξ), ξ ~ N(0, 1), se = rel·law(x) */
static void noisy(gsl_rng *r, const double *x, double *y, double *se, int n, double rel, int power,
                  double A, double b)
{
    for (int i = 0; i < n; i++) {
        double t = power ? qnn_power_law(A, b, x[i]) : qnn_exponential_law(A, b, x[i]);
        y[i] = t * (1.0 + rel * gsl_ran_gaussian(r, 1.0));
        se[i] = rel * t;
    }
}

/* Largest |model(x) − y| / se over the points: how badly a fitted law
 * misses the data it was fitted to. */
static double worst_miss(const double *x, const double *y, const double *se, int n, int power,
                         double A, double b)
{
    double w = 0;
    for (int i = 0; i < n; i++) {
        double m = power ? qnn_power_law(A, b, x[i]) : qnn_exponential_law(A, b, x[i]);
        w = fmax(w, fabs(m - y[i]) / se[i]);
    }
    return w;
}

/* A power law's exponent comes back within 4 standard errors, over many
 * seeds, and its standard error is the size the noise implies (a fit that
 * ignored the weights, or mixed up ln x and x, would miss by far more). */
static void test_power_exponent_recovered(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double x[NP], y[NP], se[NP];
    for (int i = 0; i < NP; i++)
        x[i] = 8.0 * pow(2.0, 0.5 * i);   /* widths 8 … 362 */
    int within2 = 0;
    const int seeds = 40;
    for (int s = 0; s < seeds; s++) {
        gsl_rng_set(r, 1000u + (unsigned)s);
        noisy(r, x, y, se, NP, 0.03, 1, 2.5, -0.5);
        double A, b, bse;
        assert_int_equal((int)qnn_fit_power(x, y, se, NP, &A, &b, &bse), NP);
        assert_true(bse > 0.0 && bse < 0.02);
        assert_true(fabs(b + 0.5) <= 4.0 * bse);
        within2 += fabs(b + 0.5) <= 2.0 * bse;
        assert_true(fabs(log(A / 2.5)) < 0.2);
    }
    /* about 95 % lie within 2 s.e.: standard errors neither too small nor
     * much too large */
    assert_true(within2 >= 33);
    gsl_rng_free(r);
}

/* Exact data: the fit is exact, whatever the weights. */
static void test_exact_laws(void **state)
{
    (void)state;
    double x[5] = { 1, 2, 3, 5, 8 }, y[5], se[5] = { 1, 0.5, 2, 0.1, 1 };
    for (int i = 0; i < 5; i++)
        y[i] = 3.0 * exp(-0.7 * x[i]);
    double A, b, bse;
    assert_int_equal((int)qnn_fit_exponential(x, y, se, 5, &A, &b, &bse), 5);
    assert_true(fabs(b + 0.7) < 1e-12);
    assert_true(fabs(A - 3.0) < 1e-11);
    for (int i = 0; i < 5; i++)
        y[i] = 0.25 * pow(x[i], 1.5);
    assert_int_equal((int)qnn_fit_power(x, y, se, 5, &A, &b, &bse), 5);
    assert_true(fabs(b - 1.5) < 1e-12);
    assert_true(fabs(A - 0.25) < 1e-12);
}

/* Exponential data: the exponential law fits within the noise; the power
 * law fitted to the same points misses some of them by many standard
 * errors, and the other way round. */
static void test_exponential_against_power(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double x[NP], y[NP], se[NP], A, b, bse;
    for (int i = 0; i < NP; i++)
        x[i] = 1.0 + i;   /* n_h = 1 … 12 */
    noisy(r, x, y, se, NP, 0.02, 0, 1.0, -0.6);
    assert_int_equal((int)qnn_fit_exponential(x, y, se, NP, &A, &b, &bse), NP);
    assert_true(fabs(b + 0.6) <= 4.0 * bse);
    assert_true(worst_miss(x, y, se, NP, 0, A, b) < 4.0);
    qnn_fit_power(x, y, se, NP, &A, &b, &bse);
    assert_true(worst_miss(x, y, se, NP, 1, A, b) > 10.0);

    noisy(r, x, y, se, NP, 0.02, 1, 1.0, -2.0);
    qnn_fit_power(x, y, se, NP, &A, &b, &bse);
    assert_true(fabs(b + 2.0) <= 4.0 * bse);
    assert_true(worst_miss(x, y, se, NP, 1, A, b) < 4.0);
    qnn_fit_exponential(x, y, se, NP, &A, &b, &bse);
    assert_true(worst_miss(x, y, se, NP, 0, A, b) > 10.0);
    gsl_rng_free(r);
}

/* Points without a positive value, a finite positive error or (power law)
 * a positive x are left out; fewer than two give 0 and NaN. */
static void test_fit_leaves_out_points(void **state)
{
    (void)state;
    double x[6] = { 1, 2, 3, 4, -1, 6 }, y[6] = { 2, 4, -1, 8, 5, 12 };
    double se[6] = { 0.1, 0.1, 0.1, NAN, 0.1, 0.0 };
    double A, b, bse;
    assert_int_equal((int)qnn_fit_exponential(x, y, se, 6, &A, &b, &bse), 3);
    assert_int_equal((int)qnn_fit_power(x, y, se, 6, &A, &b, &bse), 2);
    assert_true(fabs(b - 1.0) < 1e-12);   /* (1, 2), (2, 4): y = 2x */
    assert_int_equal((int)qnn_fit_power(x, y, se, 1, &A, &b, &bse), 0);
    assert_true(isnan(A) && isnan(b) && isnan(bse));
}

/* The reference line of the width figure passes through the geometric
 * centre of the fit. */
static void test_power_centre(void **state)
{
    (void)state;
    double x[4] = { 1, 4, 16, -3 }, xc, yc;
    qnn_power_fit_centre(x, 4, 2.0, -1.0, &xc, &yc);
    assert_true(fabs(xc - 4.0) < 1e-12);
    assert_true(fabs(yc - 0.5) < 1e-12);
    assert_true(fabs(qnn_power_law_through(xc, yc, -0.5, 16.0) - 0.25) < 1e-12);
    assert_true(fabs(qnn_power_law_through(xc, yc, -0.5, xc) - yc) < 1e-15);
}

/* The slope through the origin, and its uncentred R². */
static void test_origin_slope(void **state)
{
    (void)state;
    double x[4] = { 1, 2, 3, 4 }, y[4] = { 2, 4, 6, 8 }, r2;
    assert_true(fabs(qnn_fit_origin(x, y, 4, &r2) - 2.0) < 1e-14);
    assert_true(fabs(r2 - 1.0) < 1e-14);
    /* an intercept is not absorbed: y = 1 + x has slope (Σxy/Σx²) 4/3 */
    double y1[4] = { 2, 3, 4, 5 };
    assert_true(fabs(qnn_fit_origin(x, y1, 4, &r2) - 40.0 / 30.0) < 1e-14);
    assert_true(r2 < 1.0 && r2 > 0.9);
    assert_true(isnan(qnn_fit_origin(x, y, 1, &r2)) && isnan(r2));
    assert_true(isnan(qnn_fit_origin(x, y, 0, NULL)));
}

static void test_small_statistics(void **state)
{
    (void)state;
    double v[5] = { 1, NAN, 2, INFINITY, 3 };
    qnn_mean_se m = qnn_mean_se_of(v, 5);
    assert_int_equal(m.n, 3);
    assert_true(fabs(m.mean - 2.0) < 1e-15);
    assert_true(fabs(m.se - sqrt(1.0 / 3.0)) < 1e-15);
    m = qnn_mean_se_of(v, 1);
    assert_int_equal(m.n, 1);
    assert_true(m.mean == 1.0 && isnan(m.se));
    m = qnn_mean_se_of(v + 1, 1);
    assert_int_equal(m.n, 0);
    assert_true(isnan(m.mean));
    /* errors add in quadrature; a missing one counts as none */
    assert_true(fabs(qnn_zscore(3, 0.6, 1, 0.8) - 2.0) < 1e-14);
    assert_true(fabs(qnn_zscore(3, 0.5, 1, NAN) - 4.0) < 1e-14);
    assert_true(qnn_zscore(1, NAN, 1, NAN) == 0.0);
    /* with no error at all the sign of the difference is kept */
    assert_true(isinf(qnn_zscore(2, NAN, 1, 0)) && qnn_zscore(2, NAN, 1, 0) > 0);
    assert_true(isinf(qnn_zscore(1, 0, 2, NAN)) && qnn_zscore(1, 0, 2, NAN) < 0);
    assert_true(isnan(qnn_zscore(NAN, 0, 2, 0)));
}

/* ------------------------------------------------------------------------ */
/* Runs built by hand                                                        */
/* ------------------------------------------------------------------------ */

typedef double (*law_fn)(double t);
static double exp_loss(double t) { return exp(-0.8 * t); }
static double pow_loss(double t) { return 1.0 / (t * t); }

/* ninst instances of nrec records at t = t0 + k dt with loss law(t) and
 * ε = √(2 L) (times the instance's factor 1 + i/10). */
static qnn_run *fake_run(int ninst, size_t nrec, double t0, double dt, law_fn law)
{
    qnn_run *run = calloc(1, sizeof *run);
    run->ninst = ninst;
    run->m = 1;
    run->inst = calloc((size_t)ninst, sizeof *run->inst);
    for (int i = 0; i < ninst; i++) {
        qnn_run_instance *ri = &run->inst[i];
        ri->index = i;
        ri->diverged_at = -1;
        ri->nrec = nrec;
        ri->rec = calloc(nrec, sizeof *ri->rec);
        for (size_t k = 0; k < nrec; k++) {
            qnn_obs *o = &ri->rec[k];
            o->step = (long)k;
            o->time = t0 + dt * (double)k;
            o->loss = law(o->time) * (1.0 + 0.1 * i);
            o->eps = sqrt(2.0 * o->loss);
            o->yhat0 = 0.5;
            o->lambda_min = NAN;
            o->h_min = o->h_max = o->proxy = NAN;
        }
    }
    return run;
}

static void free_fake(qnn_run *run)
{
    for (int i = 0; i < run->ninst; i++)
        free(run->inst[i].rec);
    free(run->inst);
    free(run);
}

/* L = e^{−λt}: every rate is λ; L = 1/t²: the late rate is 2/t. A swapped
 * log (ln t for t) or sign breaks either. */
static void test_rates_and_exponents(void **state)
{
    (void)state;
    qnn_run *e = fake_run(3, 201, 0.0, 0.1, exp_loss);   /* T = 20 */
    assert_true(fabs(qnn_run_final_time(e) - 20.0) < 1e-12);
    assert_int_equal((int)qnn_rec_near_time(&e->inst[0], 7.04), 70);
    assert_true(fabs(qnn_late_rate(&e->inst[1]) - 0.8) < 1e-12);
    qnn_mean_se mr = qnn_min_rate(e, 1e-20);
    assert_int_equal(mr.n, 3);
    assert_true(fabs(mr.mean - 0.8) < 1e-9);

    qnn_run *p = fake_run(3, 200, 1.0, 0.1, pow_loss);
    /* −d ln L/dt of 1/t² is 2/t: its late value over the last tenth */
    const double t1 = p->inst[0].rec[199].time, t0 = p->inst[0].rec[199 - 19].time;
    assert_true(fabs(qnn_late_rate(&p->inst[0]) - 2.0 * log(t1 / t0) / (t1 - t0)) < 1e-12);

    /* a diverged instance has no late rate and no part in the mean */
    p->inst[0].diverged_at = 3;
    assert_true(isnan(qnn_late_rate(&p->inst[0])));
    free_fake(e);
    free_fake(p);
}

/* Cor. 4.3: one interval's rate −d ln|r|/dt over γ² against 2(γ² − ŷ²)/γ²;
 * a sign change of r or a loss at the floor makes it unusable. */
static void test_rate_interval(void **state)
{
    (void)state;
    qnn_obs a = { 0 }, b = { 0 };
    a.time = 1.0; b.time = 1.5;
    a.eps = 0.4; b.eps = 0.4 * exp(-0.5 * 3.0);
    a.loss = 0.08; b.loss = 0.5 * b.eps * b.eps;
    a.yhat0 = 0.2; b.yhat0 = 0.4;
    double x = -1, y = -1;
    assert_int_equal(qnn_rate_interval(&a, &b, 2.0, 1e-20, &x, &y), 1);
    assert_true(fabs(y - 3.0 / 4.0) < 1e-12);
    assert_true(fabs(x - 2.0 * (4.0 - 0.09) / 4.0) < 1e-12);
    b.eps = -b.eps;
    x = y = -1;
    assert_int_equal(qnn_rate_interval(&a, &b, 2.0, 1e-20, &x, &y), 0);
    assert_true(x == -1 && y == -1);
    b.eps = -b.eps;
    assert_int_equal(qnn_rate_interval(&a, &b, 2.0, 0.1, &x, &y), 0);
    b.time = a.time;
    assert_int_equal(qnn_rate_interval(&a, &b, 2.0, 1e-20, &x, &y), 0);
}

/* The compare figure's distance: relative to the reference's |ε(0)|, the
 * largest gap; residual vectors when both kept them; NaN when the record
 * steps differ. */
static void test_trajectory_distance(void **state)
{
    (void)state;
    qnn_run *a = fake_run(1, 5, 0.0, 1.0, exp_loss), *b = fake_run(1, 5, 0.0, 1.0, exp_loss);
    qnn_run_instance *ra = &a->inst[0], *rb = &b->inst[0];
    assert_true(qnn_max_eps_distance(ra, rb, 1) == 0.0);
    ra->rec[3].eps += 0.25 * fabs(rb->rec[0].eps);
    assert_true(fabs(qnn_max_eps_distance(ra, rb, 1) - 0.25) < 1e-12);
    double va[10], vb[10];
    for (int k = 0; k < 10; k++)
        va[k] = vb[k] = k % 2 ? 3.0 : 4.0;
    va[1] += 1.0;   /* record 0: ‖r_b(0)‖ = 5, gap 1 */
    ra->resid = va;
    rb->resid = vb;
    assert_true(fabs(qnn_max_eps_distance(ra, rb, 2) - 0.2) < 1e-12);
    ra->resid = rb->resid = NULL;
    rb->rec[2].step = 7;
    assert_true(isnan(qnn_max_eps_distance(ra, rb, 1)));
    free_fake(a);
    free_fake(b);
}

/* log10 errors at a time, their change in time and between runs. */
static void test_log_errors(void **state)
{
    (void)state;
    qnn_run *a = fake_run(4, 11, 0.0, 1.0, exp_loss);
    /* ε = √(2 c e^{−0.8 t}): log10 ε falls by 0.4 t / ln 10 */
    const double drop = -0.4 * 10.0 / log(10.0);
    qnn_mean_se c = qnn_log_err_change(a, 0.0, 10.0);
    assert_int_equal(c.n, 4);
    assert_true(fabs(c.mean - drop) < 1e-12 && c.se < 1e-12);
    qnn_mean_se m0 = qnn_log_err_mean(a, 0.0), m1 = qnn_log_err_mean(a, 9.8);
    assert_true(fabs(m1.mean - m0.mean - drop) < 1e-12);
    assert_true(m0.se > 0);
    qnn_run *b = fake_run(3, 11, 0.0, 1.0, exp_loss);
    qnn_mean_se pr = qnn_log_err_paired(b, a, 4.0);
    assert_int_equal(pr.n, 3);   /* b's instances, the same systems */
    assert_true(fabs(pr.mean) < 1e-15);
    assert_true(isnan(qnn_log_err(b, 3, 0.0)));
    free_fake(a);
    free_fake(b);
}

/* YOU23 Fig. 6's ratio, and LIU24 Fig. 2's prunings and uploads. */
static void test_kernel_and_events(void **state)
{
    (void)state;
    qnn_run *r = fake_run(2, 6, 0.0, 1.0, exp_loss);
    const double lm[2][6] = { { 3, 2, 1.5, NAN, 1.8, 2.0 }, { 4, 4, 4, 4, 4, -1 } };
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 6; k++)
            r->inst[i].rec[k].lambda_min = lm[i][k];
    qnn_mean_se q = qnn_least_over_final(r);
    assert_int_equal(q.n, 1);   /* the second ends below 0 */
    assert_true(fabs(q.mean - 0.75) < 1e-15);

    qnn_run_instance *ri = &r->inst[0];
    for (int k = 0; k < 6; k++) {
        ri->rec[k].h_min = -1.0 * k;
        ri->rec[k].h_max = 2.0 * k;
        ri->rec[k].h_frac_pos = 0.1 * k;
    }
    ri->rec[0].event = QNN_EVENT_PRUNE;   /* no earlier Hessian: not paired */
    ri->rec[2].h_min = NAN;               /* no Hessian here: skipped */
    ri->rec[3].event = QNN_EVENT_PRUNE;   /* against record 1 */
    double dmin[4], dmax[4], dfp[4];
    assert_int_equal(qnn_prune_changes(r, dmin, dmax, dfp, 4), 1);
    assert_true(dmin[0] == -2.0 && dmax[0] == 4.0 && fabs(dfp[0] - 0.2) < 1e-15);
    assert_int_equal(qnn_prune_changes(r, dmin, dmax, dfp, 0), 0);

    ri->rec[1].event = QNN_EVENT_UPLOAD;
    ri->rec[2].proxy = 0.5;               /* first proxy after it: below 1 */
    r->inst[1].rec[0].event = QNN_EVENT_UPLOAD;
    r->inst[1].rec[1].event = QNN_EVENT_PRUNE;   /* an event first: not counted */
    r->inst[1].rec[2].proxy = 0.1;
    int up, below;
    qnn_upload_proxy(r, &up, &below);
    assert_int_equal(up, 1);
    assert_int_equal(below, 1);
    free_fake(r);
}

/* The geometric-mean curve: exp of the mean log over the instances with a
 * positive finite value; a diverged instance's last record is off the
 * grid (an arithmetic mean, or a mean over all instances, would differ). */
static void test_geometric_curve(void **state)
{
    (void)state;
    qnn_run *r = fake_run(3, 4, 0.0, 0.5, exp_loss);
    r->inst[2].nrec = 5;   /* one record more, after its divergence */
    r->inst[2].rec = realloc(r->inst[2].rec, 5 * sizeof *r->inst[2].rec);
    r->inst[2].rec[4] = r->inst[2].rec[3];
    r->inst[2].rec[4].step = 4;
    r->inst[2].rec[4].loss = NAN;
    r->inst[2].diverged_at = 4;
    r->inst[1].rec[2].loss = -1.0;   /* not positive: left out there */
    assert_int_equal((int)qnn_ensemble_len(r), 4);
    double x[4], y[4];
    assert_int_equal((int)qnn_ensemble_geo_curve(r, QNN_FIELD_LOSS, 1, x, y), 4);
    for (int k = 0; k < 4; k++) {
        assert_true(x[k] == 0.5 * k);
        const double g = k == 2 ? sqrt(1.0 * 1.2) : cbrt(1.0 * 1.1 * 1.2);
        assert_true(fabs(y[k] / (exp_loss(x[k]) * g) - 1.0) < 1e-14);
    }
    qnn_ensemble_geo_curve(r, QNN_FIELD_LOSS, 0, x, y);
    assert_true(x[3] == 3.0);
    free_fake(r);
}

static size_t stat_index(const char *name)
{
    for (size_t s = 0; qnn_instance_stat_name(s); s++)
        if (!strcmp(qnn_instance_stat_name(s), name))
            return s;
    fail_msg("no statistic %s", name);
    return 0;
}

/* sweep's per-instance statistics: first record, last record, least
 * value, |ε|; none after a divergence. */
static void test_instance_stats(void **state)
{
    (void)state;
    assert_null(qnn_instance_stat_name(QNN_INSTANCE_STATS));
    assert_true(isnan(qnn_instance_stat(QNN_INSTANCE_STATS, NULL)));
    qnn_run *r = fake_run(1, 4, 0.0, 1.0, exp_loss);
    qnn_run_instance *ri = &r->inst[0];
    ri->rec[0].eps = -0.5;
    const double lm[4] = { 2.0, 0.5, NAN, 1.0 };
    for (int k = 0; k < 4; k++)
        ri->rec[k].lambda_min = lm[k];
    assert_true(qnn_instance_stat(stat_index("abs_eps_t0"), ri) == 0.5);
    assert_true(qnn_instance_stat(stat_index("loss_t0"), ri) == 1.0);
    assert_true(qnn_instance_stat(stat_index("loss_final"), ri) == exp_loss(3.0));
    assert_true(qnn_instance_stat(stat_index("lambda_min_least"), ri) == 0.5);
    assert_true(qnn_instance_stat(stat_index("lambda_min_final"), ri) == 1.0);
    ri->diverged_at = 3;
    assert_true(isnan(qnn_instance_stat(stat_index("loss_final"), ri)));
    assert_true(isnan(qnn_instance_stat(stat_index("lambda_min_least"), ri)));
    assert_true(qnn_instance_stat(stat_index("loss_t0"), ri) == 1.0);
    free_fake(r);
}

static void test_width_laws_and_theory(void **state)
{
    (void)state;
    const int w = qnn_width_law_of("laziness_final");
    assert_true(w >= 0);
    assert_true(qnn_width_laws[w].prediction == -0.5);
    assert_int_equal(qnn_width_law_of("grad_var_t0"), 0);
    assert_int_equal(qnn_width_law_of("loss_final"), -1);
    qnn_summary s;
    memset(&s, 0, sizeof s);
    s.kernel_rel_var_t0 = 0.3;
    s.kernel_rel_var_t0_se = 0.01;
    double y, se;
    qnn_width_law_value(&s, qnn_width_law_of("kernel_rel_var_t0"), &y, &se);
    assert_true(y == 0.3 && se == 0.01);
    /* YOU23 Thm. 4.4: no guarantee at γ = 1, 2γ²(1 − 1/γ²) = 6 at γ = 2 */
    assert_true(qnn_theory_global_min_kernel(1.0) == 0.0);
    assert_true(fabs(qnn_theory_global_min_kernel(2.0) - 6.0) < 1e-15);
    /* LIU23 Eq. 16's flag: both ratios below 0.1 */
    assert_int_equal(qnn_concentration_holds(&s), -1);
    qnn_summary_add_theory(&s, "qntk_rel_std", "", "", "", 0.05);
    assert_int_equal(qnn_concentration_holds(&s), -1);
    qnn_theory_value *d = qnn_summary_add_theory(&s, "concentration_dqntk", "", "", "", 0.2);
    assert_int_equal(qnn_concentration_holds(&s), 0);
    d->value = 0.01;
    assert_int_equal(qnn_concentration_holds(&s), 1);
    /* the loss decays at twice the rate of ε */
    const double dec = qnn_theory_eps_exp(1.0, 0.1, 2.0, 3.0);
    assert_true(fabs(qnn_theory_loss_exp(0.5, dec) - 0.5 * exp(-1.2)) < 1e-15);
    /* Eq. 9 as printed is half the leading order at γ = 1 */
    assert_true(fabs(2.0 * qnn_theory_mean_qntk_printed(16, 40, 16) - qnn_theory_mean_qntk_leading(16, 40, 1, 16)) < 1e-15);
}


/* ------------------------------------------------------------------------ */
/* Errors of statistics that are not means; fits that tell laws apart        */
/* ------------------------------------------------------------------------ */

/* How often |s² − σ²| ≤ 2 se over many samples of n values drawn by draw:
 * the coverage of the fourth-moment error and of the Gaussian formula
 * s²√(2/(n − 1)). */
static void var_coverage(double (*draw)(gsl_rng *), double var_true, int n, int reps,
                         double *cover4, double *coverg)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    double *x = malloc((size_t)n * sizeof(double));
    int c4 = 0, cg = 0;
    for (int k = 0; k < reps; k++) {
        double m = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            x[i] = draw(r);
            m += x[i];
        }
        m /= n;
        for (int i = 0; i < n; i++)
            s2 += (x[i] - m) * (x[i] - m);
        s2 /= n - 1;
        double se4 = qnn_var_se(x, 1, (size_t)n), seg = s2 * sqrt(2.0 / (n - 1));
        c4 += fabs(s2 - var_true) <= 2.0 * se4;
        cg += fabs(s2 - var_true) <= 2.0 * seg;
    }
    *cover4 = (double)c4 / reps;
    *coverg = (double)cg / reps;
    free(x);
    gsl_rng_free(r);
}

static double draw_t5(gsl_rng *r) { return gsl_ran_tdist(r, 5.0); }
static double draw_gauss(gsl_rng *r) { return gsl_ran_gaussian(r, 2.0); }
static double draw_laplace(gsl_rng *r) { return gsl_ran_laplace(r, 1.0); }

/* The fourth-moment error covers the true variance at close to the nominal
 * 95 % on heavy tails (Laplace, kurtosis 6; Student-t with 5 dof, kurtosis
 * 9), where the Gaussian formula undercovers clearly; on a Gaussian both
 * agree. */
static void test_var_se_coverage(void **state)
{
    (void)state;
    double c4, cg;
    var_coverage(draw_laplace, 2.0, 400, 2000, &c4, &cg);
    print_message("Laplace n=400: fourth-moment %.3f, Gaussian %.3f\n", c4, cg);
    assert_true(c4 > 0.92 && c4 < 0.98);
    assert_true(cg < 0.85);
    /* t5's fourth moment is barely finite (the sixth is not): the
     * estimate of m4 is itself heavy-tailed, coverage falls short of 95 %
     * but still far above the Gaussian formula's */
    var_coverage(draw_t5, 5.0 / 3.0, 400, 2000, &c4, &cg);
    print_message("t5 n=400: fourth-moment %.3f, Gaussian %.3f\n", c4, cg);
    assert_true(c4 > 0.90);
    assert_true(cg < 0.82);
    assert_true(c4 - cg > 0.12);
    var_coverage(draw_gauss, 4.0, 400, 2000, &c4, &cg);
    print_message("Gaussian n=400: fourth-moment %.3f, Gaussian %.3f\n", c4, cg);
    assert_true(c4 > 0.93 && c4 < 0.97);
    assert_true(cg > 0.93 && cg < 0.97);
    /* exact values: {0, 0, 2, 2} has s² = 4/3, m4 = 1 → Var ≈ (1 − 16/9 · 1/3)/4 */
    const double v[] = { 0, 0, NAN, 2, 2 };
    assert_true(fabs(qnn_var_se(v, 1, 5) - sqrt((1.0 - 16.0 / 27.0) / 4.0)) < 1e-15);
    assert_true(fabs(qnn_sd_se_of(v, 1, 5) - sqrt((1.0 - 16.0 / 27.0) / 4.0) / (2.0 * sqrt(4.0 / 3.0))) < 1e-15);
    /* stride: every other value */
    const double w[] = { 0, 9, 0, 9, 2, 9, 2, 9 };
    assert_true(qnn_var_se(w, 2, 4) == qnn_var_se(v, 1, 5));
    assert_true(isnan(qnn_var_se(v, 1, 4)));   /* 3 finite values */
    const double flat[] = { 1, 1, 1, 1 };
    assert_true(isnan(qnn_sd_se_of(flat, 1, 4)));
}

/* The coefficient of variation's error covers the true cv = √k/(c + k) of
 * a gamma law of shape k shifted by c (skewed, kurtosis 3 + 6/k) at close
 * to 95 %; the normal approximation cv √((1/2 + cv²)/n) undercovers. */
static void test_cv_se_coverage(void **state)
{
    (void)state;
    enum { N = 1000, REPS = 2000 };
    const double k = 0.5, c = 1.0;
    double x[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 77);
    int c3 = 0, cg = 0;
    for (int rep = 0; rep < REPS; rep++) {
        for (int i = 0; i < N; i++)
            x[i] = c + gsl_ran_gamma(r, k, 1.0);
        double m = 0, v = 0;
        for (int i = 0; i < N; i++)
            m += x[i];
        m /= N;
        for (int i = 0; i < N; i++)
            v += (x[i] - m) * (x[i] - m);
        double cv = sqrt(v / (N - 1)) / m, truth = sqrt(k) / (c + k);
        double se = qnn_cv_se(x, 1, N), seg = cv * sqrt((0.5 + cv * cv) / N);
        c3 += fabs(cv - truth) <= 2.0 * se;
        cg += fabs(cv - truth) <= 2.0 * seg;
    }
    print_message("cv of 1 + gamma(0.5), n = 1000: moments %.3f, normal %.3f\n", (double)c3 / REPS, (double)cg / REPS);
    assert_true(c3 > 0.92 * REPS && c3 < 0.975 * REPS);
    assert_true(cg < 0.80 * REPS);
    /* exact on a Gaussian's moments: {−1, 1} repeated around 10 has m3 = 0,
     * m4 = s⁴ (n − 1)²/n² */
    const double g[] = { 9, 11, 9, 11 };
    double s2 = 4.0 / 3.0, vs2 = (1.0 - s2 * s2 / 3.0) / 4.0;
    double want = sqrt(s2) / 10.0 * sqrt(vs2 / (4.0 * s2 * s2) + s2 / 400.0);
    assert_true(fabs(qnn_cv_se(g, 1, 4) - want) < 1e-15);
    assert_true(isnan(qnn_cv_se(g, 1, 3)));
    gsl_rng_free(r);
}

typedef struct { const double *x; } mean_ctx;
static double resampled_mean(const size_t *idx, size_t n, void *ctx)
{
    const mean_ctx *c = ctx;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += c->x[idx[i]];
    return s / (double)n;
}
static double resampled_nan(const size_t *idx, size_t n, void *ctx)
{
    (void)ctx;
    return idx[0] % 2 ? NAN : (double)idx[n - 1];
}

/* The bootstrap error of a mean is sd/√n (within the bootstrap's own
 * scatter, ~1/√(2B)); reproducible under a seed; non-finite resamples left
 * out and counted. */
static void test_bootstrap(void **state)
{
    (void)state;
    enum { N = 200 };
    double x[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    for (int i = 0; i < N; i++)
        x[i] = gsl_ran_exponential(r, 3.0);
    gsl_rng_free(r);
    mean_ctx c = { x };
    int used;
    double se = qnn_bootstrap_se(N, resampled_mean, &c, 2000, 11, &used);
    qnn_mean_se ms = qnn_mean_se_of(x, N);
    /* the bootstrap's sd uses 1/n, the mean's se 1/(n − 1): ratio √((n−1)/n) */
    double expect = ms.se * sqrt((N - 1.0) / N);
    print_message("bootstrap se %.5f, sd/sqrt(n) %.5f\n", se, expect);
    assert_int_equal(used, 2000);
    assert_true(fabs(se / expect - 1.0) < 0.06);
    assert_true(se == qnn_bootstrap_se(N, resampled_mean, &c, 2000, 11, NULL));
    assert_true(se != qnn_bootstrap_se(N, resampled_mean, &c, 2000, 12, NULL));
    double s2 = qnn_bootstrap_se(N, resampled_nan, &c, 400, 3, &used);
    assert_true(used > 100 && used < 300 && isfinite(s2));
    assert_true(isnan(qnn_bootstrap_se(1, resampled_mean, &c, 100, 3, &used)));
    assert_true(isnan(qnn_bootstrap_se(N, resampled_mean, &c, 1, 3, &used)));
}

/* A line's slope error against the textbook formula σ/√Σ(x − x̄)², its
 * p-value, and the centred R²: ≈ 0 for flat noise, where the uncentred R²
 * of a line through the origin is ≈ 1. */
static void test_line_fit(void **state)
{
    (void)state;
    enum { N = 50 };
    double x[N], y[N], se[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    double sxx = 0, xm = (N - 1) / 2.0;
    for (int i = 0; i < N; i++) {
        x[i] = i;
        se[i] = 0.5;
        y[i] = 1.0 + 0.2 * i + gsl_ran_gaussian(r, 0.5);
        sxx += (x[i] - xm) * (x[i] - xm);
    }
    qnn_line_fit f;
    assert_int_equal((int)qnn_fit_line(x, y, se, N, &f), N);
    assert_true(fabs(f.c1_se - 0.5 / sqrt(sxx)) < 1e-12);
    assert_true(fabs(f.c1 - 0.2) < 4 * f.c1_se);
    assert_true(f.p > 0.001 && f.r2 > 0.9);
    /* errors 5× too small: the fit is rejected */
    double small[N];
    for (int i = 0; i < N; i++)
        small[i] = 0.1;
    qnn_line_fit g;
    qnn_fit_line(x, y, small, N, &g);
    assert_true(g.p < 1e-10 && fabs(g.c1 - f.c1) < 1e-12);
    /* flat noise around 10: centred R² ≈ 0, uncentred ≈ 1 */
    for (int i = 0; i < N; i++)
        y[i] = 10.0 + gsl_ran_gaussian(r, 0.5);
    double r2u;
    qnn_fit_origin(x, y, N, &r2u);
    qnn_fit_line(x, y, NULL, N, &f);
    print_message("flat noise: centred R2 %.4f, uncentred %.4f\n", f.r2, r2u);
    assert_true(f.r2 < 0.1 && r2u > 0.5);
    assert_true(isnan(f.p) && fabs(f.c1) < 3 * f.c1_se);
    /* points left out; two weighted points fix a line with errors from the
     * weights and no goodness of fit; unweighted they give no errors; one
     * point gives nothing */
    x[3] = NAN;
    se[4] = 0;
    assert_int_equal((int)qnn_fit_line(x, y, se, N, &f), N - 2);
    {
        const double x2[2] = { 0.0, 2.0 }, y2[2] = { 1.0, 5.0 }, e2[2] = { 1.0, 1.0 };
        assert_int_equal((int)qnn_fit_line(x2, y2, e2, 2, &f), 2);
        /* slope 2, its error √(1/Σw(x − x̄)²) = √(1/2) */
        assert_true(fabs(f.c1 - 2.0) < 1e-12 && fabs(f.c1_se - sqrt(0.5)) < 1e-12 && isnan(f.p));
        assert_int_equal((int)qnn_fit_line(x2, y2, NULL, 2, &f), 2);
        assert_true(fabs(f.c1 - 2.0) < 1e-12 && isnan(f.c1_se));
        assert_int_equal((int)qnn_fit_line(x2, y2, e2, 1, &f), 1);
        assert_true(isnan(f.c1) && isnan(f.p));
    }
    gsl_rng_free(r);
}

/* A power law fed to the decay comparison favours the power law and
 * rejects the exponential; an exponential the other way round. */
static void test_decay_laws(void **state)
{
    (void)state;
    enum { N = 20 };
    double t[N], y[N], se[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 9);
    for (int i = 0; i < N; i++) {
        t[i] = 10.0 * (i + 1);
        double v = 3.0 * pow(t[i], -1.5);
        se[i] = 0.02 * v;
        y[i] = v + gsl_ran_gaussian(r, se[i]);
    }
    qnn_decay_laws d;
    assert_int_equal((int)qnn_fit_decay_laws(t, y, se, N, &d), N);
    print_message("power law: a %.4f±%.4f p_pow %.3g p_exp %.3g dAIC %.1f\n", d.pow_a, d.pow_a_se,
                  d.p_pow, d.p_exp, d.daic);
    assert_true(fabs(d.pow_a - 1.5) < 4 * d.pow_a_se);
    assert_true(d.p_pow > 0.001 && d.p_exp < 1e-10 && d.daic < -100);
    assert_true(d.red_exp > 10 && d.red_pow < 3);
    for (int i = 0; i < N; i++) {
        t[i] = 0.5 * (i + 1);
        double v = 3.0 * exp(-0.7 * t[i]);
        se[i] = 0.02 * v;
        y[i] = v + gsl_ran_gaussian(r, se[i]);
    }
    qnn_fit_decay_laws(t, y, se, N, &d);
    print_message("exponential: rate %.4f±%.4f p_pow %.3g p_exp %.3g dAIC %.1f\n", d.exp_rate,
                  d.exp_rate_se, d.p_pow, d.p_exp, d.daic);
    assert_true(fabs(d.exp_rate - 0.7) < 4 * d.exp_rate_se);
    assert_true(d.p_exp > 0.001 && d.p_pow < 1e-10 && d.daic > 100);
    /* unweighted: the same verdict from the residuals alone, no p-value */
    qnn_fit_decay_laws(t, y, NULL, N, &d);
    assert_true(d.daic > 0 && isnan(d.p_exp) && fabs(d.exp_rate - 0.7) < 0.05);
    /* points with t ≤ 0 or y ≤ 0 are left out; fewer than 3 → NaN */
    y[0] = -1;
    t[1] = 0;
    assert_int_equal((int)qnn_fit_decay_laws(t, y, se, N, &d), N - 2);
    assert_int_equal((int)qnn_fit_decay_laws(t, y, se, 4, &d), 2);
    assert_true(isnan(d.daic) && isnan(d.pow_a));
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_exponent_recovered),
        cmocka_unit_test(test_exact_laws),
        cmocka_unit_test(test_exponential_against_power),
        cmocka_unit_test(test_fit_leaves_out_points),
        cmocka_unit_test(test_power_centre),
        cmocka_unit_test(test_origin_slope),
        cmocka_unit_test(test_small_statistics),
        cmocka_unit_test(test_rates_and_exponents),
        cmocka_unit_test(test_rate_interval),
        cmocka_unit_test(test_trajectory_distance),
        cmocka_unit_test(test_log_errors),
        cmocka_unit_test(test_kernel_and_events),
        cmocka_unit_test(test_geometric_curve),
        cmocka_unit_test(test_instance_stats),
        cmocka_unit_test(test_width_laws_and_theory),
        cmocka_unit_test(test_var_se_coverage),
        cmocka_unit_test(test_cv_se_coverage),
        cmocka_unit_test(test_bootstrap),
        cmocka_unit_test(test_line_fit),
        cmocka_unit_test(test_decay_laws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
