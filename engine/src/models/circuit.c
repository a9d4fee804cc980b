/* Model circuit: a user's QNN (docs/CIRCUITS.md, "The circuit model").
 *
 * The circuit is an OpenQASM 3 file (key circuit, qnn/qasm.h) or a built-in
 * family (key ansatz: hea, qaoa; qnn/ansatz.h); every gate kind is
 * differentiated by the adjoint method (qnn/qcircuit.h). The outputs are
 *     ŷ_k(x) = γ <ψ(θ, x)| O_k |ψ(θ, x)>,   k = 1 .. K,
 * with O_k Pauli sums (key measure or measure_file; default Z on qubit 0,
 * or Z on qubit k for K > 2 classes) and x a row of the data set (key data,
 * a CSV file, qnn/dataset.h). A QASM `input` named like a column is that
 * feature; every other input is a trainable parameter; a circuit without
 * data inputs gets the angle encoding ry(x_i) (key encoding) on qubit i.
 *
 * Targets: a regression label y; two classes as -1 / +1 (prediction: the
 * sign of ŷ); K > 2 classes one-hot as +1 for the class and -1 elsewhere
 * (prediction: the largest ŷ_k). Residuals r_{jk} = ŷ_k(x_j) - t_{jk} over
 * the N training rows (m = N K), loss (1/2N) Σ r², and a step
 *     θ <- θ - η ∇loss_B,   loss_B = (1/2B) Σ_{j in B} Σ_k r_{jk}²
 * over a batch B of rows drawn without replacement (key batch; 0 = all
 * rows: plain gradient descent), so dr/dt = -(η/N) K r with K = J Jᵀ
 * in the full-batch limit: the frozen-kernel prediction of the live faces.
 * Without data (data = none) the model has one residual ε = γ<O_1> - O0 and
 * loss ½ ε² (LIU23's optimisation task for the user's circuit).
 *
 * The held-out rows (key test_fraction, stratified, split_seed) give the
 * test loss and accuracy of every evaluation. No 2-design is assumed: the
 * LIU23/YOU23 ensemble theory is not applied (the live faces say so), the
 * frozen-kernel prediction (the model linearised at K(0)) is. */
#include "models.h"
#include "instance_impl.h"
#include "qnn/analysis.h"
#include "qnn/ansatz.h"
#include "qnn/dataset.h"
#include "qnn/pauli_sum.h"
#include "qnn/qasm.h"
#include "qnn/qcircuit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_cblas.h>

/* Everything an instance is built from: the same for every instance of
 * one parameter set (the angles are the instance's). */
typedef struct cm_setup {
    qnn_qc *qc;
    qnn_pauli_sum *obs;
    int nobs;                /* at most QNN_DATA_MAX_CLASSES (one per output) */
    const qnn_pauli_sum *obsp[QNN_DATA_MAX_CLASSES]; /* &obs[k], as qnn_qsim_run takes them */
    int has_data;
    int classes;             /* 0 regression or no data, 2 binary, K > 2 */
    int ntrain, ntest, nx;   /* rows, and features per row (qc->nfeatures) */
    double *Xtr, *Xte;       /* rows x nx, in the circuit's feature order */
    double *Ttr, *Tte;       /* rows x nobs targets */
    int *Ctr, *Cte;          /* class index per row (classification) */
    double loss_scale;       /* c of loss = (c/2) Σ r² */
} cm_setup;

static void setup_free(cm_setup *s)
{
    qnn_qc_free(s->qc);
    qnn_pauli_sum_free_list(s->obs, s->nobs);
    free(s->Xtr);
    free(s->Xte);
    free(s->Ttr);
    free(s->Tte);
    free(s->Ctr);
    free(s->Cte);
    memset(s, 0, sizeof *s);
}

/* The circuit of p before any encoding: the file's, or the ansatz. */
static int base_circuit(const qnn_params *p, qnn_qc **qc, char *err, size_t errlen)
{
    if (p->circuit[0])
        return qnn_qasm_read(p->circuit, qc, err, errlen);
    if (p->ansatz == QNN_ANSATZ_HEA)
        return qnn_ansatz_hea(p->n, p->layers, p->rotations, (qnn_entgate)p->entangling,
                              (qnn_topology)p->topology, qc, err, errlen);
    qnn_pauli_sum cost;
    int rc;
    if (p->cost[0])
        rc = qnn_pauli_sum_parse(p->cost, p->n, "key 'cost'", &cost, NULL, err, errlen);
    else
        rc = qnn_ansatz_default_cost(p->n, &cost) == 0 ? 0 : qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the QAOA cost");
    if (rc != 0)
        return rc;
    rc = qnn_ansatz_qaoa(p->n, p->layers, &cost, qc, err, errlen);
    qnn_pauli_sum_free(&cost);
    return rc;
}

