/* The live session (engine/src/session.c): determinism and replay, how
 * each kind of change applies, the frozen-kernel line's step convention
 * for every model, divergence, the Hessian histogram, the worker thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qnn/instance.h"
#include "qnn/session.h"
#include "qnn/share.h"
#include "reference.h"

#define assert_near(a, b, tol) do { double a_ = (a), b_ = (b), t_ = (tol); \
        if (!(fabs(a_ - b_) <= t_)) \
            fail_msg("%s = %.17g, want %.17g within %.3g", #a, a_, b_, t_); } while (0)

static void usleep(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static qnn_session *mk(const char *const *kv, int R)
{
    qnn_params p = ref_params(kv);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = R;
    o.playing = 0;
    char err[512];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("qnn_session_new: %s", err);
    return s;
}

static void set(qnn_session *s, const char *k, const char *v)
{
    char err[512];
    if (qnn_session_set(s, k, v, err, sizeof err) != 0)
        fail_msg("set %s = %s: %s", k, v, err);
}

static const char *const RANDOM_OPT[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                         "eta", "0.01", "seed", "5", "resample", "all", NULL};

/* Same parameters, same commands at the same steps: identical records. */
static void test_deterministic_and_replay(void **state)
{
    (void)state;
    qnn_session *a = mk(RANDOM_OPT, 6);
    assert_int_equal(qnn_session_advance(a, 20), 0);
    set(a, "eta", "0.03");
    assert_int_equal(qnn_session_advance(a, 15), 0);
    set(a, "L", "24");
    assert_int_equal(qnn_session_advance(a, 10), 0);
    set(a, "n_h", "1");
    assert_int_equal(qnn_session_advance(a, 5), 0);

    qnn_params base;
    qnn_change *log;
    size_t n;
    long step;
    assert_int_equal(qnn_session_log(a, &base, &log, &n, &step), 0);
    assert_int_equal(n, 3);
    assert_int_equal(step, 50);
    assert_int_equal(log[0].step, 20);
    assert_string_equal(log[0].key, "eta");
    assert_int_equal(log[1].step, 35);
    assert_int_equal(log[2].step, 45);

    qnn_session *b = mk(RANDOM_OPT, 6);
    char err[512];
    assert_int_equal(qnn_session_replay(b, log, n, step, err, sizeof err), 0);
    assert_int_equal(qnn_session_advance(b, step), 0);
    const qnn_snapshot *sa = qnn_session_acquire(a), *sb = qnn_session_acquire(b);
    assert_int_equal(sa->step, 50);
    assert_int_equal(sb->step, 50);
    assert_int_equal(sa->nrec, sb->nrec);
    assert_int_equal(sa->nrec, 50);
    assert_memory_equal(sa->err_mean, sb->err_mean, sa->nrec * sizeof(double));
    assert_memory_equal(sa->err_inst, sb->err_inst, sa->nrec * (size_t)sa->nfaint * sizeof(double));
    assert_memory_equal(sa->k_mean, sb->k_mean, sa->nrec * sizeof(double));
    assert_int_equal(sa->nmarks, 3);
    assert_int_equal(sa->marks[1].step, 35);
    assert_string_equal(sa->marks[0].what, "η 0.01 → 0.03");
    assert_string_equal(sa->marks[1].what, "L 16 → 24");
    assert_int_equal(sa->marks[0].rebuilt, 0);
    assert_int_equal(sa->marks[1].rebuilt, 1);
    assert_string_equal(sa->marks[2].what, "n_{h} 0 → 1 (rebuilt)");
    assert_int_equal(sa->params.n_h, 1);
    qnn_snapshot_release(sa);
    qnn_snapshot_release(sb);
    free(log);
    qnn_session_free(a);
    qnn_session_free(b);
}

/* Changes made while paused are logged at the step the run stopped at,
 * which is also the replay's final step: they must be applied there, by
 * qnn_session_advance and by the worker (which then reports the restore). */
static void test_replay_changes_at_the_end(void **state)
{
    (void)state;
    qnn_session *a = mk(RANDOM_OPT, 4);
    assert_int_equal(qnn_session_advance(a, 12), 0);
    set(a, "eta", "0.03");
    set(a, "gamma", "1.5");
    assert_int_equal(qnn_session_advance(a, 0), 0);   /* applies the queue */
    qnn_params base;
    qnn_change *log;
    size_t n;
    long step;
    assert_int_equal(qnn_session_log(a, &base, &log, &n, &step), 0);
    assert_int_equal(n, 2);
    assert_int_equal(step, 12);
    assert_int_equal(log[1].step, 12);
    char err[512];
    for (int worker = 0; worker < 2; worker++) {
        qnn_session *b = mk(RANDOM_OPT, 4);
        assert_int_equal(qnn_session_replay(b, log, n, step, err, sizeof err), 0);
        if (!worker) {
            assert_int_equal(qnn_session_advance(b, step), 0);
        } else {
            assert_int_equal(qnn_session_start(b, err, sizeof err), 0);
            for (int k = 0; k < 1000; k++) {   /* at most 10 s */
                const qnn_snapshot *sn = qnn_session_acquire(b);
                int done = sn->target_step < 0 && sn->step == step && !sn->busy;
                qnn_snapshot_release(sn);
                if (done)
                    break;
                struct timespec ts = {0, 10000000L};
                nanosleep(&ts, NULL);
            }
        }
        const qnn_snapshot *sb = qnn_session_acquire(b);
        assert_int_equal(sb->step, 12);
        assert_true(sb->params.eta == 0.03);
        assert_true(sb->params.gamma == 1.5);
        assert_int_equal(sb->target_step, -1);
        if (worker)
            assert_non_null(strstr(sb->message, "restored the shared state at step 12"));
        qnn_snapshot_release(sb);
        qnn_session_free(b);
    }
    free(log);
    qnn_session_free(a);
}

/* Numbers gone wrong that are not divergence: γ = 0 (a zero kernel and
 * no learning) and a kernel of rank far below m (supervised, m = 12
 * training states, L = 2 angles: λ_min = 0). The session keeps running,
 * nothing diverges, the records stay finite, the theory says what it can
 * (rate 0 for γ = 0), and a later η change still applies. */
