/* Model periodic: YOU23's periodic ansatz (Def. 2.1, App. D.1). U = U_p
 * e^{-iθ_p H} ⋯ U_1 e^{-iθ_1 H} U_0 with U_l Haar, H = √(d - 1/d) Z on the
 * most significant qubit (tr H² = d² - 1), m Haar-random orthonormal
 * inputs; ŷ_j = γ tr(ρ_j U† M0 U), loss (1/2m) Σ (ŷ_j - y_j)², so
 * dr/dt = -(η/m) K r (circuit_family.c draws it). Also the YOU23 theory
 * that periodic, asymptotic and frozen share: the sublinear bound of
 * Thm. 3.2 (γ = 1), the global-minimum kernel of Thm. 4.4, Cor. 4.3 for
 * one state, the frozen kernel's late rate and Lemma 4.1's time per step. */
#include "models.h"
#include "qnn/analysis.h"
#include "qnn/theory.h"

#include <math.h>
#include <string.h>

void qnn_you23_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x,
                       int periodic, int frozen)
{
    const qnn_params *p = &run->params;
    const int m = run->m;
    const double g = p->gamma, eta = qnn_params_eta(p);
    qnn_theory_value *v;
    /* periodic QNN (kernel ≈ p K_asym), its asymptotic dynamics and the
     * frozen-kernel companion (kernel K_asym in flow-time units) */
    const double scale = periodic ? s->L : 1.0;
    const int pm1 = p->labels == QNN_LABEL_PM1 ||
                    (p->labels == QNN_LABEL_LIST && m == 1 && fabs(p->label_list[0]) == 1.0);
    if (g == 1.0 && !frozen && pm1) {
        double b = qnn_theory_sublinear_bound(s->loss_t0.mean, eta, s->H_op2_sum, (double)p->steps);
        v = qnn_summary_add_theory(s, "sublinear_bound", periodic ? "YOU23 Thm. 3.2 (gamma = 1)"
                                                      : "YOU23 Thm. 3.2 (gamma = 1) in flow time: c1 = 12 m (d - 1/d) per unit time",
                       "L(t) >= 1/(c0 + c1 t)^2, c0 = L(0)^-1/2, c1 = 12 eta sum_l ||H_l||_op^2",
                       "mean over instances of the loss at the last step (must lie above)", b);
        qnn_theory_add_const(v, "loss0", s->loss_t0.mean); qnn_theory_add_const(v, "eta", eta);
        qnn_theory_add_const(v, "sum_H_op2", s->H_op2_sum); qnn_theory_add_const(v, "t", (double)p->steps);
        qnn_theory_set_measured(v, s->loss_final);
    }
    if (!frozen && pm1) {
        v = qnn_summary_add_theory(s, "global_min_kernel", "YOU23 Thm. 4.4 (leading order in m^2/d)",
                       "lambda_g = 2 gamma^2 (1 - 1/gamma^2)",
                       periodic ? "mean over instances of lambda_min(K(T))/p (K ~ p K_asym, YOU23 Lemma 4.1 with tr H^2 = d^2 - 1)"
                                : "mean over instances of lambda_min(K_asym(T))",
                       qnn_theory_global_min_kernel(g));
        qnn_theory_add_const(v, "gamma", g); qnn_theory_add_const(v, "m", m); qnn_theory_add_const(v, "d", s->D);
        if (v && s->lambda_min_final.n > 0) {
            v->measured = s->lambda_min_final.mean / scale;
            v->measured_se = s->lambda_min_final.se / scale;
        }
    }
    if (m == 1 && !frozen) {
        /* linear in yhat²: compare the mean of K/scale with 2(γ² - mean yhat²) */
        v = qnn_summary_add_theory(s, "one_sample_kernel", "YOU23 Cor. 4.3",
                       "k(T) = 2 (gamma^2 - yhat(T)^2)",
                       periodic ? "mean over instances of K(T)/p (value: 2(gamma^2 - mean yhat(T)^2))"
                                : "mean over instances of K_asym(T) (value: 2(gamma^2 - mean yhat(T)^2))",
                       2.0 * (g * g - x->y2T_mean));
        qnn_theory_add_const(v, "gamma", g); qnn_theory_add_const(v, "mean_yhat2", x->y2T_mean);
        qnn_theory_set_measured_ms(v, x->kTs_mean, x->kTs_se);
    }
    if (frozen) {
        /* r(t) = e^{-K0 t} r(0): once the slowest mode dominates,
         * -d ln L/dt -> 2 λ_min(K(0)) in flow time. */
        double dt = run->ninst > 0 ? run->inst[0].consts.dt : NAN;
        v = qnn_summary_add_theory(s, "frozen_late_rate", "kernel regression with a constant kernel (the NTK picture YOU23 argues against)",
                       "-d ln L/dt -> 2 lambda_min(K_asym(0))",
                       "mean over instances of -d ln L/dt over the last recorded interval, in flow time (a lower bound at any time)",
                       2.0 * s->lambda_min_t0.mean);
        qnn_theory_add_const(v, "lambda_min_K0", s->lambda_min_t0.mean); qnn_theory_add_const(v, "time_per_step", dt);
        if (v && s->rate_final.n > 0 && dt > 0) {
            v->measured = s->rate_final.mean / dt;
            v->measured_se = s->rate_final.se / dt;
        }
    }
    if (periodic) {
        v = qnn_summary_add_theory(s, "asymptotic_time_per_step", "YOU23 Lemma 4.1 / Thm. 4.2",
                       "eta p tr(H^2) / (m (d^2 - 1)) = eta p / m",
                       "conversion factor, not a measurement", qnn_theory_asymptotic_time(1.0, eta, s->L, m));
        qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "p", s->L); qnn_theory_add_const(v, "m", m);
    }
}

