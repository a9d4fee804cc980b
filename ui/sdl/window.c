/* The SDL2 window (window.h). */
#include "window.h"

#include <SDL.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static Uint32 wake_event = (Uint32)-1;
static volatile sig_atomic_t got_signal;

/* SIGINT, SIGTERM, SIGHUP: the loop sees the flag within its 250 ms wait,
 * closes the window and returns the signal (SDL's own handlers are off:
 * they would turn every one into a plain quit). */
static void on_stop_signal(int sig)
{
    got_signal = sig;
}
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

/* After a tour step replaced the session: its snapshots from now on, and
 * the step in the window's title. */
static void sync_session(win *w)
{
    live_ui *u = w->u;
    if (u->s != w->shown_s) {
        qnn_snapshot_release(w->sn);
        w->sn = qnn_session_acquire(u->s);
        w->shown_s = u->s;
        w->dirty = 1;
    }
    if (u->tour && u->tour->nsteps > 0 && u->tour->cur != w->tour_seen) {
        char title[400];
        snprintf(title, sizeof title, "qnnlab — tour %d/%d: %s (%s)", u->tour->cur + 1, u->tour->nsteps,
                 u->tour->step[u->tour->cur].title, u->preset);
        SDL_SetWindowTitle(w->w, title);
        w->tour_seen = u->tour->cur;
    }
}

static int render(win *w)
{
    int pw, ph;
    if (SDL_GetRendererOutputSize(w->r, &pw, &ph) != 0 || pw < 1 || ph < 1)
        return -1;
    SDL_GetWindowSize(w->w, &w->ww, &w->wh);
    w->dpi = w->ww > 0 ? (double)pw / w->ww : 1.0;
    if (!w->tex || w->tw != pw || w->th != ph) {
        if (w->tex)
            SDL_DestroyTexture(w->tex);
        w->tex = SDL_CreateTexture(w->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, pw, ph);
        if (!w->tex)
            return -1;
        w->tw = pw;
        w->th = ph;
    }
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
    case SDLK_ESCAPE: return u->help ? LIVE_HELP : LIVE_QUIT;
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
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    got_signal = 0;
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    const int stops[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(stops[i], &sa, &old[i]);
    int rc = gui_loop(u, o, err, errlen);
    for (int i = 0; i < 3; i++)
        sigaction(stops[i], &old[i], NULL);
    return rc == 0 && got_signal ? got_signal : rc;
}

static int gui_loop(live_ui *u, const qnn_gui_opts *o, char *err, size_t errlen)
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
    win w;
    memset(&w, 0, sizeof w);
    w.u = u;
    int W = o && o->width > 0 ? o->width : 1600, H = o && o->height > 0 ? o->height : 900;
    w.w = SDL_CreateWindow(o && o->title ? o->title : "qnnlab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                           W, H, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
                                     (o && o->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
    if (!w.w) {
        snprintf(err, errlen, "cannot create a window: %s", SDL_GetError());
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    SDL_SetWindowMinimumSize(w.w, 640, 480);
    w.r = SDL_CreateRenderer(w.w, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!w.r)
        w.r = SDL_CreateRenderer(w.w, -1, SDL_RENDERER_SOFTWARE);
    if (!w.r) {
        snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
        SDL_DestroyWindow(w.w);
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    SDL_StopTextInput();
    if (qnn_session_start(u->s, err, errlen) != 0) {
        SDL_DestroyRenderer(w.r);
        SDL_DestroyWindow(w.w);
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    w.sn = qnn_session_acquire(u->s);
    w.shown_s = u->s;
    w.tour_seen = -1;
    sync_session(&w);
    w.dirty = 1;
    int quit = 0;
    while (!quit && !got_signal) {
        SDL_Event e;
        /* sleep until an event or a new snapshot (the worker wakes us) */
        if (SDL_WaitEventTimeout(&e, 250)) {
            quit |= handle(&w, &e);
            while (!quit && SDL_PollEvent(&e))
                quit |= handle(&w, &e);
        }
        sync_session(&w);
        const qnn_snapshot *sn = qnn_session_acquire(u->s);
        if (sn->seq != w.sn->seq) {
            qnn_snapshot_release(w.sn);
            w.sn = sn;
            w.dirty = 1;
        } else {
            qnn_snapshot_release(sn);
        }
        if (w.dirty && !quit && render(&w) != 0) {
            snprintf(u->status, sizeof u->status, "drawing failed: %s", SDL_GetError());
            u->status_error = 1;
        }
    }
    qnn_snapshot_release(w.sn);
    SDL_AtomicSet(&video_up, 0);
    if (w.tex)
        SDL_DestroyTexture(w.tex);
    SDL_DestroyRenderer(w.r);
    SDL_DestroyWindow(w.w);
    SDL_Quit();
    return 0;
}