/* Z on qubit q of n as a one-term sum. */
static int z_sum(int n, int q, qnn_pauli_sum *o)
{
    o->n = n;
    o->nterms = 1;
    o->P = malloc(sizeof *o->P);
    o->c = malloc(sizeof *o->c);
    if (!o->P || !o->c)
        return -1;
    o->P[0].x = 0;
    o->P[0].z = 1u << q;
    o->c[0] = 1.0;
    return 0;
}

/* The circuit's features from the data set's columns: inputs named like a
 * column, or the angle encoding. col[i] is the column of feature i. */
static int bind_features(const qnn_params *p, qnn_qc *qc, const qnn_dataset *ds, int *col,
                         char *err, size_t errlen)
{
    const char *cname = p->circuit[0] ? p->circuit : "the ansatz";
    int matched = 0;
    for (int v = 0; v < qc->nvars; v++)
        for (int c = 0; c < ds->nfeat; c++)
            if (!strcmp(qc->vars[v].name, ds->feat_names[c])) {
                qnn_qc_set_role(qc, v, QNN_VAR_FEATURE);
                matched++;
            }
    if (matched > 0) {
        for (int c = 0; c < ds->nfeat; c++)
            if (qnn_qc_var_find(qc, ds->feat_names[c]) < 0)
                return qnn_fail(err, errlen, QNN_E_RELATION,
                                "key 'data': column '%s' of '%s' is no input of %s (it has %d data inputs); allowed: inputs named like every feature column, or key features listing the columns to use",
                                ds->feat_names[c], p->data == QNN_DATA_FILE ? p->data_file : "the made data", cname, matched);
        for (int v = 0; v < qc->nvars; v++)
            if (qc->vars[v].role == QNN_VAR_FEATURE)
                for (int c = 0; c < ds->nfeat; c++)
                    if (!strcmp(qc->vars[v].name, ds->feat_names[c]))
                        col[qc->vars[v].index] = c;
        return 0;
    }
    /* inputs x_0 .. x_{F-1} (the names the angle encoding gives, so what
     * `qnnlab circuit export` writes reads back with the same data) are
     * the features in column order */
    int positional = ds->nfeat > 0;
    for (int c = 0; c < ds->nfeat && positional; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "x_%d", c);
        positional = qnn_qc_var_find(qc, nm) >= 0;
    }
    if (positional) {
        for (int c = 0; c < ds->nfeat; c++) {
            char nm[32];
            snprintf(nm, sizeof nm, "x_%d", c);
            qnn_qc_set_role(qc, qnn_qc_var_find(qc, nm), QNN_VAR_FEATURE);
        }
        for (int c = 0; c < ds->nfeat; c++) {
            char nm[32];
            snprintf(nm, sizeof nm, "x_%d", c);
            col[qc->vars[qnn_qc_var_find(qc, nm)].index] = c;
        }
        return 0;
    }
    if (ds->nfeat > qc->n)
        return qnn_fail(err, errlen, QNN_E_RELATION,
                        "key 'data': '%s' has %d feature columns but %s has no inputs named like them and only %d qubits for the angle encoding; allowed: at most %d features (key features), more qubits, or inputs named like the columns",
                        p->data == QNN_DATA_FILE ? p->data_file : "the made data", ds->nfeat, cname, qc->n, qc->n);
    for (int c = 0; c < ds->nfeat; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "x_%d", c);
        if (qnn_qc_var_find(qc, nm) >= 0)
            return qnn_fail(err, errlen, QNN_E_RELATION,
                            "key 'circuit': %s already has an input named '%s', the name the angle encoding gives feature %d; allowed: inputs named like the data columns, or other names",
                            cname, nm, c);
    }
    int rc = qnn_ansatz_encode(qc, ds->nfeat, p->encoding == 1 ? QNN_G_RX : QNN_G_RY, err, errlen);
    if (rc != 0)
        return rc;
    for (int c = 0; c < ds->nfeat; c++)
        col[c] = c;
    return 0;
}

/* The data sets the program makes (the mlp's, qnn/mlp.h): m training rows
 * then n_test held-out rows, drawn from a generator seeded with split_seed
 * (the same for every instance), into a qnn_dataset: teacher (n_in
 * features, a teacher network's output), sin1d (1), bump2d (2): regression;
 * spirals (2 features, `classes` classes). */
