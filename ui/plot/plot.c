/* Figures with cairo: see plot.h. Layout, in user units of the context:
 * figure title on top, panels in a grid of equal cells that share their
 * margins (so plot areas line up), each panel framed with inward ticks on
 * all four sides, tick labels left and below, axis labels, a title above,
 * a legend in the upper right and an optional note box in the lower left.
 * Font sizes and line widths scale with the figure (10 pt tick labels on a
 * 600 x 400 pt figure).
 *
 * This file: the palette, the figure (title and grid of panels) and its
 * files (PNG, PDF, SVG). The module's other files: plot_ticks.c (tick
 * positions, labels, auto ranges), plot_text.c (text with markup),
 * plot_axes.c (data extents, axis ranges, mapping to the page),
 * plot_series.c (lines, steps, markers, error bars), plot_legend.c (legend
 * and note boxes), plot_panel.c (margins, ticks, reference lines, one
 * panel); plot_priv.h holds what they share. */
#include "plot_priv.h"
#include "plot_svgtext.h"
#include "afile.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest PNG side in pixels (size in inches times the dpi). */
#define PLOT_PNG_MAX_PX 16384

/* ------------------------------------------------------------------ */
/* Palette                                                             */

/* Okabe & Ito (2008), reordered so that neighbours contrast; yellow left
 * out (too light on white). */
static const unsigned char palette_rgb[][3] = {
    {0, 114, 178},   /* blue */
    {213, 94, 0},    /* vermillion */
    {0, 158, 115},   /* bluish green */
    {204, 121, 167}, /* reddish purple */
    {230, 159, 0},   /* orange */
    {86, 180, 233},  /* sky blue */
    {0, 0, 0},       /* black */
};
#define PALETTE_N (sizeof palette_rgb / sizeof palette_rgb[0])

void plot_palette(int i, double rgb[3])
{
    if (!rgb)
        return;
    if (i < 0) {
        rgb[0] = rgb[1] = rgb[2] = 0.5;
        return;
    }
    const unsigned char *c = palette_rgb[(size_t)i % PALETTE_N];
    for (int k = 0; k < 3; k++)
        rgb[k] = c[k] / 255.0;
}

/* ------------------------------------------------------------------ */
/* Figure                                                              */

void plot_draw(cairo_t *cr, const plot_figure *fig, double w, double h)
{
    if (!cr || !fig || !isfinite(w) || !isfinite(h) || !(w > 0) || !(h > 0))
        return;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return;
    cairo_save(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);

    size_t np = fig->panels ? fig->npanels : 0;
    size_t cols = fig->columns >= 1 ? (size_t)fig->columns : 1;
    if (np > 0 && cols > np)
        cols = np;
    size_t rows = np > 0 ? (np + cols - 1) / cols : 1;

    metrics m;
    double fs = 10.0 * sqrt(w * h / (600.0 * 400.0));
    double cw = w / (double)cols, chh = h / (double)rows;
    fs = fmin(fs, fmin(0.05 * cw, 0.065 * chh));
    /* readable in print unless the figure itself is tiny */
    fs = fmax(fs, fmin(7, 0.045 * fmin(w, h)));
    if (fs < 2)
        fs = 2;
    /* a font size asked for (--font-size, a journal style) is kept as it
     * is: the tick labels at that size, the rest scaled from it */
    if (isfinite(fig->font_size) && fig->font_size > 0)
        fs = fig->font_size;
    pl_make_metrics(fs, &m);

    double top = 0;
    if (pl_nonempty(fig->title)) {
        pl_font(cr, 1, 0);
        tbox b = pl_text_measure(cr, fig->title, m.fig_fs);
        double base = 0.45 * fs + b.asc;
        cairo_set_source_rgb(cr, 0, 0, 0);
        pl_text_draw(cr, fig->title, m.fig_fs, 0.5 * w, base, 0.5);
        top = base + b.desc + 0.25 * fs;
    }
    if (np == 0) {
        cairo_restore(cr);
        return;
    }

    /* shared margins so that plot areas line up */
    margins mg = {0, 0, 0, 0, 0};
    double xlab = 0; /* bottom margin less the x tick labels */
    for (size_t i = 0; i < np; i++) {
        const plot_panel *p = &fig->panels[i];
        axis ax, ay;
        margins pm;
        pl_panel_layout(cr, p, &m, &ax, &ay, &pm);
        mg.left = fmax(mg.left, pm.left);
        mg.right = fmax(mg.right, pm.right);
        mg.top = fmax(mg.top, pm.top);
        mg.bottom = fmax(mg.bottom, pm.bottom);
        mg.xtick_h = fmax(mg.xtick_h, ax.asc + ax.desc);
        xlab = fmax(xlab, pm.bottom - (ax.asc + ax.desc));
    }
    mg.bottom = fmax(mg.bottom, xlab + mg.xtick_h);
    double ch = (h - top) / (double)rows;
    for (size_t i = 0; i < np; i++) {
        size_t rr = i / cols, cc = i % cols;
        rect cell = {cw * (double)cc, top + ch * (double)rr,
                     cw * (double)(cc + 1), top + ch * (double)(rr + 1)};
        pl_draw_panel(cr, &fig->panels[i], &cell, &mg, &m, NULL);
    }
    cairo_restore(cr);
}

