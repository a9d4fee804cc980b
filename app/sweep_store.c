/* The instance files of `qnnlab sweep`: one finished instance serialised
 * field by field with a checksum (DIR/points/K/inst/I.qi), read back and
 * checked; the file helpers (paths, directories, whole files written
 * atomically or read with a size limit). */
#include "sweep_priv.h"
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An instance file larger than this is not ours (the largest presets
 * write a few MiB per instance). */
#define INST_MAX_BYTES ((size_t)1 << 31)

/* The serialiser writes qnn_obs and qnn_consts field by field (their
 * padding would otherwise make equal instances differ in bytes); a field
 * added to either struct must be added here too. */
_Static_assert(sizeof(qnn_obs) == 208, "qnn_obs changed: serialise the new field in app/sweep_store.c");
_Static_assert(sizeof(qnn_consts) == 96, "qnn_consts changed: serialise the new field in app/sweep_store.c");

uint64_t sweep_fnv64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
/* ------------------------------------------------------------------------ */
/* Instance files                                                           */
/* ------------------------------------------------------------------------ */

static void put(bytes *b, const void *x, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, x, n);
    b->n += n;
}

static void put_i64(bytes *b, int64_t v) { put(b, &v, sizeof v); }
static void put_i32(bytes *b, int32_t v) { put(b, &v, sizeof v); }
static void put_f64(bytes *b, double v) { put(b, &v, sizeof v); }

static double obs_field(const qnn_obs *o, size_t off)
{
    double v;
    memcpy(&v, (const char *)o + off, sizeof v);
    return v;
}

/* The double fields of qnn_obs, in file order. */
static const size_t obs_doubles[] = {
    OBS(time), OBS(eps), OBS(loss), OBS(kernel), OBS(lambda_min), OBS(lambda_max), OBS(grad_norm),
    OBS(yhat0), OBS(kchange), OBS(drift), OBS(entropy), OBS(tdist), OBS(grad_inf), OBS(grad_ms),
    OBS(laziness), OBS(accuracy), OBS(test_accuracy), OBS(h_min), OBS(h_max), OBS(h_trace),
    OBS(h_frac_pos), OBS(proxy), OBS(err_norm), OBS(test_loss),
};
#define NOBSD (sizeof obs_doubles / sizeof obs_doubles[0])
_Static_assert(NOBSD * 8 + 8 + 8 == sizeof(qnn_obs), "qnn_obs: a double field is not serialised");

int sweep_serialise(bytes *b, uint64_t fp, long k, int i, const qnn_run_instance *ri, int m)
{
    b->n = 0;
    put(b, INST_MAGIC, 8);
    put_i32(b, 0x01020304);     /* byte order */
    put(b, &fp, sizeof fp);
    put_i64(b, k);
    put_i64(b, i);
    put_i64(b, ri->diverged_at);
    const qnn_consts *c = &ri->consts;
    put_i32(b, c->n);
    put_i32(b, c->L);
    put_i32(b, c->m);
    const double cd[] = { c->D, c->gamma, c->eta, c->sigma_theta, c->trO, c->trO2, c->trO4,
                          c->H_op2_sum, c->loss_scale, c->dt };
    for (size_t j = 0; j < sizeof cd / sizeof cd[0]; j++)
        put_f64(b, cd[j]);
    put_i32(b, m);
    put_i32(b, ri->resid != NULL);
    put_i64(b, (int64_t)ri->nrec);
    for (size_t r = 0; r < ri->nrec; r++) {
        const qnn_obs *o = &ri->rec[r];
        put_i64(b, o->step);
        put_i32(b, o->event);
        for (size_t j = 0; j < NOBSD; j++)
            put_f64(b, obs_field(o, obs_doubles[j]));
    }
    const size_t mm = (size_t)m * (size_t)m;
    put(b, ri->K0, mm * sizeof(double));
    put(b, ri->eig0, (size_t)m * sizeof(double));
    if (ri->resid)
        put(b, ri->resid, ri->nrec * (size_t)m * sizeof(double));
    put_i64(b, (int64_t)ri->nspec);
    for (size_t q = 0; q < ri->nspec; q++) {
        const qnn_spectrum_rec *sp = &ri->spec[q];
        put_i64(b, sp->step);
        put_i32(b, sp->exact);
        put_i32(b, sp->upload);
        put_i64(b, (int64_t)sp->dim);
        put_i64(b, (int64_t)sp->n);
        put(b, sp->x, sp->n * sizeof(double));
        put(b, sp->w, sp->n * sizeof(double));
    }
    uint64_t h = sweep_fnv64(b->p, b->n, FNV_SEED);
    put(b, &h, sizeof h);
    return b->oom ? -1 : 0;
}

