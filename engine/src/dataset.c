/* CSV data sets of the circuit model (qnn/dataset.h; docs/CIRCUITS.md,
 * "Data"): the table is cut into cells by libcsv (strict quoting), then
 * checked here row by row.
 *
 * libcsv keeps no line numbers, so the text goes to csv_parse one physical
 * line at a time (a line ends after "\n", "\r\n" or a lone "\r"); a cell's
 * callback then runs while its line is being fed, and the line it names is
 * the line where the cell ends. The cells of a row are kept (the first
 * ncols + 1 of them) until the row ends, so that a ragged row is reported
 * as ragged before any of its cells is parsed. */
#include "qnn/dataset.h"
#include "qnn/file.h"
#include "qnn/text.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW_VALUE 40      /* bytes of a value shown in a message */
#define SHOW_NAME 200      /* bytes of a file name shown in a message */
#define MAX_NUMBER_LEN 128 /* characters of a numeric cell */

#define NUMBER_ALLOWED "a finite decimal number such as -1.5, 3 or 2e-3 (no NaN, inf, hexadecimal or empty cells)"
#define NAME_ALLOWED "1 to " QNN_STR(QNN_DATA_MAX_NAME) " bytes of UTF-8 text without control characters"
#define QNN_STR2(x) #x
#define QNN_STR(x) QNN_STR2(x)

/* ---- messages ----------------------------------------------------------- */

/* s (len bytes) as it appears in a message (qnn/text.h). */
static void escape(const char *s, size_t len, size_t show, char *out, size_t outlen)
{
    qnn_text_quote(s, len, show, out, outlen);
}

/* ---- the reader's state ------------------------------------------------- */

typedef struct cell {
    size_t off, len; /* in reader.buf; len 0: empty */
    int line;
    int quoted_empty; /* "" (not a blank line when alone) */
} cell;

typedef struct reader {
    char name[SHOW_NAME * 4 + 16]; /* escaped for messages */
    const qnn_dataset_opts *o;
    char *err;
    size_t errlen;
    int rc; /* first failure; callbacks do nothing once set */

    int line;          /* the line being fed */
    int next_row_line; /* the line after the last row's end */

    /* the row being read */
    cell *cells;
    int ncells, cap_cells; /* kept cells; ncount counts them all */
    int ncount;
    char *buf;
    size_t nbuf, cap_buf;

    /* the header */
    int ncols;
    char **hdr;
    int *feat_of_col; /* ncols: feature index or -1 */
    int label_col, nfeat;

    /* the data */
    int rows, cap_rows, first_line;
    double *X, *yv;
    int *ytext;                             /* index into texts, or -1 */
    char *texts[QNN_DATA_MAX_CLASSES + 1];  /* distinct label texts */
    int ntexts, texts_over;
    int word_line;                           /* first label cell that is not a number */
    char word_show[SHOW_VALUE * 4 + 16];
    const char *word_why;
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(reader *r, int code, const char *fmt, ...)
{
    if (r->rc)
        return;
    r->rc = code;
    if (r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
}

/* ---- cells -------------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The cell's text without the spaces and tabs around it (libcsv trims
 * unquoted cells; a quoted " 1.5 " is trimmed here), nul-terminated. */
static char *cell_text(reader *r, const cell *c, size_t *len)
{
    char *s = r->buf + c->off;
    size_t n = c->len;
    while (n && is_blank(*s))
        s++, n--;
    while (n && is_blank(s[n - 1]))
        n--;
    s[n] = '\0';
    *len = n;
    return s;
}

/* Parses a decimal number: [+-] digits [. digits] [(e|E) [+-] digits], or
 * with the digits after the point only. 0, or the reason it is not one. */
static const char *parse_number(const char *s, size_t n, double *v)
{
    if (n == 0)
        return "is empty";
    if (n > MAX_NUMBER_LEN)
        return "is too long for a number (more than " QNN_STR(MAX_NUMBER_LEN) " characters)";
    size_t i = 0, mant = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    {
        size_t j = i;
        while (j < n && (s[j] == 'n' || s[j] == 'N' || s[j] == 'a' || s[j] == 'A' || s[j] == 'i' ||
                         s[j] == 'I' || s[j] == 'f' || s[j] == 'F' || s[j] == 't' || s[j] == 'T' ||
                         s[j] == 'y' || s[j] == 'Y' || s[j] == '(' || s[j] == ')'))
            j++;
        if (j == n && n - i >= 3 &&
            (strncasecmp(s + i, "nan", 3) == 0 || strncasecmp(s + i, "inf", 3) == 0))
            return "is not finite (NaN or infinity)";
    }
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, mant++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, mant++;
    }
    if (mant == 0)
        return "is not a number";
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d++;
        if (d == 0)
            return "is not a number";
    }
    if (i != n)
        return "is not a number";
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s + n)
        return "is not a number";
    if (!isfinite(x))
        return "is out of range (beyond +-1.8e308)";
    *v = x;
    return NULL;
}

