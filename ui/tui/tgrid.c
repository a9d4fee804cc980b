/* The text grid: cells, UTF-8 text with combining marks, the plot label
 * markup as terminal text, and the ASCII transliteration used when the
 * terminal is not UTF-8. */
#include "tgrid.h"
#include "afile.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

#define BAD_CP 0xFFFDu

/* Decodes one code point at s (s[0] != 0); returns the bytes consumed
 * (1 for an invalid byte, which decodes as U+FFFD). */
static size_t u8_next(const char *s, unsigned long *cp)
{
    size_t n = utf8_decode(s, cp);
    if (n == 0) {
        *cp = BAD_CP;
        return 1;
    }
    return n;
}

/* Marks that take no column of their own: they join the character
 * before them (combining accents, variation selectors, zero widths). */
static int zero_width(unsigned long c)
{
    return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0x200B && c <= 0x200F) || c == 0xFEFF;
}

/* ------------------------------------------------------------------ */
/* Sub- and superscripts                                               */

typedef struct {
    unsigned long base, script;
} script_map;

static const script_map sup_map[] = {
    {'0', 0x2070}, {'1', 0xB9}, {'2', 0xB2}, {'3', 0xB3}, {'4', 0x2074},
    {'5', 0x2075}, {'6', 0x2076}, {'7', 0x2077}, {'8', 0x2078}, {'9', 0x2079},
    {'+', 0x207A}, {'-', 0x207B}, {0x2212, 0x207B}, {'=', 0x207C},
    {'(', 0x207D}, {')', 0x207E},
    {'a', 0x1D43}, {'b', 0x1D47}, {'c', 0x1D9C}, {'d', 0x1D48}, {'e', 0x1D49},
    {'f', 0x1DA0}, {'g', 0x1D4D}, {'h', 0x2B0}, {'i', 0x2071}, {'j', 0x2B2},
    {'k', 0x1D4F}, {'l', 0x2E1}, {'m', 0x1D50}, {'n', 0x207F}, {'o', 0x1D52},
    {'p', 0x1D56}, {'r', 0x2B3}, {'s', 0x2E2}, {'t', 0x1D57}, {'u', 0x1D58},
    {'v', 0x1D5B}, {'w', 0x2B7}, {'x', 0x2E3}, {'y', 0x2B8}, {'z', 0x1DBB},
    {'A', 0x1D2C}, {'B', 0x1D2E}, {'D', 0x1D30}, {'E', 0x1D31}, {'G', 0x1D33},
    {'H', 0x1D34}, {'I', 0x1D35}, {'J', 0x1D36}, {'K', 0x1D37}, {'L', 0x1D38},
    {'M', 0x1D39}, {'N', 0x1D3A}, {'O', 0x1D3C}, {'P', 0x1D3E}, {'R', 0x1D3F},
    {'T', 0x1D40}, {'U', 0x1D41}, {'V', 0x2C7D}, {'W', 0x1D42},
    {0x3B2, 0x1D5D}, {0x3B3, 0x1D5E}, {0x3B4, 0x1D5F}, {0x3B8, 0x1DBF},
    {0x3C6, 0x1D60}, {0x3C7, 0x1D61},
};

static const script_map sub_map[] = {
    {'0', 0x2080}, {'1', 0x2081}, {'2', 0x2082}, {'3', 0x2083}, {'4', 0x2084},
    {'5', 0x2085}, {'6', 0x2086}, {'7', 0x2087}, {'8', 0x2088}, {'9', 0x2089},
    {'+', 0x208A}, {'-', 0x208B}, {0x2212, 0x208B}, {'=', 0x208C},
    {'(', 0x208D}, {')', 0x208E},
    {'a', 0x2090}, {'e', 0x2091}, {'h', 0x2095}, {'i', 0x1D62}, {'j', 0x2C7C},
    {'k', 0x2096}, {'l', 0x2097}, {'m', 0x2098}, {'n', 0x2099}, {'o', 0x2092},
    {'p', 0x209A}, {'r', 0x1D63}, {'s', 0x209B}, {'t', 0x209C}, {'u', 0x1D64},
    {'v', 0x1D65}, {'x', 0x2093},
    {0x3B2, 0x1D66}, {0x3B3, 0x1D67}, {0x3C1, 0x1D68}, {0x3C6, 0x1D69},
    {0x3C7, 0x1D6A},
};

