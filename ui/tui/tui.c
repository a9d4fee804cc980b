/* The ncurses loop of the terminal face (tui.h): input, signals, the
 * steady redraw, and a terminal that is restored whatever happens. */
#include "tui.h"
#include "faceloop.h"
#include "record.h"

#include <curses.h>
#include <term.h>
#undef tab      /* term.h names every capability as a macro */

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Process-wide state the signal handlers touch                           */

static int wake_fd[2] = {-1, -1};
static volatile sig_atomic_t curses_on;
static struct termios saved_tio;
static int have_tio;
static int term_fd = STDOUT_FILENO;    /* where the screen goes */
static char restore_seq[512];
static size_t restore_len;

void qnn_tui_wake(void *ctx)
{
    (void)ctx;
    if (wake_fd[1] >= 0) {
        ssize_t w = write(wake_fd[1], "w", 1);   /* a full pipe already wakes */
        (void)w;
    }
}

/* The screen goes to stdout, or to /dev/tty when stdout is redirected
 * (`qnnlab tui > log` keeps the share strings printed on exit). */
static FILE *open_screen(void)
{
    if (isatty(STDOUT_FILENO))
        return stdout;
    FILE *f = fopen("/dev/tty", "w");
    if (f && !isatty(fileno(f))) {
        fclose(f);
        f = NULL;
    }
    return f;
}

int qnn_tui_available(void)
{
    if (!isatty(STDIN_FILENO))
        return 0;
    FILE *f = open_screen();
    if (f && f != stdout)
        fclose(f);
    return f != NULL;
}

/* A crash or a signal that ends the process (fatal_sigs): put the
 * terminal back with what is safe in a signal handler (write and
 * tcsetattr), then die of the same signal. */
