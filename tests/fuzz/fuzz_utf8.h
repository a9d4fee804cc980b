/* Shared by the fuzz targets that check text cells: s is well-formed
 * UTF-8 as far as lead and continuation bytes go (the cells' own rule). */
#ifndef QNN_FUZZ_UTF8_H
#define QNN_FUZZ_UTF8_H

static inline int fuzz_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        if (!n)
            return 0;
        for (int k = 1; k < n; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

#endif
