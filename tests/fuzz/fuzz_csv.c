/* libFuzzer target: the bytes as a CSV data set (data = FILE.csv of the
 * circuit model), read by qnn_dataset_parse (what qnn_dataset_read does
 * after reading the file) four times: with the problem auto, regression
 * and classification, and with features "x1, x2" and label "y" named.
 *
 * A refusal must name the file, say what is allowed, hold no control
 * character and no byte that is not UTF-8 (values are escaped), and leave
 * the data set empty. An accepted table has at least 2 rows and 1 feature,
 * distinct feature names besides the label, finite X and y, and either a
 * regression (no classes; never when classification was asked for) or 2
 * .. 16 distinct class names with every class index in range and used
 * (never when regression was asked for). Its split (test fraction 0.25) is
 * a permutation of the rows, the same twice, keeps a training row of every
 * class, and gives finite moments with sd > 0. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/dataset.h"

#define NAME "fuzz.csv"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void bad(const char *what, int problem, const char *err)
{
    fprintf(stderr, "fuzz_csv: problem %d: %s%s%s\n", problem, what, err ? ": " : "", err ? err : "");
    abort();
}

/* The message: "fuzz.csv...; allowed: ...", printable UTF-8. */
static void check_refusal(const char *err, const qnn_dataset *ds, int problem)
{
    if (strncmp(err, NAME, strlen(NAME)) != 0 || !strstr(err, "allowed"))
        bad("a refusal that does not name the file or say what is allowed", problem, err);
    const unsigned char *u = (const unsigned char *)err;
    for (size_t i = 0; u[i];) {
        size_t k = u[i] < 0x80 ? 1 : u[i] >= 0xC2 && u[i] <= 0xDF ? 2 : u[i] >= 0xE0 && u[i] <= 0xEF ? 3
                                                     : u[i] >= 0xF0 && u[i] <= 0xF4 ? 4 : 0;
        if (k == 0 || u[i] < 0x20 || u[i] == 0x7F)
            bad("a refusal with a control character or a byte that is not UTF-8", problem, err);
        for (size_t j = 1; j < k; j++)
            if (u[i + j] < 0x80 || u[i + j] > 0xBF)
                bad("a refusal with a broken UTF-8 sequence", problem, err);
        i += k;
    }
    if (ds->rows || ds->nfeat || ds->X || ds->y || ds->classes || ds->class_names || ds->feat_names ||
        ds->label_name)
        bad("a refusal that leaves data behind", problem, err);
}

