/* The live session (session.h): a worker thread stepping an ensemble,
 * commands in a queue, immutable snapshots out. */
#include "qnn/session.h"
#include "qnn/entangle.h"
#include "qnn/hessian.h"
#include "qnn/instance.h"
#include "qnn/model.h"
#include "qnn/theory.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>

/* ------------------------------------------------------------------------ */
/* Types                                                                    */

typedef enum { CMD_SET, CMD_PLAY, CMD_STEP, CMD_RESET, CMD_SPEED } cmd_kind;

/* A SET carries the value's text (what the log keeps); a typed SET
 * (qnn_session_set_number) also the number itself, applied as it is. */
typedef struct cmd {
    cmd_kind kind;
    int arg;
    int typed;
    double number;
    char key[32];
    char value[64];
} cmd;

/* What happens when a key changes (see session.h). */
typedef enum { APPLY_RATES, APPLY_GAMMA, APPLY_CONTINUE, APPLY_VIEW, APPLY_REBUILD } apply_kind;

/* One record: the ensemble means, theory, instance 0's Hessian summary,
 * and the first nfaint instances. */
typedef struct rec {
    long step;
    double err, k, kmax, s, d;      /* means over live instances */
    double th, frozen;
    int thkind;
    double hfp, proxy;
} rec;

typedef struct frec { double err, k, s, d; } frec;

/* Segment state of one instance for the frozen-kernel prediction:
 * r(s + k) = V diag(μ^k) Vᵀ r(s), μ = 1 − f λ. */
typedef struct seg_inst {
    double *V, *lam, *c;            /* m x m (row-major), m, m */
    int valid;
} seg_inst;

struct qnn_session {
    /* shared (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int started, quit;
    cmd *q;
    size_t qn, qcap;
    qnn_params requested;
    qnn_snapshot *cur;
    qnn_change *log;                /* appended by the worker under mu */
    size_t nlog, logcap;
    qnn_params base;
    long step_shared;               /* the worker's step, for qnn_session_log */
    /* worker */
    qnn_session_opts o;
    qnn_params p;
    int R, m, nfaint;
    qnn_instance **inst;
    int *dead;
    qnn_obs *obs;                   /* R, the last evaluation */
    long step;
    double flow_time;
    int playing, single, spf;
    long target;                    /* replay target step, -1 */
    qnn_change *replay;
    size_t nreplay, ireplay;
    /* history */
    size_t nrec;
    long interval;
    rec *hist;                      /* HIST_CAP */
    frec *fhist;                    /* HIST_CAP x MAX_FAINT */
    double *eig_now;                /* R x m */
    qnn_snap_mark *marks;
    size_t nmarks, markcap;
    /* segment */
    int seg_pending;
    long seg_step;
    double seg_err, seg_loss, seg_abs_eps;
    seg_inst *seg;
    double lin_factor;              /* μ = 1 − lin_factor λ */
    /* theory */
    qnn_live_pred pred;             /* the class's prediction of the error curve */
    int dqntk;                      /* the LIU23 dQNTK ratio applies */
    double Kbar, noise_abs_eps, lambda_min_pred, global_min_pred, page, max_entropy,
           tdist_bound, conc_kernel, trO2, D, H_op2_sum, loss_c, dt;
    /* Hessian */
    qnn_hess_sched sched;
    qnn_snap_hist hnow, hprev;
    /* status */
    char message[256];
    int message_error;
    int ndiverged;
    long diverged_step;
    uint64_t seq;
    double rate_t0;
    long rate_s0;
    double steps_per_s;
    double t_start;
    int dirty;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int has_params(const qnn_params *p)
{
    return qnn_model_has(p->model, QNN_CAP_PARAMS);
}

/* The parameters the instances are built from: the live ensemble size, and
 * no Hessian for a model without parameters. */
static void live_params(qnn_params *p, int R)
{
    p->instances = R;
    p->threads = 1;
    if (!has_params(p))
        p->hessian = QNN_HESS_OFF;
    if (p->model->live_params)
        p->model->live_params(p);
}

/* How a change of `key` applies: the class's answer (qnn_model_key_use),
 * with η, σ_θ and γ applied to the running instances where they can be. */
static apply_kind key_kind(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "eta") || !strcmp(key, "sigma_theta") || !strcmp(key, "eta_per_L"))
        return APPLY_RATES;
    if (!strcmp(key, "gamma"))
        return APPLY_GAMMA;
    switch (qnn_model_key_use(p, key)) {
    case QNN_KEY_EXTEND: return APPLY_CONTINUE;
    case QNN_KEY_VIEW: return APPLY_VIEW;
    default: return APPLY_REBUILD;
    }
}

