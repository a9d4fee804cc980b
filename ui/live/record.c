/* Recording the live dashboard, or one panel, to a movie (contracts in
 * record.h): one frame per new snapshot, drawn offscreen with cairo at
 * the size fixed when the recording started, encoded by ui/base/movie. */
#include "record.h"
#include "movie.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct live_record {
    movie *m;
    char path[1100];
    int panel;              /* -1: the dashboard */
    int W, H;               /* frame size in pixels (even) */
    double scale;           /* the dashboard's UI scale */
    int fps;
    cairo_surface_t *sf;
    uint64_t last_seq;
    int have_seq;
    char started[512];      /* the status line that announced it */
    live_ui *shown;         /* a copy of the controls for drawing frames */
};



static void record_free(live_record_t *r)
{
    if (!r)
        return;
    if (r->sf)
        cairo_surface_destroy(r->sf);
    free(r->shown);
    free(r);
}

int live_recording(const live_ui *u)
{
    return u && u->record != NULL;
}

int live_record_start(live_ui *u, int panel, int gif, double w, double h, double ui_scale)
{
    if (u->record)
        return live_refuse(u, "already recording to %s; %s stops it", u->record->path, u->record->panel < 0 ? "v" : "V");
    if (panel >= LIVE_NPANELS)
        return live_refuse(u, "record: panel %d; allowed: 0 .. %d, or the dashboard", panel, LIVE_NPANELS - 1);
    live_record_t *r = calloc(1, sizeof *r);
    if (!r)
        return live_refuse(u, "record: out of memory");
    r->panel = panel < 0 ? -1 : panel;
    r->fps = gif ? LIVE_RECORD_GIF_FPS : LIVE_RECORD_FPS;
    if (r->panel < 0) {
        /* the dashboard as the window shows it, rounded down to even sizes */
        double W = isfinite(w) ? floor(w) : 0, H = isfinite(h) ? floor(h) : 0;
        if (W < 64 || H < 64 || W > 8192 || H > 8192) {
            record_free(r);
            return live_refuse(u, "record: the dashboard is %.0f x %.0f pixels; allowed: 64 .. 8192 each", w, h);
        }
        r->W = (int)W & ~1;
        r->H = (int)H & ~1;
        r->scale = isfinite(ui_scale) && ui_scale > 0 ? ui_scale : 1.0;
    } else {
        r->W = LIVE_RECORD_PANEL_W;
        r->H = LIVE_RECORD_PANEL_H;
        r->scale = isfinite(ui_scale) && ui_scale > 0 ? ui_scale : 1.0;
    }
    r->shown = malloc(sizeof *r->shown);
    r->sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, r->W, r->H);
    if (!r->shown || cairo_surface_status(r->sf) != CAIRO_STATUS_SUCCESS) {
        int W = r->W, H = r->H;
        record_free(r);
        return live_refuse(u, "record: cannot allocate a %d x %d image", W, H);
    }
    live_stamped_path(u, "qnnlab", gif ? "gif" : "mp4", r->path, sizeof r->path);
    char err[1400];
    r->m = movie_open(r->path, r->W, r->H, r->fps, err, sizeof err);
    if (!r->m) {
        record_free(r);
        return live_refuse(u, "record: %s", err);
    }
    u->record = r;
    if (r->panel < 0)
        snprintf(u->status, sizeof u->status, "recording the dashboard to %s (%d x %d, %d frames/s, one per update); v stops",
                 r->path, r->W, r->H, r->fps);
    else
        snprintf(u->status, sizeof u->status, "recording the %s panel to %s (%d x %d, %d frames/s, one per update); V stops",
                 live_panel_names[r->panel], r->path, r->W, r->H, r->fps);
    u->status_error = 0;
    snprintf(r->started, sizeof r->started, "%s", u->status);
    return 0;
}

/* Panel k alone, its plots side by side, on white. */
static void draw_panel(cairo_t *cr, const live_record_t *r, const live_ui *u, const qnn_snapshot *sn)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    live_view vw;
    live_view_of(u, &vw);
    live_panels lp;
    if (live_panels_build(sn, &vw, &lp) != 0)
        return;
    int first, count;
    live_panel_plots(r->panel, &first, &count);
    const double pad = 8;
    const double cw = (r->W - 2 * pad) / (count > 0 ? count : 1);
    /* the dashboard's type at 1280 x 720 reads well on a projector */
    const double fs = 16.0 * r->scale * r->H / 720.0;
    for (int i = 0; i < count; i++)
        plot_draw_panel(cr, &lp.p[first + i], pad + i * cw, pad, cw, r->H - 2 * pad, fs, NULL);
    live_panels_free(&lp);
}

int live_record_frame(live_ui *u, const qnn_snapshot *sn)
{
    live_record_t *r = u->record;
    if (!r || !sn)
        return 0;
    if (r->have_seq && sn->seq == r->last_seq)
        return 0;
    r->have_seq = 1;
    r->last_seq = sn->seq;
    cairo_t *cr = cairo_create(r->sf);
    if (r->panel < 0) {
        /* the controls as they are, less the line that announced the
         * recording: it would stand in every frame of the movie */
        const live_ui *shown = u;
        if (!strcmp(u->status, r->started)) {
            *r->shown = *u;
            r->shown->status[0] = 0;
            r->shown->last_export[0] = 0;
            shown = r->shown;
        }
        live_layout L;
        live_layout_for(&L, r->W, r->H, r->scale, shown);
        qnn_params req;
        qnn_session_requested(u->s, &req);
        live_draw(cr, &L, shown, sn, &req, NULL);
    } else
        draw_panel(cr, r, u, sn);
    cairo_destroy(cr);
    char err[1400];
    if (movie_frame_surface(r->m, r->sf, err, sizeof err) != 0) {
        movie_abort(r->m);
        u->record = NULL;
        record_free(r);
        return live_refuse(u, "recording stopped, nothing kept: %s", err);
    }
    return 1;
}

int live_record_stop(live_ui *u)
{
    live_record_t *r = u->record;
    if (!r)
        return live_refuse(u, "not recording");
    u->record = NULL;
    const long n = movie_frames(r->m);
    const int fps = r->fps;
    char err[1400], path[sizeof r->path];
    snprintf(path, sizeof path, "%s", r->path);
    int rc = movie_close(r->m, err, sizeof err);
    record_free(r);
    if (rc != 0)
        return live_refuse(u, "recording failed, nothing kept: %s", err);
    snprintf(u->status, sizeof u->status, "recorded %s: %ld frame%s, %.1f s", path, n, n == 1 ? "" : "s",
             (double)n / fps);
    u->status_error = 0;
    return 0;
}

void live_record_cancel(live_ui *u)
{
    if (!u || !u->record)
        return;
    movie_abort(u->record->m);
    record_free(u->record);
    u->record = NULL;
}

long live_record_frames(const live_ui *u)
{
    return u && u->record ? movie_frames(u->record->m) : 0;
}

const char *live_record_path(const live_ui *u)
{
    return u && u->record ? u->record->path : "";
}
