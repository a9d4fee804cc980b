/* The terminal face's screen as text cells: layout, panels, sliders,
 * status and help (tui.h). No terminal here. */
#include "tui.h"
#include "circuit_text.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tab_names[LIVE_NPANELS] = {"ε(t)", "kernel", "entropy", "Hessian"};

/* ---------------------------------------------------------------------- */
/* Layout                                                                 */

void tui_layout_compute(tui_layout *L, int W, int H, const tui_view *v)
{
    memset(L, 0, sizeof *L);
    L->W = W;
    L->H = H;
    if (W < TUI_MIN_W || H < TUI_MIN_H) {
        L->too_small = 1;
        return;
    }
    /* sliders: columns of at least 26 cells, all nine in as few rows as fit */
    int cols = W / 26;
    cols = cols < 3 ? 3 : cols > LIVE_NSLIDERS ? LIVE_NSLIDERS : cols;
    L->sl_rows = (LIVE_NSLIDERS + cols - 1) / cols;
    cols = (LIVE_NSLIDERS + L->sl_rows - 1) / L->sl_rows;   /* balance the rows */
    const int colw = W / cols;
    L->status_y = H - 1;
    L->msg_y = H - 2;
    L->detail_y = H - 3;
    const int sy = L->detail_y - L->sl_rows;
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        int r = i / cols, c = i % cols;
        L->sl_x[i] = c * colw;
        L->sl_y[i] = sy + r;
        L->sl_w[i] = (c == cols - 1 ? W - c * colw : colw) - 1;
        int tw = L->sl_w[i] / 3;
        tw = tw < 6 ? 6 : tw;
        L->tr_w[i] = tw;
        L->tr_x[i] = L->sl_x[i] + L->sl_w[i] - tw;
    }
    /* tabs in the header, right-aligned */
    int x = W;
    for (int k = LIVE_NPANELS - 1; k >= 0; k--) {
        int w = tg_width(tab_names[k], v->cs) + 5;   /* " 1 name " and a gap */
        x -= w;
        L->tab_x[k] = x;
        L->tab_w[k] = w;
    }
    /* panels: rows 1 .. sy-1, less the tour box */
    const int ay = 1;
    int ah = sy - 1;
    if (v->tour_full > 0) {
        if (ah - v->tour_full >= TUI_TOUR_MIN_PANEL) {
            L->tour_mode = TUI_TOUR_BAND;
            L->tour_h = v->tour_full;
        } else if (!v->tour_brief || ah - v->tour_brief_rows < 4) {
            L->tour_mode = TUI_TOUR_PAGE;
            L->tour_h = ah;
        } else {
            L->tour_mode = TUI_TOUR_BRIEF;
            L->tour_h = v->tour_brief_rows;
        }
        ah -= L->tour_h;
        L->tour_y = ay + ah;
    }
    if (ah <= 0) {
        L->npanels = 0;
        return;
    }
    L->grid = !v->zoom && W >= 120 && ah >= 30;
    if (L->grid) {
        const int hw = W / 2, hh = ah / 2;
        for (int k = 0; k < LIVE_NPANELS; k++) {
            L->pk[k] = k;
            L->px[k] = (k % 2) * hw;
            L->py[k] = ay + (k / 2) * hh;
            L->pw[k] = k % 2 ? W - hw : hw - 1;
            L->ph[k] = k / 2 ? ah - hh : hh;
        }
        L->npanels = LIVE_NPANELS;
    } else {
        L->npanels = 1;
        L->pk[0] = v->tab;
        L->px[0] = 0;
        L->py[0] = ay;
        L->pw[0] = W;
        L->ph[0] = ah;
    }
}

int tui_hit_slider(const tui_layout *L, int x, int y, double *frac)
{
    if (frac)
        *frac = -1;
    if (L->too_small)
        return -1;
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        if (y != L->sl_y[i] || x < L->sl_x[i] || x >= L->sl_x[i] + L->sl_w[i])
            continue;
        if (frac && x >= L->tr_x[i] && L->tr_w[i] > 1)
            *frac = (double)(x - L->tr_x[i]) / (L->tr_w[i] - 1);
        return i;
    }
    return -1;
}

