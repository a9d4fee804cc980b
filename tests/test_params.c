/* Keys: parsing, ranges, aliases, relations and the memory estimate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "qnn/file.h"
#include "qnn/params.h"

static void expect_fail(const char *key, const char *value, const char *must_contain)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[512] = "";
    if (qnn_params_set(&p, key, value, err, sizeof err) == 0)
        fail_msg("%s=%s was accepted", key, value);
    if (!strstr(err, must_contain) || !strstr(err, "allowed"))
        fail_msg("message for %s=%s lacks '%s' or 'allowed': %s", key, value, must_contain, err);
}

static void test_set_and_get(void **state)
{
    (void)state;
    qnn_params p;
    qnn_params_default(&p);
    char err[256], buf[64];
    assert_int_equal(qnn_params_set(&p, " eta ", " 2.5e-3 ", err, sizeof err), 0);
    assert_true(p.eta == 2.5e-3);
    assert_int_equal(qnn_params_set(&p, "d", "64", err, sizeof err), 0);
    assert_int_equal(p.n, 6);
    assert_int_equal(qnn_params_set(&p, "p", "80", err, sizeof err), 0);
    assert_int_equal(p.L, 80);
    assert_int_equal(qnn_params_set(&p, "steps", "1e5", err, sizeof err), 0);
    assert_int_equal(p.steps, 100000);
    assert_int_equal(qnn_params_set(&p, "seed", "18446744073709551615", err, sizeof err), 0);
    qnn_params_get(&p, "seed", buf, sizeof buf);
    assert_string_equal(buf, "18446744073709551615");
    assert_int_equal(qnn_params_set(&p, "model", "periodic", err, sizeof err), 0);
    assert_string_equal(qnn_model_name(p.model), "periodic");
    assert_int_equal(qnn_params_set(&p, "eta_per_L", "1", err, sizeof err), 0);
    assert_true(qnn_params_eta(&p) == 2.5e-3 / 80);
    /* n_v: n follows n_v + n_h in either order, until n is set again */
    {
        qnn_params a;
        qnn_params_default(&a);
        assert_int_equal(qnn_params_set(&a, "n_h", "3", err, sizeof err), 0);
        assert_int_equal(qnn_params_set(&a, "n_v", "2", err, sizeof err), 0);
        assert_int_equal(a.n, 5);
        assert_int_equal(qnn_params_set(&a, "n_h", "4", err, sizeof err), 0);
        assert_int_equal(a.n, 6);
        assert_int_equal(qnn_params_set(&a, "n", "8", err, sizeof err), 0);
        assert_int_equal(a.n_v, 0);
        assert_int_equal(qnn_params_set(&a, "n_h", "2", err, sizeof err), 0);
        assert_int_equal(a.n, 8);
        assert_int_equal(qnn_params_set(&a, "n_v", "20", err, sizeof err), 0);
        assert_int_not_equal(qnn_params_set(&a, "n_h", "5", err, sizeof err), 0);
        assert_non_null(strstr(err, "n_h"));
    }
    /* every key round-trips through get/set */
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t i = 0; i < nk; i++) {
        char v[512];
        assert_int_equal(qnn_params_get(&p, keys[i].name, v, sizeof v), 0);
        qnn_params q = p;
        if (v[0] || keys[i].type == QNN_KEY_STRING)
            assert_int_equal(qnn_params_set(&q, keys[i].name, v, err, sizeof err), 0);
        assert_memory_equal(&p, &q, sizeof p);
    }
}

static void test_rejections(void **state)
{
    (void)state;
    expect_fail("nope", "1", "nope");
    expect_fail("eta", "abc", "abc");
    expect_fail("eta", "-1", "eta");
    expect_fail("eta", "nan", "eta");
    expect_fail("eta", "1e999", "eta");
    expect_fail("n", "0", "'n'");
    expect_fail("n", "25", "'n'");
    expect_fail("n", "4.5", "'n'");
    expect_fail("L", "0", "'L'");
    expect_fail("gamma", "-1", "gamma");
    expect_fail("sigma_theta", "-0.1", "sigma_theta");
    expect_fail("instances", "0", "instances");
    expect_fail("model", "quantum", "quantum");
    expect_fail("d", "48", "48");
    expect_fail("seed", "-3", "seed");
    expect_fail("measure", "XQ", "XQ");
    expect_fail("stats", "kernel_t0, bogus", "bogus");
    expect_fail("steps", "", "steps");
}

