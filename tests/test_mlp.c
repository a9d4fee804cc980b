/* The classical MLP (qnn/mlp.h; LLJ App. A): the forward pass against a
 * plain per-sample loop over the documented θ layout, the gradient and
 * the Hessian-vector product against finite differences, the closed-form
 * Hessian and NTK of a one-layer linear network, the NTK against J Λ Jᵀ,
 * LeCun statistics, a gradient-descent step against its Taylor expansion,
 * and the data sets. Fixed seeds throughout.
 *
 * Finite-difference tolerances. A central difference of a smooth f with
 * step h errs by h² |f'''| / 6 (truncation) plus about ε |f| / h (rounding,
 * ε = 2.2e-16). The test networks are moderate (widths <= 6, LeCun weights,
 * inputs N(0, 1); |ℒ| and the derivatives up to a few 10², as printed), so with
 * h = 1e-5 and |f'''| <= 10³ the truncation is <= 1e-10 · 10³ / 6 ≈ 2e-8
 * and the rounding ≈ 2e-16 · 10² / 1e-5 ≈ 2e-9: a bound of 1e-6, relative
 * to max(1, |value|), leaves a margin of ~50 over this estimate and of ~20
 * over the largest error measured (5e-8), while a wrong term (a missing
 * σ'', a transposed W, a factor γ) errs at O(1). The relu networks are
 * piecewise polynomial: with these seeds no preactivation lies within h of
 * the kink, which would show as an O(1) error on the parameters feeding it.
 * Printed below: the measured errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "qnn/status.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "qnn/mlp.h"

void openblas_set_num_threads(int);

static const qnn_mlp_act ACTS[4] = { QNN_MLP_TANH, QNN_MLP_RELU, QNN_MLP_LINEAR, QNN_MLP_QUADRATIC };

/* ----- Slow references ------------------------------------------------- */

static double ref_sigma(qnn_mlp_act act, double z)
{
    switch (act) {
    case QNN_MLP_TANH: return tanh(z);
    case QNN_MLP_RELU: return z > 0.0 ? z : 0.0;
    case QNN_MLP_LINEAR: return z;
    case QNN_MLP_QUADRATIC: return z * z;
    }
    return NAN;
}

/* ŷ of one sample, straight from Eq. 1 and the θ layout of the header:
 * W^(ℓ)_{ab} at off + a n_{ℓ-1} + b, then b^(ℓ). */
static void ref_forward(int L, const int *n, qnn_mlp_act act, double gamma, const double *th,
                        const double *x, double *y)
{
    double a[64], z[64];
    size_t off = 0;
    memcpy(a, x, (size_t)n[0] * sizeof(double));
    for (int l = 1; l <= L; l++) {
        const double *W = th + off, *b = th + off + (size_t)n[l] * (size_t)n[l - 1];
        for (int i = 0; i < n[l]; i++) {
            z[i] = b[i];
            for (int j = 0; j < n[l - 1]; j++)
                z[i] += W[i * n[l - 1] + j] * a[j];
        }
        off += (size_t)n[l] * (size_t)(n[l - 1] + 1);
        for (int i = 0; i < n[l]; i++)
            a[i] = l < L ? ref_sigma(act, z[i]) : gamma * z[i];
    }
    memcpy(y, a, (size_t)n[L] * sizeof(double));
}

static double maxabs(size_t len, const double *a)
{
    double m = 0.0;
    for (size_t k = 0; k < len; k++)
        m = fmax(m, fabs(a[k]));
    return m;
}

static double maxdiff(size_t len, const double *a, const double *b)
{
    double m = 0.0;
    for (size_t k = 0; k < len; k++)
        m = fmax(m, fabs(a[k] - b[k]));
    return m;
}

static void gauss(gsl_rng *r, size_t len, double *x)
{
    for (size_t k = 0; k < len; k++)
        x[k] = gsl_ran_gaussian(r, 1.0);
}

/* A network, LeCun θ (C_W = 1.5, C_b = 0.2, so biases are not 0), and
 * N(0, 1) inputs and targets. For the quadratic activation C_W = 0.3:
 * z ↦ z² squares the scale per layer (E z⁴ = 3 (E z²)²), and at C_W = 1.5
 * the third layer's outputs reach ~10³ and the gradients ~10⁷. */
typedef struct fixture {
    qnn_mlp *m;
    size_t P, N;
    int nL;
    double *th, *X, *Y;
} fixture;

static fixture make(int L, const int *w, qnn_mlp_act act, double gamma, size_t N, unsigned long seed)
{
    fixture f;
    char err[200];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    f.m = qnn_mlp_new(L, w, act, gamma, N, err, sizeof err);
    assert_non_null(f.m);
    f.P = qnn_mlp_n_params(f.m);
    f.N = N;
    f.nL = w[L];
    f.th = malloc(f.P * sizeof(double));
    f.X = malloc(N * (size_t)w[0] * sizeof(double));
    f.Y = malloc(N * (size_t)w[L] * sizeof(double));
    assert_int_equal(qnn_mlp_init(f.m, f.th, act == QNN_MLP_QUADRATIC ? 0.3 : 1.5, 0.2, r, err, sizeof err), 0);
    gauss(r, N * (size_t)w[0], f.X);
    gauss(r, N * (size_t)w[L], f.Y);
    gsl_rng_free(r);
    return f;
}

