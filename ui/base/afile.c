/* Files written whole or not at all (contracts in afile.h). */
#include "afile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_ulong tmp_counter;

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *afile_kind(unsigned mode)
{
    const mode_t m = (mode_t)mode;
    return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "something else";
}

/* AFILE_ENOTREG when path exists and is not a regular file; AFILE_OK when
 * it is one or does not exist (or cannot be looked at: creating the
 * temporary then says why). *exists tells which. */
static int check_target(const char *path, int *exists, char *err, size_t errlen)
{
    struct stat st;
    *exists = 0;
    if (stat(path, &st) != 0)
        return AFILE_OK;
    *exists = 1;
    if (!S_ISREG(st.st_mode))
        return fail(err, errlen, AFILE_ENOTREG, "'%s' exists and is %s, not a regular file", path,
                    afile_kind(st.st_mode));
    return AFILE_OK;
}

/* "DIR/.NAME.<what>.PID.N" beside path. */
static int hidden_name(const char *path, const char *what, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dl = slash ? (int)(slash - path) + 1 : 0;
    int k = snprintf(out, len, "%.*s.%s.%s.%ld.%lu", dl, path, slash ? slash + 1 : path, what, (long)getpid(),
                     atomic_fetch_add(&tmp_counter, 1));
    return k < 0 || (size_t)k >= len ? -1 : 0;
}

static int start(afile *a, const char *path, int stream, char *err, size_t errlen)
{
    a->path[0] = a->tmp[0] = 0;
    a->f = NULL;
    a->drop = 0;
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path ||
        hidden_name(path, "tmp", a->tmp, sizeof a->tmp) != 0) {
        a->tmp[0] = 0;
        return fail(err, errlen, AFILE_EIO, "'%.200s...': the path is too long", path);
    }
    int exists;
    int rc = check_target(path, &exists, err, errlen);
    if (rc != AFILE_OK) {
        a->tmp[0] = 0;
        return rc;
    }
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        rc = fail(err, errlen, AFILE_EIO, "cannot create '%s': %s", a->tmp, strerror(errno));
        a->tmp[0] = 0;
        return rc;
    }
    if (!stream) {
        close(fd);
        return AFILE_OK;
    }
    a->f = fdopen(fd, "w");
    if (!a->f) {
        rc = fail(err, errlen, AFILE_EIO, "cannot create '%s': %s", a->tmp, strerror(errno));
        close(fd);
        unlink(a->tmp);
        a->tmp[0] = 0;
        return rc;
    }
    return AFILE_OK;
}

int afile_open(afile *a, const char *path, char *err, size_t errlen)
{
    return start(a, path, 1, err, errlen);
}

int afile_reserve(afile *a, const char *path, char *err, size_t errlen)
{
    return start(a, path, 0, err, errlen);
}

int afile_drop(afile *a, const char *path, char *err, size_t errlen)
{
    a->tmp[0] = 0;
    a->f = NULL;
    a->drop = 1;
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
        return fail(err, errlen, AFILE_EIO, "'%.200s...': the path is too long", path);
    int exists;
    return check_target(path, &exists, err, errlen);
}

void afile_abort(afile *a)
{
    if (a->f) {
        fclose(a->f);
        a->f = NULL;
    }
    if (a->tmp[0]) {
        unlink(a->tmp);
        a->tmp[0] = 0;
    }
}

/* Flushes, syncs and closes the temporary (a drop has none). On failure it
 * is removed. */
