/* Model random: LIU23's random QNN (Eqs. 1-3, 20). U(θ) = W_L e^{iθ_L P_L}
 * ⋯ W_1 e^{iθ_1 P_1} with P_l uniform non-identity Pauli strings, W_l Haar
 * on U(D) or a brickwork, O = Σ c_j Q_j (circuit_family.c draws them).
 * Task optimise: ε = γ<0|U†OU|0> - O0, loss ½ε²; task supervised: m
 * orthogonal inputs, loss ½ Σ ε_j². Its theory: the mean QNTK and its
 * spread (LIU23 Eqs. 9, 12, 17), the rate ηK̄ (Eqs. 10-11), the dQNTK
 * condition (Eqs. 15-16), the noise floor of LLJ (Eqs. 34-38) and the
 * smallest eigenvalue of the mean kernel (Eq. 21). */
#include "models.h"
#include "qnn/analysis.h"
#include "qnn/theory.h"

#include <math.h>
#include <string.h>

static qnn_key_use random_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "L") || !strcmp(key, "p"))
        return QNN_KEY_EXTEND;
    return QNN_KEY_DEFAULT;
}

static int random_check(const qnn_params *p, char *err, size_t errlen)
{
    return qnn_circ_check_task(p, err, errlen);
}

static double random_n_params(const qnn_params *p) { return (double)p->L; }

static double random_bytes(const qnn_params *p, double hessian_bytes)
{
    return qnn_circ_instance_bytes(p, p->L, 1, hessian_bytes);
}

static void random_consts(const qnn_instance *in, qnn_consts *c)
{
    qnn_circ_consts(in, c);
    c->H_op2_sum = c->L; /* ‖P_l‖_op = 1 */
}

static void random_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x)
{
    const qnn_params *p = &run->params;
    const int m = run->m;
    const double g = p->gamma, eta = qnn_params_eta(p);
    qnn_theory_value *v;
    double Kbar = qnn_theory_mean_qntk(s->D, s->L, g, s->trO, s->trO2);
    v = qnn_summary_add_theory(s, "mean_qntk", "exact finite-D 2-design mean (derivation in engine/include/qnn/theory.h); LIU23 Eqs. 9, 17",
                   "2 L gamma^2 (D trO2 - trO^2) / ((D+1)(D^2-1))",
                   "mean over instances of tr K(0)/m (the scalar QNTK for one state)", Kbar);
    qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "gamma", g);
    qnn_theory_add_const(v, "trO", s->trO); qnn_theory_add_const(v, "trO2", s->trO2);
    qnn_theory_set_measured(v, s->kernel_t0);

    v = qnn_summary_add_theory(s, "mean_qntk_leading", "LIU23 Eq. 17 (Eq. 9 with its missing factor 2)",
                   "2 L gamma^2 trO2 / D^2", "mean over instances of tr K(0)/m",
                   qnn_theory_mean_qntk_leading(s->D, s->L, g, s->trO2));
    qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "gamma", g); qnn_theory_add_const(v, "trO2", s->trO2);
    qnn_theory_set_measured(v, s->kernel_t0);

    v = qnn_summary_add_theory(s, "mean_qntk_spec_formula", "the starting conventions' formula as printed (docs/PHYSICS.md, The mean QNTK); disagrees with the exact mean (see theory.h)",
                   "2 L gamma^2 ((D^2-D-1) trO2 + trO^2) / (D (D+1) (D^2-1))",
                   "mean over instances of tr K(0)/m",
                   qnn_theory_mean_qntk_spec(s->D, s->L, g, s->trO, s->trO2));
    qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "gamma", g);
    qnn_theory_add_const(v, "trO", s->trO); qnn_theory_add_const(v, "trO2", s->trO2);
    qnn_theory_set_measured(v, s->kernel_t0);

    v = qnn_summary_add_theory(s, "qntk_rel_std", "LIU23 Eq. 12 over Eq. 17 (4-design, large D)",
                   "sqrt((2 + 3 trO4/trO2^2) / L)",
                   "standard deviation over instances of K(0) divided by its mean",
                   qnn_theory_qntk_rel_std(s->L, s->trO2, s->trO4));
    qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "trO2", s->trO2); qnn_theory_add_const(v, "trO4", s->trO4);
    if (v) {
        v->measured = s->kernel_rel_std_t0;
        v->measured_se = s->kernel_rel_std_t0_se;
    }

    if (p->task == QNN_TASK_OPTIMISE) {
        v = qnn_summary_add_theory(s, "predicted_rate", "LIU23 Eqs. 10-11 (the paper's gamma = eta Kbar)",
                       "eta * Kbar", "mean over instances of -ln(|eps(T)|/|eps(0)|)/T (noise-free runs)",
                       eta * Kbar);
        qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "Kbar", Kbar);
        if (p->sigma_theta == 0.0 && p->steps > 0)
            qnn_theory_set_measured_ms(v, x->rate_eps_mean, x->rate_eps_se);

        v = qnn_summary_add_theory(s, "concentration_dqntk", "LIU23 Eqs. 15-16 (without the stray eta of Eq. 15; LLJ Eq. 20)",
                       "(sqrt(32)/2) eta |eps(0)| gamma sqrt(trO2) / D  (must be << 1)",
                       "condition, not a measurement",
                       qnn_theory_dqntk_ratio(s->D, eta, g, s->abs_eps_t0.mean, s->trO2));
        qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "gamma", g);
        qnn_theory_add_const(v, "abs_eps0", s->abs_eps_t0.mean); qnn_theory_add_const(v, "trO2", s->trO2);

        if (p->sigma_theta > 0.0) {
            double K = s->kernel_final.mean, sg = p->sigma_theta;
            v = qnn_summary_add_theory(s, "noise_floor", "LLJ Eqs. 34-35",
                           "s = sigma^2 / (eta (2 - eta K))",
                           "mean over instances of eps(T)^2", qnn_theory_noise_floor(eta, K, sg));
            qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "K", K); qnn_theory_add_const(v, "sigma_theta", sg);
            qnn_theory_set_measured_ms(v, x->eps2T_mean, x->eps2T_se);
            v = qnn_summary_add_theory(s, "noise_abs_eps", "LLJ Eq. 38",
                           "sqrt(2/pi) sigma / sqrt(2 eta - eta^2 K)",
                           "mean over instances of |eps(T)|", qnn_theory_noise_abs_eps(eta, K, sg));
            qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "K", K); qnn_theory_add_const(v, "sigma_theta", sg);
            qnn_theory_set_measured(v, s->abs_eps_final);
            v = qnn_summary_add_theory(s, "noise_eps_std", "LLJ Eqs. 34-35 (square root of the floor)",
                           "sqrt(s)", "standard deviation over instances of eps(T)",
                           sqrt(qnn_theory_noise_floor(eta, K, sg)));
            qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "K", K); qnn_theory_add_const(v, "sigma_theta", sg);
            if (v) {
                v->measured = s->eps_final.sd;
                v->measured_se = s->eps_final.sd_se;
            }
            v = qnn_summary_add_theory(s, "noise_time", "LLJ Eq. 37",
                           "log(sigma / sqrt(2 eps0^2 eta - eps0^2 eta^2 K + sigma^2)) / log(1 - eta K)",
                           "steps until the noise floor is reached", qnn_theory_noise_time(s->abs_eps_t0.mean, eta, K, sg));
            qnn_theory_add_const(v, "eps0", s->abs_eps_t0.mean); qnn_theory_add_const(v, "eta", eta); qnn_theory_add_const(v, "K", K);
            qnn_theory_add_const(v, "sigma_theta", sg);
        }
    } else {
        double lmin = qnn_theory_lambda_min_mean_kernel(s->D, s->L, (double)m, g, s->trO, s->trO2);
        v = qnn_summary_add_theory(s, "lambda_min_mean_kernel", "LIU23 Eq. 21 (times gamma^2)",
                       "2 L gamma^2 (D - |A|)(D trO2 - trO^2) / (D^2 - 1)^2",
                       "smallest eigenvalue of the instance-averaged kernel K(0)", lmin);
        qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "A", m); qnn_theory_add_const(v, "gamma", g);
        qnn_theory_add_const(v, "trO", s->trO); qnn_theory_add_const(v, "trO2", s->trO2);
        if (v) {
            v->measured = s->lambda_min_mean_kernel_t0;
            v->measured_se = s->lambda_min_mean_kernel_t0_se;
        }
        v = qnn_summary_add_theory(s, "lambda_min_instance_mean", "LIU23 Eq. 21 as an upper reference (Jensen: the instance mean lies below)",
                       "2 L gamma^2 (D - |A|)(D trO2 - trO^2) / (D^2 - 1)^2",
                       "mean over instances of lambda_min(K(0)); expected strictly below the value", lmin);
        qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "A", m); qnn_theory_add_const(v, "gamma", g);
        qnn_theory_set_measured(v, s->lambda_min_t0);
        v = qnn_summary_add_theory(s, "lambda_bulk_mean_kernel", "LIU23 Eq. 21 discussion (|A| - 1 degenerate eigenvalues)",
                       "2 L gamma^2 D (D trO2 - trO^2) / (D^2 - 1)^2",
                       "largest eigenvalue of the instance-averaged kernel K(0)",
                       qnn_theory_lambda_bulk_mean_kernel(s->D, s->L, g, s->trO, s->trO2));
        qnn_theory_add_const(v, "D", s->D); qnn_theory_add_const(v, "L", s->L); qnn_theory_add_const(v, "gamma", g);
        if (v && run->mean_K0_eig)
            v->measured = run->mean_K0_eig[m - 1];
    }
}

