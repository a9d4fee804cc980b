/* The SDL2 window (window.h). */
#include "window.h"
#include "faceloop.h"
#include "keys.h"

#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static Uint32 wake_event = (Uint32)-1;
static SDL_atomic_t video_up;

void qnn_gui_wake(void *ctx)
{
    (void)ctx;
    if (SDL_AtomicGet(&video_up) && wake_event != (Uint32)-1) {
        /* one pending wake-up is enough */
        if (SDL_PeepEvents(NULL, 0, SDL_PEEKEVENT, wake_event, wake_event) > 0)
            return;
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = wake_event;
        SDL_PushEvent(&e);
    }
}

/* SDL falls back to its "offscreen" driver when no display answers (an X
 * server not yet up, a stale DISPLAY): the program would then run with a
 * window nobody sees. Those drivers count only when asked for by name. */
static int video_driver_shows(void)
{
    const char *d = SDL_GetCurrentVideoDriver();
    const char *asked = SDL_getenv("SDL_VIDEODRIVER");
    if (asked && *asked)
        return 1;
    return d && strcmp(d, "offscreen") != 0 && strcmp(d, "dummy") != 0 && strcmp(d, "evdev") != 0;
}

int qnn_gui_available(void)
{
    if (SDL_WasInit(SDL_INIT_VIDEO))
        return video_driver_shows();
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
        return 0;
    int ok = video_driver_shows();
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return ok;
}

typedef struct win {
    SDL_Window *w;
    SDL_Renderer *r;
    SDL_Texture *tex;
    int tw, th;
    live_ui *u;
    live_layout L;
    int ww, wh;          /* logical size */
    double dpi;          /* drawable pixels per logical pixel */
    const qnn_snapshot *sn;
    uint64_t drawn_seq;
    int dirty;
    Uint32 last_drag_set;
    qnn_session *shown_s;   /* the session w->sn comes from */
    int tour_seen;          /* the tour step the title names, -1 */
} win;

/* The session's newest snapshot (after a tour step, the new session's),
 * and the tour step in the window's title. */
static void sync_session(win *w)
{
    live_ui *u = w->u;
    int changed = live_sync_session(u, &w->sn, &w->shown_s, &w->tour_seen);
    if (changed & LIVE_SYNC_SNAPSHOT)
        w->dirty = 1;
    if (changed & LIVE_SYNC_STEP) {
        char title[400];
        snprintf(title, sizeof title, "qnnlab — tour %d/%d: %s (%s)", u->tour->cur + 1, u->tour->nsteps,
                 u->tour->step[u->tour->cur].title, u->preset);
        SDL_SetWindowTitle(w->w, title);
    }
}


/* The streaming texture the frame is drawn into, at the renderer's pixel
 * size pw x ph (recreated when that changes). 0 or -1. */
static int fit_texture(SDL_Renderer *r, SDL_Texture **tex, int *tw, int *th, int pw, int ph)
{
    if (*tex && *tw == pw && *th == ph)
        return 0;
    if (*tex)
        SDL_DestroyTexture(*tex);
    *tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, pw, ph);
    if (!*tex)
        return -1;
    *tw = pw;
    *th = ph;
    return 0;
}

static int render(win *w)
{
    int pw, ph;
    if (SDL_GetRendererOutputSize(w->r, &pw, &ph) != 0 || pw < 1 || ph < 1)
        return -1;
    SDL_GetWindowSize(w->w, &w->ww, &w->wh);
    w->dpi = w->ww > 0 ? (double)pw / w->ww : 1.0;
    if (fit_texture(w->r, &w->tex, &w->tw, &w->th, pw, ph) != 0)
        return -1;
    void *pix;
    int pitch;
    if (SDL_LockTexture(w->tex, NULL, &pix, &pitch) != 0)
        return -1;
    cairo_surface_t *sf = cairo_image_surface_create_for_data(pix, CAIRO_FORMAT_ARGB32, pw, ph, pitch);
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, w->dpi, w->dpi);
    live_layout_for(&w->L, w->ww, w->wh, w->u->scale, w->u);
    qnn_params req;
    qnn_session_requested(w->u->s, &req);
    live_circuit_sync(w->u, w->sn, 0);
    live_draw(cr, &w->L, w->u, w->sn, &req, NULL);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    cairo_surface_destroy(sf);
    SDL_UnlockTexture(w->tex);
    SDL_RenderClear(w->r);
    SDL_RenderCopy(w->r, w->tex, NULL, NULL);
    SDL_RenderPresent(w->r);
    w->drawn_seq = w->sn->seq;
    w->dirty = 0;
    return 0;
}

