/* The generic claim rules of `qnnlab reproduce` (app/reproduce_checks.c),
 * each fed synthetic data on which it must pass and data on which it must
 * fail: a power law with the predicted and with a wrong exponent, points
 * within 1 s.e. and one shifted by 6 s.e. (both-sided and one-sided), a
 * trend that is monotone and significant, and ones that are not; the decay
 * rule of OME Fig. 3b/c on exponentials and power laws. Fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reproduce_priv.h"
#include "reproduce_rules.h"

#define NMAX 12

/* The synthetic points: point k has x[k], a measured value m[k] ± se[k] and
 * a prediction t[k] ± tse[k]. */
static double X[NMAX], M[NMAX], SE[NMAX], T[NMAX], TSE[NMAX];
static int SKIP = -1;

static double v_x(const qnn_result *res, long k, double *se) { (void)res; *se = NAN; return X[k]; }
static double v_m(const qnn_result *res, long k, double *se) { (void)res; *se = SE[k]; return M[k]; }
static double v_t(const qnn_result *res, long k, double *se) { (void)res; *se = TSE[k]; return T[k]; }
static int skip_one(const qnn_result *res, long k, char *why, size_t n)
{
    (void)res;
    if (k != SKIP)
        return 0;
    snprintf(why, n, "outside the regime");
    return 1;
}

/* A result of n points swept over one key "x" (rep_label reads it). */
typedef struct fake { qnn_preset ps; qnn_result res; } fake;
static fake *fake_result(long n)
{
    fake *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->ps.nsweep = 1;
    snprintf(f->ps.sweep[0].key, sizeof f->ps.sweep[0].key, "x");
    f->ps.sweep[0].nvalues = (int)n;
    f->res.preset = &f->ps;
    f->res.npoints = n;
    f->res.points = calloc((size_t)n, sizeof *f->res.points);
    assert_non_null(f->res.points);
    for (long k = 0; k < n; k++) {
        snprintf(f->ps.sweep[0].values[k], sizeof f->ps.sweep[0].values[k], "%ld", k);
        f->res.points[k].value_index[0] = (int)k;
    }
    return f;
}
static void fake_free(fake *f)
{
    free(f->res.points);
    free(f);
}

/* The verdict of the one row a check added (and the report freed). */
static ck_verdict last(rep *r)
{
    assert_true(r->n >= 1 && !r->oom);
    return r->rows[r->n - 1].v;
}

/* ------------------------------------------------------------------------ */
/* rep_check_power                                                           */
/* ------------------------------------------------------------------------ */

