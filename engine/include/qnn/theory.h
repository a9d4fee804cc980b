/* Theory overlays (docs/PHYSICS.md, "Theory overlays"). Each function states which statistic its
 * value is a prediction for; all are pure functions of the constants they
 * take, so summary.json can list the constants beside the value. */
#ifndef QNN_THEORY_H
#define QNN_THEORY_H

/* Exact finite-D ensemble mean of the scalar QNTK K = Σ_l (∂ε/∂θ_l)² for
 * the random model with W_l Haar (any 2-design), P_l uniform non-identity
 * Pauli strings and a fixed pure input:
 *     K̄ = 2 L γ² (D tr O² − tr² O) / ((D + 1)(D² − 1)).
 * Derived per layer from E_W tr(V†OV C)² (2-design) with C = i[P, |φ><φ|],
 * tr C² = 2(1 − <φ|P|φ>²) and E <φ|P|φ>² = 1/(D + 1). It is the diagonal of
 * the mean kernel behind LIU23 Eq. 21 and reduces to 2 L tr O²/D² (LIU23
 * Eq. 17; Eq. 9 drops the 2) at large D. The specification's
 * 2Lγ²[(D²−D−1)tr O² + tr² O]/(D(D+1)(D²−1)) disagrees with it (and with the
 * engine's Monte Carlo, see tests/test_physics_random.c): it does not vanish
 * for O ∝ I. Statistic: mean of K over instances (circuits and angles). */
double qnn_theory_mean_qntk(double D, double L, double gamma, double trO, double trO2);
/* The specification's formula (docs/PHYSICS.md, "The mean QNTK"), kept only to show the discrepancy. */
double qnn_theory_mean_qntk_spec(double D, double L, double gamma, double trO, double trO2);
/* LIU23 Eq. 9 leading order with the factor 2 of Eq. 17: 2 L γ² tr O²/D². */
double qnn_theory_mean_qntk_leading(double D, double L, double gamma, double trO2);
/* LIU23 Eq. 9 exactly as printed, L tr O²/D² (γ = 1, without the factor 2
 * of Eq. 17): shown beside the other two by qnnlab reproduce. */
double qnn_theory_mean_qntk_printed(double D, double L, double trO2);

/* LIU23 Eq. 12 (4-design, large D) over Eq. 17: the relative fluctuation
 * ΔK/K̄ = √((2 + 3 tr O⁴ / tr² O²)/L) (ΔK = √L/D² √(8 tr²(O²) + 12 tr O⁴) γ²,
 * K̄ = 2Lγ² tr O²/D²). Statistic: standard deviation of K over the
 * angles (and circuits) divided by the mean. */
double qnn_theory_qntk_rel_std(double L, double trO2, double trO4);

/* LIU23 Eq. 16 concentration conditions, as numbers that must be ≪ 1:
 * kernel: ΔK/K̄ (above); dQNTK: (√32/2) η ε(0) γ √tr O² / D (the second-
 * order term ½η²ε²Δμ against ηK̄ε, with Δμ from Eq. 15 without its stray
 * η, cf. LLJ Eq. 20). */
double qnn_theory_dqntk_ratio(double D, double eta, double gamma, double eps0, double trO2);

/* Smallest eigenvalue of the ENSEMBLE-MEAN kernel matrix for |A| orthogonal
 * inputs (LIU23 Eq. 21, times γ²):
 *     λ = 2 L γ² (D − |A|)(D tr O² − tr² O)/(D² − 1)².
 * The other |A| − 1 eigenvalues are 2 L γ² D (D tr O² − tr² O)/(D² − 1)².
 * The mean over instances of each instance's λ_min is lower (Jensen). */
double qnn_theory_lambda_min_mean_kernel(double D, double L, double A, double gamma, double trO, double trO2);
double qnn_theory_lambda_bulk_mean_kernel(double D, double L, double gamma, double trO, double trO2);

/* The curve ε(0) e^{−ηK̄t} of the predicted rate ηK̄ (LIU23 Eq. 10).
 * Statistic: the geometric mean of |ε(t)| over the instances, from that of
 * |ε(0)| (each decays at its own ηK_i; ln|ε| averages to ln|ε(0)| − ηK̄t
 * when E K_i = K̄, while the mean of |ε| lies above it by Jensen). */