#define NSUP (sizeof sup_map / sizeof sup_map[0])
#define NSUB (sizeof sub_map / sizeof sub_map[0])

static unsigned long to_script(unsigned long c, int sup)
{
    const script_map *m = sup ? sup_map : sub_map;
    size_t n = sup ? NSUP : NSUB;
    for (size_t i = 0; i < n; i++)
        if (m[i].base == c)
            return m[i].script;
    return 0;
}

/* The base of a script character, 0 when c is none; *sup tells which. */
static unsigned long from_script(unsigned long c, int *sup)
{
    for (int k = 1; k >= 0; k--) {
        const script_map *m = k ? sup_map : sub_map;
        size_t n = k ? NSUP : NSUB;
        for (size_t i = 0; i < n; i++)
            if (m[i].script == c) {
                *sup = k;
                return m[i].base == 0x2212 ? '-' : m[i].base;
            }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transliteration                                                     */

typedef struct {
    unsigned long cp;
    const char *s;
} translit;

/* Every non-ASCII character the faces, the help texts and the engine's
 * messages use, and their neighbours; at most 8 bytes each. */
static const translit tr_table[] = {
    /* Latin-1 */
    {0xA0, " "}, {0xA1, "!"}, {0xA7, "S"}, {0xA9, "(c)"}, {0xAB, "<<"},
    {0xAC, "!"}, {0xAE, "(R)"}, {0xB0, "deg"}, {0xB1, "+-"}, {0xB5, "u"},
    {0xB6, "P"}, {0xB7, "*"}, {0xBB, ">>"}, {0xBC, "1/4"}, {0xBD, "1/2"},
    {0xBE, "3/4"}, {0xBF, "?"}, {0xD7, "x"}, {0xF7, "/"},
    {0xC4, "Ae"}, {0xD6, "Oe"}, {0xDC, "Ue"}, {0xDF, "ss"},
    {0xE4, "ae"}, {0xF6, "oe"}, {0xFC, "ue"},
    /* Latin Extended-A with a hat: the estimates of the engine's texts */
    {0x125, "hhat"}, {0x177, "yhat"}, {0x176, "Yhat"}, {0x124, "Hhat"},
    {0x131, "i"}, {0x141, "L"}, {0x142, "l"},
    /* Greek */
    {0x391, "A"}, {0x392, "B"}, {0x393, "Gamma"}, {0x394, "Delta"},
    {0x395, "E"}, {0x396, "Z"}, {0x397, "H"}, {0x398, "Theta"}, {0x399, "I"},
    {0x39A, "K"}, {0x39B, "Lambda"}, {0x39C, "M"}, {0x39D, "N"}, {0x39E, "Xi"},
    {0x39F, "O"}, {0x3A0, "Pi"}, {0x3A1, "P"}, {0x3A3, "Sigma"}, {0x3A4, "T"},
    {0x3A5, "Y"}, {0x3A6, "Phi"}, {0x3A7, "X"}, {0x3A8, "Psi"},
    {0x3A9, "Omega"},
    {0x3B1, "alpha"}, {0x3B2, "beta"}, {0x3B3, "gamma"}, {0x3B4, "delta"},
    {0x3B5, "eps"}, {0x3B6, "zeta"}, {0x3B7, "eta"}, {0x3B8, "theta"},
    {0x3B9, "iota"}, {0x3BA, "kappa"}, {0x3BB, "lambda"}, {0x3BC, "mu"},
    {0x3BD, "nu"}, {0x3BE, "xi"}, {0x3BF, "o"}, {0x3C0, "pi"}, {0x3C1, "rho"},
    {0x3C2, "sigma"}, {0x3C3, "sigma"}, {0x3C4, "tau"}, {0x3C5, "upsilon"},
    {0x3C6, "phi"}, {0x3C7, "chi"}, {0x3C8, "psi"}, {0x3C9, "omega"},
    {0x3D1, "theta"}, {0x3D5, "phi"}, {0x3F5, "eps"},
    /* punctuation */
    {0x2010, "-"}, {0x2011, "-"}, {0x2012, "-"}, {0x2013, "-"}, {0x2014, "-"},
    {0x2015, "-"}, {0x2016, "||"}, {0x2018, "'"}, {0x2019, "'"}, {0x201C, "\""},
    {0x201D, "\""}, {0x2020, "+"}, {0x2021, "++"}, {0x2022, "*"},
    {0x2026, "..."}, {0x2030, "%o"}, {0x2032, "'"}, {0x2033, "''"},
    {0x2039, "<"}, {0x203A, ">"}, {0x2044, "/"},
    /* letter-like */
    {0x210F, "hbar"}, {0x2113, "l"}, {0x2112, "L"}, {0x211D, "R"},
    {0x2102, "C"}, {0x2115, "N"}, {0x2124, "Z"}, {0x211A, "Q"},
    /* arrows */
    {0x2190, "<-"}, {0x2191, "^"}, {0x2192, "->"}, {0x2193, "v"},
    {0x2194, "<->"}, {0x21A6, "|->"}, {0x21D0, "<="}, {0x21D2, "=>"},
    {0x21D4, "<=>"},
    /* mathematics */
    {0x2200, "forall"}, {0x2202, "d"}, {0x2203, "exists"}, {0x2205, "{}"},
    {0x2206, "Delta"}, {0x2207, "grad"}, {0x2208, " in "}, {0x2209, " !in "},
    {0x220F, "prod"}, {0x2211, "sum"}, {0x2212, "-"}, {0x2213, "-+"},
    {0x2215, "/"}, {0x2216, "\\"}, {0x2217, "*"}, {0x2218, "o"},
    {0x2219, "*"}, {0x221A, "sqrt"}, {0x221B, "cbrt"}, {0x221D, "~"},
    {0x221E, "inf"}, {0x2223, "|"}, {0x2225, "||"}, {0x2227, "&"},
    {0x2228, "|"}, {0x2229, "n"}, {0x222A, "u"}, {0x222B, "int"},
    {0x223C, "~"}, {0x2243, "~="}, {0x2245, "~="}, {0x2248, "~"},
    {0x2260, "!="}, {0x2261, "=="}, {0x2264, "<="}, {0x2265, ">="},
    {0x226A, "<<"}, {0x226B, ">>"}, {0x2272, "<~"}, {0x2273, ">~"},
    {0x2282, "<"}, {0x2286, "<="}, {0x2295, "(+)"}, {0x2297, "(x)"},
    {0x2299, "(.)"}, {0x22A5, "_|_"}, {0x22C5, "*"}, {0x22EF, "..."},
    {0x27E8, "<"}, {0x27E9, ">"}, {0x2329, "<"}, {0x232A, ">"},
    /* technical, shapes, dingbats */
    {0x23F5, ">"}, {0x23F8, "||"}, {0x23F9, "[]"}, {0x23EF, ">||"},
    {0x25A0, "#"}, {0x25A1, "[]"}, {0x25B2, "^"}, {0x25B6, ">"}, {0x25B8, ">"},
    {0x25BC, "v"}, {0x25C0, "<"}, {0x25CF, "o"}, {0x25CB, "o"},
    {0x2713, "ok"}, {0x2714, "ok"}, {0x2717, "x"}, {0x2718, "x"},
    {0x275A, "|"},
    /* box drawing */
    {0x2500, "-"}, {0x2501, "="}, {0x2502, "|"}, {0x2503, "|"},
    {0x2504, "."}, {0x2505, "."}, {0x2506, ":"}, {0x2508, "."}, {0x250A, ":"},
    {0x250C, "+"}, {0x2510, "+"}, {0x2514, "+"}, {0x2518, "+"}, {0x251C, "+"},
    {0x2524, "+"}, {0x252C, "+"}, {0x2534, "+"}, {0x253C, "+"}, {0x254C, "-"},
    {0x254D, "-"}, {0x2550, "="}, {0x2551, "|"},
    /* block elements */
    {0x2580, "\""}, {0x2581, "_"}, {0x2582, "_"}, {0x2583, "_"}, {0x2584, "#"},
    {0x2585, "#"}, {0x2586, "#"}, {0x2587, "#"}, {0x2588, "#"}, {0x258F, "|"},
    {0x2590, "|"}, {0x2591, ":"}, {0x2592, "%"}, {0x2593, "#"},
    /* accents standing alone */
    {0x2C6, "^"}, {0x2DC, "~"}, {0xAF, "-"}, {0xB4, "'"},
    {0xFFFD, "?"},
};

/* Combining marks that change the meaning (K̄ is the mean of K). */
static const char *mark_ascii(unsigned long c)
{
    switch (c) {
    case 0x302: return "hat";
    case 0x303: return "tilde";
    case 0x304: case 0x305: return "bar";
    case 0x307: return "dot";
    case 0x308: return "ddot";
    case 0x20D7: return "vec";
    default: return "";
    }
}

/* ASCII for one code point (not a script character); NULL: unknown.
 * `one` holds the answer when it is a single letter made here. */
static const char *cp_ascii(unsigned long c, char one[2])
{
    static const char latin1[] = /* U+00C0 .. U+00FF, approximations */
        "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTs"
        "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
    for (size_t i = 0; i < sizeof tr_table / sizeof tr_table[0]; i++)
        if (tr_table[i].cp == c)
            return tr_table[i].s;
    if (c >= 0xC0 && c <= 0xFF) {
        one[0] = latin1[c - 0xC0];
        one[1] = 0;
        return one;
    }
    if (c >= 0x2800 && c <= 0x28FF)     /* braille: a dot, or a space */
        return c == 0x2800 ? " " : ".";
    if (c >= 0x2500 && c <= 0x257F)     /* other box drawing */
        return "+";
    return NULL;
}

/* A byte sink that always ends in a NUL (cap > 0); what does not fit
 * ends it, so a sequence is never cut and nothing is skipped midway. */
typedef struct {
    char *p;
    size_t cap, len;
    int full;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->cap == 0 || b->full)
        return;
    if (b->len + n + 1 > b->cap) {
        b->full = 1;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_cp(sbuf *b, unsigned long cp)
{
    char t[8];
    size_t n = utf8_encode(cp, t);
    sb_add(b, t, n);
}

static int is_alnum_c(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char sb_last(const sbuf *b)
{
    return b->len > 0 && b->len <= b->cap && b->p ? b->p[b->len - 1] : 0;
}

/* Greek letters become names: "ηK̄t" would read "etaKbart", so a name
 * and a letter or digit beside it are joined with '*' ("eta*Kbar*t",
 * "2L*gamma^2"). */
size_t tg_ascii(const char *in, char *out, size_t cap)
{
    sbuf b = {out, cap, 0, 0};
    if (cap > 0)
        out[0] = 0;
    if (!in)
        return 0;
    int run = -1;   /* the script of the run being written: 1 sup, 0 sub */
    int glue = 0;   /* the last thing written was a name, an accent or a script run */
    for (const char *p = in; *p;) {
        unsigned long c;
        p += u8_next(p, &c);
        if (c < 0x80) {
            char ch = (char)c;
            if (c < 0x20 || c == 0x7F)
                ch = c == '\n' ? '\n' : ' ';
            if (glue && is_alnum_c(ch))
                sb_str(&b, "*");
            sb_add(&b, &ch, 1);
            run = -1;
            glue = 0;
            continue;
        }
        int sup = 0;
        unsigned long base = from_script(c, &sup);
        if (base) {
            /* one marker for a run: "⁻³" → "^-3" */
            if (run != sup)
                sb_str(&b, sup ? "^" : "_");
            run = sup;
            char ch = (char)base;
            char one[2];
            const char *s2 = base < 0x80 ? NULL : cp_ascii(base, one);
            if (s2)
                sb_str(&b, s2);
            else
                sb_add(&b, &ch, 1);
            glue = 1;
            continue;
        }
        run = -1;
        if (zero_width(c)) {
            sb_str(&b, mark_ascii(c));
            glue = 1;
            continue;
        }
        char one[2];
        const char *s2 = cp_ascii(c, one);
        if (!s2)
            s2 = "?";
        const int name = strlen(s2) >= 2 && is_alnum_c(s2[0]) && is_alnum_c(s2[strlen(s2) - 1]);
        /* the '*' and the name go in together or not at all */
        char joined[16];
        const int star = name ? (glue || is_alnum_c(sb_last(&b))) : (glue && is_alnum_c(s2[0]));
        snprintf(joined, sizeof joined, "%s%s", star ? "*" : "", s2);
        sb_str(&b, joined);
        glue = name && strcmp(s2, "sqrt") != 0;   /* "√2" reads "sqrt2" */
    }
    return b.len;
}

/* ------------------------------------------------------------------ */
/* Markup                                                              */

#define MK_DEPTH 8
#define MK_GROUP 1024

static int is_sign(unsigned long c)
{
    return c == '-' || c == '+' || c == 0x2212;
}

static int is_letter(unsigned long c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= 0x370 && c <= 0x3FF);
}

static int is_alnum(unsigned long c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* The group as script characters, when each has one and the group holds
 * at most one letter: "10⁻³", "Dᵥ", "γ²", but "λ_min" (a word of small
 * letters from three Unicode blocks reads worse than the plain word). */
static int group_script(const char *g, int sup, sbuf *b)
{
    int letters = 0, n = 0;
    for (const char *p = g; *p;) {
        unsigned long c;
        p += u8_next(p, &c);
        if (!to_script(c, sup))
            return 0;
        letters += is_letter(c);
        n++;
    }
    if (n == 0 || letters > 1)
        return 0;
    for (const char *p = g; *p;) {
        unsigned long c;
        p += u8_next(p, &c);
        sb_cp(b, to_script(c, sup));
    }
    return 1;
}

/* A group that reads without parentheses after "_" / "^": one character
 * (with its marks), or an optional sign and a run of ASCII letters and
 * digits ("_min", "^−3"). */
static int group_plain(const char *g)
{
    const char *p = g;
    unsigned long c;
    size_t n = 0;
    int clusters = 0, alnum = 1;
    if (*p) {
        n = u8_next(p, &c);
        if (is_sign(c) && p[n])
            p += n;
    }
    while (*p) {
        n = u8_next(p, &c);
        p += n;
        if (!zero_width(c))
            clusters++;
        if (!is_alnum(c))
            alnum = 0;
    }
    if (clusters == 0)
        return 0;
    return clusters == 1 || alnum;
}

/* The end of the group that starts at s (after "{"): the matching "}",
 * or the end of the string; *close says whether a "}" was found. */
static const char *group_end(const char *s, int *close)
{
    int depth = 0;
    const char *p = s;
    while (*p) {
        if (p[0] == '\\' && p[1] && strchr("_^{}\\", p[1])) {
            p += 2;
            continue;
        }
        if ((p[0] == '_' || p[0] == '^') && p[1] == '{') {
            depth++;
            p += 2;
            continue;
        }
        if (p[0] == '}') {
            if (depth == 0) {
                *close = 1;
                return p;
            }
            depth--;
        }
        p++;
    }
    *close = 0;
    return p;
}

/* One character and its combining marks at s: the length in bytes. */
static size_t cluster_len(const char *s)
{
    unsigned long c;
    size_t n = u8_next(s, &c);
    while (s[n]) {
        size_t m = u8_next(s + n, &c);
        if (!zero_width(c))
            break;
        n += m;
    }
    return n;
}

static void markup_rec(const char *s, size_t len, sbuf *b, int scripts,
                       int depth)
{
    const char *end = s + len, *p = s;
    while (p < end && *p) {
        char c = *p;
        if (c == '\\' && p + 1 < end && p[1] && strchr("_^{}\\", p[1])) {
            sb_add(b, p + 1, 1);
            p += 2;
            continue;
        }
        if ((c == '_' || c == '^') && p + 1 < end && p[1] && p[1] != ' ' &&
            p[1] != '}') {
            const char *g, *ge;
            int close = 0;
            if (p[1] == '{') {
                g = p + 2;
                ge = group_end(g, &close);
                if (ge > end)
                    ge = end;
            } else {
                g = p + 1;
                ge = g + cluster_len(g);
                if (ge > end)
                    ge = end;
            }
            char inner[MK_GROUP];
            sbuf ib = {inner, sizeof inner, 0, 0};
            inner[0] = 0;
            if (depth < MK_DEPTH)
                markup_rec(g, (size_t)(ge - g), &ib, scripts, depth + 1);
            else
                sb_add(&ib, g, (size_t)(ge - g));
            if (inner[0] && !(scripts && group_script(inner, c == '^', b))) {
                char mk = c;
                sb_add(b, &mk, 1);
                if (group_plain(inner)) {
                    sb_str(b, inner);
                } else {
                    sb_str(b, "(");
                    sb_str(b, inner);
                    sb_str(b, ")");
                }
            }
            p = ge + (close && ge < end ? 1 : 0);
            continue;
        }
        size_t n = cluster_len(p);
        if (p + n > end)
            n = (size_t)(end - p);
        sb_add(b, p, n);
        p += n;
    }
}

size_t tg_markup(const char *in, char *out, size_t cap, tg_charset cs)
{
    if (cap == 0)
        return 0;
    out[0] = 0;
    if (!in)
        return 0;
    if (cs == TG_UTF8) {
        sbuf b = {out, cap, 0, 0};
        markup_rec(in, strlen(in), &b, 1, 0);
        return b.len;
    }
    /* ASCII: the plain form ("10^−3"), then transliterated */
    size_t tcap = 3 * strlen(in) + 16;
    char stackbuf[1024];
    char *tmp = tcap <= sizeof stackbuf ? stackbuf : malloc(tcap);
    if (!tmp) {
        tmp = stackbuf;
        tcap = sizeof stackbuf;
    }
    sbuf b = {tmp, tcap, 0, 0};
    tmp[0] = 0;
    markup_rec(in, strlen(in), &b, 0, 0);
    size_t n = tg_ascii(tmp, out, cap);
    if (tmp != stackbuf)
        free(tmp);
    return n;
}

/* ------------------------------------------------------------------ */
/* The grid                                                            */

int tg_init(tg_grid *g, int w, int h, tg_charset cs)
{
    g->w = g->h = 0;
    g->c = NULL;
    g->cs = cs;
    if (w < 1 || h < 1 || (size_t)w > ((size_t)-1 / sizeof(tg_cell)) / (size_t)h)
        return -1;
    g->c = calloc((size_t)w * (size_t)h, sizeof(tg_cell));
    if (!g->c)
        return -1;
    g->w = w;
    g->h = h;
    return 0;
}

void tg_free(tg_grid *g)
{
    free(g->c);
    g->c = NULL;
    g->w = g->h = 0;
}

void tg_clear(tg_grid *g)
{
    if (g->c)
        memset(g->c, 0, (size_t)g->w * (size_t)g->h * sizeof(tg_cell));
}

tg_cell *tg_at(tg_grid *g, int x, int y)
{
    if (!g->c || x < 0 || y < 0 || x >= g->w || y >= g->h)
        return NULL;
    return &g->c[(size_t)y * (size_t)g->w + (size_t)x];
}

void tg_fill(tg_grid *g, int x, int y, int w, int h, int color, int attr)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    long x1 = (long)x + w, y1 = (long)y + h;
    if (x1 > g->w)
        x1 = g->w;
    if (y1 > g->h)
        y1 = g->h;
    for (int r = y0; r < y1; r++)
        for (int k = x0; k < x1; k++) {
            tg_cell *c = tg_at(g, k, r);
            c->ch[0] = 0;
            c->color = (unsigned char)color;
            c->attr = (unsigned char)attr;
        }
}

/* Stores one character with its marks (cut at a code point boundary when
 * longer than the cell holds). */
static void cell_set(tg_cell *c, const char *s, size_t n, int color, int attr)
{
    size_t k = 0;
    while (k < n) {
        unsigned long cp;
        size_t m = u8_next(s + k, &cp);
        if (k + m > n || k + m >= sizeof c->ch)
            break;
        k += m;
    }
    memcpy(c->ch, s, k);
    c->ch[k] = 0;
    if (k == 1 && c->ch[0] == ' ')
        c->ch[0] = 0;
    c->color = (unsigned char)color;
    c->attr = (unsigned char)attr;
}

void tg_put(tg_grid *g, int x, int y, const char *ch, int color, int attr)
{
    tg_cell *c = tg_at(g, x, y);
    if (!c)
        return;
    if (!ch || !*ch) {
        cell_set(c, "", 0, color, attr);
        return;
    }
    unsigned long cp;
    u8_next(ch, &cp);
    if (cp < 0x20 || cp == 0x7F) {
        cell_set(c, "", 0, color, attr);
    } else if (g->cs == TG_ASCII && (unsigned char)ch[0] >= 0x80) {
        /* one cell: the first character of the transliteration */
        char t[64];
        size_t n = cluster_len(ch);
        char one[32];
        if (n >= sizeof one)
            n = sizeof one - 1;
        memcpy(one, ch, n);
        one[n] = 0;
        tg_ascii(one, t, sizeof t);
        cell_set(c, t[0] ? t : "?", 1, color, attr);
    } else if (cp == BAD_CP && (unsigned char)ch[0] >= 0x80 &&
               strncmp(ch, "\xEF\xBF\xBD", 3) != 0) {
        cell_set(c, "\xEF\xBF\xBD", 3, color, attr);
    } else {
        cell_set(c, ch, cluster_len(ch), color, attr);
    }
}

/* Calls fn for each column of s in this character set: its text (one
 * character and its marks, or ASCII), until fn returns nonzero. */
typedef int (*col_fn)(void *ctx, const char *s, size_t n);

static void each_column(const char *s, tg_charset cs, col_fn fn, void *ctx)
{
    if (!s)
        return;
    if (cs == TG_ASCII) {
        size_t cap = 4 * strlen(s) + 16;
        char stackbuf[1024];
        char *t = cap <= sizeof stackbuf ? stackbuf : malloc(cap);
        if (!t) {
            t = stackbuf;
            cap = sizeof stackbuf;
        }
        tg_ascii(s, t, cap);
        for (const char *p = t; *p; p++)
            if (fn(ctx, (unsigned char)*p < 0x20 ? " " : p, 1))
                break;
        if (t != stackbuf)
            free(t);
        return;
    }
    const char *p = s;
    /* marks before any character have nothing to join: dropped */
    while (*p) {
        unsigned long c;
        size_t n = u8_next(p, &c);
        if (!zero_width(c))
            break;
        p += n;
    }
    while (*p) {
        size_t n = cluster_len(p);
        unsigned long c;
        u8_next(p, &c);
        char t[4] = " ";
        if (c < 0x20 || c == 0x7F) {
            if (fn(ctx, t, 1))
                break;
        } else if (c == BAD_CP && strncmp(p, "\xEF\xBF\xBD", 3) != 0) {
            if (fn(ctx, "\xEF\xBF\xBD", 3))
                break;
        } else if (fn(ctx, p, n)) {
            break;
        }
        p += n;
    }
}

static int count_col(void *ctx, const char *s, size_t n)
{
    (*(int *)ctx)++;
    return 0;
}

int tg_width(const char *s, tg_charset cs)
{
    int n = 0;
    each_column(s, cs, count_col, &n);
    return n;
}

typedef struct {
    tg_grid *g;
    int x, y, left, color, attr;
} text_ctx;

static int put_col(void *ctx, const char *s, size_t n)
{
    text_ctx *t = ctx;
    if (t->left <= 0)
        return 1;
    tg_cell *c = tg_at(t->g, t->x, t->y);
    if (c)
        cell_set(c, s, n, t->color, t->attr);
    t->x++;
    t->left--;
    return 0;
}

int tg_text(tg_grid *g, int x, int y, int maxw, const char *s, int color, int attr)
{
    if (!s || y < 0 || y >= g->h)
        return 0;
    if (maxw < 0)
        maxw = g->w - x;
    if (maxw <= 0)
        return 0;
    int w = tg_width(s, g->cs);
    int cut = w > maxw;
    text_ctx t = {g, x, y, cut ? maxw - 1 : w, color, attr};
    each_column(s, g->cs, put_col, &t);
    if (cut) {
        tg_cell *c = tg_at(g, t.x, y);
        if (c)
            cell_set(c, g->cs == TG_ASCII ? "~" : "\xE2\x80\xA6", g->cs == TG_ASCII ? 1 : 3,
                     color, attr);
        return maxw;
    }
    return w;
}

int tg_dump(const tg_grid *g, FILE *f)
{
    for (int y = 0; y < g->h; y++) {
        int last = -1;
        for (int x = 0; x < g->w; x++) {
            const char *ch = g->c[(size_t)y * g->w + x].ch;
            if (ch[0] && strcmp(ch, " ") != 0)
                last = x;
        }
        for (int x = 0; x <= last; x++) {
            const char *ch = g->c[(size_t)y * g->w + x].ch;
            if (fputs(ch[0] ? ch : " ", f) == EOF)
                return -1;
        }
        if (fputc('\n', f) == EOF)
            return -1;
    }
    return ferror(f) ? -1 : 0;
}

static int dump_to(FILE *f, void *g)
{
    return tg_dump(g, f);
}

int tg_save(const tg_grid *g, const char *path, char *err, size_t errlen)
{
    return afile_write(path, dump_to, (void *)g, err, errlen) == AFILE_OK ? 0 : -1;
}
