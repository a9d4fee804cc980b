/* The SDL2 window (window.h). */
#include "window.h"
#include "faceloop.h"
#include "keys.h"
#include "record.h"

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
    int ww, wh;          /* logical size (the window's size as SDL gives it) */
    int pw, ph;          /* the drawable's size last drawn */
    double dpi;          /* drawable pixels per logical pixel */
    double sys;          /* the display's own scale (HiDPI without a larger drawable): text and controls x sys */
    const qnn_snapshot *sn;
    uint64_t drawn_seq;
    int dirty;
    Uint32 last_drag_set;
    qnn_session *shown_s;   /* the session w->sn comes from */
    int tour_seen;          /* the tour step the title names, -1 */
    SDL_Rect windowed;      /* the window's place before full screen */
    Uint32 rec_t0;          /* when the recording started (SDL ticks) */
    uint64_t rec_seq;       /* the last snapshot handed to the recording */
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

/* The scale of text and controls: the user's (+, -, --large) times the
 * display's (HiDPI). */
static double ui_scale(const win *w)
{
    return w->u->scale * w->sys;
}

/* While recording: a red "● REC 12 s" in the top right corner of the
 * window, in the panels' title row (drawn over the dashboard here, so
 * that it is not in the movie). */
static void draw_rec(cairo_t *cr, const win *w)
{
    if (!live_recording(w->u))
        return;
    const double s = ui_scale(w);
    char t[96];
    const Uint32 ms = SDL_GetTicks() - w->rec_t0;
    snprintf(t, sizeof t, "REC %u s · %ld frames", (unsigned)(ms / 1000), live_record_frames(w->u));
    const double fs = 11 * s, tw = plot_text_width(cr, t, fs, 1);
    const double bw = tw + 2.4 * fs, bh = 1.55 * fs, x = w->ww - bw - 4 * s, y = 2 * s;
    cairo_save(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + bw - 0.5 * bh, y + 0.5 * bh, 0.5 * bh, -M_PI / 2, M_PI / 2);
    cairo_arc(cr, x + 0.5 * bh, y + 0.5 * bh, 0.5 * bh, M_PI / 2, 1.5 * M_PI);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
    cairo_set_line_width(cr, 1.5 * s);
    cairo_stroke(cr);
    cairo_arc(cr, x + 0.75 * fs, y + 0.5 * bh, 0.36 * fs, 0, 2 * M_PI);
    cairo_fill(cr);
    plot_text(cr, t, fs, x + 1.4 * fs, y + 0.5 * bh + 0.36 * fs, 0, 1);
    cairo_restore(cr);
}

static int render(win *w)
{
    int pw, ph;
    if (SDL_GetRendererOutputSize(w->r, &pw, &ph) != 0 || pw < 1 || ph < 1)
        return -1;
    SDL_GetWindowSize(w->w, &w->ww, &w->wh);
    w->dpi = w->ww > 0 ? (double)pw / w->ww : 1.0;
    w->pw = pw;
    w->ph = ph;
    if (fit_texture(w->r, &w->tex, &w->tw, &w->th, pw, ph) != 0)
        return -1;
    void *pix;
    int pitch;
    if (SDL_LockTexture(w->tex, NULL, &pix, &pitch) != 0)
        return -1;
    cairo_surface_t *sf = cairo_image_surface_create_for_data(pix, CAIRO_FORMAT_ARGB32, pw, ph, pitch);
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, w->dpi, w->dpi);
    live_layout_for(&w->L, w->ww, w->wh, ui_scale(w), w->u);
    qnn_params req;
    qnn_session_requested(w->u->s, &req);
    live_circuit_sync(w->u, w->sn, 0);
    live_draw(cr, &w->L, w->u, w->sn, &req, NULL);
    draw_rec(cr, w);
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

/* The window's size changed without an event reaching us (full screen
 * without a window manager, a renderer that reports late): 1 when the
 * last frame was drawn at another size. */
static int size_changed(win *w)
{
    int ww, wh, pw, ph;
    SDL_GetWindowSize(w->w, &ww, &wh);
    if (SDL_GetRendererOutputSize(w->r, &pw, &ph) != 0)
        return 0;
    return ww != w->ww || wh != w->wh || pw != w->pw || ph != w->ph;
}

/* Starts (panel -1: the dashboard; else that panel) or stops recording. */
static void record_toggle(win *w, int panel)
{
    live_ui *u = w->u;
    if (live_recording(u)) {
        live_record_stop(u);
        return;
    }
    if (live_record_start(u, panel, 0, w->ww * w->dpi, w->wh * w->dpi, ui_scale(w) * w->dpi) == 0) {
        w->rec_t0 = SDL_GetTicks();
        w->rec_seq = 0;
        if (live_record_frame(u, w->sn) > 0)
            w->rec_seq = w->sn->seq;
    }
}