static void set_message(qnn_session *s, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void set_message(qnn_session *s, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof s->message, fmt, ap);
    va_end(ap);
    s->message_error = error;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */

static void free_instances(qnn_instance **inst, int R)
{
    if (!inst)
        return;
    for (int i = R; i-- > 0;)   /* borrowers before their lender */
        qnn_instance_free(inst[i]);
    free(inst);
}

static void free_seg(qnn_session *s)
{
    if (s->seg)
        for (int i = 0; i < s->R; i++) {
            free(s->seg[i].V);
            free(s->seg[i].lam);
            free(s->seg[i].c);
        }
    free(s->seg);
    s->seg = NULL;
}

/* Theory values of the current parameters from the instances' constants. */
static void compute_theory(qnn_session *s)
{
    const qnn_params *p = &s->p;
    double D = 0, L = 0, trO = 0, trO2 = 0, trO4 = 0, Hs = 0, ls = 0;
    for (int i = 0; i < s->R; i++) {
        qnn_consts c;
        qnn_instance_consts(s->inst[i], &c);
        D += c.D; L += c.L; trO += c.trO; trO2 += c.trO2; trO4 += c.trO4; Hs += c.H_op2_sum;
        ls += c.loss_scale;
    }
    D /= s->R; L /= s->R; trO /= s->R; trO2 /= s->R; trO4 /= s->R; Hs /= s->R; ls /= s->R;
    {
        qnn_consts c0;
        qnn_instance_consts(s->inst[0], &c0);
        s->dt = c0.dt;
    }
    s->loss_c = ls;
    s->D = D;
    s->trO2 = trO2;
    s->H_op2_sum = Hs;
    const double eta = qnn_params_eta(p);
    s->page = s->max_entropy = s->tdist_bound = NAN;
    qnn_live_theory t = { NAN, NAN, NAN, NAN, NAN, QNN_LIVE_PRED_NONE, 0 };
    if (p->model->live_theory) {
        qnn_consts mean = { .D = D, .L = (int)L, .trO = trO, .trO2 = trO2, .trO4 = trO4, .H_op2_sum = Hs, .loss_scale = ls };
        p->model->live_theory(p, &mean, s->m, &t);
    }
    s->Kbar = t.Kbar;
    s->conc_kernel = t.conc_kernel;
    s->noise_abs_eps = t.noise_abs_eps;
    s->lambda_min_pred = t.lambda_min_pred;
    s->global_min_pred = t.global_min_pred;
    s->pred = t.pred;
    s->dqntk = t.dqntk;
    const int pure = qnn_model_has(p->model, QNN_CAP_PURE_STATE);
    if (pure || qnn_model_has(p->model, QNN_CAP_MIXED_STATE)) {
        const int nv = qnn_params_visible(p);
        const double Dv = ldexp(1.0, nv), Dh = ldexp(1.0, p->n - nv);
        const double unit = p->entropy_bits ? 1.0 / M_LN2 : 1.0;
        s->max_entropy = log(Dv) * unit;
        if (pure) {
            s->page = qnn_page_entropy(Dv, Dh) * unit;
            s->tdist_bound = qnn_trace_distance_bound(Dv, Dh);
        }
    }
    /* r(t+1) − r(t) = −f K r(t) to first order in the step: the loss is
     * (c/2) Σ r² and θ −= η ∇loss, so f = η c (random c = 1, periodic
     * 1/m, mlp 1 with K in the training metric); the asymptotic dynamics
     * is dr/dt = −η K_asym r, f = η */
    s->lin_factor = qnn_model_has(p->model, QNN_CAP_FLOW) ? eta : eta * ls;
}

/* Builds R instances of np. keep_theta: copy the angles of the old
 * instances (the first min(L_old, L_new)). 0, or -1 with the message set
 * (the old instances are kept). */
static int rebuild(qnn_session *s, const qnn_params *np, int R, int keep_theta)
{
    char err[512] = "";
    qnn_params pp = *np;
    live_params(&pp, R);
    qnn_instance **inst = calloc((size_t)R, sizeof *inst);
    if (!inst) {
        set_message(s, 1, "out of memory for %d instances", R);
        return -1;
    }
    for (int i = 0; i < R; i++) {
        qnn_params pi = pp;
        if (i > 0)
            pi.hessian = QNN_HESS_OFF;   /* the live Hessian is instance 0's */
        const qnn_instance *lender = pp.resample == QNN_RESAMPLE_THETA && i > 0 ? inst[0] : NULL;
        inst[i] = qnn_instance_new(&pi, i, lender, err, sizeof err);
        if (!inst[i]) {
            free_instances(inst, i);
            set_message(s, 1, "%s", err);
            return -1;
        }
    }
    if (keep_theta && s->inst)
        for (int i = 0; i < R && i < s->R; i++) {
            int L;
            const double *th = qnn_instance_theta(s->inst[i], &L);
            if (th && L > 0)
                qnn_instance_set_theta(inst[i], th, L);
        }
    int m = 1;
    qnn_instance_kernel(inst[0], &m);
    int *dead = calloc((size_t)R, sizeof *dead);
    qnn_obs *obs = calloc((size_t)R, sizeof *obs);
    double *eig = malloc((size_t)R * (size_t)m * sizeof *eig);
    seg_inst *seg = calloc((size_t)R, sizeof *seg);
    int ok = dead && obs && eig && seg;
    for (int i = 0; ok && i < R; i++) {
        seg[i].V = malloc((size_t)m * (size_t)m * sizeof(double));
        seg[i].lam = malloc((size_t)m * sizeof(double));
        seg[i].c = malloc((size_t)m * sizeof(double));
        ok = seg[i].V && seg[i].lam && seg[i].c;
    }
    if (!ok) {
        if (seg)
            for (int i = 0; i < R; i++) {
                free(seg[i].V); free(seg[i].lam); free(seg[i].c);
            }
        free(seg); free(dead); free(obs); free(eig);
        free_instances(inst, R);
        set_message(s, 1, "out of memory for %d instances", R);
        return -1;
    }
    free_seg(s);
    free_instances(s->inst, s->R);
    free(s->dead);
    free(s->obs);
    free(s->eig_now);
    s->inst = inst;
    s->dead = dead;
    s->obs = obs;
    s->seg = seg;
    s->eig_now = eig;
    for (size_t k = 0; k < (size_t)R * (size_t)m; k++)
        eig[k] = NAN;
    s->R = R;
    s->m = m;
    s->nfaint = R < QNN_SESSION_MAX_FAINT ? R : QNN_SESSION_MAX_FAINT;
    s->p = pp;
    s->ndiverged = 0;
    s->seg_pending = 1;
    qnn_hess_sched_init(&s->sched, pp.hessian_every > 0 ? pp.hessian_every : 1, pp.hessian_budget);
    compute_theory(s);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* History                                                                  */

static void add_mark(qnn_session *s, const char *what)
{
    if (s->nmarks == s->markcap) {
        size_t cap = s->markcap ? 2 * s->markcap : 16;
        qnn_snap_mark *m = realloc(s->marks, cap * sizeof *m);
        if (!m)
            return;
        s->marks = m;
        s->markcap = cap;
    }
    qnn_snap_mark *mk = &s->marks[s->nmarks++];
    mk->step = s->step;
    mk->time = s->flow_time;
    snprintf(mk->what, sizeof mk->what, "%s", what);
}

static void clear_history(qnn_session *s)
{
    s->nrec = 0;
    s->interval = 1;
    s->nmarks = 0;
    s->hnow.valid = s->hprev.valid = 0;
    s->step = 0;
    s->flow_time = 0.0;
    s->diverged_step = -1;
    s->rate_s0 = 0;
    s->rate_t0 = now_s();
    s->steps_per_s = 0.0;
}

static void thin(qnn_session *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nrec; i += 2, k++) {
        s->hist[k] = s->hist[i];
        for (int f = 0; f < QNN_SESSION_MAX_FAINT; f++)
            s->fhist[k * QNN_SESSION_MAX_FAINT + f] = s->fhist[i * QNN_SESSION_MAX_FAINT + f];
    }
    s->nrec = k;
    s->interval *= 2;
}

static double err_of(const qnn_session *s, const qnn_obs *o)
{
    return s->p.curve == QNN_CURVE_LOSS ? o->loss : fabs(o->eps);
}

static double kern_div(const qnn_params *p)
{
    return p->model->kernel_unit ? p->model->kernel_unit(p) : 1.0;
}

static double k_of(const qnn_session *s, const qnn_obs *o)
{
    return (s->m > 1 ? o->lambda_min : o->kernel) / kern_div(&s->p);
}

/* The frozen-kernel prediction of instance i, k steps after the segment
 * start: the error measure of r = V diag(μ^k) c. */
static double frozen_err(const qnn_session *s, int i, long k)
{
    const seg_inst *g = &s->seg[i];
    const int m = s->m;
    double ss = 0.0;
    for (int a = 0; a < m; a++) {
        double r = 0.0;
        for (int j = 0; j < m; j++) {
            double mu = 1.0 - s->lin_factor * g->lam[j];
            r += g->V[a * m + j] * pow(mu, (double)k) * g->c[j];
        }
        ss += r * r;
    }
    if (s->p.curve == QNN_CURVE_LOSS)
        return 0.5 * s->loss_c * ss;
    return m > 1 ? sqrt(ss / m) : sqrt(ss);
}

/* At the first evaluation of a segment: K and r of each instance. */
static void start_segment(qnn_session *s)
{
    const int m = s->m;
    gsl_matrix *A = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_matrix *V = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_vector *ev = gsl_vector_alloc((size_t)m);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)m);
    double se = 0, sl = 0, sa = 0;
    int n = 0;
    for (int i = 0; i < s->R; i++) {
        seg_inst *g = &s->seg[i];
        g->valid = 0;
        if (s->dead[i])
            continue;
        se += err_of(s, &s->obs[i]);
        sl += s->obs[i].loss;
        sa += fabs(s->obs[i].eps);
        n++;
        if (!A || !V || !ev || !w || qnn_model_has(s->p.model, QNN_CAP_FROZEN_K))
            continue;
        int mm;
        const double *K = qnn_instance_kernel(s->inst[i], &mm);
        const double *r = qnn_instance_residuals(s->inst[i], &mm);
        if (!K || !r || mm != m)
            continue;
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++)
                gsl_matrix_set(A, (size_t)a, (size_t)b, 0.5 * (K[a * m + b] + K[b * m + a]));
        if (gsl_eigen_symmv(A, ev, V, w) != 0)
            continue;
        for (int j = 0; j < m; j++) {
            g->lam[j] = gsl_vector_get(ev, (size_t)j);
            double c = 0.0;
            for (int a = 0; a < m; a++) {
                g->V[a * m + j] = gsl_matrix_get(V, (size_t)a, (size_t)j);
                c += g->V[a * m + j] * r[a];
            }
            g->c[j] = c;
        }
        g->valid = 1;
    }
    if (A) gsl_matrix_free(A);
    if (V) gsl_matrix_free(V);
    if (ev) gsl_vector_free(ev);
    if (w) gsl_eigen_symmv_free(w);
    s->seg_step = s->step;
    s->seg_err = n ? se / n : NAN;
    s->seg_loss = n ? sl / n : NAN;
    s->seg_abs_eps = n ? sa / n : NAN;
    s->seg_pending = 0;
}

