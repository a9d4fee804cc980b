/* Model frozen: kernel regression with the asymptotic kernel frozen at
 * t = 0, r(t) = e^{-η K_asym(0) t} r(0) — the NTK picture YOU23 argues
 * against, run beside the asymptotic dynamics from the same M(0) and data
 * (the asymptotic model's methods with a frozen kernel, asymptotic.c).
 * Its theory: the late rate 2 λ_min(K_asym(0)) of a constant kernel. */
#include "models.h"

static void frozen_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x)
{
    qnn_you23_analyse(s, run, x, 0, 1);
}

static void frozen_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t)
{
    qnn_you23_live_theory(p, c, m, t, 1);
}

const qnn_model_class qnn_class_frozen = {
    .name = "frozen",
    .help = "kernel regression with K_asym frozen at t = 0",
    .title = "frozen kernel K_asym(0)",
    .label = "frozen kernel",
    .line = 2,
    .figure = "training",
    .caps = QNN_CAP_LIVE | QNN_CAP_FLOW | QNN_CAP_FROZEN_K | QNN_CAP_QUBITS,
    .figures = "companion",
    QNN_ASYM_METHODS,
    .analyse = frozen_analyse,
    .live_theory = frozen_live_theory,
};
