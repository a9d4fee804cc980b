/* Model-independent Hessian spectra (docs/PHYSICS.md, "Hessian of the loss"): the exact eigenvalues of
 * a dense P x P Hessian, stochastic Lanczos quadrature (SLQ) from
 * Hessian-vector products alone, summary numbers, histograms, a smoothed
 * density, the 1-Wasserstein distance between two spectra, the LIU24 error
 * proxy (Eqs. 4-5 / III.10-III.13) and a time budget for computing
 * Hessians during a live run. Nothing here knows a model: a model supplies
 * either the dense matrix or a qnn_hvp_fn.
 *
 * Spectral measure. A spectrum is the discrete probability measure
 * Σ_k w_k δ(x - x_k): nodes x ascending, weights w_k >= 0 summing to 1
 * (to rounding), and dim = P, the size of the matrix it describes. An
 * exact spectrum (exact = 1) has the P eigenvalues as nodes with w = 1/P
 * each; an SLQ spectrum (exact = 0) has the Ritz values of all probes as
 * nodes, so w_k P is an estimate of how many eigenvalues lie near x_k.
 *
 * Sign convention (LIU24 Eq. II.65; docs/PHYSICS.md). The spectrum is that of
 * the Hessian H of the loss: positive eigenvalues are dissipative. LIU24's
 * a is "the negative of the Hessian eigenvalues": here a = -s λ with a
 * caller-given scale s. With s = η (the learning rate) 1 + a = 1 - η λ is
 * the multiplier of the linearised gradient-descent step θ <- θ - η H θ
 * and spec(F1) = -η spec(H) (Eq. II.65), so t counts steps; s = 1 is the
 * literal "a = -λ" reading of LIU24 Fig. 2.
 *
 * SLQ (Ubaru, Chen, Saad, SIAM J. Matrix Anal. Appl. 38, 1075 (2017)).
 * Each probe is a Rademacher vector v (v_i = ±1, so ‖v‖² = P exactly),
 * drawn from the generator (qnn_hess_rng: GSL's mt19937 inside) as
 * v_i = 2 gsl_rng_uniform_int(rng, 2) - 1 for i = 0 .. P-1, probe after
 * probe; nothing else is drawn. From q_1 = v/√P, `steps` Lanczos
 * iterations with full reorthogonalisation (classical Gram-Schmidt against
 * all previous Lanczos vectors, twice) build the tridiagonal T_m; the
 * iteration stops early (m < steps) on breakdown, β_j <= 1e-12 scale_j with
 * scale_j = max_{i<=j} (|α_i| + β_{i-1}) (a lower estimate of ‖H‖), when
 * the Krylov space is invariant and T_m's quadrature is exact. The
 * eigenpairs (θ_i, y_i) of T_m (GSL gsl_eigen_symmv) give the nodes θ_i
 * and weights (y_i)_1² / probes: the m-point Gauss quadrature of the local
 * measure Σ_j (u_jᵀ v)²/P δ(x - λ_j) (u_j the eigenvectors of H), which
 * reproduces its moments up to degree 2m - 1. The Ritz values lie in
 * [λ_min, λ_max] (to rounding); the extreme ones converge first. The
 * reorthogonalisation keeps T_m the projection of H on an orthonormal
 * basis, so steps = P returns the P eigenvalues and weights (u_jᵀv)²/P
 * to rounding; without it, or with a single Gram-Schmidt pass, ghost
 * copies of converged Ritz values appear (the measure itself stays close,
 * Greenbaum 1989, so only node-level checks see the difference).
 * Cost per probe: m products H v, O(m² P) for the reorthogonalisation,
 * O(m³) for the eigenpairs of T_m; memory (steps + 1) P doubles;
 * P <= INT_MAX (BLAS indices).
 *
 * Matrices are row-major P x P (element (i, j) at H[i*P + j]); for the
 * symmetric matrices everything here produces, the order is immaterial.
 * Nothing here prints; functions return a status (0 is success). No
 * global state: calls may run on different threads as long as they share
 * no spectrum, callback context or generator. No GSL type appears here:
 * the generator is an opaque handle and histograms are plain arrays; the
 * implementation is GSL's. */
#ifndef QNN_HESSIAN_H
#define QNN_HESSIAN_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>

/* Status codes; qnn_hess_strerror names each. */
enum {
    QNN_HESS_OK = 0,
    QNN_HESS_EARGS = 1,      /* a size, pointer or parameter out of range */
    QNN_HESS_ENOMEM = 2,
    QNN_HESS_EHVP = 3,       /* the Hessian-vector callback returned non-zero */
    QNN_HESS_ENOTFINITE = 4, /* a matrix entry or H v is NaN or infinite */
    QNN_HESS_EEIGEN = 5,     /* the GSL eigensolver failed */
    QNN_HESS_EMPTYCUT = 6,   /* error proxy: no mass survives the cut (N_c = 0) */
    QNN_HESS_ECANCEL = 7     /* the caller's cancel flag was raised (the *_cancel functions) */
};

