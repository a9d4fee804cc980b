/* The CSV data sets (qnn/dataset.h): the shipped files of presets/data read
 * back (rows, classes, names, values, moments), the reader's rules (CRLF,
 * byte order mark, quotes, blank lines, label and feature choice, class
 * order, auto problem), the stratified split (a permutation, deterministic,
 * class proportions), standardisation, and the refusals: each a negative
 * status and one line naming the file, the line (and the column where
 * there is one) and what is allowed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qnn/dataset.h"

#define PRESET_DATA QNN_PRESETS "/data/"

static qnn_dataset read_ok(const char *path, qnn_problem pb)
{
    qnn_dataset ds;
    char err[512] = "";
    qnn_dataset_opts o = {NULL, NULL, pb};
    int rc = qnn_dataset_read(path, &o, &ds, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: %s", path, err);
    return ds;
}

static int parse_s(const char *text, const char *features, const char *label, qnn_problem pb,
                   qnn_dataset *ds, char *err, size_t errlen)
{
    qnn_dataset_opts o = {features, label, pb};
    return qnn_dataset_parse(text, strlen(text), "t.csv", &o, ds, err, errlen);
}

static qnn_dataset parse_ok(const char *text, const char *features, const char *label, qnn_problem pb)
{
    qnn_dataset ds;
    char err[512] = "";
    if (parse_s(text, features, label, pb, &ds, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    return ds;
}

/* A refusal: status < 0, the data set empty, and the message starts with
 * `where` ("t.csv:3:2:") and says what is allowed (and holds `also`). */
static void refused_as(const char *text, size_t len, const char *features, const char *label,
                       qnn_problem pb, const char *where, const char *also)
{
    qnn_dataset ds;
    char err[512] = "";
    qnn_dataset_opts o = {features, label, pb};
    int rc = qnn_dataset_parse(text, len, "t.csv", &o, &ds, err, sizeof err);
    if (rc >= 0)
        fail_msg("accepted (%d rows) what should be refused at %s", ds.rows, where);
    if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, "allowed") ||
        (also && !strstr(err, also)))
        fail_msg("message '%s' does not start with '%s', say 'allowed' and hold '%s'", err, where,
                 also ? also : "");
    assert_int_equal(ds.rows, 0);
    assert_null(ds.X);
    assert_null(ds.y);
    assert_null(ds.class_names);
    assert_null(ds.feat_names);
}

static void refused(const char *text, const char *where, const char *also)
{
    refused_as(text, strlen(text), NULL, NULL, QNN_PROBLEM_AUTO, where, also);
}

static int count_class(const qnn_dataset *ds, const int *idx, int from, int to, int k)
{
    int c = 0;
    for (int i = from; i < to; i++)
        c += (int)ds->y[idx[i]] == k;
    return c;
}

/* ---- the shipped files -------------------------------------------------- */

static void test_moons(void **state)
{
    (void)state;
    qnn_dataset ds = read_ok(PRESET_DATA "moons.csv", QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 200);
    assert_int_equal(ds.nfeat, 2);
    assert_string_equal(ds.feat_names[0], "x1");
    assert_string_equal(ds.feat_names[1], "x2");
    assert_string_equal(ds.label_name, "label");
    assert_int_equal(ds.classes, 2);
    assert_string_equal(ds.class_names[0], "-1");
    assert_string_equal(ds.class_names[1], "1");
    /* the first row: 1.342014,-0.580696,1 */
    assert_true(ds.X[0] == 1.342014 && ds.X[1] == -0.580696);
    assert_true(ds.y[0] == 1.0);
    int n1 = 0;
    for (int i = 0; i < ds.rows; i++)
        n1 += ds.y[i] == 1.0;
    assert_int_equal(n1, 100);
    qnn_dataset_free(&ds);
    /* as a regression the labels are the numbers */
    ds = read_ok(PRESET_DATA "moons.csv", QNN_PROBLEM_REGRESSION);
    assert_int_equal(ds.classes, 0);
    assert_null(ds.class_names);
    assert_true(ds.y[0] == 1.0 && ds.y[1] == -1.0);
    qnn_dataset_free(&ds);
    assert_int_equal(ds.rows, 0);
}