/* 0 when s (n bytes) is a name: 1 .. QNN_DATA_MAX_NAME bytes of UTF-8
 * without control characters; otherwise the reason. */
static const char *check_name(const char *s, size_t n)
{
    if (n == 0)
        return "is empty";
    if (n > QNN_DATA_MAX_NAME)
        return "is too long";
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = qnn_utf8_seq(u + i, n - i);
        if (k == 0)
            return "is not UTF-8";
        if (u[i] < 0x20 || u[i] == 0x7F || (k == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0))
            return "holds a control character";
        i += k;
    }
    return NULL;
}

/* ---- the header --------------------------------------------------------- */

/* "a, b, c" of the header's names, cut to fit out. */
static void column_list(const reader *r, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (int c = 0; c < r->ncols; c++) {
        char e[SHOW_VALUE * 4 + 16];
        escape(r->hdr[c], strlen(r->hdr[c]), SHOW_VALUE, e, sizeof e);
        size_t need = strlen(e) + 2;
        if (o + need + 8 >= outlen) {
            snprintf(out + o, outlen - o, "%s\xE2\x80\xA6", c ? ", " : "");
            return;
        }
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", c ? ", " : "", e);
    }
}

/* The column among the first `upto` named s (n bytes), or -1. */
static int find_column_in(const reader *r, int upto, const char *s, size_t n)
{
    for (int c = 0; c < upto; c++)
        if (strlen(r->hdr[c]) == n && memcmp(r->hdr[c], s, n) == 0)
            return c;
    return -1;
}

static int find_column(const reader *r, const char *s, size_t n)
{
    return find_column_in(r, r->ncols, s, n);
}

/* The header row is in r->cells: names, label and features. */
static void take_header(reader *r)
{
    const int line = r->cells[0].line;
    r->ncols = r->ncount;
    r->hdr = calloc((size_t)r->ncols, sizeof *r->hdr);
    r->feat_of_col = malloc((size_t)r->ncols * sizeof *r->feat_of_col);
    if (!r->hdr || !r->feat_of_col) {
        fail(r, QNN_E_NOMEM, "%s: the header of %d columns does not fit in memory; allowed: a smaller table", r->name, r->ncols);
        return;
    }
    for (int c = 0; c < r->ncols; c++) {
        size_t n;
        char *s = cell_text(r, &r->cells[c], &n);
        const char *why = check_name(s, n);
        if (why) {
            char e[SHOW_VALUE * 4 + 16];
            escape(s, n, SHOW_VALUE, e, sizeof e);
            fail(r, QNN_E_FORMAT, "%s:%d:%d: the header's name '%s' %s; allowed: a header row of column names, each " NAME_ALLOWED,
                 r->name, r->cells[c].line, c + 1, e, why);
            return;
        }
        const int twin = find_column_in(r, c, s, n);
        if (twin >= 0) {
            char e[SHOW_VALUE * 4 + 16];
            escape(s, n, SHOW_VALUE, e, sizeof e);
            fail(r, QNN_E_FORMAT, "%s:%d:%d: the header names column '%s' twice (column %d too); allowed: distinct column names",
                 r->name, r->cells[c].line, c + 1, e, twin + 1);
            return;
        }
        r->hdr[c] = strdup(s);
        if (!r->hdr[c]) {
            fail(r, QNN_E_NOMEM, "%s: out of memory reading the header; allowed: a smaller table", r->name);
            return;
        }
    }
    char list[512];
    const char *lab = r->o && r->o->label ? r->o->label : "";
    if (lab[0]) {
        r->label_col = find_column(r, lab, strlen(lab));
        if (r->label_col < 0) {
            char e[SHOW_VALUE * 4 + 16];
            escape(lab, strlen(lab), SHOW_VALUE, e, sizeof e);
            column_list(r, list, sizeof list);
            fail(r, QNN_E_RELATION, "%s:%d: key 'label': no column '%s' in the header; allowed: one of its columns %s",
                 r->name, line, e, list);
            return;
        }
    } else
        r->label_col = r->ncols - 1;
    for (int c = 0; c < r->ncols; c++)
        r->feat_of_col[c] = -1;
    const char *fl = r->o && r->o->features ? r->o->features : "";
    r->nfeat = 0;
    if (!fl[0]) {
        for (int c = 0; c < r->ncols; c++)
            if (c != r->label_col)
                r->feat_of_col[c] = r->nfeat++;
    } else {
        const char *p = fl;
        for (;;) {
            const char *q = strchr(p, ',');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            const char *s = p;
            while (n && is_blank(*s))
                s++, n--;
            while (n && is_blank(s[n - 1]))
                n--;
            char e[SHOW_VALUE * 4 + 16];
            escape(s, n, SHOW_VALUE, e, sizeof e);
            int c = n ? find_column(r, s, n) : -1;
            column_list(r, list, sizeof list);
            if (n == 0) {
                fail(r, QNN_E_RELATION, "%s:%d: key 'features': an empty name in the list; allowed: a comma list of column names of the header: %s",
                     r->name, line, list);
                return;
            }
            if (c < 0) {
                fail(r, QNN_E_RELATION, "%s:%d: key 'features': no column '%s' in the header; allowed: a comma list of its columns %s",
                     r->name, line, e, list);
                return;
            }
            if (c == r->label_col) {
                fail(r, QNN_E_RELATION, "%s:%d: key 'features': column '%s' is the label; allowed: columns other than the label '%s'",
                     r->name, line, e, r->hdr[r->label_col]);
                return;
            }
            if (r->feat_of_col[c] >= 0) {
                fail(r, QNN_E_RELATION, "%s:%d: key 'features': column '%s' is named twice; allowed: each column once",
                     r->name, line, e);
                return;
            }
            r->feat_of_col[c] = r->nfeat++;
            if (!q)
                break;
            p = q + 1;
        }
    }
    if (r->nfeat == 0)
        fail(r, QNN_E_FORMAT, "%s:%d: the header has the label column '%s' only; allowed: at least one feature column besides the label",
             r->name, line, r->hdr[r->label_col]);
}

