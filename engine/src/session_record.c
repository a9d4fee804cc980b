/* The live session's history (session.h): the records of the ensemble
 * means, theory and faint instances (thinned to QNN_SESSION_HIST_CAP),
 * the markers, the frozen-kernel prediction of the current segment, the
 * Hessian histograms, one step of the ensemble, and the immutable
 * snapshots published from them. */
#include "session_impl.h"
#include "qnn/theory.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>

/* ------------------------------------------------------------------------ */
/* History                                                                  */

void qnn_ses_add_mark(qnn_session *s, const char *what)
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

void qnn_ses_clear_history(qnn_session *s)
{
    s->nrec = 0;
    s->interval = 1;
    s->nmarks = 0;
    s->hnow.valid = s->hprev.valid = 0;
    s->step = 0;
    s->flow_time = 0.0;
    s->diverged_step = -1;
    s->rate_s0 = 0;
    s->rate_t0 = qnn_ses_now_s();
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
    double se = 0, sl = 0, sa = 0, sg = 0;
    int n = 0, ng = 0;
    for (int i = 0; i < s->R; i++) {
        seg_inst *g = &s->seg[i];
        g->valid = 0;
        if (s->dead[i])
            continue;
        const double e = err_of(s, &s->obs[i]);
        se += e;
        if (e > 0 && isfinite(e)) { sg += log(e); ng++; }
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
    s->seg_err_geo = ng ? exp(sg / ng) : NAN;
    s->seg_pending = 0;
}

static double theory_err(const qnn_session *s, long step, int *kind)
{
    *kind = 0;
    const qnn_params *p = &s->p;
    const double k = (double)(step - s->seg_step), eta = qnn_params_eta(p);
    if (s->pred == QNN_LIVE_PRED_RATE) {
        /* from the geometric mean at the segment start: the statistic the
         * rate predicts (session.h, err_geo); the loss ∝ ε² decays as e² */
        double e = qnn_theory_eps_exp(1.0, eta, s->Kbar, k);
        *kind = QNN_THEORY_RATE;
        return p->curve == QNN_CURVE_LOSS ? s->seg_err_geo * e * e : s->seg_err_geo * e;
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
    double se = 0, sk = 0, skx = 0, ss = 0, sd = 0, sf = 0, sa = 0, sta = 0, ste = 0, sge = 0, sgf = 0;
    int ne = 0, nk = 0, nkx = 0, ns = 0, nd = 0, nf = 0, na = 0, nta = 0, nte = 0, nge = 0, ngf = 0;
    for (int i = 0; i < s->R; i++) {
        const qnn_obs *o = &s->obs[i];
        double e = s->dead[i] ? NAN : err_of(s, o);
        double kk = s->dead[i] ? NAN : k_of(s, o);
        double kx = s->dead[i] || s->m < 2 ? NAN : o->lambda_max / kern_div(&s->p);
        double S = s->dead[i] ? NAN : o->entropy, T = s->dead[i] ? NAN : o->tdist;
        if (isfinite(e)) { se += e; ne++; }
        if (isfinite(e) && e > 0) { sge += log(e); nge++; }
        if (isfinite(kk)) { sk += kk; nk++; }
        if (isfinite(kx)) { skx += kx; nkx++; }
        if (isfinite(S)) { ss += S; ns++; }
        if (isfinite(T)) { sd += T; nd++; }
        if (!s->dead[i] && isfinite(o->accuracy)) { sa += o->accuracy; na++; }
        if (!s->dead[i] && isfinite(o->test_accuracy)) { sta += o->test_accuracy; nta++; }
        if (!s->dead[i] && isfinite(o->test_loss)) { ste += o->test_loss; nte++; }
        if (!s->dead[i] && s->seg[i].valid) {
            double fe = frozen_err(s, i, s->step - s->seg_step);
            if (isfinite(fe)) { sf += fe; nf++; }
            if (isfinite(fe) && fe > 0) { sgf += log(fe); ngf++; }
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
    r->gerr = nge ? exp(sge / nge) : NAN;
    r->k = nk ? sk / nk : NAN;
    r->kmax = nkx ? skx / nkx : NAN;
    r->s = ns ? ss / ns : NAN;
    r->d = nd ? sd / nd : NAN;
    r->frozen = nf ? sf / nf : NAN;
    r->gfrozen = ngf ? exp(sgf / ngf) : NAN;
    r->acc = na ? sa / na : NAN;
    r->tacc = nta ? sta / nta : NAN;
    r->terr = nte ? ste / nte : NAN;
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

/* One step of every live instance: evaluate (recording when due), step.
 * 0, or 1 when the cancel flag interrupted an evaluation (nothing changed:
 * only instance 0 computes Hessians, and it is evaluated first). */
int qnn_ses_step_once(qnn_session *s)
{
    if (s->stale)
        return 1;   /* a cancelled rebuild: rebuilt first (qnn_ses_ensure_built) */
    const int rec_due = s->step % s->interval == 0 || s->seg_pending;
    int want = rec_due ? (QNN_WANT_EIGEN | QNN_WANT_ENTROPY) : 0;
    if (s->seg_pending)
        want |= QNN_WANT_EIGEN;
    int hess = s->p.hessian != QNN_HESS_OFF && !s->dead[0] &&
               qnn_hess_sched_due(&s->sched, s->step, qnn_ses_now_s());
    for (int i = 0; i < s->R; i++) {
        if (s->dead[i])
            continue;
        double t0 = i == 0 && hess ? qnn_ses_now_s() : 0.0;
        int rc = qnn_instance_eval(s->inst[i], want | (i == 0 && hess ? QNN_WANT_HESSIAN : 0), &s->obs[i]);
        if (rc == QNN_INSTANCE_INTERRUPTED)
            return 1;
        if (rc != 0) {
            s->dead[i] = 1;
            s->ndiverged++;
            if (s->diverged_step < 0)
                s->diverged_step = s->step;
            qnn_ses_set_message(s, 1, "instance %d diverged at step %ld (a value is not finite); %d of %d still run",
                        i, s->step, s->R - s->ndiverged, s->R);
            continue;
        }
        if (i == 0) {
            /* a pruning (mlp, prune_every) is marked on the time axes like
             * a change: the Hessian broadens there */
            if (s->obs[0].event & QNN_EVENT_PRUNE) {
                char what[96];
                snprintf(what, sizeof what, "pruned %.0f %% of the weights", 100.0 * s->p.prune);
                qnn_ses_add_mark(s, what);
            }
            long st;
            const qnn_spectrum *sp = qnn_instance_take_spectrum(s->inst[0], &st, NULL);
            if (sp)
                take_hist(s, sp, s->step);
            if (hess) {
                double t1 = qnn_ses_now_s();
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
    return 0;
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
    size_t nd = n * (1 + 6 + 2 + 2 + 2 + 3) + F * n * 4 + E;
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
    TAKE(t, n); TAKE(err_mean, n); TAKE(err_geo, n); TAKE(err_theory, n); TAKE(err_frozen, n);
    TAKE(err_frozen_geo, n); TAKE(err_theory_kind, n);
    TAKE(k_mean, n); TAKE(kmax_mean, n); TAKE(s_mean, n); TAKE(d_mean, n);
    TAKE(hfp, n); TAKE(proxy, n); TAKE(acc_mean, n); TAKE(test_acc_mean, n); TAKE(test_err_mean, n);
    TAKE(err_inst, F * n); TAKE(k_inst, F * n); TAKE(s_inst, F * n); TAKE(d_inst, F * n);
    TAKE(eig_now, E);
#undef TAKE
    for (size_t k = 0; k < n; k++) {
        const rec *r = &s->hist[k];
        sn->t[k] = (double)r->step;
        sn->err_mean[k] = r->err;
        sn->err_geo[k] = r->gerr;
        sn->err_theory[k] = r->th;
        sn->err_frozen[k] = r->frozen;
        sn->err_frozen_geo[k] = r->gfrozen;
        sn->err_theory_kind[k] = r->thkind;
        sn->k_mean[k] = r->k;
        sn->kmax_mean[k] = r->kmax;
        sn->s_mean[k] = r->s;
        sn->d_mean[k] = r->d;
        sn->hfp[k] = r->hfp;
        sn->proxy[k] = r->proxy;
        sn->acc_mean[k] = r->acc;
        sn->test_acc_mean[k] = r->tacc;
        sn->test_err_mean[k] = r->terr;
        for (size_t f = 0; f < F; f++) {
            const frec *fr = &s->fhist[k * QNN_SESSION_MAX_FAINT + f];
            sn->err_inst[f * n + k] = fr->err;
            sn->k_inst[f * n + k] = fr->k;
            sn->s_inst[f * n + k] = fr->s;
            sn->d_inst[f * n + k] = fr->d;
        }
    }
    if (E)   /* none before the first build (a cancelled one publishes) */
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
    sn->has_params = qnn_ses_has_params(&s->p);
    sn->use_loss = s->p.curve == QNN_CURVE_LOSS;
    sn->kernel_div = kern_div(&s->p);
    sn->hist_now = s->hnow;
    sn->hist_prev = s->hprev;
    sn->hessian_on = s->p.hessian != QNN_HESS_OFF;
    sn->Kbar = s->Kbar;
    sn->theory_note = s->theory_note;
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
void qnn_ses_publish(qnn_session *s, int playing, int busy)
{
    double t = qnn_ses_now_s();
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

