/* Text of an SVG figure as <text> elements: cairo's SVG surface writes
 * glyphs as outlines (not selectable, not editable), so while a recorder
 * is active on a context, the markup text of plot_text.c (plot_text,
 * pl_text_draw) is recorded as text runs (position, transform, size,
 * weight, slant, colour, clip) instead of being drawn, and plot_write
 * appends them to the file cairo wrote. Private to ui/plot. */
#ifndef QNN_PLOT_SVGTEXT_H
#define QNN_PLOT_SVGTEXT_H

#include <cairo.h>
#include <stdio.h>

typedef struct pl_svgtext pl_svgtext;

/* Starts recording the text drawn on cr (by this thread) in a page of
 * w x h device units; NULL when memory runs out. One recorder per thread
 * at a time. */
pl_svgtext *pl_svgtext_begin(cairo_t *cr, double w, double h);

/* Stops recording (the thread's text is drawn again) and writes the
 * recorded text as one <g> element to f. 0, or -1 when memory ran out
 * while recording or writing failed. */
int pl_svgtext_end(pl_svgtext *t, FILE *f);

/* Stops recording and forgets the text (on an error path). */
void pl_svgtext_discard(pl_svgtext *t);

#endif
