/* The live session's history (session.h): the records of the ensemble
 * means, theory and faint instances (thinned to QNN_SESSION_HIST_CAP),
 * the markers, the frozen-kernel prediction of the current segment, the
 * Hessian histograms, one step of the ensemble, and the immutable
 * snapshots published from them. */
#include "session_impl.h"
#include "qnn/theory.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>

/* ------------------------------------------------------------------------ */
/* History                                                                  */

/* The longest prefix of t (at most n bytes) that ends at a character:
 * a UTF-8 sequence is never cut. */
static size_t utf8_fit(const char *t, size_t n)
{
    size_t k = strlen(t);
    if (k <= n)
        return k;
    while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Copies t into buf (len bytes), cut at a character with "…" when it is
 * longer. */
static void copy_fit(char *buf, size_t len, const char *t)
{
    if (!len)
        return;
    size_t k = strlen(t);
    if (k < len) {
        memcpy(buf, t, k + 1);
        return;
    }
    static const char ell[] = "…";
    size_t room = len - 1 >= sizeof ell - 1 ? len - 1 - (sizeof ell - 1) : 0;
    size_t n = utf8_fit(t, room);
    memcpy(buf, t, n);
    if (room || len - 1 >= sizeof ell - 1)
        memcpy(buf + n, ell, sizeof ell);
    else
        buf[n] = 0;
}

void qnn_ses_shown_value(const char *text, char *buf, size_t len)
{
    char *end;
    double v = strtod(text, &end);
    char six[48];
    if (end != text && !*end && isfinite(v) && strpbrk(text, ".eE")) {
        snprintf(six, sizeof six, "%.6g", v);
        text = six;
    }
    copy_fit(buf, len, text);
}

/* The name a marker gives a key: the sliders' markup for the Greek and
 * indexed ones, the key itself for the others. */
static const char *mark_name(const char *key)
{
    static const char *const names[][2] = {
        {"gamma", "γ"}, {"eta", "η"}, {"sigma_theta", "σ_{θ}"}, {"n_h", "n_{h}"}, {"n_v", "n_{v}"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(key, names[i][0]))
            return names[i][1];
    return key;
}

/* One item of a marker's text: "η 0.002 → 0.005", or the free text. */
static void item_text(const mark_item *it, char *buf, size_t len)
{
    if (!it->key[0])
        copy_fit(buf, len, it->to);
    else
        snprintf(buf, len, "%s %s → %s", mark_name(it->key), it->from, it->to);
}

/* The text of the last marker from its items: the model first, then the
 * others in the order they were applied, ", " between them, " (rebuilt)"
 * after them when the instances were built anew from their seeds. What
 * does not fit `len` (qnn_snap_mark.what) is left off as " +N more", and
 * a single item too long is cut at a character with "…". */
static void render_mark(const qnn_session *s, char *out, size_t len)
{
    const char *suffix = s->mfresh ? " (rebuilt)" : "";
    int order[QNN_SES_MARK_ITEMS], n = 0;
    for (int i = 0; i < s->nmitem; i++)
        if (!strcmp(s->mitem[i].key, "model"))
            order[n++] = i;
    for (int i = 0; i < s->nmitem; i++)
        if (strcmp(s->mitem[i].key, "model"))
            order[n++] = i;
    /* the most items that fit, with the count of the rest */
    for (int shown = n; shown >= 1; shown--) {
        char buf[512], more[24] = "";
        size_t k = 0;
        buf[0] = 0;
        for (int j = 0; j < shown && k < sizeof buf; j++) {
            char it[160];
            item_text(&s->mitem[order[j]], it, sizeof it);
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", j ? ", " : "", it);
        }
        if (shown < n)
            snprintf(more, sizeof more, " +%d more", n - shown);
        if (k < sizeof buf && k + strlen(more) + strlen(suffix) < len) {
            snprintf(out, len, "%s%s%s", buf, more, suffix);
            return;
        }
        if (shown == 1) {
            /* the first item alone is too long: cut it */
            size_t tail = strlen(more) + strlen(suffix);
            char cut[160];
            copy_fit(cut, len > tail ? len - tail : 1, buf);
            snprintf(out, len, "%s%s%s", cut, more, suffix);
            return;
        }
    }
    out[0] = 0;
}

void qnn_ses_seg_values(const qnn_session *s, qnn_snap_segment *g)
{
    memset(g, 0, sizeof *g);
    copy_fit(g->model, sizeof g->model, qnn_model_name(s->p.model));
    g->m = s->m;
    g->use_loss = s->p.curve == QNN_CURVE_LOSS;
    g->has_params = qnn_ses_has_params(&s->p);
    g->kernel_div = s->p.model->kernel_unit ? s->p.model->kernel_unit(&s->p) : 1.0;
    g->Kbar = s->Kbar;
    g->rate = qnn_params_eta(&s->p) * s->Kbar;
    g->noise_abs_eps = s->noise_abs_eps;
    g->lambda_min_pred = s->lambda_min_pred;
    g->global_min_pred = s->global_min_pred;
    g->page = s->page;
    g->max_entropy = s->max_entropy;
    g->tdist_bound = s->tdist_bound;
}

/* Convergence starts anew (a new segment). */
static void conv_restart(qnn_session *s)
{
    s->conv_step = -1;
    s->conv_e0 = NAN;
    s->conv_ratio = NAN;
    s->conv_ref = NAN;
    s->conv_ref_step = s->step;
}

void qnn_ses_add_mark(qnn_session *s, const qnn_snap_segment *before, const mark_item *items, int n,
                      int rebuilt, int fresh, char *text, size_t textlen)
{
    const int merge = s->nmarks > 0 && s->marks[s->nmarks - 1].step == s->step;
    if (!merge) {
        if (s->nmarks == s->markcap) {
            size_t cap = s->markcap ? 2 * s->markcap : 16;
            qnn_snap_mark *m = realloc(s->marks, cap * sizeof *m);
            if (!m)
                return;
            s->marks = m;
            qnn_snap_segment *g = realloc(s->segv, (cap + 1) * sizeof *g);
            if (!g)
                return;
            s->segv = g;
            s->markcap = cap;
        }
        s->segv[s->nmarks] = *before;   /* the values of the segment it ends */
        qnn_snap_mark *mk = &s->marks[s->nmarks++];
        memset(mk, 0, sizeof *mk);
        mk->step = s->step;
        mk->time = s->flow_time;
        s->nmitem = 0;
        s->mfresh = 0;
    }
    qnn_snap_mark *mk = &s->marks[s->nmarks - 1];
    for (int i = 0; i < n; i++) {
        int j = 0;
        if (items[i].key[0])
            for (; j < s->nmitem; j++)
                if (!strcmp(s->mitem[j].key, items[i].key))
                    break;
        if (items[i].key[0] && j < s->nmitem)
            snprintf(s->mitem[j].to, sizeof s->mitem[j].to, "%s", items[i].to);   /* first → last value */
        else if (s->nmitem < QNN_SES_MARK_ITEMS)
            s->mitem[s->nmitem++] = items[i];
    }
    mk->rebuilt = mk->rebuilt || rebuilt;
    s->mfresh = s->mfresh || fresh;
    render_mark(s, mk->what, sizeof mk->what);
    if (text)
        snprintf(text, textlen, "%s", mk->what);
    conv_restart(s);
    if (rebuilt)
        s->conv_run_max = 0.0;
}

void qnn_ses_clear_spectra(qnn_session *s)
{
    s->hnow.valid = s->hprev.valid = 0;
    qnn_spectrum_free(&s->up);
    s->up_step = 0;
}

void qnn_ses_clear_history(qnn_session *s)
{
    s->nrec = 0;
    s->interval = 1;
    s->nmarks = 0;
    s->nmitem = 0;
    s->mfresh = 0;
    qnn_ses_clear_spectra(s);
    s->step = 0;
    s->flow_time = 0.0;
    s->diverged_step = -1;
    s->rate_s0 = 0;
    s->rate_t0 = qnn_ses_now_s();
    s->steps_per_s = 0.0;
    conv_restart(s);
    s->conv_run_max = 0.0;
}

/* Halves the history: keeps the even records, and the first record of
 * each segment (where its reference lines and theory start) while those
 * extra ones are at most a quarter of the history (so thinning always
 * frees room). */
static void thin(qnn_session *s)
{
    unsigned char keep[QNN_SESSION_HIST_CAP];
    size_t extra = 0, mk = 0;
    for (size_t i = 0; i < s->nrec; i++) {
        /* the first record at or after a marker's step begins its segment */
        int first = 0;
        while (mk < s->nmarks && s->marks[mk].step <= s->hist[i].step) {
            first = first || (i > 0 && s->hist[i - 1].step < s->marks[mk].step);
            mk++;
        }
        keep[i] = i % 2 == 0;
        if (!keep[i] && first && extra < s->nrec / 4) {
            keep[i] = 1;
            extra++;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < s->nrec; i++) {
        if (!keep[i])
            continue;
        s->hist[k] = s->hist[i];
        for (int f = 0; f < QNN_SESSION_MAX_FAINT; f++)
            s->fhist[k * QNN_SESSION_MAX_FAINT + f] = s->fhist[i * QNN_SESSION_MAX_FAINT + f];
        k++;
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
    r->hfp = s->dead[0] ? NAN : s->hfp_step;
    r->proxy = s->dead[0] ? NAN : s->proxy_now;
    s->nrec++;
}

/* The relative tolerance under which a Hessian eigenvalue counts as zero
 * (|λ| <= tol · max|λ|). A Hessian of rank r < P (a circuit with more
 * angles than its outputs can use, an mlp's symmetries) has P − r
 * directions that are zero in exact arithmetic; computed, they come out
 * as ±1e-16·‖H‖ times a small factor (the eigensolver's backward error),
 * so their signs are noise: counted by sign they made the positive
 * fraction jump between 0.06 and 0.85 on hessian-live. 1e-8 is far above
 * that noise and far below any eigenvalue that matters (the instances'
 * own rule for trace.csv's hessian_frac_pos). Where the Hessian comes
 * from differences — SLQ's Hessian-vector products (h = 1e-4/‖v‖) and
 * Ritz values, the qbm's differences of its exact gradient (O(h²) ≈ 1e-8
 * relative) — the noise is ~1e-8: 1e-6 there. */
static double hess_zero_tol(const qnn_params *p, int exact)
{
    return exact && strcmp(qnn_model_name(p->model), "qbm") ? 1e-8 : 1e-6;
}

/* Room for n nodes in spectrum buffer b. */
static int spec_room(qnn_session *s, int b, size_t n)
{
    if (s->spec_cap[b] >= n)
        return 0;
    double *x = realloc(s->spec[b].x, n * sizeof *x);
    if (!x)
        return -1;
    s->spec[b].x = x;
    double *w = realloc(s->spec[b].w, n * sizeof *w);
    if (!w)
        return -1;
    s->spec[b].w = w;
    s->spec_cap[b] = n;
    return 0;
}

/* The histogram of a new spectrum of instance 0 (the previous one moves
 * to hprev), its zero count and positive fraction, its nodes and weights
 * (kept for the snapshots), and the proxy at its step. */
static void take_hist(qnn_session *s, const qnn_spectrum *sp, long step)
{
    if (!sp || sp->n == 0)
        return;
    const int b = 1 - s->hcur;   /* hprev's buffer becomes hnow's */
    if (spec_room(s, b, sp->n) != 0)
        return;   /* keep the last ones */
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
    const double amax = fmax(fabs(sp->x[0]), fabs(sp->x[sp->n - 1]));
    h.zero_tol = hess_zero_tol(&s->p, sp->exact);
    const double tol = h.zero_tol * amax;
    double wsum = 0.0, wpos = 0.0;
    for (int k = 0; k < B; k++)
        h.centre[k] = lo + (k + 0.5) * bw;
    for (size_t k = 0; k < sp->n; k++) {
        int bin = (int)floor((sp->x[k] - lo) / bw);
        if (bin >= 0 && bin < B)
            h.density[bin] += sp->w[k];
        wsum += sp->w[k];
        if (fabs(sp->x[k]) <= tol) {
            h.n_zero++;
            h.w_zero += sp->w[k];
        } else if (sp->x[k] > 0) {
            wpos += sp->w[k];
        }
    }
    for (int k = 0; k < B; k++)
        h.density[k] /= bw;
    h.frac_pos = wsum - h.w_zero > 0 ? wpos / (wsum - h.w_zero) : NAN;
    h.h_min = sp->x[0];
    h.h_max = sp->x[sp->n - 1];
    h.proxy = s->proxy_now;
    h.proxy_note = s->proxy_note;
    memcpy(s->spec[b].x, sp->x, sp->n * sizeof(double));
    memcpy(s->spec[b].w, sp->w, sp->n * sizeof(double));
    s->spec[b].n = sp->n;
    h.neig = sp->n;
    s->hcur = b;
    s->hprev = s->hnow;
    s->hnow = h;
    s->hfp_step = h.frac_pos;
}

/* Keeps a copy of an uploaded spectrum of instance 0 (the proxy's). */
static void take_upload(qnn_session *s, const qnn_spectrum *sp)
{
    qnn_spectrum_free(&s->up);
    if (qnn_spectrum_alloc(&s->up, sp->n) != QNN_HESS_OK)
        return;   /* no proxy until the next upload */
    memcpy(s->up.x, sp->x, sp->n * sizeof(double));
    memcpy(s->up.w, sp->w, sp->n * sizeof(double));
    s->up.exact = sp->exact;
    s->up.dim = sp->dim;
    s->up_step = s->step;
}

/* The live error proxy of instance 0 at this step (session.h): a = −ηλ
 * whatever proxy_scale says, from the last upload, τ = the steps since;
 * NaN with the reason in *note where it is not defined. istep: the
 * instance's own step (the classical steps after a pruning count from
 * its build). */
static double live_proxy(const qnn_session *s, long istep, const char **note)
{
    *note = NULL;
    const long P = s->p.prune_every;
    if (P > 0 && istep >= P && istep % P < s->p.prune_classical)
        return 1.0;   /* the classical steps after a pruning: exactly 1 (the run's rule) */
    if (s->up.n == 0) {
        *note = "no spectrum yet";
        return NAN;
    }
    const double eta = qnn_params_eta(&s->p), cut = s->p.proxy_cut;
    const double amax = fmax(fabs(s->up.x[0]), fabs(s->up.x[s->up.n - 1]));
    const double tol = hess_zero_tol(&s->p, s->up.exact) * amax;
    int kept = 0, grows = 0;
    for (size_t k = 0; k < s->up.n; k++) {
        const double a = -eta * s->up.x[k];
        if (!(s->up.w[k] > 0.0) || !(fabs(a) >= cut))
            continue;
        kept = 1;
        if (fabs(s->up.x[k]) > tol && fabs(1.0 + a) > 1.0)
            grows = 1;
    }
    if (!kept) {
        *note = "no eigenvalue with |ηλ| ≥ the cut";
        return NAN;
    }
    if (grows) {
        *note = "a kept mode grows (|1 − ηλ| > 1)";
        return NAN;
    }
    return qnn_liu24_proxy_at(&s->up, eta, cut, (double)(s->step - s->up_step), NULL);
}

/* The error statistic convergence watches at this step (session.h): the
 * geometric mean of the instances' errors where the theory is the rate,
 * else their mean (the loss where the curve is the loss); NaN if none. */
static double conv_stat(const qnn_session *s)
{
    const int geo = s->pred == QNN_LIVE_PRED_RATE;
    double sum = 0.0, slog = 0.0;
    int n = 0, npos = 0;
    for (int i = 0; i < s->R; i++) {
        if (s->dead[i])
            continue;
        const double e = err_of(s, &s->obs[i]);
        if (!isfinite(e))
            continue;
        sum += e;
        n++;
        if (e > 0) {
            slog += log(e);
            npos++;
        }
    }
    if (!n)
        return NAN;
    if (geo)
        return npos ? exp(slog / npos) : sum == 0.0 ? 0.0 : NAN;
    return sum / n;
}

/* Steps the error must stay above half its last low for, below
 * QNN_SES_FLOOR of the run's largest value, to count as stagnating. */
#define QNN_SES_STALL_STEPS 100
#define QNN_SES_FLOOR 1e-12

/* Watches the error for convergence (session.h); on the event says so and
 * pauses the run when asked (not during a replay: it pauses at its end). */
static void conv_check(qnn_session *s)
{
    const double e = conv_stat(s);
    if (!(e >= 0.0))
        return;
    if (e > s->conv_run_max)
        s->conv_run_max = e;
    if (isnan(s->conv_e0)) {
        s->conv_e0 = e;
        s->conv_ref = e;
        s->conv_ref_step = s->step;
    }
    if (e < 0.5 * s->conv_ref) {
        s->conv_ref = e;
        s->conv_ref_step = s->step;
    }
    if (s->conv_step >= 0)
        return;
    const int rel = e <= s->conv_rel * s->conv_e0;
    const int stall = e <= QNN_SES_FLOOR * s->conv_run_max && s->step - s->conv_ref_step >= QNN_SES_STALL_STEPS;
    if (!rel && !stall)
        return;
    s->conv_step = s->step;
    s->conv_ratio = s->conv_e0 > 0 ? e / s->conv_e0 : 0.0;
    const int pause = atomic_load_explicit(&s->pause_conv, memory_order_relaxed) && s->target < 0 && s->playing;
    char ratio[64];
    snprintf(ratio, sizeof ratio, "error %.2g of its start%s", s->conv_ratio, rel ? "" : ", no longer falling");
    qnn_ses_set_message(s, 0, "converged at step %ld (%s)%s", s->step, ratio, pause ? ": paused" : "");
    if (pause)
        s->playing = 0;
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
    s->hfp_step = NAN;
    for (int i = 0; i < s->R; i++) {
        if (s->dead[i])
            continue;
        double t0 = i == 0 && hess ? qnn_ses_now_s() : 0.0;
        const long istep = i == 0 ? qnn_instance_step_count(s->inst[0]) : 0;
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
                mark_item it;
                memset(&it, 0, sizeof it);
                snprintf(it.to, sizeof it.to, "pruned %.0f %% of the weights", 100.0 * s->p.prune);
                qnn_snap_segment before;
                qnn_ses_seg_values(s, &before);
                qnn_ses_add_mark(s, &before, &it, 1, 0, 0, NULL, 0);
            }
            long st;
            int upload = 0;
            const qnn_spectrum *sp = qnn_instance_take_spectrum(s->inst[0], &st, &upload);
            if (sp && upload)
                take_upload(s, sp);
            s->proxy_now = s->p.hessian == QNN_HESS_OFF ? NAN : live_proxy(s, istep, &s->proxy_note);
            if (s->p.hessian == QNN_HESS_OFF)
                s->proxy_note = "the Hessian is off";
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
    if (s->dead[0]) {
        s->proxy_now = NAN;
        s->proxy_note = "the instance diverged";
    }
    if (s->seg_pending)
        start_segment(s);
    conv_check(s);
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
    const size_t nseg = s->nmarks + 1;
    const size_t Hn = s->hnow.valid ? s->hnow.neig : 0, Hp = s->hprev.valid ? s->hprev.neig : 0;
    size_t nd = n * (1 + 6 + 2 + 2 + 2 + 3) + F * n * 4 + E + 2 * (Hn + Hp);
    size_t bytes = s->nmarks * sizeof(qnn_snap_mark) + nseg * sizeof(qnn_snap_segment) + nd * sizeof(double);
    sn->block = malloc(bytes);
    if (!sn->block) {
        free(sn);
        return NULL;
    }
    sn->marks = sn->block;
    if (s->nmarks)
        memcpy(sn->marks, s->marks, s->nmarks * sizeof(qnn_snap_mark));
    sn->nmarks = s->nmarks;
    sn->seg = (qnn_snap_segment *)((char *)sn->block + s->nmarks * sizeof(qnn_snap_mark));
    sn->nseg = nseg;
    double *d = (double *)((char *)sn->seg + nseg * sizeof(qnn_snap_segment));
#define TAKE(f, k) do { sn->f = d; d += (k); } while (0)
    TAKE(t, n); TAKE(err_mean, n); TAKE(err_geo, n); TAKE(err_theory, n); TAKE(err_frozen, n);
    TAKE(err_frozen_geo, n); TAKE(err_theory_kind, n);
    TAKE(k_mean, n); TAKE(kmax_mean, n); TAKE(s_mean, n); TAKE(d_mean, n);
    TAKE(hfp, n); TAKE(proxy, n); TAKE(acc_mean, n); TAKE(test_acc_mean, n); TAKE(test_err_mean, n);
    TAKE(err_inst, F * n); TAKE(k_inst, F * n); TAKE(s_inst, F * n); TAKE(d_inst, F * n);
    TAKE(eig_now, E);
    double *hx = d, *hw = d + Hn, *px = d + 2 * Hn, *pw = d + 2 * Hn + Hp;
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
    sn->hist_now.eig = sn->hist_now.eig_w = sn->hist_prev.eig = sn->hist_prev.eig_w = NULL;
    sn->hist_now.neig = Hn;
    sn->hist_prev.neig = Hp;
    if (Hn) {
        memcpy(hx, s->spec[s->hcur].x, Hn * sizeof(double));
        memcpy(hw, s->spec[s->hcur].w, Hn * sizeof(double));
        sn->hist_now.eig = hx;
        sn->hist_now.eig_w = hw;
    }
    if (Hp) {
        memcpy(px, s->spec[1 - s->hcur].x, Hp * sizeof(double));
        memcpy(pw, s->spec[1 - s->hcur].w, Hp * sizeof(double));
        sn->hist_prev.eig = px;
        sn->hist_prev.eig_w = pw;
    }
    /* the segments: the values stored with each marker, the current ones
     * for the last; the records by step */
    size_t r0 = 0;
    for (size_t k = 0; k < nseg; k++) {
        qnn_snap_segment *g = &sn->seg[k];
        if (k + 1 < nseg)
            *g = s->segv[k];
        else
            qnn_ses_seg_values(s, g);
        g->step0 = k ? s->marks[k - 1].step : 0;
        g->rebuilt = k ? s->marks[k - 1].rebuilt : 1;
        const long next = k + 1 < nseg ? s->marks[k].step : LONG_MAX;
        size_t r1 = r0;
        while (r1 < n && s->hist[r1].step < next)
            r1++;
        g->rec0 = r0;
        g->rec1 = r1;
        r0 = r1;
    }
    sn->converged_step = s->conv_step;
    sn->converge_rel = s->conv_rel;
    sn->converged_err = s->conv_step >= 0 ? s->conv_ratio : NAN;
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
    if (!playing && !(busy && s->target >= 0))
        s->steps_per_s = 0.0;   /* measured while playing and while a replay runs */
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