static void unmake(fixture *f)
{
    qnn_mlp_free(f->m);
    free(f->th);
    free(f->X);
    free(f->Y);
}

static double loss_at(fixture *f, const double *th, double c)
{
    double L;
    assert_int_equal(qnn_mlp_loss_grad(f->m, th, f->N, f->X, f->Y, c, &L, NULL, NULL, 0), 0);
    return L;
}

/* ----- Layout and forward ---------------------------------------------- */

/* widths 3, 5, 2: P = 5·4 + 2·6 = 32; W^(1) at 0, b^(1) at 15, W^(2) at
 * 20, b^(2) at 30; ntk λ = 1/3 on W^(1), 1/5 on W^(2), 1 on biases. */
static void test_layout(void **state)
{
    (void)state;
    const int w[3] = { 3, 5, 2 };
    qnn_mlp *m = qnn_mlp_new(2, w, QNN_MLP_TANH, 1.0, 4, NULL, 0);
    assert_non_null(m);
    assert_int_equal((int)qnn_mlp_n_params(m), 32);
    assert_int_equal(qnn_mlp_depth(m), 2);
    assert_int_equal(qnn_mlp_widths(m)[2], 2);
    qnn_mlp_layer li;
    assert_int_equal(qnn_mlp_layer_info(m, 1, &li), 0);
    assert_true(li.w_off == 0 && li.b_off == 15 && li.fan_in == 3 && li.fan_out == 5);
    assert_int_equal(qnn_mlp_layer_info(m, 2, &li), 0);
    assert_true(li.w_off == 20 && li.b_off == 30 && li.fan_in == 5 && li.fan_out == 2);
    assert_int_equal(qnn_mlp_layer_info(m, 0, &li), -1);
    assert_int_equal(qnn_mlp_layer_info(m, 3, &li), -1);
    int layer[32];
    unsigned char isw[32];
    double lam[32];
    qnn_mlp_param_tags(m, layer, isw);
    assert_int_equal(qnn_mlp_lambda(m, QNN_MLP_LR_NTK, lam, NULL, 0), 0);
    for (int mu = 0; mu < 32; mu++) {
        const int l = mu < 20 ? 1 : 2, wt = mu < 15 || (mu >= 20 && mu < 30);
        assert_int_equal(layer[mu], l);
        assert_int_equal(isw[mu], wt);
        assert_true(lam[mu] == (wt ? 1.0 / w[l - 1] : 1.0));
    }
    assert_int_equal(qnn_mlp_lambda(m, QNN_MLP_LR_STANDARD, lam, NULL, 0), 0);
    for (int mu = 0; mu < 32; mu++)
        assert_true(lam[mu] == 1.0);
    qnn_mlp_act a;
    for (int k = 0; k < 4; k++) {
        assert_int_equal(qnn_mlp_act_parse(qnn_mlp_act_name(ACTS[k]), &a), 0);
        assert_int_equal(a, ACTS[k]);
    }
    assert_int_equal(qnn_mlp_act_parse("sigmoid", &a), -1);
    qnn_mlp_free(m);
}

/* The batched forward pass against the per-sample loop, every activation:
 * the same sums in a different order, so rounding only (1e-13 for O(1)
 * values of depth 3). */
static void test_forward_reference(void **state)
{
    (void)state;
    const int w[4] = { 3, 5, 4, 2 };
    for (int k = 0; k < 4; k++) {
        fixture f = make(3, w, ACTS[k], 0.7, 7, 100 + (unsigned long)k);
        double Yh[14], y[2];
        assert_int_equal(qnn_mlp_forward(f.m, f.th, 7, f.X, Yh, NULL, 0), 0);
        for (int al = 0; al < 7; al++) {
            ref_forward(3, w, ACTS[k], 0.7, f.th, f.X + 3 * al, y);
            for (int i = 0; i < 2; i++)
                assert_true(fabs(Yh[2 * al + i] - y[i]) < 1e-13 * fmax(1.0, fabs(y[i])));
        }
        /* a smaller batch than max_batch uses the first rows only */
        double Y3[6];
        assert_int_equal(qnn_mlp_forward(f.m, f.th, 3, f.X, Y3, NULL, 0), 0);
        assert_true(maxdiff(6, Y3, Yh) == 0.0);
        unmake(&f);
    }
}

/* ----- Gradient and Hessian -------------------------------------------- */

/* ∇ℒ against central differences, h = 1e-5, every activation (see the
 * header comment for the 1e-6 bound). The loss itself against the
 * reference forward pass. */