static void test_circles(void **state)
{
    (void)state;
    qnn_dataset ds = read_ok(PRESET_DATA "circles.csv", QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 200);
    assert_int_equal(ds.nfeat, 2);
    assert_int_equal(ds.classes, 2);
    /* inner circle (class 1, label 1): radius about 0.5; outer about 1 */
    double r0 = 0, r1 = 0;
    for (int i = 0; i < ds.rows; i++) {
        double r = hypot(ds.X[2 * i], ds.X[2 * i + 1]);
        if (ds.y[i] == 1.0)
            r1 += r / 100;
        else
            r0 += r / 100;
    }
    assert_true(fabs(r0 - 1.0) < 0.03 && fabs(r1 - 0.5) < 0.03);
    qnn_dataset_free(&ds);
}

static void test_parity(void **state)
{
    (void)state;
    qnn_dataset ds = read_ok(PRESET_DATA "parity.csv", QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 16);
    assert_int_equal(ds.nfeat, 4);
    assert_string_equal(ds.feat_names[3], "b3");
    assert_int_equal(ds.classes, 2);
    for (int i = 0; i < 16; i++) {
        int ones = 0;
        for (int k = 0; k < 4; k++) {
            assert_true(ds.X[4 * i + k] == (double)((i >> k) & 1));
            ones += (i >> k) & 1;
        }
        /* class 0 is "-1" (odd), class 1 is "1" (even) */
        assert_true(ds.y[i] == (ones % 2 ? 0.0 : 1.0));
    }
    qnn_dataset_free(&ds);
}

static void test_iris(void **state)
{
    (void)state;
    qnn_dataset ds = read_ok(PRESET_DATA "iris.csv", QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 150);
    assert_int_equal(ds.nfeat, 4);
    assert_string_equal(ds.feat_names[0], "sepal_length");
    assert_string_equal(ds.label_name, "species");
    assert_int_equal(ds.classes, 3);
    assert_string_equal(ds.class_names[0], "setosa");
    assert_string_equal(ds.class_names[1], "versicolor");
    assert_string_equal(ds.class_names[2], "virginica");
    assert_true(ds.X[0] == 5.1 && ds.X[3] == 0.2 && ds.y[0] == 0.0);
    assert_true(ds.X[4 * 149] == 5.9 && ds.y[149] == 2.0);
    /* rows 35 and 38 as in Fisher's paper and R's datasets::iris */
    assert_true(ds.X[4 * 34 + 1] == 3.1 && ds.X[4 * 37 + 1] == 3.6);
    /* R: colMeans(iris[1:4]), apply(iris[1:4], 2, sd) * sqrt(149/150) */
    int all[150];
    for (int i = 0; i < 150; i++)
        all[i] = i;
    double mean[4], sd[4];
    qnn_dataset_moments(&ds, all, 150, mean, sd);
    const double m_ref[4] = {5.843333333333333, 3.057333333333333, 3.758, 1.199333333333333};
    const double s_ref[4] = {0.8280661279778629, 0.4358662849366982, 1.7652982332594667, 0.7622376689603465};
    for (int f = 0; f < 4; f++) {
        assert_true(fabs(mean[f] - m_ref[f]) < 1e-12);
        assert_true(fabs(sd[f] - s_ref[f] * sqrt(149.0 / 150.0)) < 1e-12);
    }
    qnn_dataset_free(&ds);
}

/* ---- split and moments -------------------------------------------------- */

