/* libFuzzer target: the bytes as assets/help.ini, the help texts a teacher
 * edits or translates (read by both live faces with inih). The file is
 * loaded with live_help_load, then the terminal face's help screen is
 * composed from it (markup conversion, UTF-8 decoding, word wrap,
 * transliteration) at 80 x 24 in UTF-8 and in ASCII, scrolled past the
 * end (every line is built and wrapped whatever the scroll; the clamp is
 * what this exercises).
 *
 * Oracles: the sanitizers; a failed load says which file and what is
 * allowed; a loaded text is NUL-terminated within its buffer; the ASCII
 * screen holds no byte above 127; every cell holds at most one character
 * and its combining marks (a valid UTF-8 string). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"
#include "tui.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char file[128];

static void setup(void)
{
    if (dir[0])
        return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/qnn-fuzz-help-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("fuzz_help: mkdtemp");
        abort();
    }
    snprintf(file, sizeof file, "%s/help.ini", dir);
    setenv("QNNLAB_ASSETS", dir, 1);
}

static void cleanup(void)
{
    unlink(file);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    setup();
    if (!once) {
        atexit(cleanup);
        once = 1;
    }
    FILE *f = fopen(file, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz_help: writing help.ini");
        abort();
    }
    static live_ui u;
    memset(&u, 0, sizeof u);
    u.help = 1;
    if (live_help_load(&u.help_text) != 0) {
        if (!u.help_text.error[0] || !strstr(u.help_text.error, "allowed")) {
            fprintf(stderr, "fuzz_help: refused with '%s'\n", u.help_text.error);
            abort();
        }
    } else {
        for (int k = 0; k <= LIVE_NPANELS; k++)
            if (!memchr(u.help_text.title[k], 0, sizeof u.help_text.title[k]) ||
                !memchr(u.help_text.text[k], 0, sizeof u.help_text.text[k])) {
                fprintf(stderr, "fuzz_help: section %d not terminated\n", k);
                abort();
            }
    }
    for (int cs = 0; cs < 2; cs++) {
        tg_grid g;
        if (tg_init(&g, 80, 24, cs ? TG_ASCII : TG_UTF8) != 0)
            abort();
        tui_view v;
        memset(&v, 0, sizeof v);
        v.cs = g.cs;
        tui_layout L;
        tui_layout_compute(&L, 80, 24, &v);
        {
            v.help_scroll = 1 << 20;
            tui_compose(&g, &L, &u, &v, NULL, NULL);
            for (int i = 0; i < g.w * g.h; i++) {
                const char *ch = g.c[i].ch;
                if (!memchr(ch, 0, sizeof g.c[i].ch) || !fuzz_utf8_ok(ch)) {
                    fprintf(stderr, "fuzz_help: cell %d is not one UTF-8 character\n", i);
                    abort();
                }
                if (cs)
                    for (const unsigned char *p = (const unsigned char *)ch; *p; p++)
                        if (*p > 127) {
                            fprintf(stderr, "fuzz_help: a byte above 127 in the ASCII help screen (cell %d)\n", i);
                            abort();
                        }
            }
        }
        tg_free(&g);
    }
    return 0;
}
