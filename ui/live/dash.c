/* The dashboard drawn with cairo: four panels, the control strip, the
 * status bar and the help overlay, laid out for any window size. */
#include "live.h"
#include "circuit_draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Layout                                                                 */

#define SLIDER_W 210.0
#define SLIDER_H 46.0
#define BUTTON_H 30.0
#define STATUS_H 28.0

/* The four panels in a w x ph area from the top left: 2 x 2 (one column
 * when narrow and tall enough for four rows of 150 units); the kernel
 * panel holds two plots side by side. */
static void place_panels(live_layout *L, double w, double ph)
{
    const double u = L->u;
    int pc = w >= 500 * u || ph < 4 * 150 * u ? 2 : 1;
    int pr = pc == 2 ? 2 : 4;
    double pw = w / pc, pht = ph / pr;
    for (int k = 0; k < LIVE_NPANELS; k++) {
        int r = k / pc, c = k % pc;
        L->panel[k] = (plot_rect){c * pw, r * pht, pw, pht};
    }
    L->plot[0] = L->panel[0];
    plot_rect k = L->panel[1];
    L->plot[1] = (plot_rect){k.x, k.y, 0.42 * k.w, k.h};
    L->plot[2] = (plot_rect){k.x + 0.42 * k.w, k.y, 0.58 * k.w, k.h};
    L->plot[3] = L->panel[2];
    L->plot[4] = L->panel[3];
}

/* The control strip at level lv (0: everything; each level gives the
 * panels more room): 1 packs the sliders into narrower columns, 2 drops
 * the model selector row (m and M still cycle), 3 the buttons row (their
 * keys stay), 4 packs the sliders tighter still. Returns the strip's
 * height above the status bar, with the columns and whether each row is
 * shown. */
#define STRIP_LEVELS 5
static double strip_plan(double w, double u, int lv, int *cols, int *buttons, int *models)
{
    const double pad = 6 * u;
    const double sw = (lv >= 4 ? 0.65 : lv >= 1 ? 0.8 : 1.0) * SLIDER_W;
    int c = (int)floor((w - pad) / (sw * u));
    c = c < 1 ? 1 : c > LIVE_NSLIDERS ? LIVE_NSLIDERS : c;
    *cols = c;
    *models = lv < 2;
    *buttons = lv < 3;
    const int rows = (LIVE_NSLIDERS + c - 1) / c;
    return rows * SLIDER_H * u + (*buttons + *models) * (BUTTON_H + 6) * u + pad;
}

void live_layout_compute(live_layout *L, double w, double h, double u)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->u = u;
    const double pad = 6 * u;
    /* status bar at the bottom, controls above it */
    L->status = (plot_rect){0, h - STATUS_H * u, w, STATUS_H * u};
    /* the panels keep 60 % of the height above the status bar, and rows
     * of 200 units where that leaves the strip a third (legends and
     * labels need room beside the data): the strip gives up its side
     * items first */
    int cols = 1, buttons = 1, models = 1;
    double strip = 0;
    const double need = fmax(0.6 * L->status.y, fmin(400 * u, 0.68 * L->status.y));
    for (int lv = 0; lv < STRIP_LEVELS; lv++) {
        strip = strip_plan(w, u, lv, &cols, &buttons, &models);
        if (L->status.y - strip - pad >= need)
            break;
    }
    const double cw = (w - pad) / cols;
    double y0 = L->status.y - strip;
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        int r = i / cols, c = i % cols;
        plot_rect cell = {pad + c * cw, y0 + r * SLIDER_H * u, cw - pad, SLIDER_H * u - 4 * u};
        L->slider[i] = cell;
        L->track[i] = (plot_rect){cell.x + 8 * u, cell.y + 24 * u, cell.w - 16 * u, 14 * u};
    }
    const int rows = (LIVE_NSLIDERS + cols - 1) / cols;
    /* buttons row, then the model selector row (w = 0: not shown) */
    double yb = y0 + rows * SLIDER_H * u + 2 * u;
    double bw = (w - pad) / LIVE_NBUTTONS;
    if (buttons) {
        for (int i = 0; i < LIVE_NBUTTONS; i++)
            L->button[i] = (plot_rect){pad + i * bw, yb, bw - pad, BUTTON_H * u};
        yb += (BUTTON_H + 6) * u;
    }
    double mw = (w - pad) / live_model_count();
    if (models)
        for (int i = 0; i < live_model_count(); i++)
            L->model[i] = (plot_rect){pad + i * mw, yb, mw - 2 * u, BUTTON_H * u};
    /* panels: 2 x 2 above the strip (one column when narrow) */
    double ph = y0 - pad;
    if (ph < 100 * u)
        ph = 100 * u;
    place_panels(L, w, ph);
}

