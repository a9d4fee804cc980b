/* Tests of the atomic file writer (ui/base/afile): new and replaced files,
 * no temporary left on any path, the refusal of targets that are not
 * regular files (nothing touched), writers by name, and sets committed
 * together. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/qnnlab-afile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *at(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const char *get(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* The names in dir, sorted, joined by spaces (hidden ones too). */
static const char *listing(void)
{
    static char buf[1024];
    struct dirent **nl;
    int n = scandir(dir, &nl, NULL, alphasort);
    assert_true(n >= 0);
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(nl[i]->d_name, ".") && strcmp(nl[i]->d_name, "..")) {
            if (buf[0])
                strcat(buf, " ");
            strcat(buf, nl[i]->d_name);
        }
        free(nl[i]);
    }
    free(nl);
    return buf;
}

static int say(FILE *f, void *ctx)
{
    return fputs(ctx, f) == EOF ? -1 : 0;
}

static int refuse(FILE *f, void *ctx)
{
    fputs("half", f);
    return -1;
}

static void test_write_and_replace(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(afile_write(at("a.txt"), say, "one\n", err, sizeof err), AFILE_OK);
    assert_string_equal(get(at("a.txt")), "one\n");
    assert_int_equal(afile_write(at("a.txt"), say, "two\n", err, sizeof err), AFILE_OK);
    assert_string_equal(get(at("a.txt")), "two\n");
    /* a writer that fails: the old file stays, no temporary */
    assert_int_equal(afile_write(at("a.txt"), refuse, NULL, err, sizeof err), AFILE_EIO);
    assert_string_equal(get(at("a.txt")), "two\n");
    assert_string_equal(listing(), "a.txt");
    /* open, abort */
    afile a;
    assert_int_equal(afile_open(&a, at("b.txt"), err, sizeof err), AFILE_OK);
    assert_non_null(strstr(a.tmp, "/.b.txt.tmp."));
    fputs("x", a.f);
    afile_abort(&a);
    afile_abort(&a);   /* twice is harmless */
    assert_string_equal(listing(), "a.txt");
    /* a folder that does not exist: an error naming the temporary */
    assert_int_equal(afile_write(at("none/c.txt"), say, "x", err, sizeof err), AFILE_EIO);
    assert_non_null(strstr(err, "cannot create"));
    assert_non_null(strstr(err, "none/.c.txt.tmp."));
}

static void test_by_name(void **state)
{
    (void)state;
    char err[512];
    afile a;
    assert_int_equal(afile_reserve(&a, at("p.png"), err, sizeof err), AFILE_OK);
    assert_null(a.f);
    put(a.tmp, "by name");   /* the writer opens it itself */
    assert_int_equal(afile_commit(&a, err, sizeof err), AFILE_OK);
    assert_string_equal(get(at("p.png")), "by name");
    /* the writer removed its file: an error, nothing left */
    assert_int_equal(afile_reserve(&a, at("q.png"), err, sizeof err), AFILE_OK);
    unlink(a.tmp);
    assert_int_equal(afile_commit(&a, err, sizeof err), AFILE_EIO);
    assert_string_equal(listing(), "p.png");
}

static void test_not_regular(void **state)
{
    (void)state;
    char err[512];
    afile a;
    assert_int_equal(mkdir(at("d"), 0777), 0);
    assert_int_equal(mkfifo(at("fifo"), 0666), 0);
    assert_int_equal(symlink("/dev/null", at("null")), 0);
    static const struct { const char *name, *kind; } t[] = {
        {"d", "a directory"}, {"fifo", "a FIFO"}, {"null", "a character device"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        err[0] = 0;
        assert_int_equal(afile_write(at(t[i].name), say, "x", err, sizeof err), AFILE_ENOTREG);
        assert_non_null(strstr(err, t[i].kind));
        assert_non_null(strstr(err, "not a regular file"));
        assert_int_equal(afile_open(&a, at(t[i].name), err, sizeof err), AFILE_ENOTREG);
        assert_int_equal(afile_reserve(&a, at(t[i].name), err, sizeof err), AFILE_ENOTREG);
        afile_abort(&a);   /* harmless after a refused open */
    }
    assert_int_equal(afile_write("/dev/null", say, "x", err, sizeof err), AFILE_ENOTREG);
    assert_string_equal(listing(), "d fifo null");
    struct stat st;
    assert_int_equal(lstat(at("null"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a target that turns into a directory before the commit */
    assert_int_equal(afile_open(&a, at("late"), err, sizeof err), AFILE_OK);
    assert_int_equal(mkdir(at("late"), 0777), 0);
    assert_int_equal(afile_commit(&a, err, sizeof err), AFILE_ENOTREG);
    assert_string_equal(listing(), "d fifo late null");
}

static void test_set(void **state)
{
    (void)state;
    char err[512];
    afile s[3];
    put(at("x.csv"), "old x");
    put(at("stale.csv"), "old stale");
    /* all replace and the stale one goes */
    assert_int_equal(afile_open(&s[0], at("x.csv"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_open(&s[1], at("y.json"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_drop(&s[2], at("stale.csv"), err, sizeof err), AFILE_OK);
    fputs("new x", s[0].f);
    fputs("new y", s[1].f);
    assert_int_equal(afile_commit_set(s, 3, err, sizeof err), AFILE_OK);
    assert_string_equal(get(at("x.csv")), "new x");
    assert_string_equal(get(at("y.json")), "new y");
    assert_string_equal(listing(), "x.csv y.json");
    /* one member fails: none replaces, nothing left */
    put(at("stale.csv"), "old stale");
    assert_int_equal(afile_open(&s[0], at("x.csv"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_reserve(&s[1], at("y.json"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_drop(&s[2], at("stale.csv"), err, sizeof err), AFILE_OK);
    fputs("newer x", s[0].f);
    unlink(s[1].tmp);   /* its writer failed and removed it */
    assert_int_equal(afile_commit_set(s, 3, err, sizeof err), AFILE_EIO);
    assert_string_equal(get(at("x.csv")), "new x");
    assert_string_equal(get(at("y.json")), "new y");
    assert_string_equal(get(at("stale.csv")), "old stale");
    assert_string_equal(listing(), "stale.csv x.csv y.json");
    /* a member whose target became a directory: none replaces */
    assert_int_equal(afile_open(&s[0], at("x.csv"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_open(&s[1], at("z.json"), err, sizeof err), AFILE_OK);
    assert_int_equal(mkdir(at("z.json"), 0777), 0);
    assert_int_equal(afile_commit_set(s, 2, err, sizeof err), AFILE_ENOTREG);
    assert_string_equal(get(at("x.csv")), "new x");
    assert_string_equal(listing(), "stale.csv x.csv y.json z.json");
    /* a drop of a directory is refused at once */
    assert_int_equal(afile_drop(&s[0], at("z.json"), err, sizeof err), AFILE_ENOTREG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
