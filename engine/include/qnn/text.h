/* Text that came from a user, made safe to show and to store.
 *
 * Every message that quotes input (a key's value, a preset or file name, a
 * decoded share-string value) passes it through qnn_text_quote first (the
 * app's qnn_quote, app/command.h, does the same for the command line): a value
 * holding ESC ] 0 ; ... BEL would otherwise set the terminal's title, and
 * ESC [ 2 J clear it, when the message reaches stderr. JSON writers check
 * qnn_utf8_valid (jansson refuses a string that is not UTF-8, and a key
 * whose value is refused would be dropped). */
#ifndef QNN_TEXT_H
#define QNN_TEXT_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (n bytes left): 1 .. 4, or
 * 0 when it is not one (overlong forms, surrogates, values above U+10FFFF,
 * a sequence cut by the end). */
size_t qnn_utf8_seq(const unsigned char *s, size_t n);

/* 1 when the len bytes at s are well-formed UTF-8 (NUL bytes included as
 * characters), else 0; *bad (may be NULL) gets the offset of the first
 * byte that is not. */
int qnn_utf8_valid(const char *s, size_t len, size_t *bad);

/* s (len bytes) as it appears in a message: control characters (C0, DEL,
 * C1 as U+0080..U+009F) and bytes that are not UTF-8 written as \xNN, a
 * backslash as itself; cut after about `show` bytes of s with "…" (show 0:
 * no cut). out gets at most outlen bytes, always terminated (outlen >= 16
 * for a useful result). Returns out. */
char *qnn_text_quote(const char *s, size_t len, size_t show, char *out, size_t outlen);

/* Bytes of out that qnn_text_quote needs for n bytes of input at most. */
#define QNN_QUOTE_CAP(n) ((n) * 4 + 8)

/* A JSON string of s that is never NULL and never drops a key: valid
 * UTF-8 as it is (the same bytes), other text with its bad bytes written
 * as \xNN (jansson refuses text that is not UTF-8, and json_object_set_new
 * would then leave the key out). NULL s gives "". New reference. */
struct json_t *qnn_json_text(const char *s);

#endif