static void test_relations_and_memory(void **state)
{
    (void)state;
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    qnn_params_set(&p, "task", "supervised", err, sizeof err);
    qnn_params_set(&p, "n", "2", err, sizeof err);
    qnn_params_set(&p, "m", "5", err, sizeof err);
    assert_int_equal(qnn_params_check(&p, 0, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "'m'"));
    qnn_params_set(&p, "m", "4", err, sizeof err);
    assert_int_equal(qnn_params_check(&p, 0, err, sizeof err), 0);

    qnn_params_default(&p);
    qnn_params_set(&p, "model", "periodic", err, sizeof err);
    qnn_params_set(&p, "n", "3", err, sizeof err);
    qnn_params_set(&p, "measure", "XZ", err, sizeof err);
    assert_int_equal(qnn_params_check(&p, 0, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "measure"));
    qnn_params_set(&p, "measure", "III", err, sizeof err);
    assert_int_equal(qnn_params_check(&p, 0, err, sizeof err), QNN_E_RELATION);

    /* dense Haar at n = 14, L = 200: 200 · 2^28 · 16 bytes ≈ 800 GiB */
    qnn_params_default(&p);
    qnn_params_set(&p, "n", "14", err, sizeof err);
    qnn_params_set(&p, "L", "200", err, sizeof err);
    assert_true(qnn_params_instance_bytes(&p) > (size_t)800 * 1024 * 1024 * 1024);
    assert_int_equal(qnn_params_check(&p, (size_t)16 << 30, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "GiB"));
    /* the same as a brickwork fits */
    qnn_params_set(&p, "entangler", "brickwork", err, sizeof err);
    assert_int_equal(qnn_params_check(&p, (size_t)16 << 30, err, sizeof err), 0);
}

/* Found by tests/fuzz: keys and values longer than the parser's buffers
 * were cut short and then read as something else, and a long label list
 * did not read back from its own canonical text. */
static void test_long_keys_and_values(void **state)
{
    (void)state;
    qnn_params p, q;
    char err[1024], key[128], value[40000];
    /* "seed" + 60 spaces + "junk": cut at 63 bytes it trimmed to "seed" */
    snprintf(key, sizeof key, "seed%60sjunk", "");
    qnn_params_default(&p);
    q = p;
    assert_int_equal(qnn_params_set(&q, key, "5", err, sizeof err), QNN_E_KEY_UNKNOWN);
    assert_non_null(strstr(err, "unknown key"));
    assert_non_null(strstr(err, "allowed"));
    assert_memory_equal(&p, &q, sizeof p);
    /* 1.000...0e-5 cut at 319 bytes read as eta = 1: refused now */
    memset(value, '0', 340);
    memcpy(value, "1.", 2);
    memcpy(value + 340, "e-5", 4);
    assert_int_equal(qnn_params_set(&q, "eta", value, err, sizeof err), QNN_E_KEY_TYPE);
    assert_non_null(strstr(err, "'eta'"));
    assert_non_null(strstr(err, "allowed"));
    snprintf(value, sizeof value, "%400s", "x");
    assert_int_equal(qnn_params_set(&q, "title", value, err, sizeof err), 0);   /* trimmed: "x" */
    assert_string_equal(q.title, "x");
    /* 1024 labels, and their canonical text set back */
    size_t off = 0;
    for (int i = 0; i < QNN_MAX_LABELS; i++)
        off += (size_t)snprintf(value + off, sizeof value - off, "%s%d.%d", i ? "," : "", i % 7 - 3, i);
    assert_int_equal(qnn_params_set(&p, "labels", value, err, sizeof err), 0);
    assert_int_equal(p.nlabels, QNN_MAX_LABELS);
    assert_true(p.label_list[1023] == -2.1023);
    assert_int_equal(qnn_params_get(&p, "labels", value, sizeof value), 0);
    q = p;
    assert_int_equal(qnn_params_set(&q, "labels", value, err, sizeof err), 0);
    assert_memory_equal(&p, &q, sizeof p);
    /* one more is refused */
    off = strlen(value);
    snprintf(value + off, sizeof value - off, ", 1");
    assert_int_equal(qnn_params_set(&q, "labels", value, err, sizeof err), QNN_E_KEY_RANGE);
    assert_non_null(strstr(err, "too many"));
}

