/* Timing for `qnnlab bench`: repeats of a call timed with CLOCK_MONOTONIC
 * after an untimed warm-up, their median, min and max, and the machine
 * the numbers were taken on (CPU, cores, memory, BLAS). */
#include "bench_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Settings, timing, statistics                                             */
/* ------------------------------------------------------------------------ */

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

stat3 bench_stat_of(const double *v, int n)
{
    stat3 s = {NAN, NAN, NAN, n};
    if (n <= 0)
        return s;
    double *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return s;
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    s.min = t[0];
    s.max = t[n - 1];
    s.med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
    return s;
}

double bench_timed_repeat(work_fn f, void *ctx, long k, double min_time)
{
    double a = bench_now_s();
    for (long i = 0; i < k; i++)
        f(ctx);
    double b = bench_now_s();
    long done = k;
    while (b - a < min_time) {
        f(ctx);
        done++;
        b = bench_now_s();
    }
    return (b - a) / (double)done;
}

long bench_calibrate(work_fn f, void *ctx, const bench_opts *o, double *per_out)
{
    long nw = 0;
    double t0 = bench_now_s(), t;
    do {
        f(ctx);
        nw++;
        t = bench_now_s();
    } while (t - t0 < o->warm_time);
    const double per = (t - t0) / (double)nw;
    if (per_out)
        *per_out = per;
    long k = per > 0.0 ? (long)ceil(o->min_time / per) : 1;
    return k < 1 ? 1 : k;
}

int bench_time_calls(work_fn f, void *ctx, const bench_opts *o, int warm, double *sec, long *calls)
{
    int reps = o->repeats, r = 0;
    double per;
    if (warm) {
        bench_calibrate(f, ctx, o, &per);
    } else {
        /* the first call is the calibration; it counts when it is long enough */
        double a = bench_now_s();
        f(ctx);
        per = bench_now_s() - a;
        if (per >= o->min_time)
            sec[r++] = per;
    }
    if (o->quick && per > SLOW_CALL_S)
        reps = 1;
    long k = per > 0.0 ? (long)ceil(o->min_time / per) : 1;
    if (k < 1)
        k = 1;
    if (calls)
        *calls = k;
    for (; r < reps; r++)
        sec[r] = bench_timed_repeat(f, ctx, k, o->min_time);
    return reps;
}

/* ------------------------------------------------------------------------ */
/* Machine                                                                  */
/* ------------------------------------------------------------------------ */

double bench_meminfo_bytes(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0.0;
    char line[256];
    double v = 0.0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtod(line + kl + 1, NULL) * 1024.0;
            break;
        }
    fclose(f);
    return v;
}

void bench_machine_probe(machine *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->cpu, sizeof m->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    size_t l = strcspn(c, "\n");
                    snprintf(m->cpu, sizeof m->cpu, "%.*s", (int)l, c);
                }
                break;
            }
        }
        fclose(f);
    }
    m->cores = sysconf(_SC_NPROCESSORS_ONLN);
    m->mem_total = bench_meminfo_bytes("MemTotal");
    m->mem_avail = bench_meminfo_bytes("MemAvailable");
    const char *core = openblas_get_corename();
    snprintf(m->blas, sizeof m->blas, "OpenBLAS (%s kernels)", core ? core : "?");
}