void live_layout_for(live_layout *L, double w, double h, double u, const live_ui *ui)
{
    live_layout_compute(L, w, h, u);
    if (!ui || !ui->tour || !ui->tour->shown || ui->tour->nsteps == 0)
        return;
    /* the tour's column on the right of the panels, as tall as they are */
    double tw = 0.3 * w;
    tw = tw < 300 * u ? 300 * u : tw > 540 * u ? 540 * u : tw;
    if (tw > 0.55 * w)
        tw = 0.55 * w;
    const double ph = L->panel[LIVE_NPANELS - 1].y + L->panel[LIVE_NPANELS - 1].h;
    place_panels(L, w - tw, ph);
    const double pad = 6 * u;
    L->tour = (plot_rect){w - tw + pad, pad, tw - 2 * pad, ph - 2 * pad};
}

static int in(const plot_rect *r, double x, double y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

int live_hit_slider(const live_layout *L, double x, double y)
{
    for (int i = 0; i < LIVE_NSLIDERS; i++)
        if (in(&L->slider[i], x, y))
            return i;
    return -1;
}

int live_hit_track(const live_layout *L, double x, double y)
{
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        plot_rect t = L->track[i];
        t.y -= 6 * L->u;
        t.h += 12 * L->u;
        t.x -= 6 * L->u;
        t.w += 12 * L->u;
        if (in(&t, x, y))
            return i;
    }
    return -1;
}

int live_hit_button(const live_layout *L, double x, double y)
{
    for (int i = 0; i < LIVE_NBUTTONS; i++)
        if (in(&L->button[i], x, y))
            return i;
    return -1;
}

int live_hit_model(const live_layout *L, double x, double y)
{
    for (int i = 0; i < live_model_count(); i++)
        if (in(&L->model[i], x, y))
            return i;
    return -1;
}

int live_hit_panel(const live_layout *L, double x, double y)
{
    for (int i = 0; i < LIVE_NPANELS; i++)
        if (in(&L->panel[i], x, y))
            return i;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Status                                                                 */

/* What a number that must be ≪ 1 says about the theory's assumption. */
static const char *verdict(double v)
{
    return !isfinite(v) ? "" : v < 0.1 ? "holds" : v < 0.5 ? "holds roughly" : "fails: expect the curves off the theory lines";
}

int live_status_items(const live_ui *u, const qnn_snapshot *sn, live_status_item it[LIVE_STATUS_ITEMS])
{
    int n = 0;
#define ITEM(pr, ...) do { snprintf(it[n].text, sizeof it[n].text, __VA_ARGS__); it[n].brief[0] = 0; it[n++].prio = (pr); } while (0)
#define BRIEF(...) snprintf(it[n - 1].brief, sizeof it[n - 1].brief, __VA_ARGS__)
    if (sn->busy && sn->target_step >= 0) {
        ITEM(0, "replaying: step %ld of %ld", sn->step, sn->target_step);
        BRIEF("replaying: %ld/%ld", sn->step, sn->target_step);
    } else {
        ITEM(0, "%s step %ld", sn->busy ? "building:" : sn->playing ? "▶" : "paused:", sn->step);
    }
    ITEM(1, "%.0f steps/s", sn->steps_per_s);
    if (isfinite(sn->rate)) {
        ITEM(3, "predicted rate ηK̄ = %.3g per step", sn->rate);
        BRIEF("ηK̄ = %.2g/step", sn->rate);
    }
    if (isfinite(sn->conc_kernel)) {
        /* LIU23 Eq. 16 (the help gives the formulas): the spread of the
         * kernel over the instances and its change in training, relative
         * to its mean, must both be ≪ 1 */
        const double worst = isfinite(sn->conc_dqntk) ? fmax(sn->conc_kernel, sn->conc_dqntk) : sn->conc_kernel;
        if (isfinite(sn->conc_dqntk))
            ITEM(5, "kernel spread %.2g, drift %.2g (should be ≪ 1: the theory's assumption %s)", sn->conc_kernel,
                 sn->conc_dqntk, verdict(worst));
        else
            ITEM(5, "kernel spread %.2g (should be ≪ 1: the theory's assumption %s)", sn->conc_kernel, verdict(worst));
        BRIEF("spread %.2g: %s", worst, worst < 0.1 ? "theory holds" : worst < 0.5 ? "theory roughly" : "theory off");
    }
    if (sn->nrec > 0 && isfinite(sn->acc_mean[sn->nrec - 1])) {
        double a = sn->acc_mean[sn->nrec - 1], ta = sn->test_acc_mean[sn->nrec - 1];
        if (isfinite(ta))
            ITEM(2, "accuracy %.3f, test %.3f", a, ta);
        else
            ITEM(2, "accuracy %.3f", a);
        BRIEF("acc %.2f", isfinite(ta) ? ta : a);
    }
    if (sn->converged_step >= 0 && sn->ndiverged == 0) {
        ITEM(2, "converged at step %ld", sn->converged_step);
        BRIEF("conv. @%ld", sn->converged_step);
    }
    if (sn->theory_note) {
        /* the model's note names equations: here the gist, the note is in the help */
        if (strstr(sn->theory_note, "2-design"))
            ITEM(6, "no theory line: this circuit is not random enough for it; dotted: the kernel frozen at its start");
        else
            ITEM(6, "%s", sn->theory_note);
        BRIEF("no theory line");
    }
    ITEM(4, "%d instances", sn->ninst);
    BRIEF("%d inst.", sn->ninst);
    if (sn->ndiverged > 0) {
        ITEM(0, "DIVERGED: %d of %d instances (from step %ld)", sn->ndiverged, sn->ninst, sn->diverged_step);
        BRIEF("DIVERGED %d/%d", sn->ndiverged, sn->ninst);
    }
    if (u && u->entry)
        ITEM(2, "typing");
#undef BRIEF
#undef ITEM
    return n;
}

void live_status_text(const live_ui *u, const qnn_snapshot *sn, char *buf, size_t len)
{
    live_status_item it[LIVE_STATUS_ITEMS];
    int n = live_status_items(u, sn, it);
    size_t o = 0;
    if (len)
        buf[0] = 0;
    for (int i = 0; i < n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i ? " · " : "", it[i].text);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                */

static void rounded(cairo_t *cr, plot_rect r, double rad)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, r.x + r.w - rad, r.y + rad, rad, -M_PI / 2, 0);
    cairo_arc(cr, r.x + r.w - rad, r.y + r.h - rad, rad, 0, M_PI / 2);
    cairo_arc(cr, r.x + rad, r.y + r.h - rad, rad, M_PI / 2, M_PI);
    cairo_arc(cr, r.x + rad, r.y + rad, rad, M_PI, 1.5 * M_PI);
    cairo_close_path(cr);
}

