/* libFuzzer target: the bytes as assets/tour.ini, the guided tour a
 * teacher edits or translates (read with inih through live_tour_parse,
 * which is what live_tour_load does after reading the file). A loaded
 * tour's box is then measured and composed for every step in the terminal
 * face at 80 x 24 (full page and brief) and 120 x 40, in UTF-8 and ASCII
 * (markup conversion, UTF-8 decoding, word wrap, transliteration). The
 * presets are the app's to check and need no fuzzing here (fuzz_preset).
 *
 * Oracles: the sanitizers; a refusal names the tour file and says what is
 * allowed; a loaded tour has 1 .. LIVE_TOUR_MAX_STEPS steps, each with a
 * title, a preset, a text and a try line, every string terminated within
 * its buffer, set lines of the form KEY=VALUE, slider and panel in range;
 * every cell of a composed screen is one UTF-8 character, and the ASCII
 * screen holds no byte above 127. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "tui.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static void bad(const char *what)
{
    fprintf(stderr, "fuzz_tour: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static live_tour t;
    static live_ui u;
    static qnn_snapshot sn;
    char err[1024];
    memset(&t, 0, sizeof t);
    if (live_tour_parse(&t, (const char *)data, size, "fuzz.ini", err, sizeof err) != 0) {
        if (!strstr(err, "tour file 'fuzz.ini'") || !strstr(err, "allowed")) {
            fprintf(stderr, "fuzz_tour: refused with '%s'\n", err);
            abort();
        }
        return 0;
    }
    if (t.nsteps < 1 || t.nsteps > LIVE_TOUR_MAX_STEPS)
        bad("step count out of range");
    for (int k = 0; k < t.nsteps; k++) {
        const live_tour_step *st = &t.step[k];
        if (!TERMINATED(st->title) || !TERMINATED(st->preset) || !TERMINATED(st->text) || !TERMINATED(st->formula) ||
            !TERMINATED(st->try_))
            bad("a string is not terminated");
        if (!st->title[0] || !st->preset[0] || !st->text[0] || !st->try_[0])
            bad("a required key is empty");
        if (st->nset < 0 || st->nset > LIVE_TOUR_MAX_SETS)
            bad("set count out of range");
        for (int i = 0; i < st->nset; i++)
            if (!TERMINATED(st->set[i]) || !strchr(st->set[i], '=') || st->set[i][0] == '=')
                bad("a set line is not KEY=VALUE");
        if (st->slider < -1 || st->slider >= LIVE_NSLIDERS || st->panel < 0 || st->panel >= LIVE_NPANELS)
            bad("slider or panel out of range");
    }
    /* a session (never started: nothing is built) for the sliders' values */
    static qnn_session *s;
    if (!s) {
        qnn_params p;
        qnn_params_default(&p);
        qnn_session_opts o;
        qnn_session_opts_default(&o);
        o.instances = 1;
        if (!(s = qnn_session_new(&p, &o, err, sizeof err)))
            bad(err);
    }
    memset(&u, 0, sizeof u);
    u.s = s;
    memset(&sn, 0, sizeof sn);
    qnn_params_default(&sn.params);
    sn.diverged_step = -1;
    snprintf(u.preset, sizeof u.preset, "fuzz");
    u.tour = &t;
    u.drag = -1;
    u.hover_panel = -1;
    static const int sizes[][2] = {{80, 24}, {120, 40}};
    for (int k = 0; k < t.nsteps; k++) {
        t.cur = k;
        t.shown = 1;
        for (int cs = 0; cs < 2; cs++)
            for (int z = 0; z < 2; z++)
                for (int brief = 0; brief < 2; brief++) {
                    const int W = sizes[z][0], H = sizes[z][1];
                    tg_grid g;
                    if (tg_init(&g, W, H, cs ? TG_ASCII : TG_UTF8) != 0)
                        abort();
                    tui_view v;
                    memset(&v, 0, sizeof v);
                    v.cs = g.cs;
                    v.tab = t.step[k].panel;
                    v.tour_brief = brief;
                    tui_tour_prepare(&v, &u, W);
                    tui_layout L;
                    tui_layout_compute(&L, W, H, &v);
                    if (L.tour_h <= 0 || L.tour_y < 1 || L.tour_y + L.tour_h > L.detail_y - L.sl_rows)
                        bad("the tour box is outside the panel area");
                    tui_compose(&g, &L, &u, &v, &sn, &sn.params);
                    for (int i = 0; i < g.w * g.h; i++) {
                        const char *ch = g.c[i].ch;
                        if (!memchr(ch, 0, sizeof g.c[i].ch) || !fuzz_utf8_ok(ch))
                            bad("a cell is not one UTF-8 character");
                        if (cs)
                            for (const unsigned char *p = (const unsigned char *)ch; *p; p++)
                                if (*p > 127)
                                    bad("a byte above 127 in the ASCII screen");
                    }
                    tg_free(&g);
                }
    }
    return 0;
}
