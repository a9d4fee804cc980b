/* qnn_soak_judge (app/soak.h), the verdict of `qnnlab bench --soak`, on
 * synthetic samples: flat ones, a one-time step (an allocator growing its
 * arena, a resident high-water mark), noise, the history's record count
 * rising and falling, and true linear growth. The old verdict (the largest
 * resident size of the second half against the first) called the step a
 * leak: issue 22 item 13. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "soak.h"

#include <math.h>
#include <string.h>

#define MIB 1048576.0
#define N 10
static const double allow = 1.0 * MIB;

static void fill_steps(double *st, size_t n)
{
    for (size_t i = 0; i < n; i++)
        st[i] = 10000.0 * (double)(i + 1);
}

/* Deterministic noise in [-1, 1]. */
static double noise(size_t i)
{
    static const double z[] = {0.31, -0.82, 0.55, -0.12, 0.97, -0.64, 0.08, -0.45, 0.73, -0.29,
                               0.18, -0.91, 0.42, -0.07, 0.66, -0.38, 0.85, -0.53, 0.02, -0.76};
    return z[i % (sizeof z / sizeof z[0])];
}

/* The verdict before issue 22: the largest sample of the second half
 * exceeds the largest of the first by more than the allowance. */
static int old_rule(const double *y, size_t n)
{
    double m1 = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) {
        double *m = i < n / 2 ? &m1 : &m2;
        *m = y[i] > *m ? y[i] : *m;
    }
    return m2 - m1 > allow;
}

static int judge(const double *st, const double *rec, const double *y, size_t n, qnn_soak_fit *f)
{
    assert_int_equal(qnn_soak_judge(st, rec, y, n, 1, allow, f), 0);
    assert_int_equal(f->n, n - 1);
    return f->leak;
}

static void test_flat(void **state)
{
    (void)state;
    double st[N], y[N];
    fill_steps(st, N);
    for (size_t i = 0; i < N; i++)
        y[i] = 20.0 * MIB;
    qnn_soak_fit f;
    assert_false(judge(st, NULL, y, N, &f));
    assert_true(fabs(f.growth) < 1.0);
    assert_false(f.noisy);
}

/* flat with a one-time step of 1.5 MiB (and 3 MiB) in the second half */
static void test_step_is_not_a_leak(void **state)
{
    (void)state;
    double st[N], y[N];
    fill_steps(st, N);
    for (double step = 1.5; step <= 3.0; step += 1.5) {
        for (size_t i = 0; i < N; i++)
            y[i] = 18.3 * MIB + (i >= 6 ? step * MIB : 0.0) + 0.01 * MIB * noise(i);
        assert_true(old_rule(y, N));   /* the old verdict: a leak */
        qnn_soak_fit f;
        assert_false(judge(st, NULL, y, N, &f));
        assert_true(fabs(f.jump - step * MIB) < 0.05 * MIB);
        assert_true(f.jump_at == st[6]);
        assert_true(fabs(f.jump_growth) < 0.05 * MIB);
        if (step > 2.0)   /* a line alone would call this one a leak */
            assert_true(f.growth - 2.0 * f.se > allow);
    }
}

/* the samples of the run the issue reports (bench --soak --steps 100000
 * --every 10000): the resident size follows the history's high-water
 * mark; the old rule saw a 1.14 MiB leak */
static void test_issue_samples(void **state)
{
    (void)state;
    double st[N];
    fill_steps(st, N);
    const double rss[N] = {18.31, 18.39, 18.77, 18.38, 19.34, 20.48, 18.41, 19.05, 19.91, 19.91};
    const double heap[N] = {2.699, 2.699, 3.082, 2.696, 2.887, 3.078, 2.601, 2.696, 2.792, 2.887};
    const double rec[N] = {1250, 1250, 1875, 1250, 1563, 1875, 1094, 1250, 1407, 1563};
    double r[N], h[N];
    for (size_t i = 0; i < N; i++) {
        r[i] = rss[i] * MIB;
        h[i] = heap[i] * MIB;
    }
    assert_true(old_rule(r, N));
    qnn_soak_fit f;
    assert_false(judge(st, rec, r, N, &f));
    assert_false(judge(st, rec, h, N, &f));
    /* the heap follows the records: about 640 B each, no growth */
    assert_true(f.per_record > 500.0 && f.per_record < 800.0);
    assert_true(fabs(f.growth) < 0.05 * MIB);
}