static void screenshot(win *w)
{
    live_ui *u = w->u;
    char path[1200], err[512];
    live_stamped_path(u, "qnnlab-screenshot", "png", path, sizeof path);
    /* the window's pixels: the same drawing at the drawable size */
    if (live_screenshot(u, w->sn, path, w->ww * w->dpi, w->wh * w->dpi, ui_scale(w) * w->dpi, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "screenshot failed: %s", err);
        u->status_error = 1;
    } else {
        snprintf(u->status, sizeof u->status, "screenshot saved to %s", path);
        u->status_error = 0;
    }
}

/* The display the window is on (0 when SDL cannot say). */
static int window_display(SDL_Window *wp)
{
    int d = SDL_GetWindowDisplayIndex(wp);
    return d >= 0 ? d : 0;
}

/* Full screen on and off (F11, f, --fullscreen). The window is first
 * moved and sized to the whole display, then made full screen: a window
 * manager then has nothing to change, and without one (a bare X server,
 * Xvfb) SDL's full screen flag alone would leave the window at its size
 * while SDL reports the display's, and the layout drawn for the display
 * would be cut off. Leaving full screen puts the window back where it
 * was. The next frames take the new size from SDL (size_changed). */
static void set_fullscreen(SDL_Window *wp, SDL_Rect *windowed, int on)
{
    const int is = (SDL_GetWindowFlags(wp) & SDL_WINDOW_FULLSCREEN) != 0;
    if (on == is)
        return;
    if (on) {
        SDL_Rect b;
        SDL_GetWindowPosition(wp, &windowed->x, &windowed->y);
        SDL_GetWindowSize(wp, &windowed->w, &windowed->h);
        if (SDL_GetDisplayBounds(window_display(wp), &b) == 0) {
            SDL_SetWindowPosition(wp, b.x, b.y);
            SDL_SetWindowSize(wp, b.w, b.h);
        }
        SDL_SetWindowFullscreen(wp, SDL_WINDOW_FULLSCREEN_DESKTOP);
    } else {
        SDL_SetWindowFullscreen(wp, 0);
        if (windowed->w > 0 && windowed->h > 0) {
            SDL_SetWindowSize(wp, windowed->w, windowed->h);
            SDL_SetWindowPosition(wp, windowed->x, windowed->y);
        }
    }
}

