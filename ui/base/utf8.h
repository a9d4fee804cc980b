/* UTF-8: one decoder and one encoder for every text the faces draw (the
 * plot's label markup in ui/plot, the terminal's cells in ui/tui). */
#ifndef QNN_UTF8_H
#define QNN_UTF8_H

#include <stddef.h>

/* Decodes the code point at s (s[0] may be 0: it decodes as U+0000).
 * Returns the sequence's length, 1 to 4, with the code point in *cp; or 0,
 * *cp untouched, when the bytes at s are not a well-formed sequence:
 * a continuation or 0xF8..0xFF lead byte, a sequence cut short (by a
 * NUL or any byte that is not a continuation; never reads past it), an
 * overlong form, a surrogate (U+D800..U+DFFF) or a value above U+10FFFF.
 * Noncharacters are well formed and decoded (see utf8_is_noncharacter). */
size_t utf8_decode(const char *s, unsigned long *cp);

/* U+FDD0..U+FDEF and the last two code points of every plane (U+xFFFE,
 * U+xFFFF): well formed, but cairo's validator refuses them. */
int utf8_is_noncharacter(unsigned long cp);

/* Encodes cp (at most U+10FFFF, not a surrogate) into out, which holds 5
 * bytes at least, NUL-terminated. Returns the length without the NUL (1
 * to 4); a cp that cannot be encoded gives U+FFFD (3). */
size_t utf8_encode(unsigned long cp, char *out);

#endif