static double theory_err(const qnn_session *s, long step, int *kind)
{
    *kind = 0;
    const qnn_params *p = &s->p;
    const double k = (double)(step - s->seg_step), eta = qnn_params_eta(p);
    if (s->pred == QNN_LIVE_PRED_RATE) {
        double e = qnn_theory_eps_exp(1.0, eta, s->Kbar, k);
        *kind = QNN_THEORY_RATE;
        return p->curve == QNN_CURVE_LOSS ? s->seg_loss * e * e : s->seg_err * e;
    }
    if (s->pred == QNN_LIVE_PRED_BOUND) {
        *kind = QNN_THEORY_BOUND;
        return qnn_theory_sublinear_bound(s->seg_loss, eta, s->H_op2_sum, k);
    }
    return NAN;
}

static void record(qnn_session *s)
{
    if (s->nrec == QNN_SESSION_HIST_CAP)
        thin(s);
    rec *r = &s->hist[s->nrec];
    frec *f = &s->fhist[s->nrec * QNN_SESSION_MAX_FAINT];
    double se = 0, sk = 0, skx = 0, ss = 0, sd = 0, sf = 0;
    int ne = 0, nk = 0, nkx = 0, ns = 0, nd = 0, nf = 0;
    for (int i = 0; i < s->R; i++) {
        const qnn_obs *o = &s->obs[i];
        double e = s->dead[i] ? NAN : err_of(s, o);
        double kk = s->dead[i] ? NAN : k_of(s, o);
        double kx = s->dead[i] || s->m < 2 ? NAN : o->lambda_max / kern_div(&s->p);
        double S = s->dead[i] ? NAN : o->entropy, T = s->dead[i] ? NAN : o->tdist;
        if (isfinite(e)) { se += e; ne++; }
        if (isfinite(kk)) { sk += kk; nk++; }
        if (isfinite(kx)) { skx += kx; nkx++; }
        if (isfinite(S)) { ss += S; ns++; }
        if (isfinite(T)) { sd += T; nd++; }
        if (!s->dead[i] && s->seg[i].valid) {
            double fe = frozen_err(s, i, s->step - s->seg_step);
            if (isfinite(fe)) { sf += fe; nf++; }
        }
        if (i < QNN_SESSION_MAX_FAINT) {
            f[i].err = e;
            f[i].k = kk;
            f[i].s = S;
            f[i].d = T;
        }
    }
    r->step = s->step;
    r->err = ne ? se / ne : NAN;
    r->k = nk ? sk / nk : NAN;
    r->kmax = nkx ? skx / nkx : NAN;
    r->s = ns ? ss / ns : NAN;
    r->d = nd ? sd / nd : NAN;
    r->frozen = nf ? sf / nf : NAN;
    r->th = theory_err(s, s->step, &r->thkind);
    r->hfp = s->dead[0] ? NAN : s->obs[0].h_frac_pos;
    r->proxy = s->dead[0] ? NAN : s->obs[0].proxy;
    s->nrec++;
}