/* A static string naming a status (never NULL). */
const char *qnn_hess_strerror(int status);

/* Hessian-vector product: writes Hv = H v (P entries, Hv does not alias
 * v). Returns 0, or non-zero on failure (SLQ and assembly stop and report
 * QNN_HESS_EHVP). */
typedef int (*qnn_hvp_fn)(void *ctx, const double *v, double *Hv);

/* ------------------------------------------------------------------ */
/* Spectra                                                             */
/* ------------------------------------------------------------------ */

typedef struct qnn_spectrum {
    size_t n;      /* number of nodes */
    double *x;     /* n nodes, ascending */
    double *w;     /* n weights, >= 0, summing to 1 */
    int exact;     /* 1: x are the dim eigenvalues, w = 1/dim; 0: SLQ */
    size_t dim;    /* P, the size of the matrix */
} qnn_spectrum;

/* Room for n nodes (x, w malloc'd, uninitialised; exact = 0, dim = 0).
 * QNN_HESS_OK, QNN_HESS_EARGS (n = 0) or QNN_HESS_ENOMEM (s zeroed). */
int qnn_spectrum_alloc(qnn_spectrum *s, size_t n);
/* Frees x and w and zeroes s; NULL and a zeroed s are fine. */
void qnn_spectrum_free(qnn_spectrum *s);

/* The exact spectrum of n given eigenvalues (any order; copied and sorted,
 * w = 1/n, exact = 1, dim = n). EARGS for n = 0 or a non-finite value. */
int qnn_spectrum_from_values(const double *values, size_t n, qnn_spectrum *out);

/* ------------------------------------------------------------------ */
/* Dense (exact) path                                                  */
/* ------------------------------------------------------------------ */

/* H <- ½ (H + Hᵀ) in place. When asym is not NULL it receives
 * ‖H - Hᵀ‖_F / ‖H‖_F of the matrix as given (0 for H = 0), so a caller
 * can check that a finite-difference or assembled Hessian is symmetric to
 * its expected accuracy. EARGS for P = 0. */
int qnn_hess_symmetrise(double *H, size_t P, double *asym);

/* All P eigenvalues of ½ (H + Hᵀ) (H itself untouched; asym as in
 * qnn_hess_symmetrise, may be NULL) by GSL's gsl_eigen_symm, as an exact
 * spectrum in *out (allocated here; free with qnn_spectrum_free). Cost
 * O(P³), memory about P² doubles beyond H (qnn_hess_dense_bytes).
 * ENOTFINITE for a NaN/infinite entry, ENOMEM, EARGS. */
int qnn_hess_dense_spectrum(const double *H, size_t P, qnn_spectrum *out, double *asym);

/* H (P x P, caller's storage) column by column from P products with the
 * unit vectors: H[i*P + j] = (H e_j)_i. Exact when the callback is; not
 * symmetrised. EHVP (callback failed), ENOTFINITE, ENOMEM, EARGS. */
int qnn_hess_assemble(qnn_hvp_fn hvp, void *ctx, size_t P, double *H);

/* Cancellable forms for a live view (qnn_session): `cancel`, when not
 * NULL, is read (relaxed) between units of work of a few milliseconds at
 * most; once it is non-zero the call frees what it allocated and returns
 * QNN_HESS_ECANCEL (*out zeroed, H's contents unspecified). With cancel
 * NULL they are the functions above, bit for bit. With a cancel flag, the
 * dense spectrum takes another route than GSL's gsl_eigen_symm (which
 * cannot be interrupted): a Householder reduction to tridiagonal form,
 * one column at a time, then LAPACK's bisection (dstebz) over blocks of
 * eigenvalues; the eigenvalues agree with gsl_eigen_symm's to rounding
 * (|Δλ| ~ 1e-13 max |λ| at P = 1024, where both are within that of
 * LAPACK's dsyevd), not bit for bit. */
int qnn_hess_dense_spectrum_cancel(const double *H, size_t P, qnn_spectrum *out, double *asym,
                                   const atomic_int *cancel);
int qnn_hess_assemble_cancel(qnn_hvp_fn hvp, void *ctx, size_t P, double *H, const atomic_int *cancel);

/* ------------------------------------------------------------------ */
/* Stochastic Lanczos quadrature                                        */
/* ------------------------------------------------------------------ */