static int synthetic(const qnn_params *p, qnn_dataset *ds, int *n_train, char *err, size_t errlen)
{
    const int N = p->m + p->n_test;
    const int nf = p->data == QNN_DATA_TEACHER ? p->n_in : p->data == QNN_DATA_SIN1D ? 1 : 2;
    static const char *const names[] = { "x1", "x2" };
    memset(ds, 0, sizeof *ds);
    ds->rows = N;
    ds->nfeat = nf;
    ds->X = malloc((size_t)N * nf * sizeof(double));
    ds->y = malloc((size_t)N * sizeof(double));
    ds->feat_names = calloc((size_t)nf, sizeof(char *));
    ds->label_name = strdup("y");
    int *lab = malloc((size_t)N * sizeof(int));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int rc = 0;
    if (!ds->X || !ds->y || !ds->feat_names || !ds->label_name || !lab || !r) {
        rc = qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for %d rows of data", N);
        goto done;
    }
    for (int i = 0; i < nf; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "x%d", i + 1);
        ds->feat_names[i] = strdup(nf <= 2 ? names[i] : nm);
        if (!ds->feat_names[i]) {
            rc = qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the data's names");
            goto done;
        }
    }
    gsl_rng_set(r, (unsigned long)p->split_seed);
    const int nL = p->data == QNN_DATA_SPIRALS ? p->classes : 1;
    double *Y = malloc((size_t)N * nL * sizeof(double));
    if (!Y) {
        rc = qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for %d rows of data", N);
        goto done;
    }
    rc = qnn_params_data(p, r, nf, nL, (size_t)N, ds->X, Y, lab, err, errlen);
    if (p->data == QNN_DATA_SPIRALS) {
        ds->classes = p->classes;
        ds->class_names = calloc((size_t)p->classes, sizeof(char *));
        for (int k = 0; rc == 0 && ds->class_names && k < p->classes; k++) {
            char nm[16];
            snprintf(nm, sizeof nm, "%d", k);
            ds->class_names[k] = strdup(nm);
        }
    }
    for (int j = 0; j < N; j++)
        ds->y[j] = p->data == QNN_DATA_SPIRALS ? lab[j] : Y[j];
    free(Y);
    *n_train = p->m;
done:
    free(lab);
    if (r)
        gsl_rng_free(r);
    if (rc != 0)
        qnn_dataset_free(ds);
    return rc;
}

/* The setup of p: circuit, observables, data and targets. 0, or a
 * negative qnn_status with a message; *s is then empty. */
