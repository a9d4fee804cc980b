/* `qnnlab run ... --movie FILE.mp4|FILE.gif`: the run's figure growing
 * step by step (contracts in movie.h). Frame k draws the figure of the
 * records up to step t_k through a view of the result whose instances end
 * there (the records are shared, not copied: memory stays that of one
 * figure whatever the run's length); the last frame is the figure of the
 * whole run, as figure.png draws it. */
#include "movie.h"
#include "command.h"
#include "sweep.h"   /* qnn_figure_limits, qnn_draw_figure_with */
#include "runner.h"  /* qnn_result_interrupted */
#include "../ui/base/movie.h" /* movie_open ...: the encoder (app/movie.h is the header above) */
#include "afile.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The movie: the figure's shape within 1280 x 720 (a 16:9 slide), 30
 * frames a second (GIF 25), at most QNN_MOVIE_FRAMES frames (5 s), one per
 * record when there are fewer. */
#define MOVIE_PX_W 1280
#define MOVIE_PX_H 720
#define MOVIE_MAX_PANELS 64
#define QNN_MOVIE_FPS 30
#define QNN_MOVIE_FRAMES 150
#define QNN_MOVIE_GIF_FPS 25

#define MOVIE_ALLOWED "allowed: FILE.mp4 or FILE.gif in an existing, writable folder"

int qnn_movie_check_name(const char *path, char *err, size_t errlen)
{
    char q[600];
    if (!path || !path[0]) {
        snprintf(err, errlen, "--movie: value '' is empty; %s", MOVIE_ALLOWED);
        return -1;
    }
    if (movie_format_of(path) < 0) {
        snprintf(err, errlen, "--movie: value '%s': the extension is not .mp4 or .gif; %s",
                 qnn_quote(path, 400, q, sizeof q), MOVIE_ALLOWED);
        return -1;
    }
    return 0;
}

int qnn_movie_check_path(const char *path, char *err, size_t errlen)
{
    char q[600];
    const char *allowed = MOVIE_ALLOWED;
    if (qnn_movie_check_name(path, err, errlen) != 0)
        return -1;
    qnn_quote(path, 400, q, sizeof q);
    /* the folder: it must exist (the run does not create it) */
    char dir[AFILE_PATH];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (slash && !slash[1]) {
        snprintf(err, errlen, "--movie: value '%s' names a folder, not a file; %s", q, allowed);
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        char qd[600];
        snprintf(err, errlen, "--movie: value '%s': the folder '%s' cannot be used: %s; %s", q,
                 qnn_quote(dir, 400, qd, sizeof qd), strerror(errno), allowed);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        char qd[600];
        snprintf(err, errlen, "--movie: value '%s': '%s' is %s, not a folder; %s", q, qnn_quote(dir, 400, qd, sizeof qd),
                 afile_kind(st.st_mode), allowed);
        return -1;
    }
    /* the target's kind, and a file can be created beside it: its
     * temporary, created and removed at once */
    char e[AFILE_PATH + 200];
    afile a;
    if (afile_reserve(&a, path, e, sizeof e) != AFILE_OK) {
        snprintf(err, errlen, "--movie: value '%s': %s; %s", q, e, allowed);
        return -1;
    }
    afile_abort(&a);
    return 0;
}

/* A result whose instances end at a chosen step: copies of the points,
 * runs and instance headers; the records, spectra and kernels are the
 * result's own. */
typedef struct trunc_view {
    qnn_result res;
    qnn_point *pts;
    qnn_run *runs;
    qnn_run_instance *inst;
} trunc_view;

static int view_init(trunc_view *v, const qnn_result *res)
{
    memset(v, 0, sizeof *v);
    v->res = *res;
    size_t ninst = 0;
    for (long p = 0; p < res->npoints; p++)
        ninst += (size_t)res->points[p].run->ninst;
    v->pts = calloc((size_t)res->npoints, sizeof *v->pts);
    v->runs = calloc((size_t)res->npoints, sizeof *v->runs);
    v->inst = calloc(ninst ? ninst : 1, sizeof *v->inst);
    if (!v->pts || !v->runs || !v->inst)
        return -1;
    size_t off = 0;
    for (long p = 0; p < res->npoints; p++) {
        const qnn_run *run = res->points[p].run;
        v->pts[p] = res->points[p];
        v->runs[p] = *run;
        v->runs[p].inst = v->inst + off;
        memcpy(v->inst + off, run->inst, (size_t)run->ninst * sizeof *v->inst);
        v->pts[p].run = &v->runs[p];
        off += (size_t)run->ninst;
    }
    v->res.points = v->pts;
    return 0;
}

static void view_free(trunc_view *v)
{
    free(v->pts);
    free(v->runs);
    free(v->inst);
}

/* Records (and spectra) of every instance up to step t; at least the
 * first record. An instance that diverged after t has not diverged yet. */
