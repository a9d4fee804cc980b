/* A circuit diagram drawn with text cells (circuit_text.h). */
#include "circuit_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rows_lines(const cl_layout *L)
{
    return 2 * L->n + 1;    /* layer marks, 2n - 1 wire lines, a blank */
}

int cl_text_fold(cl_layout *L, int W)
{
    char lab[32];
    cl_wire_label(L->n - 1, lab, sizeof lab);
    const double label_w = (double)strlen(lab) + 1;
    double *colw = malloc((L->ncols > 0 ? (size_t)L->ncols : 1) * sizeof *colw);
    if (!colw)
        return 0;
    cl_col_widths(L, NULL, NULL, 1, L->ascii ? 3 : 1, 2, colw);
    /* one cell at the end for the arrow of a row that goes on */
    int rc = cl_fold(L, colw, label_w, W - 1, 1);
    free(colw);
    if (rc != 0)
        return 0;
    return L->nrows * rows_lines(L) - 1;
}

/* The drawing area: cells outside it are left alone. */
typedef struct area {
    tg_grid *g;
    int x, y, w, h, first;
} area;

static void cell(const area *a, int col, int line, const char *ch, int color, int attr)
{
    if (col < 0 || col >= a->w || line < a->first || line >= a->first + a->h)
        return;
    tg_put(a->g, a->x + col, a->y + line - a->first, ch, color, attr);
}

/* Text of one column a character (the texts are ASCII in the ASCII set). */
static void text(const area *a, int col, int line, const char *s, int color, int attr)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char ch[8];
        size_t n = 1;
        while (p[n] && (p[n] & 0xC0) == 0x80 && n < sizeof ch - 1)
            n++;
        memcpy(ch, p, n);
        ch[n] = 0;
        cell(a, col++, line, ch, color, attr);
        p += n;
    }
}

static int box_color(int roles)
{
    return roles & CL_USES_FEATURE ? 3 : roles & CL_USES_PARAM ? 1 : TG_DEFAULT;
}

static void draw_row(const area *a, const cl_layout *L, int r)
{
    const int ascii = a->g->cs == TG_ASCII || L->ascii;
    const char *wire = ascii ? "-" : "─", *vert = ascii ? "|" : "│", *cross = ascii ? "+" : "┼";
    const int base = r * rows_lines(L);
    const int c0 = L->row_start[r], c1 = L->row_start[r + 1];
    const int lw = (int)L->label_w;
    int *cx = malloc((size_t)(c1 - c0 + 1) * sizeof *cx);
    if (!cx)
        return;
    cx[0] = lw;
    for (int c = c0; c < c1; c++)
        cx[c - c0 + 1] = cx[c - c0] + (int)L->colw[c];
    const int xend = cx[c1 - c0];
    /* layer marks */
    if (L->has_layers) {
        int free_from = 0;
        for (int c = c0; c < c1; c++) {
            char m[32], t[48];
            if (!cl_col_mark(L, c, c0, m, sizeof m))
                continue;
            snprintf(t, sizeof t, "%s%s", c > c0 ? (ascii ? ":" : "┊") : "", m);
            if (cx[c - c0] >= free_from && cx[c - c0] + cl_char_width(t) <= a->w) {
                text(a, cx[c - c0], base, t, TG_GREY, TG_DIM);
                free_from = cx[c - c0] + (int)cl_char_width(t) + 1;
            }
        }
    }
    /* labels and wires */
    for (int k = 0; k < L->n; k++) {
        const int line = base + 1 + 2 * k;
        char lab[32];
        cl_wire_label(k, lab, sizeof lab);
        text(a, lw - 1 - (int)strlen(lab), line, lab, TG_DEFAULT, TG_BOLD);
        for (int x = lw; x < xend; x++)
            cell(a, x, line, wire, TG_GREY, 0);
        if (r + 1 < L->nrows)
            cell(a, xend, line, ascii ? ">" : "→", TG_GREY, 0);
    }
    /* gates */
    for (int i = 0; i < L->ngates; i++) {
        const cl_gate *g = &L->g[i];
        if (g->row != r)
            continue;
        const int x0 = cx[g->col - c0], cw = cx[g->col - c0 + 1] - x0;
        const int xm = x0 + cw / 2;
        /* the vertical line over the wires it spans */
        for (int line = base + 1 + 2 * g->lo + 1; line < base + 1 + 2 * g->hi; line++)
            cell(a, xm, line, (line - base - 1) % 2 ? vert : cross, TG_DEFAULT, 0);
        const int tw = cl_char_width(g->text);
        for (int k = 0; k < g->nq; k++) {
            const int line = base + 1 + 2 * g->q[k];
            switch (g->mark[k]) {
            case CL_CTRL:
                cell(a, xm, line, ascii ? "*" : "●", TG_DEFAULT, TG_BOLD);
                break;
            case CL_OPLUS:
                if (ascii)
                    text(a, xm - 1, line, "(+)", TG_DEFAULT, TG_BOLD);
                else
                    cell(a, xm, line, "⊕", TG_DEFAULT, TG_BOLD);
                break;
            case CL_SWAP:
                cell(a, xm, line, ascii ? "x" : "×", TG_DEFAULT, TG_BOLD);
                break;
            default: {
                const int bx = xm - (tw + 2) / 2;
                const int color = box_color(g->roles);
                cell(a, bx, line, ascii ? "[" : "┤", color, 0);
                text(a, bx + 1, line, g->text, color, 0);
                cell(a, bx + 1 + tw, line, ascii ? "]" : "├", color, 0);
                break;
            }
            }
        }
    }
    free(cx);
}

void cl_text_draw(tg_grid *g, const cl_layout *L, int x, int y, int w, int h, int first)
{
    if (!L->row_start || !L->colw || L->n < 1 || w < 1 || h < 1)
        return;
    area a = {g, x, y, w, h, first};
    const int RL = rows_lines(L);
    for (int r = 0; r < L->nrows; r++) {
        if ((r + 1) * RL <= first || r * RL >= first + h)
            continue;
        draw_row(&a, L, r);
    }
}