/* flat with noise of ± 0.8 MiB */
static void test_noise_is_not_a_leak(void **state)
{
    (void)state;
    double st[20], y[20];
    fill_steps(st, 20);
    for (size_t i = 0; i < 20; i++)
        y[i] = 30.0 * MIB + 0.8 * MIB * noise(i);
    qnn_soak_fit f;
    assert_false(judge(st, NULL, y, 20, &f));
    /* the standard error comes from the scatter (about 0.5 MiB here):
     * sqrt(12 / 19) times it for the growth over the span */
    assert_true(f.se > 0.1 * MIB && f.se < 1.0 * MIB);
    assert_true(f.noisy);   /* too noisy to resolve 1 MiB: the command leaves it unjudged */
}

/* growth with the records only (the history filling and thinning) */
static void test_records_are_not_a_leak(void **state)
{
    (void)state;
    double st[N], y[N], rec[N];
    fill_steps(st, N);
    for (size_t i = 0; i < N; i++) {
        rec[i] = 1024.0 + (double)((i * 389) % 1024);
        y[i] = 2.0 * MIB + 4096.0 * rec[i] + 0.001 * MIB * noise(i);
    }
    qnn_soak_fit f;
    assert_false(judge(st, rec, y, N, &f));
    assert_true(fabs(f.per_record - 4096.0) < 50.0);
}

/* a true leak: 5 MiB over the samples, with noise, with a step beside it,
 * with the records varying, and with only five samples */
static void test_linear_growth_is_a_leak(void **state)
{
    (void)state;
    double st[N], y[N], rec[N];
    fill_steps(st, N);
    qnn_soak_fit f;
    for (size_t i = 0; i < N; i++)
        y[i] = 20.0 * MIB + 5.0 * MIB * (double)i / (N - 1) + 0.1 * MIB * noise(i);
    assert_true(judge(st, NULL, y, N, &f));
    assert_true(fabs(f.growth - 5.0 * MIB * 8.0 / 9.0) < 0.3 * MIB);
    for (size_t i = 0; i < N; i++)
        y[i] += i >= 4 ? 2.0 * MIB : 0.0;
    assert_true(judge(st, NULL, y, N, &f));
    for (size_t i = 0; i < N; i++) {
        rec[i] = 1024.0 + (double)((i * 389) % 1024);
        y[i] = 2.0 * MIB + 640.0 * rec[i] + 4.0 * MIB * (double)i / (N - 1) + 0.05 * MIB * noise(i);
    }
    assert_true(judge(st, rec, y, N, &f));
    for (size_t i = 0; i < 5; i++)
        y[i] = 20.0 * MIB + 3.0 * MIB * (double)i + 0.01 * MIB * noise(i);
    assert_true(judge(st, NULL, y, 5, &f));
    /* growth below the allowance is allowed */
    for (size_t i = 0; i < N; i++)
        y[i] = 20.0 * MIB + 0.5 * MIB * (double)i / (N - 1) + 0.001 * MIB * noise(i);
    assert_false(judge(st, NULL, y, N, &f));
}

/* records that grow with the steps (the history filling up) cannot be
 * told from the steps: left out, the growth is the measure's own */
static void test_records_in_step_with_the_steps(void **state)
{
    (void)state;
    double st[6], rec[6], y[6];
    fill_steps(st, 6);
    for (size_t i = 0; i < 6; i++) {
        rec[i] = st[i] / 1000.0;
        y[i] = 1.6 * MIB + 200.0 * rec[i];
    }
    qnn_soak_fit f;
    assert_false(judge(st, rec, y, 6, &f));
    assert_true(f.per_record == 0.0);
    assert_true(fabs(f.growth - 200.0 * (rec[5] - rec[1])) < 1.0);
    for (size_t i = 0; i < 6; i++)
        y[i] = 1.6 * MIB + 1.0 * MIB * rec[i];
    assert_true(judge(st, rec, y, 6, &f));
}

static void test_too_few_samples(void **state)
{
    (void)state;
    double st[3] = {1, 2, 3}, y[3] = {1, 2, 3};
    qnn_soak_fit f;
    assert_int_equal(qnn_soak_judge(st, NULL, y, 3, 1, allow, &f), -1);
    assert_false(f.leak);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat),
        cmocka_unit_test(test_step_is_not_a_leak),
        cmocka_unit_test(test_issue_samples),
        cmocka_unit_test(test_noise_is_not_a_leak),
        cmocka_unit_test(test_records_are_not_a_leak),
        cmocka_unit_test(test_linear_growth_is_a_leak),
        cmocka_unit_test(test_records_in_step_with_the_steps),
        cmocka_unit_test(test_too_few_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