/* ---- the rows ----------------------------------------------------------- */

static int grow_rows(reader *r)
{
    if (r->rows < r->cap_rows)
        return 0;
    int cap = r->cap_rows ? r->cap_rows * 2 : 64;
    if (cap > QNN_DATA_MAX_ROWS)
        cap = QNN_DATA_MAX_ROWS;
    double *X = realloc(r->X, (size_t)cap * (size_t)r->nfeat * sizeof *X);
    if (X)
        r->X = X;
    double *yv = realloc(r->yv, (size_t)cap * sizeof *yv);
    if (yv)
        r->yv = yv;
    int *yt = realloc(r->ytext, (size_t)cap * sizeof *yt);
    if (yt)
        r->ytext = yt;
    if (!X || !yv || !yt)
        return -1;
    r->cap_rows = cap;
    return 0;
}

/* The label cell of a data row: its number (when it is one) and its text
 * among the distinct texts (while there are at most 16 + 1 of them). */
static void take_label(reader *r, const cell *c, char *s, size_t n)
{
    double v = 0.0;
    const char *why = parse_number(s, n, &v);
    char e[SHOW_VALUE * 4 + 16];
    if (why && (n == 0 || strstr(why, "finite") || strstr(why, "range"))) {
        escape(s, n, SHOW_VALUE, e, sizeof e);
        fail(r, QNN_E_FORMAT, "%s:%d:%d: label column '%s': value '%s' %s; allowed: " NUMBER_ALLOWED ", or a class name",
             r->name, c->line, r->label_col + 1, r->hdr[r->label_col], e, why);
        return;
    }
    if (why) {
        const char *bad = check_name(s, n);
        if (bad) {
            escape(s, n, SHOW_VALUE, e, sizeof e);
            fail(r, QNN_E_FORMAT, "%s:%d:%d: label column '%s': value '%s' is not a number and as a class name %s; allowed: " NUMBER_ALLOWED ", or a class name of " NAME_ALLOWED,
                 r->name, c->line, r->label_col + 1, r->hdr[r->label_col], e, bad);
            return;
        }
        if (!r->word_line) {
            r->word_line = c->line;
            escape(s, n, SHOW_VALUE, r->word_show, sizeof r->word_show);
            r->word_why = why;
        }
        v = NAN;
    }
    r->yv[r->rows] = v;
    r->ytext[r->rows] = -1;
    if (n > QNN_DATA_MAX_NAME)
        r->texts_over = 1; /* a long number: no class name */
    if (r->texts_over)
        return;
    for (int k = 0; k < r->ntexts; k++)
        if (strcmp(r->texts[k], s) == 0) {
            r->ytext[r->rows] = k;
            return;
        }
    if (r->ntexts == QNN_DATA_MAX_CLASSES) {
        r->texts_over = 1;
        return;
    }
    r->texts[r->ntexts] = strdup(s);
    if (!r->texts[r->ntexts]) {
        fail(r, QNN_E_NOMEM, "%s: out of memory reading the labels; allowed: a smaller table", r->name);
        return;
    }
    r->ytext[r->rows] = r->ntexts++;
}

