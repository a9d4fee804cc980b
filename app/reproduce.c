/* `qnnlab reproduce FIGURE-ID`: runs the preset of one paper figure,
 * writes its figure and data like `qnnlab run`, and judges the paper's
 * claims about that figure against what was measured: report.md (the
 * paper's setting, each claim with the paper's value beside ours and its
 * statistical error, a verdict line) and report.json. This file holds the
 * command and the report; the figures and their claims are in
 * reproduce_claims.c, the checks in reproduce_checks.c.
 *
 * How a claim is judged. A statistical comparison passes when the measured
 * value lies within 4 standard errors of the predicted one (or on the
 * allowed side of a bound, within 4 standard errors): with some 50 judged
 * comparisons over all figures, a 4σ rule gives a chance of about 0.3 % that
 * any correct comparison fails by chance (a 3σ rule: about 13 %). Trends
 * (falls with L, grows with γ) are judged from differences with the same
 * rule. Where a paper states a number only qualitatively (≈, "most", "more
 * than 5 %"), the rule says which reading is used. Rows marked "info" show
 * a paper's value beside ours without judging it (the paper's number
 * belongs to its own random circuit, or the formula is outside its regime
 * here, which the note says). */
#include "reproduce_priv.h"
#include "afile.h"
#include "command.h"
#include "runner.h"
#include "preset.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the command line asks of every figure: --quick, --threads, and the
 * changes from the paper's preset (--set, --instances, --seed) in the
 * order given, as KEY=VALUE and as typed. */
typedef struct rep_opts {
    int quick;
    const char *threads;
    int nset;
    const char **set;    /* "gamma=1", "instances=3" */
    const char **typed;  /* "--set gamma=1", "--instances 3" */
    live_fig_opts fig;   /* --fig-size, --style ... of figure.* (figopts.h) */
} rep_opts;

/* ------------------------------------------------------------------------ */
/* Writing the report                                                        */
/* ------------------------------------------------------------------------ */

static const char *verdict_word(const rep *r, int *pass, int *judged)
{
    int p = 0, j = 0;
    for (int i = 0; i < r->n; i++)
        if (r->rows[i].v != CK_INFO) {
            j++;
            p += r->rows[i].v == CK_PASS;
        }
    *pass = p;
    *judged = j;
    return p == j ? "REPRODUCED" : p == 0 ? "NOT REPRODUCED" : "PARTLY REPRODUCED";
}

