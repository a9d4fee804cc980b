/* Kernel threads (engine/src/par.c): the fixed partition of qnn_par_for,
 * qnn_par_sum's chunk-ordered sums (bit for bit the serial sum), the team
 * started and stopped again and again, nested calls; then the kernels that
 * split their work (Pauli rotation, inner product, 2-qubit gate) give the
 * same bits for 1, 2 and 3 threads at every SIMD level, and so does a whole run of the random
 * model (one instance, n = 15, brickwork entangler, threads 1 vs 2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/gate2.h"
#include "qnn/par.h"
#include "qnn/run.h"
#include "qnn/simd.h"
#include "qnn/statevec.h"
#include "reference.h"

#define MAXR 4096

/* The ranges one call handed out, recorded by whichever thread ran them. */
typedef struct rec_ctx {
    atomic_int n;
    size_t b[MAXR], e[MAXR];
} rec_ctx;

static void rec_fn(void *v, size_t b, size_t e)
{
    rec_ctx *r = v;
    int k = atomic_fetch_add(&r->n, 1);
    if (k < MAXR) {
        r->b[k] = b;
        r->e[k] = e;
    }
}

/* Sorts the recorded ranges by start (insertion sort: few of them). */
static void sort_ranges(rec_ctx *r)
{
    int n = atomic_load(&r->n);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && r->b[j - 1] > r->b[j]; j--) {
            size_t tb = r->b[j], te = r->e[j];
            r->b[j] = r->b[j - 1];
            r->e[j] = r->e[j - 1];
            r->b[j - 1] = tb;
            r->e[j - 1] = te;
        }
}

/* Ranges cover [0, count) without overlap, start on grain multiples, are
 * non-empty, at most one per thread, and are the same on a second call. */
static void test_partition(void **state)
{
    (void)state;
    static rec_ctx r1, r2;
    const size_t counts[] = {1, 2, 7, 63, 64, 65, 1000, 4096, 100003};
    const size_t grains[] = {1, 4, 64, 1024};
    for (int T = 1; T <= 4; T++) {
        qnn_par_set_threads(T);
        assert_int_equal(qnn_par_threads(), T);
        for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++)
            for (size_t gi = 0; gi < sizeof grains / sizeof *grains; gi++) {
                const size_t count = counts[ci], grain = grains[gi];
                atomic_store(&r1.n, 0);
                atomic_store(&r2.n, 0);
                qnn_par_for(count, grain, rec_fn, &r1);
                qnn_par_for(count, grain, rec_fn, &r2);
                sort_ranges(&r1);
                sort_ranges(&r2);
                const int n = atomic_load(&r1.n);
                assert_true(n >= 1 && n <= T);
                assert_int_equal(n, atomic_load(&r2.n));
                if (count < 2 * grain || T == 1)
                    assert_int_equal(n, 1);
                size_t at = 0;
                for (int k = 0; k < n; k++) {
                    assert_int_equal(r1.b[k], at);
                    assert_true(r1.e[k] > r1.b[k]);
                    assert_int_equal(r1.b[k] % grain, 0);
                    assert_int_equal(r1.b[k], r2.b[k]);
                    assert_int_equal(r1.e[k], r2.e[k]);
                    at = r1.e[k];
                }
                assert_int_equal(at, count);
            }
    }
    qnn_par_set_threads(1);
}

/* Values that make rounding depend on the order of addition. */
static void sum_fn(void *ctx, size_t b, size_t e, double *acc)
{
    const double *x = ctx;
    for (size_t i = b; i < e; i++) {
        acc[0] += x[i];
        acc[1] += x[i] * x[i];
        acc[2] -= 0.5 * x[i];
    }
}

