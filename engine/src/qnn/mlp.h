/* A classical multilayer perceptron (LLJ App. A, Eqs. 1-5, 12, 14, 17;
 * LIU24 §III): the forward pass, the loss and its exact gradient, the
 * neural tangent kernel, and exact Hessian-vector products, all batched
 * over the samples with dgemm.
 *
 * Network. Widths n_0 (input), n_1, .., n_L (output); L >= 1 is the number
 * of weight layers (L - 1 hidden layers). For one sample x (n_0 entries)
 *
 *     z^(1)   = W^(1) x + b^(1),
 *     z^(ℓ+1) = W^(ℓ+1) σ(z^(ℓ)) + b^(ℓ+1),   ℓ = 1 .. L-1,
 *     ŷ       = γ z^(L)                        (linear output layer),
 *
 * W^(ℓ) is n_ℓ x n_{ℓ-1}, b^(ℓ) has n_ℓ entries, γ is a finite output scale
 * (LLJ Eq. 1 has γ = 1). Activations σ, with the σ' and σ'' the gradient
 * and the Hessian use:
 *     tanh       σ' = 1 - σ²,   σ'' = -2 σ σ'
 *     relu       σ = max(z, 0), σ' = [z > 0] (so σ'(0) = 0), σ'' = 0
 *     linear     σ = z,         σ' = 1,       σ'' = 0
 *     quadratic  σ = z²,        σ' = 2z,      σ'' = 2
 *
 * Parameter vector θ (P entries, qnn_mlp_n_params): for ℓ = 1 .. L in
 * turn, W^(ℓ) row-major (W^(ℓ)_{ab} at w_off + a n_{ℓ-1} + b) then b^(ℓ)
 * (b^(ℓ)_a at b_off + a = w_off + n_ℓ n_{ℓ-1} + a); qnn_mlp_layer_info
 * and qnn_mlp_param_tags give the offsets and, per parameter, the layer
 * and whether it is a weight.
 *
 * Batches. N samples: X row-major N x n_0 (sample α is row α), targets and
 * outputs row-major N x n_L. Every batched call takes 1 <= N <= the
 * max_batch the object was made for.
 *
 * Loss (LLJ Eq. 4 with a scale c; LLJ has c = 1):
 *     ℒ(θ) = (c/2) Σ_{α,i} (ŷ_{i;α} - y_{i;α})².
 *
 * Learning-rate tensor. Gradient descent is θ ← θ - η λ ⊙ ∇ℒ with a
 * per-parameter factor λ_μ (the caller takes the step; qnn_mlp_lambda
 * writes λ). QNN_MLP_LR_NTK: λ = 1/n_{ℓ-1} for the weights of layer ℓ and
 * 1 for the biases (the Roberts-Yaida learning-rate tensor with
 * λ_W = λ_b = 1, which keeps the NTK O(1) as the widths grow);
 * QNN_MLP_LR_STANDARD: λ = 1 for every parameter.
 *
 * NTK (LLJ Eq. 14 with the learning-rate tensor): the (N n_L) x (N n_L)
 * matrix
 *     K_{(α,i),(β,j)} = Σ_μ λ_μ ∂ŷ_{i;α}/∂θ_μ ∂ŷ_{j;β}/∂θ_μ,
 * row and column index α n_L + i (sample major, output component minor),
 * so that under gradient flow dε/dt = -c K ε with ε = ŷ - y flattened the
 * same way (LLJ Eq. 15).
 *
 * LeCun initialisation (LLJ Eq. 2, one C_W and C_b for every layer):
 * W^(ℓ)_{ab} ~ N(0, C_W / n_{ℓ-1}), b^(ℓ)_a ~ N(0, C_b), one
 * gsl_ran_gaussian draw per parameter in the θ order above; a variance of
 * 0 (C_b = 0, say) sets those parameters to exactly 0 without a draw.
 *
 * Costs (P parameters, N samples): forward, loss + gradient and one
 * Hessian-vector product are O(N P) (1, 3 and 8 dgemm passes over the
 * weights, each 2 N P flops; measured at N = 100, widths 2, 256, 256, 1,
 * tanh, one thread on the AMD EPYC build machine: 0.65, 1.2 and 2.6 ms).
 * The NTK is O(N² n_L² Σ_ℓ n_ℓ + N P n_L) without forming the Jacobian:
 * since ∂ŷ_{i;α}/∂W^(ℓ)_{ab} = g^{(ℓ)}_{a;αi} a^{(ℓ-1)}_{b;α} factorises
 * (g the backpropagated sensitivity of output i, a^{(ℓ-1)} the layer
 * input), layer ℓ contributes (G Gᵀ) ∘ (λ_W A Aᵀ + λ_b) with G the
 * (N n_L) x n_ℓ sensitivities of all output components at once.
 *
 * Memory: the object holds 5 N Σ_{ℓ>=1} n_ℓ + 6 N max_{ℓ>=1} n_ℓ + N
 * doubles (N = max_batch); the first qnn_mlp_ntk or qnn_mlp_jacobian call
 * adds 2 N n_L max_ℓ n_ℓ + 2 N² more, kept until qnn_mlp_free.
 *
 * Errors: functions that can fail return 0, or a negative qnn_status
 * (qnn/status.h; "0 or -1" below means this: QNN_E_ARGS for a bad
 * argument, QNN_E_SIZE for sizes that overflow, QNN_E_NOMEM), or NULL, and,
 * when err is not NULL, write a one-line message naming the bad value into
 * err (at most errlen bytes). The engine never prints. An object is not
 * thread-safe (its workspaces are reused by every call); distinct objects
 * may be used from different threads. Values are not checked for
 * finiteness after the fact: a diverged θ gives a NaN or infinite loss,
 * which the caller tests. */
