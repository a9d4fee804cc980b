/* The claims `qnnlab reproduce` judges for LLJ (Liu, Lin, Jiang, appendix): Figs. 1–2, the noise plateau and the spread of the final error.
 * Each chk_ function reads the result's points and adds its report rows
 * (reproduce_priv.h); the table of figures is in reproduce_claims.c. */
#include "reproduce_priv.h"
#include "preset.h"
#include "qnn/model.h"
#include "qnn/analysis.h"
#include "qnn/fit.h"
#include "qnn/theory.h"
#include "qnn/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Point values                                                              */
/* ------------------------------------------------------------------------ */

static double v_eps_sd(const qnn_result *res, long k, double *se)
{
    /* the sd's error from the instances' own fourth moment (qnn_sd_se_of
     * over ε(T)), not the Gaussian sd/√(2(n − 1)) */
    const qnn_stat *s = &rep_sum(res, k)->eps_final;
    *se = s->sd_se;
    return s->sd;
}
static double t_sqrt_s(const qnn_result *res, long k, double *se) { *se = NAN; return rep_theory(res, k, "noise_eps_std"); }

static void k_final_row(rep *r, const qnn_result *res, const char *paper)
{
    ck_row *row = rep_add_row(r, CK_INFO, "The kernel at the end of training", paper);
    double lo = INFINITY, hi = -INFINITY;
    for (long k = 0; k < res->npoints; k++) {
        lo = fmin(lo, rep_sum(res, k)->kernel_final.mean);
        hi = fmax(hi, rep_sum(res, k)->kernel_final.mean);
    }
    rep_setf(row->measured, sizeof row->measured, "mean K(T) %.3g … %.3g over the points; ensemble mean K̄ = %.4g",
         lo, hi, rep_theory(res, 0, "mean_qntk"));
    rep_setf(row->rule, sizeof row->rule, "shown");
    rep_setf(row->note, sizeof row->note,
         "The paper's K belongs to its own random circuit (and it kept only runs with small K); ours are new circuits "
         "with the same L and n, so only the order of magnitude is comparable.");
}

/* ------------------------------------------------------------------------ */
/* LLJ Fig. 1: E|ε(T)| per instance from the moments of ε                     */
/* ------------------------------------------------------------------------ */

/* A drift is judged negligible for Eq. 38 when it moves E|ε(T)| by at most
 * this fraction of the standard error the ensemble gives: a bias of ½ s.e.
 * moves a 4-s.e. test to 3.5 (two-sided false failure 2·10⁻⁴), and as the
 * ensemble grows the judged range shrinks instead of the verdict turning. */
#define DRIFT_FRAC 0.5

/* One point of Fig. 1: each instance's ε(T) predicted as a normal N(m, v)
 * from its own ε(0) and recorded K(t), by LLJ's recursion (Eqs. 31-33)
 * without (first order) and with the σ_θ² drift (docs/PHYSICS.md, Noise),
 * against the measured |ε(T)|. */
typedef struct noise_pt {
    int n;                 /* instances used */
    double meas, meas_se;  /* mean |ε(T)| */
    double first, full;    /* mean predicted E|ε(T)|: first order, with the drift */
    double z_first, z_full;/* paired: mean of |ε_i(T)| − prediction_i over its s.e. */
    double se_model;       /* s.e. of the mean |ε(T)| the ensemble gives under the full model */
    double eq38;           /* LLJ Eq. 38 with the mean K(T) (summary.json's noise_abs_eps) */
    double c, Delta;       /* the drift's rate and target */
    double a_max;          /* largest ηK(t) + c met: the recursion needs it below 1 */
    double unconverged;    /* fraction of instances whose T_noise (Eq. 37, own K(T)) exceeds T */
} noise_pt;

/* the mean and se of d[0..n) as "mean / se" (z), NaN when n < 2 */
static double paired_z(const double *d, int n)
{
    qnn_mean_se ms = qnn_mean_se_of(d, n);
    return ms.se > 0 ? ms.mean / ms.se : (ms.mean == 0 ? 0 : INFINITY);
}

