/* The claims `qnnlab reproduce` judges for OME (Ortiz Marrero et al.): Figs. 3–4, trace distance and dying gradients of hidden-qubit models.
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

static double v_tdist(const qnn_result *res, long k, double *se) { *se = rep_sum(res, k)->tdist_t0.se; return rep_sum(res, k)->tdist_t0.mean; }
static double t_tdist_bound(const qnn_result *res, long k, double *se) { *se = NAN; return rep_theory(res, k, "trace_distance_bound"); }
static double v_entropy(const qnn_result *res, long k, double *se) { *se = rep_sum(res, k)->entropy_t0.se; return rep_sum(res, k)->entropy_t0.mean; }
static double t_page(const qnn_result *res, long k, double *se) { *se = NAN; return rep_theory(res, k, "page_entropy"); }

void chk_ome_fig3a(const qnn_result *res, rep *r)
{
    rep_check_points(r, res, "The mean trace distance ½‖ρ_v − I/D_v‖₁ lies below ½√(D_v/D_h) (Prop. 2)",
                 "green marks (bound)", v_tdist, t_tdist_bound, +1, NULL);
    rep_check_trend(r, res, "The visible state approaches I/D_v as hidden qubits are added",
                "“close to the maximally mixed state”", v_tdist, 0, res->npoints, 1, -1, "falls");
    ck_row *row = rep_check_points(r, res, "S(ρ_v) at t = 0 against Page's value", "not in the figure", v_entropy, t_page, 0, NULL);
    row->v = CK_INFO;
    rep_setf(row->note, sizeof row->note,
         "Page's value holds for Haar-random states; the unitary network of 2-local terms is not exactly Haar, so this is shown only.");
}

static void chk_grad_decay(const qnn_result *res, rep *r, const char *what)
{
    const long P = res->npoints;
    double *x = calloc((size_t)P, sizeof *x), *y = calloc((size_t)P, sizeof *y), *e = calloc((size_t)P, sizeof *e);
    if (!x || !y || !e) {
        free(x); free(y); free(e);
        r->oom = 1;
        return;
    }
    char meas[1400] = "";
    for (long k = 0; k < P; k++) {
        x[k] = rep_params(res, k)->n_h;
        qnn_grad_inf_variance(rep_sum(res, k), &y[k], &e[k]);
        char b1[64];
        rep_catf(meas, sizeof meas, "%sn_h = %g: %s", k ? "; " : "", x[k], rep_pm(b1, sizeof b1, y[k], e[k]));
    }
    double A, b = NAN, bse = NAN;
    size_t used = qnn_fit_exponential(x, y, e, (size_t)P, &A, &b, &bse);
    char claim[200];
    rep_setf(claim, sizeof claim, "Var ‖∇L‖_∞ of the %s decays exponentially with n_h (Thm. 3)", what);
    ck_row *row = rep_add_row(r, used >= 3 && b + ZTOL * bse < 0 ? CK_PASS : CK_FAIL, claim,
                          "decay on a semi-log scale, least-squares fit");
    rep_setf(row->measured, sizeof row->measured, "fit Var ∝ e^{b n_h}: b = %.3f ± %.3f (%zu points; %s)", b, bse, used, meas);
    rep_setf(row->rule, sizeof row->rule, "b + %g s.e. < 0", ZTOL);
    free(x); free(y); free(e);
}

void chk_ome_fig3b(const qnn_result *res, rep *r)
{
    chk_grad_decay(res, r, "unitary network");
    ck_row *row = rep_add_row(r, CK_INFO, "Objective", "fidelity with a thermal target state");
    rep_setf(row->measured, sizeof row->measured, "⟨O ⊗ I⟩ for a random visible Pauli sum (the objective Thm. 3 bounds)");
    rep_setf(row->rule, sizeof row->rule, "shown");
}

void chk_ome_fig3c(const qnn_result *res, rep *r)
{
    chk_grad_decay(res, r, "normalised QBM");
    ck_row *row = rep_add_row(r, CK_INFO, "Differentiated quantity", "trace distance to a perturbed model");
    rep_setf(row->measured, sizeof row->measured, "the loss of ⟨O ⊗ I⟩ with respect to the raw coefficients (the decay has the same origin, "
         "the normalisation by ‖H(θ0)‖; docs/PHYSICS.md)");
    rep_setf(row->rule, sizeof row->rule, "shown");
}

void chk_ome_fig4(const qnn_result *res, rep *r)
{
    /* points: model (slowest) × n_h */
    const qnn_preset *ps = res->preset;
    long nmod = 0, nh = 0;
    for (int j = 0; j < ps->nsweep; j++) {
        if (!strcmp(ps->sweep[j].key, "model")) nmod = ps->sweep[j].nvalues;
        if (!strcmp(ps->sweep[j].key, "n_h")) nh = ps->sweep[j].nvalues;
    }
    if (nmod * nh != res->npoints || nh < 2)
        return;
    for (long m = 0; m < nmod; m++) {
        const qnn_params *p = rep_params(res, m * nh);
        const char *name = p->model->label;
        char claim[200];
        rep_setf(claim, sizeof claim, "%s: the trace distance concentrates towards 0 as n_h grows", name);
        rep_check_trend(r, res, claim, "histograms move to 0", v_tdist, m * nh, nh, 1, -1, "falls");
    }
    /* the bound, for the pure-state models */
    for (long m = 0; m < nmod; m++) {
        const qnn_params *p = rep_params(res, m * nh);
        if (!qnn_model_has(p->model, QNN_CAP_PURE_STATE))
            continue;
        const char *name = p->model->label;
        /* judge only this model's points */
        qnn_result sub = *res;
        sub.points = res->points + m * nh;
        sub.npoints = nh;
        char claim[200];
        rep_setf(claim, sizeof claim, "%s: mean trace distance below ½√(D_v/D_h)", name);
        rep_check_points(r, &sub, claim, "vertical lines", v_tdist, t_tdist_bound, +1, NULL);
    }
}