static void test_split(void **state)
{
    (void)state;
    qnn_dataset ds = read_ok(PRESET_DATA "iris.csv", QNN_PROBLEM_AUTO);
    int a[150], b[150], c[150], na, nb, nc;
    qnn_dataset_split(&ds, 0.2, 7, a, &na);
    qnn_dataset_split(&ds, 0.2, 7, b, &nb);
    qnn_dataset_split(&ds, 0.2, 8, c, &nc);
    assert_int_equal(na, 120);
    assert_int_equal(nb, 120);
    assert_int_equal(nc, 120);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    int seen[150] = {0};
    for (int i = 0; i < 150; i++) {
        assert_true(a[i] >= 0 && a[i] < 150);
        seen[a[i]]++;
    }
    for (int i = 0; i < 150; i++)
        assert_int_equal(seen[i], 1);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(count_class(&ds, a, 0, na, k), 40);
        assert_int_equal(count_class(&ds, a, na, 150, k), 10);
    }
    /* the training part is mixed: not one class after another */
    assert_false(count_class(&ds, a, 0, 40, 0) == 40 || count_class(&ds, a, 0, 40, 1) == 40 ||
                 count_class(&ds, a, 0, 40, 2) == 40);
    /* round per class: 0.1 of 50 = 5 each; 0 keeps all; 1 keeps one a class */
    qnn_dataset_split(&ds, 0.1, 7, a, &na);
    assert_int_equal(na, 135);
    qnn_dataset_split(&ds, 0.0, 7, a, &na);
    assert_int_equal(na, 150);
    qnn_dataset_split(&ds, 1.0, 7, a, &na);
    assert_int_equal(na, 3);
    for (int k = 0; k < 3; k++)
        assert_int_equal(count_class(&ds, a, 0, na, k), 1);
    qnn_dataset_split(&ds, NAN, 7, a, &na);
    assert_int_equal(na, 150);
    qnn_dataset_free(&ds);

    /* moons, 25 %: 25 of each class in the test part */
    ds = read_ok(PRESET_DATA "moons.csv", QNN_PROBLEM_AUTO);
    int m[200], nm;
    qnn_dataset_split(&ds, 0.25, 1, m, &nm);
    assert_int_equal(nm, 150);
    assert_int_equal(count_class(&ds, m, nm, 200, 0), 25);
    assert_int_equal(count_class(&ds, m, nm, 200, 1), 25);
    qnn_dataset_free(&ds);

    /* a regression: one group, round(0.3 · 10) = 3 test rows */
    ds = parse_ok("x,y\n1,0.5\n2,0.25\n3,1.5\n4,2.5\n5,3.5\n6,4.5\n7,5.5\n8,6.5\n9,7.5\n10,8.5\n", NULL, NULL,
                  QNN_PROBLEM_AUTO);
    assert_int_equal(ds.classes, 0);
    int r[10], nr;
    qnn_dataset_split(&ds, 0.3, 99, r, &nr);
    assert_int_equal(nr, 7);
    int s2[10] = {0};
    for (int i = 0; i < 10; i++)
        s2[r[i]]++;
    for (int i = 0; i < 10; i++)
        assert_int_equal(s2[i], 1);
    qnn_dataset_free(&ds);
}

static void test_moments(void **state)
{
    (void)state;
    qnn_dataset ds = parse_ok("a,b,c,y\n1,5,1e300,0\n2,5,-1e300,1\n3,5,1e300,0\n4,5,-1e300,1\n", NULL, NULL,
                              QNN_PROBLEM_AUTO);
    int all[4] = {0, 1, 2, 3};
    double mean[3], sd[3];
    qnn_dataset_moments(&ds, all, 4, mean, sd);
    assert_true(fabs(mean[0] - 2.5) < 1e-15 && fabs(sd[0] - sqrt(1.25)) < 1e-15);
    /* a constant feature is only centred */
    assert_true(mean[1] == 5.0 && sd[1] == 1.0);
    /* huge values do not overflow */
    assert_true(fabs(mean[2]) < 1e285 && fabs(sd[2] / 1e300 - 1.0) < 1e-12);
    /* the training rows only */
    int two[2] = {0, 2};
    qnn_dataset_moments(&ds, two, 2, mean, sd);
    assert_true(mean[0] == 2.0 && sd[0] == 1.0);
    /* standardised training rows: mean 0, sd 1 */
    qnn_dataset_free(&ds);
    ds = read_ok(PRESET_DATA "moons.csv", QNN_PROBLEM_AUTO);
    int idx[200], nt;
    qnn_dataset_split(&ds, 0.25, 3, idx, &nt);
    qnn_dataset_moments(&ds, idx, nt, mean, sd);
    for (int f = 0; f < 2; f++) {
        double s = 0, q = 0;
        for (int i = 0; i < nt; i++) {
            double z = (ds.X[2 * idx[i] + f] - mean[f]) / sd[f];
            s += z;
            q += z * z;
        }
        assert_true(fabs(s / nt) < 1e-12 && fabs(q / nt - 1.0) < 1e-12);
    }
    qnn_dataset_free(&ds);
}