/* A box of the overlays (tour, circuit, replay): rounded, filled with
 * the colour (fr, fg, fb), framed in the first palette colour. */
static void framed_box(cairo_t *cr, plot_rect r, double s, double fr, double fg, double fb)
{
    double rgb[3];
    plot_palette(0, rgb);
    rounded(cr, r, 8 * s);
    cairo_set_source_rgb(cr, fr, fg, fb);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, 1.5 * s);
    cairo_stroke(cr);
}

static void draw_slider(cairo_t *cr, const live_layout *L, const live_ui *u, int i,
                        const qnn_params *req)
{
    const double s = L->u;
    const plot_rect c = L->slider[i], t = L->track[i];
    const int on = live_slider_applies(i, req);
    const int focus = u && u->focus == i;
    if (focus) {
        cairo_set_source_rgb(cr, 0.88, 0.93, 1.0);
        rounded(cr, c, 4 * s);
        cairo_fill(cr);
    }
    double v = live_slider_value(u, i, req);
    char val[64], lab[160], rng[64];
    live_slider_text(i, v, req, val, sizeof val);
    if (u && u->entry && focus)
        snprintf(val, sizeof val, "%s▏", u->entry_buf);
    const live_slider_def *d = &live_sliders[i];
    snprintf(lab, sizeof lab, "%s = %s", live_slider_label(i, req), on ? val : "n/a");
    cairo_set_source_rgb(cr, on ? 0.05 : 0.55, on ? 0.05 : 0.55, on ? 0.05 : 0.55);
    const double lw = plot_text(cr, lab, 12.5 * s, c.x + 8 * s, c.y + 16 * s, 0, focus);
    if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT)
        snprintf(rng, sizeof rng, "%.0f … %.0f", d->lo, d->hi);
    else
        snprintf(rng, sizeof rng, "%.3g … %.3g%s", d->lo, d->hi, d->scale == LIVE_LOG ? " (log)" : "");
    /* the range where it fits beside the label (narrow cells drop it) */
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    if (lw + plot_text_width(cr, rng, 9 * s, 0) + 22 * s <= c.w)
        plot_text(cr, rng, 9 * s, c.x + c.w - 6 * s, c.y + 16 * s, 1, 0);
    /* track and thumb */
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    rounded(cr, (plot_rect){t.x, t.y + 0.35 * t.h, t.w, 0.3 * t.h}, 0.15 * t.h);
    cairo_fill(cr);
    double f = live_slider_frac(i, v);
    double rgb[3];
    plot_palette(0, rgb);
    if (on) {
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        rounded(cr, (plot_rect){t.x, t.y + 0.35 * t.h, f * t.w, 0.3 * t.h}, 0.15 * t.h);
        cairo_fill(cr);
        cairo_arc(cr, t.x + f * t.w, t.y + 0.5 * t.h, 0.5 * t.h, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_set_line_width(cr, 2 * s);
        cairo_stroke(cr);
    }
}