/* A data row is in r->cells. */
static void take_row(reader *r)
{
    const int line = r->cells[0].line;
    if (r->ncount != r->ncols) {
        fail(r, QNN_E_FORMAT, "%s:%d: the row has %d cell%s, the header %d; allowed: %d cells in every row",
             r->name, line, r->ncount, r->ncount == 1 ? "" : "s", r->ncols, r->ncols);
        return;
    }
    if (r->rows == QNN_DATA_MAX_ROWS) {
        fail(r, QNN_E_SIZE, "%s:%d: more than %d data rows; allowed: at most %d rows", r->name, line,
             QNN_DATA_MAX_ROWS, QNN_DATA_MAX_ROWS);
        return;
    }
    if (grow_rows(r) != 0) {
        fail(r, QNN_E_NOMEM, "%s:%d: the table does not fit in memory; allowed: a smaller table", r->name, line);
        return;
    }
    if (!r->rows)
        r->first_line = line;
    for (int c = 0; c < r->ncols && !r->rc; c++) {
        size_t n;
        char *s = cell_text(r, &r->cells[c], &n);
        if (c == r->label_col) {
            take_label(r, &r->cells[c], s, n);
            continue;
        }
        const int f = r->feat_of_col[c];
        if (f < 0)
            continue; /* a column that is not used */
        double v;
        const char *why = parse_number(s, n, &v);
        if (why) {
            char e[SHOW_VALUE * 4 + 16];
            escape(s, n, SHOW_VALUE, e, sizeof e);
            fail(r, QNN_E_FORMAT, "%s:%d:%d: column '%s': value '%s' %s; allowed: " NUMBER_ALLOWED,
                 r->name, r->cells[c].line, c + 1, r->hdr[c], e, why);
            return;
        }
        r->X[(size_t)r->rows * (size_t)r->nfeat + (size_t)f] = v;
    }
    if (!r->rc)
        r->rows++;
}

/* ---- libcsv's callbacks ------------------------------------------------- */

static void on_cell(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->rc)
        return;
    r->ncount++;
    const int keep = r->ncols ? r->ncols + 1 : QNN_DATA_MAX_COLS;
    if (!r->ncols && r->ncount > QNN_DATA_MAX_COLS) {
        fail(r, QNN_E_SIZE, "%s:%d:%d: the header has more than %d columns; allowed: at most %d columns",
             r->name, r->line, r->ncount, QNN_DATA_MAX_COLS, QNN_DATA_MAX_COLS);
        return;
    }
    if (r->ncells >= keep)
        return; /* counted only: the row is ragged */
    if (r->ncells == r->cap_cells) {
        int cap = r->cap_cells ? r->cap_cells * 2 : 16;
        cell *c = realloc(r->cells, (size_t)cap * sizeof *c);
        if (!c) {
            fail(r, QNN_E_NOMEM, "%s:%d: out of memory; allowed: a smaller table", r->name, r->line);
            return;
        }
        r->cells = c;
        r->cap_cells = cap;
    }
    if (r->nbuf + len + 1 > r->cap_buf) {
        size_t cap = r->cap_buf ? r->cap_buf : 256;
        while (cap < r->nbuf + len + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            fail(r, QNN_E_NOMEM, "%s:%d: out of memory; allowed: a smaller table", r->name, r->line);
            return;
        }
        r->buf = b;
        r->cap_buf = cap;
    }
    cell *c = &r->cells[r->ncells++];
    c->off = r->nbuf;
    c->len = s ? len : 0;
    c->line = r->line;
    c->quoted_empty = s != NULL && len == 0;
    if (s && len)
        memcpy(r->buf + r->nbuf, s, len);
    r->nbuf += c->len;
    r->buf[r->nbuf++] = '\0';
}