static void test_power(void **state)
{
    (void)state;
    enum { N = 8 };
    fake *f = fake_result(N);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 3);
    for (int k = 0; k < N; k++) {
        X[k] = 8.0 * pow(2.0, 0.5 * k);
        double y = 2.0 / X[k];
        SE[k] = 0.02 * y;
        M[k] = y + gsl_ran_gaussian(g, SE[k]);
    }
    rep r = { 0 };
    /* the predicted exponent passes; z printed */
    rep_check_power(&r, &f->res, "c", "p", v_x, v_m, -1.0, "why");
    assert_int_equal(last(&r), CK_PASS);
    assert_non_null(strstr(r.rows[0].measured, "8 points"));
    assert_string_equal(r.rows[0].note, "");
    /* a wrong exponent fails, with the note */
    rep_check_power(&r, &f->res, "c", "p", v_x, v_m, -1.2, "why");
    assert_int_equal(last(&r), CK_FAIL);
    assert_string_equal(r.rows[1].note, "why");
    /* −1.00 ± 0.015 is not −1.1 (z ≈ 6), but is −1.05 (z ≈ 3) */
    rep_check_power(&r, &f->res, "c", "p", v_x, v_m, -1.1, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    assert_non_null(strstr(r.rows[2].measured, "exponent -1.004 ± 0.015"));
    rep_check_power(&r, &f->res, "c", "p", v_x, v_m, -1.05, NULL);
    assert_int_equal(last(&r), CK_PASS);
    /* two points are too few to judge a law */
    f->res.npoints = 2;
    rep_check_power(&r, &f->res, "c", "p", v_x, v_m, -1.0, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    free(r.rows);
    gsl_rng_free(g);
    fake_free(f);
}

/* ------------------------------------------------------------------------ */
/* rep_check_points                                                          */
/* ------------------------------------------------------------------------ */

/* M = T + shift[k] SE */
static void shifted(int n, const double *shift)
{
    for (int k = 0; k < n; k++) {
        T[k] = 1.0 + k;
        TSE[k] = NAN;
        SE[k] = 0.01 * (k + 1);
        M[k] = T[k] + shift[k] * SE[k];
    }
}

static void test_points_two_sided(void **state)
{
    (void)state;
    enum { N = 5 };
    fake *f = fake_result(N);
    rep r = { 0 };
    const double near[N] = { 1, -1, 0.5, -0.3, 0.9 }, off[N] = { 1, -1, 6, -0.3, 0.9 },
                 below[N] = { 1, -1, -6, -0.3, 0.9 };
    shifted(N, near);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_PASS);
    assert_non_null(strstr(r.rows[0].measured, "0 of 5 points fail"));
    shifted(N, off);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    assert_non_null(strstr(r.rows[1].measured, "1 of 5 points fail (worst |z| = 6.0)"));
    shifted(N, below);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    /* the prediction's own error counts: 6 s.e. apart with an equal error
     * on the prediction is 6/√2 = 4.2 combined: still fails; with twice
     * the error, 6/√5 = 2.7: passes */
    shifted(N, off);
    for (int k = 0; k < N; k++)
        TSE[k] = SE[k];
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    for (int k = 0; k < N; k++)
        TSE[k] = 2.0 * SE[k];
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_PASS);
    /* a point left out by skip is shown, not judged */
    shifted(N, off);
    SKIP = 2;
    ck_row *row = rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, skip_one);
    SKIP = -1;
    assert_int_equal(row->v, CK_PASS);
    assert_non_null(strstr(row->note, "Not judged: x = 2:"));
    assert_non_null(strstr(row->measured, "0 of 4 points fail"));
    /* nothing judged: no verdict can pass */
    M[0] = NAN;
    f->res.npoints = 1;
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, 0, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    free(r.rows);
    fake_free(f);
}

static void test_points_one_sided(void **state)
{
    (void)state;
    enum { N = 4 };
    fake *f = fake_result(N);
    rep r = { 0 };
    const double far_below[N] = { -10, -6, -20, -1 }, above[N] = { -10, 6, -20, -1 },
                 near_above[N] = { 1, 0.5, -2, 0.9 };
    /* side +1: not above the prediction */
    shifted(N, far_below);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, +1, NULL);
    assert_int_equal(last(&r), CK_PASS);
    shifted(N, near_above);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, +1, NULL);
    assert_int_equal(last(&r), CK_PASS);
    shifted(N, above);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, +1, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    assert_non_null(strstr(r.rows[r.n - 1].measured, "worst z = 6.0"));
    /* side −1: not below it; the same data the other way round */
    shifted(N, above);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, -1, NULL);
    assert_int_equal(last(&r), CK_FAIL);   /* −10, −20 s.e. below */
    const double far_above[N] = { 10, 6, 20, 1 }, one_below[N] = { 10, -6, 20, 1 };
    shifted(N, far_above);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, -1, NULL);
    assert_int_equal(last(&r), CK_PASS);
    shifted(N, one_below);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, -1, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    assert_non_null(strstr(r.rows[r.n - 1].measured, "1 of 4 points fail (worst z = -6.0)"));
    /* no error anywhere: an exact bound is judged by the sign alone */
    for (int k = 0; k < N; k++) {
        SE[k] = NAN;
        M[k] = T[k] - 1e-9;
    }
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, +1, NULL);
    assert_int_equal(last(&r), CK_PASS);
    rep_check_points(&r, &f->res, "c", "p", v_m, v_t, -1, NULL);
    assert_int_equal(last(&r), CK_FAIL);
    free(r.rows);
    fake_free(f);
}

