/* A grid of text cells, and the plot panels drawn into it with text: the
 * terminal face renders everything here, then copies the grid to the
 * screen with ncurses. Nothing in this module talks to a terminal, so the
 * drawing is tested without one.
 *
 * Curves are drawn with Unicode braille cells (2 x 4 dots a cell), or in
 * the ASCII character set (a non-UTF-8 locale) with 1 x 3 "dots" a cell
 * ('\'' top, '-' middle, '.' bottom, ':' or '|' for several). Histograms
 * (PLOT_STEPS) are bars of block elements (▁▂▃▄▅▆▇█; ASCII '_' and '#').
 * Theory lines keep their dash pattern (PLOT_DASHED, PLOT_DOTTED) in dot
 * space, so they stay distinct without colour. */
#ifndef QNN_TGRID_H
#define QNN_TGRID_H

#include <stddef.h>
#include <stdio.h>
#include "plot.h"

typedef enum { TG_UTF8 = 0, TG_ASCII = 1 } tg_charset;

/* Colours: 0 the terminal's default, 1..7 the plot palette entries 0..6
 * (plot_palette), TG_GREY for palette index -1 (faint instances, markers,
 * reference lines). */
enum { TG_DEFAULT = 0, TG_GREY = 8, TG_NCOLORS = 9 };
/* Attributes (or-ed). */
enum { TG_BOLD = 1, TG_DIM = 2, TG_REVERSE = 4, TG_UNDERLINE = 8 };

typedef struct tg_cell {
    char ch[16];            /* one character (UTF-8, NUL-terminated), with any
                               combining marks after it; "" is a space */
    unsigned char color, attr;
} tg_cell;

typedef struct tg_grid {
    int w, h;
    tg_cell *c;             /* w * h cells, row by row */
    tg_charset cs;
} tg_grid;

/* 0, or -1 when out of memory or w, h < 1 (g is then empty). */
int tg_init(tg_grid *g, int w, int h, tg_charset cs);
void tg_free(tg_grid *g);
/* Every cell a space in the default colour. */
void tg_clear(tg_grid *g);
/* The cell at (x, y), or NULL outside the grid. */
tg_cell *tg_at(tg_grid *g, int x, int y);
/* Fills the rectangle with spaces of this colour and attribute. */
void tg_fill(tg_grid *g, int x, int y, int w, int h, int color, int attr);
/* Puts one character (a UTF-8 string of one column; only its first
 * character and that character's marks are kept) at (x, y). In the ASCII
 * set a non-ASCII character becomes the first letter of its
 * transliteration. */
void tg_put(tg_grid *g, int x, int y, const char *ch, int color, int attr);

/* Plain text (UTF-8) from column x of row y, at most maxw columns (maxw
 * < 0: to the grid's edge); cut with "…" ("~" in ASCII) when longer.
 * Combining marks join the cell before them; control characters show as
 * spaces; invalid bytes as U+FFFD; in the ASCII set every non-ASCII
 * character is transliterated (tg_ascii). Every character takes one
 * column. Returns the columns written. */
int tg_text(tg_grid *g, int x, int y, int maxw, const char *s, int color, int attr);
/* Columns the text takes in this character set. */
int tg_width(const char *s, tg_charset cs);

/* Plot label markup (plot.h: "λ_{min}", "10^{−3}", "e^{−2ηK̄t}", "a\\_b")
 * as terminal text. In UTF-8 a sub- or superscript group becomes Unicode
 * sub/superscript characters when every character of it has one and it
 * holds at most one letter ("10⁻³", "γ²", "Dᵥ", "c₀", "(I − ηK)ᵗ": a word
 * of tiny letters from three Unicode blocks reads worse than the word).
 * Otherwise, and always in ASCII, the marker stays and the braces go:
 * "λ_min", "10^−3" for one character or a sign and a run of ASCII letters
 * and digits, parentheses around anything else ("e^(−2ηK̄t)"). Backslash
 * escapes as in plot.h. In ASCII the result is then transliterated
 * ("lambda_min", "10^-3"). Returns the length written (the output is cut
 * at a character boundary, NUL-terminated when cap > 0). */