static void on_row(int ch, void *data)
{
    reader *r = data;
    (void)ch;
    r->next_row_line = r->line + 1;
    if (!r->rc && r->ncount > 0) {
        /* a row of one unquoted empty cell is a blank line */
        if (!(r->ncount == 1 && r->cells[0].len == 0 && !r->cells[0].quoted_empty)) {
            if (!r->ncols)
                take_header(r);
            else
                take_row(r);
        }
    }
    r->ncells = r->ncount = 0;
    r->nbuf = 0;
}

/* ---- the labels --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The name of a numeric class: an integer below 10^15 in full ("-1",
 * "10"), otherwise the shortest %g text that reads back as v ("2.5"). */
static void number_name(double v, char *out, size_t outlen)
{
    v += 0.0; /* -0 is 0 */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, outlen, "%.0f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, outlen, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* After the last row: regression or classes, and y. */
static void finish_labels(reader *r, qnn_dataset *ds)
{
    const qnn_problem pb = r->o ? r->o->problem : QNN_PROBLEM_AUTO;
    const char *lname = r->hdr[r->label_col];
    const int lcol = r->label_col + 1;
    const int n = r->rows;
    ds->y = malloc((size_t)n * sizeof *ds->y);
    if (!ds->y) {
        fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
        return;
    }
    if (r->word_line) {
        /* the label holds words: class names */
        if (pb == QNN_PROBLEM_REGRESSION || (r->texts_over && pb == QNN_PROBLEM_AUTO)) {
            int some_numbers = 0;
            for (int i = 0; i < n && !some_numbers; i++)
                some_numbers = !isnan(r->yv[i]);
            if (pb == QNN_PROBLEM_REGRESSION || some_numbers) {
                fail(r, QNN_E_FORMAT, "%s:%d:%d: label column '%s': value '%s' %s; allowed: " NUMBER_ALLOWED "%s",
                     r->name, r->word_line, lcol, lname, r->word_show, r->word_why,
                     pb == QNN_PROBLEM_REGRESSION ? " (the label of a regression)"
                                                  : ", or at most " QNN_STR(QNN_DATA_MAX_CLASSES) " class names");
                return;
            }
        }
        if (r->texts_over) {
            fail(r, QNN_E_FORMAT, "%s:%d: label column '%s' holds more than %d class names; allowed: at most %d classes",
                 r->name, r->first_line, lname, QNN_DATA_MAX_CLASSES, QNN_DATA_MAX_CLASSES);
            return;
        }
        char *sorted[QNN_DATA_MAX_CLASSES + 1];
        int rank[QNN_DATA_MAX_CLASSES + 1];
        memcpy(sorted, r->texts, (size_t)r->ntexts * sizeof *sorted);
        qsort(sorted, (size_t)r->ntexts, sizeof *sorted, cmp_text);
        for (int k = 0; k < r->ntexts; k++)
            for (int j = 0; j < r->ntexts; j++)
                if (sorted[j] == r->texts[k])
                    rank[k] = j;
        if (r->ntexts < 2) {
            fail(r, QNN_E_RELATION, "%s:%d:%d: label column '%s' holds one class ('%s') in all %d rows; allowed: at least 2 classes",
                 r->name, r->first_line, lcol, lname, r->word_show, n);
            return;
        }
        ds->classes = r->ntexts;
        ds->class_names = calloc((size_t)r->ntexts, sizeof *ds->class_names);
        if (!ds->class_names) {
            fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
            return;
        }
        for (int k = 0; k < r->ntexts; k++) {
            ds->class_names[rank[k]] = r->texts[k];
            r->texts[k] = NULL;
        }
        r->ntexts = 0;
        for (int i = 0; i < n; i++)
            ds->y[i] = rank[r->ytext[i]];
        return;
    }
    /* numbers: their distinct values */
    double *u = malloc((size_t)n * sizeof *u);
    if (!u) {
        fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
        return;
    }
    memcpy(u, r->yv, (size_t)n * sizeof *u);
    qsort(u, (size_t)n, sizeof *u, cmp_double);
    int nu = 0, integer = 1;
    for (int i = 0; i < n; i++) {
        if (nu == 0 || u[i] != u[nu - 1])
            u[nu++] = u[i];
        integer = integer && u[i] == floor(u[i]);
    }
    int classify = pb == QNN_PROBLEM_CLASSIFICATION ||
                   (pb == QNN_PROBLEM_AUTO && integer && nu <= QNN_DATA_MAX_CLASSES);
    if (!classify) {
        memcpy(ds->y, r->yv, (size_t)n * sizeof *ds->y);
        ds->classes = 0;
        free(u);
        return;
    }
    char nm[40];
    if (nu > QNN_DATA_MAX_CLASSES) {
        number_name(u[QNN_DATA_MAX_CLASSES], nm, sizeof nm);
        fail(r, QNN_E_FORMAT, "%s:%d:%d: label column '%s' holds %d distinct values (the 17th smallest: %s), too many classes for a classification; allowed: at most %d classes, or a regression",
             r->name, r->first_line, lcol, lname, nu, nm, QNN_DATA_MAX_CLASSES);
        free(u);
        return;
    }
    if (nu < 2) {
        number_name(u[0], nm, sizeof nm);
        fail(r, QNN_E_RELATION, "%s:%d:%d: label column '%s' holds one class ('%s') in all %d rows; allowed: at least 2 classes",
             r->name, r->first_line, lcol, lname, nm, n);
        free(u);
        return;
    }
    ds->class_names = calloc((size_t)nu, sizeof *ds->class_names);
    if (!ds->class_names) {
        free(u);
        fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
        return;
    }
    ds->classes = nu;
    for (int k = 0; k < nu; k++) {
        number_name(u[k], nm, sizeof nm);
        ds->class_names[k] = strdup(nm);
        if (!ds->class_names[k]) {
            free(u);
            fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
            return;
        }
    }
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = nu - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (u[mid] < r->yv[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        ds->y[i] = lo;
    }
    free(u);
}

static void reader_free(reader *r)
{
    free(r->cells);
    free(r->buf);
    if (r->hdr)
        for (int c = 0; c < r->ncols; c++)
            free(r->hdr[c]);
    free(r->hdr);
    free(r->feat_of_col);
    free(r->X);
    free(r->yv);
    free(r->ytext);
    for (int k = 0; k < r->ntexts; k++)
        free(r->texts[k]);
}

/* ---- the API ------------------------------------------------------------ */

/* Frees what ds holds and leaves it empty (zero); NULL does nothing. */
void qnn_dataset_free(qnn_dataset *ds)
{
    if (!ds)
        return;
    if (ds->feat_names)
        for (int f = 0; f < ds->nfeat; f++)
            free(ds->feat_names[f]);
    free(ds->feat_names);
    free(ds->label_name);
    free(ds->X);
    free(ds->y);
    if (ds->class_names)
        for (int k = 0; k < ds->classes; k++)
            free(ds->class_names[k]);
    free(ds->class_names);
    memset(ds, 0, sizeof *ds);
}

/* Parses len bytes of CSV text (not nul-terminated) into *ds (qnn/dataset.h
 * for the rules); name is the file name in the messages. 0, or a negative
 * qnn_status with the message in err and *ds empty. */
int qnn_dataset_parse(const char *text, size_t len, const char *name, const qnn_dataset_opts *o,
                      qnn_dataset *ds, char *err, size_t errlen)
{
    if (!ds)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_dataset_parse: no data set; allowed: a qnn_dataset to fill");
    memset(ds, 0, sizeof *ds);
    if (!text && len)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_dataset_parse: no text; allowed: a text of len bytes");
    reader *r = calloc(1, sizeof *r);
    if (!r)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "data: out of memory; allowed: more memory");
    if (!name)
        name = "data";
    escape(name, strlen(name), SHOW_NAME, r->name, sizeof r->name);
    r->o = o;
    r->err = err;
    r->errlen = errlen;
    r->line = 1;
    r->next_row_line = 1;
    if (o && (o->problem < QNN_PROBLEM_AUTO || o->problem > QNN_PROBLEM_CLASSIFICATION))
        fail(r, QNN_E_ARGS, "%s: problem %d; allowed: auto (0), regression (1) or classification (2)", r->name, (int)o->problem);
    if (len > (size_t)QNN_DATA_MAX_BYTES)
        fail(r, QNN_E_SIZE, "%s: %zu bytes; allowed: at most %d bytes (64 MiB)", r->name, len, QNN_DATA_MAX_BYTES);

    struct csv_parser p;
    int have_parser = 0;
    if (!r->rc) {
        if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
            fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: more memory", r->name);
        else
            have_parser = 1;
    }
    size_t pos = 0;
    if (!r->rc && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark */
    while (!r->rc && pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n' && !(text[end] == '\r' && (end + 1 == len || text[end + 1] != '\n')))
            end++;
        if (end < len)
            end++; /* the terminator belongs to the line */
        size_t got = csv_parse(&p, text + pos, end - pos, on_cell, on_row, r);
        if (!r->rc && got != end - pos) {
            int e = csv_error(&p);
            if (e == CSV_EPARSE)
                fail(r, QNN_E_FORMAT, "%s:%d:%d: a quote in the wrong place (libcsv: %s); allowed: a cell either without quotes or wholly in double quotes, \"\" for a quote inside",
                     r->name, r->line, r->ncount + 1, csv_strerror(e));
            else
                fail(r, QNN_E_NOMEM, "%s:%d:%d: a cell too large for memory (libcsv: %s); allowed: a smaller table",
                     r->name, r->line, r->ncount + 1, csv_strerror(e));
        }
        pos = end;
        if (pos < len)
            r->line++;
    }
    if (have_parser && !r->rc) {
        if (csv_fini(&p, on_cell, on_row, r) != 0 && !r->rc) {
            int line = r->ncount ? r->cells[0].line : r->next_row_line;
            if (line > r->line)
                line = r->line;
            fail(r, QNN_E_FORMAT, "%s:%d:%d: a quoted cell that begins on or after this line is never closed; allowed: a closing double quote before the end of the file",
                 r->name, line, r->ncount + 1);
        }
    }
    if (have_parser)
        csv_free(&p);
    if (!r->rc && !r->ncols)
        fail(r, QNN_E_FORMAT, "%s:1: the file is empty; allowed: a header row of column names, then rows of numbers", r->name);
    if (!r->rc && r->rows < 2)
        fail(r, QNN_E_FORMAT, "%s:%d: %s; allowed: a header row and at least 2 data rows",
             r->name, r->rows ? r->first_line + 1 : r->line + 1,
             r->rows ? "the table has one data row" : "no data rows after the header");
    if (!r->rc)
        finish_labels(r, ds);
    if (!r->rc) {
        ds->rows = r->rows;
        ds->nfeat = r->nfeat;
        ds->X = r->X;
        r->X = NULL;
        ds->label_name = strdup(r->hdr[r->label_col]);
        ds->feat_names = calloc((size_t)r->nfeat, sizeof *ds->feat_names);
        if (!ds->label_name || !ds->feat_names)
            fail(r, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller table", r->name);
        for (int c = 0; !r->rc && c < r->ncols; c++)
            if (r->feat_of_col[c] >= 0) {
                ds->feat_names[r->feat_of_col[c]] = r->hdr[c];
                r->hdr[c] = NULL;
            }
    }
    int rc = r->rc;
    reader_free(r);
    free(r);
    if (rc)
        qnn_dataset_free(ds);
    return rc;
}

/* Reads the file at path whole (a regular file of at most
 * QNN_DATA_MAX_BYTES) and parses it as qnn_dataset_parse does, with path
 * as the name in the messages. */
int qnn_dataset_read(const char *path, const qnn_dataset_opts *o, qnn_dataset *ds, char *err,
                     size_t errlen)
{
    if (!ds || !path)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_dataset_read: no path or no data set; allowed: a path and a qnn_dataset");
    memset(ds, 0, sizeof *ds);
    char show[SHOW_NAME * 4 + 16];
    escape(path, strlen(path), SHOW_NAME, show, sizeof show);
    const char *kind;
    int fd = qnn_file_open_fd(path, &kind);
    if (fd < 0 && kind)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: is %s, not a regular file; allowed: a readable CSV file",
                        show, kind);
    if (fd < 0)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be opened (%s); allowed: a readable CSV file",
                        show, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a readable CSV file",
                        show, strerror(e));
    }
    if (sb.st_size > QNN_DATA_MAX_BYTES) {
        close(fd);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: %lld bytes; allowed: a CSV file of at most %d bytes (64 MiB)",
                        show, (long long)sb.st_size, QNN_DATA_MAX_BYTES);
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *text = malloc(cap);
    if (!text) {
        close(fd);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: %lld bytes do not fit in memory; allowed: a smaller file",
                        show, (long long)sb.st_size);
    }
    for (;;) {
        if (n == cap) { /* the file grew while being read */
            close(fd);
            free(text);
            return qnn_fail(err, errlen, QNN_E_FILE, "%s: changed while being read; allowed: a file that stays as it is",
                            show);
        }
        ssize_t k = read(fd, text + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            free(text);
            return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a readable CSV file", show,
                            strerror(e));
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    int rc = qnn_dataset_parse(text, n, path, o, ds, err, errlen);
    free(text);
    return rc;
}