/* ---- the reader's rules ------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    /* BOM, CRLF, quotes, spaces, blank lines at the end, exponent forms */
    qnn_dataset ds = parse_ok("\xEF\xBB\xBF\"a\", b ,y\r\n 1.5 ,\" -2e-3 \",1\r\n+.5,3.,2\r\n\r\n\n  \n", NULL, NULL,
                              QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 2);
    assert_string_equal(ds.feat_names[0], "a");
    assert_string_equal(ds.feat_names[1], "b");
    assert_true(ds.X[0] == 1.5 && ds.X[1] == -2e-3 && ds.X[2] == 0.5 && ds.X[3] == 3.0);
    assert_int_equal(ds.classes, 2);
    qnn_dataset_free(&ds);
    /* no newline at the end; a lone CR ends a line too */
    ds = parse_ok("a,y\r1,0\r2,1", NULL, NULL, QNN_PROBLEM_AUTO);
    assert_int_equal(ds.rows, 2);
    qnn_dataset_free(&ds);
    /* label and features by name; a column neither is not read */
    ds = parse_ok("id,y,a,b\nfirst,1,10,20\nsecond,2,30,40\nthird,1,50,60\n", "b, a", "y", QNN_PROBLEM_AUTO);
    assert_int_equal(ds.nfeat, 2);
    assert_string_equal(ds.feat_names[0], "b"); /* in the order of the list */
    assert_string_equal(ds.feat_names[1], "a");
    assert_true(ds.X[0] == 20 && ds.X[1] == 10 && ds.X[5] == 50);
    assert_int_equal(ds.classes, 2);
    assert_true(ds.y[0] == 0 && ds.y[1] == 1 && ds.y[2] == 0);
    qnn_dataset_free(&ds);
    /* numbers as classes sort numerically and get their shortest name */
    ds = parse_ok("a,y\n1,10\n2,2\n3,-1.0\n4,2.0\n", NULL, NULL, QNN_PROBLEM_AUTO);
    assert_int_equal(ds.classes, 3);
    assert_string_equal(ds.class_names[0], "-1");
    assert_string_equal(ds.class_names[1], "2");
    assert_string_equal(ds.class_names[2], "10");
    assert_true(ds.y[0] == 2 && ds.y[1] == 1 && ds.y[2] == 0 && ds.y[3] == 1);
    qnn_dataset_free(&ds);
    /* words sort by their bytes; quoted words keep commas */
    ds = parse_ok("a,y\n1,b\n2,\"a, c\"\n3,B\n", NULL, NULL, QNN_PROBLEM_AUTO);
    assert_int_equal(ds.classes, 3);
    assert_string_equal(ds.class_names[0], "B");
    assert_string_equal(ds.class_names[1], "a, c");
    assert_string_equal(ds.class_names[2], "b");
    qnn_dataset_free(&ds);
    /* auto: non-integer values or more than 16 are a regression */
    ds = parse_ok("a,y\n1,0.5\n2,1\n", NULL, NULL, QNN_PROBLEM_AUTO);
    assert_int_equal(ds.classes, 0);
    qnn_dataset_free(&ds);
    char big[1024] = "a,y\n";
    for (int i = 0; i < 17; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%d,%d\n", i, i);
    ds = parse_ok(big, NULL, NULL, QNN_PROBLEM_AUTO);
    assert_int_equal(ds.classes, 0);
    assert_int_equal(ds.rows, 17);
    qnn_dataset_free(&ds);
    /* classification asked for: non-integers are classes */
    ds = parse_ok("a,y\n1,0.5\n2,1\n3,0.5\n", NULL, NULL, QNN_PROBLEM_CLASSIFICATION);
    assert_int_equal(ds.classes, 2);
    assert_string_equal(ds.class_names[0], "0.5");
    qnn_dataset_free(&ds);
    /* a regression with a constant target is allowed */
    ds = parse_ok("a,y\n1,0.5\n2,0.5\n", NULL, NULL, QNN_PROBLEM_REGRESSION);
    assert_int_equal(ds.classes, 0);
    qnn_dataset_free(&ds);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_refusals(void **state)
{
    (void)state;
    /* ragged rows: both counts */
    refused("a,b,y\n1,2,1\n1,2\n", "t.csv:3:", "2 cells, the header 3");
    refused("a,b,y\n1,2,1\n2,2,0\n1,2,3,4\n", "t.csv:4:", "4 cells, the header 3");
    /* cells that are not numbers: line, column, header name, value */
    refused("a,b,y\n1,2,1\n1,abc,0\n", "t.csv:3:2:", "column 'b': value 'abc' is not a number");
    refused("a,b,y\n1,0x10,1\n1,2,0\n", "t.csv:2:2:", "'0x10'");
    refused("a,b,y\n1,1.2.3,1\n1,2,0\n", "t.csv:2:2:", NULL);
    refused("a,b,y\n1,NaN,1\n1,2,0\n", "t.csv:2:2:", "not finite");
    refused("a,b,y\n1,2,1\n-inf,2,0\n", "t.csv:3:1:", "not finite");
    refused("a,b,y\n1,2,1\n1e999,2,0\n", "t.csv:3:1:", "out of range");
    refused("a,b,y\n1,,1\n1,2,0\n", "t.csv:2:2:", "is empty");
    refused("a,b,y\n1,\"\",1\n1,2,0\n", "t.csv:2:2:", "is empty");
    refused("a,b,y\n1,2,nan\n1,2,0\n", "t.csv:2:3:", "label column 'y'");
    refused("a,b,y\n1,2,\n1,2,0\n", "t.csv:2:3:", "is empty");
    /* control characters are escaped, long values cut */
    refused("a,b,y\n1,\"x\x01y\",1\n", "t.csv:2:2:", "'x\\x01y'");
    refused("a,b,y\n1,abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz,1\n", "t.csv:2:2:",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmn\xE2\x80\xA6'");
    /* the label: one class, too many classes, words in a regression */
    refused("a,y\n1,1\n2,1\n3,1\n", "t.csv:2:2:", "one class ('1')");
    refused("a,y\n1,cat\n2,cat\n", "t.csv:2:2:", "one class ('cat')");
    char many[1024] = "a,y\n";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%d,%d\n", i, i);
    refused_as(many, strlen(many), NULL, NULL, QNN_PROBLEM_CLASSIFICATION, "t.csv:2:2:", "at most 16 classes");
    char words[1024] = "a,y\n";
    for (int i = 0; i < 17; i++)
        snprintf(words + strlen(words), sizeof words - strlen(words), "%d,w%d\n", i, i);
    refused(words, "t.csv:2:", "at most 16 classes");
    refused_as("a,y\n1,1\n2,cat\n", 14, NULL, NULL, QNN_PROBLEM_REGRESSION, "t.csv:3:2:", "regression");
    /* the header: duplicate, empty, header only, empty file, one column */
    refused("a,a,y\n1,2,1\n1,2,0\n", "t.csv:1:2:", "twice");
    refused("a,,y\n1,2,1\n1,2,0\n", "t.csv:1:2:", "is empty");
    refused("a,b,y\n", "t.csv:2:", "no data rows");
    refused("a,b,y\n1,2,1\n", "t.csv:3:", "one data row");
    refused("", "t.csv:1:", "empty");
    refused("\n\n", "t.csv:1:", "empty");
    refused("y\n1\n0\n", "t.csv:1:", "at least one feature");
    /* label and features named that are not there */
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, "a,c", NULL, QNN_PROBLEM_AUTO, "t.csv:1:", "no column 'c'");
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, "a,c", NULL, QNN_PROBLEM_AUTO, "t.csv:1:", "a, b, y");
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, NULL, "z", QNN_PROBLEM_AUTO, "t.csv:1:", "no column 'z'");
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, "a,y", NULL, QNN_PROBLEM_AUTO, "t.csv:1:", "is the label");
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, "a,a", NULL, QNN_PROBLEM_AUTO, "t.csv:1:", "twice");
    refused_as("a,b,y\n1,2,1\n1,2,0\n", 18, "a,,b", NULL, QNN_PROBLEM_AUTO, "t.csv:1:", "empty name");
    /* quotes */
    refused("a,b,y\n1,\"2,1\n1,2,0\n", "t.csv:2:2:", "never closed");
    refused("a,b,y\n1,2\"3,1\n", "t.csv:2:2:", "quote");
    refused("a,b,y\n1,\"2\"3,1\n", "t.csv:2:2:", "quote");
    /* a nul byte inside a cell */
    refused_as("a,b,y\n1,2\0003,1\n1,2,0\n", 20, NULL, NULL, QNN_PROBLEM_AUTO, "t.csv:2:2:", "\\x00");
    /* not UTF-8 in a class name */
    refused("a,y\n1,\xFF\n2,b\n", "t.csv:2:2:", "\\xFF");
}