/* markdown table cells: no bare | or newline */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static int write_report_md(FILE *f, const fig_def *fd, const qnn_result *res, const rep *r, const rep_opts *o,
                           double seconds)
{
    int pass, judged;
    const char *vw = verdict_word(r, &pass, &judged);
    fprintf(f, "# %s — %s\n\n", fd->paper, fd->title);
    fprintf(f, "**Verdict: %s** — %d of %d judged claims hold", vw, pass, judged);
    if (o->nset) {
        fputs(", on a setting changed from the paper's preset:", f);
        for (int i = 0; i < o->nset; i++)
            fprintf(f, "%s `%s`", i ? "," : "", o->set[i]);
    }
    fprintf(f, "%s.\n\n", o->quick ? " (`--quick`: smaller ensembles, larger errors)" : "");
    fprintf(f, "![%s](figure.png)\n\n", fd->id);
    fprintf(f, "## Setting\n\n- **Paper:** %s\n- **Ensemble:** %s\n", fd->setting, fd->ensemble);
    fprintf(f, "- **This run:** preset `%s`", fd->preset);
    if (o->quick && fd->quick[0]) {
        fputs(", `--quick` (", f);
        for (int i = 0; fd->quick[i]; i++)
            fprintf(f, "%s`%s`", i ? ", " : "", fd->quick[i]);
        fputs(")", f);
    }
    if (o->nset) {
        fputs("; **changed from the paper's preset:**", f);
        for (int i = 0; i < o->nset; i++)
            fprintf(f, "%s `%s`", i ? "," : "", o->set[i]);
        fputs(" (the claims are judged on this setting)", f);
    }
    long inst = 0;
    for (long k = 0; k < res->npoints; k++)
        inst += res->points[k].params.instances;
    fprintf(f, "; %ld grid point%s, %ld instances in all, seed %llu; %.1f s on this machine.\n",
            res->npoints, res->npoints == 1 ? "" : "s", inst, (unsigned long long)res->preset->params.seed, seconds);
    fprintf(f, "- **Command:** `qnnlab reproduce %s%s", fd->id, o->quick ? " --quick" : "");
    for (int i = 0; i < o->nset; i++)
        fprintf(f, " %s", o->typed[i]);
    fputs("`\n\n", f);
    fputs("## Claims\n\n| # | claim | paper | measured here | rule | verdict |\n|---|---|---|---|---|---|\n", f);
    for (int i = 0; i < r->n; i++) {
        const ck_row *c = &r->rows[i];
        fprintf(f, "| %d | ", i + 1);
        md_cell(f, c->claim);
        fputs(" | ", f);
        md_cell(f, c->paper);
        fputs(" | ", f);
        md_cell(f, c->measured);
        fputs(" | ", f);
        md_cell(f, c->rule);
        fprintf(f, " | %s |\n", c->v == CK_PASS ? "pass" : c->v == CK_FAIL ? "**fail**" : "info");
    }
    int notes = 0;
    for (int i = 0; i < r->n; i++)
        if (r->rows[i].note[0] && (r->rows[i].v != CK_PASS || strstr(r->rows[i].note, "Not judged"))) {
            if (!notes++)
                fputs("\n## Notes\n\n", f);
            fprintf(f, "- **%d.** %s\n", i + 1, r->rows[i].note);
        }
    for (int i = 0; i < r->n; i++)
        if (r->rows[i].note[0] && !(r->rows[i].v != CK_PASS || strstr(r->rows[i].note, "Not judged"))) {
            if (!notes++)
                fputs("\n## Notes\n\n", f);
            fprintf(f, "- **%d.** %s\n", i + 1, r->rows[i].note);
        }
    fprintf(f, "\n## How claims are judged\n\n"
               "A measured value agrees with a prediction when it lies within %g standard errors of it (for a bound: "
               "not beyond it by more than %g standard errors); trends must go the stated way at every step and by "
               "more than %g standard errors from the first point to the last. With about fifty judged comparisons "
               "over all figures, a correct one fails by chance with probability about 0.3 %% in all. Rows marked "
               "*info* are shown without a verdict; their notes say why.\n\n"
               "## Files\n\n`figure.png`, `figure.svg`, `figure.pdf`, `trace.csv` (every record of every instance), "
               "`summary.json` (parameters, ensemble statistics, theory values with their constants)%s, "
               "`report.json` (this report as data).\n",
            ZTOL, ZTOL, ZTOL, qnn_result_has_hessian(res) ? ", `spectra.csv` (every Hessian spectrum)" : "");
    return ferror(f) ? -1 : 0;
}

static int write_report_json(FILE *f, const fig_def *fd, const qnn_result *res, const rep *r, const rep_opts *o,
                             double seconds)
{
    int pass, judged;
    const char *vw = verdict_word(r, &pass, &judged);
    json_t *root = json_object();
    json_object_set_new(root, "figure", qnn_json_text(fd->id));
    json_object_set_new(root, "paper", qnn_json_text(fd->paper));
    json_object_set_new(root, "title", qnn_json_text(fd->title));
    json_object_set_new(root, "preset", qnn_json_text(fd->preset));
    json_object_set_new(root, "quick", json_boolean(o->quick));
    /* what --quick changes, and what the user changed (judged on it) */
    json_t *qv = json_array();
    for (int i = 0; o->quick && fd->quick[i]; i++)
        json_array_append_new(qv, qnn_json_text(fd->quick[i]));
    json_object_set_new(root, "quick_overrides", qv);
    json_t *ov = json_array();
    for (int i = 0; i < o->nset; i++)
        json_array_append_new(ov, qnn_json_text(o->set[i]));
    json_object_set_new(root, "overrides", ov);
    json_object_set_new(root, "verdict", qnn_json_text(vw));
    json_object_set_new(root, "claims_judged", json_integer(judged));
    json_object_set_new(root, "claims_holding", json_integer(pass));
    json_object_set_new(root, "z_tolerance", json_real(ZTOL));
    json_object_set_new(root, "seconds", json_real(seconds));
    json_t *arr = json_array();
    for (int i = 0; i < r->n; i++) {
        const ck_row *c = &r->rows[i];
        json_t *row = json_object();
        json_object_set_new(row, "claim", qnn_json_text(c->claim));
        json_object_set_new(row, "paper", qnn_json_text(c->paper));
        json_object_set_new(row, "measured", qnn_json_text(c->measured));
        json_object_set_new(row, "rule", qnn_json_text(c->rule));
        json_object_set_new(row, "verdict", qnn_json_text(c->v == CK_PASS ? "pass" : c->v == CK_FAIL ? "fail" : "info"));
        if (c->note[0])
            json_object_set_new(row, "note", qnn_json_text(c->note));
        json_array_append_new(arr, row);
    }
    json_object_set_new(root, "claims", arr);
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}