static int setup_build(const qnn_params *p, cm_setup *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    qnn_dataset ds;
    memset(&ds, 0, sizeof ds);
    int *col = NULL, *idx = NULL;
    double *mean = NULL, *sd = NULL;
    int rc;
    if ((rc = base_circuit(p, &s->qc, err, errlen)) != 0)
        goto fail;
    const int n = s->qc->n;
    s->has_data = p->data != QNN_DATA_NONE;
    const int made = s->has_data && p->data != QNN_DATA_FILE;
    int made_train = 0;
    if (s->has_data) {
        qnn_dataset_opts o = { p->features, p->label, (qnn_problem)p->problem };
        if (made)
            rc = synthetic(p, &ds, &made_train, err, errlen);
        else
            rc = qnn_dataset_read(p->data_file, &o, &ds, err, errlen);
        if (rc != 0)
            goto fail;
        col = calloc((size_t)ds.nfeat + 1, sizeof *col);
        if (!col)
            goto oom;
        if ((rc = bind_features(p, s->qc, &ds, col, err, errlen)) != 0)
            goto fail;
        s->classes = ds.classes;
    }
    s->nx = s->qc->nfeatures;
    if (s->qc->nparams == 0) {
        rc = qnn_fail(err, errlen, QNN_E_RELATION, "key 'circuit': %s has no trainable parameters (every input is a data feature or there is none); allowed: a circuit with at least one `input float` or `input angle` that is not a data column",
                      p->circuit[0] ? p->circuit : "the ansatz");
        goto fail;
    }

    /* observables: one per output */
    const int outputs = s->classes > 2 ? s->classes : 1;
    if (p->measure_file[0])
        rc = qnn_pauli_sum_read(p->measure_file, n, &s->obs, &s->nobs, err, errlen);
    else if (p->measure[0])
        rc = qnn_pauli_sum_parse_list(p->measure, n, "key 'measure'", &s->obs, &s->nobs, err, errlen);
    else {
        if (outputs > n) {
            rc = qnn_fail(err, errlen, QNN_E_RELATION, "key 'data': '%s' has %d classes but the circuit has %d qubits for the default observables Z_0 .. Z_%d; allowed: at most %d classes, or one observable per class with key measure",
                          p->data == QNN_DATA_FILE ? p->data_file : "spirals", outputs, n, outputs - 1, n);
            goto fail;
        }
        s->obs = calloc((size_t)outputs, sizeof *s->obs);
        if (!s->obs)
            goto oom;
        s->nobs = outputs;
        for (int k = 0; k < outputs; k++)
            if (z_sum(n, k, &s->obs[k]) != 0)
                goto oom;
        rc = 0;
    }
    if (rc != 0)
        goto fail;
    if (s->nobs != outputs) {   /* (so nobs <= QNN_DATA_MAX_CLASSES below) */
        rc = qnn_fail(err, errlen, QNN_E_RELATION, "key '%s': %d observables for %d outputs (%s); allowed: %d Pauli sums separated by ';'",
                      p->measure_file[0] ? "measure_file" : "measure", s->nobs, outputs,
                      s->classes > 2 ? "one per class" : s->classes == 2 ? "two classes: one output, its sign" : "one output", outputs);
        goto fail;
    }

    for (int k = 0; k < s->nobs; k++)
        s->obsp[k] = &s->obs[k];
    if (!s->has_data) {
        s->ntrain = 1;
        s->Ttr = malloc(sizeof *s->Ttr);
        if (!s->Ttr)
            goto oom;
        s->Ttr[0] = p->O0;
        s->loss_scale = 1.0;
        return 0;
    }

    /* split, standardise, targets */
    idx = malloc((size_t)ds.rows * sizeof *idx);
    mean = malloc((size_t)ds.nfeat * sizeof *mean);
    sd = malloc((size_t)ds.nfeat * sizeof *sd);
    if (!idx || !mean || !sd)
        goto oom;
    if (made) {   /* the first m rows train, the n_test after them test */
        for (int r = 0; r < ds.rows; r++)
            idx[r] = r;
        s->ntrain = made_train;
    } else {
        qnn_dataset_split(&ds, p->test_fraction, p->split_seed, idx, &s->ntrain);
    }
    s->ntest = ds.rows - s->ntrain;
    qnn_dataset_moments(&ds, idx, s->ntrain, mean, sd);
    const int K = s->nobs;
    s->Xtr = malloc(((size_t)s->ntrain * s->nx + 1) * sizeof(double));
    s->Xte = malloc(((size_t)s->ntest * s->nx + 1) * sizeof(double));
    s->Ttr = malloc((size_t)s->ntrain * K * sizeof(double));
    s->Tte = malloc(((size_t)s->ntest * K + 1) * sizeof(double));
    s->Ctr = malloc((size_t)s->ntrain * sizeof(int));
    s->Cte = malloc(((size_t)s->ntest + 1) * sizeof(int));
    if (!s->Xtr || !s->Xte || !s->Ttr || !s->Tte || !s->Ctr || !s->Cte)
        goto oom;
    for (int r = 0; r < ds.rows; r++) {
        const int row = idx[r], train = r < s->ntrain, j = train ? r : r - s->ntrain;
        double *X = train ? s->Xtr + (size_t)j * s->nx : s->Xte + (size_t)j * s->nx;
        double *T = train ? s->Ttr + (size_t)j * K : s->Tte + (size_t)j * K;
        for (int i = 0; i < s->nx; i++) {
            const int c = col[i];
            double x = ds.X[(size_t)row * ds.nfeat + c];
            if (p->standardise)
                x = (x - mean[c]) / sd[c];
            X[i] = x;
        }
        const double y = ds.y[row];
        (train ? s->Ctr : s->Cte)[j] = s->classes ? (int)y : -1;
        if (s->classes == 2)
            T[0] = y > 0.5 ? 1.0 : -1.0;
        else if (s->classes > 2)
            for (int k = 0; k < K; k++)
                T[k] = (int)y == k ? 1.0 : -1.0;
        else
            T[0] = y;
    }
    s->loss_scale = 1.0 / (double)s->ntrain;
    free(col);
    free(idx);
    free(mean);
    free(sd);
    qnn_dataset_free(&ds);
    return 0;
oom:
    rc = qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building model circuit");
fail:
    free(col);
    free(idx);
    free(mean);
    free(sd);
    qnn_dataset_free(&ds);
    setup_free(s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The instance                                                             */
/* ------------------------------------------------------------------------ */

typedef struct cm_state {
    cm_setup own;
    const cm_setup *su;      /* own, or the lender's */
    qnn_qsim *sim;
    double *f, *g;           /* outputs (nobs) and their gradients (nobs x P) */
    double *gr;              /* grad_at scratch: residuals of all rows (m) */
    int *perm;               /* batch draws */
} cm_state;

static cm_state *cst(const qnn_instance *in) { return in->state; }

static void cm_free(qnn_instance *in)
{
    cm_state *s = cst(in);
    if (!s)
        return;
    setup_free(&s->own);
    qnn_qsim_free(s->sim);
    free(s->f);
    free(s->g);
    free(s->gr);
    free(s->perm);
    free(s);
    in->state = NULL;
}

static int cm_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    cm_state *s = calloc(1, sizeof *s);
    if (!s)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d", in->index);
    in->state = s;
    if (lender) {
        s->su = cst(lender)->su;
    } else {
        int rc = setup_build(&in->p, &s->own, err, errlen);
        if (rc != 0)
            return rc;
        s->su = &s->own;
    }
    const cm_setup *su = s->su;
    const int P = su->qc->nparams, K = su->nobs, m = su->ntrain * K;
    s->sim = qnn_qsim_new(su->qc);
    s->f = malloc((size_t)K * sizeof(double));
    s->g = malloc((size_t)K * P * sizeof(double));
    s->gr = malloc((size_t)m * sizeof(double));
    s->perm = malloc((size_t)su->ntrain * sizeof(int));
    if (!s->sim || !s->f || !s->g || !s->gr || !s->perm || qnn_model_alloc(in, m, P, 1) != 0 ||
        qnn_instance_observe_state(in, su->qc->n, NULL) != 0)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d (%d qubits, %d parameters, %d residuals)",
                        in->index, su->qc->n, P, m);
    for (int j = 0; j < su->ntrain; j++)
        s->perm[j] = j;
    qnn_model_init_theta(in, in->theta, P);
    return 0;
}

