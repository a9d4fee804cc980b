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