/* Optional diagnostics of one qnn_hess_slq call. */
typedef struct qnn_slq_info {
    size_t min_steps, max_steps; /* Lanczos steps done, over probes (< steps after breakdown) */
    double trace;                /* Hutchinson estimate (1/probes) Σ vᵀHv = P Σ w x */
    double trace_se;             /* its standard error: sample sd of vᵀHv / √probes (NaN for 1 probe) */
} qnn_slq_info;

/* The generator SLQ draws its probes from: GSL's mt19937, seeded as
 * gsl_rng_set does (seed 0 gives the generator's default seed 4357). Its
 * stream goes on from one qnn_hess_slq call to the next. One generator
 * must not be used by two threads at once. */
typedef struct qnn_hess_rng qnn_hess_rng;
/* A new generator seeded with seed; NULL when memory runs out. */
qnn_hess_rng *qnn_hess_rng_new(unsigned long seed);
/* Starts rng's stream again from seed. */
void qnn_hess_rng_seed(qnn_hess_rng *rng, unsigned long seed);
/* Frees rng; NULL is fine. */
void qnn_hess_rng_free(qnn_hess_rng *rng);

/* SLQ spectrum (exact = 0, dim = P) of the symmetric operator hvp from
 * `probes` >= 1 Rademacher probes drawn from rng and at most
 * `steps` >= 1 Lanczos steps each (steps > P is reduced to P), as
 * described above; n = the total number of Ritz values (<= probes steps).
 * info may be NULL. EHVP, ENOTFINITE, EEIGEN, ENOMEM, EARGS; on failure
 * *out is zeroed. */
int qnn_hess_slq(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                 qnn_hess_rng *rng, qnn_spectrum *out, qnn_slq_info *info);

/* Exact or SLQ: exact when P <= exact_limit (0 means the default
 * QNN_HESS_EXACT_LIMIT), SLQ otherwise. */
#define QNN_HESS_EXACT_LIMIT 1024
typedef enum { QNN_HESS_METHOD_EXACT = 0, QNN_HESS_METHOD_SLQ = 1 } qnn_hess_method;
qnn_hess_method qnn_hess_choose(size_t P, size_t exact_limit);
/* Bytes the exact path needs: the caller's P x P matrix plus
 * qnn_hess_dense_spectrum's working copy (one spare row) and O(P)
 * vectors, about 2 P² doubles; SIZE_MAX when that overflows size_t.
 * Callers refuse exact requests above their memory budget. */
size_t qnn_hess_dense_bytes(size_t P);

/* ------------------------------------------------------------------ */
/* Summary numbers, density, histogram, distance                        */
/* ------------------------------------------------------------------ */

typedef struct qnn_spectrum_stats {
    double min, max;   /* smallest and largest node (SLQ: the extreme Ritz values) */
    double trace;      /* dim Σ w x: exact trace, or the SLQ/Hutchinson estimate */
    double frac_pos;   /* Σ_{x > tol} w */
    double frac_neg;   /* Σ_{x < -tol} w */
    long n_neg;        /* exact spectra: #{x < -tol}; -1 for SLQ */
} qnn_spectrum_stats;

/* Summary of s with a zero tolerance tol >= 0 (eigenvalues within ±tol of
 * 0 are neither positive nor negative; tol = 0 is the strict reading).
 * EARGS for an empty spectrum or a bad tol. */
int qnn_spectrum_summary(const qnn_spectrum *s, double tol, qnn_spectrum_stats *out);

/* ρ(x) = Σ_k w_k N(x; x_k, σ²) at the nx points x (σ > 0). */
void qnn_spectrum_density(const qnn_spectrum *s, double sigma, const double *x, size_t nx,
                          double *rho);
/* A smoothing width for qnn_spectrum_density: Silverman's rule with the
 * weights, 0.9 min(sd, IQR/1.34) n_eff^{-1/5}, n_eff = 1/Σ w² (Kish's
 * effective sample size; P for exact spectra), but at least 0.5 % of the
 * spread max - min (so an SLQ density with few nodes is not a comb, and a
 * bulk-dominated spectrum with IQR ≈ 0 still gets a finite width); for a
 * spectrum with a single distinct node, 1e-3 max(|x|, 1). Always > 0. */
double qnn_spectrum_sigma(const qnn_spectrum *s);

/* The spectrum counted into `bins` >= 1 uniform bins over [lo, hi)
 * (finite, lo < hi): counts[i] (bins entries, the caller's; set here, not
 * added to) is Σ w_k dim over the nodes in bin i, so the bars count
 * eigenvalues. Bin i is [edges[i], edges[i+1]), the edges as GSL's
 * gsl_histogram_set_ranges_uniform computes them; edges (bins + 1
 * entries) may be NULL. A node at or above hi, or below lo, is outside:
 * when outside is not NULL it receives the outside mass in the same units
 * (eigenvalue counts), so Σ counts + *outside = dim (to rounding).
 * QNN_HESS_OK; ENOMEM; EARGS for bins = 0, counts NULL or a bad range,
 * and for an empty spectrum (n = 0 or dim = 0), which still gets its
 * edges and zero counts (*outside untouched). */