static void test_degenerate_numbers(void **state)
{
    (void)state;
    static const char *const G0[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                     "gamma", "0", "eta", "0.01", "seed", "5", NULL};
    static const char *const ILL[] = {"model", "random", "task", "supervised", "n", "4", "L", "2",
                                      "m", "12", "eta", "0.05", "seed", "5", NULL};
    const char *const *cases[2] = {G0, ILL};
    for (int c = 0; c < 2; c++) {
        qnn_session *s = mk(cases[c], 3);
        assert_int_equal(qnn_session_advance(s, 20), 0);
        set(s, "eta", "0.02");
        assert_int_equal(qnn_session_advance(s, 20), 0);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        assert_int_equal(sn->step, 40);
        assert_int_equal(sn->ndiverged, 0);
        assert_true(sn->params.eta == 0.02);
        for (size_t k = 0; k < sn->nrec; k++) {
            assert_true(isfinite(sn->err_mean[k]));
            assert_true(isfinite(sn->k_mean[k]));
        }
        if (c == 0) {
            /* γ = 0: ŷ = 0, nothing moves, the kernel and the rate are 0 */
            assert_near(sn->err_mean[sn->nrec - 1], sn->err_mean[0], 1e-15);
            assert_near(sn->k_mean[sn->nrec - 1], 0.0, 1e-15);
            assert_true(!isfinite(sn->rate) || sn->rate == 0.0);
        } else {
            /* rank(K) <= L = 2 < m = 12: the smallest eigenvalues are 0 */
            assert_near(sn->k_mean[sn->nrec - 1], 0.0, 1e-8);
        }
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
}

/* η continues the run: records are kept, the step counter goes on, the
 * error has no jump at the change, and the theory line restarts from the
 * geometric mean at the change (the statistic LIU23's rate predicts,
 * session.h) with the new rate. */
static void test_eta_continues(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 8);
    qnn_session_advance(s, 30);
    set(s, "eta", "0.02");
    qnn_session_advance(s, 30);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->nrec, 60);
    assert_true(sn->err_mean[30] / sn->err_mean[29] > 0.8);
    assert_true(sn->err_mean[30] / sn->err_mean[29] < 1.0);
    assert_int_equal((int)sn->err_theory_kind[30], QNN_THEORY_RATE);
    assert_true(fabs(sn->err_theory[30] - sn->err_geo[30]) <= 1e-14 * sn->err_geo[30]);
    assert_true(sn->err_geo[30] < sn->err_mean[30]);
    /* after the change the line decays with the new rate ηK̄ */
    double r = log(sn->err_theory[31] / sn->err_theory[40]) / 9.0;
    assert_near(r, 0.02 * sn->Kbar, 1e-12);
    assert_near(sn->rate, 0.02 * sn->Kbar, 1e-12);
    assert_int_equal(sn->nmarks, 1);
    assert_int_equal(sn->marks[0].step, 30);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* The frozen-kernel line r(s+k) = (I − f K(s))^k r(s): its first step must
 * agree with the real first step to second order in η, which pins the
 * convention f (η c, c the loss scale; η for the asymptotic dynamics). The
 * first-order change is Δ = |e(1) − e(0)|; the mismatch relative to it must
 * be small and shrink at least like η (halving η at least nearly halves
 * it; with f off by any factor it would tend to a constant). */
static double first_step_ratio(const char *const *kv, const char *eta)
{
    qnn_session *s = mk(kv, 3);
    set(s, "eta", eta);
    qnn_session_advance(s, 2);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    double d = fabs(sn->err_mean[1] - sn->err_mean[0]);
    double mis = fabs(sn->err_frozen[1] - sn->err_mean[1]);
    assert_true(isfinite(sn->err_frozen[1]));
    assert_near(sn->err_frozen[0], sn->err_mean[0], 1e-12 * sn->err_mean[0]);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
    return mis / d;
}

static void check_convention(const char *const *kv, double eta)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%.17g", eta);
    snprintf(b, sizeof b, "%.17g", eta / 2);
    double ra = first_step_ratio(kv, a), rb = first_step_ratio(kv, b);
    print_message("  %s: mismatch/change %.3g at eta, %.3g at eta/2\n", kv[1], ra, rb);
    assert_true(ra < 0.05);
    /* a wrong first-order factor leaves a mismatch that does not shrink */
    assert_true(rb / ra < 0.6);
}

static void test_frozen_line_convention(void **state)
{
    (void)state;
    static const char *const rnd[] = {"model", "random", "task", "supervised", "n", "4", "L", "24", "m", "3",
                                      "inputs", "random", "labels", "uniform", "seed", "2", NULL};
    static const char *const per[] = {"model", "periodic", "n", "4", "L", "8", "m", "3", "seed", "3", NULL};
    static const char *const asy[] = {"model", "asymptotic", "n", "4", "m", "3", "seed", "4", NULL};
    static const char *const hid[] = {"model", "hidden", "n", "3", "L", "30", "seed", "6", NULL};
    static const char *const mlp[] = {"model", "mlp", "width", "16", "L", "2", "data", "sin1d", "m", "8",
                                      "seed", "7", NULL};
    static const char *const mlps[] = {"model", "mlp", "width", "16", "L", "2", "data", "sin1d", "m", "8",
                                       "lr_scale", "standard", "seed", "7", NULL};
    /* steps small enough for the second-order regime */
    check_convention(rnd, 0.0025);
    check_convention(per, 0.0006);
    check_convention(asy, 0.0025);
    check_convention(hid, 0.0025);
    check_convention(mlp, 0.0025);
    check_convention(mlps, 0.0006);
}

/* L on a circuit model keeps the angles of the layers that remain. */
static void test_L_keeps_angles(void **state)
{
    (void)state;
    static const char *const kv8[] = {"model", "random", "n", "3", "L", "8", "seed", "9", NULL};
    static const char *const kv12[] = {"model", "random", "n", "3", "L", "12", "seed", "9", NULL};
    qnn_instance *a = ref_instance(kv8, 2), *b = ref_instance(kv12, 2), *c = ref_instance(kv12, 2);
    qnn_obs o;
    for (int k = 0; k < 5; k++) {
        qnn_instance_eval(a, 0, &o);
        qnn_instance_step(a);
    }
    int La, Lb;
    const double *ta = qnn_instance_theta(a, &La);
    assert_int_equal(qnn_instance_set_theta(b, ta, La), 0);
    const double *tb = qnn_instance_theta(b, &Lb), *tc = qnn_instance_theta(c, &Lb);
    assert_int_equal(Lb, 12);
    assert_memory_equal(tb, ta, 8 * sizeof(double));
    assert_memory_equal(tb + 8, tc + 8, 4 * sizeof(double));
    qnn_instance_free(a);
    qnn_instance_free(b);
    qnn_instance_free(c);
}

/* γ continues the run of a circuit model: the residual of the next record
 * is the new γ times the same expectation value. */
