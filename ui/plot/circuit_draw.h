/* A circuit diagram (circuit_layout.h) drawn with cairo: the window's
 * overlay and the exported circuit.png, .svg and .pdf.
 *
 * Wires are horizontal, qubit 0 at the top of each row; a row that folds
 * repeats the wire labels. Boxes carry the gate's text (trainable angles
 * blue, data features green, fixed gates grey); controls are dots, the
 * target of a controlled X ⊕, swaps ×. Where a new ansatz layer starts a
 * dashed line and "layer k" mark it. */
#ifndef QNN_CIRCUIT_DRAW_H
#define QNN_CIRCUIT_DRAW_H

#include <cairo.h>
#include "plot.h"
#include "circuit_layout.h"

/* Folds L to width w (user units) with box text of size fs, measured in
 * cr's font; returns the height of all rows. */
double cl_cairo_fold(cairo_t *cr, cl_layout *L, double w, double fs);

/* The width of the widest folded row (with its arrow when the rows go on). */
double cl_cairo_width(const cl_layout *L, double fs);

/* The distance of two wires at size fs: the unit of scrolling. */
double cl_cairo_line(double fs);

/* Draws the folded rows (cl_cairo_fold at the same fs) into the rectangle
 * (x, y, w, h), the content moved up by `scroll` units, nothing outside
 * the rectangle. */
void cl_cairo_draw(cairo_t *cr, const cl_layout *L, double x, double y, double w, double h,
                   double fs, double scroll);

/* Writes the diagram with a title (may be NULL) and the summary, folded to
 * `width` points, as tall as it needs (at most 16384 points: a longer
 * circuit is cut with a note), PNG at 2 pixels a point. Whole or not at
 * all for PNG (plot_save_png); SVG and PDF as plot_write (callers write
 * into a temporary folder). 0, or -1 with a message in err. */
int cl_write(cl_layout *L, const char *title, plot_format fmt, const char *path, double width,
             char *err, size_t errlen);

#endif