/* The status table: one distinct description per code; the typed setter
 * refuses as the text one does. */
static void test_status_table(void **state)
{
    (void)state;
    for (int i = 0; i < QNN_STATUS_COUNT; i++) {
        assert_non_null(qnn_strerror(-i));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(qnn_strerror(-i), qnn_strerror(-j));
    }
    assert_string_equal(qnn_strerror(QNN_E_NOMEM), "out of memory");
    assert_string_equal(qnn_strerror(1), "unknown status");
    assert_string_equal(qnn_strerror(-QNN_STATUS_COUNT), "unknown status");
    qnn_params p;
    qnn_params_default(&p);
    char e1[512], e2[512];
    assert_int_equal(qnn_params_set_number(&p, "gamma", 2000.0, e1, sizeof e1), QNN_E_KEY_RANGE);
    assert_int_equal(qnn_params_set(&p, "gamma", "2000", e2, sizeof e2), QNN_E_KEY_RANGE);
    assert_string_equal(e1, e2);
    assert_int_equal(qnn_params_set_number(&p, "seed", -3.0, e1, sizeof e1), QNN_E_KEY_TYPE);
    assert_int_equal(qnn_params_set(&p, "seed", "-3", e2, sizeof e2), QNN_E_KEY_TYPE);
    assert_string_equal(e1, e2);
    assert_int_equal(qnn_params_set_number(&p, "model", 3.0, e1, sizeof e1), QNN_E_KEY_TYPE);
    assert_int_equal(qnn_params_set_number(&p, "n_h", 2.0, e1, sizeof e1), QNN_OK);
    assert_int_equal(p.n_h, 2);
    assert_int_equal(qnn_params_set_number(&p, "gamma", 0.1 + 0.2, e1, sizeof e1), QNN_OK);
    assert_true(p.gamma == 0.1 + 0.2);
    char t[64];
    qnn_params_number_text("gamma", 0.1 + 0.2, t, sizeof t);
    assert_true(strtod(t, NULL) == 0.1 + 0.2);
    qnn_params_number_text("gamma", 0.25, t, sizeof t);
    assert_string_equal(t, "0.25");
    qnn_params_number_text("L", 80.0, t, sizeof t);
    assert_string_equal(t, "80");
}

/* Found by tests/fuzz: a run of exactly 2^64 bytes (the instance estimate
 * saturated, the rest too small to show) was converted to size_t out of
 * range, which gave 0 with GCC on x86-64 and passed the memory check. */
/* Issue 22: input that is not UTF-8, empty list entries, integers beyond
 * any range, and values quoted with their control characters escaped. */