static void toggle_fullscreen(win *w)
{
    set_fullscreen(w->w, &w->windowed, !(SDL_GetWindowFlags(w->w) & SDL_WINDOW_FULLSCREEN));
    w->dirty = 1;
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
    case SDLK_p: return shift ? LIVE_UNPIN : LIVE_PIN;
    case SDLK_o: return LIVE_SEGMENTS;
    case SDLK_w: return LIVE_WINDOW;
    case SDLK_u: return LIVE_CONVERGE_PAUSE;
    case SDLK_v: return shift ? LIVE_RECORD_PANEL : LIVE_RECORD;
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
        live_export(u, w->sn, w->ww * w->dpi, w->wh * w->dpi, ui_scale(w) * w->dpi);
        break;
    case LIVE_SHARE:
        if (live_share(u) == 0) {
            if (SDL_SetClipboardText(u->share) != 0)
                snprintf(u->status, sizeof u->status, "share string (clipboard unavailable: %s): %.300s", SDL_GetError(), u->share);
            printf("share: qnnlab gui --state %s\n", u->share);
            fflush(stdout);
        }
        break;
    case LIVE_FULLSCREEN:
        toggle_fullscreen(w);
        break;
    case LIVE_RECORD:
        record_toggle(w, -1);
        break;
    case LIVE_RECORD_PANEL:
        record_toggle(w, u->hover_panel >= 0 && u->hover_panel < LIVE_NPANELS ? u->hover_panel : 0);
        break;
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

/* The display the window opens on: the one under the mouse pointer (a
 * laptop beside a projector: where the user looks), else the first. */
static int open_display(void)
{
    int mx, my, n = SDL_GetNumVideoDisplays();
    SDL_GetGlobalMouseState(&mx, &my);
    for (int d = 0; d < n; d++) {
        SDL_Rect b;
        if (SDL_GetDisplayBounds(d, &b) == 0 && mx >= b.x && mx < b.x + b.w && my >= b.y && my < b.y + b.h)
            return d;
    }
    return 0;
}

/* A scale from the environment variable name (0.5 .. 4), or 0 when it is
 * not set (said on stderr when it is set to something else). */
static double env_scale(const char *name)
{
    const char *e = SDL_getenv(name);
    if (!e || !*e)
        return 0;
    char *end;
    double v = strtod(e, &end);
    if (!*end && v >= 0.5 && v <= 4)
        return v;
    fprintf(stderr, "qnnlab gui: %s: value '%.40s' is ignored; allowed: 0.5 .. 4\n", name, e);
    return 0;
}

/* The display's scale for text and controls where SDL's drawable is no
 * larger than the window (X11, Windows): QNNLAB_UI_SCALE when set; else 2
 * (1.5, 2.5, 3) on a display of 168 dpi or more and at least 1200 pixels
 * tall (the HiDPI rule of the desktops); else, where SDL knows no dpi,
 * the scale the desktop gives its toolkits (GDK_SCALE, QT_SCALE_FACTOR);
 * else 1. */
static double display_scale(int d)
{
    double v = env_scale("QNNLAB_UI_SCALE");
    if (v > 0)
        return v;
    const char *drv = SDL_GetCurrentVideoDriver();
    if (!drv || (strcmp(drv, "x11") != 0 && strcmp(drv, "windows") != 0))
        return 1;
    float dd = 0, hd = 0, vd = 0;
    SDL_Rect b;
    if (SDL_GetDisplayDPI(d, &dd, &hd, &vd) == 0 && hd > 0 && SDL_GetDisplayBounds(d, &b) == 0)
        return hd < 168 || b.h < 1200 ? 1 : fmin(3.0, floor(hd / 96.0 * 2 + 0.5) / 2);
    if ((v = env_scale("GDK_SCALE")) > 0 || (v = env_scale("QT_SCALE_FACTOR")) > 0)
        return v;
    return 1;
}

/* Where the window opens on display d, with sys the display's scale:
 * --size (o->width, o->height) as asked, said on stderr when larger than
 * the display's usable area; else the preset size (1600 x 900 at scale 1)
 * when it fits with a margin, or scaled down to fit, keeping its shape
 * (not below 640 x 480 unless the display is smaller); centred in the
 * usable area, never above or left of it. */
static SDL_Rect open_place(const qnn_gui_opts *o, int d, double sys)
{
    SDL_Rect ub;
    if (SDL_GetDisplayUsableBounds(d, &ub) != 0 || ub.w < 1 || ub.h < 1)
        if (SDL_GetDisplayBounds(d, &ub) != 0 || ub.w < 1 || ub.h < 1)
            ub = (SDL_Rect){0, 0, 1600, 900};
    SDL_Rect r;
    if (o && o->width > 0 && o->height > 0) {
        r.w = o->width;
        r.h = o->height;
        if (r.w > ub.w || r.h > ub.h)
            fprintf(stderr, "qnnlab gui: --size %dx%d is larger than the display (%dx%d usable): the window is cut off; allowed: up to %dx%d, or no --size to fit the display\n",
                    r.w, r.h, ub.w, ub.h, ub.w, ub.h);
    } else {
        const double W = 1600 * sys, H = 900 * sys;
        /* a margin of 4 % (at least 24 px) for the frame and title bar */
        const double m = fmax(24.0, 0.04 * fmin(ub.w, ub.h));
        double f = fmin(1.0, fmin((ub.w - 2 * m) / W, (ub.h - 2 * m) / H));
        r.w = (int)floor(W * f);
        r.h = (int)floor(H * f);
        const int minw = ub.w < 640 ? ub.w : 640, minh = ub.h < 480 ? ub.h : 480;
        r.w = r.w < minw ? minw : r.w;
        r.h = r.h < minh ? minh : r.h;
    }
    r.x = ub.x + (ub.w - r.w) / 2;
    r.y = ub.y + (ub.h - r.h) / 2;
    r.x = r.x < ub.x ? ub.x : r.x;
    r.y = r.y < ub.y ? ub.y : r.y;
    return r;
}

/* SDL, the window and its renderer (both faces drawn here), placed by
 * open_place and full screen when asked (its windowed place then in
 * *windowed); *sys the display's scale. 0, or -1 with a message and SDL
 * shut down again. */
static int window_open(SDL_Window **wp, SDL_Renderer **rp, SDL_Rect *windowed, double *sys,
                       const qnn_gui_opts *o, char *err, size_t errlen)
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
    const int d = open_display();
    *sys = display_scale(d);
    const SDL_Rect at = open_place(o, d, *sys);
    *wp = SDL_CreateWindow(o && o->title ? o->title : "qnnlab", at.x, at.y, at.w, at.h,
                           SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!*wp) {
        snprintf(err, errlen, "cannot create a window: %s", SDL_GetError());
        SDL_AtomicSet(&video_up, 0);
        SDL_Quit();
        return -1;
    }
    SDL_SetWindowMinimumSize(*wp, at.w < 640 ? at.w : 640, at.h < 480 ? at.h : 480);
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
    /* a drawable larger than the window (Wayland, macOS) is HiDPI already:
     * the drawing scales by it, not by the display's dpi as well */
    int pw = 0, ph = 0, ww = 0, wh = 0;
    SDL_GetWindowSize(*wp, &ww, &wh);
    if (SDL_GetRendererOutputSize(*rp, &pw, &ph) == 0 && ww > 0 && pw > ww && !(SDL_getenv("QNNLAB_UI_SCALE") && *SDL_getenv("QNNLAB_UI_SCALE")))
        *sys = 1;
    *windowed = at;
    if (o && o->fullscreen)
        set_fullscreen(*wp, windowed, 1);
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
    if (window_open(&w.w, &w.r, &w.windowed, &w.sys, o, err, errlen) != 0)
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
        /* full screen without a window manager sends no event: the size
         * is asked for at every turn */
        if (size_changed(&w))
            w.dirty = 1;
        if (live_recording(u)) {
            /* a frame of each new snapshot; the indicator's seconds tick */
            if (w.sn->seq != w.rec_seq) {
                live_record_frame(u, w.sn);
                w.rec_seq = w.sn->seq;
            }
            w.dirty = 1;
        }
        if (w.dirty && !quit && render(&w) != 0) {
            snprintf(u->status, sizeof u->status, "drawing failed: %s", SDL_GetError());
            u->status_error = 1;
        }
    }
    /* a recording under way is finished (q, the window closed, a signal):
     * the movie so far is kept */
    if (live_recording(u)) {
        live_record_stop(u);
        if (u->status[0])
            fprintf(stderr, "qnnlab gui: %s\n", u->status);
    }
    qnn_snapshot_release(w.sn);
    live_pins_free(u);
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
    SDL_Rect windowed;          /* the window's place before full screen */
    int ww, wh, pw, ph;         /* the sizes last drawn */
    double sys;                 /* the display's scale (window_open): the client draws in window pixels / sys */
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
    cairo_scale(cr, dpi * cw->sys, dpi * cw->sys);
    c->draw(c->ctx, cr, ww / cw->sys, wh / cw->sys);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    cairo_surface_destroy(sf);
    SDL_UnlockTexture(cw->tex);
    SDL_RenderClear(cw->r);
    SDL_RenderCopy(cw->r, cw->tex, NULL, NULL);
    SDL_RenderPresent(cw->r);
    cw->ww = ww;
    cw->wh = wh;
    cw->pw = pw;
    cw->ph = ph;
    return 0;
}

