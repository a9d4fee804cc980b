#include "qnn/analysis.h"
#include "qnn/theory.h"
#include "qnn/entangle.h"
#include "qnn/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double qnn_obs_field(const qnn_obs *o, qnn_field f)
{
    switch (f) {
    case QNN_FIELD_EPS: return o->eps;
    case QNN_FIELD_ABS_EPS: return fabs(o->eps);
    case QNN_FIELD_LOSS: return o->loss;
    case QNN_FIELD_KERNEL: return o->kernel;
    case QNN_FIELD_LAMBDA_MIN: return o->lambda_min;
    case QNN_FIELD_LAMBDA_MAX: return o->lambda_max;
    case QNN_FIELD_KCHANGE: return o->kchange;
    case QNN_FIELD_DRIFT: return o->drift;
    case QNN_FIELD_YHAT0: return o->yhat0;
    case QNN_FIELD_ENTROPY: return o->entropy;
    case QNN_FIELD_TDIST: return o->tdist;
    case QNN_FIELD_GRAD_INF: return o->grad_inf;
    case QNN_FIELD_GRAD_MS: return o->grad_ms;
    case QNN_FIELD_LAZINESS: return o->laziness;
    case QNN_FIELD_ACCURACY: return o->accuracy;
    case QNN_FIELD_TEST_ACCURACY: return o->test_accuracy;
    case QNN_FIELD_H_MIN: return o->h_min;
    case QNN_FIELD_H_MAX: return o->h_max;
    case QNN_FIELD_H_FRAC_POS: return o->h_frac_pos;
    case QNN_FIELD_PROXY: return o->proxy;
    case QNN_FIELD_ERR_NORM: return o->err_norm;
    }
    return NAN;
}

/* Records of instance i that lie on the common record grid: a diverged
 * instance's last record (the non-finite one) is left out. */
static size_t valid_records(const qnn_run_instance *ri)
{
    return ri->diverged_at >= 0 && ri->nrec > 0 ? ri->nrec - 1 : ri->nrec;
}

size_t qnn_ensemble_curve(const qnn_run *run, qnn_field f, double **t,
                          double **mean, double **se)
{
    size_t len = 0;
    for (int i = 0; i < run->ninst; i++)
        if (valid_records(&run->inst[i]) > len)
            len = valid_records(&run->inst[i]);
    *t = malloc((len + 1) * sizeof(double));
    *mean = malloc((len + 1) * sizeof(double));
    *se = malloc((len + 1) * sizeof(double));
    double *col = malloc(((size_t)run->ninst + 1) * sizeof(double));
    if (!*t || !*mean || !*se || !col) {
        free(*t); free(*mean); free(*se); free(col);
        *t = *mean = *se = NULL;
        return 0;
    }
    for (size_t k = 0; k < len; k++) {
        size_t c = 0;
        double step = NAN;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            if (valid_records(ri) > k) {
                col[c++] = qnn_obs_field(&ri->rec[k], f);
                step = (double)ri->rec[k].step;
            }
        }
        qnn_stat s = qnn_stat_of(col, 1, c);
        (*t)[k] = step;
        (*mean)[k] = s.mean;
        (*se)[k] = s.se;
    }
    free(col);
    return len;
}

size_t qnn_ensemble_len(const qnn_run *run)
{
    size_t len = 0;
    for (int i = 0; i < run->ninst; i++)
        if (valid_records(&run->inst[i]) > len)
            len = valid_records(&run->inst[i]);
    return len;
}

