/* User text made safe to show (qnn/text.h). */
#include "qnn/text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t qnn_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

int qnn_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = qnn_utf8_seq(u + i, len - i);
        if (k == 0) {
            if (bad)
                *bad = i;
            return 0;
        }
        i += k;
    }
    if (bad)
        *bad = len;
    return 1;
}

char *qnn_text_quote(const char *s, size_t len, size_t show, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return out;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    for (size_t i = 0; i < len;) {
        if ((show && i >= show) || o + 8 >= outlen) {
            if (o + 4 <= outlen) {
                memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
                o += 3;
            }
            break;
        }
        size_t k = qnn_utf8_seq(u + i, len - i);
        /* C1 controls U+0080..U+009F are C2 80 .. C2 9F */
        int c1 = k == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0;
        if (k == 0 || u[i] < 0x20 || u[i] == 0x7F || c1) {
            size_t m = c1 ? 2 : 1;
            for (size_t j = 0; j < m; j++)
                o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", u[i + j]);
            i += m;
        } else {
            memcpy(out + o, u + i, k);
            o += k;
            i += k;
        }
    }
    out[o < outlen ? o : outlen - 1] = '\0';
    return out;
}

json_t *qnn_json_text(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    if (qnn_utf8_valid(s, n, NULL))
        return json_string(s);
    char *q = malloc(QNN_QUOTE_CAP(n));
    json_t *j = q ? json_string(qnn_text_quote(s, n, 0, q, QNN_QUOTE_CAP(n))) : NULL;
    free(q);
    return j ? j : json_string("");
}