static void random_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t)
{
    const double g = p->gamma, eta = qnn_params_eta(p);
    t->Kbar = qnn_theory_mean_qntk(c->D, c->L, g, c->trO, c->trO2);
    t->conc_kernel = qnn_theory_qntk_rel_std(c->L, c->trO2, c->trO4);
    if (p->task == QNN_TASK_OPTIMISE && p->sigma_theta > 0)
        t->noise_abs_eps = qnn_theory_noise_abs_eps(eta, t->Kbar, p->sigma_theta);
    if (p->task == QNN_TASK_SUPERVISED && m > 1)
        t->lambda_min_pred = qnn_theory_lambda_min_mean_kernel(c->D, c->L, m, g, c->trO, c->trO2);
    if (p->task == QNN_TASK_OPTIMISE && isfinite(t->Kbar))
        t->pred = QNN_LIVE_PRED_RATE;
    t->dqntk = 1;
}

const qnn_model_class qnn_class_random = {
    .name = "random",
    .help = "LIU23 random circuit",
    .title = "random circuit",
    .label = "random QNN",
    .figure = "training",
    .loss_text = "1/2 sum eps^2, theta -= eta sum eps d eps/d theta (LIU23 Eq. 4)",
    .caps = QNN_CAP_PARAMS | QNN_CAP_PURE_STATE | QNN_CAP_TASK | QNN_CAP_LIVE | QNN_CAP_QUBITS | QNN_CAP_GAMMA,
    .figures = "",
    .key_use = random_key_use,
    .check = random_check,
    .n_params = random_n_params,
    .n_residuals = qnn_circ_n_residuals,
    .instance_bytes = random_bytes,
    QNN_CIRCUIT_METHODS,
    .consts = random_consts,
    .analyse = random_analyse,
    .live_theory = random_live_theory,
};