size_t qnn_ensemble_geo_curve(const qnn_run *run, qnn_field f, int use_time, double *x, double *y)
{
    const size_t len = qnn_ensemble_len(run);
    size_t c = 0;
    for (size_t r = 0; r < len; r++) {
        double sl = 0.0, xr = NAN;
        int cnt = 0;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            if (valid_records(ri) <= r)
                continue;
            const qnn_obs *o = &ri->rec[r];
            if (isnan(xr))
                xr = use_time ? o->time : (double)o->step;
            double v = qnn_obs_field(o, f);
            if (v > 0 && isfinite(v)) {
                sl += log(v);
                cnt++;
            }
        }
        if (cnt > 0) {
            x[c] = xr;
            y[c] = exp(sl / cnt);
            c++;
        }
    }
    return c;
}

const qnn_theory_value *qnn_summary_theory(const qnn_summary *s, const char *name)
{
    for (size_t i = 0; i < s->ntheory; i++)
        if (strcmp(s->theory[i].name, name) == 0)
            return &s->theory[i];
    return NULL;
}

int qnn_concentration_holds(const qnn_summary *s)
{
    /* both ratios must be small; 0.1 is the threshold used for the flag */
    const qnn_theory_value *a = qnn_summary_theory(s, "qntk_rel_std");
    const qnn_theory_value *b = qnn_summary_theory(s, "concentration_dqntk");
    if (!a || !b)
        return -1;
    return a->value < 0.1 && b->value < 0.1;
}

qnn_theory_value *qnn_summary_add_theory(qnn_summary *s, const char *name, const char *source,
                                    const char *formula, const char *statistic, double value)
{
    if (s->ntheory >= QNN_MAX_THEORY)
        return NULL;
    qnn_theory_value *v = &s->theory[s->ntheory++];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->source = source;
    v->formula = formula;
    v->statistic = statistic;
    v->value = value;
    v->measured = NAN;
    v->measured_se = NAN;
    return v;
}

void qnn_theory_add_const(qnn_theory_value *v, const char *name, double value)
{
    if (v && v->nconsts < QNN_MAX_CONSTS) {
        v->consts[v->nconsts].name = name;
        v->consts[v->nconsts].value = value;
        v->nconsts++;
    }
}

void qnn_theory_set_measured(qnn_theory_value *v, qnn_stat st)
{
    qnn_theory_set_measured_ms(v, st.mean, st.se);
}

void qnn_theory_set_measured_ms(qnn_theory_value *v, double mean, double se)
{
    if (v) {
        v->measured = mean;
        v->measured_se = se;
    }
}