static void set_err(char *err, size_t errlen, const char *what,
                    const char *path)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "plot_write: %s%s%s%s", what,
                 path ? " for '" : "", path ? path : "", path ? "'" : "");
}

/* An SVG or PNG file in memory (cairo's stream): the text recorded by
 * plot_svgtext.h goes in before the SVG's closing tag, the resolution
 * after the PNG's header. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} membuf;

static cairo_status_t mem_collect(void *closure, const unsigned char *data, unsigned int length)
{
    membuf *b = closure;
    if (b->len + length + 1 > b->cap) {
        size_t nc = 2 * b->cap + length + 4096;
        char *nb = realloc(b->buf, nc);
        if (!nb) {
            b->oom = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        b->buf = nb;
        b->cap = nc;
    }
    memcpy(b->buf + b->len, data, length);
    b->len += length;
    b->buf[b->len] = 0;
    return CAIRO_STATUS_SUCCESS;
}

/* Writes the SVG of sb to path with the recorded text t (ends t) before
 * its closing </svg>. 0, or -1 with a message. */
static int svg_save(membuf *sb, pl_svgtext *t, const char *path, char *err, size_t errlen)
{
    const char *end = NULL;
    for (const char *p = sb->buf ? strstr(sb->buf, "</svg>") : NULL; p; p = strstr(p + 1, "</svg>"))
        end = p;
    if (!end) {
        pl_svgtext_discard(t);
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write SVG '%s': cairo wrote no closing </svg>", path);
        return -1;
    }
    errno = 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        pl_svgtext_discard(t);
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot create SVG '%s': %s", path, strerror(e));
        return -1;
    }
    size_t head = (size_t)(end - sb->buf);
    int bad = fwrite(sb->buf, 1, head, f) != head;
    if (pl_svgtext_end(t, f) != 0)
        bad = 1;
    size_t tail = sb->len - head;
    if (fwrite(end, 1, tail, f) != tail)
        bad = 1;
    int e = errno;
    if (ferror(f))
        bad = 1;
    if (fclose(f) != 0) {
        e = errno;
        bad = 1;
    }
    if (bad) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write SVG '%s': %s", path, e ? strerror(e) : "write error");
        return -1;
    }
    return 0;
}

/* CRC-32 of PNG chunks (ISO 3309, as zlib's crc32). */
static unsigned long png_crc(const unsigned char *b, size_t n)
{
    unsigned long c = 0xffffffffUL;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320UL ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffUL;
}

static void put_be32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes the PNG cairo encoded into sb to path with a pHYs chunk after
 * its header: the resolution (dpi as pixels per metre), so that a page
 * setter (LaTeX's \includegraphics, a word processor) places it at the
 * figure's size. 0, or -1 with a message. */
static int png_save(const membuf *sb, double dpi, const char *path, char *err, size_t errlen)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const size_t ihdr_end = 8 + 8 + 13 + 4;
    if (!sb->buf || sb->len < ihdr_end || memcmp(sb->buf, sig, 8) != 0 || memcmp(sb->buf + 12, "IHDR", 4) != 0) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write PNG '%s': cairo wrote no PNG header", path);
        return -1;
    }
    unsigned char phys[4 + 4 + 9 + 4];
    unsigned long ppm = (unsigned long)lround(dpi / 0.0254);
    put_be32(phys, 9);
    memcpy(phys + 4, "pHYs", 4);
    put_be32(phys + 8, ppm);
    put_be32(phys + 12, ppm);
    phys[16] = 1; /* the unit is the metre */
    put_be32(phys + 17, png_crc(phys + 4, 4 + 9));
    errno = 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot create PNG '%s': %s", path, strerror(e));
        return -1;
    }
    int bad = fwrite(sb->buf, 1, ihdr_end, f) != ihdr_end || fwrite(phys, 1, sizeof phys, f) != sizeof phys ||
              fwrite(sb->buf + ihdr_end, 1, sb->len - ihdr_end, f) != sb->len - ihdr_end;
    int e = errno;
    if (fclose(f) != 0) {
        e = errno;
        bad = 1;
    }
    if (bad) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write PNG '%s': %s", path, e ? strerror(e) : "write error");
        return -1;
    }
    return 0;
}