#ifndef QNN_MLP_H
#define QNN_MLP_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

typedef enum qnn_mlp_act {
    QNN_MLP_TANH = 0,
    QNN_MLP_RELU = 1,
    QNN_MLP_LINEAR = 2,
    QNN_MLP_QUADRATIC = 3
} qnn_mlp_act;

typedef enum qnn_mlp_lr {
    QNN_MLP_LR_STANDARD = 0,   /* λ = 1 */
    QNN_MLP_LR_NTK = 1         /* λ = 1/n_{ℓ-1} for W^(ℓ), 1 for b^(ℓ) */
} qnn_mlp_lr;

/* Where layer ℓ (1-based) lives in θ. */
typedef struct qnn_mlp_layer {
    size_t w_off;   /* first entry of W^(ℓ) */
    size_t b_off;   /* first entry of b^(ℓ) = w_off + fan_out * fan_in */
    int fan_in;     /* n_{ℓ-1} */
    int fan_out;    /* n_ℓ */
} qnn_mlp_layer;

typedef struct qnn_mlp qnn_mlp;

/* "tanh", "relu", "linear", "quadratic" (NULL for a bad value). */
const char *qnn_mlp_act_name(qnn_mlp_act act);
/* The activation named s (as above); 0, or -1 with *out untouched. */
int qnn_mlp_act_parse(const char *s, qnn_mlp_act *out);

/* A network with L >= 1 weight layers, widths[0 .. L] >= 1 (copied),
 * activation act and output scale γ (finite), with workspaces for batches
 * of up to max_batch >= 1 samples. Sizes are checked for overflow of
 * size_t, and max_batch <= INT_MAX for BLAS's int dimensions (the NTK and
 * the Jacobian also need max_batch n_L and n_L max_ℓ n_ℓ <= INT_MAX,
 * checked when they are called). Returns the object, or NULL with a
 * message (bad argument or out of memory). Free with qnn_mlp_free (NULL
 * is allowed). */
qnn_mlp *qnn_mlp_new(int L, const int *widths, qnn_mlp_act act, double gamma, size_t max_batch,
                     char *err, size_t errlen);
void qnn_mlp_free(qnn_mlp *m);

int qnn_mlp_depth(const qnn_mlp *m);             /* L */
const int *qnn_mlp_widths(const qnn_mlp *m);     /* n_0 .. n_L (L + 1 entries) */
/* Changes the output scale γ (live sessions). */
void qnn_mlp_set_gamma(qnn_mlp *m, double gamma);
/* P = Σ_ℓ n_ℓ (n_{ℓ-1} + 1). */
size_t qnn_mlp_n_params(const qnn_mlp *m);

/* The offsets and fan-in/out of layer l (1 <= l <= L) into *out; 0, or -1
 * for l out of range (*out untouched). */
int qnn_mlp_layer_info(const qnn_mlp *m, int l, qnn_mlp_layer *out);
/* For every parameter μ = 0 .. P-1: layer[μ] = its ℓ (1 .. L) and
 * is_weight[μ] = 1 for an entry of W^(ℓ), 0 for one of b^(ℓ). Either
 * array may be NULL. */
void qnn_mlp_param_tags(const qnn_mlp *m, int *layer, unsigned char *is_weight);
/* The learning-rate factors λ (P entries) of the given mode. 0, or -1 for
 * an unknown mode. */
int qnn_mlp_lambda(const qnn_mlp *m, qnn_mlp_lr mode, double *lambda, char *err, size_t errlen);

/* LeCun initialisation of θ (P entries) as documented above, C_W >= 0 and
 * C_b >= 0 finite. 0, or -1 for a bad variance (θ untouched). */
int qnn_mlp_init(const qnn_mlp *m, double *theta, double C_W, double C_b, gsl_rng *r,
                 char *err, size_t errlen);