int tui_hit_tab(const tui_layout *L, int x, int y)
{
    if (L->too_small || y != 0)
        return -1;
    for (int k = 0; k < LIVE_NPANELS; k++)
        if (x >= L->tab_x[k] && x < L->tab_x[k] + L->tab_w[k])
            return k;
    return -1;
}

int tui_hit_panel(const tui_layout *L, int x, int y)
{
    if (L->too_small)
        return -1;
    for (int i = 0; i < L->npanels; i++)
        if (x >= L->px[i] && x < L->px[i] + L->pw[i] && y >= L->py[i] && y < L->py[i] + L->ph[i])
            return L->pk[i];
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Pieces                                                                 */

/* Text with plot markup. */
static int label(tg_grid *g, int x, int y, int maxw, const char *s, int color, int attr)
{
    char buf[1024];
    tg_markup(s, buf, sizeof buf, g->cs);
    return tg_text(g, x, y, maxw, buf, color, attr);
}

/* What the header says besides the names: a replay under way with its
 * progress bar ("replaying 800/1500 ▕████░░░░▏"), the convergence
 * ("converged at step 412"), a recording ("● REC 120 frames"), joined by
 * " · ". Empty when none. */
static void header_events(char *t, size_t len, const live_ui *u, const qnn_snapshot *sn, tg_charset cs)
{
    const int utf = cs == TG_UTF8;
    size_t o = 0;
    t[0] = 0;
    if (sn->busy && sn->target_step >= 0) {
        enum { BAR = 12 };
        const double f = sn->target_step > 0 ? (double)sn->step / (double)sn->target_step : 1.0;
        const int full = (int)floor((f < 0 ? 0 : f > 1 ? 1 : f) * BAR);
        char bar[BAR * 3 + 8];
        size_t b = 0;
        const char *on = utf ? "█" : "#", *off = utf ? "░" : "-";
        b += (size_t)snprintf(bar + b, sizeof bar - b, "%s", utf ? "▕" : "[");
        for (int i = 0; i < BAR; i++)
            b += (size_t)snprintf(bar + b, sizeof bar - b, "%s", i < full ? on : off);
        snprintf(bar + b, sizeof bar - b, "%s", utf ? "▏" : "]");
        o += (size_t)snprintf(t + o, len - o, "replaying %ld/%ld %s", sn->step, sn->target_step, bar);
    }
    if (sn->converged_step >= 0 && o < len)
        o += (size_t)snprintf(t + o, len - o, "%sconverged at step %ld", o ? " · " : "", sn->converged_step);
    if (live_recording(u) && o < len)
        snprintf(t + o, len - o, "%s%s REC %ld frames", o ? " · " : "", utf ? "●" : "*", live_record_frames(u));
}

static void header(tg_grid *g, const tui_layout *L, const tui_view *v, const live_ui *u,
                   const qnn_snapshot *sn)
{
    tg_fill(g, 0, 0, L->W, 1, TG_DEFAULT, TG_REVERSE);
    char t[512], ev[256];
    header_events(ev, sizeof ev, u, sn, g->cs);
    if (u->tour && u->tour->nsteps > 0)
        snprintf(t, sizeof t, " qnnlab · tour %d/%d · %s · %s ", u->tour->cur + 1, u->tour->nsteps, u->preset,
                 qnn_model_name(sn->params.model));
    else
        snprintf(t, sizeof t, " qnnlab · %s · %s ", u->preset, qnn_model_name(sn->params.model));
    const int room = L->tab_x[0] - 1;
    int tw;
    if (!ev[0]) {
        tw = tg_text(g, 0, 0, room, t, TG_DEFAULT, TG_REVERSE | TG_BOLD);
    } else {
        /* " · " between; the events first where both do not fit: they
         * are news */
        const int ew = tg_width(ev, g->cs);
        size_t tl = strlen(t);
        snprintf(t + tl, sizeof t - tl, "· ");
        if (tg_width(t, g->cs) + ew + 1 > room)
            snprintf(t, sizeof t, " qnnlab · ");
        tw = tg_text(g, 0, 0, room, t, TG_DEFAULT, TG_REVERSE | TG_BOLD);
        if (tw + ew > room)
            tw = 0;
        tg_text(g, tw ? tw : 1, 0, room - (tw ? tw : 1), ev, sn->converged_step >= 0 && !sn->busy ? 3 : TG_DEFAULT,
                TG_REVERSE | TG_BOLD);
    }
    const int active = L->grid ? -1 : v->tab;
    for (int k = 0; k < LIVE_NPANELS; k++) {
        char s[64];
        snprintf(s, sizeof s, " %d %s ", k + 1, tab_names[k]);
        /* the shown tab in normal video: it reads as the open one */
        int at = k == active ? TG_BOLD | TG_UNDERLINE : TG_REVERSE;
        tg_text(g, L->tab_x[k] + 1, 0, L->tab_w[k] - 1, s, TG_DEFAULT, at);
    }
}

static void track(tg_grid *g, int x, int y, int w, double f, int on, int focus)
{
    const int utf = g->cs == TG_UTF8;
    int pos = (int)lround(f * (w - 1));
    for (int i = 0; i < w; i++) {
        const char *c = i == pos ? (utf ? "●" : "O") : i < pos ? (utf ? "━" : "=") : (utf ? "─" : "-");
        int color = !on ? TG_GREY : i <= pos ? 1 : TG_GREY;
        tg_put(g, x + i, y, c, color, !on ? TG_DIM : focus && i == pos ? TG_BOLD : 0);
    }
}

static void sliders(tg_grid *g, const tui_layout *L, const live_ui *u, const qnn_params *req)
{
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        const int on = live_slider_applies(i, req), focus = u->focus == i;
        double v = live_slider_value(u, i, req);
        char val[64], lab[160];
        live_slider_text(i, v, req, val, sizeof val);
        if (u->entry && focus)
            snprintf(val, sizeof val, "%s_", u->entry_buf);
        snprintf(lab, sizeof lab, "%s %s", live_slider_label(i, req), on ? val : "n/a");
        const int tw = L->tr_x[i] - L->sl_x[i] - 1;
        int attr = !on ? TG_DIM : focus ? TG_REVERSE | TG_BOLD : 0;
        if (focus)
            tg_fill(g, L->sl_x[i], L->sl_y[i], tw, 1, TG_DEFAULT, attr);
        label(g, L->sl_x[i], L->sl_y[i], tw, lab, on ? TG_DEFAULT : TG_GREY, attr);
        track(g, L->tr_x[i], L->sl_y[i], L->tr_w[i], live_slider_frac(i, v), on, focus);
    }
}