/* report.json and report.md as extra files of the figure's set
 * (qnn_write_outputs_with): all of the folder's files are replaced, or none */
typedef struct report_ctx {
    const fig_def *fd;
    const qnn_result *res;
    const rep *r;
    const rep_opts *o;
    double secs;
} report_ctx;

static int report_json_to(FILE *f, void *vc)
{
    const report_ctx *c = vc;
    return write_report_json(f, c->fd, c->res, c->r, c->o, c->secs);
}

static int report_md_to(FILE *f, void *vc)
{
    const report_ctx *c = vc;
    return write_report_md(f, c->fd, c->res, c->r, c->o, c->secs);
}

static const char *const report_names[2] = { "report.json", "report.md" };

/* ------------------------------------------------------------------------ */
/* The command                                                               */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The overrides of one figure's run in order: --quick's, threads=T, then
 * the user's. *n is their count; NULL when memory runs out. */
static const char **run_overrides(const fig_def *fd, const rep_opts *o, char *tbuf, size_t tlen, int *n)
{
    const char **over = calloc((size_t)o->nset + 8, sizeof *over);
    int k = 0;
    if (!over)
        return NULL;
    for (int i = 0; o->quick && fd->quick[i] && k < 6; i++)
        over[k++] = fd->quick[i];
    if (o->threads) {
        snprintf(tbuf, tlen, "threads=%s", o->threads);
        over[k++] = tbuf;
    }
    for (int i = 0; i < o->nset; i++)
        over[k++] = o->set[i];
    *n = k;
    return over;
}

/* 1 when a and b run the same grid (the same swept keys and values). */
static int same_grid(const qnn_preset *a, const qnn_preset *b)
{
    if (a->nsweep != b->nsweep)
        return 0;
    for (int i = 0; i < a->nsweep; i++) {
        const qnn_sweep_key *x = &a->sweep[i], *y = &b->sweep[i];
        if (strcmp(x->key, y->key) || x->nvalues != y->nvalues)
            return 0;
        for (int j = 0; j < x->nvalues; j++)
            if (strcmp(x->values[j], y->values[j]))
                return 0;
    }
    return 1;
}

/* "d = 32, 64; p = 10, 20, 40, 80" into buf. */
static void grid_text(const qnn_preset *ps, char *buf, size_t n)
{
    buf[0] = 0;
    for (int i = 0; i < ps->nsweep; i++) {
        rep_catf(buf, n, "%s%s = ", i ? "; " : "", ps->sweep[i].key);
        for (int j = 0; j < ps->sweep[i].nvalues; j++)
            rep_catf(buf, n, "%s%s", j ? ", " : "", ps->sweep[i].values[j]);
    }
}

/* Checks the user's changes against one figure before anything runs: each
 * must be a valid KEY=VALUE (the refusals of `qnnlab run --set`) and must
 * leave the figure's grid alone (its claims are judged across that grid,
 * point by point: a --set of a swept key, or a sweep.KEY, is refused);
 * then the whole run (--quick's overrides, threads, the user's) must
 * prepare (relations between keys, memory). QNN_EXIT_OK, or the refusal
 * printed and QNN_EXIT_USAGE (QNN_EXIT_FAILURE when memory runs out). */