static void on_fatal(int sig)
{
    if (curses_on) {
        ssize_t w = write(term_fd, restore_seq, restore_len);
        (void)w;
        if (have_tio)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void add_cap(const char *name)
{
    char *s = tigetstr((char *)name);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (restore_len + n < sizeof restore_seq) {
        memcpy(restore_seq + restore_len, s, n);
        restore_len += n;
    }
}

static void at_exit_restore(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
    }
}

/* ---------------------------------------------------------------------- */
/* Colours                                                                */

static int colors_on;
static int grey_dim;        /* 8 colours: grey is the default colour, dimmed */

static void init_colors(int mono)
{
    colors_on = 0;
    const char *nc = getenv("NO_COLOR");
    if (mono || (nc && *nc) || !has_colors() || start_color() == ERR)
        return;
    short bg = -1, fg = -1;
    if (use_default_colors() == ERR) {
        bg = COLOR_BLACK;
        fg = COLOR_WHITE;
    }
    /* the plot palette (Okabe & Ito) in the xterm-256 cube, or the eight
     * ANSI colours nearest to it */
    static const short c256[7] = {32, 166, 36, 175, 214, 74, -1};
    static const short c8[7] = {COLOR_BLUE, COLOR_RED, COLOR_GREEN, COLOR_MAGENTA, COLOR_YELLOW, COLOR_CYAN, -1};
    for (int i = 0; i < 7; i++) {
        short c = COLORS >= 256 ? c256[i] : c8[i];
        init_pair((short)(i + 1), c < 0 ? fg : c, bg);
    }
    grey_dim = COLORS < 16;
    init_pair(TG_GREY, COLORS >= 256 ? 245 : COLORS >= 16 ? 8 : fg, bg);
    colors_on = 1;
}

static attr_t cell_attr(const tg_cell *c)
{
    attr_t a = A_NORMAL;
    if (c->attr & TG_BOLD) a |= A_BOLD;
    if (c->attr & TG_DIM) a |= A_DIM;
    if (c->attr & TG_REVERSE) a |= A_REVERSE;
    if (c->attr & TG_UNDERLINE) a |= A_UNDERLINE;
    if (c->color == TG_GREY && (!colors_on || grey_dim))
        a |= A_DIM;
    if (colors_on && c->color > 0 && c->color < TG_NCOLORS)
        a |= COLOR_PAIR(c->color);
    return a;
}

/* Copies the grid to the screen in runs of equal attributes; curses sends
 * only what changed, so nothing flickers. */
static void blit(const tg_grid *g)
{
    char run[4096];
    for (int y = 0; y < g->h; y++) {
        int x = 0;
        while (x < g->w) {
            const tg_cell *c0 = &g->c[(size_t)y * g->w + x];
            const attr_t a = cell_attr(c0);
            size_t n = 0;
            int x0 = x;
            while (x < g->w) {
                const tg_cell *c = &g->c[(size_t)y * g->w + x];
                if (cell_attr(c) != a)
                    break;
                const char *ch = c->ch[0] ? c->ch : " ";
                size_t l = strlen(ch);
                if (n + l + 1 > sizeof run)
                    break;
                memcpy(run + n, ch, l);
                n += l;
                x++;
            }
            run[n] = 0;
            attrset(a);
            mvaddstr(y, x0, run);   /* ERR at the last cell of the screen: harmless */
        }
    }
    attrset(A_NORMAL);
}

/* ---------------------------------------------------------------------- */
/* The loop                                                               */

typedef struct tui {
    live_ui *u;
    tui_view v;
    tui_layout L;
    tg_grid g;
    const qnn_snapshot *sn;
    int dirty;
    double fps;
    qnn_session *shown_s;   /* the session t->sn comes from */
    int tour_seen;          /* the tour step the view was set up for, -1 */
} tui;

/* The session's newest snapshot (after a tour step, the new session's);
 * a new step shows its panel and its text in full. */
static void sync_session(tui *t)
{
    live_ui *u = t->u;
    int changed = live_sync_session(u, &t->sn, &t->shown_s, &t->tour_seen);
    if (changed & LIVE_SYNC_STEP) {
        t->v.tab = u->tour->step[u->tour->cur].panel;
        t->v.zoom = 0;
        t->v.tour_brief = 0;
    }
    if (changed)
        t->dirty = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int draw(tui *t)
{
    int H, W;
    getmaxyx(stdscr, H, W);
    if (W < 1 || H < 1)
        return 0;
    if (t->g.w != W || t->g.h != H) {
        tg_free(&t->g);
        if (tg_init(&t->g, W, H, t->v.cs) != 0)
            return -1;
    }
    tui_tour_prepare(&t->v, t->u, W);
    tui_layout_compute(&t->L, W, H, &t->v);
    qnn_params req;
    qnn_session_requested(t->u->s, &req);
    live_circuit_sync(t->u, t->sn, t->v.cs == TG_ASCII);
    tui_compose(&t->g, &t->L, t->u, &t->v, t->sn, &req);
    blit(&t->g);
    wnoutrefresh(stdscr);
    doupdate();
    t->dirty = 0;
    return 0;
}

/* Writes the screen as text to export_root (atomically). */
static void save_screen(tui *t)
{
    live_ui *u = t->u;
    char path[1200], err[1400];
    live_stamped_path(u, "qnnlab-screen", "txt", path, sizeof path);
    if (tg_save(&t->g, path, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "cannot save the screen: %s", err);
        u->status_error = 1;
    } else {
        snprintf(u->status, sizeof u->status, "screen saved to %s", path);
        u->status_error = 0;
    }
}

/* The share string to the system clipboard through the terminal (OSC 52:
 * xterm, kitty, iTerm2, tmux with set-clipboard; others ignore it). */
static void osc52(const char *s)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = malloc(4 * (n / 3 + 1) + 16);
    if (!out)
        return;
    size_t o = 0;
    memcpy(out, "\033]52;c;", 7);
    o = 7;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o++] = '\a';
    fflush(stdout);
    ssize_t w = write(term_fd, out, o);
    (void)w;
    free(out);
}