static void take_hist(qnn_session *s, const qnn_spectrum *sp, long step)
{
    if (!sp || sp->n == 0)
        return;
    qnn_snap_hist h;
    memset(&h, 0, sizeof h);
    h.valid = 1;
    h.step = step;
    h.exact = qnn_params_hessian_exact(&s->p);
    h.dim = (size_t)qnn_params_n_params(&s->p);
    double lo = sp->x[0], hi = sp->x[sp->n - 1];
    if (s->p.hessian_lo < s->p.hessian_hi) {
        lo = s->p.hessian_lo;
        hi = s->p.hessian_hi;
    } else {
        double pad = hi > lo ? 0.01 * (hi - lo) : 1e-3 * fmax(fabs(lo), 1.0);
        lo -= pad;
        hi += pad;
    }
    h.lo = lo;
    h.hi = hi;
    const int B = QNN_SESSION_HIST_BINS;
    const double bw = (hi - lo) / B;
    double wsum = 0.0, wpos = 0.0, amax = fmax(fabs(sp->x[0]), fabs(sp->x[sp->n - 1]));
    for (int b = 0; b < B; b++)
        h.centre[b] = lo + (b + 0.5) * bw;
    for (size_t k = 0; k < sp->n; k++) {
        int b = (int)floor((sp->x[k] - lo) / bw);
        if (b >= 0 && b < B)
            h.density[b] += sp->w[k];
        wsum += sp->w[k];
        if (sp->x[k] > 1e-8 * amax)
            wpos += sp->w[k];
    }
    for (int b = 0; b < B; b++)
        h.density[b] /= bw;
    h.frac_pos = wsum > 0 ? wpos / wsum : NAN;
    h.h_min = sp->x[0];
    h.h_max = sp->x[sp->n - 1];
    h.proxy = s->obs[0].proxy;
    s->hprev = s->hnow;
    s->hnow = h;
}

/* One step of every live instance: evaluate (recording when due), step. */
static void step_once(qnn_session *s)
{
    const int rec_due = s->step % s->interval == 0 || s->seg_pending;
    int want = rec_due ? (QNN_WANT_EIGEN | QNN_WANT_ENTROPY) : 0;
    if (s->seg_pending)
        want |= QNN_WANT_EIGEN;
    int hess = s->p.hessian != QNN_HESS_OFF && !s->dead[0] &&
               qnn_hess_sched_due(&s->sched, s->step, now_s());
    for (int i = 0; i < s->R; i++) {
        if (s->dead[i])
            continue;
        double t0 = i == 0 && hess ? now_s() : 0.0;
        int rc = qnn_instance_eval(s->inst[i], want | (i == 0 && hess ? QNN_WANT_HESSIAN : 0), &s->obs[i]);
        if (rc != 0) {
            s->dead[i] = 1;
            s->ndiverged++;
            if (s->diverged_step < 0)
                s->diverged_step = s->step;
            set_message(s, 1, "instance %d diverged at step %ld (a value is not finite); %d of %d still run",
                        i, s->step, s->R - s->ndiverged, s->R);
            continue;
        }
        if (i == 0) {
            /* a pruning (mlp, prune_every) is marked on the time axes like
             * a change: the Hessian broadens there */
            if (s->obs[0].event & QNN_EVENT_PRUNE) {
                char what[96];
                snprintf(what, sizeof what, "pruned %.0f %% of the weights", 100.0 * s->p.prune);
                add_mark(s, what);
            }
            long st;
            const qnn_spectrum *sp = qnn_instance_take_spectrum(s->inst[0], &st, NULL);
            if (sp)
                take_hist(s, sp, s->step);
            if (hess) {
                double t1 = now_s();
                qnn_hess_sched_done(&s->sched, s->step, t1, t1 - t0);
            }
        }
        if (want & QNN_WANT_EIGEN) {
            int m;
            const double *ev = qnn_instance_eigenvalues(s->inst[i], &m);
            for (int j = 0; j < s->m; j++)
                s->eig_now[(size_t)i * s->m + j] = ev && m == s->m ? ev[j] / kern_div(&s->p)
                                                   : (s->m == 1 ? s->obs[i].kernel / kern_div(&s->p) : NAN);
        }
    }
    if (s->seg_pending)
        start_segment(s);
    if (rec_due)
        record(s);
    for (int i = 0; i < s->R; i++)
        if (!s->dead[i])
            qnn_instance_step(s->inst[i]);
    s->flow_time += s->dt;
    s->step++;
}

/* ------------------------------------------------------------------------ */
/* Snapshots                                                                */

static void snap_free(qnn_snapshot *sn)
{
    if (!sn)
        return;
    free(sn->block);
    free(sn);
}

void qnn_snapshot_release(const qnn_snapshot *snap)
{
    qnn_snapshot *sn = (qnn_snapshot *)snap;
    if (sn && __atomic_sub_fetch(&sn->refs, 1, __ATOMIC_ACQ_REL) == 0)
        snap_free(sn);
}