static void test_sum_bits(void **state)
{
    (void)state;
    const size_t C = QNN_PAR_CHUNK;
    const size_t counts[] = {0, 1, C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1, 5 * C + 17, 70 * C + 3};
    const size_t N = 70 * C + 3;
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < N; i++)
        x[i] = sin(1.0 + 0.37 * (double)i) * exp((double)(i % 29) - 14.0);
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
        const size_t count = counts[ci];
        /* the serial sum, spelled out: chunk sums added in chunk order */
        double want[3] = {0, 0, 0};
        for (size_t b = 0; b < count; b += C) {
            size_t e = count - b < C ? count : b + C;
            double acc[8] = {0};
            sum_fn(x, b, e, acc);
            for (int i = 0; i < 3; i++)
                want[i] += acc[i];
        }
        for (int T = 1; T <= 4; T++) {
            qnn_par_set_threads(T);
            double got[3] = {-1, -1, -1};
            qnn_par_sum(count, 3, sum_fn, x, got);
            assert_memory_equal(got, want, sizeof want);
        }
    }
    qnn_par_set_threads(1);
    free(x);
}

static void add_one(void *ctx, size_t b, size_t e)
{
    int *v = ctx;
    for (size_t i = b; i < e; i++)
        v[i] += 1;
}

/* Teams started and stopped many times, thread counts changed between
 * calls, each call's work done exactly once. */
static void test_team_restart(void **state)
{
    (void)state;
    enum { N = 5000 };
    int *v = calloc(N, sizeof *v);
    assert_non_null(v);
    int rounds = 0;
    for (int r = 0; r < 40; r++) {
        qnn_par_set_threads(1 + r % 4);
        for (int k = 0; k < 5; k++, rounds++)
            qnn_par_for(N, 16, add_one, v);
        if (r % 3 == 0)
            qnn_par_set_threads(1);
    }
    qnn_par_set_threads(1);
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i], rounds);
    free(v);
}

typedef struct nest_ctx {
    int *v;
    atomic_int ranges;
} nest_ctx;

static void inner_fn(void *ctx, size_t b, size_t e)
{
    nest_ctx *c = ctx;
    atomic_fetch_add(&c->ranges, 1);
    for (size_t i = b; i < e; i++)
        c->v[i] += 1;
}

static void outer_fn(void *ctx, size_t b, size_t e)
{
    nest_ctx *c = ctx;
    (void)b;
    (void)e;
    /* a nested call must run as one range on this thread; only the owner's
     * range touches the array, so nothing races */
    if (b == 0)
        qnn_par_for(1000, 1, inner_fn, c);
}

static void test_nested_serial(void **state)
{
    (void)state;
    int *v = calloc(1000, sizeof *v);
    assert_non_null(v);
    nest_ctx c = {v, 0};
    qnn_par_set_threads(3);
    qnn_par_for(300, 1, outer_fn, &c);
    qnn_par_set_threads(1);
    assert_int_equal(atomic_load(&c.ranges), 1);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], 1);
    free(v);
}

/* The kernels at n = 16 give the same bits for 1, 2 and 3 threads (at
 * the SIMD level in force). */