/* ------------------------------------------------------------------------ */
/* rep_check_trend                                                           */
/* ------------------------------------------------------------------------ */

static void set_values(int n, const double *m, double se)
{
    for (int k = 0; k < n; k++) {
        M[k] = m[k];
        SE[k] = se;
    }
}

static void test_trend(void **state)
{
    (void)state;
    enum { N = 5 };
    fake *f = fake_result(N);
    rep r = { 0 };
    const double fall[N] = { 10, 8, 6, 4, 2 }, bump[N] = { 10, 8, 8.5, 4, 2 },
                 slight[N] = { 10, 9.9, 9.8, 9.7, 9.6 };
    set_values(N, fall, 0.1);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, -1, "falls");
    assert_int_equal(last(&r), CK_PASS);
    /* the wrong direction */
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, +1, "grows");
    assert_int_equal(last(&r), CK_FAIL);
    /* not monotone, although first to last is significant */
    set_values(N, bump, 0.1);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, -1, "falls");
    assert_int_equal(last(&r), CK_FAIL);
    /* monotone, but 0.4 apart with errors 0.1 each: z = 2.8 */
    set_values(N, slight, 0.1);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, -1, "falls");
    assert_int_equal(last(&r), CK_FAIL);
    assert_non_null(strstr(r.rows[r.n - 1].measured, "z = 2.8"));
    set_values(N, slight, 0.05);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, -1, "falls");
    assert_int_equal(last(&r), CK_PASS);
    /* without errors a monotone fall is significant, a rise is not */
    set_values(N, fall, NAN);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, -1, "falls");
    assert_int_equal(last(&r), CK_PASS);
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, N, 1, +1, "grows");
    assert_int_equal(last(&r), CK_FAIL);
    /* every other point (stride 2): 10, 6, 2 falls even when the points
     * between do not */
    set_values(N, bump, 0.1);
    M[1] = 50;
    M[3] = -50;
    rep_check_trend(&r, &f->res, "c", "p", v_m, 0, 3, 2, -1, "falls");
    assert_int_equal(last(&r), CK_PASS);
    free(r.rows);
    fake_free(f);
}

/* ------------------------------------------------------------------------ */
/* The exponential against a power law (OME Fig. 3b/c)                      */
/* ------------------------------------------------------------------------ */

/* y = law(t) (1 + 0.05 ξ) with se = 0.05 law(t) */
static void decay_data(gsl_rng *g, int n, int power, double *t, double *y, double *se)
{
    for (int k = 0; k < n; k++) {
        t[k] = 2.0 + k;
        double v = power ? 3.0 * pow(t[k], -3.0) : 3.0 * exp(-0.9 * t[k]);
        se[k] = 0.05 * v;
        y[k] = v + gsl_ran_gaussian(g, se[k]);
    }
}

static void test_exponential_rule(void **state)
{
    (void)state;
    enum { N = 6 };
    double t[N], y[N], se[N];
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 21);
    qnn_decay_laws d;
    decay_data(g, N, 0, t, y, se);
    assert_int_equal(rep_rule_exponential(t, y, se, N, &d), CK_PASS);
    assert_true(fabs(d.exp_rate - 0.9) < 4 * d.exp_rate_se);
    assert_true(d.p_pow < REP_P_REJECT);
    decay_data(g, N, 1, t, y, se);
    assert_int_equal(rep_rule_exponential(t, y, se, N, &d), CK_FAIL);
    assert_true(d.p_exp < 1e-6 && d.p_pow >= REP_P_REJECT);
    /* errors 3× too small make even the right law fail: the rule is only
     * as good as the errors it is given */
    decay_data(g, N, 0, t, y, se);
    for (int k = 0; k < N; k++)
        se[k] /= 3.0;
    assert_int_equal(rep_rule_exponential(t, y, se, N, &d), CK_FAIL);
    /* too few points */
    assert_int_equal(rep_rule_exponential(t, y, se, 2, &d), CK_FAIL);
    double f, fse;
    const double yy[] = { 8, 2, -1 }, ee[] = { 0.8, 0.2, 0.1 };
    rep_step_factor(yy, ee, 0, &f, &fse);
    assert_true(fabs(f - 4.0) < 1e-15 && fabs(fse - 4.0 * sqrt(0.02)) < 1e-14);
    rep_step_factor(yy, ee, 1, &f, &fse);
    assert_true(isnan(f) && isnan(fse));
    gsl_rng_free(g);
}