static void detail(tg_grid *g, const tui_layout *L, const live_ui *u, const qnn_params *req)
{
    const int i = u->focus;
    const live_slider_def *d = &live_sliders[i];
    char val[64], rng[96], t[768];
    live_slider_text(i, live_slider_value(u, i, req), req, val, sizeof val);
    if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT)
        snprintf(rng, sizeof rng, "%.0f … %.0f%s", d->lo, d->hi, d->scale == LIVE_LOGINT ? " (log)" : "");
    else
        snprintf(rng, sizeof rng, "%.3g … %.3g%s", d->lo, d->hi, d->scale == LIVE_LOG ? " (log)" : "");
    const char *lab = live_slider_label(i, req);
    const char *help = strcmp(lab, "layers") == 0 ? "layers of the ansatz (rebuilds the instances)"
                     : strcmp(lab, "batch") == 0 ? "mini-batch rows per step (0: all)" : d->help;
    if (u->entry)
        snprintf(t, sizeof t, "%s = %s_   type a value, Enter applies, Esc cancels (the engine's range may exceed the slider's)",
                 lab, u->entry_buf);
    else if (!live_slider_applies(i, req))
        snprintf(t, sizeof t, "%s: does not apply to model %s · %s", lab, qnn_model_name(req->model), help);
    else
        snprintf(t, sizeof t, "%s = %s · %s · %s · ←→ fine, PgUp/PgDn coarse, Enter types a value",
                 lab, val, rng, help);
    label(g, 0, L->detail_y, L->W, t, TG_DEFAULT, u->entry ? TG_BOLD : 0);
}