int qnn_analyse(const qnn_run *run, qnn_summary *s)
{
    memset(s, 0, sizeof *s);
    const qnn_params *p = &run->params;
    const int R = run->ninst;
    s->instances = R;
    s->m = run->m;
    s->steps = p->steps;

    /* Per-instance columns, then statistics over them. */
    enum { C_EPS0, C_AEPS0, C_EPST, C_AEPST, C_L0, C_LT, C_K0, C_KT, C_LMIN0, C_LMAX0,
           C_LMINT, C_RATE, C_VKV, C_EPS2T, C_RATEEPS, C_YT, C_LMINLEAST, C_KCH, C_DRIFT,
           C_Y2T, C_KTS, C_S0, C_ST, C_T0, C_TT, C_GI0, C_GMS0, C_LAZT, C_ACCT, C_TACCT, C_TLOSST,
           C_HMIN0, C_HMAX0, C_HFP0, C_HMINT, C_HMAXT, C_HFPT, NCOL };
    double *col = malloc((size_t)R * NCOL * sizeof(double));
    if (!col)
        return -1;
    double D = 0, L = 0, trO = 0, trO2 = 0, trO4 = 0, Hs = 0;
    const int m = run->m;
    /* v = lowest eigenvector direction of the mean kernel: all-ones/√m is
     * the LIU23 Eq. 21 eigenvector; use it for the standard error of the
     * smallest eigenvalue (first-order perturbation). */
    for (int i = 0; i < R; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        double *c = col + (size_t)i * NCOL;
        for (int k = 0; k < NCOL; k++)
            c[k] = NAN;
        D += ri->consts.D;
        L += ri->consts.L;
        trO += ri->consts.trO;
        trO2 += ri->consts.trO2;
        trO4 += ri->consts.trO4;
        Hs += ri->consts.H_op2_sum;
        if (ri->diverged_at >= 0)
            s->diverged++;
        if (ri->nrec == 0)
            continue;
        const qnn_obs *o0 = &ri->rec[0];
        c[C_EPS0] = o0->eps;
        c[C_AEPS0] = fabs(o0->eps);
        c[C_L0] = o0->loss;
        c[C_K0] = o0->kernel;
        c[C_LMIN0] = o0->lambda_min;
        c[C_LMAX0] = o0->lambda_max;
        double vkv = 0.0;
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++)
                vkv += ri->K0[a * m + b];
        c[C_VKV] = vkv / m;
        c[C_S0] = o0->entropy;
        c[C_T0] = o0->tdist;
        c[C_GI0] = o0->grad_inf;
        c[C_GMS0] = o0->grad_ms;
        c[C_HMIN0] = o0->h_min;
        c[C_HMAX0] = o0->h_max;
        c[C_HFP0] = o0->h_frac_pos;
        if (ri->diverged_at >= 0)
            continue;   /* final values of a diverged instance are not finite */
        const qnn_obs *oT = &ri->rec[ri->nrec - 1];
        c[C_EPST] = oT->eps;
        c[C_AEPST] = fabs(oT->eps);
        c[C_EPS2T] = oT->eps * oT->eps;
        c[C_LT] = oT->loss;
        c[C_KT] = oT->kernel;
        c[C_LMINT] = oT->lambda_min;
        c[C_YT] = oT->yhat0;
        c[C_Y2T] = oT->yhat0 * oT->yhat0;
        /* kernel in asymptotic units: the periodic QNN's K ≈ p K_asym */
        c[C_KTS] = oT->kernel / (p->model->kernel_unit ? p->model->kernel_unit(p) : 1.0);
        c[C_KCH] = oT->kchange;
        c[C_ST] = oT->entropy;
        c[C_TT] = oT->tdist;
        c[C_DRIFT] = oT->drift;
        c[C_LAZT] = oT->laziness;
        c[C_ACCT] = oT->accuracy;
        c[C_TACCT] = oT->test_accuracy;
        c[C_TLOSST] = oT->test_loss;
        for (size_t k = ri->nrec; k-- > 0;)   /* the last record with a Hessian */
            if (isfinite(ri->rec[k].h_min)) {
                c[C_HMINT] = ri->rec[k].h_min;
                c[C_HMAXT] = ri->rec[k].h_max;
                c[C_HFPT] = ri->rec[k].h_frac_pos;
                break;
            }
        double least = INFINITY;
        for (size_t k = 0; k < ri->nrec; k++)
            if (ri->rec[k].lambda_min < least)
                least = ri->rec[k].lambda_min;
        c[C_LMINLEAST] = isfinite(least) ? least : NAN;
        if (oT->time > s->time_final)
            s->time_final = oT->time;
        if (ri->nrec >= 2) {
            const qnn_obs *oP = &ri->rec[ri->nrec - 2];
            double dt = (double)(oT->step - oP->step);
            if (dt > 0 && oT->loss > 0 && oP->loss > 0)
                c[C_RATE] = -(log(oT->loss) - log(oP->loss)) / dt;
            if (oT->step > 0 && oT->eps != 0.0 && o0->eps != 0.0)
                c[C_RATEEPS] = -(log(fabs(oT->eps)) - log(fabs(o0->eps))) / (double)oT->step;
        }
    }
    s->D = D / R;
    s->L = L / R;
    s->trO = trO / R;
    s->trO2 = trO2 / R;
    s->trO4 = trO4 / R;
    s->H_op2_sum = Hs / R;
    s->gamma = p->gamma;
    s->eta = qnn_params_eta(p);
    s->sigma_theta = p->sigma_theta;

