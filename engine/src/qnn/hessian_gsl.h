/* The engine's own entry to SLQ (qnn/hessian.h) with a GSL generator:
 * the instances draw their probes from their own seeded stream
 * (QNN_STREAM_HESSIAN), which goes on from one Hessian to the next.
 * Engine and tests only. */
#ifndef QNN_HESSIAN_GSL_H
#define QNN_HESSIAN_GSL_H

#include "qnn/hessian.h"

#include <gsl/gsl_rng.h>

/* qnn_hess_slq with the probes drawn from rng itself. */
int qnn_hess_slq_gsl(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                     gsl_rng *rng, qnn_spectrum *out, qnn_slq_info *info);
/* The same, cancellable between Lanczos steps as qnn_hess_assemble_cancel
 * says (QNN_HESS_ECANCEL; rng has then drawn an unspecified number of
 * values: a caller that retries restores it). Bit for bit the above when
 * no cancel comes. */
int qnn_hess_slq_gsl_cancel(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                            gsl_rng *rng, qnn_spectrum *out, qnn_slq_info *info,
                            const atomic_int *cancel);

#endif
