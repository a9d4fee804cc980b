/* Gate fusion (qnn/fuse.h). SKELETON: one block per gate; the planner and
 * the block kernels come with issue 24. */
#include "qnn/fuse.h"
#include "qnn/gate2.h"

#include <stdlib.h>
#include <string.h>

struct qnn_fused {
    int n;
    size_t ngates;
    int *q;          /* 2 per gate */
    qnn_cplx *g;     /* 16 per gate */
};

qnn_fused *qnn_fused_new(int n, size_t ngates, const qnn_gate_ref *gates, int kmax)
{
    if (n < 1 || n > QNN_MAX_QUBITS || kmax < 2 || kmax > 5)
        return NULL;
    qnn_fused *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->n = n;
    f->ngates = ngates;
    f->q = malloc((ngates ? ngates : 1) * 2 * sizeof(int));
    f->g = malloc((ngates ? ngates : 1) * 16 * sizeof(qnn_cplx));
    if (!f->q || !f->g) {
        qnn_fused_free(f);
        return NULL;
    }
    for (size_t i = 0; i < ngates; i++) {
        f->q[2 * i] = gates[i].q0;
        f->q[2 * i + 1] = gates[i].q1;
        memcpy(f->g + 16 * i, gates[i].g, (gates[i].q1 < 0 ? 4 : 16) * sizeof(qnn_cplx));
    }
    return f;
}

void qnn_fused_free(qnn_fused *f)
{
    if (!f)
        return;
    free(f->q);
    free(f->g);
    free(f);
}

void qnn_fused_apply(const qnn_fused *f, qnn_cplx *psi, int adjoint)
{
    for (size_t s = 0; s < f->ngates; s++) {
        size_t i = adjoint ? f->ngates - 1 - s : s;
        if (f->q[2 * i + 1] < 0)
            qnn_gate1_apply(psi, f->n, f->q[2 * i], f->g + 16 * i, adjoint);
        else
            qnn_gate2_apply(psi, f->n, f->q[2 * i], f->q[2 * i + 1], f->g + 16 * i, adjoint);
    }
}

size_t qnn_fused_blocks(const qnn_fused *f)
{
    return f->ngates;
}

int qnn_fused_block_qubits(const qnn_fused *f, size_t i)
{
    return f->q[2 * i + 1] < 0 ? 1 : 2;
}