static void kernels_bits(void)
{
    const int n = 16;
    const size_t D = (size_t)1 << n;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    qnn_cplx *psi0 = malloc(D * sizeof *psi0);
    qnn_cplx *out[3], *aux[3];
    qnn_cplx inner[3][8] = {{0}};
    double dots[3][3];
    for (int i = 0; i < 3; i++) {
        out[i] = malloc(D * sizeof(qnn_cplx));
        aux[i] = malloc(D * sizeof(qnn_cplx));
        assert_true(out[i] && aux[i]);
    }
    ref_random_state(rng, D, psi0);
    const char *strings[] = {"XIZYIIXZYIIZXIYZ", "IIIIIIIIIIIIIIIX", "ZIIIIIIIZIIIIZIZ",
                             "YYYYYYYYYYYYYYYY", "XIIIIIIIIIIIIIII", "IIIIIIIIIIIYXIII"};
    qnn_cplx g[16];
    for (int k = 0; k < 16; k++)
        g[k] = CMPLX(gsl_rng_uniform(rng) - 0.5, gsl_rng_uniform(rng) - 0.5);
    const int pairs[][2] = {{0, 1}, {1, 0}, {3, 9}, {15, 2}, {14, 15}};
    for (int T = 1; T <= 3; T++) {
        qnn_par_set_threads(T);
        qnn_cplx *v = out[T - 1];
        memcpy(v, psi0, D * sizeof *v);
        for (size_t s = 0; s < sizeof strings / sizeof *strings; s++) {
            qnn_pauli p;
            assert_int_equal(qnn_pauli_parse(strings[s], n, &p), 0);
            qnn_pauli_rotate(p, n, 0.3 + 0.1 * (double)s, v);
            inner[T - 1][s] = qnn_pauli_inner(p, n, psi0, v);
        }
        for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
            qnn_gate2_apply(v, n, pairs[k][0], pairs[k][1], g, (int)(k & 1));
        qnn_pauli p;
        assert_int_equal(qnn_pauli_parse(strings[0], n, &p), 0);
        qnn_pauli_apply(p, n, v, aux[T - 1]);
        qnn_cplx d = qnn_vec_dot(D, psi0, aux[T - 1]);
        dots[T - 1][0] = creal(d);
        dots[T - 1][1] = cimag(d);
        dots[T - 1][2] = qnn_vec_norm2(D, v) + qnn_pauli_expect(p, n, v);
    }
    qnn_par_set_threads(1);
    for (int T = 2; T <= 3; T++) {
        assert_memory_equal(out[0], out[T - 1], D * sizeof(qnn_cplx));
        assert_memory_equal(aux[0], aux[T - 1], D * sizeof(qnn_cplx));
        assert_memory_equal(inner[0], inner[T - 1], sizeof inner[0]);
        assert_memory_equal(dots[0], dots[T - 1], sizeof dots[0]);
    }
    for (int i = 0; i < 3; i++) {
        free(out[i]);
        free(aux[i]);
    }
    free(psi0);
    gsl_rng_free(rng);
}

static void test_kernels_bits(void **state)
{
    (void)state;
    for (int level = 0; level <= qnn_simd_max(); level++) {
        qnn_simd_set(level);
        kernels_bits();
    }
    qnn_simd_set(-1);
}

/* A whole run: one instance at n = 15 with a brickwork entangler, threads
 * 1 and 2 (the second gives the instance 2 kernel threads): the same bits
 * in every record, residual and the initial kernel. */
static void test_run_bits(void **state)
{
    (void)state;
    const char *kv1[] = {"model", "random", "n", "15", "L", "3", "entangler", "brickwork", "depth", "2",
                         "m", "1", "steps", "3", "instances", "1", "record_residuals", "1",
                         "threads", "1", "seed", "5", NULL};
    const char *kv2[] = {"model", "random", "n", "15", "L", "3", "entangler", "brickwork", "depth", "2",
                         "m", "1", "steps", "3", "instances", "1", "record_residuals", "1",
                         "threads", "2", "seed", "5", NULL};
    qnn_run *a = ref_run(kv1), *b = ref_run(kv2);
    assert_int_equal(qnn_par_threads(), 1); /* the runner gave its own count back */
    const qnn_run_instance *ia = &a->inst[0], *ib = &b->inst[0];
    assert_int_equal(ia->nrec, ib->nrec);
    assert_true(ia->nrec >= 2);
    for (size_t r = 0; r < ia->nrec; r++) {
        const qnn_obs *x = &ia->rec[r], *y = &ib->rec[r];
        assert_int_equal(x->step, y->step);
        assert_memory_equal(&x->eps, &y->eps, sizeof x->eps);
        assert_memory_equal(&x->loss, &y->loss, sizeof x->loss);
        assert_memory_equal(&x->kernel, &y->kernel, sizeof x->kernel);
        assert_memory_equal(&x->grad_norm, &y->grad_norm, sizeof x->grad_norm);
        assert_memory_equal(&x->yhat0, &y->yhat0, sizeof x->yhat0);
        assert_memory_equal(&x->laziness, &y->laziness, sizeof x->laziness);
    }
    assert_non_null(ia->resid);
    assert_memory_equal(ia->resid, ib->resid, ia->nrec * sizeof(double));
    assert_memory_equal(ia->K0, ib->K0, sizeof(double));
    qnn_run_free(a);
    qnn_run_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition),
        cmocka_unit_test(test_sum_bits),
        cmocka_unit_test(test_team_restart),
        cmocka_unit_test(test_nested_serial),
        cmocka_unit_test(test_kernels_bits),
        cmocka_unit_test(test_run_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