size_t tg_markup(const char *in, char *out, size_t cap, tg_charset cs);
/* Transliteration to ASCII: γ → gamma, η → eta, ε → eps, λ → lambda,
 * K̄ → Kbar (combining accents: bar, hat, tilde, dot), − → -, × → x,
 * … → ..., · → *, ‖ → ||, ½ → 1/2, √ → sqrt, ∇ → grad, ⟨ ⟩ → < >,
 * — → -, ▶ → >, ⏸ → ||, runs of super/subscripts → ^ / _ and the
 * characters ("x⁻¹²" → "x^-12"), box drawing and blocks, ...; anything
 * else outside ASCII → '?'. Control characters other than '\n' become
 * spaces. Returns the length written (cut like tg_markup). */
size_t tg_ascii(const char *in, char *out, size_t cap);

/* Writes the grid as text lines (attributes dropped, trailing spaces
 * trimmed). 0 or -1 on a write error. */
int tg_dump(const tg_grid *g, FILE *f);

/* tg_dump into path, written whole or not at all (afile.h: a target that
 * is not a regular file is refused). 0, or -1 with a message in err. */
int tg_save(const tg_grid *g, const char *path, char *err, size_t errlen);

/* Where a panel was drawn (cells). drawn = 0 when the cell was too small
 * for a plot area (then only the title, or nothing, is drawn). */
typedef struct tg_geom {
    int drawn;
    int ax, ay, aw, ah;     /* the plot area: columns ax .. ax+aw-1, rows ay .. ay+ah-1 */
    double xlo, xhi, ylo, yhi;  /* axis limits (plot_panel_limits) */
} tg_geom;

/* Draws panel p into the rectangle (x, y, w, h) of the grid, clearing it
 * first, nothing outside it: the title row (bold title, then the y label
 * when it fits: "[|ε(t)|]", or as it is when it has brackets of its own;
 * a title wider than the panel takes two rows, broken at a space, when
 * w >= 20 and h >= 12, and is cut with "…" only when even that is short),
 * y tick labels and axis, the plot area, the x axis with its tick labels,
 * the x label (on the tick label row where there is room, on a row of its
 * own in tall panels, else left out), and one or two legend rows (a
 * 2-column sample of each labelled series' style and colour, and its
 * label). Reference lines are dashed grey with their labels at their right
 * end, vertical marks dotted grey; the note sits in its corner of the
 * area over cleared cells. Vertical marks carry their labels
 * (vmark_labels) in the top rows of the area, beside the mark, cut with
 * "…" where another label or the note leaves less room, left out below
 * 6 columns. Axis limits and ticks are those of the figures
 * (plot_panel_limits, plot_nice_ticks; PLOT_SYMLOG axes: plot_symlog and
 * plot_symlog_ticks with the panel's linthresh). Faint series are grey
 * and dim and show only in cells no other curve touches. Dimmed series
 * (0 < alpha < 1: earlier segments) and ghosts (pinned runs: dotted,
 * grey-blue when they have no colour, a dotted legend sample) are drawn
 * dim, behind the others: they show only in cells no full curve touches.
 * A cell of several full curves takes the colour of the last drawn. A
 * series is broken at NaN points (never joined across a gap). The last
 * full PLOT_STEPS series is drawn as bars, earlier ones, dimmed ones and
 * ghosts as outlines. Works from w >= 20, h >= 6; smaller rectangles get
 * the title only. p may be NULL (cleared only). */
void tg_panel(tg_grid *g, const plot_panel *p, int x, int y, int w, int h, tg_geom *geom);

/* Two panels side by side in w columns (the kernel panel's two plots):
 * the columns of the first, one of them the gap (the second gets the
 * rest). Half of w, unless a title would be cut there and both fit whole
 * with another split that leaves each panel 20 columns or more. */
int tg_pair_split(const plot_panel *a, const plot_panel *b, int w, tg_charset cs);

#endif