static void test_gradient_fd(void **state)
{
    (void)state;
    const int w[4] = { 3, 5, 4, 2 };
    const double c = 1.3, h = 1e-5;
    for (int k = 0; k < 4; k++) {
        fixture f = make(3, w, ACTS[k], 0.7, 6, 200 + (unsigned long)k);
        double *g = malloc(f.P * sizeof(double)), *tp = malloc(f.P * sizeof(double)), L;
        assert_int_equal(qnn_mlp_loss_grad(f.m, f.th, 6, f.X, f.Y, c, &L, g, NULL, 0), 0);
        double want = 0.0, y[2];
        for (int al = 0; al < 6; al++) {
            ref_forward(3, w, ACTS[k], 0.7, f.th, f.X + 3 * al, y);
            for (int i = 0; i < 2; i++)
                want += 0.5 * c * (y[i] - f.Y[2 * al + i]) * (y[i] - f.Y[2 * al + i]);
        }
        assert_true(fabs(L - want) < 1e-13 * fmax(1.0, want));
        double worst = 0.0;
        for (size_t mu = 0; mu < f.P; mu++) {
            memcpy(tp, f.th, f.P * sizeof(double));
            tp[mu] += h;
            const double Lp = loss_at(&f, tp, c);
            tp[mu] -= 2.0 * h;
            const double fd = (Lp - loss_at(&f, tp, c)) / (2.0 * h);
            worst = fmax(worst, fabs(fd - g[mu]) / fmax(1.0, fabs(g[mu])));
        }
        printf("gradient vs FD, %-9s: max rel. error %.1e (P = %zu, |g| max %.2f)\n",
               qnn_mlp_act_name(ACTS[k]), worst, f.P, maxabs(f.P, g));
        assert_true(worst < 1e-6);
        free(g);
        free(tp);
        unmake(&f);
    }
}

/* Hv against the central difference of the exact gradient along v,
 * (∇ℒ(θ + h v) - ∇ℒ(θ - h v)) / 2h with h = 1e-5: the same 1e-6 bound. */
static void test_hvp_fd(void **state)
{
    (void)state;
    const int w[4] = { 3, 5, 4, 2 };
    const double c = 0.9, h = 1e-5;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 300);
    for (int k = 0; k < 4; k++) {
        fixture f = make(3, w, ACTS[k], 1.2, 5, 310 + (unsigned long)k);
        const size_t P = f.P;
        double *v = malloc(P * sizeof(double)), *Hv = malloc(P * sizeof(double));
        double *tp = malloc(P * sizeof(double)), *gp = malloc(P * sizeof(double)), *gm = malloc(P * sizeof(double));
        gauss(r, P, v);
        assert_int_equal(qnn_mlp_hvp(f.m, f.th, 5, f.X, f.Y, c, v, Hv, NULL, 0), 0);
        for (size_t mu = 0; mu < P; mu++)
            tp[mu] = f.th[mu] + h * v[mu];
        assert_int_equal(qnn_mlp_loss_grad(f.m, tp, 5, f.X, f.Y, c, NULL, gp, NULL, 0), 0);
        for (size_t mu = 0; mu < P; mu++)
            tp[mu] = f.th[mu] - h * v[mu];
        assert_int_equal(qnn_mlp_loss_grad(f.m, tp, 5, f.X, f.Y, c, NULL, gm, NULL, 0), 0);
        double worst = 0.0;
        for (size_t mu = 0; mu < P; mu++)
            worst = fmax(worst, fabs((gp[mu] - gm[mu]) / (2.0 * h) - Hv[mu]) / fmax(1.0, fabs(Hv[mu])));
        printf("Hv vs FD of the gradient, %-9s: max rel. error %.1e (|Hv| max %.2f)\n",
               qnn_mlp_act_name(ACTS[k]), worst, maxabs(P, Hv));
        assert_true(worst < 1e-6);
        free(v); free(Hv); free(tp); free(gp); free(gm);
        unmake(&f);
    }
    gsl_rng_free(r);
}

/* The whole Hessian from P products H e_μ against the second difference
 * of the loss alone (independent of the gradient code):
 *     H_μν ≈ [ℒ(+h,+h) - ℒ(+h,-h) - ℒ(-h,+h) + ℒ(-h,-h)] / 4h²,
 * h = 1e-4: truncation h² |ℒ''''| / 6 ≈ 1e-8 · 10², rounding ≈ ε |ℒ| / h²
 * ≈ 2e-16 · 10 / 1e-8 = 2e-7; bound 1e-5 relative to max(1, |H_μν|).
 * The assembled H is symmetric to rounding (1e-12 of its largest entry):
 * the R-operator gives the exact Hessian, which is symmetric, while a
 * missing cross term (V^(ℓ)ᵀ δ, or δ R{a}ᵀ) breaks the symmetry at O(1). */
static void test_hessian_fd_of_fd(void **state)
{
    (void)state;
    const int w[3] = { 2, 3, 2 };
    const double c = 1.0, h = 1e-4;
    const qnn_mlp_act acts[2] = { QNN_MLP_TANH, QNN_MLP_QUADRATIC };
    for (int k = 0; k < 2; k++) {
        fixture f = make(2, w, acts[k], 0.8, 4, 400 + (unsigned long)k);
        const size_t P = f.P;   /* 17 */
        double *H = malloc(P * P * sizeof(double)), *e = calloc(P, sizeof(double)), *tp = malloc(P * sizeof(double));
        for (size_t nu = 0; nu < P; nu++) {
            e[nu] = 1.0;
            assert_int_equal(qnn_mlp_hvp(f.m, f.th, 4, f.X, f.Y, c, e, H + nu * P, NULL, 0), 0);
            e[nu] = 0.0;
        }
        const double Hmax = maxabs(P * P, H);
        double worst = 0.0, asym = 0.0;
        for (size_t mu = 0; mu < P; mu++)
            for (size_t nu = 0; nu < P; nu++) {
                double s = 0.0;
                for (int sm = -1; sm <= 1; sm += 2)
                    for (int sn = -1; sn <= 1; sn += 2) {
                        memcpy(tp, f.th, P * sizeof(double));
                        tp[mu] += sm * h;
                        tp[nu] += sn * h;
                        s += sm * sn * loss_at(&f, tp, c);
                    }
                const double fd = s / (4.0 * h * h), Hmn = H[nu * P + mu];   /* column ν is H e_ν */
                worst = fmax(worst, fabs(fd - Hmn) / fmax(1.0, fabs(Hmn)));
                asym = fmax(asym, fabs(H[nu * P + mu] - H[mu * P + nu]));
            }
        printf("Hessian vs FD of FD, %-9s: max rel. error %.1e, asymmetry %.1e of %.2f\n",
               qnn_mlp_act_name(acts[k]), worst, asym, Hmax);
        assert_true(worst < 1e-5);
        assert_true(asym <= 1e-12 * Hmax);
        free(H); free(e); free(tp);
        unmake(&f);
    }
}