static void draw_button(cairo_t *cr, plot_rect r, const char *label, int active, double s)
{
    double rgb[3];
    plot_palette(0, rgb);
    rounded(cr, r, 5 * s);
    if (active)
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    else
        cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1 * s);
    cairo_stroke(cr);
    if (active)
        cairo_set_source_rgb(cr, 1, 1, 1);
    else
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    double fs = 12 * s;
    double tw = plot_text_width(cr, label, fs, 0);
    if (tw > r.w - 6 * s)
        fs *= (r.w - 6 * s) / tw;
    plot_text(cr, label, fs, r.x + 0.5 * r.w, r.y + 0.5 * r.h + 0.36 * fs, 0.5, 0);
}

/* Wraps and draws a block of text (lines split at '\n' and at spaces,
 * never inside a markup group {...}) inside width w; returns the height
 * used. */
static double draw_par_b(cairo_t *cr, const char *text, double fs, double x, double y, double w, int draw, int bold)
{
    char line[512];
    double yy = y;
    const char *p = text;
    while (*p) {
        /* one source line */
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t start = 0;
        while (start < n || n == 0) {
            /* the longest prefix that fits */
            size_t best = n - start, k = start;
            size_t lastsp = 0;
            int found = 0, depth = 0;
            for (k = start; k <= n; k++) {
                if (k < n && p[k] == '{')
                    depth++;
                else if (k < n && p[k] == '}' && depth > 0)
                    depth--;
                if (k == n || (p[k] == ' ' && depth == 0)) {
                    size_t l = k - start < sizeof line - 1 ? k - start : sizeof line - 1;
                    memcpy(line, p + start, l);
                    line[l] = 0;
                    if (plot_text_width(cr, line, fs, bold) > w && found)
                        break;
                    lastsp = k;
                    found = 1;
                }
            }
            best = lastsp - start;
            size_t l = best < sizeof line - 1 ? best : sizeof line - 1;
            memcpy(line, p + start, l);
            line[l] = 0;
            if (draw)
                plot_text(cr, line, fs, x, yy + fs, 0, bold);
            yy += 1.35 * fs;
            start = lastsp + 1;
            if (n == 0)
                break;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return yy - y;
}

static double draw_par(cairo_t *cr, const char *text, double fs, double x, double y, double w, int draw)
{
    return draw_par_b(cr, text, fs, x, y, w, draw, 0);
}

/* The tour box: "Tour k/N", the title, the paragraphs, the formula, what
 * to try, and the keys. The text is as large as fits (130 % down to
 * 60 %; a lecture hall reads it from afar). */
static double tour_content(cairo_t *cr, const live_tour *t, plot_rect r, double s, double f, int draw)
{
    const live_tour_step *st = &t->step[t->cur];
    const double x = r.x + 14 * s, w = r.w - 28 * s;
    double y = r.y + 10 * s;
    double rgb[3];
    plot_palette(0, rgb);
    char head[64];
    snprintf(head, sizeof head, "Tour %d/%d", t->cur + 1, t->nsteps);
    if (draw) {
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        plot_text(cr, head, 12.5 * s * f, x, y + 12.5 * s * f, 0, 1);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        plot_text(cr, "> next · < back · i hide", 11 * s * f, x + w, y + 12.5 * s * f, 1, 0);
    }
    y += 20 * s * f;
    if (draw)
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    y += draw_par_b(cr, st->title, 17 * s * f, x, y, w, draw, 1) + 6 * s * f;
    if (draw)
        cairo_set_source_rgb(cr, 0.12, 0.12, 0.12);
    /* paragraphs: a little space between them */
    const char *p = st->text;
    char para[2048];
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(para, sizeof para, "%.*s", (int)(n < sizeof para - 1 ? n : sizeof para - 1), p);
        y += draw_par(cr, para, 13.5 * s * f, x, y, w, draw) + 6 * s * f;
        p += n;
        if (*p == '\n')
            p++;
    }
    if (st->formula[0]) {
        const double fh = draw_par(cr, st->formula, 15 * s * f, x + 10 * s, y + 6 * s * f, w - 20 * s, 0);
        if (draw) {
            cairo_set_source_rgb(cr, 0.93, 0.95, 1.0);
            rounded(cr, (plot_rect){x, y, w, fh + 14 * s * f}, 5 * s);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.05, 0.05, 0.2);
            draw_par(cr, st->formula, 15 * s * f, x + 10 * s, y + 6 * s * f, w - 20 * s, 1);
        }
        y += fh + 22 * s * f;
    }
    if (draw) {
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        plot_text(cr, "Try", 13.5 * s * f, x, y + 13.5 * s * f, 0, 1);
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    }
    const double tx = plot_text_width(cr, "Try  ", 13.5 * s * f, 1);
    y += draw_par(cr, st->try_, 13.5 * s * f, x + tx, y, w - tx, draw) + 4 * s * f;
    return y - r.y + 6 * s;
}