/* Key v: starts recording the dashboard to MP4 (frames drawn offscreen
 * with cairo at 1280 x 720, whatever the terminal's size: record.h), or
 * stops it; the status line says where it goes and what was written. */
static void record_key(tui *t)
{
    live_ui *u = t->u;
    if (live_recording(u)) {
        live_record_stop(u);
        return;
    }
    if (live_record_start(u, -1, 0, TUI_RECORD_W, TUI_RECORD_H, 1.0) == 0 && t->sn)
        live_record_frame(u, t->sn);
}

static int continuous(int i)
{
    const char *k = live_sliders[i].key;
    return !strcmp(k, "gamma") || !strcmp(k, "eta") || !strcmp(k, "sigma_theta") || !strcmp(k, "spf");
}

static void mouse(tui *t)
{
    MEVENT me;
    if (getmouse(&me) != OK)
        return;
    live_ui *u = t->u;
    if (u->help) {
        if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
            u->help = 0;
        return;
    }
    double frac;
    int i = tui_hit_slider(&t->L, me.x, me.y, &frac);
#ifdef BUTTON5_PRESSED
    if (i < 0 && u->circuit_shown && (me.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))) {
        for (int k = 0; k < 3; k++)
            live_circuit_key(u, (me.bstate & BUTTON4_PRESSED) ? QNN_KEY_UP : QNN_KEY_DOWN);
        return;
    }
    if (i >= 0 && (me.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))) {
        u->focus = i;
        live_do(u, (me.bstate & BUTTON4_PRESSED) ? LIVE_FINE_UP : LIVE_FINE_DOWN);
        return;
    }
#endif
    if (!(me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED)))
        return;
    if (i >= 0) {
        u->focus = i;
        qnn_params req;
        qnn_session_requested(u->s, &req);
        if (frac >= 0 && live_slider_applies(i, &req)) {
            double v = live_slider_from_frac(i, frac);
            if (v != live_slider_value(u, i, &req) || continuous(i))
                live_slider_set(u, i, v);
        }
        return;
    }
    int k = tui_hit_tab(&t->L, me.x, me.y);
    if (k < 0 && t->L.grid)
        k = tui_hit_panel(&t->L, me.x, me.y);
    if (k >= 0) {
        t->v.tab = k;
        t->v.zoom = 1;
        u->circuit_shown = 0;   /* a panel asked for: the diagram makes way */
    }
}