/* 0, or -1 when memory runs out */
static int noise_point(const qnn_result *res, long k, noise_pt *pt)
{
    const qnn_run *run = res->points[k].run;
    const qnn_params *p = rep_params(res, k);
    memset(pt, 0, sizeof *pt);
    pt->eq38 = rep_theory(res, k, "noise_abs_eps");
    int R = run ? run->ninst : 0;
    double *a = calloc((size_t)R + 1, sizeof *a), *pf = calloc((size_t)R + 1, sizeof *pf),
           *p1 = calloc((size_t)R + 1, sizeof *p1), *df = calloc((size_t)R + 1, sizeof *df),
           *d1 = calloc((size_t)R + 1, sizeof *d1);
    if (!a || !pf || !p1 || !df || !d1) {
        free(a); free(pf); free(p1); free(df); free(d1);
        return -1;
    }
    double m2sum = 0;
    int n = 0, slow = 0;
    for (int i = 0; i < R; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        if (ri->diverged_at >= 0 || ri->nrec < 2)
            continue;
        const qnn_consts *cs = &ri->consts;
        const double eta = cs->eta, sg = cs->sigma_theta;
        const double c = qnn_theory_noise_drift_rate(sg, cs->L, cs->D);
        const double Delta = qnn_theory_noise_drift_target(cs->gamma, cs->trO, cs->D, p->O0);
        double m = ri->rec[0].eps, v = 0, m1 = m, v1 = 0;
        for (size_t j = 1; j < ri->nrec; j++) {
            const qnn_obs *o0 = &ri->rec[j - 1], *o1 = &ri->rec[j];
            long ds = o1->step - o0->step;
            for (long u = 0; u < ds; u++) {
                /* the kernel between records, linearly */
                double K = o0->kernel + (o1->kernel - o0->kernel) * (double)u / (double)ds;
                double Kn = o0->kernel + (o1->kernel - o0->kernel) * (double)(u + 1) / (double)ds;
                qnn_theory_noise_moments_step(&m, &v, eta, K, Kn, sg, c, Delta);
                qnn_theory_noise_moments_step(&m1, &v1, eta, K, Kn, sg, 0.0, Delta);
                pt->a_max = fmax(pt->a_max, eta * K + c);
            }
        }
        const qnn_obs *last = &ri->rec[ri->nrec - 1];
        a[n] = fabs(last->eps);
        pf[n] = qnn_theory_abs_normal_mean(m, v);
        p1[n] = qnn_theory_abs_normal_mean(m1, v1);
        df[n] = a[n] - pf[n];
        d1[n] = a[n] - p1[n];
        m2sum += m * m + v;
        double tn = qnn_theory_noise_time(fabs(ri->rec[0].eps), eta, last->kernel, sg);
        if (!(tn <= (double)last->step))
            slow++;
        pt->c = c;
        pt->Delta = Delta;
        n++;
    }
    pt->n = n;
    if (n >= 2) {
        qnn_mean_se ms = qnn_mean_se_of(a, n);
        pt->meas = ms.mean;
        pt->meas_se = ms.se;
        pt->full = qnn_mean_se_of(pf, n).mean;
        pt->first = qnn_mean_se_of(p1, n).mean;
        pt->z_full = paired_z(df, n);
        pt->z_first = paired_z(d1, n);
        pt->se_model = sqrt(fmax(m2sum / n - pt->full * pt->full, 0.0) / n);
        pt->unconverged = (double)slow / n;
    } else {
        pt->meas = pt->meas_se = pt->full = pt->first = pt->z_full = pt->z_first = pt->se_model = NAN;
    }
    free(a); free(pf); free(p1); free(df); free(d1);
    return 0;
}

