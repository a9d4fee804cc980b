/* Tests of the atomic file writer (ui/base/afile): new and replaced files,
 * no temporary left on any path, the refusal of targets that are not
 * regular files (nothing touched), writers by name, sets committed
 * together, the removal of a killed writer's temporaries (and only those),
 * and names that stay apart within one second. */
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
#include <sys/wait.h>
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

/* A process id that no process has: a child that has ended and been
 * reaped. */
static long dead_pid(void)
{
    pid_t c = fork();
    assert_true(c >= 0);
    if (c == 0)
        _exit(0);
    assert_int_equal(waitpid(c, NULL, 0), c);
    return (long)c;
}

static void test_clean_stale(void **state)
{
    (void)state;
    char n[128];
    const long dead = dead_pid(), live = (long)getppid(), self = (long)getpid();
    /* a killed writer's temporaries and kept old file (removed) */
    snprintf(n, sizeof n, ".trace.csv.tmp.%ld", dead);
    put(at(n), "x");
    snprintf(n, sizeof n, ".summary.json.tmp.%ld.3", dead);
    put(at(n), "x");
    snprintf(n, sizeof n, ".trace.csv.old.%ld.0", dead);
    put(at(n), "x");
    /* a live process's and this one's, another name, a folder, a name that
     * only looks similar (kept) */
    snprintf(n, sizeof n, ".trace.csv.tmp.%ld", live);
    put(at(n), "x");
    snprintf(n, sizeof n, ".trace.csv.tmp.%ld.1", self);
    put(at(n), "x");
    snprintf(n, sizeof n, ".notes.txt.tmp.%ld", dead);
    put(at(n), "x");
    snprintf(n, sizeof n, ".trace.csv.tmp.%ldx", dead);
    put(at(n), "x");
    snprintf(n, sizeof n, ".summary.json.tmp.%ld.9", dead);
    assert_int_equal(mkdir(at(n), 0777), 0);
    put(at("trace.csv"), "data");
    static const char *const names[] = { "trace.csv", "summary.json" };
    assert_int_equal(afile_clean_stale(dir, names, 2), 3);
    char want[1024];
    snprintf(want, sizeof want, ".notes.txt.tmp.%ld .summary.json.tmp.%ld.9 .trace.csv.tmp.%ld .trace.csv.tmp.%ld.1 "
             ".trace.csv.tmp.%ldx trace.csv", dead, dead, live, self, dead);
    /* listing() sorts with alphasort: compare as sets of words */
    const char *got = listing();
    for (char *w = strtok(want, " "); w; w = strtok(NULL, " ")) {
        char pat[160];
        snprintf(pat, sizeof pat, " %s ", w);
        char padded[1100];
        snprintf(padded, sizeof padded, " %s ", got);
        assert_non_null(strstr(padded, pat));
    }
    int words = 1;
    for (const char *c = got; *c; c++)
        words += *c == ' ';
    assert_int_equal(words, 6);
    /* a folder that cannot be read: nothing */
    assert_int_equal(afile_clean_stale(at("none"), names, 2), 0);
}

static void test_unique_and_check(void **state)
{
    (void)state;
    char p[512], err[512];
    /* three names in one second stay apart (screenshots, saved screens) */
    assert_int_equal(afile_unique_path(dir, "qnnlab-screen-20260101-120000", "txt", p, sizeof p), 0);
    assert_string_equal(p, at("qnnlab-screen-20260101-120000.txt"));
    put(p, "1");
    assert_int_equal(afile_unique_path(dir, "qnnlab-screen-20260101-120000", "txt", p, sizeof p), 0);
    assert_string_equal(p, at("qnnlab-screen-20260101-120000-2.txt"));
    put(p, "2");
    /* a dangling link and a FIFO count as taken */
    assert_int_equal(symlink("nowhere", at("qnnlab-screen-20260101-120000-3.txt")), 0);
    assert_int_equal(mkfifo(at("qnnlab-screen-20260101-120000-4.txt"), 0666), 0);
    assert_int_equal(afile_unique_path(dir, "qnnlab-screen-20260101-120000", "txt", p, sizeof p), 0);
    assert_string_equal(p, at("qnnlab-screen-20260101-120000-5.txt"));
    /* too long for the buffer */
    char small[16];
    assert_int_equal(afile_unique_path(dir, "qnnlab-screen", "txt", small, sizeof small), -1);
    /* afile_check: absent and regular pass, the rest named */
    assert_int_equal(afile_check(at("absent"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_check(at("qnnlab-screen-20260101-120000.txt"), err, sizeof err), AFILE_OK);
    assert_int_equal(afile_check(at("qnnlab-screen-20260101-120000-4.txt"), err, sizeof err), AFILE_ENOTREG);
    assert_non_null(strstr(err, "is a FIFO, not a regular file"));
    assert_int_equal(afile_check(dir, err, sizeof err), AFILE_ENOTREG);
    assert_non_null(strstr(err, "is a directory"));
    assert_string_equal(afile_kind(S_IFCHR), "a character device");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_and_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
