/* Data sets of a user's circuit model: a CSV table of features and a label
 * (docs/CIRCUITS.md, "Data"), read with libcsv. The first row is the
 * header (column names); every other row holds one sample. By default the
 * last column is the label and all others are features; `features` (a
 * comma list of column names) and `label` (a column name) choose others.
 *
 * Cells: decimal numbers (finite; NaN, inf and empty cells refused), except
 * the label column, which may hold words (class names: "setosa"). The
 * label is a class label when it holds words, or when the caller asks for
 * classification, or (auto) when it holds at most QNN_DATA_MAX_CLASSES
 * distinct integer values; a regression target otherwise.
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
    const char *features; /* NULL or "": every column but the label */
    const char *label;    /* NULL or "": the last column */
    qnn_problem problem;
} qnn_dataset_opts;

/* Reads path into *ds. 0, or QNN_E_FILE (cannot read, not a regular file,
 * larger than QNN_DATA_MAX_BYTES), QNN_E_FORMAT (ragged rows, a cell that is
 * not a number, a non-finite value, a missing header name...), QNN_E_RELATION
 * (a label column with one class, an unknown column name) with a message. */
int qnn_dataset_read(const char *path, const qnn_dataset_opts *o, qnn_dataset *ds,
                     char *err, size_t errlen);
/* The same from `len` bytes of text (name for the messages). */
int qnn_dataset_parse(const char *text, size_t len, const char *name, const qnn_dataset_opts *o,
                      qnn_dataset *ds, char *err, size_t errlen);
void qnn_dataset_free(qnn_dataset *ds);

/* A split into training and test rows: a shuffle of 0 .. rows-1 by a
 * generator seeded with `seed` (stratified by class for classification,
 * so both parts keep the class proportions), the first n_train indices
 * training. n_test = round(test_fraction · rows), at least one training
 * row. idx gets rows entries. */
void qnn_dataset_split(const qnn_dataset *ds, double test_fraction, uint64_t seed, int *idx,
                       int *n_train);

/* Standardisation from the training rows (mean 0, standard deviation 1
 * per feature; a constant feature is only centred): mean and sd get nfeat
 * entries each. Apply with x' = (x - mean)/sd. */
void qnn_dataset_moments(const qnn_dataset *ds, const int *train, int n_train, double *mean,
                         double *sd);

#endif