/* vᵀ H w = wᵀ H v for random v, w on a wider net, every activation; both
 * sides exact up to rounding of sums of P ~ 400 terms: bound 1e-12 of
 * |v| |Hw|. */
static void test_hvp_symmetry(void **state)
{
    (void)state;
    const int w[4] = { 4, 16, 16, 3 };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 500);
    for (int k = 0; k < 4; k++) {
        fixture f = make(3, w, ACTS[k], 0.5, 9, 510 + (unsigned long)k);
        const size_t P = f.P;
        double *v = malloc(P * sizeof(double)), *u = malloc(P * sizeof(double));
        double *Hv = malloc(P * sizeof(double)), *Hu = malloc(P * sizeof(double));
        gauss(r, P, v);
        gauss(r, P, u);
        assert_int_equal(qnn_mlp_hvp(f.m, f.th, 9, f.X, f.Y, 1.0, v, Hv, NULL, 0), 0);
        assert_int_equal(qnn_mlp_hvp(f.m, f.th, 9, f.X, f.Y, 1.0, u, Hu, NULL, 0), 0);
        double uHv = 0.0, vHu = 0.0, nv = 0.0, nHu = 0.0;
        for (size_t mu = 0; mu < P; mu++) {
            uHv += u[mu] * Hv[mu];
            vHu += v[mu] * Hu[mu];
            nv += v[mu] * v[mu];
            nHu += Hu[mu] * Hu[mu];
        }
        assert_true(fabs(uHv - vHu) <= 1e-12 * sqrt(nv * nHu));
        free(v); free(u); free(Hv); free(Hu);
        unmake(&f);
    }
    gsl_rng_free(r);
}

/* L = 1, linear: ŷ = γ (W x + b) is linear in θ, so ℒ is quadratic with
 *     ∂²ℒ/∂W_ia ∂W_jb = c γ² δ_ij Σ_α x_αa x_αb,
 *     ∂²ℒ/∂W_ia ∂b_j  = c γ² δ_ij Σ_α x_αa,    ∂²ℒ/∂b_i ∂b_j = c γ² δ_ij N,
 * i.e. c γ² [XᵀX, Xᵀ1; 1ᵀX, N] ⊗ I in the (i outer) layout, at any θ and y;
 * and the NTK is K = γ² (λ_W X Xᵀ + 1) ⊗ I_{n_L}. Exact but for the
 * rounding of sums of N = 5 products (1e-13). */
static void test_linear_one_layer(void **state)
{
    (void)state;
    const int w[2] = { 3, 2 };
    const double c = 0.8, g = 1.7;
    const size_t N = 5, P = 8;
    fixture f = make(1, w, QNN_MLP_LINEAR, g, N, 600);
    assert_int_equal((int)f.P, 8);
    double H[64], e[8] = { 0 }, th2[8];
    for (int rep = 0; rep < 2; rep++) {
        if (rep == 1) {   /* another θ and other targets: the same Hessian */
            for (size_t mu = 0; mu < P; mu++)
                th2[mu] = f.th[mu] + 0.3 * (double)mu - 1.0;
            memcpy(f.th, th2, sizeof th2);
            for (size_t k = 0; k < 2 * N; k++)
                f.Y[k] = -f.Y[k] + 2.0;
        }
        for (size_t nu = 0; nu < P; nu++) {
            e[nu] = 1.0;
            assert_int_equal(qnn_mlp_hvp(f.m, f.th, N, f.X, f.Y, c, e, H + nu * P, NULL, 0), 0);
            e[nu] = 0.0;
        }
        for (int mu = 0; mu < 8; mu++)
            for (int nu = 0; nu < 8; nu++) {
                /* index → (output i, input a or the bias a = 3) */
                const int i = mu < 6 ? mu / 3 : mu - 6, a = mu < 6 ? mu % 3 : 3;
                const int j = nu < 6 ? nu / 3 : nu - 6, b = nu < 6 ? nu % 3 : 3;
                double s = 0.0;
                if (i == j)
                    for (size_t al = 0; al < N; al++)
                        s += (a < 3 ? f.X[al * 3 + (size_t)a] : 1.0) * (b < 3 ? f.X[al * 3 + (size_t)b] : 1.0);
                const double want = c * g * g * s;
                assert_true(fabs(H[nu * 8 + mu] - want) < 1e-13 * fmax(1.0, fabs(want)));
            }
    }
    double K[100];
    assert_int_equal(qnn_mlp_ntk(f.m, f.th, N, f.X, QNN_MLP_LR_NTK, K, NULL, 0), 0);
    for (size_t al = 0; al < N; al++)
        for (size_t be = 0; be < N; be++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    double xx = 0.0;
                    for (int a = 0; a < 3; a++)
                        xx += f.X[al * 3 + (size_t)a] * f.X[be * 3 + (size_t)a];
                    const double want = i == j ? g * g * (xx / 3.0 + 1.0) : 0.0;
                    assert_true(fabs(K[(al * 2 + (size_t)i) * 10 + be * 2 + (size_t)j] - want) < 1e-13 * fmax(1.0, fabs(want)));
                }
    unmake(&f);
}