static void test_gamma_continues(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "optimise", "n", "4", "L", "16", "O0", "0",
                                     "eta", "0.01", "seed", "5", NULL};
    qnn_session *s = mk(kv, 1);
    qnn_session_advance(s, 10);
    set(s, "gamma", "2");
    qnn_session_advance(s, 1);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    /* O0 = 0: |ε| = γ|<O>|; one step of the old γ separates records 9 and 10 */
    double pred = 2.0 * sn->err_mean[9] + 2.0 * (sn->err_mean[9] - sn->err_mean[8]);
    assert_near(sn->err_mean[10], pred, 0.02 * pred);
    assert_near(sn->params.gamma, 2.0, 0);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* A slider's number crosses to the worker as it is: η = 0.002·1.1³ is
 * 0.0026620000000000001, not the 0.0026619999999999999 its 6 digits read
 * back as; integer keys stay whole. The log holds text that reads back to
 * the same bits, so the share string restores the very session. */
static void test_typed_value(void **state)
{
    (void)state;
    const double v = 0.002 * 1.1 * 1.1 * 1.1;
    assert_true(v != strtod("0.002662", NULL));
    qnn_session *a = mk(RANDOM_OPT, 4);
    char err[512];
    assert_int_equal(qnn_session_advance(a, 10), 0);
    assert_int_equal(qnn_session_set_number(a, "eta", v, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(a, 10), 0);
    assert_int_equal(qnn_session_set_number(a, "L", 24.0, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(a, 10), 0);
    /* refusals: the text path's messages for the same values */
    assert_int_equal(qnn_session_set_number(a, "L", 24.5, err, sizeof err), QNN_E_KEY_TYPE);
    assert_string_equal(err, "key 'L': value '24.5' is not an integer; allowed: 1 .. 100000");
    assert_int_equal(qnn_session_set_number(a, "eta", -1.0, err, sizeof err), QNN_E_KEY_RANGE);
    char err2[512];
    assert_int_equal(qnn_session_set(a, "eta", "-1", err2, sizeof err2), QNN_E_KEY_RANGE);
    assert_string_equal(err, err2);
    assert_int_equal(qnn_session_set_number(a, "seed", 7.0, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(a, 5), 0);

    const qnn_snapshot *sa = qnn_session_acquire(a);
    assert_memory_equal(&sa->params.eta, &v, sizeof v);
    assert_int_equal(sa->params.L, 24);
    assert_true(sa->params.seed == 7);
    assert_int_equal(sa->nmarks, 3);
    assert_string_equal(sa->marks[0].what, "η 0.01 → 0.002662");
    assert_string_equal(sa->marks[1].what, "L 16 → 24");
    assert_string_equal(sa->marks[2].what, "seed 5 → 7 (rebuilt)");

    qnn_params base;
    qnn_change *log;
    size_t n;
    long step;
    assert_int_equal(qnn_session_log(a, &base, &log, &n, &step), 0);
    assert_int_equal(n, 3);
    double back = strtod(log[0].value, NULL);
    assert_memory_equal(&back, &v, sizeof v);
    assert_string_equal(log[1].value, "24");
    assert_string_equal(log[2].value, "7");

    /* through the share string and back */
    char *str = NULL;
    assert_int_equal(qnn_share_encode("typed", &base, &base, log, n, step, &str), 0);
    qnn_share sh;
    assert_int_equal(qnn_share_decode(str, &sh, err, sizeof err), QNN_OK);
    qnn_session *b = mk(RANDOM_OPT, 4);
    assert_int_equal(qnn_session_replay(b, sh.log, sh.nlog, sh.step, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(b, sh.step), 0);
    const qnn_snapshot *sb = qnn_session_acquire(b);
    assert_int_equal(sb->step, sa->step);
    assert_memory_equal(&sb->params.eta, &v, sizeof v);
    assert_int_equal(sa->nrec, sb->nrec);
    assert_memory_equal(sa->err_mean, sb->err_mean, sa->nrec * sizeof(double));
    assert_memory_equal(sa->k_mean, sb->k_mean, sa->nrec * sizeof(double));
    qnn_snapshot_release(sa);
    qnn_snapshot_release(sb);
    qnn_share_free(&sh);
    free(str);
    free(log);
    qnn_session_free(a);
    qnn_session_free(b);
}

/* Bad commands are refused at once, naming the key and what is allowed. */
static void test_refusals(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 2);
    char err[512];
    assert_int_equal(qnn_session_set(s, "etaa", "1", err, sizeof err), QNN_E_KEY_UNKNOWN);
    assert_non_null(strstr(err, "etaa"));
    assert_int_equal(qnn_session_set(s, "eta", "-1", err, sizeof err), QNN_E_KEY_RANGE);
    assert_non_null(strstr(err, "eta"));
    assert_int_equal(qnn_session_set(s, "model", "carleman", err, sizeof err), QNN_E_UNSUPPORTED);
    assert_non_null(strstr(err, "carleman"));
    assert_int_equal(qnn_session_set(s, "n", "30", err, sizeof err), QNN_E_KEY_RANGE);
    assert_non_null(strstr(err, "'n'"));
    qnn_params q;
    qnn_session_requested(s, &q);
    assert_int_equal(q.n, 4);   /* nothing was queued */
    qnn_session_free(s);
}

/* A step so large that the angles leave the representable range: every
 * instance diverges, the session says so and stops, without crashing. */
static void test_divergence(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 3);
    set(s, "eta", "1e30");
    assert_int_equal(qnn_session_advance(s, 5), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->ndiverged, 3);
    assert_true(sn->diverged_step >= 0);
    assert_true(sn->message_error);
    assert_non_null(strstr(sn->message, "diverged"));
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* The Hessian histogram of instance 0 is a density over its range. */
static void test_hessian_hist(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "supervised", "n", "3", "L", "20", "m", "2",
                                     "hessian", "exact", "hessian_every", "2", "hessian_budget", "0",
                                     "seed", "8", NULL};
    qnn_session *s = mk(kv, 2);
    qnn_session_advance(s, 5);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_true(sn->hessian_on);
    assert_true(sn->hist_now.valid);
    assert_true(sn->hist_prev.valid);
    assert_true(sn->hist_now.step > sn->hist_prev.step);
    assert_int_equal(sn->hist_now.dim, 20);
    double bw = (sn->hist_now.hi - sn->hist_now.lo) / QNN_SESSION_HIST_BINS, tot = 0;
    for (int b = 0; b < QNN_SESSION_HIST_BINS; b++)
        tot += sn->hist_now.density[b] * bw;
    assert_near(tot, 1.0, 1e-12);
    assert_true(sn->hist_now.frac_pos > 0 && sn->hist_now.frac_pos <= 1);
    assert_true(sn->hist_now.h_min >= sn->hist_now.lo && sn->hist_now.h_max <= sn->hist_now.hi);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* History is thinned by 2 when full and keeps its first record. */
static void test_thinning(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 1);
    qnn_session_advance(s, QNN_SESSION_HIST_CAP + 10);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_true(sn->nrec <= QNN_SESSION_HIST_CAP);
    assert_true(sn->nrec >= QNN_SESSION_HIST_CAP / 2);
    assert_near(sn->t[0], 0, 0);
    assert_near(sn->t[1], 2, 0);
    for (size_t k = 1; k < sn->nrec; k++)
        assert_true(sn->t[k] > sn->t[k - 1]);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

static const qnn_snapshot *wait_for(qnn_session *s, int (*ok)(const qnn_snapshot *))
{
    for (int k = 0; k < 400; k++) {
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (ok(sn))
            return sn;
        qnn_snapshot_release(sn);
        usleep(10000);
    }
    fail_msg("timed out waiting for the worker");
    return NULL;
}

static int has_steps(const qnn_snapshot *sn) { return sn->step >= 20; }
static int has_mark(const qnn_snapshot *sn) { return sn->nmarks == 1 && sn->params.eta == 0.02; }
static int is_paused(const qnn_snapshot *sn) { return !sn->playing; }

/* The worker steps while playing, applies a change, stops on pause. */
static void test_worker(void **state)
{
    (void)state;
    qnn_params p = ref_params(RANDOM_OPT);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 4;
    o.steps_per_frame = 5;
    char err[256];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
    qnn_snapshot_release(wait_for(s, has_steps));
    set(s, "eta", "0.02");
    qnn_snapshot_release(wait_for(s, has_mark));
    qnn_session_play(s, 0);
    const qnn_snapshot *a = wait_for(s, is_paused);
    usleep(100000);
    const qnn_snapshot *b = qnn_session_acquire(s);
    const long paused_at = a->step;
    assert_int_equal(paused_at, b->step);
    qnn_snapshot_release(a);
    qnn_snapshot_release(b);
    qnn_session_single_step(s);
    usleep(200000);
    b = qnn_session_acquire(s);
    assert_int_equal(b->step, paused_at + 1);
    qnn_snapshot_release(b);
    qnn_session_free(s);
}

/* Seconds on CLOCK_MONOTONIC. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Waits (up to `limit` seconds) for a snapshot that ok() accepts; the
 * seconds it took in *took. NULL when none came. */
static const qnn_snapshot *wait_within(qnn_session *s, int (*ok)(const qnn_snapshot *), double limit, double *took)
{
    const double t0 = now_s();
    for (;;) {
        const qnn_snapshot *sn = qnn_session_acquire(s);
        *took = now_s() - t0;
        if (ok(sn))
            return sn;
        qnn_snapshot_release(sn);
        if (*took > limit)
            return NULL;
        usleep(2000);
    }
}

static int is_built(const qnn_snapshot *sn) { return sn->ninst == 1 && !strncmp(sn->message, "1 instances", 11); }
static int is_reset(const qnn_snapshot *sn) { return !strncmp(sn->message, "reset", 5); }
static int reset_done(const qnn_snapshot *sn) { return !strncmp(sn->message, "reset: step 0", 13); }
static int is_L(const qnn_snapshot *sn) { return !strncmp(sn->message, "L = 768 ", 8); }
static int has_L(const qnn_snapshot *sn)
{
    static const char want[] = "L 1024 → 768 at step 0";
    return sn->params.L == 768 && !sn->busy && !strncmp(sn->message, want, sizeof want - 1);
}

/* The bound a cancelled computation must answer in: 100 ms is the goal
 * (issue 22); 1 s here so a loaded machine does not fail the test, more
 * under the sanitizers (5-10x slower). */
static double answer_bound(void)
{
    return getenv("QNN_SANITIZED") ? 5.0 : 1.0;
}

/* Quit, reset and a change of L answer at once while the worker is inside
 * an exact Hessian that takes many seconds (L = 1024: 2048 Jacobians and
 * a 1024 x 1024 eigenproblem, ~30 s): the computation checks the session's cancel
 * flag and gives up, leaving the instances as they were; the snapshot
 * says what is being done before the new instances are built (which
 * takes its own time: 1024 Haar entanglers). */
static void test_cancel_long_hessian(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "supervised", "n", "6", "L", "1024", "m", "4",
                                     "hessian", "exact", "hessian_every", "1", "seed", "3", NULL};
    qnn_params p = ref_params(kv);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 1;
    char err[512];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
    const double bound = answer_bound();
    double took;
    const qnn_snapshot *sn = wait_within(s, is_built, 60.0, &took);
    assert_non_null(sn);
    qnn_snapshot_release(sn);
    /* step 0 computes the Hessian (the proxy's upload): inside it now */
    usleep(300000);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->step, 0);
    qnn_snapshot_release(sn);
    qnn_session_reset(s);
    sn = wait_within(s, is_reset, 120.0, &took);
    printf("test_cancel_long_hessian: reset answered in %.3f s (bound %.1f s)\n", took, bound);
    assert_non_null(sn);
    assert_int_equal(sn->step, 0);
    qnn_snapshot_release(sn);
    assert_true(took < bound);
    sn = wait_within(s, reset_done, 120.0, &took);
    assert_non_null(sn);
    qnn_snapshot_release(sn);
    /* the step-0 Hessian again, then a change of L */
    usleep(300000);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->step, 0);
    qnn_snapshot_release(sn);
    set(s, "L", "768");
    sn = wait_within(s, is_L, 120.0, &took);
    printf("test_cancel_long_hessian: L = 768 answered in %.3f s\n", took);
    assert_non_null(sn);
    assert_int_equal(sn->step, 0);
    qnn_snapshot_release(sn);
    assert_true(took < bound);
    sn = wait_within(s, has_L, 120.0, &took);
    assert_non_null(sn);
    qnn_snapshot_release(sn);
    usleep(300000);
    const double t0 = now_s();
    qnn_session_free(s);
    took = now_s() - t0;
    printf("test_cancel_long_hessian: quit (qnn_session_free) took %.3f s\n", took);
    assert_true(took < bound);
}