/* Handles one key; returns 1 to quit. */
static int key(tui *t, int ch)
{
    live_ui *u = t->u;
    if (ch == KEY_RESIZE) {
        /* the terminal may have moved or cut what it showed: all again */
        clearok(curscr, TRUE);
        return 0;
    }
    if (ch == KEY_MOUSE) {
        mouse(t);
        return 0;
    }
    if (ch == 12) {         /* Ctrl+L */
        clearok(curscr, TRUE);
        return 0;
    }
    if (u->entry) {
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
            live_entry_key(u, "Return");
        else if (ch == 27)
            live_entry_key(u, "Escape");
        else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8)
            live_entry_key(u, "BackSpace");
        else if (ch > 0 && ch < 128) {
            char s[2] = {(char)ch, 0};
            live_entry_char(u, s);
        }
        return 0;
    }
    if (t->v.share) {
        /* the share screen: arrows and pages scroll, any other key closes */
        switch (ch) {
        case KEY_UP: case 'k': t->v.share_scroll--; return 0;
        case KEY_DOWN: case 'j': t->v.share_scroll++; return 0;
        case KEY_PPAGE: t->v.share_scroll -= t->L.H / 2; return 0;
        case KEY_NPAGE: case ' ': t->v.share_scroll += t->L.H / 2; return 0;
        default: t->v.share = 0; return 0;
        }
    }
    if (u->help) {
        switch (ch) {
        case KEY_UP: case 'k': t->v.help_scroll--; return 0;
        case KEY_DOWN: case 'j': t->v.help_scroll++; return 0;
        case KEY_PPAGE: t->v.help_scroll -= t->L.H - 2; return 0;
        case KEY_NPAGE: case ' ': t->v.help_scroll += t->L.H - 2; return 0;
        case KEY_HOME: t->v.help_scroll = 0; return 0;
        case KEY_END: t->v.help_scroll = 1 << 20; return 0;
        default: u->help = 0; return 0;
        }
    }
    if (u->circuit_shown) {
        /* the arrows and pages scroll the circuit diagram, Esc closes it */
        static const struct { int ch, key; } scroll[] = {
            {KEY_UP, QNN_KEY_UP}, {KEY_DOWN, QNN_KEY_DOWN}, {KEY_PPAGE, QNN_KEY_PGUP},
            {KEY_NPAGE, QNN_KEY_PGDN}, {KEY_HOME, QNN_KEY_HOME}, {KEY_END, QNN_KEY_END}};
        for (size_t k = 0; k < sizeof scroll / sizeof scroll[0]; k++)
            if (ch == scroll[k].ch && live_circuit_key(u, scroll[k].key))
                return 0;
        if (ch == 27) {
            live_do(u, LIVE_CIRCUIT);
            return 0;
        }
    }
    live_action a = LIVE_NONE;
    switch (ch) {
    case 'q': case 27: return 1;
    case ' ': a = LIVE_PLAY; break;
    case '.': case 'n': a = LIVE_STEP; break;
    case 'r': a = LIVE_RESET; break;
    case 'z': a = LIVE_RESEED; break;
    case '\t': case KEY_DOWN: a = LIVE_FOCUS_NEXT; break;
    case KEY_BTAB: case KEY_UP: a = LIVE_FOCUS_PREV; break;
    case KEY_RIGHT: a = LIVE_FINE_UP; break;
    case KEY_LEFT: a = LIVE_FINE_DOWN; break;
    case KEY_SRIGHT: case KEY_PPAGE: a = LIVE_COARSE_UP; break;
    case KEY_SLEFT: case KEY_NPAGE: a = LIVE_COARSE_DOWN; break;
    case KEY_HOME: a = LIVE_MIN; break;
    case KEY_END: a = LIVE_MAX; break;
    case '\n': case '\r': case KEY_ENTER: a = LIVE_ENTRY; break;
    case 'm': a = LIVE_MODEL_NEXT; break;
    case 'M': a = LIVE_MODEL_PREV; break;
    case 't': a = LIVE_TDIST; break;
    case 'h': a = LIVE_HESSIAN; break;
    case 'd': case 'D': a = LIVE_CIRCUIT; break;
    case KEY_F(1): case '?': a = LIVE_HELP; break;
    case 'e': case 'E':
        live_export(u, t->sn, 1600, 900, 1.0);
        return 0;
    case 's': case 'S':
        save_screen(t);
        return 0;
    case 'c': case 'C':
        if (live_share(u) == 0) {
            osc52(u->share);
            /* in full on a screen of its own: the message line cuts it */
            t->v.share = 1;
            t->v.share_scroll = 0;
            snprintf(u->status, sizeof u->status, "share string (c shows it in full; printed on exit): qnnlab gui --state %s", u->share);
            u->status_error = 0;
        }
        return 0;
    case 'v':
        record_key(t);
        return 0;
    case 'p': a = LIVE_PIN; break;
    case 'P': a = LIVE_UNPIN; break;
    case 'o': a = LIVE_SEGMENTS; break;
    case 'w': a = LIVE_WINDOW; break;
    case 'u': a = LIVE_CONVERGE_PAUSE; break;
    case '1': case '2': case '3': case '4':
        t->v.tab = ch - '1';
        t->v.zoom = 1;
        u->circuit_shown = 0;
        return 0;
    case '[': case ']':
        t->v.tab = (t->v.tab + (ch == ']' ? 1 : LIVE_NPANELS - 1)) % LIVE_NPANELS;
        t->v.zoom = 1;
        u->circuit_shown = 0;
        return 0;
    case 'g': case '0':
        t->v.zoom = 0;
        u->circuit_shown = 0;
        return 0;
    case '>': a = LIVE_TOUR_NEXT; break;
    case '<': a = LIVE_TOUR_PREV; break;
    case 'i':
        /* a full page in place of the panels: first the brief box (title
         * and what to try) beside a panel, then hidden */
        if (u->tour && u->tour->shown && t->L.tour_mode == TUI_TOUR_PAGE) {
            t->v.tour_brief = 1;
            snprintf(u->status, sizeof u->status, "tour text in brief (i again hides it)");
            u->status_error = 0;
            return 0;
        }
        t->v.tour_brief = 0;
        a = LIVE_TOUR_TOGGLE;
        break;
    default:
        return 0;
    }
    if (a == LIVE_HELP)
        t->v.help_scroll = 0;
    live_do(u, a);
    sync_session(t);
    return 0;
}