/* ----- NTK ------------------------------------------------------------- */

/* The Jacobian against central differences of the forward pass (h = 1e-6:
 * truncation 1e-12 · 10² / 6, rounding 2e-16 · 10 / 1e-6 = 2e-9; bound
 * 1e-7), then K against J Λ Jᵀ summed over all P parameters: both exact,
 * the difference rounding only (1e-12 of max |K|); n_L = 1 and 2, both
 * learning-rate modes, tanh and relu. K is symmetric with K_{(α,i),(α,i)}
 * >= 0. */
static void test_ntk_vs_jacobian(void **state)
{
    (void)state;
    const int wa[4] = { 3, 6, 5, 1 }, wb[4] = { 3, 6, 5, 2 };
    const int *ws[2] = { wa, wb };
    const qnn_mlp_act acts[2] = { QNN_MLP_TANH, QNN_MLP_RELU };
    const size_t N = 6;
    const double h = 1e-6;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 2; k++) {
            fixture f = make(3, ws[s], acts[k], 0.9, N, 700 + 10 * (unsigned long)s + (unsigned long)k);
            const size_t P = f.P, R = N * (size_t)f.nL;
            double *J = malloc(R * P * sizeof(double)), *tp = malloc(P * sizeof(double));
            double *yp = malloc(R * sizeof(double)), *ym = malloc(R * sizeof(double));
            double *K = malloc(R * R * sizeof(double)), *lam = malloc(P * sizeof(double));
            assert_int_equal(qnn_mlp_jacobian(f.m, f.th, N, f.X, J, NULL, 0), 0);
            double worst = 0.0;
            for (size_t mu = 0; mu < P; mu++) {
                memcpy(tp, f.th, P * sizeof(double));
                tp[mu] += h;
                assert_int_equal(qnn_mlp_forward(f.m, tp, N, f.X, yp, NULL, 0), 0);
                tp[mu] -= 2.0 * h;
                assert_int_equal(qnn_mlp_forward(f.m, tp, N, f.X, ym, NULL, 0), 0);
                for (size_t q = 0; q < R; q++)
                    worst = fmax(worst, fabs((yp[q] - ym[q]) / (2.0 * h) - J[q * P + mu]));
            }
            assert_true(worst < 1e-7);
            for (int mode = 0; mode < 2; mode++) {
                assert_int_equal(qnn_mlp_lambda(f.m, (qnn_mlp_lr)mode, lam, NULL, 0), 0);
                assert_int_equal(qnn_mlp_ntk(f.m, f.th, N, f.X, (qnn_mlp_lr)mode, K, NULL, 0), 0);
                const double Kmax = maxabs(R * R, K);
                double d = 0.0;
                for (size_t p = 0; p < R; p++) {
                    assert_true(K[p * R + p] >= 0.0);
                    for (size_t q = 0; q < R; q++) {
                        double want = 0.0;
                        for (size_t mu = 0; mu < P; mu++)
                            want += lam[mu] * J[p * P + mu] * J[q * P + mu];
                        d = fmax(d, fabs(K[p * R + q] - want));
                        assert_true(K[p * R + q] == K[q * R + p]);
                    }
                }
                printf("NTK vs J Λ Jᵀ, n_L = %d, %s, %s: max diff %.1e of %.2f (Jacobian vs FD %.1e)\n",
                       f.nL, qnn_mlp_act_name(acts[k]), mode ? "ntk" : "standard", d, Kmax, worst);
                assert_true(Kmax > 0.1);
                assert_true(d <= 1e-12 * Kmax);
            }
            free(J); free(tp); free(yp); free(ym); free(K); free(lam);
            unmake(&f);
        }
}

/* ----- Initialisation -------------------------------------------------- */

/* LLJ Eq. 2. For count i.i.d. N(0, v) draws the unbiased sample variance
 * has standard error v sqrt(2 / (count - 1)) and the mean v^{1/2} /
 * sqrt(count); both within 5 of them, per weight layer (counts 12000,
 * 60000, 200) and for all biases together (501). The draw order is the θ
 * order (checked on the first entries), and C_b = 0 gives biases exactly
 * +0 without consuming draws (W^(1) then matches the C_b > 0 draw, which
 * also starts with W^(1)). */
