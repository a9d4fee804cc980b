/* What the files of `qnnlab reproduce` share: a report's rows and their
 * verdicts, the rep_ helpers that add and fill them, the reusable checks
 * (reproduce_checks.c), and the table of paper figures with the claims
 * each is judged by (reproduce_claims.c). Private to app/reproduce*.c. */
#ifndef QNN_REPRODUCE_PRIV_H
#define QNN_REPRODUCE_PRIV_H

#include "results.h"

#include <stddef.h>

/* A statistical comparison passes within this many standard errors
 * (reproduce.c's banner says why 4). */
#define ZTOL 4.0

/* ------------------------------------------------------------------------ */
/* Report rows                                                               */
/* ------------------------------------------------------------------------ */

typedef enum { CK_PASS, CK_FAIL, CK_INFO } ck_verdict;

typedef struct ck_row {
    char claim[300];     /* what the paper says (or what a formula predicts) */
    char paper[200];     /* the paper's value or statement */
    char measured[1600]; /* ours, with its standard error */
    char rule[240];      /* how it was judged */
    char note[900];      /* why, when it fails or is only shown */
    ck_verdict v;
} ck_row;

typedef struct rep {
    ck_row *rows;
    int n, cap;
    int oom;
} rep;

/* A new row with verdict v, claim and paper filled in; when memory runs
 * out, r->oom is set and a scratch row is returned (never NULL). */
ck_row *rep_add_row(rep *r, ck_verdict v, const char *claim, const char *paper);
/* printf into a fixed field */
void rep_setf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* append printf to a fixed field */
void rep_catf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------ */
/* Small statistics                                                          */
/* ------------------------------------------------------------------------ */

/* Point k's summary and parameters. */
const qnn_summary *rep_sum(const qnn_result *res, long k);
const qnn_params *rep_params(const qnn_result *res, long k);
/* Point k's theory value `name`, NaN when the class offers none. */
double rep_theory(const qnn_result *res, long k, const char *name);
/* "%.4g ± %.2g" (just "%.4g" for a non-finite se) into buf; returns buf. */
const char *rep_pm(char *buf, size_t n, double m, double se);
/* Point k's swept values (qnn_point_label). */
void rep_label(const qnn_result *res, long k, char *buf, size_t n);

/* ------------------------------------------------------------------------ */
/* Reusable checks                                                           */
/* ------------------------------------------------------------------------ */

/* A value at point k, its standard error in *se (NaN when it has none). */
typedef double (*pt_value)(const qnn_result *res, long k, double *se);
/* 1 (with the reason in why) when point k is shown but not judged. */
typedef int (*pt_skip)(const qnn_result *res, long k, char *why, size_t n);

/* A power law y ∝ x^b over the points (x from xf, y ± se from yf) against
 * the predicted exponent. */
void rep_check_power(rep *r, const qnn_result *res, const char *claim, const char *paper,
                     pt_value xf, pt_value yf, double pred, const char *note_fail);
/* Every point's measured value (vf) against a predicted one (tf), two-sided
 * (side 0), or not above (side +1) / not below (side -1) it, within ZTOL
 * standard errors. Points where skip() says so are listed as info. */
ck_row *rep_check_points(rep *r, const qnn_result *res, const char *claim, const char *paper,
                         pt_value vf, pt_value tf, int side, pt_skip skip);
/* A value must fall (dir -1) or grow (+1) along the points first..last
 * (stride apart): every consecutive difference in that direction, and the
 * total change by more than ZTOL standard errors. */
ck_row *rep_check_trend(rep *r, const qnn_result *res, const char *claim, const char *paper,
                        pt_value vf, long first, long count, long stride, int dir, const char *what);

/* ------------------------------------------------------------------------ */
/* YOU23 decay rule (reproduce_you23.c)                                      */
/* ------------------------------------------------------------------------ */

/* Sublinear or linear convergence (YOU23 Figs. 1 and 4, Thms. 3.2 and 4.4),
 * judged from how the rate −d ln L/dt changes as the loss falls. Each
 * instance is read over its own late window [T_i/REP_DECAY_FROM, T_i]
 * (T_i: its last record above the loss floor, so a fast instance does not
 * cut a slow one's window short): its rates r0, r1 over the window's first
 * and last fifth and the e-folds E ln L fell between them. With R0, R1, Ē
 * their means over the instances (the rates of the geometric-mean loss),
 * κ = ln(R0/R1)/Ē is the power of the loss the rate follows: 1/α for a
 * power law t^{−α} (Thm. 3.2's bound: ½), → 0 when the rate tends to a
 * positive constant, even one it falls towards. The judged number is the
 * angle atan2(ln(R0/R1), Ē), defined when the loss has stopped falling
 * (90°) or the rate stopped changing (0°); its error is a bootstrap over
 * instances (consecutive records are not independent, instances are).
 * Linear: over the instances whose loss ends its window below
 * REP_DECAY_CONVERGED (L → 0 seen; at least REP_DECAY_MIN_CONVERGED of
 * them: Thm. 4.4 speaks of the rate near a global minimum, and an instance
 * held at a local minimum is outside it), the angle lies below
 * atan(REP_DECAY_KAPPA) by more than ZTOL errors and the loss falls at
 * least REP_DECAY_MIN_EFOLDS in the window. Sublinear: over every
 * instance, the angle lies above atan(REP_DECAY_KAPPA) by more than ZTOL
 * errors. Otherwise, or when more than a tenth of the instances have too
 * short a window, undecided, which fails both. */