static int utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

/* The wake-up pipe; it lives as long as the process: a worker may still
 * publish (and write to it) until its session is freed. 0 or -1. */
static int wake_pipe(char *err, size_t errlen)
{
    if (wake_fd[0] >= 0)
        return 0;
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
        fcntl(fd[i], F_SETFD, FD_CLOEXEC);
    }
    wake_fd[0] = fd[0];
    wake_fd[1] = fd[1];
    return 0;
}

/* The signals that end the process by default, other than the stop
 * signals (SIGINT, SIGTERM, SIGHUP: faceloop.h ends the face properly):
 * the crashes first (always caught), then those a user or the system
 * sends (Ctrl+\ gives SIGQUIT: cbreak mode keeps ISIG, and a binary paste
 * can carry 0x1c), caught unless the process ignores them. on_fatal puts
 * the terminal back and dies of the same signal (status 128 + signo, a
 * core where the default makes one). */
static const int fatal_sigs[] = {
    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
    SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGSYS, SIGTRAP,
#ifdef SIGIO
    SIGIO,
#endif
#ifdef SIGPWR
    SIGPWR,
#endif
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
};
#define NFATAL (sizeof fatal_sigs / sizeof fatal_sigs[0])
#define NCRASH 5    /* the first NCRASH of fatal_sigs */

/* The terminal in the face's modes, and everything to put it back. */
typedef struct term_state {
    live_stop stop;
    struct sigaction oldf[NFATAL];
    FILE *screen_out;
    SCREEN *scr;
} term_state;

/* The handlers term_open replaced, back in place. */
static void restore_signals(const term_state *ts)
{
    for (size_t i = 0; i < NFATAL; i++)
        sigaction(fatal_sigs[i], &ts->oldf[i], NULL);
    live_stop_restore(&ts->stop);
}

/* Signals, curses, colours and the mouse. 0, or -1 with a message (the
 * terminal and the signals untouched). */