static void test_input_hardening(void **state)
{
    (void)state;
    /* not UTF-8: refused with the key, the value escaped, the byte */
    expect_fail("title", "a\xff", "key 'title': value 'a\\xFF' is not UTF-8 text (byte 2 of 2");
    expect_fail("circuit", "c\xe9.qasm", "not UTF-8");
    expect_fail("label", "\xc3", "byte 1 of 1");
    expect_fail("eta", "1\xed\xa0\x80", "not UTF-8");   /* a surrogate */
    qnn_params p;
    char err[1024];
    qnn_params_default(&p);
    assert_int_equal(qnn_params_set(&p, "title", "θ → 0", err, sizeof err), 0);
    assert_string_equal(p.title, "θ → 0");
    /* empty entries in every comma list */
    expect_fail("labels", "1,,2", "empty entry (entry 2");
    expect_fail("labels", "1,2,", "empty entry (entry 3");
    expect_fail("widths", ",8", "empty entry (entry 1");
    expect_fail("stats", "loss_final, ,kernel_t0", "empty entry (entry 2");
    expect_fail("rotations", "ry,", "empty entry");
    expect_fail("features", "a,,b", "empty entry");
    expect_fail("hessian_range", ",1", "empty entry");
    assert_int_equal(qnn_params_set(&p, "widths", "", err, sizeof err), 0);   /* empty clears */
    /* integers beyond every range are out of range, not "not an integer" */
    expect_fail("steps", "12345678901234567890123", "is out of range; allowed: 0 .. 100000000");
    expect_fail("steps", "-12345678901234567890123", "is out of range");
    expect_fail("steps", "1e30", "is out of range");
    expect_fail("steps", "1e400", "is out of range");
    expect_fail("seed", "18446744073709551616", "is out of range");
    expect_fail("widths", "8, 99999999999999999999", "out of range");
    expect_fail("d", "99999999999999999999999", "not a power of two in range");
    expect_fail("steps", "1.5", "is not an integer");
    expect_fail("steps", "1e-400", "is not an integer");
    assert_int_equal(qnn_params_set_number(&p, "steps", 1e30, err, sizeof err), QNN_E_KEY_RANGE);
    /* control characters and C1 quoted */
    qnn_params_default(&p);
    assert_int_not_equal(qnn_params_set(&p, "eta", "\x1b]0;x\x07\xc2\x9b", err, sizeof err), 0);
    assert_non_null(strstr(err, "'\\x1B]0;x\\x07\\xC2\\x9B'"));
    assert_int_not_equal(qnn_params_set(&p, "\x1bkey", "1", err, sizeof err), 0);
    assert_non_null(strstr(err, "'\\x1Bkey'"));
    for (const char *c = err; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
    /* control characters are refused in every value, blanks around it trimmed */
    expect_fail("title", "a\x1b[2J", "holds a control character (byte 2, \\x1B)");
    expect_fail("m0_file", "m\xc2\x9b.json", "holds a control character (byte 2, \\xC2");
    expect_fail("cost", "Z\x7f", "control character");
    assert_int_equal(qnn_params_set(&p, "eta", " 0.5\t\n", err, sizeof err), 0);
    /* a long quoted value still leaves room for what is allowed */
    char v[320];
    memset(v, 0xff, sizeof v - 1);
    v[sizeof v - 1] = '\0';
    assert_int_not_equal(qnn_params_set(&p, "stats", v, err, sizeof err), 0);
    assert_non_null(strstr(err, "allowed: comma list of: kernel_t0"));
}

/* qnn_file_open_read: a regular file opens; a FIFO and a folder are
 * refused by what they are, at once (a FIFO without a writer would block
 * open(2)). */
static void test_file_open_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/qnn-test-file.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    const char *kind = "x";
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_null(qnn_file_open_read(path, &kind));
    assert_string_equal(kind, "a FIFO");
    unlink(path);
    assert_null(qnn_file_open_read(dir, &kind));
    assert_string_equal(kind, "a directory");
    assert_null(qnn_file_open_read("/dev/null", &kind));
    assert_string_equal(kind, "a character device");
    snprintf(path, sizeof path, "%s/none", dir);
    assert_null(qnn_file_open_read(path, &kind));
    assert_null(kind);
    FILE *w = fopen(path, "w");
    assert_non_null(w);
    fputs("abc", w);
    fclose(w);
    FILE *f = qnn_file_open_read(path, &kind);
    assert_non_null(f);
    char buf[8] = "";
    assert_non_null(fgets(buf, sizeof buf, f));
    assert_string_equal(buf, "abc");
    fclose(f);
    unlink(path);
    rmdir(dir);
}

static void test_memory_saturates(void **state)
{
    (void)state;
    qnn_params p;
    char err[1024];
    qnn_params_default(&p);
    assert_int_equal(qnn_params_set(&p, "model", "periodic", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "n", "24", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "L", "100000", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "instances", "1", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "steps", "0", err, sizeof err), 0);
    assert_true(qnn_params_instance_bytes(&p) == SIZE_MAX);
    assert_true(qnn_params_run_bytes(&p, 1) == SIZE_MAX);
    assert_int_equal(qnn_params_check(&p, (size_t)16 << 30, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "EiB"));
    assert_non_null(strstr(err, "allowed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_get),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_relations_and_memory),
        cmocka_unit_test(test_long_keys_and_values),
        cmocka_unit_test(test_memory_saturates),
        cmocka_unit_test(test_input_hardening),
        cmocka_unit_test(test_file_open_read),
        cmocka_unit_test(test_status_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