static void screenshot(win *w)
{
    live_ui *u = w->u;
    char path[1200], err[512];
    live_stamped_path(u, "qnnlab-screenshot", "png", path, sizeof path);
    /* the window's pixels: the same drawing at the drawable size */
    if (live_screenshot(u, w->sn, path, w->ww * w->dpi, w->wh * w->dpi, u->scale * w->dpi, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "screenshot failed: %s", err);
        u->status_error = 1;
    } else {
        snprintf(u->status, sizeof u->status, "screenshot saved to %s", path);
        u->status_error = 0;
    }
}

/* Key → action; returns LIVE_NONE for keys without one. */
static live_action key_action(const SDL_KeyboardEvent *k, const live_ui *u)
{
    const int shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    switch (k->keysym.sym) {
    /* the tour: '>' and '<' (Shift+. and Shift+, on US keyboards, a key of
     * their own on others) */
    case SDLK_GREATER: return LIVE_TOUR_NEXT;
    case SDLK_LESS: return shift ? LIVE_TOUR_NEXT : LIVE_TOUR_PREV;
    case SDLK_COMMA: return shift ? LIVE_TOUR_PREV : LIVE_NONE;
    case SDLK_PERIOD: return shift ? LIVE_TOUR_NEXT : LIVE_STEP;
    case SDLK_i: return LIVE_TOUR_TOGGLE;
    case SDLK_SPACE: return LIVE_PLAY;
    case SDLK_n: return LIVE_STEP;
    case SDLK_r: return LIVE_RESET;
    case SDLK_z: return LIVE_RESEED;
    case SDLK_TAB: return shift ? LIVE_FOCUS_PREV : LIVE_FOCUS_NEXT;
    case SDLK_UP: return LIVE_FOCUS_PREV;
    case SDLK_DOWN: return LIVE_FOCUS_NEXT;
    case SDLK_RIGHT: return shift ? LIVE_COARSE_UP : LIVE_FINE_UP;
    case SDLK_LEFT: return shift ? LIVE_COARSE_DOWN : LIVE_FINE_DOWN;
    case SDLK_PAGEUP: return LIVE_COARSE_UP;
    case SDLK_PAGEDOWN: return LIVE_COARSE_DOWN;
    case SDLK_HOME: return LIVE_MIN;
    case SDLK_END: return LIVE_MAX;
    case SDLK_RETURN: case SDLK_KP_ENTER: return LIVE_ENTRY;
    case SDLK_m: return shift ? LIVE_MODEL_PREV : LIVE_MODEL_NEXT;
    case SDLK_t: return LIVE_TDIST;
    case SDLK_h: return LIVE_HESSIAN;
    case SDLK_d: return LIVE_CIRCUIT;
    case SDLK_e: return LIVE_EXPORT;
    case SDLK_s: return LIVE_SCREENSHOT;
    case SDLK_c: return LIVE_SHARE;
    case SDLK_PLUS: case SDLK_KP_PLUS: return LIVE_SCALE_UP;
    case SDLK_EQUALS: return shift ? LIVE_SCALE_UP : LIVE_NONE;
    case SDLK_MINUS: case SDLK_KP_MINUS: return LIVE_SCALE_DOWN;
    case SDLK_F11: case SDLK_f: return LIVE_FULLSCREEN;
    case SDLK_F1: case SDLK_QUESTION: return LIVE_HELP;
    case SDLK_SLASH: return shift ? LIVE_HELP : LIVE_NONE;
    case SDLK_q: return LIVE_QUIT;
    case SDLK_ESCAPE: return u->help ? LIVE_HELP : u->circuit_shown ? LIVE_CIRCUIT : LIVE_QUIT;
    default: return LIVE_NONE;
    }
}