static qnn_snapshot *snap_build(qnn_session *s)
{
    qnn_snapshot *sn = calloc(1, sizeof *sn);
    if (!sn)
        return NULL;
    const size_t n = s->nrec, F = (size_t)s->nfaint, E = (size_t)s->R * (size_t)s->m;
    size_t nd = n * (1 + 4 + 2 + 2 + 2) + F * n * 4 + E;
    size_t bytes = s->nmarks * sizeof(qnn_snap_mark) + nd * sizeof(double);
    sn->block = malloc(bytes ? bytes : 1);
    if (!sn->block) {
        free(sn);
        return NULL;
    }
    sn->marks = sn->block;
    if (s->nmarks)
        memcpy(sn->marks, s->marks, s->nmarks * sizeof(qnn_snap_mark));
    sn->nmarks = s->nmarks;
    double *d = (double *)((char *)sn->block + s->nmarks * sizeof(qnn_snap_mark));
#define TAKE(f, k) do { sn->f = d; d += (k); } while (0)
    TAKE(t, n); TAKE(err_mean, n); TAKE(err_theory, n); TAKE(err_frozen, n); TAKE(err_theory_kind, n);
    TAKE(k_mean, n); TAKE(kmax_mean, n); TAKE(s_mean, n); TAKE(d_mean, n);
    TAKE(hfp, n); TAKE(proxy, n);
    TAKE(err_inst, F * n); TAKE(k_inst, F * n); TAKE(s_inst, F * n); TAKE(d_inst, F * n);
    TAKE(eig_now, E);
#undef TAKE
    for (size_t k = 0; k < n; k++) {
        const rec *r = &s->hist[k];
        sn->t[k] = (double)r->step;
        sn->err_mean[k] = r->err;
        sn->err_theory[k] = r->th;
        sn->err_frozen[k] = r->frozen;
        sn->err_theory_kind[k] = r->thkind;
        sn->k_mean[k] = r->k;
        sn->kmax_mean[k] = r->kmax;
        sn->s_mean[k] = r->s;
        sn->d_mean[k] = r->d;
        sn->hfp[k] = r->hfp;
        sn->proxy[k] = r->proxy;
        for (size_t f = 0; f < F; f++) {
            const frec *fr = &s->fhist[k * QNN_SESSION_MAX_FAINT + f];
            sn->err_inst[f * n + k] = fr->err;
            sn->k_inst[f * n + k] = fr->k;
            sn->s_inst[f * n + k] = fr->s;
            sn->d_inst[f * n + k] = fr->d;
        }
    }
    memcpy(sn->eig_now, s->eig_now, E * sizeof(double));
    sn->nrec = n;
    sn->params = s->p;
    sn->step = s->step;
    sn->flow_time = s->flow_time;
    sn->steps_per_s = s->steps_per_s;
    sn->target_step = s->target;
    sn->ninst = s->R;
    sn->nfaint = s->nfaint;
    sn->m = s->m;
    sn->ndiverged = s->ndiverged;
    sn->diverged_step = s->diverged_step;
    sn->has_params = has_params(&s->p);
    sn->use_loss = s->p.curve == QNN_CURVE_LOSS;
    sn->kernel_div = kern_div(&s->p);
    sn->hist_now = s->hnow;
    sn->hist_prev = s->hprev;
    sn->hessian_on = s->p.hessian != QNN_HESS_OFF;
    sn->Kbar = s->Kbar;
    sn->rate = qnn_params_eta(&s->p) * s->Kbar;
    sn->noise_abs_eps = s->noise_abs_eps;
    sn->lambda_min_pred = s->lambda_min_pred;
    sn->global_min_pred = s->global_min_pred;
    sn->page = s->page;
    sn->max_entropy = s->max_entropy;
    sn->tdist_bound = s->tdist_bound;
    sn->conc_kernel = s->conc_kernel;
    sn->conc_dqntk = s->dqntk
                         ? qnn_theory_dqntk_ratio(s->D, qnn_params_eta(&s->p), s->p.gamma, s->seg_abs_eps, s->trO2)
                         : NAN;
    snprintf(sn->message, sizeof sn->message, "%s", s->message);
    sn->message_error = s->message_error;
    sn->refs = 1;
    return sn;
}

/* Publishes a snapshot (called by the worker, or by advance). */
static void publish(qnn_session *s, int playing, int busy)
{
    double t = now_s();
    if (t - s->rate_t0 >= 0.5) {
        s->steps_per_s = (double)(s->step - s->rate_s0) / (t - s->rate_t0);
        s->rate_t0 = t;
        s->rate_s0 = s->step;
    }
    if (!playing)
        s->steps_per_s = 0.0;
    qnn_snapshot *sn = snap_build(s);
    if (!sn)
        return;   /* keep showing the last one */
    sn->playing = playing;
    sn->busy = busy;
    pthread_mutex_lock(&s->mu);
    sn->seq = ++s->seq;
    qnn_snapshot *old = s->cur;
    s->cur = sn;
    s->step_shared = s->step;
    pthread_mutex_unlock(&s->mu);
    qnn_snapshot_release(old);
    if (s->o.on_publish)
        s->o.on_publish(s->o.ctx);
}

const qnn_snapshot *qnn_session_acquire(qnn_session *s)
{
    pthread_mutex_lock(&s->mu);
    qnn_snapshot *sn = s->cur;
    __atomic_add_fetch(&sn->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&s->mu);
    return sn;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */

static int push(qnn_session *s, const cmd *c)
{
    if (s->qn == s->qcap) {
        size_t cap = s->qcap ? 2 * s->qcap : 32;
        cmd *q = realloc(s->q, cap * sizeof *q);
        if (!q)
            return -1;
        s->q = q;
        s->qcap = cap;
    }
    s->q[s->qn++] = *c;
    pthread_cond_signal(&s->cv);
    return 0;
}

static int log_change(qnn_session *s, const char *key, const char *value)
{
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (s->nlog == s->logcap) {
        size_t cap = s->logcap ? 2 * s->logcap : 32;
        qnn_change *l = realloc(s->log, cap * sizeof *l);
        if (!l)
            rc = -1;
        else {
            s->log = l;
            s->logcap = cap;
        }
    }
    if (rc == 0) {
        qnn_change *c = &s->log[s->nlog++];
        c->step = s->step;
        snprintf(c->key, sizeof c->key, "%s", key);
        snprintf(c->value, sizeof c->value, "%s", value);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Checks a parameter set for live use: its relations, the live models and
 * the memory of R instances. */
static qnn_status live_check(const qnn_params *p, int R, size_t mem_limit, char *err, size_t errlen)
{
    if (!qnn_model_has(p->model, QNN_CAP_LIVE)) {
        char live[512];
        size_t k = 0;
        live[0] = 0;
        for (size_t i = 0; i < qnn_model_count() && k < sizeof live; i++)
            if (qnn_model_has(qnn_model_at(i), QNN_CAP_LIVE))
                k += (size_t)snprintf(live + k, sizeof live - k, "%s%s", k ? ", " : "", qnn_model_at(i)->name);
        return qnn_fail(err, errlen, QNN_E_UNSUPPORTED, "key 'model': value '%s' has no live view; allowed here: %s; use `qnnlab run` for %s",
                 p->model->name, live, p->model->name);
    }
    qnn_params q = *p;
    live_params(&q, R);
    qnn_status st = qnn_params_check(&q, 0, err, errlen);
    if (st != QNN_OK)
        return st;
    double need = (double)qnn_params_instance_bytes(&q) * R;
    if (mem_limit > 0 && need > (double)mem_limit) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "%d live instances of this model need %.3g GB but %.3g GB is available; allowed: a smaller n, L or m, or fewer instances",
                 R, need / 1e9, (double)mem_limit / 1e9);
    }
    return 0;
}

qnn_status qnn_session_check(qnn_session *s, const qnn_params *q, char *err, size_t errlen)
{
    int R = q->instances < 1 ? 1 : q->instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q->instances;
    pthread_mutex_lock(&s->mu);
    size_t lim = s->o.mem_limit;
    pthread_mutex_unlock(&s->mu);
    return live_check(q, R, lim, err, errlen);
}

static int clamp_instances(int n)
{
    return n < 1 ? 1 : n > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : n;
}

/* Queues c after checking the requested parameters with its change made
 * (q, or the status of making it). */
static qnn_status queue_set(qnn_session *s, cmd *c, qnn_params *q, char *err, size_t errlen)
{
    qnn_status st = live_check(q, clamp_instances(q->instances), s->o.mem_limit, err, errlen);
    if (st == QNN_OK) {
        s->requested = *q;
        if (push(s, c) != 0)
            st = qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the command queue");
    }
    return st;
}

qnn_status qnn_session_set(qnn_session *s, const char *key, const char *value, char *err, size_t errlen)
{
    cmd c = { .kind = CMD_SET };
    if (strlen(key) >= sizeof c.key || strlen(value) >= sizeof c.value)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key '%.40s': value '%.40s' is too long; allowed: keys of %zu and values of %zu characters at most",
                        key, value, sizeof c.key - 1, sizeof c.value - 1);
    snprintf(c.key, sizeof c.key, "%s", key);
    snprintf(c.value, sizeof c.value, "%s", value);
    pthread_mutex_lock(&s->mu);
    qnn_params q = s->requested;
    qnn_status st = qnn_params_set(&q, key, value, err, errlen);
    if (st == QNN_OK)
        st = queue_set(s, &c, &q, err, errlen);
    pthread_mutex_unlock(&s->mu);
    return st;
}