/* ---- split and moments -------------------------------------------------- */

/* The stratified split of qnn/dataset.h: for each class in index order, its
 * rows in ascending order are shuffled (gsl_ran_shuffle, one mt19937
 * generator seeded once with seed) and the first round(f · count) of them
 * (f = test_fraction clamped to [0, 1], at most count − 1) go to the test
 * part; then the training part (classes in index order) and the test part
 * are each shuffled once more with the same generator, and idx gets the
 * training rows, then the test rows. A regression is one class of all
 * rows. */
void qnn_dataset_split(const qnn_dataset *ds, double test_fraction, uint64_t seed, int *idx,
                       int *n_train)
{
    const int n = ds ? ds->rows : 0;
    if (n_train)
        *n_train = n;
    if (!idx || n <= 0)
        return;
    double f = test_fraction > 0.0 ? (test_fraction < 1.0 ? test_fraction : 1.0) : 0.0; /* NaN: 0 */
    const int K = ds->classes >= 2 ? ds->classes : 1;
    int *tmp = malloc((size_t)n * sizeof *tmp);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!tmp || !g) { /* out of memory: no shuffle, the last rows for the test */
        for (int i = 0; i < n; i++)
            idx[i] = i;
        long t = lround(f * n);
        if (n_train)
            *n_train = n - (int)(t < n ? t : n - 1);
        free(tmp);
        if (g)
            gsl_rng_free(g);
        return;
    }
    gsl_rng_set(g, (unsigned long)seed);
    int ntr = 0, nte = 0;
    for (int k = 0; k < K; k++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (K == 1 || (int)ds->y[i] == k)
                tmp[m++] = i;
        if (m == 0)
            continue;
        gsl_ran_shuffle(g, tmp, (size_t)m, sizeof *tmp);
        long t = lround(f * m);
        if (t > m - 1)
            t = m - 1;
        /* test rows fill idx from the end, training rows from the start */
        for (int j = 0; j < m; j++) {
            if (j < t)
                idx[n - 1 - nte++] = tmp[j];
            else
                idx[ntr++] = tmp[j];
        }
    }
    /* the test rows went in backwards: put them in drawing order */
    for (int a = ntr, b = n - 1; a < b; a++, b--) {
        int s = idx[a];
        idx[a] = idx[b];
        idx[b] = s;
    }
    if (ntr > 1)
        gsl_ran_shuffle(g, idx, (size_t)ntr, sizeof *idx);
    if (nte > 1)
        gsl_ran_shuffle(g, idx + ntr, (size_t)nte, sizeof *idx);
    if (n_train)
        *n_train = ntr;
    gsl_rng_free(g);
    free(tmp);
}

