/* Data sets of a user's circuit model: a CSV table of features and a label
 * (docs/CIRCUITS.md, "Data"), read with libcsv. The first row is the
 * header (column names); every other row holds one sample. By default the
 * last column is the label and all others are features; `features` (a
 * comma list of column names) and `label` (a column name) choose others.
 *
 * Cells: decimal numbers (finite; NaN, inf, hexadecimal and empty cells
 * refused; spaces around them allowed), except the label column, which may
 * hold words (class names: "setosa"). Columns that are neither features
 * nor the label are not read. The label is a class label when it holds
 * words, or when the caller asks for classification, or (auto) when it
 * holds at most QNN_DATA_MAX_CLASSES distinct integer values; a regression
 * target otherwise. Class names are sorted: numbers numerically (named by
 * their shortest text, "-1"), words by their bytes (strcmp). Column and
 * class names: 1 .. QNN_DATA_MAX_NAME bytes of UTF-8 without control
 * characters, the column names distinct. Quoting as RFC 4180 (strict: a
 * quote inside an unquoted cell, or text after a closing quote, is
 * refused); "\n", "\r\n" or "\r" end a line; a UTF-8 byte order mark is
 * skipped; blank lines are ignored; at least 2 data rows.
 *
 * Nothing here prints; errors come back as one line naming file, line,
 * column (1-based, of the table), the value (control characters escaped)
 * and what is allowed; the data set is then left empty. */
#ifndef QNN_DATASET_H
#define QNN_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "qnn/status.h"

#define QNN_DATA_MAX_CLASSES 16
#define QNN_DATA_MAX_ROWS 1000000
#define QNN_DATA_MAX_COLS 1024
#define QNN_DATA_MAX_BYTES (64 << 20)
#define QNN_DATA_MAX_NAME 64 /* bytes of a column or class name */

typedef enum { QNN_PROBLEM_AUTO = 0, QNN_PROBLEM_REGRESSION = 1,
               QNN_PROBLEM_CLASSIFICATION = 2 } qnn_problem;

typedef struct qnn_dataset {
    int rows;             /* samples */
    int nfeat;            /* feature columns used */
    char **feat_names;    /* nfeat names (the header cells) */
    char *label_name;
    double *X;            /* rows x nfeat, row-major */
    double *y;            /* rows: the regression target, or the class index
                             0 .. classes-1 */
    int classes;          /* 0: regression; >= 2: classification */
    char **class_names;   /* classes names in order of index: the label
                             text, sorted (numbers numerically) */
} qnn_dataset;

typedef struct qnn_dataset_opts {
    const char *features; /* NULL or "": every column but the label, in
                             the header's order; else a comma list of
                             column names (spaces around them allowed),
                             the features in the list's order */
    const char *label;    /* NULL or "": the last column */
    qnn_problem problem;
} qnn_dataset_opts;

/* Reads path into *ds. 0, or QNN_E_FILE (cannot read, not a regular file,
 * larger than QNN_DATA_MAX_BYTES), QNN_E_FORMAT (ragged rows, a cell that is
 * not a number, a non-finite value, a missing header name, more than 16
 * classes...), QNN_E_SIZE (more than QNN_DATA_MAX_ROWS rows or
 * QNN_DATA_MAX_COLS columns), QNN_E_RELATION (a label column with one
 * class, an unknown column name), QNN_E_NOMEM, with a message
 * "FILE:LINE:COLUMN: ...; allowed: ..." (LINE: where the cell ends). */
int qnn_dataset_read(const char *path, const qnn_dataset_opts *o, qnn_dataset *ds,
                     char *err, size_t errlen);
/* The same from `len` bytes of text (name for the messages); more than
 * QNN_DATA_MAX_BYTES is QNN_E_SIZE. */
int qnn_dataset_parse(const char *text, size_t len, const char *name, const qnn_dataset_opts *o,
                      qnn_dataset *ds, char *err, size_t errlen);
void qnn_dataset_free(qnn_dataset *ds);

/* A split into training and test rows: a permutation of 0 .. rows-1, the
 * first n_train indices training, the others test. Exactly: one GSL
 * mt19937 generator seeded with `seed` (gsl_rng_set); for each class in
 * index order (a regression: one class of all rows), its rows in ascending
 * order are shuffled (gsl_ran_shuffle) and the first round(f · count)
 * (f = test_fraction clamped to [0, 1], rounded half away from zero, at
 * most count − 1: every class keeps a training row) go to the test part;
 * then the training part (classes in index order) and the test part are
 * each shuffled once more with the same generator. So both parts keep the
 * class proportions, and the result depends on the seed and the data
 * only. idx gets rows entries. */
void qnn_dataset_split(const qnn_dataset *ds, double test_fraction, uint64_t seed, int *idx,
                       int *n_train);

/* Standardisation from the training rows (mean 0, standard deviation 1
 * per feature; a constant feature is only centred): mean and sd get nfeat
 * entries each. Apply with x' = (x - mean)/sd. */
void qnn_dataset_moments(const qnn_dataset *ds, const int *train, int n_train, double *mean,
                         double *sd);

#endif