static void draw_tour(cairo_t *cr, const live_layout *L, const live_ui *u)
{
    const live_tour *t = u->tour;
    const double s = L->u;
    const plot_rect r = L->tour;
    framed_box(cr, r, s, 1.0, 0.99, 0.95);
    double f = 1.3;
    while (f > 0.6 && tour_content(cr, t, r, s, f, 0) > r.h)
        f *= 0.93;
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    tour_content(cr, t, r, s, f, 1);
    cairo_restore(cr);
}

/* The circuit diagram (key d) over the panels: title, summary, the
 * colours, then the rows folded to the width and scrolled by u->circuit. */
static void draw_circuit(cairo_t *cr, const live_layout *L, const live_ui *u)
{
    const double s = L->u;
    double W = 0, H = 0;
    for (int k = 0; k < LIVE_NPANELS; k++) {
        W = fmax(W, L->panel[k].x + L->panel[k].w);
        H = fmax(H, L->panel[k].y + L->panel[k].h);
    }
    const double x0 = 6 * s, w0 = W - 12 * s;
    if (w0 < 60 * s || H < 80 * s)
        return;
    live_circuit *c = u->circuit;
    /* the rows: folded to the width; a small circuit in larger type (up
     * to 1.6 times, as long as it folds into no more rows and fits), the
     * choice kept while the size stays */
    const double x = x0 + 16 * s, w = w0 - 32 * s, head = 82 * s;
    const double sb = 10 * s, aw = w - sb - 4 * s, ahmax = H - 12 * s - head - 8 * s;
    const int ok = c && c->status == 0 && ahmax > 12 * s;
    double fs = 12 * s, total = 0;
    if (ok) {
        if (c->fit_w != aw || c->fit_h != ahmax || c->fit_s != s) {
            total = cl_cairo_fold(cr, &c->L, aw, fs);
            const int rows = c->L.nrows;
            c->fit_fs = fs;
            for (double f = 1.6; f > 1.05; f -= 0.1) {
                double t = cl_cairo_fold(cr, &c->L, aw, f * 12 * s);
                if (c->L.nrows <= rows && t <= ahmax) {
                    c->fit_fs = f * 12 * s;
                    break;
                }
            }
            c->fit_w = aw;
            c->fit_h = ahmax;
            c->fit_s = s;
        }
        fs = c->fit_fs;
        /* a long circuit is measured once, not at every frame */
        if (c->fold_id != c->L.folds || c->fold_w != aw || c->fold_fs != fs) {
            c->fold_total = cl_cairo_fold(cr, &c->L, aw, fs);
            c->fold_w = aw;
            c->fold_fs = fs;
            c->fold_id = c->L.folds;
        }
        total = c->fold_total;
    }
    /* the box as tall as the diagram: the panels below stay in sight */
    const double bh = ok ? fmin(H - 12 * s, head + total + 24 * s) : fmin(H - 12 * s, 160 * s);
    const plot_rect r = {x0, 6 * s, w0, bh};
    double rgb[3];
    plot_palette(0, rgb);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.25);
    cairo_rectangle(cr, 0, 0, W, H);
    cairo_fill(cr);
    framed_box(cr, r, s, 1, 1, 1);
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    double y = r.y + 12 * s;
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    plot_text(cr, c ? c->title : "circuit diagram", 16 * s, x, y + 16 * s, 0, 1);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    plot_text(cr, "↑ ↓ PgUp PgDn Home End, wheel: scroll · d or Esc: close · E: export", 11 * s, x + w, y + 16 * s, 1, 0);
    y += 26 * s;
    if (!ok) {
        cairo_set_source_rgb(cr, 0.7, 0.1, 0.1);
        draw_par(cr, !c ? "the diagram is being built" : c->status ? c->err : "the window is too small for the diagram",
                 13 * s, x, y, w, 1);
        cairo_restore(cr);
        return;
    }
    char sum[512];
    cl_summary(&c->L, sum, sizeof sum);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    plot_text(cr, sum, 11.5 * s, x, y + 11.5 * s, 0, 0);
    y += 18 * s;
    /* what the colours of the boxes say */
    static const struct { int color; const char *what; } key[] = {
        {0, "trainable angle"}, {2, "data feature"}, {-1, "fixed gate"}};
    double kx = x;
    for (int i = 0; i < 3; i++) {
        double k[3];
        if (key[i].color >= 0)
            plot_palette(key[i].color, k);
        else
            k[0] = k[1] = k[2] = 0.35;
        rounded(cr, (plot_rect){kx, y + 2 * s, 14 * s, 10 * s}, 2 * s);
        cairo_set_source_rgb(cr, 1 - 0.14 * (1 - k[0]), 1 - 0.14 * (1 - k[1]), 1 - 0.14 * (1 - k[2]));
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, k[0], k[1], k[2]);
        cairo_set_line_width(cr, 1 * s);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        kx += 20 * s + plot_text(cr, key[i].what, 11 * s, kx + 19 * s, y + 11 * s, 0, 0) + 14 * s;
    }
    y = r.y + head;
    const double ax = x, ay = y, ah = r.y + r.h - 12 * s - ay;
    const double line = cl_cairo_line(fs);
    c->page = ah / line;
    c->max_scroll = total > ah ? ceil((total - ah) / line) : 0;
    c->scroll = fmin(fmax(c->scroll, 0), c->max_scroll);
    cl_cairo_draw(cr, &c->L, ax, ay, aw, ah, fs, c->scroll * line);
    if (total > ah) {
        /* the scroll bar */
        const plot_rect tr = {ax + aw + 4 * s, ay, sb, ah};
        rounded(cr, tr, 0.5 * sb);
        cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
        cairo_fill(cr);
        const double th = fmax(2 * sb, ah * ah / total);
        const double ty = ay + (ah - th) * (c->max_scroll > 0 ? c->scroll / c->max_scroll : 0);
        rounded(cr, (plot_rect){tr.x, ty, sb, th}, 0.5 * sb);
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

/* The help's two columns at type factor f (draw 0: measured only): the
 * panel's help on the left, the keys on the right. Returns the height
 * the taller one needs. */
static double help_content(cairo_t *cr, plot_rect r, const live_ui *u, double s, double f, int draw)
{
    const live_help *h = &u->help_text;
    const int k = u->hover_panel >= 0 && u->hover_panel < LIVE_NPANELS ? u->hover_panel : 0;
    const double x = r.x + 24 * s, y = r.y + 20 * s, w = 0.56 * r.w - 36 * s;
    double hl;
    if (draw)
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    if (!h->loaded) {
        if (draw) {
            plot_text(cr, "help", 20 * s * f, x, y + 20 * s * f, 0, 1);
            cairo_set_source_rgb(cr, 0.7, 0.1, 0.1);
        }
        hl = 34 * s * f + draw_par(cr, h->error, 13 * s * f, x, y + 34 * s * f, w, draw);
    } else {
        if (draw) {
            plot_text(cr, h->title[k], 19 * s * f, x, y + 20 * s * f, 0, 1);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        }
        hl = 34 * s * f + draw_par(cr, h->text[k], 13.5 * s * f, x, y + 34 * s * f, w, draw);
    }
    /* keys on the right: the key column as wide as its widest entry, at
     * most 35 % of the column; a longer key has its text on the next line */
    const double xk = r.x + 0.58 * r.w, colw = r.x + r.w - xk - 20 * s, fk = 12 * s * f;
    double yk = r.y + 20 * s;
    if (draw) {
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
        plot_text(cr, "keys", 17 * s * f, xk, yk + 18 * s * f, 0, 1);
    }
    yk += 30 * s * f;
    double kw = 0;
    for (size_t i = 0; i < live_nkey_docs; i++)
        if (live_key_docs[i].faces & LIVE_FACE_WINDOW)
            kw = fmax(kw, plot_text_width(cr, live_key_docs[i].keys, fk, 1));
    kw = fmin(kw + 12 * s * f, 0.35 * colw);
    for (size_t i = 0; i < live_nkey_docs; i++) {
        if (!(live_key_docs[i].faces & LIVE_FACE_WINDOW))
            continue;
        if (draw) {
            cairo_set_source_rgb(cr, 0.1, 0.2, 0.5);
            plot_text(cr, live_key_docs[i].keys, fk, xk, yk + fk, 0, 1);
        }
        if (plot_text_width(cr, live_key_docs[i].keys, fk, 1) > kw - 6 * s * f)
            yk += 1.35 * fk;
        if (draw)
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        yk += draw_par(cr, live_key_docs[i].what, fk, xk + kw, yk, colw - kw, draw);
    }
    return fmax(hl + 20 * s, yk - r.y);
}

static void draw_help(cairo_t *cr, const live_layout *L, const live_ui *u)
{
    const double s = L->u;
    plot_rect r = {0.08 * L->w, 0.06 * L->h, 0.84 * L->w, 0.86 * L->h};
    cairo_set_source_rgba(cr, 0, 0, 0, 0.35);
    cairo_rectangle(cr, 0, 0, L->w, L->h);
    cairo_fill(cr);
    rounded(cr, r, 10 * s);
    cairo_set_source_rgb(cr, 1, 1, 0.98);
    cairo_fill(cr);
    /* the text as large as fits above the line at the bottom (100 % down
     * to 55 %; then cut off) */
    const double room = r.h - 34 * s;
    double f = 1.0;
    while (f > 0.55 && help_content(cr, r, u, s, f, 0) > room)
        f *= 0.93;
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, room);
    cairo_clip(cr);
    help_content(cr, r, u, s, f, 1);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    plot_text(cr, "point at a panel for its help · mouse: drag a slider, wheel for fine steps, click a button · F1 or ? closes",
              fmin(11 * s, 11 * s * (r.w - 20 * s) / fmax(1, plot_text_width(cr, "point at a panel for its help · mouse: drag a slider, wheel for fine steps, click a button · F1 or ? closes", 11 * s, 0))),
              r.x + 0.5 * r.w, r.y + r.h - 14 * s, 0.5, 0);
}