/* Starts a playing session of kv with one instance. */
static qnn_session *start_one(const char *const *kv)
{
    qnn_params p = ref_params(kv);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 1;
    char err[512];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
    return s;
}

/* Quit answers at once during an instance build (L = 4096 Haar
 * entanglers: seconds) and during an SLQ spectrum (20 probes of 400
 * Lanczos steps, two gradients each). */
static void test_cancel_build_and_slq(void **state)
{
    (void)state;
    static const char *const big[] = {"model", "random", "task", "supervised", "n", "6", "L", "4096", "m", "4",
                                      "seed", "3", NULL};
    static const char *const slq[] = {"model", "random", "task", "supervised", "n", "6", "L", "512", "m", "4",
                                      "hessian", "slq", "slq_probes", "20", "slq_steps", "400", "seed", "3", NULL};
    const double bound = answer_bound();
    qnn_session *s = start_one(big);
    usleep(300000);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->ninst, 0);   /* still building */
    qnn_snapshot_release(sn);
    double t0 = now_s();
    qnn_session_free(s);
    double took = now_s() - t0;
    printf("test_cancel_build_and_slq: quit during the build took %.3f s\n", took);
    assert_true(took < bound);

    s = start_one(slq);
    sn = wait_within(s, is_built, 60.0, &took);
    assert_non_null(sn);
    qnn_snapshot_release(sn);
    usleep(300000);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->step, 0);   /* inside the step-0 spectrum */
    qnn_snapshot_release(sn);
    t0 = now_s();
    qnn_session_free(s);
    took = now_s() - t0;
    printf("test_cancel_build_and_slq: quit during SLQ took %.3f s\n", took);
    assert_true(took < bound);
}