static int term_open(term_state *ts, int mono, char *err, size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    /* our handlers before curses starts: it then leaves SIGINT and SIGTERM
     * to us (it only takes signals whose handler is the default) */
    live_stop_install(&ts->stop, qnn_tui_wake);
    struct sigaction fa;
    memset(&fa, 0, sizeof fa);
    fa.sa_handler = on_fatal;
    sigemptyset(&fa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++) {
        sigaction(fatal_sigs[i], NULL, &ts->oldf[i]);
        if (i < NCRASH || ts->oldf[i].sa_handler == SIG_DFL)
            sigaction(fatal_sigs[i], &fa, NULL);
    }
    have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;

    ts->screen_out = open_screen();
    ts->scr = ts->screen_out ? newterm(NULL, ts->screen_out, stdin) : NULL;
    if (ts->screen_out)
        term_fd = fileno(ts->screen_out);
    if (!ts->scr) {
        const char *term = getenv("TERM");
        snprintf(err, errlen, "cannot use the terminal (TERM = '%s'); allowed: a terminal type known to terminfo, e.g. TERM=xterm-256color",
                 term ? term : "");
        if (ts->screen_out && ts->screen_out != stdout)
            fclose(ts->screen_out);
        term_fd = STDOUT_FILENO;
        restore_signals(ts);
        return -1;
    }
    curses_on = 1;
    static int registered;
    if (!registered) {
        atexit(at_exit_restore);
        registered = 1;
    }
    restore_len = 0;
    add_cap("sgr0");
    add_cap("cnorm");
    add_cap("rmkx");
    add_cap("clear");       /* no plot fragments left behind (term_close) */
    add_cap("rmcup");
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    init_colors(mono);
    mouseinterval(0);
    if (mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED
#ifdef BUTTON5_PRESSED
                      | BUTTON4_PRESSED | BUTTON5_PRESSED
#endif
                  , NULL) != 0) {
        /* the xterm mouse modes, turned off by a crash too */
        static const char moff[] = "\033[?1000l\033[?1002l\033[?1006l";
        if (restore_len + sizeof moff - 1 < sizeof restore_seq) {
            memcpy(restore_seq + restore_len, moff, sizeof moff - 1);
            restore_len += sizeof moff - 1;
        }
    }
    return 0;
}

/* The terminal as it was, and the signal handlers. The screen is
 * cleared before curses leaves it: a terminal that keeps the alternate
 * screen's lines when it was resized (tmux copies them into the main
 * screen's history when it grows back) then has only blank lines to
 * keep, not fragments of plots. */
static void term_close(term_state *ts)
{
    mousemask(0, NULL);
    attrset(A_NORMAL);
    clear();
    refresh();
    curs_set(1);
    endwin();
    curses_on = 0;
    delscreen(ts->scr);
    if (ts->screen_out && ts->screen_out != stdout)
        fclose(ts->screen_out);
    term_fd = STDOUT_FILENO;
    restore_signals(ts);
}

/* Waits for input, a wake-up or timeout ms (-1: no limit). 0, or -1 with a
 * message; a terminal that went away counts as SIGHUP. */
static int wait_input(int timeout, char *err, size_t errlen)
{
    struct pollfd pf[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd[0], POLLIN, 0}};
    int pr = poll(pf, 2, timeout);
    if (pr < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        return -1;
    }
    if (pr > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
        live_stop_note(SIGHUP);    /* the terminal went away */
        return 0;
    }
    if (pr > 0 && (pf[1].revents & POLLIN)) {
        char buf[256];
        while (read(wake_fd[0], buf, sizeof buf) > 0)
            ;
    }
    return 0;
}