int plot_write(const plot_figure *fig, plot_format fmt, const char *path,
               char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = 0;
    if (!fig || !path || !*path) {
        set_err(err, errlen, "no figure or no path", NULL);
        return -1;
    }
    double w = fig->width, h = fig->height;
    if (!isfinite(w) || !isfinite(h) || !(w >= 1) || !(h >= 1) ||
        w > 16384 || h > 16384) {
        set_err(err, errlen, "invalid figure size", path);
        return -1;
    }
    const char *kind = fmt == PLOT_PNG ? "PNG" : fmt == PLOT_SVG ? "SVG"
                                                                 : "PDF";
    cairo_surface_t *surf = NULL;
    membuf sb = {NULL, 0, 0, 0};   /* the SVG or the PNG in memory */
    int pw = 0, ph = 0;
    const double dpi = isfinite(fig->dpi) && fig->dpi > 0 ? fig->dpi : 144.0;
    errno = 0;
    switch (fmt) {
    case PLOT_PNG: {
        /* the size in inches times the dpi (default 144: 2 px per point) */
        double fw = w / 72.0 * dpi, fh = h / 72.0 * dpi;
        if (!(fw <= PLOT_PNG_MAX_PX) || !(fh <= PLOT_PNG_MAX_PX)) {
            if (err && errlen > 0)
                snprintf(err, errlen, "cannot create PNG '%s': %.0f x %.0f pixels (%g dpi); allowed: at most %d a side",
                         path, ceil(fw), ceil(fh), dpi, PLOT_PNG_MAX_PX);
            return -1;
        }
        pw = (int)ceil(fw - 1e-6);
        ph = (int)ceil(fh - 1e-6);
        if (pw < 1)
            pw = 1;
        if (ph < 1)
            ph = 1;
        surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
        break;
    }
    case PLOT_SVG:
        surf = cairo_svg_surface_create_for_stream(mem_collect, &sb, w, h);
        break;
    case PLOT_PDF:
        surf = cairo_pdf_surface_create(path, w, h);
        break;
    default:
        set_err(err, errlen, "unknown format", path);
        return -1;
    }
    cairo_status_t st = cairo_surface_status(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        int e = errno;
        if (err && errlen > 0) {
            if (st == CAIRO_STATUS_WRITE_ERROR && e != 0)
                snprintf(err, errlen, "cannot create %s '%s': %s (%s)", kind,
                         path, cairo_status_to_string(st), strerror(e));
            else
                snprintf(err, errlen, "cannot create %s '%s': %s", kind,
                         path, cairo_status_to_string(st));
        }
        cairo_surface_destroy(surf);
        free(sb.buf);
        return -1;
    }
    cairo_t *cr = cairo_create(surf);
    if (fmt == PLOT_PNG)
        cairo_scale(cr, (double)pw / w, (double)ph / h);
    /* SVG: the text as <text> elements (selectable, editable), not as
     * glyph outlines */
    pl_svgtext *rec = NULL;
    if (fmt == PLOT_SVG && !(rec = pl_svgtext_begin(cr, w, h))) {
        cairo_destroy(cr);
        cairo_surface_destroy(surf);
        free(sb.buf);
        set_err(err, errlen, "out of memory", path);
        return -1;
    }
    plot_draw(cr, fig, w, h);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && fmt == PLOT_PNG) {
        cairo_surface_flush(surf);
        st = cairo_surface_write_to_png_stream(surf, mem_collect, &sb);
        if (st == CAIRO_STATUS_SUCCESS && sb.oom)
            st = CAIRO_STATUS_NO_MEMORY;
        if (st != CAIRO_STATUS_SUCCESS) {
            if (err && errlen > 0)
                snprintf(err, errlen, "cannot write PNG '%s': %s", path, cairo_status_to_string(st));
            cairo_surface_destroy(surf);
            free(sb.buf);
            return -1;
        }
    }
    cairo_surface_finish(surf);
    cairo_status_t st2 = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = st2;
    if (st == CAIRO_STATUS_SUCCESS && sb.oom)
        st = CAIRO_STATUS_NO_MEMORY;
    if (st != CAIRO_STATUS_SUCCESS) {
        pl_svgtext_discard(rec);
        free(sb.buf);
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write %s '%s': %s", kind, path,
                     cairo_status_to_string(st));
        return -1;
    }
    if (fmt == PLOT_SVG || fmt == PLOT_PNG) {
        int rc = fmt == PLOT_SVG ? svg_save(&sb, rec, path, err, errlen) : png_save(&sb, dpi, path, err, errlen);
        free(sb.buf);
        return rc;
    }
    return 0;
}

int plot_save_png(cairo_surface_t *sf, const char *path, char *err, size_t errlen)
{
    afile a;
    if (afile_reserve(&a, path, err, errlen) != AFILE_OK)
        return -1;
    cairo_surface_flush(sf);
    cairo_status_t st = cairo_surface_write_to_png(sf, a.tmp);
    if (st != CAIRO_STATUS_SUCCESS) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write '%s': %s", path, cairo_status_to_string(st));
        afile_abort(&a);
        return -1;
    }
    return afile_commit(&a, err, errlen) == AFILE_OK ? 0 : -1;
}