/* ---------------------------------------------------------------------- */
/* Segments, convergence, the Hessian's zeros and proxy, replay (issue 23) */

/* Checks the segments of a snapshot: one per marker plus one, each from
 * its marker's step, their record ranges partitioning the records by
 * step (a record at a marker's step belongs to the new segment). */
static void check_segments(const qnn_snapshot *sn)
{
    assert_int_equal(sn->nseg, sn->nmarks + 1);
    assert_int_equal(sn->seg[0].step0, 0);
    assert_int_equal(sn->seg[0].rec0, 0);
    assert_int_equal(sn->seg[sn->nseg - 1].rec1, sn->nrec);
    for (size_t k = 0; k < sn->nseg; k++) {
        const qnn_snap_segment *g = &sn->seg[k];
        if (k) {
            assert_int_equal(g->step0, sn->marks[k - 1].step);
            assert_int_equal(g->rec0, sn->seg[k - 1].rec1);
            assert_int_equal(g->rebuilt, sn->marks[k - 1].rebuilt);
        }
        const double next = k + 1 < sn->nseg ? (double)sn->marks[k].step : INFINITY;
        for (size_t r = g->rec0; r < g->rec1; r++)
            if (!(sn->t[r] >= (double)g->step0 && sn->t[r] < next))
                fail_msg("segment %zu (from step %ld): record %zu at step %g", k, g->step0, r, sn->t[r]);
    }
}

/* Every change starts a segment with the values in force in it (stored
 * when the marker was added, not the current ones); the rebuilt flag;
 * the marker's text "key from → to"; changes at one step make one marker
 * (a model switch with an adapted key), a key set twice shows its first
 * and last value. */
