/* The parts `qnnlab reproduce` judges claims with: a report's rows
 * (rep_add_row and printf into their fields), small statistics of a
 * result's points, and the reusable checks (a power law against its
 * predicted exponent, every point against its prediction, a trend along
 * the points), each within ZTOL standard errors. */
#include "reproduce_priv.h"
#include "reproduce_rules.h"
#include "qnn/fit.h"
#include "qnn/theory.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ck_row *rep_add_row(rep *r, ck_verdict v, const char *claim, const char *paper)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        ck_row *nr = realloc(r->rows, (size_t)cap * sizeof *nr);
        if (!nr) {
            r->oom = 1;
            static ck_row sink;
            return &sink;
        }
        r->rows = nr;
        r->cap = cap;
    }
    ck_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    row->v = v;
    snprintf(row->claim, sizeof row->claim, "%s", claim);
    snprintf(row->paper, sizeof row->paper, "%s", paper);
    return row;
}

/* printf into a fixed field */
void rep_setf(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

/* append printf to a fixed field */
void rep_catf(char *dst, size_t n, const char *fmt, ...)
{
    size_t l = strlen(dst);
    if (l + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + l, n - l, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Small statistics                                                          */
/* ------------------------------------------------------------------------ */

const qnn_summary *rep_sum(const qnn_result *res, long k)
{
    return &res->points[k].sum;
}

const qnn_params *rep_params(const qnn_result *res, long k)
{
    return &res->points[k].params;
}

double rep_theory(const qnn_result *res, long k, const char *name)
{
    const qnn_theory_value *tv = qnn_summary_theory(rep_sum(res, k), name);
    return tv ? tv->value : NAN;
}

/* "%.4g ± %.2g" */
const char *rep_pm(char *buf, size_t n, double m, double se)
{
    if (isfinite(se))
        snprintf(buf, n, "%.4g ± %.2g", m, se);
    else
        snprintf(buf, n, "%.4g", m);
    return buf;
}

void rep_label(const qnn_result *res, long k, char *buf, size_t n)
{
    qnn_point_label(res, k, buf, n);
}

/* ------------------------------------------------------------------------ */
/* Reusable checks                                                           */
/* ------------------------------------------------------------------------ */

/* A power law y ∝ x^b over the points (x from xf, y ± se from yf) against
 * the predicted exponent. */

void rep_check_power(rep *r, const qnn_result *res, const char *claim, const char *paper,
                     pt_value xf, pt_value yf, double pred, const char *note_fail)
{
    long P = res->npoints;
    double *x = calloc((size_t)P, sizeof *x), *y = calloc((size_t)P, sizeof *y),
           *e = calloc((size_t)P, sizeof *e);
    if (!x || !y || !e) {
        r->oom = 1;
        free(x); free(y); free(e);
        return;
    }
    for (long k = 0; k < P; k++) {
        double dummy;
        x[k] = xf(res, k, &dummy);
        y[k] = yf(res, k, &e[k]);
    }
    double A, b = NAN, bse = NAN;
    size_t used = qnn_fit_power(x, y, e, (size_t)P, &A, &b, &bse);
    double z = qnn_zscore(b, bse, pred, 0);
    ck_row *row = rep_add_row(r, used >= 3 && fabs(z) <= ZTOL ? CK_PASS : CK_FAIL, claim, paper);
    rep_setf(row->measured, sizeof row->measured, "exponent %.3f ± %.3f (weighted least squares, %zu points; z = %.1f)",
         b, bse, used, z);
    rep_setf(row->rule, sizeof row->rule, "|exponent − (%g)| ≤ %g s.e.", pred, ZTOL);
    if (row->v == CK_FAIL && note_fail)
        snprintf(row->note, sizeof row->note, "%s", note_fail);
    free(x); free(y); free(e);
}

/* Every point's measured value (vf) against a predicted one (tf), two-sided
 * (side 0), or not above (side +1) / not below (side -1) it, within ZTOL
 * standard errors. Points where skip() says so are listed as info. */

ck_row *rep_check_points(rep *r, const qnn_result *res, const char *claim, const char *paper,
                         pt_value vf, pt_value tf, int side, pt_skip skip)
{
    long P = res->npoints;
    double worst = 0;
    int judged = 0, failed = 0;
    char meas[1400] = "", skipped[900] = "";
    for (long k = 0; k < P; k++) {
        double se, tse = NAN;
        double m = vf(res, k, &se), t = tf(res, k, &tse);
        char lab[160], why[200] = "", b1[64];
        rep_label(res, k, lab, sizeof lab);
        if (!isfinite(m) || !isfinite(t))
            continue;
        double z = qnn_zscore(m, se, t, tse);
        if (skip && skip(res, k, why, sizeof why)) {
            rep_catf(skipped, sizeof skipped, "%s%s: %s against %.4g (z = %.1f; %s)", skipped[0] ? "; " : "", lab,
                 rep_pm(b1, sizeof b1, m, se), t, z, why);
            continue;
        }
        judged++;
        double bad = side == 0 ? fabs(z) : side > 0 ? z : -z;
        if (bad > ZTOL)
            failed++;
        if (bad > worst || judged == 1)
            worst = bad;
        rep_catf(meas, sizeof meas, "%s%s: %s vs %.4g", meas[0] ? "; " : "", lab, rep_pm(b1, sizeof b1, m, se), t);
    }
    ck_row *row = rep_add_row(r, judged && !failed ? CK_PASS : CK_FAIL, claim, paper);
    if (judged == 1) {
        snprintf(row->measured, sizeof row->measured, "%s", meas);
    } else {
        char w[48];
        double wz = side >= 0 ? worst : -worst;
        if (isfinite(wz))
            snprintf(w, sizeof w, "worst %s = %.1f", side == 0 ? "|z|" : "z", wz);
        else
            snprintf(w, sizeof w, "no spread over the instances");
        rep_setf(row->measured, sizeof row->measured, "%d of %d points fail (%s). %s", failed, judged, w, meas);
    }
    rep_setf(row->rule, sizeof row->rule, side == 0 ? "|z| ≤ %g at every point" :
         side > 0 ? "not above it by more than %g s.e. at any point" : "not below it by more than %g s.e. at any point", ZTOL);
    if (skipped[0])
        rep_setf(row->note, sizeof row->note, "Not judged: %s.", skipped);
    return row;
}

/* A value must fall (dir -1) or grow (+1) along the points first..last
 * (stride apart): every consecutive difference in that direction, and the
 * total change by more than ZTOL standard errors. */
ck_row *rep_check_trend(rep *r, const qnn_result *res, const char *claim, const char *paper,
                        pt_value vf, long first, long count, long stride, int dir, const char *what)
{
    double prev = NAN, m0 = NAN, s0 = NAN, m1 = NAN, s1 = NAN;
    int mono = 1;
    char meas[1400] = "";
    for (long j = 0; j < count; j++) {
        long k = first + j * stride;
        double se;
        double m = vf(res, k, &se);
        char b1[64], lab[160];
        rep_label(res, k, lab, sizeof lab);
        rep_catf(meas, sizeof meas, "%s%s: %s", meas[0] ? "; " : "", lab, rep_pm(b1, sizeof b1, m, se));
        if (j == 0) {
            m0 = m;
            s0 = se;
        } else if (!(dir * (m - prev) > 0)) {
            mono = 0;
        }
        prev = m;
        m1 = m;
        s1 = se;
    }
    double z = dir * qnn_zscore(m1, s1, m0, s0);
    ck_row *row = rep_add_row(r, mono && z > ZTOL ? CK_PASS : CK_FAIL, claim, paper);
    rep_setf(row->measured, sizeof row->measured, "%s (first to last: z = %.1f)", meas, z);
    rep_setf(row->rule, sizeof row->rule, "%s at every step, and by more than %g s.e. from first to last", what, ZTOL);
    return row;
}


/* ------------------------------------------------------------------------ */
/* Rules on arrays (reproduce_rules.h)                                       */
/* ------------------------------------------------------------------------ */

ck_verdict rep_rule_exponential(const double *t, const double *y, const double *se, size_t n,
                                qnn_decay_laws *d)
{
    size_t used = qnn_fit_decay_laws(t, y, se, n, d);
    return used >= 3 && d->p_exp >= REP_P_REJECT ? CK_PASS : CK_FAIL;
}

void rep_step_factor(const double *y, const double *se, size_t j, double *f, double *f_se)
{
    const double a = y[j], b = y[j + 1];
    *f = *f_se = NAN;
    if (!(isfinite(a) && a > 0 && isfinite(b) && b > 0))
        return;
    *f = a / b;
    *f_se = *f * sqrt(pow(se[j] / a, 2) + pow(se[j + 1] / b, 2));
}
