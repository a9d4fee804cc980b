/* The decay rule of YOU23 Figs. 1 and 4 (rep_decay_judge in
 * app/reproduce_you23.c, declared in reproduce_priv.h), fed synthetic
 * ensembles on which it must decide one way, the other, or not at all:
 * power laws (Thm. 3.2's 1/(c0 + c1 t)² and 1/t) must be sublinear and not
 * linear; exponentials, one whose rate relaxes to its limit and one whose
 * rate is λ + a/t, must be linear and not sublinear; a loss that stops
 * falling is sublinear (its rate vanishes); pure noise, a decay buried in
 * noise, too few records, an exponential that falls less than an e-fold
 * and a single instance decide nothing. The instances differ in their
 * constants (drawn with a fixed seed), as a real ensemble does. */
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

#include "reproduce_priv.h"

#define NI 10
#define NT 501

static double T_[NT], L_[NI * NT];

typedef double (*law_fn)(double t, double c, double u);

/* n records on [0, tmax] of NI instances, instance i with constants c_i
 * drawn uniformly from [c_lo, c_hi] and u_i from [0, 1]; ln L gets iid
 * Gaussian noise of sd `noise` per record. */
static rep_decay_regime judge(law_fn f, double tmax, size_t n, int ninst, double c_lo, double c_hi, double noise,
                              unsigned long seed, rep_decay *d)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t q = 0; q < n; q++)
        T_[q] = tmax * (double)q / (double)(n - 1);
    for (int i = 0; i < ninst; i++) {
        double c = c_lo + (c_hi - c_lo) * gsl_rng_uniform(r), u = gsl_rng_uniform(r);
        for (size_t q = 0; q < n; q++)
            L_[(size_t)i * n + q] = f(T_[q], c, u) * exp(noise > 0 ? gsl_ran_gaussian(r, noise) : 0.0);
    }
    gsl_rng_free(r);
    rep_decay_regime g = rep_decay_judge(T_, L_, n, (size_t)ninst, 1e-20, d);
    print_message("  angle %.2f ± %.2f° (z = %.1f), κ = %.3f, e-folds %.2f, window [%.3g, %.3g] %zu records: %s%s%s\n",
                  d->angle, d->angle_se, d->z, d->kappa, d->efolds, d->t0, d->t1, d->nwin, rep_decay_name(g),
                  d->why[0] ? " — " : "", d->why);
    return g;
}

/* Thm. 3.2's shape 1/(c0 + c1 t)², c1 = c */
static double bound_law(double t, double c, double u) { double b = (1.0 + 0.5 * u) + c * t; return 1.0 / (b * b); }
/* 1/(1 + c t) */
static double inverse_t(double t, double c, double u) { return (0.5 + u) / (1.0 + c * t); }
/* e^{−c t} */
static double expo(double t, double c, double u) { return (0.5 + u) * exp(-c * t); }
/* rate c (1 + 4 e^{−t}): falls from 5c to its limit c */
static double expo_relax(double t, double c, double u) { return (0.5 + u) * exp(-c * t - 4.0 * c * (1.0 - exp(-t))); }
/* rate c + 2/(1 + t): ln L = −c t − 2 ln(1 + t) */
static double expo_over_t(double t, double c, double u) { return (0.5 + u) * exp(-c * t) / pow(1.0 + t, 2.0); }
/* a plateau: L* + e^{−c t} with L* = 0.2 */
static double plateau(double t, double c, double u) { return 0.2 + 0.1 * u + exp(-c * t); }
/* flat */
static double flat(double t, double c, double u) { (void)t; (void)c; return 0.5 + u; }

static void power_laws_are_sublinear(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(bound_law, 10, NT, NI, 5, 15, 0, 1, &d), REP_DECAY_SUBLINEAR);
    assert_true(fabs(d.kappa - 0.5) < 0.05); /* the rate follows √L */
    assert_int_equal(judge(inverse_t, 10, NT, NI, 2, 6, 0, 2, &d), REP_DECAY_SUBLINEAR);
    assert_true(fabs(d.kappa - 1.0) < 0.1);
    /* with noise that does not hide the decay */
    assert_int_equal(judge(bound_law, 10, NT, NI, 5, 15, 0.02, 3, &d), REP_DECAY_SUBLINEAR);
}

static void exponentials_are_linear(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(expo, 5, NT, NI, 2, 4, 0, 4, &d), REP_DECAY_LINEAR);
    assert_true(fabs(d.angle) < 0.5);
    /* the rate falls from 5λ to λ (Thm. 4.4's λ_g approached from above) */
    assert_int_equal(judge(expo_relax, 5, NT, NI, 2, 4, 0, 5, &d), REP_DECAY_LINEAR);
    assert_true(d.rate0 > d.rate1);
    /* rate λ + 2/(1 + t): a power law times an exponential */
    assert_int_equal(judge(expo_over_t, 5, NT, NI, 2, 4, 0, 6, &d), REP_DECAY_LINEAR);
    assert_int_equal(judge(expo, 5, NT, NI, 2, 4, 0.02, 7, &d), REP_DECAY_LINEAR);
}

/* the loss stops falling: its rate vanishes, which Fig. 1 calls flattening */
static void a_plateau_is_sublinear(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(plateau, 10, NT, NI, 0.5, 1.5, 0, 8, &d), REP_DECAY_SUBLINEAR);
}