static void message(tg_grid *g, const tui_layout *L, const live_ui *u, const qnn_snapshot *sn)
{
    const char *msg = u->status[0] ? u->status : sn->message;
    const int err = u->status[0] ? u->status_error : sn->message_error;
    char t[1400];
    if (u->last_export[0] && msg != u->status)
        snprintf(t, sizeof t, "%s · last export: %s", msg, u->last_export);
    else
        snprintf(t, sizeof t, "%s", msg);
    tg_text(g, 0, L->msg_y, L->W, t, err ? 2 : TG_DEFAULT, err ? TG_BOLD : 0);
}

/* The status line: the items of live_status_items by priority while they
 * fit (in their own order), then the help hint if it fits. */
static void status(tg_grid *g, const tui_layout *L, const live_ui *u, const qnn_snapshot *sn)
{
    live_status_item it[LIVE_STATUS_ITEMS];
    const int n = live_status_items(u, sn, it);
    /* keep[i]: 0 dropped, 1 in full, 2 in brief */
    int keep[LIVE_STATUS_ITEMS] = {0}, used = 0;
    static const char sep[] = " · ";
    const int sw = tg_width(sep, g->cs);
    for (int pr = 0; pr <= 9; pr++)
        for (int i = 0; i < n; i++) {
            if (it[i].prio != pr)
                continue;
            for (int form = 1; form <= 2 && !keep[i]; form++) {
                const char *s = form == 1 ? it[i].text : it[i].brief;
                if (!s[0])
                    continue;
                int w = tg_width(s, g->cs) + (used ? sw : 0);
                if (used + w <= L->W - 1 || (used == 0 && form == 2)) {
                    keep[i] = form;
                    used += w;
                }
            }
        }
    char t[1024];
    size_t o = 0;
    t[0] = 0;
    for (int i = 0; i < n && o < sizeof t; i++)
        if (keep[i])
            o += (size_t)snprintf(t + o, sizeof t - o, "%s%s", o ? sep : " ", keep[i] == 1 ? it[i].text : it[i].brief);
    tg_fill(g, 0, L->status_y, L->W, 1, TG_DEFAULT, TG_REVERSE);
    static const char hint[] = " ? help · q quit ";
    const int hw = tg_width(hint, g->cs);
    const int color = sn->ndiverged > 0 ? 2 : TG_DEFAULT;
    const int tw = tg_text(g, 0, L->status_y, L->W, t, color, TG_REVERSE | TG_BOLD);
    if (tw + 1 + hw <= L->W)
        tg_text(g, L->W - hw, L->status_y, hw, hint, TG_DEFAULT, TG_REVERSE);
}

/* Panel k (0..3) into a rectangle: the kernel panel holds two plots, side
 * by side when wide, stacked when tall. */