/* The status items (live_status_items) joined by " · " into at most
 * maxw at size fs (bold): by priority, each in full or brief, as many as
 * fit; the step is always there. */
static void status_fit(cairo_t *cr, const live_ui *u, const qnn_snapshot *sn, double fs, double maxw, char *buf,
                       size_t len)
{
    live_status_item it[LIVE_STATUS_ITEMS];
    const int n = live_status_items(u, sn, it);
    int form[LIVE_STATUS_ITEMS];   /* 0 dropped, 1 full, 2 brief */
    for (int i = 0; i < n; i++)
        form[i] = 1;
    for (;;) {
        size_t o = 0;
        buf[0] = 0;
        for (int i = 0; i < n && o < len; i++)
            if (form[i]) {
                int k = snprintf(buf + o, len - o, "%s%s", o ? " · " : "", form[i] == 2 ? it[i].brief : it[i].text);
                if (k < 0)
                    break;
                o += (size_t)k;
            }
        if (plot_text_width(cr, buf, fs, 1) <= maxw)
            return;
        /* the least important item still shown in full with a brief form
         * becomes brief; when none is left, the least important one goes */
        int pick = -1;
        for (int i = 0; i < n; i++)
            if (form[i] == 1 && it[i].brief[0] && (pick < 0 || it[i].prio >= it[pick].prio))
                pick = i;
        if (pick >= 0 && it[pick].prio > 0) {
            form[pick] = 2;
            continue;
        }
        pick = -1;
        for (int i = 1; i < n; i++)
            if (form[i] && it[i].prio > 0 && (pick < 0 || it[i].prio >= it[pick].prio))
                pick = i;
        if (pick < 0)
            return;
        form[pick] = 0;
    }
}