static void test_lecun_init(void **state)
{
    (void)state;
    const int w[4] = { 40, 300, 200, 1 };
    const double CW = 1.7, Cb = 0.3;
    qnn_mlp *m = qnn_mlp_new(3, w, QNN_MLP_TANH, 1.0, 1, NULL, 0);
    const size_t P = qnn_mlp_n_params(m);
    double *th = malloc(P * sizeof(double)), *th0 = malloc(P * sizeof(double));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 800);
    assert_int_equal(qnn_mlp_init(m, th, CW, Cb, r, NULL, 0), 0);
    double bs = 0.0, bss = 0.0;
    size_t bn = 0;
    for (int l = 1; l <= 3; l++) {
        qnn_mlp_layer li;
        qnn_mlp_layer_info(m, l, &li);
        const size_t cnt = li.b_off - li.w_off;
        double s = 0.0, ss = 0.0;
        for (size_t mu = li.w_off; mu < li.b_off; mu++)
            s += th[mu];
        const double mean = s / (double)cnt;
        for (size_t mu = li.w_off; mu < li.b_off; mu++)
            ss += (th[mu] - mean) * (th[mu] - mean);
        const double var = ss / (double)(cnt - 1), want = CW / w[l - 1];
        const double se = want * sqrt(2.0 / (double)(cnt - 1));
        printf("W^(%d): %zu entries, variance %.5f, C_W/n_%d = %.5f (%.1f SE)\n", l, cnt, var, l - 1, want,
               (var - want) / se);
        assert_true(fabs(var - want) < 5.0 * se);
        assert_true(fabs(mean) < 5.0 * sqrt(want / (double)cnt));
        for (size_t mu = li.b_off; mu < li.b_off + (size_t)li.fan_out; mu++, bn++) {
            bs += th[mu];
            bss += th[mu] * th[mu];
        }
    }
    const double bmean = bs / (double)bn, bvar = (bss - bn * bmean * bmean) / (double)(bn - 1);
    assert_true(fabs(bvar - Cb) < 5.0 * Cb * sqrt(2.0 / (double)(bn - 1)));
    /* draw order */
    gsl_rng_set(r, 800);
    for (int k = 0; k < 5; k++)
        assert_true(th[k] == gsl_ran_gaussian(r, sqrt(CW / 40.0)));
    /* C_b = 0 */
    gsl_rng_set(r, 800);
    assert_int_equal(qnn_mlp_init(m, th0, CW, 0.0, r, NULL, 0), 0);
    assert_true(memcmp(th0, th, 12000 * sizeof(double)) == 0);
    int *layer = malloc(P * sizeof(int));
    unsigned char *isw = malloc(P);
    qnn_mlp_param_tags(m, layer, isw);
    for (size_t mu = 0; mu < P; mu++)
        if (!isw[mu])
            assert_true(th0[mu] == 0.0 && !signbit(th0[mu]));
    free(layer); free(isw);
    free(th); free(th0);
    gsl_rng_free(r);
    qnn_mlp_free(m);
}

/* ----- A gradient-descent step ----------------------------------------- */

/* θ' = θ - η λ ⊙ ∇ℒ with the ntk λ. Taylor: with u = λ ⊙ ∇ℒ,
 *     ℒ(θ') - ℒ(θ) = -η ∇ℒᵀ u + (η²/2) uᵀ H u + O(η³).
 * At η = 1e-3 the step lowers the loss, the first-order term accounts for
 * it within 5% (the second-order term is ~2% of it here), and adding the
 * second-order term (Hv at u) leaves a remainder that falls ~8-fold when η
 * is halved (O(η³)): a wrong λ, a gradient off by a factor, or an Hv that
 * is not the Hessian of this loss would all break one of these. */
static void test_gd_step(void **state)
{
    (void)state;
    const int w[4] = { 2, 32, 32, 1 };
    const size_t N = 20;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 900);
    qnn_mlp *m = qnn_mlp_new(3, w, QNN_MLP_TANH, 1.0, N, NULL, 0);
    const size_t P = qnn_mlp_n_params(m);
    double *th = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double)), *lam = malloc(P * sizeof(double));
    double *u = malloc(P * sizeof(double)), *Hu = malloc(P * sizeof(double)), *tp = malloc(P * sizeof(double));
    double X[40], Y[20];
    assert_int_equal(qnn_mlp_data_bump2d(r, N, X, Y, NULL, 0), 0);
    assert_int_equal(qnn_mlp_init(m, th, 1.0, 0.0, r, NULL, 0), 0);
    assert_int_equal(qnn_mlp_lambda(m, QNN_MLP_LR_NTK, lam, NULL, 0), 0);
    double L0, L1;
    assert_int_equal(qnn_mlp_loss_grad(m, th, N, X, Y, 1.0, &L0, g, NULL, 0), 0);
    double gu = 0.0, uHu = 0.0;
    for (size_t mu = 0; mu < P; mu++) {
        u[mu] = lam[mu] * g[mu];
        gu += g[mu] * u[mu];
    }
    assert_int_equal(qnn_mlp_hvp(m, th, N, X, Y, 1.0, u, Hu, NULL, 0), 0);
    for (size_t mu = 0; mu < P; mu++)
        uHu += u[mu] * Hu[mu];
    double rem[2];
    for (int k = 0; k < 2; k++) {
        const double eta = k == 0 ? 1e-3 : 0.5e-3;
        for (size_t mu = 0; mu < P; mu++)
            tp[mu] = th[mu] - eta * u[mu];
        assert_int_equal(qnn_mlp_loss_grad(m, tp, N, X, Y, 1.0, &L1, NULL, NULL, 0), 0);
        const double dL = L1 - L0, first = -eta * gu, second = 0.5 * eta * eta * uHu;
        rem[k] = dL - first - second;
        printf("GD step η = %.1e: ΔL = %.6e, first order %.6e, second order %.2e, remainder %.2e\n",
               eta, dL, first, second, rem[k]);
        assert_true(dL < 0.0);
        assert_true(fabs(dL / first - 1.0) < 0.05);
        assert_true(fabs(rem[k]) < 0.05 * fabs(second));
    }
    assert_true(fabs(rem[0] / rem[1]) > 6.0 && fabs(rem[0] / rem[1]) < 10.0);
    free(th); free(g); free(lam); free(u); free(Hu); free(tp);
    gsl_rng_free(r);
    qnn_mlp_free(m);
}

