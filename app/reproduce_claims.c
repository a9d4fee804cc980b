/* The table of paper figures `qnnlab reproduce` knows (rep_figures): for
 * each its id, paper, preset, the paper's setting and ensemble, the
 * --quick overrides and the function that judges its claims (one file per
 * paper: reproduce_liu23.c, reproduce_llj.c, reproduce_you23.c,
 * reproduce_ome.c, reproduce_liu24.c). */
#include "reproduce_priv.h"

#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* The figures                                                               */
/* ------------------------------------------------------------------------ */

const fig_def rep_figures[] = {
    { "liu23-fig1", "LIU23 (Liu et al., PRL 130, 150601)", "Fig. 1: concentration of the QNTK", "liu23-fig1",
      "Random ansatz of Eq. 20 on 4 qubits, L up to 40; 1000 angle sets uniform in [0, 2π) per L; "
      "ΔK/K̄ against L with the L^{−1/2} scaling of Eq. 12, and K̄ against L with Eq. 9 in the inset.",
      "Paper: 1000 angle samples per L. Here: the same (one frozen circuit per L, as in the paper), and 16 further "
      "circuits per L with the same angle sets for one circuit's scatter (no files).",
      { NULL }, chk_liu23_fig1 },
    { "liu23-fig2", "LIU23 (Liu et al., PRL 130, 150601)", "Fig. 2: residual training error", "liu23-fig2",
      "2 qubits, L = 64, random initial angles in [0, 2π), gradient descent with η = 10⁻⁴ for 1000 steps, 50 "
      "initialisations; ε(t), its average and the prediction ε(0)e^{−ηK̄t}.",
      "Paper: 50 initialisations. Here: the same; besides, 20 further circuits (K(0) only) and 200 independent "
      "circuits trained once, for the rate over circuits (no files).",
      { NULL }, chk_liu23_fig2 },
    { "liu23-fig3", "LIU23 (Liu et al., PRL 130, 150601)", "Fig. 3: smallest kernel eigenvalue against |A|", "liu23-fig3",
      "Supervised task on 4 qubits, L = 64, |A| = 2 … 10 orthogonal inputs, 50 independent instances of the ansatz; "
      "the smallest kernel eigenvalue against Eq. 21.",
      "Paper: 50 instances. Here: the same.",
      { NULL }, chk_liu23_fig3 },
    { "llj-fig1", "LLJ (Liu, Lin, Jiang, appendix)", "Fig. 1: the noise plateau against σ_θ", "llj-fig1",
      "Random ansatz, 4 qubits, L = 64, η = 0.005, K ≈ 25, ε(0) ≈ 1, 100 steps with parameter noise σ_θ; the final "
      "error against σ_θ with Eq. 38.",
      "Paper: 10 runs per σ_θ (runs with large K discarded). Here: 50 runs per σ_θ, none discarded.",
      { NULL }, chk_llj_fig1 },
    { "llj-fig2", "LLJ (Liu, Lin, Jiang, appendix)", "Fig. 2: the spread of the final error against η", "llj-fig2",
      "Random ansatz, 4 qubits, L = 64, σ_θ = 0.005, K ≈ 35, ε(0) ≈ 1, t = 100 steps; σ_ε against η with √s "
      "(Eqs. 34–35).",
      "Paper: a small number of runs per η (not stated). Here: 50 per η.",
      { NULL }, chk_llj_fig2 },
    { "you23-fig1", "YOU23 (You et al., ICML 2023)", "Fig. 1: sublinear convergence at γ = 1", "you23-fig1",
      "Periodic ansatz, d = 32 and 64, m = 4 orthogonal states labelled ±1, p = 10, 20, 40, 80, η = 10⁻³/p, "
      "10⁴ iterations, 10 random initialisations.",
      "Paper: 10 initialisations, 10⁴ iterations. Here: the same.",
      { "instances=3", "d=32", "sweep.p=10,40", NULL }, chk_you23_fig1 },
    { "you23-fig2", "YOU23 (You et al., ICML 2023)", "Fig. 2: one-sample QNNs and Cor. 4.3", "you23-fig2",
      "m = 1, p = 320, γ = 1.2, 1.4, 2, 4, 8, η = 10⁻³/p; training curves, and −d ln L/dt against 2(γ² − ŷ²) "
      "(both over γ²). d is not stated; d = 32 here.",
      "Paper: ensemble not stated. Here: 4 instances per γ, 10⁴ steps.",
      { "instances=2", "steps=3000", "p=160", NULL }, chk_you23_fig2 },
    { "you23-fig3", "YOU23 (You et al., ICML 2023)", "Fig. 3: λ_min(K_asym) of the asymptotic dynamics", "you23-fig3",
      "The asymptotic dynamics (Eq. 119) from M(0) of Eq. 120 for several d, γ and m; the smallest eigenvalue of "
      "K_asym, which for large d depends on m/d and grows like γ².",
      "Paper: ensemble not stated. Here: 20 initialisations per point, 2000 steps of η = 0.005.",
      { "instances=6", "sweep.d=16,64", "sweep.m=2,4", NULL }, chk_you23_fig3 },
    { "you23-fig4", "YOU23 (You et al., ICML 2023)", "Fig. 4: linear convergence at γ = 4", "you23-fig4",
      "As Fig. 1 with γ = 4: d = 32, 64, p = 10 … 80, m = 4; training stops once the mean loss is below 10⁻².",
      "Paper: 10 initialisations. Here: the same, 1000 iterations.",
      { "instances=4", "d=32", NULL }, chk_you23_fig4 },
    { "you23-fig5", "YOU23 (You et al., ICML 2023)", "Fig. 5: K_asym is not frozen", "you23-fig5",
      "Asymptotic dynamics for varying d, γ, m; the relative change ‖K_asym(T) − K_asym(0)‖/‖K_asym(0)‖, each point "
      "averaged over 100 initialisations of M(0).",
      "Paper: 100 initialisations per point. Here: the same (T = 1000 steps of η = 0.005).",
      { "instances=20", "sweep.d=16,64", NULL }, chk_you23_fig5 },
    { "you23-fig6", "YOU23 (You et al., ICML 2023)", "Fig. 6: λ_min(K(t)) while training", "you23-fig6",
      "Over-parameterised periodic QNN, m = 4, γ = 2, several d (p = 320, η = 10⁻³/p, 10⁴ iterations).",
      "Paper: ensemble not stated. Here: 5 instances per d.",
      { "instances=2", "sweep.d=16,32", "steps=4000", NULL }, chk_you23_fig6 },
    { "ome-fig3a", "OME (Ortiz Marrero et al.)", "Fig. 3a: trace distance of ρ_v from I/D_v", "ome-fig3a",
      "One visible qubit (D_v = 2) and n_h hidden ones; the unitary network of Eq. 1 over the 2-local terms of "
      "App. C1; the trace distance against the bound ½√(D_v/D_h) on log-log axes.",
      "Paper: 1000 instances (histogram peaks). Here: 1000 instances per n_h, their mean.",
      { "instances=200", "sweep.n_h=1,2,3,4,5", NULL }, chk_ome_fig3a },
    { "ome-fig3b", "OME (Ortiz Marrero et al.)", "Fig. 3b: gradients of the unitary network die", "ome-fig3b",
      "Unitary network on one visible and n_h hidden qubits; the variance over 1000 instances of the gradient ∞-norm "
      "against n_h on a semi-log scale with a least-squares exponential fit.",
      "Paper: 1000 instances. Here: the same.",
      { "instances=300", "sweep.n_h=1,2,3,4,5", NULL }, chk_ome_fig3b },
    { "ome-fig3c", "OME (Ortiz Marrero et al.)", "Fig. 3c: gradients of the normalised QBM die", "ome-fig3c",
      "Quantum Boltzmann machine over the terms of App. C1, onsite N(0, 0.01), offsite N(0, 1), normalised by its "
      "operator norm, β = 1; variance of the gradient ∞-norm against n_h with an exponential fit.",
      "Paper: 1000 instances. Here: the same.",
      { "instances=300", "sweep.n_h=1,2,3,4", NULL }, chk_ome_fig3c },
    { "ome-fig4", "OME (Ortiz Marrero et al.)", "Fig. 4: trace-distance histograms", "ome-fig4",
      "D_v = 2; 1000 instances each of (a) e^{−iHt}|0…0⟩ for GUE H at t = 10, (b) the unitary network with U(0, 1) "
      "coefficients, (c) the normalised QBM; the distributions concentrate near 0 as hidden qubits are added.",
      "Paper: 1000 instances per histogram. Here: the same, n_h = 1, 3, 5.",
      { "instances=200", "sweep.n_h=1,3,4", NULL }, chk_ome_fig4 },
    { "liu24-fig2", "LIU24 (Liu et al., quantum algorithms for large-scale ML)",
      "Fig. 2 analogue: Hessian spectra in sparse training", "liu24-fig2-mlp",
      "ResNet on CIFAR-100 pruned by 90 % every 100 steps, 10 classical steps after each pruning, Hessian spectra every "
      "10 steps, the error proxy of Eq. III.12 (cut 0.4), and the accuracy. Scaled down (docs/PHYSICS.md, Reproducing the papers' figures): an MLP on "
      "generated spiral data.",
      "Paper: one ResNet run. Here: 4 MLP instances, 850 steps, exact Hessians.",
      { "instances=2", "steps=250", NULL }, chk_liu24_fig2 },
    { "liu24-fig4a", "LIU24 (Liu et al., quantum algorithms for large-scale ML)",
      "Fig. 4a: Carleman error against time and order N", "liu24-fig4a",
      "Quadratic ODEs with F1 of positive eigenvalues U(0, 1) only (all modes dissipative), F2 entries U(−0.015, 0.015); "
      "the error of a randomly chosen component of the order-N Carleman linearisation against time. The paper does not "
      "state u(0); u(0) ~ U(−1, 1)ⁿ here.",
      "Paper: ensemble not stated. Here: 20 systems per N, n = 4.",
      { "instances=8", NULL }, chk_liu24_fig4a },
    { "liu24-fig4b", "LIU24 (Liu et al., quantum algorithms for large-scale ML)",
      "Fig. 4b: Carleman error against the fraction f of dissipative modes", "liu24-fig4b",
      "As Fig. 4a at N = 4, with a fraction f of positive Hessian eigenvalues (the rest from U(−0.01, 0)), except "
      "u(0) ~ U(−0.1, 0.1)ⁿ, not Fig. 4a's U(−1, 1)ⁿ (the paper states neither): from U(−1, 1)ⁿ the divergent modes "
      "drive half the systems with f < 1 into a finite-time singularity before t = 200 (seed 3, 20 systems per f: 15, "
      "11 and 4 at f = 0.25, 0.5, 0.75; `--set ode_u0=1`).",
      "Paper: ensemble not stated. Here: 20 systems per f, n = 4.",
      { "instances=8", NULL }, chk_liu24_fig4b },
};
_Static_assert(sizeof rep_figures / sizeof rep_figures[0] == REP_NFIG, "REP_NFIG counts rep_figures");

const fig_def *rep_find_fig(const char *id)
{
    for (int i = 0; i < REP_NFIG; i++)
        if (!strcmp(rep_figures[i].id, id))
            return &rep_figures[i];
    return NULL;
}