static void panel(tg_grid *g, const live_panels *lp, int k, int x, int y, int w, int h)
{
    int first, count;
    live_panel_plots(k, &first, &count);
    if (count == 1) {
        tg_panel(g, &lp->p[first], x, y, w, h, NULL);
        return;
    }
    if (w >= 2 * 40 || h < 2 * 10) {
        const int w0 = tg_pair_split(&lp->p[first], &lp->p[first + 1], w, g->cs);
        tg_panel(g, &lp->p[first], x, y, w0 - 1, h, NULL);
        tg_panel(g, &lp->p[first + 1], x + w0, y, w - w0, h, NULL);
    } else {
        const int h0 = h / 2;
        tg_panel(g, &lp->p[first], x, y, w, h0, NULL);
        tg_panel(g, &lp->p[first + 1], x, y + h0, w, h - h0, NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* Help                                                                   */

typedef struct hline { char *text; int attr; } hline;
typedef struct hbuf { hline *l; int n, cap; } hbuf;

static int hpush(hbuf *b, const char *s, int attr)
{
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        hline *l = realloc(b->l, (size_t)cap * sizeof *l);
        if (!l)
            return -1;
        b->l = l;
        b->cap = cap;
    }
    b->l[b->n].text = strdup(s);
    if (!b->l[b->n].text)
        return -1;
    b->l[b->n++].attr = attr;
    return 0;
}

/* Word-wraps a paragraph (already converted from markup) at width w: the
 * first line starts with `first`, the others with `indent`. */
static int hwrap(hbuf *b, const char *first, const char *s, int w, const char *indent, tg_charset cs)
{
    char line[2048];
    snprintf(line, sizeof line, "%s", first);
    int words = 0, lw = tg_width(line, cs);   /* widths add up word by word */
    const int iw = tg_width(indent, cs);
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        char word[1024];
        size_t n = (size_t)(e - p) < sizeof word - 1 ? (size_t)(e - p) : sizeof word - 1;
        memcpy(word, p, n);
        word[n] = 0;
        const int ww = tg_width(word, cs);
        if (words && lw + 1 + ww > w) {
            if (hpush(b, line, 0))
                return -1;
            snprintf(line, sizeof line, "%s%s", indent, word);
            lw = iw + ww;
        } else {
            size_t used = strlen(line);
            snprintf(line + used, sizeof line - used, "%s%s", words ? " " : "", word);
            lw += (words ? 1 : 0) + ww;
        }
        words++;
        p = e;
    }
    return words ? hpush(b, line, 0) : 0;
}

static int help_lines(hbuf *b, const live_ui *u, int w, tg_charset cs)
{
    char t[4096];
    if (hpush(b, "qnnlab — keys of the terminal explorer", TG_BOLD))
        return -1;
    /* the terminal's rows of the one key table (live.h) */
    const live_key_doc *kd = live_key_docs;
    int kw = 0;
    for (size_t i = 0; i < live_nkey_docs; i++) {
        int x = kd[i].faces & LIVE_FACE_TERMINAL ? tg_width(kd[i].keys, cs) : 0;
        kw = x > kw ? x : kw;
    }
    for (size_t i = 0; i < live_nkey_docs; i++) {
        if (!(kd[i].faces & LIVE_FACE_TERMINAL))
            continue;
        char first[128], indent[64];
        int x = kw - tg_width(kd[i].keys, cs);
        snprintf(first, sizeof first, "  %s%*s", kd[i].keys, x + 3, "");
        snprintf(indent, sizeof indent, "%*s", kw + 5, "");
        if (hwrap(b, first, kd[i].what, w, indent, cs))
            return -1;
    }
    const live_help *h = &u->help_text;
    if (!h->loaded) {
        if (hpush(b, "", 0) || hwrap(b, "", h->error[0] ? h->error : "help texts not loaded", w, "", cs))
            return -1;
        return 0;
    }
    static const int order[LIVE_NPANELS + 1] = {0, 1, 2, 3, 4};
    for (int s = 0; s <= LIVE_NPANELS; s++) {
        const int k = order[s];
        if (!h->title[k][0] && !h->text[k][0])
            continue;
        tg_markup(h->title[k], t, sizeof t, cs);
        if (hpush(b, "", 0) || hpush(b, t, TG_BOLD | TG_UNDERLINE))
            return -1;
        /* paragraphs are separated by '\n' */
        const char *p = h->text[k];
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char para[2048], conv[4096];
            snprintf(para, sizeof para, "%.*s", (int)(n < sizeof para - 1 ? n : sizeof para - 1), p);
            tg_markup(para, conv, sizeof conv, cs);
            if (hwrap(b, "  ", conv, w - 2, "  ", cs))
                return -1;
            p += n;
            if (*p == '\n') {
                p++;
                if (*p && hpush(b, "", 0))
                    return -1;
            }
        }
    }
    snprintf(t, sizeof t, "(help texts from %s: edit them there, no rebuild needed)", h->path);
    if (hpush(b, "", 0) || hwrap(b, "", t, w, "", cs))
        return -1;
    return 0;
}