/* Per feature over the rows train[0 .. n_train-1]: mean and standard
 * deviation (of the population, divide by n_train), computed on values
 * scaled by the largest |x| so that nothing overflows; sd = 1 where the
 * feature is constant (sd <= 1e-12 max |x|) or there is no training row. */
void qnn_dataset_moments(const qnn_dataset *ds, const int *train, int n_train, double *mean,
                         double *sd)
{
    if (!ds || !mean || !sd)
        return;
    for (int f = 0; f < ds->nfeat; f++) {
        double a = 0.0;
        for (int i = 0; i < n_train; i++)
            a = fmax(a, fabs(ds->X[(size_t)train[i] * (size_t)ds->nfeat + (size_t)f]));
        mean[f] = 0.0;
        sd[f] = 1.0;
        if (n_train <= 0 || !(a > 0.0))
            continue;
        double m = 0.0, v = 0.0;
        for (int i = 0; i < n_train; i++)
            m += ds->X[(size_t)train[i] * (size_t)ds->nfeat + (size_t)f] / a;
        m /= n_train;
        for (int i = 0; i < n_train; i++) {
            double d = ds->X[(size_t)train[i] * (size_t)ds->nfeat + (size_t)f] / a - m;
            v += d * d;
        }
        v /= n_train;
        mean[f] = m * a;
        double s = sqrt(v);
        sd[f] = s > 1e-12 ? s * a : 1.0;
    }
}