int qnn_tui_run(live_ui *u, const qnn_tui_opts *o, char *err, size_t errlen)
{
    if (!qnn_tui_available()) {
        snprintf(err, errlen, "the terminal face needs a terminal on stdin (and stdout or /dev/tty); allowed: run it in a terminal, or use `qnnlab run` headless");
        return -1;
    }
    /* only the character type: numbers keep their '.' */
    setlocale(LC_CTYPE, "");
    tui t;
    memset(&t, 0, sizeof t);
    t.u = u;
    t.v.cs = (o && o->ascii) || !utf8_locale() ? TG_ASCII : TG_UTF8;
    t.fps = o && o->fps > 0 ? o->fps : 25.0;
    if (wake_pipe(err, errlen) != 0)
        return -1;
    term_state ts;
    if (term_open(&ts, o && o->mono, err, errlen) != 0)
        return -1;
    int rc = 0;
    if (qnn_session_start(u->s, err, errlen) != 0) {
        rc = -1;
        goto out_curses;
    }
    t.sn = NULL;
    t.shown_s = NULL;
    t.tour_seen = -1;
    sync_session(&t);
    t.dirty = 1;
    double next_draw = 0;
    int quit = 0;
    while (!quit && !live_stop_signal()) {
        double now = now_s();
        if (t.dirty && now >= next_draw) {
            if (draw(&t) != 0) {
                snprintf(err, errlen, "out of memory for a %d x %d screen", COLS, LINES);
                rc = -1;
                break;
            }
            /* steady: at most fps frames a second, whatever the worker does */
            next_draw = now + 1.0 / t.fps;
        }
        int timeout = -1;   /* nothing to show: sleep until input, a snapshot or a signal */
        if (t.dirty)
            timeout = (int)ceil(1000.0 * (next_draw - now_s()));
        if (timeout < -1 || (t.dirty && timeout < 0))
            timeout = 0;
        if (wait_input(timeout, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (live_stop_signal())
            break;
        int ch, keys = 0;
        while (!quit && (ch = getch()) != ERR) {
            quit = key(&t, ch);
            keys++;
        }
        if (keys) {
            t.dirty = 1;
            next_draw = 0;      /* input shows at once */
        }
        sync_session(&t);
        /* recording: a frame for each new snapshot */
        if (live_recording(u) && t.sn && live_record_frame(u, t.sn) != 0)
            t.dirty = 1;
    }
    /* a recording under way is finished: q keeps it (a signal too: the
     * file is complete up to the last frame) */
    if (live_recording(u))
        live_record_stop(u);
    qnn_snapshot_release(t.sn);
out_curses:
    live_circuit_free(u);
    tg_free(&t.g);
    term_close(&ts);
    if (rc == 0 && live_stop_signal())
        return live_stop_signal();
    return rc;
}

/* ---------------------------------------------------------------------- */
/* A screen composed by a client (qnn_tui_run_canvas)                      */

/* A curses key as a keys.h code, or 0. */
static int canvas_key(int ch)
{
    switch (ch) {
    case KEY_UP: return QNN_KEY_UP;
    case KEY_DOWN: return QNN_KEY_DOWN;
    case KEY_LEFT: return QNN_KEY_LEFT;
    case KEY_RIGHT: return QNN_KEY_RIGHT;
    case KEY_PPAGE: return QNN_KEY_PGUP;
    case KEY_NPAGE: return QNN_KEY_PGDN;
    case KEY_HOME: return QNN_KEY_HOME;
    case KEY_END: return QNN_KEY_END;
    case '\t': return QNN_KEY_TAB;
    case KEY_BTAB: return QNN_KEY_BTAB;
    case '\n': case '\r': case KEY_ENTER: return QNN_KEY_ENTER;
    case 27: return QNN_KEY_ESC;
    case KEY_F(1): return QNN_KEY_F1;
    case KEY_BACKSPACE: case 127: case 8: return QNN_KEY_BACKSPACE;
    default: return ch > 32 && ch < 127 ? ch : ch == ' ' ? ' ' : 0;
    }
}

static int canvas_draw(const qnn_tui_canvas *c, tg_grid *g, tg_charset cs)
{
    int H, W;
    getmaxyx(stdscr, H, W);
    if (W < 1 || H < 1)
        return 0;
    if (g->w != W || g->h != H) {
        tg_free(g);
        if (tg_init(g, W, H, cs) != 0)
            return -1;
    }
    int rc = c->compose(c->ctx, g);
    blit(g);
    wnoutrefresh(stdscr);
    doupdate();
    return rc;
}

int qnn_tui_run_canvas(const qnn_tui_canvas *c, const qnn_tui_opts *o, char *err, size_t errlen)
{
    if (!qnn_tui_available()) {
        snprintf(err, errlen, "the terminal face needs a terminal on stdin (and stdout or /dev/tty); allowed: run it in a terminal");
        return -1;
    }
    setlocale(LC_CTYPE, "");
    const tg_charset cs = (o && o->ascii) || !utf8_locale() ? TG_ASCII : TG_UTF8;
    if (wake_pipe(err, errlen) != 0)
        return -1;
    term_state ts;
    if (term_open(&ts, o && o->mono, err, errlen) != 0)
        return -1;
    tg_grid g;
    memset(&g, 0, sizeof g);
    int rc = 0, quit = 0, dirty = 1;
    while (!quit && !live_stop_signal()) {
        if (dirty) {
            if (canvas_draw(c, &g, cs) != 0) {
                snprintf(err, errlen, "out of memory for a %d x %d screen", COLS, LINES);
                rc = -1;
                break;
            }
            dirty = 0;
        }
        /* c->poll may animate (a load in progress): look every 250 ms */
        if (wait_input(c->poll ? 250 : -1, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (live_stop_signal())
            break;
        int ch;
        while (!quit && (ch = getch()) != ERR) {
            dirty = 1;
            if (ch == KEY_MOUSE) {
                MEVENT me;
                if (c->pointer && getmouse(&me) == OK) {
                    if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
                        c->pointer(c->ctx, me.x, me.y, QNN_POINTER_CLICK);
#ifdef BUTTON5_PRESSED
                    else if (me.bstate & BUTTON4_PRESSED)
                        c->pointer(c->ctx, me.x, me.y, QNN_POINTER_WHEEL_UP);
                    else if (me.bstate & BUTTON5_PRESSED)
                        c->pointer(c->ctx, me.x, me.y, QNN_POINTER_WHEEL_DOWN);
#endif
                }
            } else if (ch == 12 || ch == KEY_RESIZE) {  /* Ctrl+L, a resize: all again */
                clearok(curscr, TRUE);
            } else {
                int k = canvas_key(ch);
                if (k)
                    quit = c->key(c->ctx, k);
            }
        }
        if (c->poll && c->poll(c->ctx))
            dirty = 1;
    }
    tg_free(&g);
    term_close(&ts);
    if (rc == 0 && live_stop_signal())
        return live_stop_signal();
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The benchmark                                                          */

struct qnn_tui_bench {
    tui t;
    SCREEN *scr;
    FILE *out, *in;
};

qnn_tui_bench *qnn_tui_bench_open(live_ui *u, int W, int H, tg_charset cs, char *err, size_t errlen)
{
    qnn_tui_bench *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    setlocale(LC_CTYPE, "");
    b->out = fopen("/dev/null", "w");
    b->in = fopen("/dev/null", "r");
    if (b->out && b->in)
        b->scr = newterm("xterm-256color", b->out, b->in);
    if (!b->scr) {
        snprintf(err, errlen, "cannot open a curses screen on /dev/null (terminfo entry xterm-256color)");
        qnn_tui_bench_close(b);
        return NULL;
    }
    resize_term(H, W);
    init_colors(0);
    b->t.u = u;
    b->t.v.cs = cs;
    b->t.fps = 25;
    return b;
}

void qnn_tui_bench_frame(qnn_tui_bench *b, const qnn_snapshot *sn, double *compose_s, double *total_s)
{
    double a = now_s();
    b->t.sn = sn;
    int W = COLS, H = LINES;
    if (b->t.g.w != W || b->t.g.h != H) {
        tg_free(&b->t.g);
        tg_init(&b->t.g, W, H, b->t.v.cs);
    }
    tui_tour_prepare(&b->t.v, b->t.u, W);
    tui_layout_compute(&b->t.L, W, H, &b->t.v);
    qnn_params req;
    qnn_session_requested(b->t.u->s, &req);
    tui_compose(&b->t.g, &b->t.L, b->t.u, &b->t.v, sn, &req);
    double c = now_s();
    blit(&b->t.g);
    wnoutrefresh(stdscr);
    doupdate();
    *compose_s = c - a;
    *total_s = now_s() - a;
}

void qnn_tui_bench_close(qnn_tui_bench *b)
{
    if (!b)
        return;
    if (b->scr) {
        endwin();
        delscreen(b->scr);
    }
    tg_free(&b->t.g);
    if (b->out)
        fclose(b->out);
    if (b->in)
        fclose(b->in);
    free(b);
}