double qnn_theory_eps_exp(double eps0, double eta, double Kbar, double t);
/* The loss along the same decay, L(0) e^{−2ηK̄t}, from the factor
 * decay = qnn_theory_eps_exp(1, η, K̄, t): L(0) · decay². Statistic: the
 * geometric mean of L(t) over the instances, from that of L(0). */
double qnn_theory_loss_exp(double loss0, double decay);

/* LLJ Eqs. 34-38, parameter noise σ_θ with frozen K: the floor
 * s = σ²/(η(2 − ηK)) of the mean ε² (which relaxes as (1 − ηK)^{2t}(ε²(0)
 * − s) + s); E|ε(∞)| = √(2/π) σ/√(2η − η²K); T_noise from Eq. 37. */
double qnn_theory_noise_floor(double eta, double K, double sigma);
double qnn_theory_noise_abs_eps(double eta, double K, double sigma);
double qnn_theory_noise_time(double eps0, double eta, double K, double sigma);

/* The second-order drift Eq. 34 leaves out (docs/PHYSICS.md, Noise). A kick
 * N(0, σ²) on the angle of a rotation e^{iθP} dephases the state in P's
 * eigenbasis and moves ε on average by ½σ² ∂²ε/∂θ² = σ²γ(⟨PÕP⟩ − ⟨Õ⟩). For
 * a 2-design state, E[⟨PÕP⟩ | ⟨Õ⟩ = y] = tr O/D − (y − tr O/D)/(D² − 1), so
 * over the L rotations of the random model (‖P‖ = 1) a step of noise moves
 * ε on average by c (Δ − ε) with
 *     c = σ² L D²/(D² − 1)   (qnn_theory_noise_drift_rate),
 *     Δ = γ tr O/D − O0      (qnn_theory_noise_drift_target):
 * the noise pulls ⟨O⟩ towards the centre of its spectrum. */
double qnn_theory_noise_drift_rate(double sigma, double L, double D);
double qnn_theory_noise_drift_target(double gamma, double trO, double D, double O0);

/* One step of the mean m and variance v of ε under LLJ's linear recursion
 * (Eqs. 31-33) with that drift, the kernel K before the step and Kn after:
 *     m ← (1 − ηK − c) m + c Δ,   v ← (1 − ηK − c)² v + σ² Kn.
 * With c = 0 it is LLJ's first-order recursion (Eq. 34 when K is frozen). */
void qnn_theory_noise_moments_step(double *m, double *v, double eta, double K, double Kn, double sigma,
                                   double c, double Delta);

/* Its stationary point for a frozen K: ε ~ N(μ, s') with a = ηK + c,
 * μ = cΔ/a, s' = σ²K/(a(2 − a)); returns E|ε| (qnn_theory_abs_normal_mean),
 * which is LLJ Eq. 38 when c = 0. */
double qnn_theory_noise_abs_eps_drift(double eta, double K, double sigma, double c, double Delta);

/* E|X| for X ~ N(m, v): √v √(2/π) e^{−m²/2v} + m (1 − 2Φ(−m/√v)); |m|
 * when v <= 0. */
double qnn_theory_abs_normal_mean(double m, double v);

/* YOU23 Thm. 3.2 (γ = 1, ±1 labels and measurement eigenvalues): the loss
 * obeys L(t) ≥ 1/(c0 + c1 t)², c0 = L(0)^{−1/2}, c1 = 12 η Σ_l ‖H_l‖²_op,
 * t in gradient steps. Statistic: every instance's loss, at every step. */
double qnn_theory_sublinear_bound(double loss0, double eta, double H_op2_sum, double t);

/* YOU23 Cor. 4.3 (m = 1): the asymptotic kernel k(t) = 2(γ² − ŷ²), so
 * −d ln L/dt = 2 k in asymptotic time. */
double qnn_theory_one_sample_kernel(double gamma, double yhat);

/* YOU23 Thm. 4.4: λ_min(K_asym) at global minima ≳ 2γ²(1 − 1/γ²) when
 * m²/d → 0 (negative for γ < 1: no guarantee). */
double qnn_theory_global_min_kernel(double gamma);

/* YOU23 Lemma 4.1: time in units of the asymptotic dynamics for a QNN
 * step count: t_asym = steps · η p tr H² / (m (d² − 1)) = steps · η p / m. */
double qnn_theory_asymptotic_time(double steps, double eta, double p, double m);

#endif