static int help_screen(tg_grid *g, const tui_layout *L, const live_ui *u, tui_view *v)
{
    hbuf b = {0};
    int rc = help_lines(&b, u, L->W - 2, g->cs);
    const int rows = L->H - 1;
    int maxs = b.n - rows;
    maxs = maxs < 0 ? 0 : maxs;
    v->help_scroll = v->help_scroll < 0 ? 0 : v->help_scroll > maxs ? maxs : v->help_scroll;
    for (int r = 0; r < rows && v->help_scroll + r < b.n; r++) {
        const hline *l = &b.l[v->help_scroll + r];
        tg_text(g, 1, r, L->W - 2, l->text, TG_DEFAULT, l->attr);
    }
    char t[256];
    snprintf(t, sizeof t, " help: lines %d–%d of %d · ↑ ↓ PgUp PgDn scroll · any other key closes ",
             b.n ? v->help_scroll + 1 : 0, v->help_scroll + rows < b.n ? v->help_scroll + rows : b.n, b.n);
    tg_fill(g, 0, L->H - 1, L->W, 1, TG_DEFAULT, TG_REVERSE);
    tg_text(g, 0, L->H - 1, L->W, t, TG_DEFAULT, TG_REVERSE);
    for (int i = 0; i < b.n; i++)
        free(b.l[i].text);
    free(b.l);
    if (rc)
        tg_text(g, 1, 0, L->W - 2, "help: out of memory", 2, TG_BOLD);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The guided tour                                                        */

/* The lines of the tour box below its title row: the paragraphs, the
 * formula (bold) and what to try; brief: only what to try. */
static int tour_lines(hbuf *b, const live_tour *t, int w, tg_charset cs, int brief)
{
    const live_tour_step *st = &t->step[t->cur];
    char conv[4096], para[2048];
    if (!brief) {
        const char *p = st->text;
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            snprintf(para, sizeof para, "%.*s", (int)(n < sizeof para - 1 ? n : sizeof para - 1), p);
            tg_markup(para, conv, sizeof conv, cs);
            if (hwrap(b, " ", conv, w - 1, " ", cs))
                return -1;
            p += n;
            if (*p == '\n')
                p++;
        }
        if (st->formula[0]) {
            const int first = b->n;
            tg_markup(st->formula, conv, sizeof conv, cs);
            if (hwrap(b, "    ", conv, w - 1, "    ", cs))
                return -1;
            for (int i = first; i < b->n; i++)
                b->l[i].attr = TG_BOLD;
        }
    }
    const int first = b->n;
    tg_markup(st->try_, conv, sizeof conv, cs);
    if (hwrap(b, " Try: ", conv, w - 1, "      ", cs))
        return -1;
    if (b->n > first)
        b->l[first].attr = TG_UNDERLINE;   /* marks the line that says what to do */
    return 0;
}

static void hfree(hbuf *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->l[i].text);
    free(b->l);
    memset(b, 0, sizeof *b);
}

void tui_tour_prepare(tui_view *v, const live_ui *u, int W)
{
    v->tour_full = v->tour_brief_rows = 0;
    if (!u || !u->tour || !u->tour->shown || u->tour->nsteps == 0 || W < TUI_MIN_W)
        return;
    for (int brief = 0; brief < 2; brief++) {
        hbuf b = {0};
        int rc = tour_lines(&b, u->tour, W, v->cs, brief);
        int rows = 1 + (rc ? 1 : b.n);
        hfree(&b);
        if (brief)
            v->tour_brief_rows = rows;
        else
            v->tour_full = rows;
    }
}

static void tour_box(tg_grid *g, const tui_layout *L, const live_ui *u)
{
    const live_tour *t = u->tour;
    const live_tour_step *st = &t->step[t->cur];
    const int y0 = L->tour_y, h = L->tour_h, W = L->W;
    char head[512], title[400];
    tg_markup(st->title, title, sizeof title, g->cs);
    snprintf(head, sizeof head, " Tour %d/%d: %s ", t->cur + 1, t->nsteps, title);
    static const char keys_full[] = " > next · < back · i brief/hide ", keys_band[] = " > next · < back · i hide ";
    const char *keys = L->tour_mode == TUI_TOUR_BAND ? keys_band : keys_full;
    tg_fill(g, 0, y0, W, 1, 1, TG_REVERSE);
    const int kw = tg_width(keys, g->cs);
    const int hw = tg_text(g, 0, y0, W, head, 1, TG_REVERSE | TG_BOLD);
    if (hw + kw <= W)
        tg_text(g, W - kw, y0, kw, keys, 1, TG_REVERSE);
    hbuf b = {0};
    if (tour_lines(&b, t, W, g->cs, L->tour_mode == TUI_TOUR_BRIEF) != 0) {
        tg_text(g, 0, y0 + 1, W, "tour: out of memory", 2, TG_BOLD);
        hfree(&b);
        return;
    }
    const int rows = h - 1;
    /* a page in place of the panels: how to see the panel beside it */
    if (L->tour_mode == TUI_TOUR_PAGE && b.n + 2 <= rows)
        tg_text(g, 1, y0 + h - 1, W - 2, "i: the panel, with this text in brief · > next step · < back", TG_GREY, TG_DIM);
    for (int r = 0; r < rows && r < b.n; r++) {
        const int cut = r == rows - 1 && b.n > rows;   /* the rest does not fit */
        tg_text(g, 0, y0 + 1 + r, W, b.l[r].text, TG_DEFAULT, b.l[r].attr);
        if (cut)
            tg_text(g, W - 3, y0 + 1 + r, 3, g->cs == TG_UTF8 ? " … " : " ~ ", TG_DEFAULT, TG_BOLD);
    }
    hfree(&b);
}

