/* The share string: round trips through encode, decode and the overrides,
 * and the refusal of malformed strings with a message naming the piece. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/params.h"
#include "qnn/share.h"

#define BIG 65536

static void set(qnn_params *p, const char *key, const char *value)
{
    char err[512];
    if (qnn_params_set(p, key, value, err, sizeof err) != 0)
        fail_msg("setting %s=%s: %s", key, value, err);
}

/* Every key but threads reads the same through qnn_params_get. */
static void assert_same_keys(const qnn_params *a, const qnn_params *b)
{
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    char *va = malloc(BIG), *vb = malloc(BIG);
    assert_non_null(va);
    assert_non_null(vb);
    for (size_t i = 0; i < nk; i++) {
        if (!strcmp(keys[i].name, "threads"))
            continue;
        assert_int_equal(qnn_params_get(a, keys[i].name, va, BIG), 0);
        assert_int_equal(qnn_params_get(b, keys[i].name, vb, BIG), 0);
        if (strcmp(va, vb) != 0)
            fail_msg("key %s: '%s' != '%s'", keys[i].name, va, vb);
    }
    free(va);
    free(vb);
}

/* Only the characters a shell passes through without quoting. */
static void assert_shell_safe(const char *s)
{
    for (const char *c = s; *c; c++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+/-:,@=%", *c))
            fail_msg("character '%c' (0x%02X) in %s", *c, (unsigned char)*c, s);
}

/* Encodes, decodes, checks the log and the step, and that the overrides
 * turn a fresh copy of `preset` into `base`. Returns the string (free it). */
static char *round_trip(const char *name, const qnn_params *preset, const qnn_params *base,
                        const qnn_change *log, size_t nlog, long step)
{
    char *s = NULL, err[512] = "";
    assert_int_equal(qnn_share_encode(name, preset, base, log, nlog, step, &s), 0);
    assert_non_null(s);
    assert_shell_safe(s);
    qnn_share sh;
    if (qnn_share_decode(s, &sh, err, sizeof err) != 0)
        fail_msg("decoding %s: %s", s, err);
    assert_string_equal(sh.preset, name);
    assert_int_equal(sh.step, step);
    assert_int_equal(sh.nlog, nlog);
    for (size_t i = 0; i < nlog; i++) {
        assert_int_equal(sh.log[i].step, log[i].step);
        assert_string_equal(sh.log[i].key, log[i].key);
        assert_string_equal(sh.log[i].value, log[i].value);
    }
    for (size_t i = 0; i < sh.nover; i++)
        assert_int_equal(sh.over[i].step, 0);
    qnn_params q = *preset;
    if (qnn_share_apply_overrides(&sh, &q, err, sizeof err) != 0)
        fail_msg("applying the overrides of %s: %s", s, err);
    assert_same_keys(&q, base);
    qnn_share_free(&sh);
    assert_null(sh.over);
    assert_null(sh.log);
    return s;
}

static void test_empty(void **state)
{
    (void)state;
    qnn_params p;
    qnn_params_default(&p);
    char *s = round_trip("default", &p, &p, NULL, 0, 0);
    assert_string_equal(s, "qnnlab:1:default,@0");
    free(s);
    /* threads alone is no override */
    qnn_params b = p;
    set(&b, "threads", "7");
    s = round_trip("default", &p, &b, NULL, 0, 1000);
    assert_string_equal(s, "qnnlab:1:default,@1000");
    free(s);
    qnn_share_free(NULL);
}

static void test_overrides_and_log(void **state)
{
    (void)state;
    qnn_params p, b;
    qnn_params_default(&p);
    b = p;
    set(&b, "eta", "0.1");
    set(&b, "gamma", "2.5");
    set(&b, "L", "80");
    set(&b, "seed", "18446744073709551615");
    set(&b, "sigma_theta", "0.30000000000000004");
    const qnn_change log[] = {
        { 10, "eta", "0.01" },
        { 10, "gamma", "3" },
        { 250, "L", "120" },
        { 400, "seed", "5" },
        { 500, "eta", "1e-5" },
    };
    char *s = round_trip("liu23-fig1", &p, &b, log, 5, 500);
    assert_string_equal(s, "qnnlab:1:liu23-fig1,L=80,gamma=2.5,eta=0.1,sigma_theta=0.30000000000000004,"
                           "seed=18446744073709551615,@10:eta=0.01,@10:gamma=3,@250:L=120,@400:seed=5,"
                           "@500:eta=1e-5,@500");
    free(s);
}

static void test_escapes(void **state)
{
    (void)state;
    qnn_params p, b;
    qnn_params_default(&p);
    b = p;
    set(&b, "model", "mlp");
    set(&b, "widths", "8,8");
    set(&b, "title", "a=b, c:d @ 100% é");
    const qnn_change log[] = {
        { 3, "widths", "8,8" },
        { 4, "title", "x,y=z:w@1%25 \xe2\x9c\x93" },
    };
    const char *name = "my presets/été.ini";
    char *s = round_trip(name, &p, &b, log, 2, 7);
    assert_non_null(strstr(s, "qnnlab:1:my%20presets/%C3%A9t%C3%A9.ini,"));
    assert_non_null(strstr(s, "widths=8%2C8"));
    assert_non_null(strstr(s, "@3:widths=8%2C8"));
    assert_non_null(strstr(s, "title=a%3Db%2C%20c%3Ad%20%40%20100%25%20%C3%A9"));
    free(s);
}

/* Keys that move each other (n, n_h, n_v), lists and exact doubles. */
static void test_interacting_keys(void **state)
{
    (void)state;
    qnn_params p, b;
    char *s;

    /* n_h with n_v set: n follows */
    qnn_params_default(&p);
    set(&p, "n_v", "3");
    b = p;
    set(&b, "n_h", "2");
    assert_int_equal(b.n, 5);
    free(round_trip("hidden", &p, &b, NULL, 0, 10));

    /* n_v set in the preset, n set (n_v cleared) in the base */
    b = p;
    set(&b, "n", "6");
    set(&b, "n_h", "1");
    free(round_trip("hidden", &p, &b, NULL, 0, 10));

    /* n set in the base, then n_v: n = n_v + n_h; the preset's n_h differs */
    qnn_params_default(&p);
    set(&p, "n", "3");
    b = p;
    set(&b, "n", "9");
    set(&b, "n_h", "1");
    set(&b, "n_v", "4");
    assert_int_equal(b.n, 5);
    free(round_trip("x", &p, &b, NULL, 0, 10));

    /* n_v large in the preset: n_h must wait until n_v has come down */
    qnn_params_default(&p);
    set(&p, "n_v", "20");
    b = p;
    set(&b, "n_v", "4");
    set(&b, "n_h", "16");
    assert_int_equal(b.n, 20);
    s = round_trip("x", &p, &b, NULL, 0, 10);
    assert_non_null(strstr(s, "n_v=4,n_h=16"));
    free(s);

    /* the other way round: the preset hides, the base does not */
    qnn_params_default(&p);
    set(&p, "n_h", "3");
    set(&p, "n_v", "2");
    b = p;
    set(&b, "n_h", "0");
    set(&b, "n", "2");
    free(round_trip("x", &p, &b, NULL, 0, 10));

    /* model switch with a widths list */
    qnn_params_default(&p);
    b = p;
    set(&b, "model", "mlp");
    set(&b, "widths", "8, 8");
    set(&b, "data", "spirals");
    set(&b, "activation", "relu");
    free(round_trip("x", &p, &b, NULL, 0, 10));
    /* and back: the widths list cleared */
    free(round_trip("x", &b, &p, NULL, 0, 10));

    /* a label list, a histogram range, -0 and values that need 17 digits */
    qnn_params_default(&p);
    set(&p, "labels", "1, 2");
    b = p;
    set(&b, "model", "periodic");
    set(&b, "m", "4");
    set(&b, "labels", "0.1, -0.5, 1, 0.30000000000000004");
    set(&b, "hessian_range", "-1.5, 2.25");
    set(&b, "O0", "-0");
    set(&b, "eta", "0.1234567890123456789");
    set(&b, "c_w", "1e-300");
    s = round_trip("x", &p, &b, NULL, 0, 10);
    assert_non_null(strstr(s, "labels=0.1%2C-0.5%2C1%2C0.30000000000000004"));
    assert_non_null(strstr(s, "hessian_range=-1.5%2C2.25"));
    assert_non_null(strstr(s, "O0=-0,"));
    free(s);
    /* back to pm1 */
    b = p;
    set(&b, "labels", "pm1");
    free(round_trip("x", &p, &b, NULL, 0, 10));
}

/* What a share string cannot hold is refused by the encoder (-2). */
static void test_encode_refusals(void **state)
{
    (void)state;
    qnn_params p, b;
    char *s = (char *)1;
    qnn_params_default(&p);
    b = p;
    set(&b, "title", "a title much longer than the sixty-three bytes that one change can hold in its value");
    assert_int_equal(qnn_share_encode("x", &p, &b, NULL, 0, 0, &s), -2);
    assert_null(s);
    assert_int_equal(qnn_share_encode("", &p, &p, NULL, 0, 0, &s), -2);
    assert_int_equal(qnn_share_encode("x", &p, &p, NULL, 0, -1, &s), -2);
    assert_int_equal(qnn_share_encode("x", &p, &p, NULL, 0, 100000001, &s), -2);
    const qnn_change bad_order[] = { { 5, "eta", "1" }, { 4, "eta", "2" } };
    assert_int_equal(qnn_share_encode("x", &p, &p, bad_order, 2, 10, &s), -2);
    assert_int_equal(qnn_share_encode("x", &p, &p, bad_order, 1, 4, &s), -2);
    const qnn_change unknown[] = { { 5, "nope", "1" } };
    assert_int_equal(qnn_share_encode("x", &p, &p, unknown, 1, 10, &s), -2);
    assert_null(s);

    /* aliases in the log are written as their keys */
    const qnn_change alias[] = { { 1, "p", "80" }, { 2, "d", "64" } };
    assert_int_equal(qnn_share_encode("x", &p, &p, alias, 2, 2, &s), 0);
    assert_string_equal(s, "qnnlab:1:x,@1:L=80,@2:n=6,@2");
    free(s);
}

static void expect_refused(const char *s, const char *must_contain)
{
    qnn_share sh;
    char err[1024] = "";
    if (qnn_share_decode(s, &sh, err, sizeof err) == 0)
        fail_msg("accepted: %.200s", s);
    if (!strstr(err, must_contain) || !strstr(err, "allowed") || strncmp(err, "share string", 12) != 0)
        fail_msg("message for %.200s lacks '%s' or 'allowed': %s", s, must_contain, err);
    assert_int_equal(sh.nover, 0);
    assert_int_equal(sh.nlog, 0);
    assert_null(sh.over);
    assert_null(sh.log);
    assert_int_equal(sh.npins, 0);
    assert_null(sh.pins);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    expect_refused("", "does not start with 'qnnlab:1:'");
    expect_refused("qnnlib:1:default,@0", "'qnnlib:1:default,@0'");
    expect_refused("qnnlab:3:default,@0", "version '3'");
    expect_refused("qnnlab:1:default,eta=0.1", "'eta=0.1' is the last token");
    expect_refused("qnnlab:1:default", "preset 'default' is the last token");
    expect_refused("qnnlab:1:default,@10,@20", "'@20' is a second final step");
    expect_refused("qnnlab:1:default,@10,eta=1", "'eta=1' comes after the final step");
    expect_refused("qnnlab:1:default,@10:eta=0.1,@5:eta=0.2,@20", "'@5:eta=0.2' has step 5 before");
    expect_refused("qnnlab:1:default,@10:eta=0.1,@5", "'@5' is a final step 5 before the change at step 10");
    expect_refused("qnnlab:1:default,title=a%G1,@0", "'%G1'");
    expect_refused("qnnlab:1:default,title=a%4,@0", "'%4'");
    expect_refused("qnnlab:1:default,title=a%4", "'%4'");
    expect_refused("qnnlab:1:default,title=%00,@0", "%00");
    expect_refused("qnnlab:1:default,nope=1,@0", "unknown key 'nope'");
    expect_refused("qnnlab:1:default,d=64,@0", "unknown key 'd'");
    expect_refused("qnnlab:1:default,@3:p=8,@4", "unknown key 'p'");
    expect_refused("qnnlab:1:default,eta,@0", "'eta' has no '='");
    expect_refused("qnnlab:1:default,@3:eta,@4", "'@3:eta' has no '='");
    expect_refused("qnnlab:1:default,=1,@0", "no key");
    expect_refused("qnnlab:1:,@0", "preset '' is empty");
    expect_refused("qnnlab:1:default,@-5", "step '-5'");
    expect_refused("qnnlab:1:default,@100000001", "step '100000001', out of range");
    expect_refused("qnnlab:1:default,@99999999999999999999999", "out of range");
    expect_refused("qnnlab:1:default,@", "no step");
    expect_refused("qnnlab:1:default,@1x", "step '1x'");
    expect_refused("qnnlab:1:default,@:eta=1,@2", "no step");
    expect_refused("qnnlab:1:default,@1:eta=1,gamma=2,@5", "'gamma=2' is an override after a timed change");
    expect_refused("qnnlab:1:default,eta=0.1,,@0", "token 3 '' is empty");
    expect_refused("qnnlab:1:default,@0,", "token 3 '' comes after");
    expect_refused("qnnlab:1:default,title=a b,@0", "character ' '");
    expect_refused("qnnlab:1:default,title=a:b,@0", "character ':'");
    expect_refused("qnnlab:1:d\xc3\xa9,@0", "character '\\xC3'");
    expect_refused("qnnlab:1:default,title=\x01,@0", "'\\x01'");

    /* over-long fields, and quoting at most 40 characters */
    char s[1024];
    char x[300];
    memset(x, 'x', sizeof x);
    x[64] = '\0';
    snprintf(s, sizeof s, "qnnlab:1:default,title=%s,@0", x);
    expect_refused(s, "value longer than 63 bytes");
    x[63] = '\0';   /* 63 is fine */
    snprintf(s, sizeof s, "qnnlab:1:default,title=%s,@0", x);
    {
        qnn_share sh;
        char err[256];
        assert_int_equal(qnn_share_decode(s, &sh, err, sizeof err), 0);
        assert_int_equal(strlen(sh.over[0].value), 63);
        qnn_share_free(&sh);
    }
    memset(x, 'x', sizeof x);
    x[256] = '\0';
    snprintf(s, sizeof s, "qnnlab:1:%s,@0", x);
    expect_refused(s, "name longer than 255 bytes");
    x[255] = '\0';
    snprintf(s, sizeof s, "qnnlab:1:%s,@0", x);
    {
        qnn_share sh;
        char err[256];
        assert_int_equal(qnn_share_decode(s, &sh, err, sizeof err), 0);
        assert_int_equal(strlen(sh.preset), 255);
        qnn_share_free(&sh);
    }
    x[100] = '\0';
    snprintf(s, sizeof s, "qnnlab:1:default,%s=1,@0", x);
    {
        qnn_share sh;
        char err[1024];
        assert_int_equal(qnn_share_decode(s, &sh, err, sizeof err), QNN_E_FORMAT);
        /* the token is quoted by its first 40 characters */
        char q[64];
        snprintf(q, sizeof q, "'%.40s...'", x);
        if (!strstr(err, q) || strstr(err, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"))
            fail_msg("quote: %s", err);
    }
    /* a 1-byte message buffer and none at all */
    {
        qnn_share sh;
        char err[1] = "z";
        assert_int_equal(qnn_share_decode("nope", &sh, err, sizeof err), QNN_E_FORMAT);
        assert_int_equal(err[0], '\0');
        assert_int_equal(qnn_share_decode("qnnlab:1:,@0", &sh, NULL, 0), QNN_E_FORMAT);
    }
}

static void test_limits(void **state)
{
    (void)state;
    /* too many timed changes */
    const char *head = "qnnlab:1:default";
    const char *item = ",@0:n=1";
    size_t n = QNN_SHARE_MAX_CHANGES + 1;
    size_t len = strlen(head) + n * strlen(item) + 16;
    char *s = malloc(len);
    assert_non_null(s);
    char *w = s + sprintf(s, "%s", head);
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s", item);
    sprintf(w, ",@0");
    expect_refused(s, "timed change too many");
    /* exactly the limit is fine */
    sprintf(s + strlen(head) + (n - 1) * strlen(item), ",@0");
    {
        qnn_share sh;
        char err[256];
        assert_int_equal(qnn_share_decode(s, &sh, err, sizeof err), 0);
        assert_int_equal(sh.nlog, QNN_SHARE_MAX_CHANGES);
        qnn_share_free(&sh);
    }
    free(s);

    /* too long a string */
    s = malloc((size_t)QNN_SHARE_MAX_LEN + 2);
    assert_non_null(s);
    memcpy(s, "qnnlab:1:", 9);
    memset(s + 9, 'a', (size_t)QNN_SHARE_MAX_LEN + 1 - 9);
    s[QNN_SHARE_MAX_LEN + 1] = '\0';
    expect_refused(s, "longer than 4194304 bytes");
    free(s);
}

static void test_apply_refusal(void **state)
{
    (void)state;
    qnn_share sh;
    char err[512];
    assert_int_equal(qnn_share_decode("qnnlab:1:default,gamma=2,eta=abc,@0", &sh, err, sizeof err), 0);
    qnn_params p, q;
    qnn_params_default(&p);
    q = p;
    assert_int_equal(qnn_share_apply_overrides(&sh, &q, err, sizeof err), QNN_E_KEY_TYPE);
    assert_non_null(strstr(err, "eta"));
    assert_non_null(strstr(err, "abc"));
    assert_memory_equal(&p, &q, sizeof p);   /* unchanged */
    qnn_share_free(&sh);
}

/* Issue 22: decoded values that would drive the terminal (ESC ] 0 ; ...
 * BEL, ESC [ 2 J, the C1 CSI) or are not UTF-8 decode, then are refused
 * when applied, with the value escaped in the message. */
static void test_apply_hostile(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "qnnlab:1:default,eta=%1B%5D0%3Bpwned%07%1B%5B2J,@0", "\\x1B]0;pwned\\x07\\x1B[2J" },
        { "qnnlab:1:default,title=a%C2%9B2J,@0", "a\\xC2\\x9B2J" },
        { "qnnlab:1:default,title=caf%E9,@0", "caf\\xE9" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qnn_share sh;
        char err[512];
        assert_int_equal(qnn_share_decode(cases[i][0], &sh, err, sizeof err), 0);
        qnn_params p;
        qnn_params_default(&p);
        assert_int_not_equal(qnn_share_apply_overrides(&sh, &p, err, sizeof err), 0);
        if (!strstr(err, cases[i][1]) || !strstr(err, "allowed"))
            fail_msg("%s: message '%s' lacks '%s'", cases[i][0], err, cases[i][1]);
        for (const unsigned char *c = (const unsigned char *)err; *c; c++)
            assert_true(*c >= 0x20 && *c != 0x7f && !(c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f));
        qnn_share_free(&sh);
    }
}

/* Prefixes and byte mutations of a valid string: accepted or refused with a
 * message, never a read past the end (run under the sanitizers). */
static void test_mutations(void **state)
{
    (void)state;
    const char *good = "qnnlab:1:my%20preset.ini,eta=0.1,widths=8%2C8,@10:gamma=2,@20:title=%C3%A9,@30";
    size_t len = strlen(good);
    char buf[256], err[512];
    for (size_t k = 0; k <= len; k++) {
        qnn_share sh;
        memcpy(buf, good, k);
        buf[k] = '\0';
        int rc = qnn_share_decode(buf, &sh, err, sizeof err);
        if (rc != 0)
            assert_non_null(strstr(err, "allowed"));
        qnn_share_free(&sh);
    }
    uint64_t x = 88172645463325252ULL;
    for (int t = 0; t < 20000; t++) {
        memcpy(buf, good, len + 1);
        for (int m = 0; m < 3; m++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t at = (size_t)(x % len);
            buf[at] = (char)(x >> 32 & 0xff);
            if (buf[at] == '\0')
                buf[at] = ',';
        }
        qnn_share sh;
        int rc = qnn_share_decode(buf, &sh, err, sizeof err);
        if (rc != 0)
            assert_non_null(strstr(err, "allowed"));
        qnn_share_free(&sh);
    }
}

/* Pinned runs (version 2): two pins written after the main run, each as
 * the main run is (overrides of the same preset, timed changes, its
 * step), read back, and each pin's overrides give its base back; a state
 * without pins is written as version 1 as before, and version-1 strings
 * still load (without pins). */
static void test_pins(void **state)
{
    (void)state;
    qnn_params preset, base, b1, b2;
    qnn_params_default(&preset);
    set(&preset, "L", "64");
    base = b1 = b2 = preset;
    set(&base, "eta", "0.02");
    set(&b1, "eta", "0.002");
    set(&b2, "L", "16");
    set(&b2, "n", "5");
    const qnn_change log[] = { { 5, "gamma", "2" } };
    const qnn_change log1[] = { { 3, "eta", "0.004" }, { 7, "L", "80" } };
    const qnn_share_pin pins[] = { { &b1, log1, 2, 9 }, { &b2, NULL, 0, 1500 } };
    char *s = NULL, err[512] = "";
    assert_int_equal(qnn_share_encode_pins("default", &preset, &base, log, 1, 20, pins, 2, &s), 0);
    assert_string_equal(s, "qnnlab:2:default,eta=0.02,@5:gamma=2,@20,"
                           "pin,eta=0.002,@3:eta=0.004,@7:L=80,@9,"
                           "pin,n=5,L=16,@1500");
    assert_shell_safe(s);
    qnn_share sh;
    if (qnn_share_decode(s, &sh, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(sh.step, 20);
    assert_int_equal(sh.nlog, 1);
    assert_int_equal(sh.npins, 2);
    assert_int_equal(sh.pins[0].step, 9);
    assert_int_equal(sh.pins[0].nlog, 2);
    assert_int_equal(sh.pins[0].log[1].step, 7);
    assert_string_equal(sh.pins[0].log[1].key, "L");
    assert_string_equal(sh.pins[0].log[1].value, "80");
    assert_int_equal(sh.pins[1].step, 1500);
    assert_int_equal(sh.pins[1].nlog, 0);
    qnn_params q = preset;
    assert_int_equal(qnn_share_apply_overrides(&sh, &q, err, sizeof err), 0);
    assert_same_keys(&q, &base);
    for (int k = 0; k < 2; k++) {
        q = preset;
        assert_int_equal(qnn_share_apply_run_overrides(&sh.pins[k], &q, err, sizeof err), 0);
        assert_same_keys(&q, k ? &b2 : &b1);
    }
    qnn_share_free(&sh);
    assert_null(sh.pins);
    assert_int_equal(sh.npins, 0);
    free(s);
    /* no pins: version 1, byte for byte what qnn_share_encode writes */
    char *t = NULL;
    assert_int_equal(qnn_share_encode_pins("default", &preset, &base, log, 1, 20, NULL, 0, &s), 0);
    assert_int_equal(qnn_share_encode("default", &preset, &base, log, 1, 20, &t), 0);
    assert_string_equal(s, "qnnlab:1:default,eta=0.02,@5:gamma=2,@20");
    assert_string_equal(s, t);
    free(s);
    free(t);
    /* an old string loads, without pins */
    assert_int_equal(qnn_share_decode("qnnlab:1:default,L=80,@3:eta=0.1,@10", &sh, err, sizeof err), 0);
    assert_int_equal(sh.npins, 0);
    assert_null(sh.pins);
    assert_int_equal(sh.step, 10);
    qnn_share_free(&sh);
    /* version 2 without a pin is a state too */
    assert_int_equal(qnn_share_decode("qnnlab:2:default,@10", &sh, err, sizeof err), 0);
    assert_int_equal(sh.npins, 0);
    qnn_share_free(&sh);
    /* a pin that cannot be written: out-of-order log, too many pins */
    const qnn_change bad[] = { { 7, "eta", "0.1" }, { 3, "eta", "0.2" } };
    const qnn_share_pin badpin[] = { { &b1, bad, 2, 9 } };
    assert_int_equal(qnn_share_encode_pins("default", &preset, &base, NULL, 0, 20, badpin, 1, &s), -2);
    assert_null(s);
    qnn_share_pin many[QNN_SHARE_MAX_PINS + 1];
    for (int k = 0; k <= QNN_SHARE_MAX_PINS; k++)
        many[k] = (qnn_share_pin){ &b1, NULL, 0, 1 };
    assert_int_equal(qnn_share_encode_pins("default", &preset, &base, NULL, 0, 20, many, QNN_SHARE_MAX_PINS + 1, &s), -2);
    assert_int_equal(qnn_share_encode_pins("default", &preset, &base, NULL, 0, 20, many, QNN_SHARE_MAX_PINS, &s), 0);
    assert_int_equal(qnn_share_decode(s, &sh, err, sizeof err), 0);
    assert_int_equal(sh.npins, QNN_SHARE_MAX_PINS);
    qnn_share_free(&sh);
    /* one more pin in the string: refused */
    size_t n = strlen(s);
    char *more = malloc(n + 16);
    assert_non_null(more);
    snprintf(more, n + 16, "%s,pin,@1", s);
    free(s);
    char m[64];
    snprintf(m, sizeof m, "one pin too many; allowed: at most %d", QNN_SHARE_MAX_PINS);
    expect_refused(more, m);
    free(more);

    /* malformed pin parts: one line naming the pin */
    expect_refused("qnnlab:1:default,@10,pin,@5", "'pin' comes after the final step");
    expect_refused("qnnlab:2:default,@10,pin", "token 3 'pin' is the last token, but the pinned run must end with the final step");
    expect_refused("qnnlab:2:default,@10,pin,eta=0.1", "pin 1: token 4 'eta=0.1' is the last token");
    expect_refused("qnnlab:2:default,@10,pin,@5,pin,@3:eta=0.1,gamma=2,@5", "pin 2: token 7 'gamma=2' is an override after a timed change");
    expect_refused("qnnlab:2:default,@10,pin,@5:eta=0.1,@4", "pin 1: token 5 '@4' is a final step 4 before the change at step 5");
    expect_refused("qnnlab:2:default,@10,pin,nope=1,@4", "pin 1: token 4 'nope=1' has the unknown key 'nope'");
    expect_refused("qnnlab:2:default,@10,pin,@5,@6", "is a second final step");
    expect_refused("qnnlab:2:default,@10,pinn,@5", "'pinn' comes after the final step; allowed: nothing after the final @STEP but 'pin'");
    expect_refused("qnnlab:2:default,@10,pin,,@5", "pin 1: token 4 '' is empty");
    expect_refused("qnnlab:2:default,@10,pin,@5,", "pin 1: token 5 '' comes after");
    expect_refused("qnnlab:2:default,@10,pin,title=a b,@5", "pin 1: token 4 'title=a b' has the character ' '");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_overrides_and_log),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_interacting_keys),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_apply_refusal),
        cmocka_unit_test(test_apply_hostile),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_pins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