/* chk_ome_fig3b/c on synthetic summaries: ‖∇L‖_∞ with sd/mean = 0.5 and a
 * variance that falls exponentially or as a power of n = 1 + n_h; the
 * variance's error 5 % of it. */
static fake *ome_result(int power, int nh_count)
{
    fake *f = fake_result(nh_count);
    snprintf(f->ps.sweep[0].key, sizeof f->ps.sweep[0].key, "n_h");
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 8);
    for (int k = 0; k < nh_count; k++) {
        qnn_point *pt = &f->res.points[k];
        pt->params.n_h = 1 + k;
        pt->params.n = 2 + k;
        double v = power ? pow(pt->params.n, -3.4) : 0.5 * exp(-1.1 * pt->params.n_h);
        v *= 1.0 + 0.05 * gsl_ran_gaussian(g, 1.0);
        qnn_stat *s = &pt->sum.grad_inf_t0;
        s->n = 1000;
        s->sd = sqrt(v);
        s->mean = 2.0 * s->sd;
        s->se = s->sd / sqrt(1000.0);
        s->sd_se = 0.05 * v / (2.0 * s->sd);   /* se(Var) = 2 sd se(sd) */
    }
    gsl_rng_free(g);
    return f;
}

static void test_ome_decay(void **state)
{
    (void)state;
    rep r = { 0 };
    fake *f = ome_result(0, 6);
    chk_ome_fig3b(&f->res, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.rows[0].v, CK_PASS);   /* falls */
    assert_int_equal(r.rows[1].v, CK_PASS);   /* exponential */
    assert_non_null(strstr(r.rows[1].note, "power law in n is rejected"));
    assert_int_equal(r.rows[2].v, CK_PASS);   /* λ = 1.1 ≥ ln 2 */
    assert_int_equal(r.rows[3].v, CK_INFO);
    fake_free(f);
    free(r.rows);
    memset(&r, 0, sizeof r);
    /* a power law: it falls, but not exponentially; the note says why
     * with the run's numbers */
    f = ome_result(1, 7);
    chk_ome_fig3c(&f->res, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.rows[0].v, CK_PASS);
    assert_int_equal(r.rows[1].v, CK_FAIL);
    assert_non_null(strstr(r.rows[1].note, "The exponential is rejected and a power law in n is not"));
    assert_non_null(strstr(r.rows[1].note, "0.50–0.50"));
    fake_free(f);
    free(r.rows);
    memset(&r, 0, sizeof r);
    /* the unitary network's variance falling slower than 1/D_h: the
     * exponential holds, Thm. 3's rate does not */
    f = ome_result(0, 6);
    for (int k = 0; k < 6; k++) {
        qnn_stat *s = &f->res.points[k].sum.grad_inf_t0;
        double v = 0.5 * exp(-0.3 * (1 + k));
        s->sd = sqrt(v);
        s->mean = 2.0 * s->sd;
        s->sd_se = 0.01 * v / (2.0 * s->sd);
    }
    chk_ome_fig3b(&f->res, &r);
    assert_int_equal(r.rows[1].v, CK_PASS);
    assert_int_equal(r.rows[2].v, CK_FAIL);
    fake_free(f);
    free(r.rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power),
        cmocka_unit_test(test_points_two_sided),
        cmocka_unit_test(test_points_one_sided),
        cmocka_unit_test(test_trend),
        cmocka_unit_test(test_exponential_rule),
        cmocka_unit_test(test_ome_decay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