static void view_cut(trunc_view *v, const qnn_result *res, long t)
{
    for (long p = 0; p < res->npoints; p++) {
        const qnn_run *run = res->points[p].run;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *src = &run->inst[i];
            qnn_run_instance *d = &v->runs[p].inst[i];
            size_t lo = 0, hi = src->nrec;   /* first record with step > t */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (src->rec[mid].step <= t)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            d->nrec = lo > 0 ? lo : src->nrec > 0 ? 1 : 0;
            d->diverged_at = d->nrec == src->nrec ? src->diverged_at : -1;
            size_t ns = 0;
            while (ns < src->nspec && src->spec[ns].step <= t)
                ns++;
            d->nspec = ns;
        }
    }
}

/* The steps the frames end at: the record steps of the instance that
 * runs longest, all of them or QNN_MOVIE_FRAMES spread evenly, the last
 * one the run's end. Returns the count (0: no records), steps in *out
 * (malloc'd). */
static long frame_steps(const qnn_result *res, long **out)
{
    const qnn_run_instance *best = NULL;
    for (long p = 0; p < res->npoints; p++) {
        const qnn_run *run = res->points[p].run;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            if (ri->nrec == 0)
                continue;
            if (!best || ri->rec[ri->nrec - 1].step > best->rec[best->nrec - 1].step ||
                (ri->rec[ri->nrec - 1].step == best->rec[best->nrec - 1].step && ri->nrec > best->nrec))
                best = ri;
        }
    }
    *out = NULL;
    if (!best)
        return 0;
    const long n = (long)best->nrec, N = n < QNN_MOVIE_FRAMES ? n : QNN_MOVIE_FRAMES;
    long *t = malloc((size_t)N * sizeof *t);
    if (!t)
        return -1;
    for (long k = 0; k < N; k++)
        t[k] = best->rec[(k + 1) * n / N - 1].step;
    *out = t;
    return N;
}

int qnn_run_movie(const qnn_result *res, const char *path, char *err, size_t errlen)
{
    char q[600];
    qnn_quote(path, 400, q, sizeof q);
    if (!res || res->npoints < 1) {
        snprintf(err, errlen, "--movie: value '%s': the run has no results to draw", q);
        return -1;
    }
    long *steps = NULL;
    long nf = frame_steps(res, &steps);
    if (nf < 0) {
        snprintf(err, errlen, "--movie: value '%s': out of memory", q);
        return -1;
    }
    if (nf == 0)
        nf = 1;   /* no records: the figure alone */
    trunc_view v;
    cairo_surface_t *sf = NULL;
    movie *m = NULL;
    double (*lim)[4] = NULL;
    char e[AFILE_PATH + 400] = "";
    int rc = -1;
    if (view_init(&v, res) != 0) {
        snprintf(e, sizeof e, "out of memory");
        goto done;
    }
    /* the final figure's axes and shape for every frame: the curves grow
     * into it, nothing jumps */
    lim = malloc(MOVIE_MAX_PANELS * sizeof *lim);
    double wpt = 0, hpt = 0;
    int npan = lim ? qnn_figure_limits(res, lim, MOVIE_MAX_PANELS, &wpt, &hpt, e, sizeof e) : -1;
    if (npan < 0) {
        if (!lim)
            snprintf(e, sizeof e, "out of memory");
        goto done;
    }
    if (npan > MOVIE_MAX_PANELS)
        npan = 0;   /* too many to hold: each frame's own axes */
    if (!(wpt > 0) || !(hpt > 0))
        wpt = 640, hpt = 360;
    const double s = fmin(MOVIE_PX_W / wpt, MOVIE_PX_H / hpt);
    const int W = (int)fmax(2, floor(wpt * s)) & ~1, H = (int)fmax(2, floor(hpt * s)) & ~1;
    sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        snprintf(e, sizeof e, "cannot allocate a %d x %d image", W, H);
        goto done;
    }
    const int gif = movie_format_of(path) == MOVIE_GIF;
    m = movie_open(path, W, H, gif ? QNN_MOVIE_GIF_FPS : QNN_MOVIE_FPS, e, sizeof e);
    if (!m)
        goto done;
    for (long k = 0; k < nf; k++) {
        /* a signal while the outputs are written lets them finish: the
         * movie, which may take minutes, stops between frames */
        if (qnn_result_interrupted()) {
            snprintf(e, sizeof e, "interrupted after %ld of %ld frames; the movie was not written", k, nf);
            goto done;
        }
        const int last = k == nf - 1;
        if (!last)
            view_cut(&v, res, steps[k]);
        cairo_t *cr = cairo_create(sf);
        /* in the figure's points, as figure.png is drawn */
        cairo_scale(cr, W / wpt, H / hpt);
        int dr = qnn_draw_figure_with(last ? res : &v.res, lim, npan, cr, wpt, hpt, e, sizeof e);
        cairo_destroy(cr);
        if (dr != 0 || movie_frame_surface(m, sf, e, sizeof e) != 0)
            goto done;
    }
    rc = movie_close(m, e, sizeof e);
    m = NULL;
done:
    if (rc != 0) {
        movie_abort(m);
        snprintf(err, errlen, "--movie: value '%s': %s", q, e);
    }
    if (sf)
        cairo_surface_destroy(sf);
    view_free(&v);
    free(lim);
    free(steps);
    return rc;
}