qnn_status qnn_session_set_number(qnn_session *s, const char *key, double v, char *err, size_t errlen)
{
    cmd c = { .kind = CMD_SET, .typed = 1, .number = v };
    qnn_params_number_text(key, v, c.value, sizeof c.value);
    if (strlen(key) >= sizeof c.key)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key '%.40s': value '%.40s' is too long; allowed: keys of %zu and values of %zu characters at most",
                        key, c.value, sizeof c.key - 1, sizeof c.value - 1);
    snprintf(c.key, sizeof c.key, "%s", key);
    pthread_mutex_lock(&s->mu);
    qnn_params q = s->requested;
    qnn_status st = qnn_params_set_number(&q, key, v, err, errlen);
    if (st == QNN_OK)
        st = queue_set(s, &c, &q, err, errlen);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static void push_simple(qnn_session *s, cmd_kind k, int arg)
{
    cmd c = { .kind = k, .arg = arg };
    pthread_mutex_lock(&s->mu);
    push(s, &c);
    pthread_mutex_unlock(&s->mu);
}

void qnn_session_play(qnn_session *s, int playing) { push_simple(s, CMD_PLAY, playing != 0); }
void qnn_session_single_step(qnn_session *s) { push_simple(s, CMD_STEP, 1); }
void qnn_session_reset(qnn_session *s) { push_simple(s, CMD_RESET, 0); }

void qnn_session_set_speed(qnn_session *s, int spf)
{
    if (spf < 1)
        spf = 1;
    if (spf > QNN_SESSION_MAX_STEPS_PER_FRAME)
        spf = QNN_SESSION_MAX_STEPS_PER_FRAME;
    pthread_mutex_lock(&s->mu);
    s->o.steps_per_frame = spf;   /* what qnn_session_speed reports at once */
    cmd c = { .kind = CMD_SPEED, .arg = spf };
    push(s, &c);
    pthread_mutex_unlock(&s->mu);
}

int qnn_session_speed(const qnn_session *s)
{
    qnn_session *w = (qnn_session *)s;
    pthread_mutex_lock(&w->mu);
    int v = w->o.steps_per_frame;
    pthread_mutex_unlock(&w->mu);
    return v;
}

void qnn_session_requested(qnn_session *s, qnn_params *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->requested;
    pthread_mutex_unlock(&s->mu);
}

int qnn_session_log(qnn_session *s, qnn_params *base, qnn_change **log, size_t *n, long *step)
{
    pthread_mutex_lock(&s->mu);
    *base = s->base;
    *n = s->nlog;
    *step = s->step_shared;
    if (s->nlog && s->log[s->nlog - 1].step > *step)
        *step = s->log[s->nlog - 1].step;
    *log = malloc((s->nlog ? s->nlog : 1) * sizeof **log);
    if (*log && s->nlog)
        memcpy(*log, s->log, s->nlog * sizeof **log);
    pthread_mutex_unlock(&s->mu);
    return *log ? 0 : -1;
}

/* The marker's text of a typed value: doubles to 6 digits ("0.002662",
 * not the round-trip "0.0026619999999999999"), integers whole (the text
 * path's rule, from the number). */
static void shown_number(const char *key, double v, char *buf, size_t len)
{
    const qnn_key_info *k = qnn_params_key(key);
    if (k && k->type == QNN_KEY_DOUBLE && !(v == floor(v) && fabs(v) < 1e17))
        snprintf(buf, len, "%.6g", v);
    else
        snprintf(buf, len, "%.0f", v);
}

/* Applies one SET in the worker: `value` is the text (logged), `number`
 * the typed value when not NULL (applied as it is, never parsed). */