/* ----- Data sets ------------------------------------------------------- */

/* Each generator fills exactly N rows (a sentinel row behind X and Y stays)
 * and follows its documented formula and draw order. */
static void test_data(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    const size_t N = 50;
    double X[(50 + 1) * 4], Y[(50 + 1) * 4], X2[(50 + 1) * 4], Y2[50 * 4];
    const double S = -12345.0;
    for (size_t k = 0; k < sizeof X / sizeof X[0]; k++)
        X[k] = Y[k] = S;

    /* sin1d */
    gsl_rng_set(r, 1000);
    assert_int_equal(qnn_mlp_data_sin1d(r, N, X, Y, NULL, 0), 0);
    for (size_t al = 0; al < N; al++) {
        assert_true(X[al] >= -M_PI && X[al] <= M_PI);
        assert_true(Y[al] == sin(X[al]));
    }
    assert_true(X[N] == S && Y[N] == S);

    /* bump2d */
    gsl_rng_set(r, 1001);
    assert_int_equal(qnn_mlp_data_bump2d(r, N, X, Y, NULL, 0), 0);
    for (size_t al = 0; al < N; al++) {
        const double x1 = X[2 * al], x2 = X[2 * al + 1];
        assert_true(fabs(x1) <= 1.0 && fabs(x2) <= 1.0);
        assert_true(fabs(Y[al] - exp(-2.0 * (x1 * x1 + x2 * x2)) * cos(3.0 * x1)) < 1e-15);
    }
    assert_true(X[2 * N] == S && Y[N] == S);

    /* spirals, k = 4: one-hot targets, labels α mod k, argmax = label;
     * without noise |x| = t < 1 and x lies at angle 2π c/k + 4|x| */
    int lab[50];
    for (int pass = 0; pass < 2; pass++) {
        const double noise = pass == 0 ? 0.0 : 0.05;
        gsl_rng_set(r, 1002);
        assert_int_equal(qnn_mlp_data_spirals(r, 4, noise, N, X, Y, lab, NULL, 0), 0);
        for (size_t al = 0; al < N; al++) {
            assert_int_equal(lab[al], (int)(al % 4));
            double sum = 0.0;
            for (int c = 0; c < 4; c++) {
                const double y = Y[al * 4 + (size_t)c];
                assert_true(y == 0.0 || y == 1.0);
                sum += y;
            }
            assert_true(sum == 1.0 && Y[al * 4 + (size_t)lab[al]] == 1.0);
            const double rad = hypot(X[2 * al], X[2 * al + 1]);
            if (pass == 0) {
                assert_true(rad < 1.0);
                const double phi = 2.0 * M_PI * lab[al] / 4.0 + 4.0 * rad;
                assert_true(fabs(X[2 * al] - rad * cos(phi)) < 1e-12 && fabs(X[2 * al + 1] - rad * sin(phi)) < 1e-12);
            } else {
                assert_true(rad < 1.0 + 6.0 * noise);
            }
        }
        assert_true(qnn_mlp_accuracy(N, 4, Y, lab) == 1.0);
        assert_true(X[2 * N] == S && Y[4 * N] == S);
    }

    /* teacher: rebuild the teacher from the same seed by hand */
    for (size_t k = 0; k < sizeof X / sizeof X[0]; k++)
        X[k] = Y[k] = S;
    const int n0 = 3, nL = 2, tw = 7, depth = 3;
    const int tws[4] = { n0, tw, tw, nL };
    qnn_mlp *t = qnn_mlp_new(depth, tws, QNN_MLP_TANH, 1.0, N, NULL, 0);
    const size_t P = qnn_mlp_n_params(t);
    double *th = malloc(P * sizeof(double)), *th2 = malloc(P * sizeof(double));
    gsl_rng_set(r, 1003);
    assert_int_equal(qnn_mlp_data_teacher(r, n0, nL, tw, depth, QNN_MLP_TANH, 1.5, 0.1, N, X, Y, th, NULL, 0), 0);
    assert_true(X[N * n0] == S && Y[N * nL] == S);
    gsl_rng_set(r, 1003);
    assert_int_equal(qnn_mlp_init(t, th2, 1.5, 0.1, r, NULL, 0), 0);
    assert_true(memcmp(th, th2, P * sizeof(double)) == 0);
    for (size_t k = 0; k < N * n0; k++)
        X2[k] = gsl_ran_gaussian(r, 1.0);
    assert_true(memcmp(X, X2, N * n0 * sizeof(double)) == 0);
    assert_int_equal(qnn_mlp_forward(t, th2, N, X2, Y2, NULL, 0), 0);
    assert_true(memcmp(Y, Y2, N * nL * sizeof(double)) == 0);
    assert_true(maxabs(N * nL, Y) > 0.1);
    free(th); free(th2);
    qnn_mlp_free(t);
    gsl_rng_free(r);
}

/* Accuracy on a hand-made example: argmax 1 ✓, a tie (first index, 0) ✗,
 * 2 ✓, 2 against label 0 ✗: 2/4. */