/* Residuals of every training row at theta into r (m entries) and, when J
 * is not NULL, the Jacobian rows; the final state of row 0 into psi when
 * not NULL. 0, or -1 when a value is not finite. */
static int forward(cm_state *s, const double *theta, double gamma, double *r, double *J, qnn_cplx *psi)
{
    const cm_setup *su = s->su;
    const int K = su->nobs, P = su->qc->nparams;
    int bad = 0;
    for (int j = 0; j < su->ntrain; j++) {
        const double *x = su->has_data ? su->Xtr + (size_t)j * su->nx : NULL;
        bad |= qnn_qsim_run(s->sim, theta, x, K, su->obsp, s->f, J ? s->g : NULL, j == 0 ? psi : NULL) != 0;
        for (int k = 0; k < K; k++) {
            r[j * K + k] = gamma * s->f[k] - su->Ttr[(size_t)j * K + k];
            if (J)
                for (int a = 0; a < P; a++)
                    J[((size_t)j * K + k) * P + a] = gamma * s->g[(size_t)k * P + a];
        }
    }
    return bad ? -1 : 0;
}

/* The predicted class of one row from its outputs y (K of them). */
static int predict(const cm_setup *su, const double *y)
{
    if (su->classes == 2)
        return y[0] > 0.0 ? 1 : 0;
    int best = 0;
    for (int k = 1; k < su->nobs; k++)
        if (y[k] > y[best])
            best = k;
    return best;
}

/* Test loss (same convention as the training loss) and accuracy. */
static void test_metrics(cm_state *s, const double *theta, double gamma, double *loss, double *acc)
{
    const cm_setup *su = s->su;
    const int K = su->nobs;
    *loss = *acc = NAN;
    if (su->ntest == 0)
        return;
    double ss = 0.0;
    int right = 0;
    for (int j = 0; j < su->ntest; j++) {
        qnn_qsim_run(s->sim, theta, su->Xte + (size_t)j * su->nx, K, su->obsp, s->f, NULL, NULL);
        for (int k = 0; k < K; k++) {
            s->f[k] *= gamma;
            double d = s->f[k] - su->Tte[(size_t)j * K + k];
            ss += d * d;
        }
        if (su->classes)
            right += predict(su, s->f) == su->Cte[j];
    }
    *loss = 0.5 * ss / (double)su->ntest;
    if (su->classes)
        *acc = (double)right / (double)su->ntest;
}