static void test_segments(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 3);
    char err[512];
    assert_int_equal(qnn_session_advance(s, 10), 0);
    const qnn_snapshot *s0 = qnn_session_acquire(s);
    const double K0 = s0->Kbar;
    assert_int_equal(s0->nseg, 1);
    assert_string_equal(s0->seg[0].model, "random");
    assert_near(s0->seg[0].rate, 0.01 * K0, 1e-15);
    qnn_snapshot_release(s0);
    set(s, "eta", "0.02");
    set(s, "eta", "0.03");          /* the same step: one marker, first → last */
    assert_int_equal(qnn_session_advance(s, 10), 0);
    set(s, "gamma", "2");           /* continues the run of a circuit */
    assert_int_equal(qnn_session_advance(s, 10), 0);
    set(s, "L", "8");
    set(s, "seed", "6");            /* two keys at one step: one marker */
    assert_int_equal(qnn_session_advance(s, 10), 0);
    /* a model switch with a key adapted for it, queued as the faces do */
    set(s, "L", "4");
    assert_int_equal(qnn_session_set(s, "model", "periodic", err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(s, 10), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->nmarks, 4);
    check_segments(sn);
    assert_string_equal(sn->marks[0].what, "η 0.01 → 0.03");
    assert_string_equal(sn->marks[1].what, "γ 1 → 2");
    assert_string_equal(sn->marks[2].what, "L 16 → 8, seed 5 → 6 (rebuilt)");
    assert_string_equal(sn->marks[3].what, "model random → periodic, L 8 → 4 (rebuilt)");
    const int rebuilt[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(sn->marks[k].step, 10 * (k + 1));
        assert_int_equal(sn->marks[k].rebuilt, rebuilt[k]);
        /* each segment has its 10 records, the first at its marker */
        assert_int_equal(sn->seg[k + 1].rec1 - sn->seg[k + 1].rec0, 10);
        assert_near(sn->t[sn->seg[k + 1].rec0], 10.0 * (k + 1), 0);
    }
    /* the values of each segment: η changes the rate, γ = 2 K̄ (K ∝ γ²) */
    assert_near(sn->seg[0].rate, 0.01 * K0, 1e-15);
    assert_near(sn->seg[1].Kbar, K0, 0);
    assert_near(sn->seg[1].rate, 0.03 * K0, 1e-15);
    assert_near(sn->seg[2].Kbar, 4.0 * K0, 1e-12 * K0);
    assert_near(sn->seg[2].rate, 0.03 * 4.0 * K0, 1e-12 * K0);
    assert_true(fabs(sn->seg[3].Kbar - sn->seg[2].Kbar) > 1e-6 * K0);   /* L = 8 */
    for (int k = 0; k < 4; k++)
        assert_string_equal(sn->seg[k].model, "random");
    assert_string_equal(sn->seg[4].model, "periodic");
    /* the last segment's values are the current ones */
    assert_near(sn->seg[4].kernel_div, sn->kernel_div, 0);
    assert_true(sn->seg[4].rate == sn->rate || (isnan(sn->seg[4].rate) && isnan(sn->rate)));
    assert_int_equal(sn->seg[4].m, sn->m);
    qnn_snapshot_release(sn);
    qnn_session_free(s);

    /* a change that forces another key says so: a model without
     * parameters has no Hessian */
    static const char *const HX[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                     "hessian", "exact", "seed", "1", NULL};
    s = mk(HX, 2);
    assert_int_equal(qnn_session_advance(s, 2), 0);
    set(s, "model", "asymptotic");
    assert_int_equal(qnn_session_advance(s, 1), 0);
    sn = qnn_session_acquire(s);
    assert_string_equal(sn->marks[0].what, "model random → asymptotic, hessian exact → off (rebuilt)");
    assert_string_equal(sn->message, "model random → asymptotic at step 2 (instances rebuilt); it also set hessian exact → off");
    qnn_snapshot_release(sn);
    qnn_session_free(s);

    /* the example, from a slider's number */
    static const char *const DEF[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                      "eta", "0.002", "seed", "1", NULL};
    s = mk(DEF, 2);
    assert_int_equal(qnn_session_advance(s, 3), 0);
    assert_int_equal(qnn_session_set_number(s, "eta", 0.005, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(s, 1), 0);
    sn = qnn_session_acquire(s);
    assert_string_equal(sn->marks[0].what, "η 0.002 → 0.005");
    assert_non_null(strstr(sn->message, "eta 0.002 → 0.005 at step 3"));
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* A marker's text fits qnn_snap_mark.what: many keys at one step end in
 * " +N more", never inside a UTF-8 sequence. */
static void test_marker_text_fits(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 1);
    assert_int_equal(qnn_session_advance(s, 2), 0);
    set(s, "sigma_theta", "0.0123456");
    set(s, "gamma", "1.2345678");
    set(s, "eta", "0.0234567");
    set(s, "seed", "1234567");
    set(s, "L", "17");
    set(s, "n_h", "1");
    assert_int_equal(qnn_session_advance(s, 1), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->nmarks, 1);
    const char *w = sn->marks[0].what;
    print_message("  marker: %s\n", w);
    assert_true(strlen(w) < sizeof sn->marks[0].what);
    assert_non_null(strstr(w, "σ_{θ} 0 → 0.0123456, γ 1 → 1.23457"));
    assert_non_null(strstr(w, " more (rebuilt)"));
    /* valid UTF-8 throughout */
    for (const unsigned char *c = (const unsigned char *)w; *c;) {
        int n = *c < 0x80 ? 1 : (*c & 0xE0) == 0xC0 ? 2 : (*c & 0xF0) == 0xE0 ? 3 : (*c & 0xF8) == 0xF0 ? 4 : 0;
        assert_true(n > 0);
        for (int k = 1; k < n; k++)
            assert_true((c[k] & 0xC0) == 0x80);
        c += n;
    }
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* Segments stay right when the history is thinned: each keeps its first
 * record (the change at odd step 101 survives the halving that keeps
 * the even records) and the ranges still partition the records. */
static void test_segments_thinning(void **state)
{
    (void)state;
    qnn_session *s = mk(RANDOM_OPT, 1);
    assert_int_equal(qnn_session_advance(s, 101), 0);
    set(s, "eta", "0.02");
    assert_int_equal(qnn_session_advance(s, 900), 0);
    set(s, "gamma", "1.5");
    assert_int_equal(qnn_session_advance(s, QNN_SESSION_HIST_CAP), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_true(sn->nrec < QNN_SESSION_HIST_CAP);
    assert_near(sn->t[1], 2, 0);   /* thinned */
    assert_int_equal(sn->nmarks, 2);
    check_segments(sn);
    assert_near(sn->t[sn->seg[1].rec0], 101, 0);
    assert_near(sn->t[sn->seg[2].rec0], 1001, 0);
    assert_near(sn->seg[1].rate, 0.02 * sn->Kbar / 2.25, 1e-12 * sn->Kbar);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

static const char *const CONV[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                   "eta", "0.05", "seed", "5", "resample", "all", NULL};

/* Convergence: the first step where the geometric mean (the statistic of
 * the rate theory) is 1e-14 of its value at the segment's start; a new
 * segment starts it anew, and one begun at the floor converges by
 * stagnation 100 steps later. */
static void test_convergence(void **state)
{
    (void)state;
    qnn_session *s = mk(CONV, 4);
    assert_int_equal(qnn_session_advance(s, 30), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->converged_step, -1);
    assert_true(isnan(sn->converged_err));
    assert_near(sn->converge_rel, 1e-14, 0);
    qnn_snapshot_release(sn);
    assert_int_equal(qnn_session_advance(s, 300), 0);
    sn = qnn_session_acquire(s);
    const long c = sn->converged_step;
    print_message("  converged at step %ld (%.3g of its start): %s\n", c, sn->converged_err, sn->message);
    assert_true(c > 30 && c < 330);
    assert_true((int)sn->err_theory_kind[c] == QNN_THEORY_RATE);
    /* the first step: records are every step here */
    assert_true(sn->err_geo[c] <= 1e-14 * sn->err_geo[0]);
    assert_true(sn->err_geo[c - 1] > 1e-14 * sn->err_geo[0]);
    assert_near(sn->converged_err, sn->err_geo[c] / sn->err_geo[0], 1e-9 * sn->converged_err);
    assert_true(!strncmp(sn->message, "converged at step ", 18));
    assert_null(strstr(sn->message, "paused"));
    qnn_snapshot_release(sn);
    /* a new segment at the floor: reset, then stagnation */
    set(s, "eta", "0.04");
    assert_int_equal(qnn_session_advance(s, 0), 0);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->converged_step, -1);
    qnn_snapshot_release(sn);
    assert_int_equal(qnn_session_advance(s, 99), 0);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->converged_step, -1);
    qnn_snapshot_release(sn);
    assert_int_equal(qnn_session_advance(s, 30), 0);
    sn = qnn_session_acquire(s);
    assert_true(sn->converged_step >= 330 + 100 && sn->converged_step < 330 + 130);
    assert_non_null(strstr(sn->message, "no longer falling"));
    qnn_snapshot_release(sn);
    /* a run that learns nothing (γ = 0) never converges */
    qnn_session_free(s);
    static const char *const G0[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                     "gamma", "0", "O0", "0.5", "eta", "0.05", "seed", "5", NULL};
    s = mk(G0, 2);
    assert_int_equal(qnn_session_advance(s, 300), 0);
    sn = qnn_session_acquire(s);
    assert_int_equal(sn->converged_step, -1);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* With no reachable relative floor (converge_rel = 1e-300) the run
 * converges by stagnation: at the first step where the error, below
 * 1e-12 of its largest value, has not halved for 100 steps — not while it
 * still falls. */
static void test_convergence_stagnation(void **state)
{
    (void)state;
    qnn_params p = ref_params(CONV);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 4;
    o.playing = 0;
    o.converge_rel = 1e-300;
    char err[256];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_advance(s, 500), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    const long c = sn->converged_step;
    print_message("  stagnation: converged at step %ld (%.3g of its start)\n", c, sn->converged_err);
    assert_near(sn->converge_rel, 1e-300, 0);
    assert_true(c >= 100 && c < 500);
    assert_non_null(strstr(sn->message, "no longer falling"));
    double lo = INFINITY, hi = 0;
    for (long k = 0; k <= c; k++) {
        if (k <= c - 100)
            lo = fmin(lo, sn->err_geo[k]);
        hi = fmax(hi, sn->err_geo[k]);
    }
    assert_true(sn->err_geo[c] <= 1e-12 * hi);
    assert_true(sn->err_geo[c] >= 0.5 * lo);    /* it had stopped falling */
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

static int conv_paused(const qnn_snapshot *sn) { return !sn->playing && sn->converged_step >= 0; }
static int conv_seen(const qnn_snapshot *sn) { return sn->converged_step >= 0 && sn->step > sn->converged_step + 50; }

/* The worker pauses at convergence when asked, and says so; without it
 * the run goes on. */
static void test_pause_converged(void **state)
{
    (void)state;
    for (int pause = 1; pause >= 0; pause--) {
        qnn_params p = ref_params(CONV);
        qnn_session_opts o;
        qnn_session_opts_default(&o);
        o.instances = 4;
        o.frame_hz = 1000;
        o.steps_per_frame = 7;
        char err[256];
        qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
        assert_non_null(s);
        qnn_session_set_pause_converged(s, pause);
        assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
        double took;
        if (pause) {
            const qnn_snapshot *sn = wait_within(s, conv_paused, 60.0, &took);
            assert_non_null(sn);
            assert_int_equal(sn->step, sn->converged_step + 1);
            char want[96];
            snprintf(want, sizeof want, "converged at step %ld (error ", sn->converged_step);
            assert_true(!strncmp(sn->message, want, strlen(want)));
            assert_non_null(strstr(sn->message, "of its start): paused"));
            const long at = sn->step;
            qnn_snapshot_release(sn);
            usleep(200000);
            sn = qnn_session_acquire(s);
            assert_int_equal(sn->step, at);
            qnn_snapshot_release(sn);
            /* play on: it does not pause again */
            qnn_session_play(s, 1);
        }
        const qnn_snapshot *sn = wait_within(s, conv_seen, 60.0, &took);
        assert_non_null(sn);
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
}

static const char *const HLIVE[] = {"model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                                    "inputs", "basis", "labels", "pm1", "hessian", "exact", "hessian_every", "60",
                                    "hessian_budget", "0", "eta", "0.1", "resample", "theta", "seed", "24", NULL};

/* The hessian-live run (η = 0.1 to be quick): as the residuals vanish the
 * spectrum collapses onto JᵀJ, 4 positive eigenvalues and 60 that are
 * zero to rounding (±1e-14). They count as zero and the positive fraction
 * of the rest is 1 — not the 0.8 ± noise a count by sign gives. The
 * snapshot holds both spectra, ascending, with weights. */
static void test_hessian_zeros(void **state)
{
    (void)state;
    /* The sanitizer stages (QNN_SANITIZED) check the same bookkeeping on the
     * first two spectra (steps 0 and 60: 421 steps take a minute there);
     * the zero count of the trained circuit is checked by the Release
     * stage. */
    const int full = getenv("QNN_SANITIZED") == NULL;
    const long last = full ? 420 : 60;
    qnn_session *s = mk(HLIVE, 1);
    assert_int_equal(qnn_session_advance(s, last + 1), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    const qnn_snap_hist *h = &sn->hist_now, *hp = &sn->hist_prev;
    assert_true(h->valid && hp->valid);
    assert_int_equal(h->step, last);
    assert_int_equal(hp->step, last - 60);
    assert_int_equal(h->neig, 64);
    assert_int_equal(hp->neig, 64);
    assert_near(h->zero_tol, 1e-8, 0);
    const qnn_snap_hist *hs[2] = {h, hp};
    for (int j = 0; j < 2; j++) {
        const qnn_snap_hist *x = hs[j];
        double amax = fmax(fabs(x->eig[0]), fabs(x->eig[x->neig - 1])), w = 0, wz = 0, wp = 0;
        size_t nz = 0, npos = 0;
        for (size_t k = 0; k < x->neig; k++) {
            if (k)
                assert_true(x->eig[k] >= x->eig[k - 1]);
            w += x->eig_w[k];
            if (fabs(x->eig[k]) <= x->zero_tol * amax) {
                nz++;
                wz += x->eig_w[k];
            } else if (x->eig[k] > 0) {
                wp += x->eig_w[k];
            }
            npos += x->eig[k] > 0;
        }
        assert_near(w, 1.0, 1e-12);
        assert_int_equal(x->n_zero, nz);
        assert_near(x->w_zero, wz, 1e-15);
        assert_near(x->h_min, x->eig[0], 0);
        print_message("  step %ld: %zu zero, positive fraction %.3f of the rest (%.3f by sign)\n", x->step, nz,
                      x->frac_pos, (double)npos / x->neig);
        /* the positive fraction of the nonzero rest, by weight */
        assert_near(x->frac_pos, wp / (w - wz), 1e-12);
        if (full) {
            assert_int_equal(nz, 60);
            assert_near(x->frac_pos, 1.0, 0);
            assert_true((double)npos / x->neig < 0.95);   /* the zeros' signs are noise */
        }
    }
    assert_true(h->eig != hp->eig);
    assert_true(memcmp(h->eig, hp->eig, 64 * sizeof(double)) != 0);
    /* the records' positive fraction is the same count, at the spectra's steps */
    if (full)
        assert_near(sn->hfp[last], 1.0, 0);
    assert_near(sn->hfp[last], h->frac_pos, 0);
    assert_true(isnan(sn->hfp[last - 1]));
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* The live proxy uses a = −ηλ (whatever proxy_scale says) and is NaN
 * where it is not defined: Hessian off, no eigenvalue with |ηλ| >= cut,
 * a kept mode that grows (hessian-live: λ = −13 at step 0, |1 − ηλ| > 1;
 * the run's proxy reaches 1e+179 there). Where defined it lies in
 * [0, 1] and is LIU24's average over the step-0 spectrum. */
static void test_proxy_defined(void **state)
{
    (void)state;
    static const char *const off[] = {"model", "random", "task", "supervised", "n", "4", "L", "16", "m", "2",
                                      "seed", "3", NULL};
    static const char *const grow[] = {"model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                                       "inputs", "basis", "labels", "pm1", "hessian", "exact", "hessian_every", "100",
                                       "hessian_budget", "0", "eta", "0.05", "seed", "24", NULL};
    static const char *const empty[] = {"model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                                        "inputs", "basis", "labels", "pm1", "hessian", "exact", "hessian_every", "100",
                                        "hessian_budget", "0", "eta", "0.002", "seed", "24", NULL};
    /* η = 0.04, cut 0.56: only λ >= 14 is kept (|1 − ηλ| ≈ 0.4): defined */
    static const char *const ok[] = {"model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                                     "inputs", "basis", "labels", "pm1", "hessian", "exact", "hessian_every", "11",
                                     "hessian_budget", "0", "eta", "0.04", "proxy_cut", "0.56", "seed", "24", NULL};
    static const char *const ok_one[] = {"model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                                         "inputs", "basis", "labels", "pm1", "hessian", "exact", "hessian_every", "11",
                                         "hessian_budget", "0", "eta", "0.04", "proxy_cut", "0.56",
                                         "proxy_scale", "one", "seed", "24", NULL};
    const char *const *nan_cases[3] = {off, grow, empty};
    const char *notes[3] = {"the Hessian is off", "grows", "no eigenvalue"};
    for (int c = 0; c < 3; c++) {
        qnn_session *s = mk(nan_cases[c], 1);
        assert_int_equal(qnn_session_advance(s, 12), 0);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        for (size_t k = 0; k < sn->nrec; k++)
            assert_true(isnan(sn->proxy[k]));
        if (c) {
            assert_true(isnan(sn->hist_now.proxy));
            assert_non_null(sn->hist_now.proxy_note);
            assert_non_null(strstr(sn->hist_now.proxy_note, notes[c]));
        }
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
    double v[2][12];
    for (int c = 0; c < 2; c++) {
        qnn_session *s = mk(c ? ok_one : ok, 1);
        assert_int_equal(qnn_session_advance(s, 12), 0);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        assert_true(sn->hist_now.valid && sn->hist_now.step == 11 && sn->hist_prev.step == 0);
        for (size_t k = 0; k < 12; k++) {
            v[c][k] = sn->proxy[k];
            assert_true(v[c][k] >= 0 && v[c][k] <= 1);
            if (k)
                assert_true(v[c][k] < v[c][k - 1]);
        }
        assert_near(v[c][0], 1.0, 0);
        assert_null(sn->hist_now.proxy_note);
        assert_near(sn->hist_now.proxy, v[c][11], 0);
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
    assert_memory_equal(v[0], v[1], sizeof v[0]);
    /* LIU24's average over the modes kept, from step 0: |1 − ηλ| ≈ 0.4 */
    assert_true(v[0][1] > 0.3 && v[0][1] < 0.5);
}

/* Counted on the worker (on_publish), read by the test: atomics. */
typedef struct pubs {
    qnn_session *s;
    long target;
    atomic_int n, progress;
} pubs;

static void on_pub(void *ctx)
{
    pubs *p = ctx;
    atomic_fetch_add(&p->n, 1);
    const qnn_snapshot *sn = qnn_session_acquire(p->s);
    if (sn->busy && sn->target_step == p->target && sn->step > 0 && sn->step < p->target)
        atomic_fetch_add(&p->progress, 1);
    qnn_snapshot_release(sn);
}

static int replay_done(const qnn_snapshot *sn) { return sn->target_step < 0 && !sn->busy && sn->step == 2000; }

/* A replay runs unpaced: 2000 steps with frame_hz = 1 and one step a
 * frame (33 minutes if paced) take seconds; it publishes its progress
 * (busy, target_step, step) about every 0.1 s, not at every batch, and
 * ends paused at the target with the records of the original run, bit
 * for bit. */
static void test_replay_full_speed(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "optimise", "n", "4", "L", "32",
                                     "eta", "0.002", "seed", "1", "resample", "theta", NULL};
    qnn_session *a = mk(kv, 8);
    assert_int_equal(qnn_session_advance(a, 700), 0);
    set(a, "eta", "0.005");
    assert_int_equal(qnn_session_advance(a, 600), 0);
    set(a, "seed", "2");
    assert_int_equal(qnn_session_advance(a, 700), 0);
    qnn_params base;
    qnn_change *log;
    size_t n;
    long step;
    assert_int_equal(qnn_session_log(a, &base, &log, &n, &step), 0);
    assert_int_equal(step, 2000);

    qnn_params p = ref_params(kv);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 8;
    o.frame_hz = 1;
    o.steps_per_frame = 1;
    o.playing = 0;
    static pubs pb;
    pb.target = step;
    atomic_init(&pb.n, 0);
    atomic_init(&pb.progress, 0);
    o.on_publish = on_pub;
    o.ctx = &pb;
    char err[512];
    qnn_session *b = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(b);
    pb.s = b;
    assert_int_equal(qnn_session_replay(b, log, n, step, err, sizeof err), QNN_OK);
    const double t0 = now_s();
    assert_int_equal(qnn_session_start(b, err, sizeof err), 0);
    double took;
    const qnn_snapshot *sb = wait_within(b, replay_done, 120.0, &took);
    assert_non_null(sb);
    took = now_s() - t0;
    const int npub = atomic_load(&pb.n), nprog = atomic_load(&pb.progress);
    print_message("  replay of 2000 steps: %.2f s, %d snapshots (%d with progress)\n", took, npub, nprog);
    assert_true(took < 100.0);   /* paced: 2000 s */
    assert_true(npub <= 10 + (int)(took / 0.1 * 1.5));
    if (took > 0.5)
        assert_true(nprog >= 1);
    assert_false(sb->playing);
    assert_non_null(strstr(sb->message, "restored the shared state at step 2000"));
    const qnn_snapshot *sa = qnn_session_acquire(a);
    assert_int_equal(sa->nrec, sb->nrec);
    assert_memory_equal(sa->t, sb->t, sa->nrec * sizeof(double));
    assert_memory_equal(sa->err_mean, sb->err_mean, sa->nrec * sizeof(double));
    assert_memory_equal(sa->err_inst, sb->err_inst, sa->nrec * (size_t)sa->nfaint * sizeof(double));
    assert_memory_equal(sa->k_mean, sb->k_mean, sa->nrec * sizeof(double));
    assert_int_equal(sa->nmarks, sb->nmarks);
    for (size_t k = 0; k < sa->nmarks; k++)
        assert_string_equal(sa->marks[k].what, sb->marks[k].what);
    qnn_snapshot_release(sa);
    qnn_snapshot_release(sb);
    qnn_session_free(b);
    qnn_session_free(a);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_and_replay),
        cmocka_unit_test(test_replay_changes_at_the_end),
        cmocka_unit_test(test_eta_continues),
        cmocka_unit_test(test_frozen_line_convention),
        cmocka_unit_test(test_L_keeps_angles),
        cmocka_unit_test(test_gamma_continues),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_degenerate_numbers),
        cmocka_unit_test(test_hessian_hist),
        cmocka_unit_test(test_thinning),
        cmocka_unit_test(test_worker),
        cmocka_unit_test(test_typed_value),
        cmocka_unit_test(test_cancel_long_hessian),
        cmocka_unit_test(test_cancel_build_and_slq),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_marker_text_fits),
        cmocka_unit_test(test_segments_thinning),
        cmocka_unit_test(test_convergence),
        cmocka_unit_test(test_convergence_stagnation),
        cmocka_unit_test(test_pause_converged),
        cmocka_unit_test(test_hessian_zeros),
        cmocka_unit_test(test_proxy_defined),
        cmocka_unit_test(test_replay_full_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