void chk_llj_fig1(const qnn_result *res, rep *r)
{
    const long P = res->npoints;
    noise_pt *pt = calloc((size_t)P + 1, sizeof *pt);
    if (!pt) {
        r->oom = 1;
        return;
    }
    for (long k = 0; k < P; k++)
        if (noise_point(res, k, &pt[k]) != 0) {
            r->oom = 1;
            free(pt);
            return;
        }
    char lab[160], b1[64];

    /* 1: the paper's first-order theory where the drift it leaves out is below DRIFT_FRAC s.e. */
    {
        char meas[1400] = "", skipped[900] = "";
        int judged = 0, failed = 0;
        double worst = 0;
        for (long k = 0; k < P; k++) {
            const noise_pt *q = &pt[k];
            if (q->n < 2)
                continue;
            rep_label(res, k, lab, sizeof lab);
            double drift = (q->full - q->first) / q->se_model;
            if (!(fabs(drift) <= DRIFT_FRAC)) {
                rep_catf(skipped, sizeof skipped, "%s%s: %s against %.4g (z = %.1f; the drift adds %.1f s.e.)",
                         skipped[0] ? "; " : "", lab, rep_pm(b1, sizeof b1, q->meas, q->meas_se), q->first, q->z_first, drift);
                continue;
            }
            judged++;
            if (fabs(q->z_first) > ZTOL)
                failed++;
            worst = fmax(worst, fabs(q->z_first));
            rep_catf(meas, sizeof meas, "%s%s: %s vs %.4g (z = %.1f)", meas[0] ? "; " : "", lab,
                     rep_pm(b1, sizeof b1, q->meas, q->meas_se), q->first, q->z_first);
        }
        ck_row *row = rep_add_row(r, !judged ? CK_INFO : failed ? CK_FAIL : CK_PASS,
                                  "The mean final error E|ε(T)| follows LLJ's first-order theory: ε(T) normal with the mean "
                                  "and variance of Eqs. 32–33 (Eq. 38 is their t → ∞ limit)",
                                  "red line; “reasonable confidence interval”");
        if (judged)
            rep_setf(row->measured, sizeof row->measured, "%d of %d judged points fail (worst |z| = %.1f). %s",
                     failed, judged, worst, meas);
        else
            rep_setf(row->measured, sizeof row->measured, "no point where the σ_θ² drift is below %g s.e.", DRIFT_FRAC);
        rep_setf(row->rule, sizeof row->rule,
                 "|z| ≤ %g (paired over instances) where the σ_θ² drift moves E|ε(T)| by ≤ %g s.e. of this ensemble",
                 ZTOL, DRIFT_FRAC);
        rep_setf(row->note, sizeof row->note,
                 "Each instance's ε(T) is predicted from its own ε(0) and recorded K(t) by LLJ's recursion "
                 "ε ← (1 − ηK)ε + √K Δθ (Eqs. 31–33), which keeps the transient that Eq. 38 drops. Eq. 34 is first "
                 "order in σ_θ; the second-order drift of row 2 lifts E|ε(T)| by more than %g s.e. at the points left out%s%s.",
                 DRIFT_FRAC, skipped[0] ? ": " : "", skipped);
    }

    /* 2: the corrected prediction, with the drift, wherever the recursion is a contraction */
    {
        char meas[1400] = "", skipped[600] = "";
        int judged = 0, failed = 0;
        double worst = 0;
        for (long k = 0; k < P; k++) {
            const noise_pt *q = &pt[k];
            if (q->n < 2)
                continue;
            rep_label(res, k, lab, sizeof lab);
            if (!(q->a_max < 1.0)) {
                rep_catf(skipped, sizeof skipped, "%s%s (ηK + c reaches %.2f)", skipped[0] ? "; " : "", lab, q->a_max);
                continue;
            }
            judged++;
            if (fabs(q->z_full) > ZTOL)
                failed++;
            worst = fmax(worst, fabs(q->z_full));
            rep_catf(meas, sizeof meas, "%s%s: %s vs %.4g (z = %.1f)", meas[0] ? "; " : "", lab,
                     rep_pm(b1, sizeof b1, q->meas, q->meas_se), q->full, q->z_full);
        }
        ck_row *row = rep_add_row(r, !judged ? CK_INFO : failed ? CK_FAIL : CK_PASS,
                                  "The same with the second-order drift of the noise, c(Δ − ε) per step, c = σ_θ² L D²/(D² − 1), "
                                  "Δ = γ trO/D − O0 (this program's correction, docs/PHYSICS.md, Noise)",
                                  "not in the paper");
        rep_setf(row->measured, sizeof row->measured, "%d of %d points fail (worst |z| = %.1f). %s", failed, judged, worst, meas);
        rep_setf(row->rule, sizeof row->rule, "|z| ≤ %g (paired over instances) at every point where ηK(t) + c < 1", ZTOL);
        rep_setf(row->note, sizeof row->note,
                 "A kick N(0, σ_θ²) on a rotation e^{iθP} dephases the state in P's eigenbasis and moves ε by ½σ_θ² ∂²ε/∂θ² "
                 "on average; for a 2-design state this pulls ⟨O⟩ towards the centre of its spectrum (here Δ = %.3g, "
                 "c = %.3g … %.3g per step over the points). The stationary ε is then N(μ, s') with μ = cΔ/(ηK + c). "
                 "Its assumptions: ε normal, the circuit's states 2-design-like, the recursion a contraction%s%s.",
                 pt[0].Delta, pt[0].c, pt[P - 1].c, skipped[0] ? "; not judged: " : "", skipped);
    }

    /* 3: Eq. 38 itself, and what moves the points off it */
    {
        ck_row *row = rep_add_row(r, CK_INFO, "Eq. 38 as printed, √(2/π) σ_θ/√(2η − η²K) with K the mean K(T)",
                                  "red line");
        int above = 0, n = 0;
        double ulo = INFINITY, uhi = -INFINITY;
        for (long k = 0; k < P; k++) {
            const noise_pt *q = &pt[k];
            if (q->n < 2)
                continue;
            rep_label(res, k, lab, sizeof lab);
            n++;
            ulo = fmin(ulo, q->unconverged);
            uhi = fmax(uhi, q->unconverged);
            if (q->meas > q->eq38)
                above++;
            rep_catf(row->measured, sizeof row->measured, "%s%s: %s vs %.4g (z = %.1f; transient %+.1f, drift %+.1f s.e.)",
                     n > 1 ? "; " : "", lab, rep_pm(b1, sizeof b1, q->meas, q->meas_se), q->eq38,
                     qnn_zscore(q->meas, q->meas_se, q->eq38, NAN),
                     (q->first - q->eq38) / q->se_model, (q->full - q->first) / q->se_model);
        }
        rep_setf(row->rule, sizeof row->rule, "shown: the parts of the model it leaves out, in s.e. of this ensemble");
        rep_setf(row->note, sizeof row->note,
                 "%d of %d points lie above Eq. 38. It is the t → ∞ limit of the first-order theory with one K: "
                 "after %ld steps the instances with small K are still decaying (%.0f %% … %.0f %% of them have "
                 "T_noise of Eq. 37 beyond T), which lifts the small-σ_θ points (\"transient\": row 1's prediction minus "
                 "Eq. 38), and the σ_θ² drift lifts the large-σ_θ ones (\"drift\": row 2's minus row 1's). Both grow "
                 "against the error bar as the ensemble grows, so Eq. 38 is judged through rows 1 and 2.",
                 above, n, rep_params(res, 0)->steps, 100.0 * ulo, 100.0 * uhi);
    }
    free(pt);
    k_final_row(r, res, "K ≈ 25");
}

static int skip_unconverged(const qnn_result *res, long k, char *why, size_t n)
{
    double tn = rep_theory(res, k, "noise_time");
    if (isfinite(tn) && tn > (double)rep_params(res, k)->steps) {
        snprintf(why, n, "T_noise = %.0f steps exceeds the %ld steps run", tn, rep_params(res, k)->steps);
        return 1;
    }
    return 0;
}

void chk_llj_fig2(const qnn_result *res, rep *r)
{
    rep_check_points(r, res, "The spread of the final error σ_ε follows √s, s = σ_θ²/(η(2 − ηK)) (Eqs. 34–35)",
                 "red line", v_eps_sd, t_sqrt_s, 0, skip_unconverged);
    k_final_row(r, res, "K ≈ 35");
}