/* ŷ for N samples: X is N x n_0, Yhat N x n_L (row-major). 0 or -1. */
int qnn_mlp_forward(qnn_mlp *m, const double *theta, size_t N, const double *X, double *Yhat,
                    char *err, size_t errlen);

/* The loss ℒ (c finite) at θ on (X, Y) into *loss and, when grad is not
 * NULL, ∇ℒ (P entries, not overlapping θ) by backpropagation. Either
 * output may be NULL. 0 or -1. */
int qnn_mlp_loss_grad(qnn_mlp *m, const double *theta, size_t N, const double *X, const double *Y,
                      double c, double *loss, double *grad, char *err, size_t errlen);

/* Hv = ∇²ℒ(θ) v exactly (Pearlmutter's R-operator: a forward pass for
 * R{z} = dz(θ + t v)/dt at t = 0 and a backward pass for R{δ}), v and Hv
 * P entries each (Hv must overlap neither v nor θ). O(N P). 0 or -1. */
int qnn_mlp_hvp(qnn_mlp *m, const double *theta, size_t N, const double *X, const double *Y,
                double c, const double *v, double *Hv, char *err, size_t errlen);

/* The NTK of the documented learning-rate mode on the N samples of X into
 * K, (N n_L) x (N n_L) row-major, full storage, index α n_L + i. Does not
 * form the Jacobian. 0 or -1 (also when the extra workspace cannot be
 * allocated). */
int qnn_mlp_ntk(qnn_mlp *m, const double *theta, size_t N, const double *X, qnn_mlp_lr mode,
                double *K, char *err, size_t errlen);

/* The Jacobian J_{(α,i),μ} = ∂ŷ_{i;α}/∂θ_μ into J, (N n_L) x P row-major,
 * row α n_L + i (no λ). O(N n_L P) time and memory; meant for tests and
 * small networks. 0 or -1. */
int qnn_mlp_jacobian(qnn_mlp *m, const double *theta, size_t N, const double *X, double *J,
                     char *err, size_t errlen);

/* ----- Data sets -------------------------------------------------------
 * Each writes X (N x n_0) and Y (N x n_L), row-major, from the given
 * generator in the order stated, N >= 1. 0, or -1 with a message. */

/* Teacher-student regression: a teacher MLP with widths n_0, teacher_width
 * (depth - 1 times), n_L (depth >= 1 weight layers; teacher_width is
 * checked but unused when depth = 1), activation act, γ = 1, LeCun-
 * initialised with (C_W, C_b) by qnn_mlp_init from r; then x ~ N(0, I_{n_0})
 * for every sample (N n_0 gsl_ran_gaussian draws in the order of X), and
 * y = the teacher's output. When teacher_theta is not NULL it receives the
 * teacher's parameters (qnn_mlp_n_params of that network entries; compute
 * it with a qnn_mlp of the same widths). */
int qnn_mlp_data_teacher(gsl_rng *r, int n0, int nL, int teacher_width, int depth, qnn_mlp_act act,
                         double C_W, double C_b, size_t N, double *X, double *Y,
                         double *teacher_theta, char *err, size_t errlen);

/* n_0 = n_L = 1: per sample x ~ U(-π, π) (one gsl_ran_flat draw), y = sin x. */
int qnn_mlp_data_sin1d(gsl_rng *r, size_t N, double *X, double *Y, char *err, size_t errlen);

/* n_0 = 2, n_L = 1: per sample x_1 then x_2 ~ U(-1, 1), and
 * y = exp(-2 |x|²) cos(3 x_1). */
int qnn_mlp_data_bump2d(gsl_rng *r, size_t N, double *X, double *Y, char *err, size_t errlen);

/* n_0 = 2, n_L = k >= 2 classes of interleaved spiral arms. Sample α has
 * class labels[α] = α mod k (balanced and interleaved, so any contiguous
 * block of k samples holds every class; labels may be NULL); per sample
 * t ~ U[0, 1) (one gsl_rng_uniform draw), then two N(0, noise²) draws
 * e_1, e_2 (none when noise = 0), and with the angle
 * φ = 2π c / k + 4 t (radians),
 *     x = t (cos φ, sin φ) + (e_1, e_2),
 * so each arm winds from the origin out to radius 1 through 4 radians,
 * the arms 2π/k apart. Y is one-hot: Y[α][c] = 1, the other entries 0.
 * noise >= 0 finite (0.05, say: a few per cent of the arm spacing). */
int qnn_mlp_data_spirals(gsl_rng *r, int k, double noise, size_t N, double *X, double *Y,
                         int *labels, char *err, size_t errlen);

/* Classification accuracy: the fraction of the N samples whose argmax over
 * the n_L outputs (Yhat row-major N x n_L; the first index on a tie) equals
 * labels[α]. Returns NaN for N = 0, n_L < 1 or NULL arrays. */
double qnn_mlp_accuracy(size_t N, int nL, const double *Yhat, const int *labels);

#endif