static int check_changes(const fig_def *fd, const rep_opts *o, int all)
{
    char err[1200], msg[1600], who[64], grid[900];
    snprintf(who, sizeof who, "reproduce %s%s", all ? "all: " : "", fd->id);
    qnn_preset *base = malloc(sizeof *base), *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    int rc = QNN_EXIT_OK;
    if (!base || !a || !b) {
        fprintf(stderr, "qnnlab: out of memory\n");
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    if (qnn_preset_load(fd->preset, base, err, sizeof err) != 0) {
        snprintf(msg, sizeof msg, "%s: %s", who, err);
        rc = qnn_refuse("qnnlab", msg);
        goto done;
    }
    *a = *base;
    for (int i = 0; i < o->nset; i++) {
        /* b: the preset with the changes up to i-1, a: with i as well */
        *b = *a;
        if (qnn_preset_override(a, o->set[i], err, sizeof err) != 0) {
            snprintf(msg, sizeof msg, "%s: %s: %s", who, o->typed[i], err);
            rc = qnn_refuse("qnnlab", msg);
            goto done;
        }
        int grid_changed = !same_grid(a, b), by_figure = 0;
        if (!grid_changed && a->params.figure != b->params.figure) {
            /* figure = compare adds a sweep over the model */
            qnn_preset *fa = malloc(sizeof *fa), *fb = malloc(sizeof *fb);
            if (fa && fb) {
                *fa = *a;
                *fb = *b;
                grid_changed = by_figure = qnn_preset_finalise(fa, err, sizeof err) != 0 ||
                                           qnn_preset_finalise(fb, err, sizeof err) != 0 || !same_grid(fa, fb);
            }
            free(fa);
            free(fb);
        }
        if (grid_changed) {
            grid_text(base, grid, sizeof grid);
            const char *eq = strchr(o->set[i], '=');
            int kl = eq ? (int)(eq - o->set[i]) : (int)strlen(o->set[i]);
            if (!base->nsweep)
                snprintf(msg, sizeof msg,
                         "%s: %s: key '%.*s' makes a grid of the figure, whose claims are judged on one point; "
                         "allowed: KEY=VALUE with one value (no sweep.KEY)", who, o->typed[i], kl, o->set[i]);
            else
                snprintf(msg, sizeof msg,
                         "%s: %s: key '%.*s' %s the figure's grid (%s), across which its claims are judged; "
                         "allowed: a key the preset does not sweep (no sweep.KEY)",
                         who, o->typed[i], kl, o->set[i], by_figure ? "adds a swept key to" : strncmp(o->set[i], "sweep.", 6) ? "is swept in" : "changes",
                         grid);
            rc = qnn_refuse("qnnlab", msg);
            goto done;
        }
    }
    /* the whole run, as reproduce_one will prepare it */
    if (o->nset) {
        char tbuf[64];
        int nover = 0;
        const char **over = run_overrides(fd, o, tbuf, sizeof tbuf, &nover);
        qnn_result res;
        if (!over) {
            fprintf(stderr, "qnnlab: out of memory\n");
            rc = QNN_EXIT_FAILURE;
            goto done;
        }
        rc = qnn_result_prepare(fd->preset, over, nover, a, &res, err, sizeof err);
        qnn_result_release(&res);
        free(over);
        if (rc != QNN_EXIT_OK) {
            snprintf(msg, sizeof msg, "%s: %s", who, err);
            if (rc == QNN_EXIT_USAGE)
                qnn_refuse("qnnlab", msg);
            else
                fprintf(stderr, "qnnlab: %s\n", msg);
        }
    }
done:
    free(base);
    free(a);
    free(b);
    return rc;
}

/* One figure into dir. Returns an exit status; *all_hold is 1 when every
 * judged claim holds. On success the files are written and
 * qnn_result_writing is left on (a signal then no longer ends the program
 * at once): the caller turns it off once it has noted what was written. */
static int reproduce_one(const fig_def *fd, const char *dir, const rep_opts *o, int quiet, int *all_hold,
                         const char **verdict_out)
{
    char tbuf[64];
    int nover = 0;
    const char **over = run_overrides(fd, o, tbuf, sizeof tbuf, &nover);
    char err[1200];
    qnn_preset *ps = calloc(1, sizeof *ps);
    qnn_result res;
    memset(&res, 0, sizeof res);
    rep r = { 0 };
    int rc;
    if (!ps || !over) {
        fprintf(stderr, "qnnlab: out of memory\n");
        free(ps);
        free(over);
        return QNN_EXIT_FAILURE;
    }
    rc = qnn_result_prepare(fd->preset, over, nover, ps, &res, err, sizeof err);
    if (rc != QNN_EXIT_OK) {
        fprintf(stderr, "qnnlab: reproduce %s: %s\n", fd->id, err);
        goto done;
    }
    res.figopts = &o->fig;
    if (qnn_prepare_run_outdir(dir, report_names, 2, err, sizeof err) != 0) {
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "reproduce %s (%s%s%s)\n", fd->id, fd->preset, o->quick ? ", quick" : "",
                o->nset ? ", changed from the paper's preset" : "");
    double t0 = now_s();
    int diverged = 0;
    rc = qnn_result_execute(&res, quiet, &diverged);
    if (rc != QNN_EXIT_OK)
        goto done;
    fd->check(&res, &r);
    /* the judging counts: liu23-fig1 and -fig2 run companion circuits */
    double secs = now_s() - t0;
    if (diverged) {
        ck_row *row = rep_add_row(&r, CK_FAIL, "Every instance stays finite", "—");
        rep_setf(row->measured, sizeof row->measured, "%d instance(s) diverged (summary.json lists them)", diverged);
        rep_setf(row->rule, sizeof row->rule, "none diverges");
    }
    if (r.oom) {
        fprintf(stderr, "qnnlab: out of memory while judging %s\n", fd->id);
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    qnn_result_writing(1);
    report_ctx rc_ = { fd, &res, &r, o, secs };
    const qnn_extra_output rx[2] = { { report_names[0], report_json_to, &rc_ }, { report_names[1], report_md_to, &rc_ } };
    if (qnn_write_outputs_with(&res, dir, rx, 2, err, sizeof err) != 0) {
        qnn_result_writing(0);
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    /* writing stays on: a signal now must not say "no output written"
     * (reproduce all turns it off once it has noted this folder) */
    int pass, judged;
    const char *vw = verdict_word(&r, &pass, &judged);
    printf("%-12s %-18s %d/%d claims hold  %6.1f s  %s/report.md\n", fd->id, vw, pass, judged, secs, dir);
    fflush(stdout);
    *all_hold = pass == judged;
    if (verdict_out)
        *verdict_out = vw;
    rc = QNN_EXIT_OK;
done:
    qnn_result_release(&res);
    free(r.rows);
    free(ps);
    free(over);
    return rc;
}

enum { REP_OUT = 256, REP_QUICK, REP_LIST, REP_THREADS, REP_SET, REP_INSTANCES, REP_SEED };
static const qnn_opt reproduce_opts[] = {
    { "out", REP_OUT, "a directory path", 0 },
    { "quick", REP_QUICK, NULL, 0 },
    { "set", REP_SET, "KEY=VALUE with a key of `qnnlab --help` that the figure does not sweep", 0 },
    { "instances", REP_INSTANCES, "a number of instances (as --set instances=R)", 0 },
    { "seed", REP_SEED, "a seed (as --set seed=S)", 0 },
    { "threads", REP_THREADS, "a number of threads, 1 .. 256", 0 },
    { "quiet", 'q', NULL, 0 },
    { "list", REP_LIST, NULL, 0 },
    QNN_FIG_OPTS,
};

/* the command with its options parsed; o's arrays are the caller's */
static int reproduce_cmd(const char *id, const char *out, int quiet, const rep_opts *o);

int qnn_cmd_reproduce(const qnn_command *self, int argc, char **argv)
{
    const char *id = NULL, *out = NULL;
    int quiet = 0, list = 0, rc = QNN_EXIT_USAGE;
    char q[200];
    rep_opts o = { 0 };
    /* --instances R and --seed S become "instances=R", "seed=S", owned here */
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    int nowned = 0;
    o.set = calloc((size_t)argc + 1, sizeof *o.set);
    o.typed = calloc((size_t)argc + 1, sizeof *o.typed);
    if (!owned || !o.set || !o.typed) {
        fprintf(stderr, "qnnlab: out of memory\n");
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    live_fig_opts_init(&o.fig);
    qnn_optparser op;
    qnn_opt_init(&op, reproduce_opts, sizeof reproduce_opts / sizeof reproduce_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *sugar = NULL;
        char ferr[600];
        if (qnn_fig_opt(c, op.arg, &o.fig, ferr, sizeof ferr) < 0) {
            fprintf(stderr, "qnnlab: reproduce: %s\n", ferr);
            goto done;
        }
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            rc = QNN_EXIT_OK;
            goto done;
        case QNN_OPT_ERROR:
            fprintf(stderr, "qnnlab: reproduce: %s\n", op.msg);
            goto done;
        case QNN_OPT_OPERAND:
            if (id) {
                fprintf(stderr, "qnnlab: reproduce: unexpected argument '%s'; allowed: one FIGURE-ID (see qnnlab reproduce --list)\n",
                        qnn_quote(op.arg, 80, q, sizeof q));
                goto done;
            }
            id = op.arg;
            break;
        case REP_OUT: out = op.arg; break;
        case REP_QUICK: o.quick = 1; break;
        case REP_THREADS: o.threads = op.arg; break;
        case 'q': quiet = 1; break;
        case REP_LIST: list = 1; break;
        case REP_SET: sugar = ""; break;
        case REP_INSTANCES: sugar = "instances"; break;
        case REP_SEED: sugar = "seed"; break;
        }
        if (sugar) {
            /* "--set KEY=VALUE" / "--instances R" as typed, and KEY=VALUE */
            size_t l = strlen(op.name) + strlen(op.arg) + strlen(sugar) + 4;
            char *typed = malloc(l), *kv = *sugar ? malloc(l) : NULL;
            if (!typed || (*sugar && !kv)) {
                free(typed);
                free(kv);
                fprintf(stderr, "qnnlab: out of memory\n");
                rc = QNN_EXIT_FAILURE;
                goto done;
            }
            snprintf(typed, l, "%s %s", op.name, op.arg);
            owned[nowned++] = typed;
            if (kv) {
                snprintf(kv, l, "%s=%s", sugar, op.arg);
                owned[nowned++] = kv;
            }
            o.typed[o.nset] = typed;
            o.set[o.nset++] = kv ? kv : op.arg;
        }
    }
    if (list) {
        for (int i = 0; i < REP_NFIG; i++)
            printf("%-12s %s — %s (preset %s)\n", rep_figures[i].id, rep_figures[i].paper, rep_figures[i].title, rep_figures[i].preset);
        rc = QNN_EXIT_OK;
        goto done;
    }
    if (!id) {
        fputs("qnnlab: reproduce: missing FIGURE-ID; allowed: all, or one of", stderr);
        for (int i = 0; i < REP_NFIG; i++)
            fprintf(stderr, " %s", rep_figures[i].id);
        fputc('\n', stderr);
        goto done;
    }
    rc = reproduce_cmd(id, out, quiet, &o);
done:
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(o.set);
    free(o.typed);
    return rc;
}

static int reproduce_cmd(const char *id, const char *out, int quiet, const rep_opts *o)
{
    char q[200];
    if (o->threads) {
        char *end;
        errno = 0;
        long t = strtol(o->threads, &end, 10);
        if (errno || *end || end == o->threads || t < 1 || t > 256) {
            fprintf(stderr, "qnnlab: reproduce: --threads: value '%s' is not allowed; allowed: 1 .. 256\n",
                    qnn_quote(o->threads, 80, q, sizeof q));
            return QNN_EXIT_USAGE;
        }
    }
    char ferr[600];
    if (live_fig_opts_check(&o->fig, ferr, sizeof ferr) != 0) {
        fprintf(stderr, "qnnlab: reproduce: %s\n", ferr);
        return QNN_EXIT_USAGE;
    }
    const int all = !strcmp(id, "all");
    const fig_def *fd = all ? NULL : rep_find_fig(id);
    if (!all && !fd) {
        fprintf(stderr, "qnnlab: reproduce: unknown FIGURE-ID '%s'; allowed: all,", qnn_quote(id, 80, q, sizeof q));
        for (int i = 0; i < REP_NFIG; i++)
            fprintf(stderr, " %s", rep_figures[i].id);
        fputc('\n', stderr);
        return QNN_EXIT_USAGE;
    }
    /* every change is checked against every figure it applies to before
     * anything runs or is written */
    for (int i = 0; i < REP_NFIG; i++) {
        if (!all && &rep_figures[i] != fd)
            continue;
        int rc = check_changes(&rep_figures[i], o, all);
        if (rc != QNN_EXIT_OK)
            return rc;
    }
    char dir[PATH_MAX];
    if (!all) {
        if (snprintf(dir, sizeof dir, "%s", out ? out : fd->id) >= (int)sizeof dir) {
            fprintf(stderr, "qnnlab: --out: value too long; allowed: a path shorter than %d bytes\n", PATH_MAX);
            return QNN_EXIT_USAGE;
        }
        int hold = 0;
        int rc = reproduce_one(fd, dir, o, quiet, &hold, NULL);
        if (rc != QNN_EXIT_OK)
            return rc;
        return hold ? QNN_EXIT_OK : QNN_EXIT_NOT_REPRODUCED;
    }
    /* all: DIR/<id> for each, and DIR/README.md with the verdicts; every
     * folder checked before the first figure runs */
    const char *base = out ? out : "reproduce";
    char err[1200];
    static const char *const index_name[1] = { "README.md" };
    if (qnn_check_outdir(base, index_name, 1, err, sizeof err) != 0)
        return qnn_refuse("qnnlab", err);
    for (int i = 0; i < REP_NFIG; i++) {
        if (snprintf(dir, sizeof dir, "%s/%s", base, rep_figures[i].id) >= (int)sizeof dir) {
            fprintf(stderr, "qnnlab: --out: value too long; allowed: a path shorter than %d bytes\n", PATH_MAX - 16);
            return QNN_EXIT_USAGE;
        }
        if (qnn_check_run_outdir(dir, report_names, 2, err, sizeof err) != 0)
            return qnn_refuse("qnnlab", err);
    }
    if (qnn_prepare_outdir(base, err, sizeof err) != 0)
        return qnn_refuse("qnnlab", err);
    const char *verdicts[REP_NFIG];
    int holds = 0;
    /* what an interruption reports as written: the figures done so far */
    char done_text[4096] = "";
    int ndone = 0;
    for (int i = 0; i < REP_NFIG; i++) {
        snprintf(dir, sizeof dir, "%s/%s", base, rep_figures[i].id);
        int hold = 0;
        verdicts[i] = NULL;
        int rc = reproduce_one(&rep_figures[i], dir, o, quiet, &hold, &verdicts[i]);
        if (rc != QNN_EXIT_OK) {
            qnn_outdir_remove_created();
            return rc;
        }
        holds += hold;
        ndone++;
        size_t l = strlen(done_text);
        if (l < sizeof done_text - 1)
            snprintf(done_text + l, sizeof done_text - l, "%s%s", ndone > 1 ? ", " : "", dir);
        char note[4400];
        snprintf(note, sizeof note, "wrote %d of %d figure folders (%s); %s/README.md not written", ndone, REP_NFIG,
                 done_text, base);
        qnn_result_note_written(note);
        qnn_result_writing(0);
        /* a signal that came while the figure was written: stop here */
        if (qnn_result_interrupted()) {
            fprintf(stderr, "qnnlab: interrupted; %s\n", note);
            return qnn_result_interrupted();
        }
    }
    /* the index */
    char fin[PATH_MAX + 64], why[PATH_MAX + 256];
    snprintf(fin, sizeof fin, "%s/README.md", base);
    afile a;
    qnn_result_writing(1); /* the index is written whole: a signal waits for it */
    if (afile_open(&a, fin, why, sizeof why) != AFILE_OK) {
        fprintf(stderr, "qnnlab: --out: value '%s': cannot write README.md: %s; allowed: a writable directory\n", base, why);
        return QNN_EXIT_USAGE;
    }
    FILE *f = a.f;
    fprintf(f, "# Reproduced figures\n\nWritten by `qnnlab reproduce all%s", o->quick ? " --quick" : "");
    for (int i = 0; i < o->nset; i++)
        fprintf(f, " %s", o->typed[i]);
    fprintf(f, "`: every paper figure qnnlab reproduces (docs/PHYSICS.md), each with its report (the paper's setting, "
               "the paper's values beside ours with their statistical errors, and a verdict)%s.\n\n"
               "| figure | paper | verdict | report |\n|---|---|---|---|\n",
            o->nset ? ", judged on a setting changed from the papers' presets" : "");
    for (int i = 0; i < REP_NFIG; i++) {
        fprintf(f, "| [%s](%s/figure.png) | ", rep_figures[i].id, rep_figures[i].id);
        md_cell(f, rep_figures[i].paper);
        fputs(" — ", f);
        md_cell(f, rep_figures[i].title);
        fprintf(f, " | %s | [report](%s/report.md) |\n", verdicts[i] ? verdicts[i] : "—", rep_figures[i].id);
    }
    if (afile_commit(&a, why, sizeof why) != AFILE_OK) {
        fprintf(stderr, "qnnlab: --out: value '%s': writing README.md failed: %s; allowed: a writable directory with space\n",
                base, why);
        return QNN_EXIT_USAGE;
    }
    qnn_result_note_written(NULL);
    printf("%d of %d figures reproduced in full; index %s/README.md\n", holds, REP_NFIG, base);
    return holds == REP_NFIG ? QNN_EXIT_OK : QNN_EXIT_NOT_REPRODUCED;
}