static void test_limits(void **state)
{
    (void)state;
    /* columns: 1025 in the header */
    size_t cap = 8 * 1100;
    char *t = malloc(cap);
    size_t n = 0;
    for (int c = 0; c <= QNN_DATA_MAX_COLS; c++)
        n += (size_t)snprintf(t + n, cap - n, "%sc%d", c ? "," : "", c);
    n += (size_t)snprintf(t + n, cap - n, "\n");
    refused_as(t, n, NULL, NULL, QNN_PROBLEM_AUTO, "t.csv:1:1025:", "at most 1024 columns");
    free(t);
    /* rows: 10^6 + 1 */
    cap = 4 * ((size_t)QNN_DATA_MAX_ROWS + 2) + 16;
    t = malloc(cap);
    n = (size_t)snprintf(t, cap, "a,y\n");
    for (int i = 0; i <= QNN_DATA_MAX_ROWS; i++) {
        memcpy(t + n, i % 2 ? "1,1\n" : "0,0\n", 4);
        n += 4;
    }
    char lim[64];
    snprintf(lim, sizeof lim, "t.csv:%d:", QNN_DATA_MAX_ROWS + 2);
    refused_as(t, n, NULL, NULL, QNN_PROBLEM_AUTO, lim, "at most 1000000 rows");
    /* exactly 10^6 rows are read */
    qnn_dataset ds;
    char err[512];
    qnn_dataset_opts o = {NULL, NULL, QNN_PROBLEM_AUTO};
    assert_int_equal(qnn_dataset_parse(t, n - 4, "t.csv", &o, &ds, err, sizeof err), 0);
    assert_int_equal(ds.rows, QNN_DATA_MAX_ROWS);
    qnn_dataset_free(&ds);
    free(t);
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/qnn-dataset-XXXXXX";
    assert_non_null(mkdtemp(dir));
    qnn_dataset ds;
    char err[512], path[256];
    qnn_dataset_opts o = {NULL, NULL, QNN_PROBLEM_AUTO};
    /* a directory */
    assert_true(qnn_dataset_read(dir, &o, &ds, err, sizeof err) == QNN_E_FILE);
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, "directory"));
    assert_non_null(strstr(err, "allowed"));
    /* a missing file */
    snprintf(path, sizeof path, "%s/none.csv", dir);
    assert_true(qnn_dataset_read(path, &o, &ds, err, sizeof err) == QNN_E_FILE);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "allowed"));
    /* a file beyond 64 MiB (sparse: nothing is written) */
    snprintf(path, sizeof path, "%s/big.csv", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)QNN_DATA_MAX_BYTES + 1), 0);
    close(fd);
    assert_true(qnn_dataset_read(path, &o, &ds, err, sizeof err) == QNN_E_FILE);
    assert_non_null(strstr(err, "big.csv"));
    assert_non_null(strstr(err, "at most 67108864 bytes"));
    unlink(path);
    /* a file written here, refused with its path and line */
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a,b,label\n1,2,1\n3,x,0\n", f);
    fclose(f);
    assert_true(qnn_dataset_read(path, &o, &ds, err, sizeof err) == QNN_E_FORMAT);
    char want[300];
    snprintf(want, sizeof want, "%s:3:2:", path);
    assert_non_null(strstr(err, want));
    assert_null(ds.X);
    /* and read when good */
    f = fopen(path, "w");
    fputs("a,b,label\n1,2,1\n3,4,0\n", f);
    fclose(f);
    assert_int_equal(qnn_dataset_read(path, &o, &ds, err, sizeof err), 0);
    assert_int_equal(ds.rows, 2);
    qnn_dataset_free(&ds);
    unlink(path);
    rmdir(dir);
    /* the parse limit on bytes comes first (the text is not read) */
    assert_true(qnn_dataset_parse("", (size_t)QNN_DATA_MAX_BYTES + 1, "t.csv", &o, &ds, err, sizeof err) ==
                QNN_E_SIZE);
    assert_non_null(strstr(err, "allowed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moons),   cmocka_unit_test(test_circles), cmocka_unit_test(test_parity),
        cmocka_unit_test(test_iris),    cmocka_unit_test(test_split),   cmocka_unit_test(test_moments),
        cmocka_unit_test(test_format),  cmocka_unit_test(test_refusals), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
