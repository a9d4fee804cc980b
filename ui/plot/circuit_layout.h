/* The layout of a circuit diagram (qnn/qcircuit.h), shared by the window,
 * the terminal and the export: gates in columns, columns folded into rows
 * for a given width. No drawing and no display here (tests/test_circuit_layout.c).
 *
 * Columns: gates are placed in their order, each in the first column after
 * the last column used on any wire it spans (its lowest to its highest
 * operand: the vertical line of a two-qubit gate crosses the wires between),
 * so gates on disjoint wires share a column. With layer barriers, a gate
 * of another ansatz layer (qnn_gate.layer) than the gate before it starts
 * after every column used so far: layers do not interleave.
 *
 * Rows: a long circuit wraps like text, each row repeating the wire labels
 * q0 .. q(n-1). Qubit 0 is the top wire (bit 0 of the basis index, the
 * least significant: qnn/statevec.h); the last wire is the most
 * significant. With layer breaks a row that would overflow ends at the last
 * layer boundary in it, when that boundary leaves the row at least half
 * full.
 *
 * Widths are in the caller's units: characters for the terminal
 * (cl_char_width), points for cairo (a measuring callback). */
#ifndef QNN_CIRCUIT_LAYOUT_H
#define QNN_CIRCUIT_LAYOUT_H

#include <stddef.h>
#include "qnn/qcircuit.h"

/* What a gate draws on one of its operands. */
typedef enum {
    CL_BOX = 0,     /* a box with the gate's text */
    CL_CTRL,        /* a control dot ● */
    CL_OPLUS,       /* the target of a controlled X: ⊕ */
    CL_SWAP         /* one end of a swap: × */
} cl_mark;

#define CL_TEXT_MAX 96
enum { CL_USES_PARAM = 1, CL_USES_FEATURE = 2 };

typedef struct cl_gate {
    int index;              /* in qc->gates */
    int col;                /* global column (0 ..) */
    int row, rcol;          /* fold row and the column within it (cl_fold) */
    int lo, hi;             /* wires spanned (lowest and highest operand) */
    int nq;                 /* operands */
    int q[QNN_GATE_MAX_QUBITS];
    cl_mark mark[QNN_GATE_MAX_QUBITS];
    int layer;
    int roles;              /* CL_USES_PARAM | CL_USES_FEATURE: what its angles read */
    char text[CL_TEXT_MAX];   /* box text: label and angles, abbreviated */
    char full[4 * CL_TEXT_MAX]; /* the same, not abbreviated (may be cut at its size) */
} cl_gate;

typedef struct cl_opts {
    int ascii;              /* ASCII text (theta3, pi/2) instead of θ3, π/2 */
    int max_text;           /* box text at most this many characters (0: 14);
                               longer ones end in "…" ("~" in ASCII) */
    int layer_barriers;     /* layers do not share columns */
} cl_opts;

typedef struct cl_layout {
    int n;                  /* wires */
    int ngates;
    cl_gate *g;             /* ngates, in the circuit's order */
    int ncols;              /* columns in all */
    int *col_layer;         /* ncols: the layer of the column's first gate (-1 none) */
    int *col_first;         /* ncols: index into g of the column's first gate */
    int ascii;              /* the texts are ASCII (cl_opts.ascii) */
    int has_layers;         /* some gate has a layer >= 0 */
    /* after cl_fold */
    int nrows;
    int *row_start;         /* nrows + 1: first global column of each row, then ncols */
    double *colw;           /* ncols: the column widths it folded with */
    double label_w;         /* and the width of the wire labels */
    int folds;              /* cl_fold calls since cl_build (a drawing may keep its fold) */
    char source[256];       /* qc->source */
    int nparams, nfeatures;
} cl_layout;

/* Lays qc out in columns. 0, or -1 when out of memory (L is then empty;
 * cl_free is safe either way). The layout keeps no pointer into qc. */
int cl_build(const qnn_qc *qc, const cl_opts *o, cl_layout *L);
void cl_free(cl_layout *L);

/* The text of expression e for a diagram: the fewest parentheses
 * (precedence as in QASM), variable names shortened (theta_3, _θ_3_ → θ3;
 * gamma_0 → γ0; beta → β; phi → φ; lambda → λ; x_0 → x0; in ASCII the
 * Latin names: theta3), numbers with 3 significant digits, multiples of
 * π/4 as π/2, 3π/4 ... (ASCII pi/2), products with · (ASCII *), no spaces. */
void cl_expr_text(const qnn_qc *qc, int e, int ascii, char *buf, size_t len);

/* Columns of a UTF-8 string (one per code point, combining marks none). */
int cl_char_width(const char *s);

/* The width of every column: the widest box text in it (measure(ctx,
 * text), or cl_char_width when measure is NULL) plus 2 * pad, at least
 * `glyph` (a column of dots and ⊕ only), plus `gap` between columns. */
typedef double (*cl_measure_fn)(void *ctx, const char *text);
void cl_col_widths(const cl_layout *L, cl_measure_fn measure, void *ctx, double pad,
                   double glyph, double gap, double *colw);

/* Folds the columns into rows of at most `width` units: each row starts
 * with the wire labels (label_w units) and holds the columns that fit
 * (colw from cl_col_widths), at least one. layer_breaks: see above. Sets
 * nrows, row_start, every gate's row and rcol, and keeps a copy of colw
 * and label_w for the drawing. 0, or -1 when out of memory. */
int cl_fold(cl_layout *L, const double *colw, double label_w, double width, int layer_breaks);

/* The mark over column c of a row that starts at column c0: "layer 2"
 * where a layer starts (or the row does), "encoding" over the gates before
 * the first layer that read data features; 0 (buf "") where none. */
int cl_col_mark(const cl_layout *L, int c, int c0, char *buf, size_t len);

/* The wire label of qubit k ("q0"). */
void cl_wire_label(int k, char *buf, size_t len);

/* The line under a diagram's title: "4 qubits · 24 gates · 12 parameters
 * · q0 is bit 0 of the basis index (the least significant)". */
void cl_summary(const cl_layout *L, char *buf, size_t len);

#endif