/* While a share string is replayed: a progress bar over the panels
 * ("replaying step 800 of 1500"). */
static void draw_replay(cairo_t *cr, const live_layout *L, const qnn_snapshot *sn)
{
    const double s = L->u;
    double W = 0, H = 0;
    for (int k = 0; k < LIVE_NPANELS; k++) {
        W = fmax(W, L->panel[k].x + L->panel[k].w);
        H = fmax(H, L->panel[k].y + L->panel[k].h);
    }
    cairo_set_source_rgba(cr, 0.97, 0.97, 0.97, 0.7);
    cairo_rectangle(cr, 0, 0, W, H);
    cairo_fill(cr);
    const double bw = fmin(W - 40 * s, 560 * s), bh = 86 * s;
    if (bw < 60 * s || H < bh)
        return;
    const plot_rect r = {0.5 * (W - bw), 0.5 * (H - bh), bw, bh};
    framed_box(cr, r, s, 1, 1, 1);
    double rgb[3];
    plot_palette(0, rgb);
    char t[160];
    snprintf(t, sizeof t, "replaying step %ld of %ld", sn->step, sn->target_step);
    const double fs = 16 * s;
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    plot_text(cr, t, fs, r.x + 0.5 * r.w, r.y + 14 * s + fs, 0.5, 1);
    const plot_rect tr = {r.x + 20 * s, r.y + 46 * s, r.w - 40 * s, 14 * s};
    const double f = sn->target_step > 0 ? fmin(1.0, fmax(0.0, (double)sn->step / (double)sn->target_step)) : 0;
    rounded(cr, tr, 0.5 * tr.h);
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_fill(cr);
    if (f * tr.w >= tr.h) {
        rounded(cr, (plot_rect){tr.x, tr.y, f * tr.w, tr.h}, 0.5 * tr.h);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    plot_text(cr, "the share string's run, headless at full speed; the controls follow when it is done", 10.5 * s,
              r.x + 0.5 * r.w, r.y + r.h - 10 * s, 0.5, 0);
}

void live_draw(cairo_t *cr, const live_layout *L, const live_ui *u, const qnn_snapshot *sn,
               const qnn_params *req, plot_geom g[LIVE_NPLOTS])
{
    const double s = L->u;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
    cairo_paint(cr);

    live_panels lp;
    live_view vw;
    live_view_of(u, &vw);
    if (live_panels_build(sn, &vw, &lp) == 0) {
        for (int k = 0; k < LIVE_NPLOTS; k++) {
            plot_rect r = L->plot[k];
            plot_draw_panel(cr, &lp.p[k], r.x, r.y, r.w, r.h, 11.0 * s, g ? &g[k] : NULL);
        }
        live_panels_free(&lp);
    }
    /* panel frames */
    cairo_set_source_rgb(cr, 0.82, 0.82, 0.82);
    cairo_set_line_width(cr, 1 * s);
    for (int k = 0; k < LIVE_NPANELS; k++) {
        cairo_rectangle(cr, L->panel[k].x + 0.5, L->panel[k].y + 0.5, L->panel[k].w - 1, L->panel[k].h - 1);
        cairo_stroke(cr);
    }
    /* controls */
    for (int i = 0; i < LIVE_NSLIDERS; i++)
        draw_slider(cr, L, u, i, req);
    for (int i = 0; i < LIVE_NBUTTONS; i++) {
        char lab[64];
        const live_button_def *b = &live_buttons[i];
        int active = 0;
        if (b->action == LIVE_PLAY) {
            snprintf(lab, sizeof lab, "%s  [%s]", sn->playing ? "❚❚ pause" : "▶ play", b->key);
            active = sn->playing;
        } else {
            snprintf(lab, sizeof lab, "%s  [%s]", b->label, b->key);
        }
        if (L->button[i].w > 0)
            draw_button(cr, L->button[i], lab, active, s);
    }
    for (int i = 0; i < live_model_count() && L->model[0].w > 0; i++) {
        char lab[64];
        snprintf(lab, sizeof lab, "%s", qnn_model_name(live_model_at(i)));
        draw_button(cr, L->model[i], lab, req->model == live_model_at(i), s);
    }
    /* status bar */
    plot_rect st = L->status;
    const int error = (u && u->status[0] && u->status_error) || (!(u && u->status[0]) && sn->message_error) ||
                      sn->ndiverged > 0;
    cairo_set_source_rgb(cr, error ? 0.75 : 0.2, error ? 0.12 : 0.22, error ? 0.1 : 0.28);
    cairo_rectangle(cr, st.x, st.y, st.w, st.h);
    cairo_fill(cr);
    char left[1024], right[1200];
    const char *msg = u && u->status[0] ? u->status : sn->message;
    if (u && u->last_export[0] && !(u->status[0]))
        snprintf(right, sizeof right, "exported to %s", u->last_export);
    else
        snprintf(right, sizeof right, "%s", msg);
    cairo_set_source_rgb(cr, 1, 1, 1);
    double fs = 12.5 * s;
    /* the items that fit in 60 % of the line when there is a message (all
     * of it otherwise), the least important first brief, then dropped */
    status_fit(cr, u, sn, fs, (right[0] ? 0.6 : 1.0) * st.w - 16 * s, left, sizeof left);
    double lw = plot_text(cr, left, fs, st.x + 8 * s, st.y + 0.5 * st.h + 0.36 * fs, 0, 1);
    double room = st.w - lw - 32 * s;
    double rw = plot_text_width(cr, right, fs, 0);
    double rfs = rw > room && rw > 0 ? fmax(7 * s, fs * room / rw) : fs;
    cairo_save(cr);
    cairo_rectangle(cr, st.x + lw + 16 * s, st.y, room + 8 * s, st.h);
    cairo_clip(cr);
    if (rw * rfs / fs > room)   /* still too long: from the left, cut at the edge */
        plot_text(cr, right, rfs, st.x + lw + 16 * s, st.y + 0.5 * st.h + 0.36 * rfs, 0, 0);
    else
        plot_text(cr, right, rfs, st.x + st.w - 8 * s, st.y + 0.5 * st.h + 0.36 * rfs, 1, 0);
    cairo_restore(cr);
    if (sn->busy && sn->target_step >= 0)
        draw_replay(cr, L, sn);
    if (u && u->circuit_shown)
        draw_circuit(cr, L, u);
    if (u && u->tour && u->tour->shown && u->tour->nsteps > 0 && L->tour.w > 0)
        draw_tour(cr, L, u);
    if (u && u->help)
        draw_help(cr, L, u);
    cairo_restore(cr);
}