static void check_accepted(const qnn_dataset *ds, int problem)
{
    if (ds->rows < 2 || ds->nfeat < 1 || ds->nfeat >= QNN_DATA_MAX_COLS || ds->rows > QNN_DATA_MAX_ROWS)
        bad("accepted with too few rows or features", problem, NULL);
    if (!ds->X || !ds->y || !ds->feat_names || !ds->label_name)
        bad("accepted without arrays or names", problem, NULL);
    for (int f = 0; f < ds->nfeat; f++) {
        if (!ds->feat_names[f] || !ds->feat_names[f][0] || strcmp(ds->feat_names[f], ds->label_name) == 0)
            bad("a feature name that is empty or the label's", problem, NULL);
        for (int g = 0; g < f; g++)
            if (strcmp(ds->feat_names[f], ds->feat_names[g]) == 0)
                bad("two features of the same name", problem, ds->feat_names[f]);
    }
    for (size_t i = 0; i < (size_t)ds->rows * (size_t)ds->nfeat; i++)
        if (!isfinite(ds->X[i]))
            bad("a feature value that is not finite", problem, NULL);
    for (int i = 0; i < ds->rows; i++)
        if (!isfinite(ds->y[i]))
            bad("a label that is not finite", problem, NULL);
    if (ds->classes == 0) {
        if (problem == QNN_PROBLEM_CLASSIFICATION || ds->class_names)
            bad("a regression where classes were asked for, or with class names", problem, NULL);
    } else {
        if (problem == QNN_PROBLEM_REGRESSION)
            bad("classes where a regression was asked for", problem, NULL);
        if (ds->classes < 2 || ds->classes > QNN_DATA_MAX_CLASSES || !ds->class_names)
            bad("a number of classes out of 2 .. 16", problem, NULL);
        int used[QNN_DATA_MAX_CLASSES] = {0};
        for (int i = 0; i < ds->rows; i++) {
            double c = ds->y[i];
            if (c < 0 || c >= ds->classes || c != floor(c))
                bad("a class index out of range", problem, NULL);
            used[(int)c] = 1;
        }
        for (int k = 0; k < ds->classes; k++) {
            if (!used[k])
                bad("a class without rows", problem, NULL);
            if (!ds->class_names[k] || !ds->class_names[k][0])
                bad("a class without a name", problem, NULL);
            for (int j = 0; j < k; j++)
                if (strcmp(ds->class_names[k], ds->class_names[j]) == 0)
                    bad("two classes of the same name", problem, ds->class_names[k]);
        }
    }
    /* the split and the moments */
    int n = ds->rows, ntr = -1, ntr2 = -1;
    int *idx = malloc((size_t)n * sizeof *idx), *idx2 = malloc((size_t)n * sizeof *idx2);
    char *seen = calloc((size_t)n, 1);
    double *mean = malloc((size_t)ds->nfeat * sizeof *mean), *sd = malloc((size_t)ds->nfeat * sizeof *sd);
    if (!idx || !idx2 || !seen || !mean || !sd)
        abort();
    qnn_dataset_split(ds, 0.25, (uint64_t)n * 7919u, idx, &ntr);
    qnn_dataset_split(ds, 0.25, (uint64_t)n * 7919u, idx2, &ntr2);
    if (ntr != ntr2 || memcmp(idx, idx2, (size_t)n * sizeof *idx) != 0)
        bad("two splits with the same seed differ", problem, NULL);
    if (ntr < 1 || ntr > n)
        bad("a split without a training row", problem, NULL);
    for (int i = 0; i < n; i++) {
        if (idx[i] < 0 || idx[i] >= n || seen[idx[i]])
            bad("a split that is not a permutation", problem, NULL);
        seen[idx[i]] = 1;
    }
    if (ds->classes) {
        int in_train[QNN_DATA_MAX_CLASSES] = {0};
        for (int i = 0; i < ntr; i++)
            in_train[(int)ds->y[idx[i]]] = 1;
        for (int k = 0; k < ds->classes; k++)
            if (!in_train[k])
                bad("a class without a training row", problem, ds->class_names[k]);
    }
    qnn_dataset_moments(ds, idx, ntr, mean, sd);
    for (int f = 0; f < ds->nfeat; f++)
        if (!isfinite(mean[f]) || !isfinite(sd[f]) || !(sd[f] > 0))
            bad("moments that are not finite, or sd <= 0", problem, NULL);
    free(idx);
    free(idx2);
    free(seen);
    free(mean);
    free(sd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const qnn_dataset_opts opts[4] = {
        {NULL, NULL, QNN_PROBLEM_AUTO},
        {NULL, NULL, QNN_PROBLEM_REGRESSION},
        {NULL, NULL, QNN_PROBLEM_CLASSIFICATION},
        {"x1, x2", "y", QNN_PROBLEM_AUTO},
    };
    for (int k = 0; k < 4; k++) {
        qnn_dataset ds;
        char err[1024] = "";
        int rc = qnn_dataset_parse((const char *)data, size, NAME, &opts[k], &ds, err, sizeof err);
        if (rc > 0)
            bad("a positive status", k, err);
        if (rc < 0)
            check_refusal(err, &ds, (int)opts[k].problem);
        else
            check_accepted(&ds, (int)opts[k].problem);
        qnn_dataset_free(&ds);
    }
    return 0;
}