#define REP_DECAY_FROM 3
#define REP_DECAY_KAPPA 0.25
#define REP_DECAY_MIN_EFOLDS 1.0
#define REP_DECAY_MIN_RECORDS 10
#define REP_DECAY_CONVERGED 1e-6
#define REP_DECAY_MIN_CONVERGED 3

typedef enum { REP_DECAY_UNDECIDED, REP_DECAY_SUBLINEAR, REP_DECAY_LINEAR } rep_decay_regime;

typedef struct rep_decay {
    rep_decay_regime regime;
    size_t nwin;            /* records in the shortest instance window */
    double t0, t1;          /* the earliest window start, the latest end */
    double rate0, rate1;    /* R0, R1: −d ln L/dt over the first and last fifth, mean over instances */
    double efolds;          /* Ē: e-folds of ln L between those fifths, mean */
    double loss1;           /* L at each window's end (geometric mean) */
    double kappa;           /* ln(R0/R1)/Ē */
    double angle, angle_se; /* atan2(ln(R0/R1), Ē) in degrees, its bootstrap error over instances */
    double z;               /* (angle − atan(REP_DECAY_KAPPA))/angle_se */
    int used, ninst;        /* instances with a usable window, out of ninst */
    int nconv;              /* of them, those whose loss ends below REP_DECAY_CONVERGED */
    enum { REP_DECAY_SET_ALL, REP_DECAY_SET_CONVERGED } set; /* the instances the angle is over */
    char why[200];          /* what left it undecided ("" when decided) */
} rep_decay;

/* Judges n records at times t[0..n) (increasing, shared by the instances)
 * of ninst instances' losses, loss[i·n + q] for instance i, record q; an
 * instance's records from its first loss ≤ floor or not finite on are
 * left out. Fills *out and returns its regime. */
rep_decay_regime rep_decay_judge(const double *t, const double *loss, size_t n, size_t ninst, double floor,
                                 rep_decay *out);
/* "sublinear", "linear" or "undecided" */
const char *rep_decay_name(rep_decay_regime g);

/* ------------------------------------------------------------------------ */
/* The figures (reproduce_claims.c)                                          */
/* ------------------------------------------------------------------------ */

typedef struct fig_def {
    const char *id, *paper, *title, *preset;
    const char *setting;    /* the paper's setting, from its caption and text */
    const char *ensemble;   /* the paper's ensemble beside ours */
    const char *quick[6];   /* overrides for --quick */
    void (*check)(const qnn_result *, rep *);
} fig_def;

/* The claims of each figure, one file per paper: they read the result's
 * points and add their rows to the report. */
void chk_liu23_fig1(const qnn_result *res, rep *r); /* reproduce_liu23.c */
void chk_liu23_fig2(const qnn_result *res, rep *r);
void chk_liu23_fig3(const qnn_result *res, rep *r);
void chk_llj_fig1(const qnn_result *res, rep *r);   /* reproduce_llj.c */
void chk_llj_fig2(const qnn_result *res, rep *r);
void chk_you23_fig1(const qnn_result *res, rep *r); /* reproduce_you23.c */
void chk_you23_fig2(const qnn_result *res, rep *r);
void chk_you23_fig3(const qnn_result *res, rep *r);
void chk_you23_fig4(const qnn_result *res, rep *r);
void chk_you23_fig5(const qnn_result *res, rep *r);
void chk_you23_fig6(const qnn_result *res, rep *r);
void chk_ome_fig3a(const qnn_result *res, rep *r);  /* reproduce_ome.c */
void chk_ome_fig3b(const qnn_result *res, rep *r);
void chk_ome_fig3c(const qnn_result *res, rep *r);
void chk_ome_fig4(const qnn_result *res, rep *r);
void chk_liu24_fig2(const qnn_result *res, rep *r); /* reproduce_liu24.c */
void chk_liu24_fig4a(const qnn_result *res, rep *r);
void chk_liu24_fig4b(const qnn_result *res, rep *r);

/* The paper figures `reproduce` knows, in the order `all` runs them
 * (reproduce_claims.c checks the count). */
#define REP_NFIG 18
extern const fig_def rep_figures[REP_NFIG];

/* The figure with this id, or NULL. */
const fig_def *rep_find_fig(const char *id);

#endif