/* ---------------------------------------------------------------------- */
/* The circuit diagram (key d)                                            */

/* The diagram in rows y0 .. y0 + h - 1 in place of the panels: a title
 * line, a line of what it holds and where the view is, then the wires
 * folded to the width and scrolled by u->circuit. */
static void circuit_screen(tg_grid *g, const tui_layout *L, const live_ui *u, int y0, int h)
{
    tg_fill(g, 0, y0, L->W, h, TG_DEFAULT, 0);
    if (h < 1)
        return;
    live_circuit *c = u->circuit;
    const int utf = g->cs == TG_UTF8;
    char t[512];
    tg_fill(g, 0, y0, L->W, 1, 1, TG_REVERSE);
    snprintf(t, sizeof t, " %s ", c ? c->title : "circuit diagram");
    const char *keys = utf ? " ↑↓ PgUp PgDn scroll · d/Esc close " : " up/down PgUp PgDn scroll - d/Esc close ";
    const int kw = tg_width(keys, g->cs);
    const int tw = tg_text(g, 0, y0, L->W, t, 1, TG_REVERSE | TG_BOLD);
    if (tw + kw <= L->W)
        tg_text(g, L->W - kw, y0, kw, keys, 1, TG_REVERSE);
    if (h < 2)
        return;
    if (!c || c->status != 0) {
        tg_text(g, 1, y0 + 1, L->W - 2, c ? c->err : "the diagram is being built", 2, TG_BOLD);
        return;
    }
    const int lines = cl_text_fold(&c->L, L->W);
    const int dh = h - 2;
    c->page = dh;
    c->max_scroll = lines > dh ? lines - dh : 0;
    c->scroll = c->scroll < 0 ? 0 : c->scroll > c->max_scroll ? c->max_scroll : c->scroll;
    const int first = (int)c->scroll;
    char sum[512];
    cl_summary(&c->L, sum, sizeof sum);
    if (lines > dh)
        snprintf(t, sizeof t, "lines %d–%d of %d · %s", first + 1, first + dh < lines ? first + dh : lines, lines, sum);
    else
        snprintf(t, sizeof t, "%s", sum);
    tg_text(g, 0, y0 + 1, L->W, t, TG_GREY, 0);
    if (dh > 0)
        cl_text_draw(g, &c->L, 0, y0 + 2, L->W, dh, first);
}

/* ---------------------------------------------------------------------- */
/* The share screen (key c)                                               */

/* u->share in full: a title row, how to use it, then the string wrapped
 * at the width of the screen (it has no spaces: it breaks anywhere), from
 * column 0 with nothing else on its rows, so that selecting those rows
 * copies it (less the line ends); scrolled by v->share_scroll when it is
 * taller than the screen. */