static int cm_eval(qnn_instance *in, int want, qnn_obs *out)
{
    cm_state *s = cst(in);
    const cm_setup *su = s->su;
    const int P = in->L, K = su->nobs;
    const double gamma = in->p.gamma, c = su->loss_scale;
    const int want_ent = (want & QNN_WANT_ENTROPY) && in->ent;
    int bad = forward(s, in->theta, gamma, in->r, in->J, want_ent ? in->psi_out : NULL);

    double ss, tr;
    qnn_circ_observe(in, c, want_ent, out, &ss, &tr);
    out->yhat0 = in->r[0] + su->Ttr[0];
    out->lambda_min = out->lambda_max = NAN;
    if (su->classes) {
        int right = 0;
        for (int j = 0; j < su->ntrain; j++) {
            double y[QNN_DATA_MAX_CLASSES];
            for (int k = 0; k < K; k++)
                y[k] = in->r[j * K + k] + su->Ttr[(size_t)j * K + k];
            right += predict(su, y) == su->Ctr[j];
        }
        out->accuracy = (double)right / (double)su->ntrain;
    }
    test_metrics(s, in->theta, gamma, &out->test_loss, &out->test_accuracy);

    int finite = !bad && isfinite(ss) && isfinite(tr) && qnn_model_finite(in->grad, (size_t)P) && qnn_model_angles_ok(in);
    if ((want & QNN_WANT_EIGEN) && finite)
        qnn_model_kernel_eigen(in, out);
    return finite ? 0 : 1;
}

/* A step on a mini-batch of B rows drawn without replacement (a partial
 * Fisher-Yates shuffle on the instance's angle stream): ∇loss_B from the
 * rows of the last evaluation's J and r, then the default step. */
static void cm_step(qnn_instance *in)
{
    cm_state *s = cst(in);
    const cm_setup *su = s->su;
    const int N = su->ntrain, B = in->p.batch, K = su->nobs, P = in->L;
    if (B <= 0 || B >= N || !su->has_data) {
        qnn_model_gradient_step(in);
        return;
    }
    memset(in->grad, 0, (size_t)P * sizeof(double));
    for (int b = 0; b < B; b++) {
        int k = b + (int)(qnn_model_uniform(in) * (double)(N - b));
        if (k >= N)
            k = N - 1;
        int t = s->perm[b];
        s->perm[b] = s->perm[k];
        s->perm[k] = t;
        const int j = s->perm[b];
        for (int o = 0; o < K; o++)
            cblas_daxpy(P, in->r[j * K + o] / (double)B, in->J + ((size_t)j * K + o) * P, 1, in->grad, 1);
    }
    qnn_model_gradient_step(in);
}

static int cm_grad_at(qnn_instance *in, const double *theta, double *g)
{
    cm_state *s = cst(in);
    const cm_setup *su = s->su;
    const int P = in->L, K = su->nobs;
    const double gamma = in->p.gamma;
    memset(g, 0, (size_t)P * sizeof(double));
    for (int j = 0; j < su->ntrain; j++) {
        const double *x = su->has_data ? su->Xtr + (size_t)j * su->nx : NULL;
        if (qnn_qsim_run(s->sim, theta, x, K, su->obsp, s->f, s->g, NULL) != 0)
            return -1;
        for (int k = 0; k < K; k++) {
            double r = gamma * s->f[k] - su->Ttr[(size_t)j * K + k];
            cblas_daxpy(P, su->loss_scale * r * gamma, s->g + (size_t)k * P, 1, g, 1);
        }
    }
    return 0;
}

static void cm_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    forward(cst(in), theta, in->p.gamma, r, NULL, NULL);
}

static int cm_set_gamma(qnn_instance *in, double gamma)
{
    (void)in;
    (void)gamma;   /* read from in->p at every evaluation */
    return 0;
}