typedef struct rd {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rd;

static void get(rd *r, void *x, size_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        memset(x, 0, n);
        return;
    }
    memcpy(x, r->p + r->at, n);
    r->at += n;
}

static int64_t get_i64(rd *r) { int64_t v; get(r, &v, sizeof v); return v; }
static int32_t get_i32(rd *r) { int32_t v; get(r, &v, sizeof v); return v; }
static double get_f64(rd *r) { double v; get(r, &v, sizeof v); return v; }

int sweep_check_file(const unsigned char *p, size_t n, uint64_t *fp, long *k, int *i, const char **why)
{
    if (n < 8 + 4 + 8 + 8 + 8 + 8 || memcmp(p, INST_MAGIC, 8) != 0) {
        *why = "not an instance file (or cut short)";
        return -1;
    }
    uint64_t h;
    memcpy(&h, p + n - 8, 8);
    if (sweep_fnv64(p, n - 8, FNV_SEED) != h) {
        *why = "its checksum does not match (damaged or cut short)";
        return -1;
    }
    rd r = { p, n - 8, 8, 0 };
    if (get_i32(&r) != 0x01020304) {
        *why = "written on a machine of the other byte order";
        return -1;
    }
    get(&r, fp, sizeof *fp);
    *k = (long)get_i64(&r);
    int64_t ii = get_i64(&r);
    *i = ii >= 0 && ii <= INT32_MAX ? (int)ii : -1;
    return 0;
}

/* Reads a whole instance file (checked with sweep_check_file) into *ri. p are
 * the point's parameters: the sizes must be those it produces. 0, or -1
 * with the reason. */
static int deserialise(const unsigned char *p, size_t n, const qnn_params *prm, qnn_run_instance *ri,
                       const char **why)
{
    memset(ri, 0, sizeof *ri);
    ri->diverged_at = -1;
    rd r = { p, n - 8, 8 + 4 + 8 + 8, 0 };
    ri->index = (int)get_i64(&r);
    ri->diverged_at = (long)get_i64(&r);
    qnn_consts *c = &ri->consts;
    c->n = get_i32(&r);
    c->L = get_i32(&r);
    c->m = get_i32(&r);
    double *cd[] = { &c->D, &c->gamma, &c->eta, &c->sigma_theta, &c->trO, &c->trO2, &c->trO4,
                     &c->H_op2_sum, &c->loss_scale, &c->dt };
    for (size_t j = 0; j < sizeof cd / sizeof cd[0]; j++)
        *cd[j] = get_f64(&r);
    const int m = get_i32(&r), has_resid = get_i32(&r);
    const int64_t nrec = get_i64(&r);
    long T;
    int every;
    qnn_params_records(prm, &T, &every);
    if (r.bad || m != qnn_run_outputs(prm) || has_resid != (prm->record_residuals != 0) || nrec < 1 ||
        nrec > T / every + 2) {
        *why = "its sizes do not belong to this point's parameters";
        return -1;
    }
    ri->nrec = (size_t)nrec;
    const size_t mm = (size_t)m * (size_t)m;
    ri->rec = calloc(ri->nrec, sizeof *ri->rec);
    ri->K0 = malloc(mm * sizeof(double));
    ri->eig0 = malloc((size_t)m * sizeof(double));
    ri->resid = has_resid ? malloc(ri->nrec * (size_t)m * sizeof(double)) : NULL;
    if (!ri->rec || !ri->K0 || !ri->eig0 || (has_resid && !ri->resid)) {
        qnn_run_instance_clear(ri);
        *why = "out of memory";
        return -1;
    }
    for (size_t q = 0; q < ri->nrec; q++) {
        qnn_obs *o = &ri->rec[q];
        o->step = (long)get_i64(&r);
        o->event = get_i32(&r);
        for (size_t j = 0; j < NOBSD; j++) {
            double v = get_f64(&r);
            memcpy((char *)o + obs_doubles[j], &v, sizeof v);
        }
    }
    get(&r, ri->K0, mm * sizeof(double));
    get(&r, ri->eig0, (size_t)m * sizeof(double));
    if (ri->resid)
        get(&r, ri->resid, ri->nrec * (size_t)m * sizeof(double));
    int64_t nspec = get_i64(&r);
    if (r.bad || nspec < 0 || nspec > nrec + T + 1) {
        qnn_run_instance_clear(ri);
        *why = "its spectra do not fit";
        return -1;
    }
    if (nspec > 0) {
        ri->spec = calloc((size_t)nspec, sizeof *ri->spec);
        if (!ri->spec) {
            qnn_run_instance_clear(ri);
            *why = "out of memory";
            return -1;
        }
    }
    for (int64_t q = 0; q < nspec && !r.bad; q++) {
        qnn_spectrum_rec *sp = &ri->spec[q];
        ri->nspec++;
        sp->step = (long)get_i64(&r);
        sp->exact = get_i32(&r);
        sp->upload = get_i32(&r);
        int64_t dim = get_i64(&r), ns = get_i64(&r);
        if (r.bad || dim < 0 || ns < 0 || (uint64_t)ns > (r.n - r.at) / 16) {
            r.bad = 1;
            break;
        }
        sp->dim = (size_t)dim;
        sp->n = (size_t)ns;
        sp->x = malloc((size_t)ns * sizeof(double) + 1);
        sp->w = malloc((size_t)ns * sizeof(double) + 1);
        if (!sp->x || !sp->w) {
            qnn_run_instance_clear(ri);
            *why = "out of memory";
            return -1;
        }
        get(&r, sp->x, sp->n * sizeof(double));
        get(&r, sp->w, sp->n * sizeof(double));
    }
    if (r.bad || r.at != r.n) {
        qnn_run_instance_clear(ri);
        *why = "its contents do not add up to its size";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Files and directories                                                    */
/* ------------------------------------------------------------------------ */

void sweep_inst_path(const char *dir, long k, int i, char *out, size_t len)
{
    snprintf(out, len, "%s/points/%04ld/inst/%06d.qi", dir, k, i);
}

static int mkdir_one(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
    }
    return -1;
}

int sweep_mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = tmp + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir_one(tmp) != 0)
                return -1;
            *s = '/';
        }
    return mkdir_one(tmp);
}

