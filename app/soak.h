/* The judgement of `qnnlab bench --soak` (app/soak.c): does a memory
 * measure sampled along a long live session grow with the steps? */
#ifndef QNN_SOAK_H
#define QNN_SOAK_H

#include <stddef.h>

/* One measure's fit and verdict. Growth is in the measure's unit (bytes)
 * over `span` steps; a standard error is NaN where the samples leave no
 * degree of freedom for it. */
typedef struct qnn_soak_fit {
    size_t n;            /* samples fitted (those after the warm-up) */
    double first, last;  /* the steps of the first and last of them */
    double span;         /* last - first */
    double base;         /* the fitted measure at `first` */
    double per_record;   /* its dependence on the history's record count */
    double growth, se;   /* the line: growth with the steps over span */
    double jump_growth, jump_se; /* the same with one jump allowed for */
    double jump;         /* that jump's size, and the step of the first */
    double jump_at;      /*   sample after it (NaN: no jump fitted) */
    int leak;            /* 1: a steady growth beyond the allowance */
    int noisy;           /* 1: the growth's standard error exceeds a quarter
                            of the allowance (or is unknown): the samples
                            cannot resolve growth at the allowance's scale */
} qnn_soak_fit;

/* Judges samples i = warm .. n-1 of a measure y[i] taken at steps[i] with
 * records[i] records in the history (NULL: none), against `allow` (same
 * unit as y). The measure is fitted by least squares as
 *     y = a + b records + c steps                          (the line)
 * (records left out where they are a line in the steps themselves: the
 * history filling up cannot be told from a leak then)
 * and once more with one jump d [steps >= s] added at the s that fits
 * best (an allocator that grows its arena once, a high-water mark).
 * A leak grows steadily, so it is called one only when the growth c span
 * exceeds the allowance by more than two standard errors in both fits
 * (the second where the samples leave it a degree of freedom): a flat
 * measure, a noisy one and a single step are not leaks; a linear growth
 * past the allowance is. 0, or -1 when fewer than 3 samples remain or
 * memory runs out (out->leak 0). */
int qnn_soak_judge(const double *steps, const double *records, const double *y, size_t n, size_t warm,
                   double allow, qnn_soak_fit *out);

#endif