int qnn_spectrum_histogram(const qnn_spectrum *s, double lo, double hi, size_t bins, double *edges,
                           double *counts, double *outside);
/* The same over [min - m, max + m], m = 1 % of the spread max - min (for
 * min == max, m = 1e-3 max(|min|, 1)): every node lies inside, so
 * *outside (may be NULL) is 0, and edges[0] and edges[bins] tell the
 * range chosen. Statuses as above. */
int qnn_spectrum_histogram_auto(const qnn_spectrum *s, size_t bins, double *edges, double *counts,
                                double *outside);

/* 1-Wasserstein distance ∫ |F_a(x) - F_b(x)| dx between the two measures
 * (F the cumulative weights), evaluated exactly over the merged sorted
 * nodes. Both should carry total weight 1. NaN for an empty spectrum. */
double qnn_spectrum_w1(const qnn_spectrum *a, const qnn_spectrum *b);

/* ------------------------------------------------------------------ */
/* LIU24 error proxy (Eqs. 4-5, III.12-III.13)                          */
/* ------------------------------------------------------------------ */

/* LIU24's cut: modes with |a| < 0.4 are discarded. */
#define QNN_LIU24_CUT 0.4

/* With a_k = -scale x_k (see the sign convention above), keep the nodes
 * with |a_k| >= cut (cut >= 0; cut = 0 keeps all, Eq. III.11), their mass
 * N_c = Σ_kept w_k, and for each of the nt times t[i] >= 0
 *
 *     proxy(t) = (1/N_c) Σ_kept w_k |1 + a_k|^t,     proxy(0) = 1,
 *
 * evaluated as exp of a log-sum-exp, so neither large t nor tiny weights
 * overflow or underflow on the way: proxy[i] is correct wherever it is
 * representable (+inf beyond DBL_MAX, 0 below the smallest double), and
 * log_proxy[i] (may be NULL) = ln proxy(t) is finite whenever the answer
 * is nonzero (-inf when only modes with 1 + a = 0 survive and t > 0).
 * Nc may be NULL. Returns QNN_HESS_OK; QNN_HESS_EMPTYCUT when nothing
 * survives the cut, with *Nc = 0 and every proxy and log_proxy NaN;
 * EARGS for a bad scale, cut or t (all outputs NaN). */
int qnn_liu24_proxy(const qnn_spectrum *s, double scale, double cut, const double *t, size_t nt,
                    double *proxy, double *log_proxy, double *Nc);
/* One time: the proxy, or NaN with *status (may be NULL) set as above. */
double qnn_liu24_proxy_at(const qnn_spectrum *s, double scale, double cut, double t, int *status);

/* ------------------------------------------------------------------ */
/* Time budget for live runs                                            */
/* ------------------------------------------------------------------ */

/* A Hessian is due at `step` when step - last_step >= every (always, if
 * none was done yet) and, with the time rule on, now_s >= next_allowed_s.
 * After one is computed at wall time now_s (seconds, any fixed origin,
 * read when it finished) at a cost of cost_s seconds, the next may start
 * at now_s + cost_s (1/max_fraction - 1): Hessians then take at most the
 * fraction max_fraction of the wall time. max_fraction <= 0 or >= 1 (or
 * NaN) switches the time rule off: headless runs use that and are
 * deterministic (the step rule alone). A step that is due by the step
 * rule but early by the time rule is skipped; the next call may fire, so
 * the spacing is then more than `every` steps. A step before the last one
 * done is never due. */
typedef struct qnn_hess_sched {
    long every;            /* steps between Hessians, >= 1 */
    double max_fraction;   /* of wall time; time rule off outside (0, 1) */
    long last_step;        /* last step done; QNN_HESS_SCHED_NEVER before the first */
    double spent_s;        /* total Hessian time so far */
    double next_allowed_s; /* earliest wall time for the next (-HUGE_VAL at first) */
} qnn_hess_sched;

#define QNN_HESS_SCHED_NEVER LONG_MIN

/* every < 1 is taken as 1. */
void qnn_hess_sched_init(qnn_hess_sched *s, long every, double max_fraction);
int qnn_hess_sched_due(const qnn_hess_sched *s, long step, double now_s);
void qnn_hess_sched_done(qnn_hess_sched *s, long step, double now_s, double cost_s);

#endif