/* Performs an action; returns 1 to quit. */
static int act(win *w, live_action a)
{
    live_ui *u = w->u;
    switch (a) {
    case LIVE_QUIT:
        return 1;
    case LIVE_SCREENSHOT:
        screenshot(w);
        break;
    case LIVE_EXPORT:
        live_export(u, w->sn, w->ww * w->dpi, w->wh * w->dpi, u->scale * w->dpi);
        break;
    case LIVE_SHARE:
        if (live_share(u) == 0) {
            if (SDL_SetClipboardText(u->share) != 0)
                snprintf(u->status, sizeof u->status, "share string (clipboard unavailable: %s): %.300s", SDL_GetError(), u->share);
            printf("share: qnnlab gui --state %s\n", u->share);
            fflush(stdout);
        }
        break;
    case LIVE_FULLSCREEN: {
        Uint32 fl = SDL_GetWindowFlags(w->w);
        SDL_SetWindowFullscreen(w->w, (fl & SDL_WINDOW_FULLSCREEN_DESKTOP) ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
        break;
    }
    case LIVE_ENTRY:
        live_do(u, a);
        SDL_StartTextInput();
        break;
    default:
        live_do(u, a);
        sync_session(w);
        break;
    }
    w->dirty = 1;
    return 0;
}

static int continuous(int i)
{
    const char *k = live_sliders[i].key;
    return !strcmp(k, "gamma") || !strcmp(k, "eta") || !strcmp(k, "sigma_theta") || !strcmp(k, "spf");
}

static void drag_to(win *w, double x)
{
    live_ui *u = w->u;
    const plot_rect t = w->L.track[u->drag];
    u->drag_value = live_slider_from_frac(u->drag, (x - t.x) / t.w);
    /* the cheap changes apply while dragging (at most every 50 ms); the
     * ones that rebuild apply on release */
    Uint32 now = SDL_GetTicks();
    if (continuous(u->drag) && now - w->last_drag_set >= 50) {
        int d = u->drag;
        u->drag = -1;
        live_slider_set(u, d, u->drag_value);
        u->drag = d;
        w->last_drag_set = now;
    }
    w->dirty = 1;
}

/* Handles one event; returns 1 to quit. */
static int handle(win *w, const SDL_Event *e)
{
    live_ui *u = w->u;
    switch (e->type) {
    case SDL_QUIT:
        return 1;
    case SDL_WINDOWEVENT:
        w->dirty = 1;
        return 0;
    case SDL_TEXTINPUT:
        if (u->entry) {
            live_entry_char(u, e->text.text);
            w->dirty = 1;
        }
        return 0;
    case SDL_KEYDOWN:
        if (u->entry) {
            SDL_Keycode k = e->key.keysym.sym;
            if (k == SDLK_RETURN || k == SDLK_KP_ENTER || k == SDLK_ESCAPE) {
                live_entry_key(u, k == SDLK_ESCAPE ? "Escape" : "Return");
                SDL_StopTextInput();
            } else if (k == SDLK_BACKSPACE) {
                live_entry_key(u, "BackSpace");
            }
            w->dirty = 1;
            return 0;
        }
        if (u->circuit_shown && !u->help) {
            /* the arrows and pages scroll the circuit diagram */
            static const struct { SDL_Keycode sym; int key; } scroll[] = {
                {SDLK_UP, QNN_KEY_UP}, {SDLK_DOWN, QNN_KEY_DOWN}, {SDLK_PAGEUP, QNN_KEY_PGUP},
                {SDLK_PAGEDOWN, QNN_KEY_PGDN}, {SDLK_HOME, QNN_KEY_HOME}, {SDLK_END, QNN_KEY_END}};
            for (size_t k = 0; k < sizeof scroll / sizeof scroll[0]; k++)
                if (e->key.keysym.sym == scroll[k].sym && live_circuit_key(u, scroll[k].key)) {
                    w->dirty = 1;
                    return 0;
                }
        }
        return act(w, key_action(&e->key, u));
    case SDL_MOUSEMOTION: {
        int hp = live_hit_panel(&w->L, e->motion.x, e->motion.y);
        if (hp != u->hover_panel) {
            u->hover_panel = hp;
            if (u->help)
                w->dirty = 1;
        }
        if (u->drag >= 0)
            drag_to(w, e->motion.x);
        return 0;
    }
    case SDL_MOUSEBUTTONDOWN: {
        if (e->button.button != SDL_BUTTON_LEFT)
            return 0;
        const double x = e->button.x, y = e->button.y;
        if (u->help) {
            u->help = 0;
            w->dirty = 1;
            return 0;
        }
        int i = live_hit_track(&w->L, x, y);
        qnn_params req;
        qnn_session_requested(u->s, &req);
        if (i >= 0 && live_slider_applies(i, &req)) {
            u->focus = i;
            u->drag = i;
            w->last_drag_set = 0;
            drag_to(w, x);
            return 0;
        }
        if ((i = live_hit_slider(&w->L, x, y)) >= 0) {
            u->focus = i;
            w->dirty = 1;
            return 0;
        }
        if ((i = live_hit_button(&w->L, x, y)) >= 0)
            return act(w, live_buttons[i].action);
        if ((i = live_hit_model(&w->L, x, y)) >= 0) {
            live_set_model(u, i);
            w->dirty = 1;
        }
        return 0;
    }
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT && u->drag >= 0) {
            int d = u->drag;
            double v = u->drag_value;
            u->drag = -1;
            live_slider_set(u, d, v);
            w->dirty = 1;
        }
        return 0;
    case SDL_MOUSEWHEEL: {
        int mx, my;
        SDL_GetMouseState(&mx, &my);
        int i = live_hit_slider(&w->L, mx, my);
        if (i < 0 && u->circuit_shown && e->wheel.y != 0) {
            int y = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
            for (int k = 0; k < 2 * abs(y); k++)
                live_circuit_key(u, y > 0 ? QNN_KEY_UP : QNN_KEY_DOWN);
            w->dirty = 1;
            return 0;
        }
        if (i >= 0 && e->wheel.y != 0) {
            u->focus = i;
            live_do(u, e->wheel.y > 0 ? LIVE_FINE_UP : LIVE_FINE_DOWN);
            w->dirty = 1;
        }
        return 0;
    }
    default:
        if (e->type == wake_event)
            w->dirty |= 0;   /* the snapshot check below decides */
        return 0;
    }
}