static void apply_set(qnn_session *s, const char *key, const char *value, const double *number)
{
    qnn_params q = s->p;
    char err[512];
    if ((number ? qnn_params_set_number(&q, key, *number, err, sizeof err)
                : qnn_params_set(&q, key, value, err, sizeof err)) != QNN_OK) {
        set_message(s, 1, "%s", err);
        return;
    }
    if (!s->inst) {
        /* before the first step: part of the starting parameters */
        s->p = q;
        live_params(&s->p, q.instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q.instances);
        pthread_mutex_lock(&s->mu);
        s->base = s->p;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    const apply_kind k = key_kind(&s->p, key);
    /* only the key `instances` changes the ensemble size (it rebuilds) */
    const int R = strcmp(key, "instances") ? s->R
                  : q.instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q.instances;
    q.instances = R;
    char what[96];
    char shown[64];
    if (number)
        shown_number(key, *number, shown, sizeof shown);
    else {
        qnn_params_get(&q, key, shown, sizeof shown);
        /* the marker and the message show 6 digits ("0.002662", not the
         * round-trip "0.0026619999999999999"); integers stay whole */
        char *end;
        double v = strtod(shown, &end);
        if (end != shown && !*end && isfinite(v) && strpbrk(shown, ".eE"))
            snprintf(shown, sizeof shown, "%.6g", v);
    }
    int rc = 0;
    const char *how = "";
    if (k == APPLY_RATES) {
        for (int i = 0; i < s->R; i++)
            qnn_instance_set_rates(s->inst[i], q.eta, q.eta_per_L, q.sigma_theta);
        s->p = q;
        compute_theory(s);
        s->seg_pending = 1;
    } else if (k == APPLY_GAMMA && qnn_instance_set_gamma(s->inst[0], q.gamma) == 0) {
        for (int i = 1; i < s->R; i++)
            qnn_instance_set_gamma(s->inst[i], q.gamma);
        s->p = q;
        compute_theory(s);
        s->seg_pending = 1;
    } else if (k == APPLY_VIEW) {
        s->p = q;
        live_params(&s->p, s->R);
    } else if (k == APPLY_CONTINUE) {
        rc = rebuild(s, &q, R, 1);
        how = " (circuit extended, angles kept)";
        if (strcmp(key, "L") && strcmp(key, "p"))
            how = "";
    } else {
        rc = rebuild(s, &q, R, 0);
        how = " (instances rebuilt)";
    }
    if (rc != 0) {
        /* the message says why; the parameters in force stay */
        pthread_mutex_lock(&s->mu);
        s->requested = s->p;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    snprintf(what, sizeof what, "%s = %s%s", key, shown, how);
    if (k != APPLY_VIEW)
        add_mark(s, what);
    set_message(s, 0, "%s at step %ld", what, s->step);
    log_change(s, key, value);
}

static void do_reset(qnn_session *s)
{
    if (rebuild(s, &s->p, s->R, 0) != 0)
        return;
    clear_history(s);
    pthread_mutex_lock(&s->mu);
    s->base = s->p;
    s->nlog = 0;
    pthread_mutex_unlock(&s->mu);
    set_message(s, 0, "reset: step 0 with the current parameters");
}

/* Takes the queued commands and applies them. Returns 1 when a command was
 * applied. */
static int drain(qnn_session *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->qn;
    cmd *q = NULL;
    if (n) {
        q = malloc(n * sizeof *q);
        if (q) {
            memcpy(q, s->q, n * sizeof *q);
            s->qn = 0;
        } else {
            n = 0;
        }
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t k = 0; k < n; k++) {
        switch (q[k].kind) {
        case CMD_SET: apply_set(s, q[k].key, q[k].value, q[k].typed ? &q[k].number : NULL); break;
        case CMD_PLAY: s->playing = q[k].arg; break;
        case CMD_STEP: s->single += q[k].arg; break;
        case CMD_RESET: do_reset(s); break;
        case CMD_SPEED: s->spf = q[k].arg; break;
        }
    }
    free(q);
    return n > 0;
}

/* Replay: the logged changes due at the current step. */
static void replay_due(qnn_session *s)
{
    while (s->ireplay < s->nreplay && s->replay[s->ireplay].step <= s->step) {
        const qnn_change *c = &s->replay[s->ireplay++];
        apply_set(s, c->key, c->value, NULL);
        pthread_mutex_lock(&s->mu);
        s->requested = s->p;
        pthread_mutex_unlock(&s->mu);
    }
}

/* Replay reached its step: the changes logged at that very step (made
 * while paused, after the last step) are due too. Returns 1 when some
 * were applied. */
static int replay_tail(qnn_session *s)
{
    if (s->target < 0 || s->step < s->target || s->ireplay >= s->nreplay)
        return 0;
    replay_due(s);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */

void qnn_session_opts_default(qnn_session_opts *o)
{
    memset(o, 0, sizeof *o);
    o->instances = 16;
    o->steps_per_frame = 1;
    o->frame_hz = 60.0;
    o->playing = 1;
}

qnn_session *qnn_session_new(const qnn_params *p, const qnn_session_opts *o, char *err, size_t errlen)
{
    qnn_session_opts oo;
    if (o)
        oo = *o;
    else
        qnn_session_opts_default(&oo);
    if (oo.instances < 1 || oo.instances > QNN_SESSION_MAX_INSTANCES) {
        qnn_fail(err, errlen, QNN_E_KEY_RANGE, "key 'instances': value '%d' is out of range for the live view; allowed: 1 .. %d",
                 oo.instances, QNN_SESSION_MAX_INSTANCES);
        return NULL;
    }
    if (oo.steps_per_frame < 1 || oo.steps_per_frame > QNN_SESSION_MAX_STEPS_PER_FRAME) {
        qnn_fail(err, errlen, QNN_E_KEY_RANGE, "steps per frame: value '%d' is out of range; allowed: 1 .. %d",
                 oo.steps_per_frame, QNN_SESSION_MAX_STEPS_PER_FRAME);
        return NULL;
    }
    if (!(oo.frame_hz >= 1.0 && oo.frame_hz <= 1000.0))
        oo.frame_hz = 60.0;
    qnn_params q = *p;
    q.instances = oo.instances;
    if (live_check(&q, oo.instances, oo.mem_limit, err, errlen) != 0)
        return NULL;
    qnn_session *s = calloc(1, sizeof *s);
    if (!s) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->o = oo;
    live_params(&q, oo.instances);
    s->p = q;
    s->requested = q;
    s->base = q;
    s->playing = oo.playing;
    s->spf = oo.steps_per_frame;
    s->target = -1;
    s->hist = malloc(QNN_SESSION_HIST_CAP * sizeof *s->hist);
    s->fhist = malloc((size_t)QNN_SESSION_HIST_CAP * QNN_SESSION_MAX_FAINT * sizeof *s->fhist);
    s->cur = calloc(1, sizeof *s->cur);
    if (!s->hist || !s->fhist || !s->cur) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
        qnn_session_free(s);
        return NULL;
    }
    s->cur->refs = 1;
    s->cur->params = q;
    s->cur->diverged_step = -1;
    s->cur->target_step = -1;
    s->cur->busy = 1;
    s->cur->playing = oo.playing;
    s->R = 0;
    clear_history(s);
    snprintf(s->cur->message, sizeof s->cur->message, "building %d instances", oo.instances);
    return s;
}

/* Builds the instances at the first use. */
static int ensure_built(qnn_session *s)
{
    if (s->inst)
        return 0;
    if (rebuild(s, &s->p, s->p.instances, 0) != 0)
        return -1;
    clear_history(s);
    s->t_start = now_s();
    if (!s->message[0])
        set_message(s, 0, "%d instances of model %s", s->R, qnn_model_name(s->p.model));
    return 0;
}

qnn_status qnn_session_replay(qnn_session *s, const qnn_change *log, size_t n, long step, char *err, size_t errlen)
{
    qnn_change *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
    if (n)
        memcpy(c, log, n * sizeof *c);
    /* validate every change in order on a copy of the parameters */
    qnn_params q = s->p;
    for (size_t k = 0; k < n; k++) {
        qnn_status st;
        if ((st = qnn_params_set(&q, c[k].key, c[k].value, err, errlen)) != QNN_OK ||
            (st = live_check(&q, s->o.instances, s->o.mem_limit, err, errlen)) != QNN_OK) {
            free(c);
            return st;
        }
        if (c[k].step > step || (k > 0 && c[k].step < c[k - 1].step)) {
            qnn_fail(err, errlen, QNN_E_FORMAT, "change %zu (%s = %s at step %ld) is out of order; allowed: non-decreasing steps up to %ld",
                     k + 1, c[k].key, c[k].value, c[k].step, step);
            free(c);
            return QNN_E_FORMAT;
        }
    }
    free(s->replay);
    s->replay = c;
    s->nreplay = n;
    s->ireplay = 0;
    s->target = step;
    s->playing = 0;
    pthread_mutex_lock(&s->mu);
    s->requested = q;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int qnn_session_advance(qnn_session *s, long n)
{
    drain(s);
    if (ensure_built(s) != 0) {
        publish(s, 0, 0);
        return -1;
    }
    for (long k = 0; k < n; k++) {
        replay_due(s);
        if (s->ndiverged == s->R)
            break;
        step_once(s);
    }
    replay_tail(s);
    if (s->target >= 0 && s->step >= s->target && s->ireplay >= s->nreplay)
        s->target = -1;     /* the replay is complete */
    publish(s, s->playing, 0);
    return 0;
}

static void *worker(void *arg)
{
    qnn_session *s = arg;
    if (ensure_built(s) != 0) {
        publish(s, 0, 0);
        s->playing = 0;
    } else {
        publish(s, s->playing, 0);
    }
    double next_frame = now_s();
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int quit = s->quit;
        pthread_mutex_unlock(&s->mu);
        if (quit)
            break;
        int changed = drain(s);
        if (changed && !s->inst)
            ensure_built(s);
        if (s->inst && replay_tail(s))
            changed = 1;
        const int replaying = s->target >= 0 && s->step < s->target;
        int run = s->inst && s->ndiverged < s->R && (s->playing || s->single > 0 || replaying);
        if (s->target >= 0 && s->step >= s->target && s->ireplay >= s->nreplay) {
            s->target = -1;
            set_message(s, 0, "restored the shared state at step %ld (paused)", s->step);
            changed = 1;
        }
        if (!run) {
            if (changed || s->steps_per_s != 0.0)
                publish(s, 0, 0);
            pthread_mutex_lock(&s->mu);
            while (!s->quit && s->qn == 0)
                pthread_cond_wait(&s->cv, &s->mu);
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        /* a batch: steps_per_frame steps (one when single-stepping), cut
         * short after 50 ms so commands and frames keep flowing; replays
         * run flat out in 30 ms slices */
        const double t0 = now_s();
        long todo = replaying ? s->target - s->step : s->playing ? s->spf : 1;
        long done = 0;
        while (done < todo) {
            if (replaying)
                replay_due(s);
            if (s->ndiverged == s->R)
                break;
            step_once(s);
            done++;
            double el = now_s() - t0;
            if (el > (replaying ? 0.03 : 0.05))
                break;
            pthread_mutex_lock(&s->mu);
            int pending = s->qn > 0 || s->quit;
            pthread_mutex_unlock(&s->mu);
            if (pending)
                break;
        }
        if (!s->playing && !replaying && s->single > 0)
            s->single = 0;
        if (s->ndiverged == s->R && s->R > 0) {
            s->playing = 0;
            set_message(s, 1, "every instance diverged (first at step %ld): lower eta and reset (r)", s->diverged_step);
        }
        publish(s, s->playing && s->ndiverged < s->R, replaying);
        if (s->playing && !replaying) {
            /* pace to frame_hz */
            next_frame += 1.0 / s->o.frame_hz;
            double t = now_s();
            if (next_frame < t - 0.1)
                next_frame = t;
            if (next_frame > t) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                double wait = next_frame - t;
                ts.tv_sec += (time_t)wait;
                ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_mutex_lock(&s->mu);
                while (!s->quit && s->qn == 0) {
                    if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
                        break;
                }
                pthread_mutex_unlock(&s->mu);
            }
        } else {
            next_frame = now_s();
        }
    }
    return NULL;
}

qnn_status qnn_session_start(qnn_session *s, char *err, size_t errlen)
{
    if (s->started)
        return qnn_fail(err, errlen, QNN_E_STATE, "the session is already running");
    int rc = pthread_create(&s->th, NULL, worker, s);
    if (rc != 0)
        return qnn_fail(err, errlen, QNN_E_SYSTEM, "cannot start the worker thread: %s", strerror(rc));
    s->started = 1;
    return 0;
}

void qnn_session_free(qnn_session *s)
{
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->quit = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
    }
    free_seg(s);
    free_instances(s->inst, s->R);
    free(s->dead);
    free(s->obs);
    free(s->eig_now);
    free(s->hist);
    free(s->fhist);
    free(s->marks);
    free(s->q);
    free(s->log);
    free(s->replay);
    qnn_snapshot_release(s->cur);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