#define ST(k) qnn_stat_of(col + (k), NCOL, (size_t)R)
    s->eps_t0 = ST(C_EPS0);
    s->abs_eps_t0 = ST(C_AEPS0);
    s->eps_final = ST(C_EPST);
    s->abs_eps_final = ST(C_AEPST);
    s->loss_t0 = ST(C_L0);
    s->loss_final = ST(C_LT);
    s->kernel_t0 = ST(C_K0);
    s->kernel_final = ST(C_KT);
    s->lambda_min_t0 = ST(C_LMIN0);
    s->lambda_max_t0 = ST(C_LMAX0);
    s->lambda_min_final = ST(C_LMINT);
    s->rate_final = ST(C_RATE);
    s->lambda_min_least = ST(C_LMINLEAST);
    s->kernel_change_final = ST(C_KCH);
    s->spectral_drift_final = ST(C_DRIFT);
    s->entropy_t0 = ST(C_S0);
    s->entropy_final = ST(C_ST);
    s->tdist_t0 = ST(C_T0);
    s->tdist_final = ST(C_TT);
    s->grad_inf_t0 = ST(C_GI0);
    s->grad_ms_t0 = ST(C_GMS0);
    s->laziness_final = ST(C_LAZT);
    s->accuracy_final = ST(C_ACCT);
    s->test_accuracy_final = ST(C_TACCT);
    s->test_loss_final = ST(C_TLOSST);
    s->hessian_min_t0 = ST(C_HMIN0);
    s->hessian_max_t0 = ST(C_HMAX0);
    s->hessian_frac_pos_t0 = ST(C_HFP0);
    s->hessian_min_final = ST(C_HMINT);
    s->hessian_max_final = ST(C_HMAXT);
    s->hessian_frac_pos_final = ST(C_HFPT);
    qnn_stat eps2T = ST(C_EPS2T), vkv = ST(C_VKV), rate_eps = ST(C_RATEEPS);
    qnn_stat y2T = ST(C_Y2T), kTs = ST(C_KTS);