/* 1 when the window's size is not the one last drawn (see size_changed). */
static int canvas_resized(const canvas_win *cw)
{
    int ww, wh, pw, ph;
    SDL_GetWindowSize(cw->w, &ww, &wh);
    if (SDL_GetRendererOutputSize(cw->r, &pw, &ph) != 0)
        return 0;
    return ww != cw->ww || wh != cw->wh || pw != cw->pw || ph != cw->ph;
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
    if (window_open(&cw.w, &cw.r, &cw.windowed, &cw.sys, o, err, errlen) != 0)
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
                    set_fullscreen(cw.w, &cw.windowed, !(SDL_GetWindowFlags(cw.w) & SDL_WINDOW_FULLSCREEN));
                } else {
                    int k = canvas_key(&e.key);
                    if (k)
                        quit = c->key(c->ctx, k);
                }
                dirty = 1;
                break;
            case SDL_MOUSEBUTTONDOWN:
                if (c->pointer && e.button.button == SDL_BUTTON_LEFT) {
                    c->pointer(c->ctx, e.button.x / cw.sys, e.button.y / cw.sys, QNN_POINTER_CLICK);
                    dirty = 1;
                }
                break;
            case SDL_MOUSEWHEEL:
                if (c->pointer && e.wheel.y != 0) {
                    int mx, my;
                    SDL_GetMouseState(&mx, &my);
                    int y = e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e.wheel.y : e.wheel.y;
                    for (int i = 0; i < (y > 0 ? y : -y); i++)
                        c->pointer(c->ctx, mx / cw.sys, my / cw.sys, y > 0 ? QNN_POINTER_WHEEL_UP : QNN_POINTER_WHEEL_DOWN);
                    dirty = 1;
                }
                break;
            default:
                break;   /* a wake-up: c->poll below decides */
            }
            have = SDL_PollEvent(&e);
        }
        if ((c->poll && c->poll(c->ctx)) || canvas_resized(&cw))
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