void qnn_you23_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t,
                           int frozen)
{
    if (p->gamma > 1.0)
        t->global_min_pred = qnn_theory_global_min_kernel(p->gamma);
    if (!frozen && p->gamma == 1.0 && p->curve == QNN_CURVE_LOSS)
        t->pred = QNN_LIVE_PRED_BOUND;
}

static qnn_key_use periodic_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "measure"))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "L") || !strcmp(key, "p"))
        return QNN_KEY_EXTEND;
    if (!strcmp(key, "task") || !strcmp(key, "n_obs") || !strcmp(key, "objective") || !strcmp(key, "O0"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

static int periodic_check(const qnn_params *p, char *err, size_t errlen)
{
    long long D = 1LL << p->n;
    if (p->m > D) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'm': value '%d' is more orthogonal states than D = 2^%d = %lld; allowed: 1 .. %lld", p->m, p->n, D, D);
    }
    return qnn_check_measure(p, 1, err, errlen);
}

static double periodic_n_params(const qnn_params *p) { return (double)p->L; }

static double periodic_bytes(const qnn_params *p, double hessian_bytes)
{
    return qnn_circ_instance_bytes(p, p->L + 1.0, 1, hessian_bytes);
}

/* the QNN's kernel is p K_asym (YOU23 Lemma 4.1 with tr H² = d² - 1) */
static double periodic_kernel_unit(const qnn_params *p) { return (double)p->L; }

/* dr/dt = -(ηp/m)(tr H²/(d²-1)) K_asym r as p grows (YOU23 Thm. 4.2) */
static double periodic_flow_dt(const qnn_instance *in, double eta)
{
    const qnn_params *p = qnn_model_params(in);
    return eta * p->L / (double)qnn_model_get_arrays((qnn_instance *)in).m;
}

static void periodic_consts(const qnn_instance *in, qnn_consts *c)
{
    qnn_circ_consts(in, c);
    c->H_op2_sum = c->L * (c->D - 1.0 / c->D);
}

static void periodic_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x)
{
    qnn_you23_analyse(s, run, x, 1, 0);
}

static void periodic_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t)
{
    qnn_you23_live_theory(p, c, m, t, 0);
}

const qnn_model_class qnn_class_periodic = {
    .name = "periodic",
    .help = "YOU23 periodic ansatz",
    .title = "periodic QNN",
    .label = "QNN",
    .figure = "training",
    .caps = QNN_CAP_PARAMS | QNN_CAP_PURE_STATE | QNN_CAP_LIVE | QNN_CAP_QUBITS | QNN_CAP_GAMMA,
    .figures = "rate compare",
    .key_use = periodic_key_use,
    .check = periodic_check,
    .n_params = periodic_n_params,
    .n_residuals = qnn_m_residuals,
    .instance_bytes = periodic_bytes,
    .kernel_unit = periodic_kernel_unit,
    QNN_CIRCUIT_METHODS,
    .consts = periodic_consts,
    .flow_dt = periodic_flow_dt,
    .analyse = periodic_analyse,
    .live_theory = periodic_live_theory,
};