int sweep_write_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen)
{
    afile a;
    int rc = afile_open(&a, path, err, errlen);
    if (rc != AFILE_OK)
        return rc;
    errno = 0;
    if (n > 0 && fwrite(data, 1, n, a.f) != n) {
        snprintf(err, errlen, "cannot write '%s': %s", a.tmp, strerror(errno ? errno : EIO));
        afile_abort(&a);
        return AFILE_EIO;
    }
    return afile_commit(&a, err, errlen);
}

const char *sweep_file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "not a regular file";
    }
}

int sweep_check_kind(const char *path, int dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;   /* absent (or a dangling link: the writer replaces it) */
    if (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
        return 0;
    snprintf(err, errlen, "'%s' is %s, not %s", path, sweep_file_kind((unsigned)st.st_mode),
             dir ? "a directory" : "a regular file");
    return -1;
}

int sweep_read_all(const char *path, size_t max, unsigned char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    /* O_NONBLOCK: a FIFO put in the place of the file opens without a
     * writer (and is refused below) instead of hanging here */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    unsigned char *p = malloc((size_t)st.st_size + 1);
    if (!p) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    p[got] = 0;
    *data = p;
    *n = got;
    return 0;
}

int sweep_load_instance(const char *dir, long k, int i, uint64_t fp, const qnn_params *prm,
                        qnn_run_instance *ri, const char **why)
{
    char path[PATH_MAX + 64];
    sweep_inst_path(dir, k, i, path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 1;
    } else if (!S_ISREG(st.st_mode)) {
        static _Thread_local char kind[64];
        snprintf(kind, sizeof kind, "it is %s, not a regular file", sweep_file_kind((unsigned)st.st_mode));
        *why = kind;
        return -2;
    }
    unsigned char *data;
    size_t n;
    if (sweep_read_all(path, INST_MAX_BYTES, &data, &n) != 0) {
        if (errno == ENOENT)
            return 1;
        if (errno == EINVAL) {   /* replaced by something else since the stat */
            *why = "it is not a regular file";
            return -2;
        }
        *why = errno == EFBIG ? "it is too large to be an instance file" : "it cannot be read";
        return -1;
    }
    uint64_t ffp;
    long fk;
    int fi;
    int rc = sweep_check_file(data, n, &ffp, &fk, &fi, why);
    if (rc == 0 && (ffp != fp || fk != k || fi != i)) {
        *why = "it belongs to another point, instance or sweep";
        rc = -1;
    }
    if (rc == 0 && ri)
        rc = deserialise(data, n, prm, ri, why);
    free(data);
    return rc;
}