static void cm_consts(const qnn_instance *in, qnn_consts *c)
{
    const cm_setup *su = cst(in)->su;
    c->n = su->qc->n;
    c->D = ldexp(1.0, su->qc->n);
    c->L = su->qc->nparams;
    c->m = in->m;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->sigma_theta = in->p.sigma_theta;
    double t1, t2, op;
    qnn_pauli_sum_moments(&su->obs[0], &t1, &t2, &op);
    c->trO = t1 * c->D;
    c->trO2 = t2 * c->D;
    c->trO4 = NAN;
    c->H_op2_sum = NAN;
    c->loss_scale = su->loss_scale;
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

/* The keys the setup is built from, and the files' identity (size and
 * modification time), as one text: two parameter sets with the same text
 * have the same sizes. */
static void sizes_key(const qnn_params *p, char *buf, size_t len)
{
    struct stat a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (p->circuit[0])
        stat(p->circuit, &a);
    if (p->data == QNN_DATA_FILE)
        stat(p->data_file, &b);
    snprintf(buf, len, "%s|%lld|%lld|%s|%lld|%lld|%d|%d|%d|%s|%d|%d|%s|%s|%s|%s|%s|%d|%.17g|%llu|%d|%d|%d|%d|%d",
             p->circuit, (long long)a.st_size, (long long)a.st_mtime, p->data_file, (long long)b.st_size,
             (long long)b.st_mtime, (int)p->data, p->n, (int)p->ansatz, p->rotations, p->entangling, p->topology, p->cost,
             p->measure, p->measure_file, p->features, p->label, p->problem, p->test_fraction,
             (unsigned long long)p->split_seed, p->m, p->n_test, p->classes, p->n_in, p->layers);
}

/* Sizes of p without building instances. The setup (a QASM file and a CSV
 * table: milliseconds) is built once per distinct key and the sizes kept:
 * a check asks for them several times and the Hessian observer at every
 * spectrum. NAN when it fails (the check says why). */
static int sizes(const qnn_params *p, double *P, double *m)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char last[4 * QNN_TEXT_MAX + 1024];
    static double lastP, lastm;
    char key[sizeof last];
    sizes_key(p, key, sizeof key);
    pthread_mutex_lock(&lock);
    int hit = !strcmp(key, last);
    *P = lastP;
    *m = lastm;
    pthread_mutex_unlock(&lock);
    if (hit)
        return isfinite(*P) ? 0 : -1;
    cm_setup s;
    char err[512];
    if (setup_build(p, &s, err, sizeof err) != 0) {
        *P = *m = NAN;
    } else {
        *P = s.qc->nparams;
        *m = (double)s.ntrain * s.nobs;
        setup_free(&s);
    }
    pthread_mutex_lock(&lock);
    snprintf(last, sizeof last, "%s", key);
    lastP = *P;
    lastm = *m;
    pthread_mutex_unlock(&lock);
    return isfinite(*P) ? 0 : -1;
}

static double cm_n_params(const qnn_params *p)
{
    double P, m;
    sizes(p, &P, &m);
    return P;
}

static double cm_n_residuals(const qnn_params *p)
{
    double P, m;
    sizes(p, &P, &m);
    return m;
}

static double cm_bytes(const qnn_params *p, double hessian_bytes)
{
    double P, m;
    sizes(p, &P, &m);
    if (!isfinite(P))
        P = m = 1.0;
    /* n is a file's qubit count too (the key circuit sets it) */
    const double D = ldexp(1.0, p->n);
    return hessian_bytes + qnn_qsim_bytes(p->n) + D * 16.0 /* psi_out */ +
           m * P * 8.0 * 2.0 + m * m * 8.0 * 3.0 + P * 8.0 * 8.0 + m * 8.0 * 4.0 + 65536.0;
}

static int cm_check(const qnn_params *p, char *err, size_t errlen)
{
    if (p->n_h != 0)
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n_h': value '%d' but model = circuit has no hidden register; allowed: 0 (the entropy cut is key cut)", p->n_h);
    cm_setup s;
    int rc = setup_build(p, &s, err, errlen);
    if (rc != 0)
        return rc;
    if (s.qc->n != p->n) {
        int fn = s.qc->n;
        setup_free(&s);
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n': value '%d' but '%s' declares %d qubits; allowed: n = %d (set by the key circuit; set n before circuit, or not at all)",
                        p->n, p->circuit, fn, fn);
    }
    const int N = s.ntrain, m = N * s.nobs;
    const int P = s.qc->nparams;
    setup_free(&s);
    if (p->batch > 0 && p->data != QNN_DATA_NONE && p->batch > N)
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'batch': value '%d' is more rows than the %d training rows; allowed: 0 (all rows) .. %d",
                        p->batch, N, N);
    if (m > 4096)
        return qnn_fail(err, errlen, QNN_E_SIZE, "key '%s': %d training rows give %d residuals (rows x outputs) for the %d x %d kernel; allowed: at most 4096 (raise test_fraction, use fewer rows or fewer outputs)",
                        p->data == QNN_DATA_FILE ? "data" : "m", N, m, m, m);
    (void)P;
    return 0;
}