static int finish(afile *a, char *err, size_t errlen)
{
    if (a->drop)
        return AFILE_OK;
    if (!a->tmp[0])
        return fail(err, errlen, AFILE_EIO, "'%s': nothing to commit (the temporary was not created)", a->path);
    int e = 0;
    if (a->f) {
        FILE *f = a->f;
        a->f = NULL;
        if (fflush(f) != 0 || ferror(f))
            e = errno ? errno : EIO;
        if (!e && fsync(fileno(f)) != 0 && errno != EINVAL)
            e = errno;
        if (fclose(f) != 0 && !e)
            e = errno ? errno : EIO;
    } else {
        /* written by name: sync what the writer closed */
        int fd = open(a->tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            e = errno;
        else {
            if (fsync(fd) != 0 && errno != EINVAL)
                e = errno;
            close(fd);
        }
    }
    if (e) {
        int rc = fail(err, errlen, AFILE_EIO, "cannot write '%s': %s", a->tmp, strerror(e));
        afile_abort(a);
        return rc;
    }
    return AFILE_OK;
}

int afile_commit(afile *a, char *err, size_t errlen)
{
    return afile_commit_set(a, 1, err, errlen);
}

int afile_write(const char *path, int (*fn)(FILE *f, void *ctx), void *ctx, char *err, size_t errlen)
{
    afile a;
    int rc = afile_open(&a, path, err, errlen);
    if (rc != AFILE_OK)
        return rc;
    errno = 0;
    if (fn(a.f, ctx) != 0 || ferror(a.f)) {
        rc = fail(err, errlen, AFILE_EIO, "cannot write '%s': %s", a.tmp, strerror(errno ? errno : EIO));
        afile_abort(&a);
        return rc;
    }
    return afile_commit(&a, err, errlen);
}

void afile_abort_set(afile *a, int n)
{
    for (int k = 0; k < n; k++)
        afile_abort(&a[k]);
}

typedef struct {
    int exists;            /* the target existed at the check */
    char old[AFILE_PATH];  /* a hard link to the old target, or "" */
} member_state;

int afile_commit_set(afile *a, int n, char *err, size_t errlen)
{
    member_state one, *ms = n <= 1 ? &one : calloc((size_t)n, sizeof *ms);
    if (!ms) {
        afile_abort_set(a, n);
        return fail(err, errlen, AFILE_EIO, "'%s': out of memory", a[0].path);
    }
    for (int k = 0; k < n; k++)
        ms[k].exists = 0, ms[k].old[0] = 0;
    int rc = AFILE_OK;
    for (int k = 0; k < n && rc == AFILE_OK; k++)
        rc = finish(&a[k], err, errlen);
    /* the targets again, just before the first rename */
    for (int k = 0; k < n && rc == AFILE_OK; k++)
        rc = check_target(a[k].path, &ms[k].exists, err, errlen);
    /* a single rename is all or nothing by itself; a set keeps the old
     * targets until every rename is done */
    for (int k = 0; k < n && rc == AFILE_OK && n > 1; k++)
        if (ms[k].exists && (hidden_name(a[k].path, "old", ms[k].old, sizeof ms[k].old) != 0 ||
                             link(a[k].path, ms[k].old) != 0))
            ms[k].old[0] = 0; /* no hard links here: no way back for this one */
    int done = 0;
    for (; rc == AFILE_OK && done < n; done++) {
        afile *m = &a[done];
        if (m->drop) {
            if (ms[done].exists && unlink(m->path) != 0 && errno != ENOENT)
                rc = fail(err, errlen, AFILE_EIO, "cannot remove '%s': %s", m->path, strerror(errno));
        } else if (rename(m->tmp, m->path) != 0)
            rc = fail(err, errlen, AFILE_EIO, "cannot rename '%s' to '%s': %s", m->tmp, m->path, strerror(errno));
        else
            m->tmp[0] = 0;
        if (rc != AFILE_OK) {
            /* put back what the members before this one replaced */
            for (int k = 0; k < done; k++) {
                if (ms[k].old[0]) {
                    if (rename(ms[k].old, a[k].path) == 0)
                        ms[k].old[0] = 0;
                } else if (!ms[k].exists && !a[k].drop)
                    unlink(a[k].path);
            }
        }
    }
    if (rc != AFILE_OK)
        afile_abort_set(a, n);
    for (int k = 0; k < n; k++)
        if (ms[k].old[0])
            unlink(ms[k].old);
    if (ms != &one)
        free(ms);
    return rc;
}

int afile_check(const char *path, char *err, size_t errlen)
{
    int exists;
    return check_target(path, &exists, err, errlen);
}

/* 1 when s is "PID" or "PID.N" (need_counter: only "PID.N"), digits
 * only, with PID in *pid. */
static int pid_suffix(const char *s, int need_counter, long *pid)
{
    if (!isdigit((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    long p = strtol(s, &end, 10);
    if (errno || p <= 0)
        return 0;
    if (*end == '.') {
        const char *c = end + 1;
        if (!isdigit((unsigned char)*c))
            return 0;
        while (isdigit((unsigned char)*c))
            c++;
        if (*c)
            return 0;
    } else if (*end || need_counter)
        return 0;
    *pid = p;
    return 1;
}

int afile_clean_stale(const char *dir, const char *const *names, int n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    const long self = (long)getpid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (s[0] != '.')
            continue;
        for (int k = 0; k < n; k++) {
            size_t l = strlen(names[k]);
            if (strncmp(s + 1, names[k], l) != 0 || s[1 + l] != '.')
                continue;
            const char *rest = s + 2 + l;
            long pid = 0;
            int ours = (!strncmp(rest, "tmp.", 4) && pid_suffix(rest + 4, 0, &pid)) ||
                       (!strncmp(rest, "old.", 4) && pid_suffix(rest + 4, 1, &pid));
            if (!ours || pid == self || (pid_t)pid != pid)
                break;
            if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                break; /* alive (or not ours to judge) */
            char p[AFILE_PATH];
            struct stat st;
            if (snprintf(p, sizeof p, "%s/%s", dir, s) < (int)sizeof p && lstat(p, &st) == 0 &&
                S_ISREG(st.st_mode) && unlink(p) == 0)
                removed++;
            break;
        }
    }
    closedir(d);
    return removed;
}

int afile_unique_path(const char *dir, const char *stem, const char *ext, char *out, size_t len)
{
    for (int k = 1; k < 10000; k++) {
        int w = k == 1 ? snprintf(out, len, "%s/%s.%s", dir, stem, ext)
                       : snprintf(out, len, "%s/%s-%d.%s", dir, stem, k, ext);
        if (w < 0 || (size_t)w >= len)
            return -1;
        struct stat st;
        if (lstat(out, &st) != 0 && errno == ENOENT)
            return 0;
    }
    return -1;
}