static int share_screen(tg_grid *g, const tui_layout *L, const live_ui *u, tui_view *v)
{
    const int W = L->W, H = L->H;
    const int utf = g->cs == TG_UTF8;
    tg_fill(g, 0, 0, W, 1, 1, TG_REVERSE);
    tg_text(g, 0, 0, W, " share string: the state, its changes and its pins in one line", 1, TG_REVERSE | TG_BOLD);
    hbuf b = {0};
    int nl = 0;
    if (hwrap(&b, "", "Restore it with `qnnlab gui --state STRING` (or tui --state). Select the rows below (the string "
                      "wraps at the screen's edge: join them), or paste it: c copied it to the clipboard where the "
                      "terminal allows (OSC 52). It is printed on exit too.", W - 1, "", g->cs) == 0)
        for (; nl < b.n && nl < H / 3; nl++)
            tg_text(g, 0, 1 + nl, W, b.l[nl].text, TG_GREY, 0);
    hfree(&b);
    const char *s = u->share;
    const size_t n = strlen(s);
    const int top = 2 + nl, rows = H - top - 1;
    const int lines = (int)((n + (size_t)W - 1) / (size_t)W);
    int maxs = lines - rows;
    maxs = maxs < 0 ? 0 : maxs;
    v->share_scroll = v->share_scroll < 0 ? 0 : v->share_scroll > maxs ? maxs : v->share_scroll;
    for (int r = 0; r < rows && v->share_scroll + r < lines; r++) {
        char part[1024];
        const size_t o = (size_t)(v->share_scroll + r) * (size_t)W;
        snprintf(part, sizeof part, "%.*s", W < (int)sizeof part - 1 ? W : (int)sizeof part - 1, s + o);
        tg_text(g, 0, top + r, W, part, TG_DEFAULT, TG_BOLD);
    }
    char t[256];
    if (lines > rows)
        snprintf(t, sizeof t, " %zu characters · rows %d–%d of %d · %s scroll · any other key closes ", n,
                 v->share_scroll + 1, v->share_scroll + rows, lines, utf ? "↑ ↓" : "up/down");
    else
        snprintf(t, sizeof t, " %zu characters · any key closes ", n);
    tg_fill(g, 0, H - 1, W, 1, TG_DEFAULT, TG_REVERSE);
    tg_text(g, 0, H - 1, W, t, TG_DEFAULT, TG_REVERSE);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The screen                                                             */

int tui_compose(tg_grid *g, const tui_layout *L, const live_ui *u, tui_view *v,
                const qnn_snapshot *sn, const qnn_params *req)
{
    tg_clear(g);
    if (L->too_small) {
        char t[256];
        snprintf(t, sizeof t, "qnnlab needs a terminal of at least %d x %d; this one is %d x %d. Enlarge it, or press q to quit.",
                 TUI_MIN_W, TUI_MIN_H, L->W, L->H);
        /* wrapped over the rows there are */
        int n = (int)strlen(t), per = L->W > 0 ? L->W : 1;
        for (int r = 0, o = 0; r < L->H && o < n; r++, o += per) {
            char part[512];
            snprintf(part, sizeof part, "%.*s", per, t + o);
            tg_text(g, 0, r, L->W, part, TG_DEFAULT, TG_BOLD);
        }
        return 0;
    }
    if (u->help)
        return help_screen(g, L, u, v);
    if (v->share && u->share[0])
        return share_screen(g, L, u, v);
    header(g, L, v, u, sn);
    live_panels lp;
    int rc = 0;
    live_view vw;
    live_view_of(u, &vw);
    if (live_panels_build(sn, &vw, &lp) != 0) {
        tg_text(g, 0, 1, L->W, "out of memory: the panels cannot be drawn", 2, TG_BOLD);
        rc = -1;
    } else {
        for (int i = 0; i < L->npanels && !u->circuit_shown; i++)
            panel(g, &lp, L->pk[i], L->px[i], L->py[i], L->pw[i], L->ph[i]);
        live_panels_free(&lp);
    }
    /* the circuit diagram in place of the panels (and of a tour page) */
    const int page = L->tour_h > 0 && L->tour_mode == TUI_TOUR_PAGE;
    if (u->circuit_shown)
        circuit_screen(g, L, u, 1, (L->tour_h > 0 && !page ? L->tour_y : L->sl_y[0]) - 1);
    if (L->tour_h > 0 && u->tour && u->tour->nsteps > 0 && !(page && u->circuit_shown))
        tour_box(g, L, u);
    sliders(g, L, u, req);
    detail(g, L, u, req);
    message(g, L, u, sn);
    status(g, L, u, sn);
    return rc;
}