static void test_accuracy(void **state)
{
    (void)state;
    const double Yh[12] = { 0.1, 0.7, 0.2,   0.5, 0.5, 0.0,   -1.0, -2.0, -0.5,   0.0, 0.0, 1.0 };
    const int lab[4] = { 1, 1, 2, 0 };
    assert_true(qnn_mlp_accuracy(4, 3, Yh, lab) == 0.5);
    assert_true(qnn_mlp_accuracy(1, 3, Yh, lab) == 1.0);
    assert_true(isnan(qnn_mlp_accuracy(0, 3, Yh, lab)));
}

/* ----- Bad arguments --------------------------------------------------- */

static void expect_msg(const char *err, const char *part)
{
    if (!strstr(err, part))
        fail_msg("message \"%s\" lacks \"%s\"", err, part);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char err[200];
    const int ok[3] = { 2, 3, 1 }, zero[3] = { 2, 0, 1 };
    assert_null(qnn_mlp_new(0, ok, QNN_MLP_TANH, 1.0, 4, err, sizeof err));
    expect_msg(err, "depth");
    assert_null(qnn_mlp_new(2, zero, QNN_MLP_TANH, 1.0, 4, err, sizeof err));
    expect_msg(err, "n_1 = 0");
    assert_null(qnn_mlp_new(2, ok, QNN_MLP_TANH, 1.0, 0, err, sizeof err));
    expect_msg(err, "max_batch");
    assert_null(qnn_mlp_new(2, ok, QNN_MLP_TANH, NAN, 4, err, sizeof err));
    expect_msg(err, "gamma");
    assert_null(qnn_mlp_new(2, ok, (qnn_mlp_act)9, 1.0, 4, err, sizeof err));
    expect_msg(err, "activation");
    assert_null(qnn_mlp_new(2, ok, QNN_MLP_TANH, 1.0, (size_t)INT_MAX + 1, err, sizeof err));
    expect_msg(err, "INT_MAX");
    /* P = 5 · INT_MAX (INT_MAX + 1) > 2^64 */
    const int huge[6] = { INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX };
    assert_null(qnn_mlp_new(5, huge, QNN_MLP_TANH, 1.0, 1, err, sizeof err));
    expect_msg(err, "parameter count overflows");
    /* workspace 5 N Σn with N = INT_MAX, n_1 = INT_MAX */
    const int wide[3] = { 1, INT_MAX, 1 };
    assert_null(qnn_mlp_new(2, wide, QNN_MLP_TANH, 1.0, INT_MAX, err, sizeof err));
    expect_msg(err, "workspace");

    qnn_mlp *m = qnn_mlp_new(2, ok, QNN_MLP_RELU, 1.0, 4, err, sizeof err);
    assert_non_null(m);
    double th[13], X[10] = { 0 }, Y[5] = { 0 }, out[5], K[25], L;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_int_equal(qnn_mlp_init(m, th, -1.0, 0.0, r, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "C_W");
    assert_int_equal(qnn_mlp_init(m, th, 1.0, INFINITY, r, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "C_b");
    assert_int_equal(qnn_mlp_init(m, th, 1.0, 0.0, r, err, sizeof err), 0);
    assert_int_equal(qnn_mlp_forward(m, th, 5, X, out, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "max_batch = 4");
    assert_int_equal(qnn_mlp_forward(m, th, 0, X, out, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "N = 0");
    assert_int_equal(qnn_mlp_loss_grad(m, th, 4, X, Y, NAN, &L, NULL, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "loss scale");
    assert_int_equal(qnn_mlp_ntk(m, th, 4, X, (qnn_mlp_lr)7, K, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "mode");
    assert_int_equal(qnn_mlp_lambda(m, (qnn_mlp_lr)7, out, err, sizeof err), QNN_E_ARGS);
    assert_int_equal(qnn_mlp_data_spirals(r, 1, 0.1, 4, X, Y, NULL, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "k = 1");
    assert_int_equal(qnn_mlp_data_spirals(r, 2, -0.1, 4, X, Y, NULL, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "noise");
    assert_int_equal(qnn_mlp_data_teacher(r, 2, 1, 0, 2, QNN_MLP_TANH, 1.0, 0.0, 4, X, Y, NULL, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "teacher_width");
    assert_int_equal(qnn_mlp_data_teacher(r, 2, 1, 3, 2, QNN_MLP_TANH, -1.0, 0.0, 4, X, Y, NULL, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "C_W");
    assert_int_equal(qnn_mlp_data_sin1d(r, 0, X, Y, err, sizeof err), QNN_E_ARGS);
    expect_msg(err, "N = 0");
    /* NULL err is allowed */
    assert_null(qnn_mlp_new(0, ok, QNN_MLP_TANH, 1.0, 4, NULL, 0));
    gsl_rng_free(r);
    qnn_mlp_free(m);
    qnn_mlp_free(NULL);
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_forward_reference),
        cmocka_unit_test(test_gradient_fd),
        cmocka_unit_test(test_hvp_fd),
        cmocka_unit_test(test_hessian_fd_of_fd),
        cmocka_unit_test(test_hvp_symmetry),
        cmocka_unit_test(test_linear_one_layer),
        cmocka_unit_test(test_ntk_vs_jacobian),
        cmocka_unit_test(test_lecun_init),
        cmocka_unit_test(test_gd_step),
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
