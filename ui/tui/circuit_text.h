/* A circuit diagram (circuit_layout.h) drawn with text cells for the
 * terminal face: wires of ─ with boxes ┤Rx(θ0)├, controls ●, targets ⊕,
 * swaps ×, vertical lines │ crossing other wires as ┼; in the ASCII set
 * -[Rx(theta0)]-, *, (+), x, | and +. Each fold row is a line of layer
 * marks, the wires with a line between each two, and a blank line. */
#ifndef QNN_CIRCUIT_TEXT_H
#define QNN_CIRCUIT_TEXT_H

#include "circuit_layout.h"
#include "tgrid.h"

/* Folds L to W cells; returns the lines of the whole diagram. */
int cl_text_fold(cl_layout *L, int W);

/* Draws the lines first .. first + h - 1 of the folded diagram into the
 * rectangle (x, y, w, h) of g (in g's character set), nothing outside it. */
void cl_text_draw(tg_grid *g, const cl_layout *L, int x, int y, int w, int h, int first);

#endif