#undef ST
    /* the spread's error from the instances' own moments (the kernels'
     * kurtosis is far from a Gaussian's 3) */
    const double cv_se = qnn_cv_se(col + C_K0, NCOL, (size_t)R);
    free(col);

    s->kernel_rel_std_t0 = s->kernel_t0.sd / s->kernel_t0.mean;
    {
        /* SE of the sample coefficient of variation from the instances'
         * third and fourth moments (qnn_cv_se) */
        double cv = s->kernel_rel_std_t0;
        s->kernel_rel_std_t0_se = cv_se;
        /* cv² (LLJ Eq. 17: the NTK variance over its squared mean, ∝ 1/width),
         * SE by the delta method */
        s->kernel_rel_var_t0 = cv * cv;
        s->kernel_rel_var_t0_se = 2.0 * fabs(cv) * s->kernel_rel_std_t0_se;
    }
    s->lambda_min_mean_kernel_t0 = run->mean_K0_eig ? run->mean_K0_eig[0] : NAN;
    s->lambda_min_mean_kernel_t0_se = m > 1 ? vkv.se : s->kernel_t0.se;

    qnn_theory_value *v;

    /* Entanglement of the visible qubits: Page's mean entropy and OME's
     * trace-distance bound are statements about Haar-random states; the
     * output state of a circuit ending in a Haar W_L is one. */
    if (s->entropy_t0.n > 0) {
        const int nv = qnn_params_visible(p);
        const double Dv = ldexp(1.0, nv), Dh = ldexp(1.0, p->n - nv);
        const double unit = p->entropy_bits ? 1.0 / M_LN2 : 1.0;
        s->n_v_obs = nv;
        s->n_h_obs = p->n - nv;
        /* the QBM's state is mixed: Page's value and OME's bound, both
         * statements about pure (2-design) states, do not apply */
        const int pure = qnn_model_has(p->model, QNN_CAP_PURE_STATE);
        v = !pure ? NULL : qnn_summary_add_theory(s, "page_entropy", "Page (1993); docs/PHYSICS.md, Entanglement of the visible qubits",
                       "sum_{k=n+1}^{mn} 1/k - (m-1)/(2n), m = min(D_v, D_h), n = max (times 1/ln 2 in bits)",
                       "mean over instances of S(rho_v) at t = 0 (Haar-random output states)",
                       qnn_page_entropy(Dv, Dh) * unit);
        qnn_theory_add_const(v, "D_v", Dv); qnn_theory_add_const(v, "D_h", Dh);
        qnn_theory_set_measured(v, s->entropy_t0);
        v = qnn_summary_add_theory(s, "max_entropy", "maximally mixed visible state", "ln D_v (log2 D_v in bits)",
                       "upper limit of S(rho_v) at any time", log(Dv) * unit);
        qnn_theory_add_const(v, "D_v", Dv);
        qnn_theory_set_measured(v, s->entropy_final);
        v = !pure ? NULL : qnn_summary_add_theory(s, "trace_distance_bound", "OME Prop. 2 / Fig. 3a",
                       "E[1/2 ||rho_v - I/D_v||_1] <= 1/2 sqrt(D_v/D_h)",
                       "mean over instances of the trace distance at t = 0 (must lie below)",
                       qnn_trace_distance_bound(Dv, Dh));
        qnn_theory_add_const(v, "D_v", Dv); qnn_theory_add_const(v, "D_h", Dh);
        qnn_theory_set_measured(v, s->tdist_t0);
    }

    if (p->model->analyse) {
        const qnn_analysis_extra x = { rate_eps.mean, rate_eps.se, eps2T.mean, eps2T.se,
                                       y2T.mean, y2T.se, kTs.mean, kTs.se };
        p->model->analyse(s, run, &x);
    }
    return 0;
}

void qnn_grad_inf_variance(const qnn_summary *s, double *var, double *se)
{
    /* se(s²) = 2 s se(s), se(s) from the instances' fourth moment */
    const double sd = s->grad_inf_t0.sd;
    *var = sd * sd;
    *se = 2.0 * sd * s->grad_inf_t0.sd_se;
}

const qnn_width_law qnn_width_laws[QNN_WIDTH_LAWS] = {
    { "grad_var_t0", "grad_ms_t0", "grad_variance_fit", -1.0,
      "LLJ Eq. 12: the mean square gradient of the parameters below the output layer at initialisation falls like 1/width" },
    { "kernel_rel_var_t0", "kernel_rel_var_t0", "kernel_rel_var_fit", -1.0,
      "LLJ Eq. 17: the NTK fluctuations Var(Delta H) / Hbar^2 fall like 1/n_{L-1}" },
    { "laziness_final", "laziness_final", "laziness_fit", -0.5,
      "lazy training with lr_scale = ntk (not an equation of LLJ): ||theta(T) - theta(0)|| stays O(1) in the width "
      "(the NTK is O(1), so the parameters move O(1) in total) while ||theta(0)|| grows like sqrt(width) (LeCun init, "
      "width^2 weights of variance c_w/width)" },
};

int qnn_width_law_of(const char *stat)
{
    for (int w = 0; w < QNN_WIDTH_LAWS; w++)
        if (!strcmp(qnn_width_laws[w].stat, stat))
            return w;
    return -1;
}

void qnn_width_law_value(const qnn_summary *s, int w, double *y, double *se)
{
    switch (w) {
    case 0: *y = s->grad_ms_t0.mean; *se = s->grad_ms_t0.se; break;
    case 1: *y = s->kernel_rel_var_t0; *se = s->kernel_rel_var_t0_se; break;
    default: *y = s->laziness_final.mean; *se = s->laziness_final.se; break;
    }
}