static qnn_key_use cm_key_use(const qnn_params *p, const char *key)
{
    static const char *const unused[] = { "task", "L", "p", "entangler", "depth", "n_obs", "objective", "inputs",
                                          "labels", "n_h", "n_v", "eta_per_L", NULL };
    for (const char *const *k = unused; *k; k++)
        if (!strcmp(key, *k))
            return QNN_KEY_UNUSED;
    const int file = p->circuit[0] != 0, hea = !file && p->ansatz == QNN_ANSATZ_HEA, qaoa = !file && p->ansatz == QNN_ANSATZ_QAOA;
    const int csv = p->data == QNN_DATA_FILE, made = p->data != QNN_DATA_FILE && p->data != QNN_DATA_NONE;
    const int data = csv || made;
    if (!strcmp(key, "m") || !strcmp(key, "n_test"))
        return made ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "classes"))
        return p->data == QNN_DATA_SPIRALS ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "n_in") || !strcmp(key, "teacher_width") || !strcmp(key, "activation") || !strcmp(key, "c_w") ||
        !strcmp(key, "c_b"))
        return p->data == QNN_DATA_TEACHER ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "features") || !strcmp(key, "label") || !strcmp(key, "problem") || !strcmp(key, "test_fraction"))
        return csv ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "ansatz"))
        return file ? QNN_KEY_UNUSED : QNN_KEY_REBUILD;
    if (!strcmp(key, "layers"))
        return file ? QNN_KEY_UNUSED : QNN_KEY_REBUILD;
    if (!strcmp(key, "rotations") || !strcmp(key, "entangling") || !strcmp(key, "topology"))
        return hea ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "cost"))
        return qaoa ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "n") || !strcmp(key, "d"))
        return file ? QNN_KEY_UNUSED : QNN_KEY_REBUILD;
    if (!strcmp(key, "standardise") || !strcmp(key, "split_seed") || !strcmp(key, "batch"))
        return data ? (!strcmp(key, "batch") ? QNN_KEY_CONTINUE : QNN_KEY_REBUILD) : QNN_KEY_UNUSED;
    if (!strcmp(key, "O0"))
        return data ? QNN_KEY_UNUSED : QNN_KEY_REBUILD;
    if (!strcmp(key, "gamma"))
        return QNN_KEY_CONTINUE;
    if (!strcmp(key, "circuit") || !strcmp(key, "data") || !strcmp(key, "measure") || !strcmp(key, "measure_file") ||
        !strcmp(key, "encoding"))
        return QNN_KEY_REBUILD;
    return QNN_KEY_DEFAULT;
}

static int cm_circuit(const qnn_params *p, qnn_qc **out, char *err, size_t errlen)
{
    cm_setup s;
    int rc = setup_build(p, &s, err, errlen);
    if (rc != 0)
        return rc;
    *out = s.qc;
    s.qc = NULL;
    setup_free(&s);
    return 0;
}

static void cm_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t)
{
    (void)p;
    (void)c;
    (void)m;
    /* no ensemble theory: the circuit is not known to be a 2-design, and
     * the frozen-kernel line (drawn for every model that moves its kernel)
     * is the prediction that applies */
    t->note = "LIU23 Eqs. 9, 21: not applied, the circuit is not known to be a 2-design; the dotted line is the frozen kernel K(0)";
}

const qnn_model_class qnn_class_circuit = {
    .name = "circuit",
    .help = "a user's circuit: OpenQASM 3 file or hea/qaoa ansatz, Pauli-sum observables, CSV data",
    .title = "user circuit",
    .label = "circuit QNN",
    .figure = "training",
    .loss_text = "(1/2N) sum over the N training rows and the outputs of r^2 (data), or 1/2 eps^2 (no data); theta -= eta grad of the batch loss",
    .caps = QNN_CAP_PARAMS | QNN_CAP_PURE_STATE | QNN_CAP_LIVE | QNN_CAP_QUBITS | QNN_CAP_GAMMA | QNN_CAP_HELDOUT,
    .figures = "",
    .key_use = cm_key_use,
    .check = cm_check,
    .n_params = cm_n_params,
    .n_residuals = cm_n_residuals,
    .instance_bytes = cm_bytes,
    .build = cm_build,
    .free = cm_free,
    .eval = cm_eval,
    .step = cm_step,
    .grad_at = cm_grad_at,
    .residuals_at = cm_residuals_at,
    .set_gamma = cm_set_gamma,
    .consts = cm_consts,
    .circuit = cm_circuit,
    .live_theory = cm_live_theory,
};

