/* Claim rules of `qnnlab reproduce` on plain arrays, so that tests can feed
 * them synthetic data (tests/test_rules.c); the qnn_result-level checks of
 * reproduce_priv.h and the figures' files call them. Private to app/. */
#ifndef QNN_REPRODUCE_RULES_H
#define QNN_REPRODUCE_RULES_H

#include "reproduce_priv.h"
#include "qnn/fit.h"

#include <stddef.h>

/* The goodness-of-fit level below which a law is rejected: P(χ² ≥ the
 * fit's χ²) < REP_P_REJECT. */
#define REP_P_REJECT 0.001

/* An exponential y = A e^{−λ t} over the points (t, y ± se), against a
 * power law in the same t (qnn_fit_decay_laws, weighted by the errors,
 * which must be honest: fourth-moment or bootstrap errors for a variance).
 * *d receives both fits. CK_PASS when at least 3 points were fitted and
 * the exponential is not rejected (p_exp ≥ REP_P_REJECT), else CK_FAIL. */
ck_verdict rep_rule_exponential(const double *t, const double *y, const double *se, size_t n,
                                qnn_decay_laws *d);

/* The factor y[j]/y[j+1] between consecutive points and its standard
 * error (errors of the two points combined in quadrature, relative);
 * NaN where either is not finite and positive. */
void rep_step_factor(const double *y, const double *se, size_t j, double *f, double *f_se);

#endif