static void noise_decides_nothing(void **state)
{
    (void)state;
    rep_decay d;
    /* no decay at all */
    assert_int_equal(judge(flat, 10, NT, NI, 1, 1, 0.05, 9, &d), REP_DECAY_UNDECIDED);
    /* a power law whose fall over the window is buried in the noise: a
     * rate is not even positive at an end */
    assert_int_equal(judge(inverse_t, 10, NT, NI, 0.02, 0.05, 0.3, 10, &d), REP_DECAY_UNDECIDED);
    assert_int_equal(judge(expo, 5, NT, NI, 0.02, 0.05, 0.3, 11, &d), REP_DECAY_UNDECIDED);
    /* noise of 0.3 in ln L per record: the angle is found, its error over
     * the instances leaves it undecided (the same laws with 0.02 decide, above) */
    assert_int_equal(judge(bound_law, 10, NT, NI, 5, 15, 0.3, 23, &d), REP_DECAY_UNDECIDED);
    assert_true(isfinite(d.angle) && fabs(d.z) <= ZTOL);
    assert_int_equal(judge(expo, 5, NT, NI, 0.3, 0.5, 0.3, 43, &d), REP_DECAY_UNDECIDED);
    assert_true(isfinite(d.angle) && fabs(d.z) <= ZTOL);
}

static void too_little_data_decides_nothing(void **state)
{
    (void)state;
    rep_decay d;
    /* 12 records: 8 in the window [T/3, T] */
    assert_int_equal(judge(expo, 5, 12, NI, 2, 4, 0, 12, &d), REP_DECAY_UNDECIDED);
    assert_int_equal(judge(bound_law, 10, 12, NI, 5, 15, 0, 13, &d), REP_DECAY_UNDECIDED);
    /* an exponential that falls half an e-fold in the window: L → 0 not seen */
    assert_int_equal(judge(expo, 5, NT, NI, 0.14, 0.16, 0, 14, &d), REP_DECAY_UNDECIDED);
    assert_true(d.z < -ZTOL && d.efolds < REP_DECAY_MIN_EFOLDS);
    /* one instance: no ensemble error */
    assert_int_equal(judge(bound_law, 10, NT, 1, 5, 15, 0, 15, &d), REP_DECAY_UNDECIDED);
    assert_int_equal(judge(expo, 5, NT, 1, 2, 4, 0, 16, &d), REP_DECAY_UNDECIDED);
}

/* an instance's records from its first loss at the floor on are left out:
 * a fast exponential reaches 10⁻²⁰ at t ≈ 6–12 of 20 and is still linear,
 * each instance read up to its own floor (the latest end is the slowest
 * instance's last record above it) */
static void the_floor_ends_the_window(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(expo, 20, NT, NI, 4, 8, 0, 17, &d), REP_DECAY_LINEAR);
    double last = -1, first_end = INFINITY;
    for (int i = 0; i < NI; i++) {
        size_t q = 0;
        while (q < NT && L_[(size_t)i * NT + q] > 1e-20)
            q++;
        last = fmax(last, T_[q - 1]);
        first_end = fmin(first_end, T_[q - 1]);
    }
    assert_true(d.t1 == last && d.t1 < 12.0);
    assert_true(first_end < 0.9 * last);   /* the windows differ */
    assert_int_equal(d.used, NI);
}

/* a slow instance is not cut short by a fast one: nine instances reach the
 * floor by t ≈ 7 while one decays ten times slower; judged on a common
 * window ending at the first floor, the slow one would have fallen a
 * fraction of an e-fold; on its own window it decays linearly too */
static double two_speeds(double t, double c, double u) { return (0.5 + u) * exp(-(c > 5.5 ? 0.6 : 6.0) * t); }
static void slow_instances_keep_their_window(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(two_speeds, 40, NT, NI, 5, 6, 0, 18, &d), REP_DECAY_LINEAR);
    assert_true(d.t1 > 30.0);
}

/* linear convergence is judged on the instances that reach L → 0: four of
 * ten held at a local minimum (a plateau at 10⁻³) do not hide the six that
 * converge exponentially; with two converging the claim is not decided */
static double mixed(double t, double c, double u)
{
    (void)u;
    return c > 5.4 ? 1e-3 + 0.1 * exp(-3.0 * t) : 0.5 * exp(-6.0 * t);
}
static double mostly_stuck(double t, double c, double u)
{
    (void)u;
    return c > 5.2 ? 1e-3 + 0.1 * exp(-3.0 * t) : 0.5 * exp(-6.0 * t);
}
static void stuck_instances_are_left_out(void **state)
{
    (void)state;
    rep_decay d;
    assert_int_equal(judge(mixed, 8, NT, NI, 5, 6, 0, 19, &d), REP_DECAY_LINEAR);
    assert_true(d.nconv >= 3 && d.nconv < NI && d.set == REP_DECAY_SET_CONVERGED);
    assert_int_not_equal(judge(mostly_stuck, 8, NT, NI, 5, 6, 0, 20, &d), REP_DECAY_LINEAR);
    assert_true(d.nconv < 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(power_laws_are_sublinear),
        cmocka_unit_test(exponentials_are_linear),
        cmocka_unit_test(a_plateau_is_sublinear),
        cmocka_unit_test(noise_decides_nothing),
        cmocka_unit_test(too_little_data_decides_nothing),
        cmocka_unit_test(the_floor_ends_the_window),
        cmocka_unit_test(slow_instances_keep_their_window),
        cmocka_unit_test(stuck_instances_are_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