static int gui_loop(live_ui *u, const qnn_gui_opts *o, char *err, size_t errlen);

int qnn_gui_run(live_ui *u, const qnn_gui_opts *o, char *err, size_t errlen)
{
    /* SDL's own handlers would turn every stop signal into a plain quit:
     * ours leave the flag the loop sees within its 250 ms wait */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    live_stop stop;
    live_stop_install(&stop, NULL);
    int rc = gui_loop(u, o, err, errlen);
    live_stop_restore(&stop);
    return rc == 0 && live_stop_signal() ? live_stop_signal() : rc;
}

/* SDL, the window and its renderer (both faces drawn here). 0, or -1 with
 * a message and SDL shut down again. */
static int window_open(SDL_Window **wp, SDL_Renderer **rp, const qnn_gui_opts *o, char *err, size_t errlen)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "cannot open a window: %s; allowed: run with a display (DISPLAY or WAYLAND_DISPLAY), or use `qnnlab run` headless", SDL_GetError());
        return -1;
    }
    if (!video_driver_shows()) {
        const char *x = SDL_getenv("DISPLAY"), *wl = SDL_getenv("WAYLAND_DISPLAY");
        snprintf(err, errlen, "cannot open a window: no display answers (DISPLAY '%s', WAYLAND_DISPLAY '%s'; SDL offered only its '%s' driver); allowed: a running X11 or Wayland display, `qnnlab tui` in a terminal, or `qnnlab run` headless",
                 x ? x : "", wl ? wl : "", SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "none");
        SDL_Quit();
        return -1;
    }
    wake_event = SDL_RegisterEvents(1);
    SDL_AtomicSet(&video_up, 1);
    int W = o && o->width > 0 ? o->width : 1600, H = o && o->height > 0 ? o->height : 900;
    *wp = SDL_CreateWindow(o && o->title ? o->title : "qnnlab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                           W, H, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
                                     (o && o->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
    if (!*wp) {
        snprintf(err, errlen, "cannot create a window: %s", SDL_GetError());
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    SDL_SetWindowMinimumSize(*wp, 640, 480);
    *rp = SDL_CreateRenderer(*wp, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!*rp)
        *rp = SDL_CreateRenderer(*wp, -1, SDL_RENDERER_SOFTWARE);
    if (!*rp) {
        snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
        SDL_DestroyWindow(*wp);
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    SDL_StopTextInput();
    return 0;
}

static void window_close(SDL_Window *wp, SDL_Renderer *rp, SDL_Texture *tex)
{
    SDL_AtomicSet(&video_up, 0);
    if (tex)
        SDL_DestroyTexture(tex);
    SDL_DestroyRenderer(rp);
    SDL_DestroyWindow(wp);
    SDL_Quit();
}

static int gui_loop(live_ui *u, const qnn_gui_opts *o, char *err, size_t errlen)
{
    win w;
    memset(&w, 0, sizeof w);
    w.u = u;
    if (window_open(&w.w, &w.r, o, err, errlen) != 0)
        return -1;
    if (qnn_session_start(u->s, err, errlen) != 0) {
        window_close(w.w, w.r, NULL);
        return -1;
    }
    w.tour_seen = -1;
    sync_session(&w);
    w.dirty = 1;
    int quit = 0;
    while (!quit && !live_stop_signal()) {
        SDL_Event e;
        /* sleep until an event or a new snapshot (the worker wakes us) */
        if (SDL_WaitEventTimeout(&e, 250)) {
            quit |= handle(&w, &e);
            while (!quit && SDL_PollEvent(&e))
                quit |= handle(&w, &e);
        }
        sync_session(&w);
        if (w.dirty && !quit && render(&w) != 0) {
            snprintf(u->status, sizeof u->status, "drawing failed: %s", SDL_GetError());
            u->status_error = 1;
        }
    }
    qnn_snapshot_release(w.sn);
    live_circuit_free(u);
    window_close(w.w, w.r, w.tex);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* A window drawn by a client (qnn_gui_run_canvas)                         */

typedef struct canvas_win {
    SDL_Window *w;
    SDL_Renderer *r;
    SDL_Texture *tex;
    int tw, th;
} canvas_win;

static int canvas_render(canvas_win *cw, const qnn_gui_canvas *c)
{
    int pw, ph, ww, wh;
    if (SDL_GetRendererOutputSize(cw->r, &pw, &ph) != 0 || pw < 1 || ph < 1)
        return -1;
    SDL_GetWindowSize(cw->w, &ww, &wh);
    const double dpi = ww > 0 ? (double)pw / ww : 1.0;
    if (fit_texture(cw->r, &cw->tex, &cw->tw, &cw->th, pw, ph) != 0)
        return -1;
    void *pix;
    int pitch;
    if (SDL_LockTexture(cw->tex, NULL, &pix, &pitch) != 0)
        return -1;
    cairo_surface_t *sf = cairo_image_surface_create_for_data(pix, CAIRO_FORMAT_ARGB32, pw, ph, pitch);
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, dpi, dpi);
    c->draw(c->ctx, cr, ww, wh);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    cairo_surface_destroy(sf);
    SDL_UnlockTexture(cw->tex);
    SDL_RenderClear(cw->r);
    SDL_RenderCopy(cw->r, cw->tex, NULL, NULL);
    SDL_RenderPresent(cw->r);
    return 0;
}

/* An SDL key as a keys.h code, or 0. Characters by their keysym, so that
 * keys work without text input (which the explorer keeps off as well). */
static int canvas_key(const SDL_KeyboardEvent *k)
{
    const int shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    const SDL_Keycode s = k->keysym.sym;
    if (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI))
        return 0;
    switch (s) {
    case SDLK_UP: return QNN_KEY_UP;
    case SDLK_DOWN: return QNN_KEY_DOWN;
    case SDLK_LEFT: return QNN_KEY_LEFT;
    case SDLK_RIGHT: return QNN_KEY_RIGHT;
    case SDLK_PAGEUP: return QNN_KEY_PGUP;
    case SDLK_PAGEDOWN: return QNN_KEY_PGDN;
    case SDLK_HOME: return QNN_KEY_HOME;
    case SDLK_END: return QNN_KEY_END;
    case SDLK_TAB: return shift ? QNN_KEY_BTAB : QNN_KEY_TAB;
    case SDLK_RETURN: case SDLK_KP_ENTER: return QNN_KEY_ENTER;
    case SDLK_ESCAPE: return QNN_KEY_ESC;
    case SDLK_F1: return QNN_KEY_F1;
    case SDLK_BACKSPACE: return QNN_KEY_BACKSPACE;
    case SDLK_QUESTION: return '?';
    case SDLK_SLASH: return shift ? '?' : '/';
    case SDLK_PLUS: case SDLK_KP_PLUS: return '+';
    case SDLK_EQUALS: return shift ? '+' : '=';
    case SDLK_MINUS: case SDLK_KP_MINUS: return '-';
    default:
        if (s >= SDLK_a && s <= SDLK_z)
            return shift ? (int)(s - SDLK_a + 'A') : (int)s;
        if (s >= SDLK_0 && s <= SDLK_9 && !shift)
            return (int)s;
        return 0;
    }
}

static int canvas_loop(const qnn_gui_canvas *c, const qnn_gui_opts *o, char *err, size_t errlen)
{
    canvas_win cw;
    memset(&cw, 0, sizeof cw);
    if (window_open(&cw.w, &cw.r, o, err, errlen) != 0)
        return -1;
    int quit = 0, dirty = 1;
    while (!quit && !live_stop_signal()) {
        SDL_Event e;
        /* sleep until an event, a wake-up or 250 ms (c->poll may animate) */
        int have = SDL_WaitEventTimeout(&e, 250);
        while (have && !quit) {
            switch (e.type) {
            case SDL_QUIT:
                quit = 1;
                break;
            case SDL_WINDOWEVENT:
                dirty = 1;
                break;
            case SDL_KEYDOWN:
                if (e.key.keysym.sym == SDLK_F11) {
                    Uint32 fl = SDL_GetWindowFlags(cw.w);
                    SDL_SetWindowFullscreen(cw.w, (fl & SDL_WINDOW_FULLSCREEN_DESKTOP) ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
                } else {
                    int k = canvas_key(&e.key);
                    if (k)
                        quit = c->key(c->ctx, k);
                }
                dirty = 1;
                break;
            case SDL_MOUSEBUTTONDOWN:
                if (c->pointer && e.button.button == SDL_BUTTON_LEFT) {
                    c->pointer(c->ctx, e.button.x, e.button.y, QNN_POINTER_CLICK);
                    dirty = 1;
                }
                break;
            case SDL_MOUSEWHEEL:
                if (c->pointer && e.wheel.y != 0) {
                    int mx, my;
                    SDL_GetMouseState(&mx, &my);
                    int y = e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e.wheel.y : e.wheel.y;
                    for (int i = 0; i < (y > 0 ? y : -y); i++)
                        c->pointer(c->ctx, mx, my, y > 0 ? QNN_POINTER_WHEEL_UP : QNN_POINTER_WHEEL_DOWN);
                    dirty = 1;
                }
                break;
            default:
                break;   /* a wake-up: c->poll below decides */
            }
            have = SDL_PollEvent(&e);
        }
        if (c->poll && c->poll(c->ctx))
            dirty = 1;
        if (dirty && !quit && !live_stop_signal()) {
            if (canvas_render(&cw, c) != 0) {
                snprintf(err, errlen, "drawing failed: %s", SDL_GetError());
                window_close(cw.w, cw.r, cw.tex);
                return -1;
            }
            dirty = 0;
        }
    }
    window_close(cw.w, cw.r, cw.tex);
    return 0;
}

int qnn_gui_run_canvas(const qnn_gui_canvas *c, const qnn_gui_opts *o, char *err, size_t errlen)
{
    /* SDL's own handlers would turn every stop signal into a plain quit:
     * ours leave the flag the loop sees within its 250 ms wait */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    live_stop stop;
    live_stop_install(&stop, NULL);
    int rc = canvas_loop(c, o, err, errlen);
    live_stop_restore(&stop);
    return rc == 0 && live_stop_signal() ? live_stop_signal() : rc;
}
