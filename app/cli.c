/* Command line: subcommands, option parsing, and the headless `run`. */
#include "cli.h"
#include "preset.h"
#include "results.h"
#include "sweep.h"
#include "tui.h"
#include "window.h"
#include "qnn/analysis.h"
#include "qnn/params.h"
#include "qnn/run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

static volatile sig_atomic_t interrupted, writing, mid_line;

/* SIGINT, SIGTERM, SIGHUP: nothing is written before a run ends, so the
 * program leaves at once with 128 + the signal's number; while the files
 * are written (each to a temporary name, renamed when complete) it lets
 * that finish and exits with the run's own status. */
static void on_signal(int sig)
{
    interrupted = sig;
    if (!writing) {
        /* The engine looks for a stop request only between instances, which
         * can be minutes apart; nothing is written before the run ends, so
         * leave now. While the files are written, let that finish. */
        static const char msg[] = "\nqnnlab: interrupted; no output written\n";
        ssize_t w = write(STDERR_FILENO, msg + !mid_line, sizeof msg - 1 - !mid_line);
        (void)w;
        _exit(128 + sig);
    }
}

static void usage_short(FILE *f)
{
    fputs("usage: qnnlab run PRESET --out DIR [--set KEY=VALUE]... [--steps N] [--instances R]\n"
          "                   [--seed S] [--threads T] [--quiet]\n"
          "       qnnlab gui [PRESET] [--set KEY=VALUE]... [--state STRING] [--instances R]\n"
          "                  [--large] [--size WxH] [--fullscreen] [--export-dir DIR]\n"
          "       qnnlab tui [PRESET] [--set KEY=VALUE]... [--state STRING] [--instances R]\n"
          "                  [--ascii] [--mono] [--fps F] [--export-dir DIR]\n"
          "       qnnlab tour [--tour-step N] [--tour-file FILE] [--set KEY=VALUE]... [window or terminal options]\n"
          "       qnnlab sweep PRESET --out DIR [--grid KEY=V1,V2,...]... [--instances R]\n"
          "                   [--stat S] [--set KEY=VALUE]... [--threads T] [--quiet]\n"
          "       [mpirun -np N] qnnlab sweep ...   (a build with MPI)\n"
          "       qnnlab reproduce FIGURE-ID|all [--out DIR] [--quick] | --list\n"
          "       qnnlab presets\n"
          "       qnnlab bench [--quick] [--repeats N] [--json FILE] [--scaling]\n"
          "       qnnlab --help | --version\n", f);
}

static void print_help(void)
{
    printf("qnnlab %s: watch quantum neural networks learn.\n\n", QNN_VERSION);
    usage_short(stdout);
    printf("\nCommands\n"
           "  run PRESET   Run a preset headless and write, into DIR and nothing else:\n"
           "               trace.csv (one row per recorded step and instance), summary.json\n"
           "               (parameters, seed, version, theory values with their constants,\n"
           "               measured ensemble statistics), figure.png/.svg/.pdf.\n"
           "               PRESET is a name from `qnnlab presets` or a path to an .ini file.\n"
           "    --out DIR          output directory (created if missing); required\n"
           "    --set KEY=VALUE    override a preset key (repeatable; applied in order;\n"
           "                       overriding a swept key stops the sweep over it)\n"
           "    --steps N          same as --set steps=N\n"
           "    --instances R      same as --set instances=R\n"
           "    --seed S           same as --set seed=S\n"
           "    --threads T        same as --set threads=T (results do not depend on T)\n"
           "    --quiet            no progress lines on stderr\n"
           "               --set sweep.KEY=V1,V2,... sweeps KEY over these values instead.\n"
           "  sweep PRESET Run the preset's grid (its [sweep] lists, changed or extended\n"
           "               by --grid) x R instances as independent work items, on all\n"
           "               cores, or on MPI ranks under mpirun/srun (a build with MPI).\n"
           "               Every instance is kept in DIR as its own file; an interrupted\n"
           "               sweep goes on from there with the same command. Writes\n"
           "               per point points/K/trace.csv, summary.json, figure.*; and\n"
           "               summary.csv (n, mean, s.e., sd, quantiles of each statistic\n"
           "               per point), summary.json, figure.* (--stat against the grid).\n"
           "               The same files, bit for bit, on any number of threads or ranks\n"
           "               (docs/SWEEPS.md). `gui --open DIR` browses a finished sweep.\n"
           "    --out DIR          the sweep's directory (required; created if missing)\n"
           "    --grid KEY=V1,V2,...  sweep KEY over these values (repeatable, at most\n"
           "                       4 keys; replaces the preset's list for KEY)\n"
           "    --instances R      instances per grid point (same as --set instances=R)\n"
           "    --stat S1[,S2..]   statistics of figure.* (default: the preset's stats,\n"
           "                       else final_loss)\n"
           "    --set, --steps, --seed, --quiet  as for run\n"
           "    --threads T        worker threads per process (default: the CPUs it may\n"
           "                       use, shared among the ranks on a node)\n"
           "  reproduce FIGURE-ID  Reproduce one paper figure (SPEC.md section 5; list them\n"
           "               with --list): runs its preset and writes, into DIR (default:\n"
           "               ./FIGURE-ID), what `run` writes plus report.md and report.json:\n"
           "               the paper's setting, each of its claims with the paper's value\n"
           "               beside the measured one and its standard error, and a verdict\n"
           "               (REPRODUCED, PARTLY REPRODUCED, NOT REPRODUCED). `all` does every\n"
           "               figure into DIR/FIGURE-ID with an index DIR/README.md. Status 0\n"
           "               when every claim holds, 4 when one does not (files written).\n"
           "    --out DIR          output directory (created if missing)\n"
           "    --quick            smaller ensembles (seconds a figure; larger errors)\n"
           "    --threads T        worker threads (results do not depend on T)\n"
           "    --list             the figure ids; --quiet: no progress lines\n"
           "  gui [PRESET] The explorer window (SDL2): the ensemble trains live while\n"
           "               sliders change gamma, eta, L, n_h ...; F1 lists the keys.\n"
           "    --set KEY=VALUE    override a preset key (repeatable)\n"
           "    --state STRING     restore a shared state (the share string, key C)\n"
           "    --instances R      live ensemble size (default: the preset's, at most 16)\n"
           "    --export-dir DIR   where E (export) and S (screenshot) write (default .)\n"
           "    --large            larger text (projectors); --size WxH; --fullscreen\n"
           "    --open DIR         browse a finished `qnnlab sweep` DIR instead: the grid\n"
           "                       points with the sweep's statistic, the selected point's\n"
           "                       ensemble figure and statistics, Tab the whole sweep;\n"
           "                       with --size, --large, --fullscreen, --export-dir only\n"
           "  tui [PRESET] The same explorer in a terminal (ncurses): four panels when\n"
           "               the terminal is large, one with tabs from 80x24; ? lists the\n"
           "               keys. `qnnlab` alone opens the window when there is a display,\n"
           "               else this. Takes --set, --state, --instances, --export-dir and\n"
           "    --ascii            ASCII only (automatic when the locale is not UTF-8)\n"
           "    --mono             no colour (automatic without colours, or with NO_COLOR)\n"
           "    --fps F            redraws per second while playing, 1 .. 60 (default 25)\n"
           "    --open DIR         browse a finished sweep (as gui --open), its curves as\n"
           "                       text plots; with --ascii, --mono, --export-dir only\n"
           "  tour         A guided tour for teaching, in the window when there is a display,\n"
           "               else in the terminal: each step loads a preset and shows a box\n"
           "               with the explanation, the formula that matters and what to try;\n"
           "               every slider and key keeps working. Keys: > next step, < back,\n"
           "               i hides/shows the text. The steps are plain text in\n"
           "               assets/tour.ini ($QNNLAB_ASSETS): edit or translate them there.\n"
           "    --tour-step N      start at step N (1 .. the number of steps)\n"
           "    --tour-file FILE   another tour file\n"
           "    --set KEY=VALUE    applied to every step after its own; also --instances,\n"
           "                       --export-dir and the options of the face (--ascii ...\n"
           "                       opens the terminal, --large ... the window)\n"
           "               `qnnlab gui --tour` and `qnnlab tui --tour` pick the face.\n"
           "  presets      List the presets with a one-line description.\n"
           "  bench        Print steps/s of the engine's reference workloads (median of\n"
           "               several runs, single-threaded), the cost of a gradient against a\n"
           "               forward pass and the bandwidth of the Pauli rotation; see\n"
           "               docs/PERFORMANCE.md and `qnnlab bench --help`.\n"
           "    --quick            3 repeats of at least 0.1 s (default 5 of at least 0.3 s)\n"
           "    --repeats N        timed repeats per measurement\n"
           "    --json FILE        also write the results as JSON (atomically)\n"
           "    --scaling          also time the scaling with D and L\n"
           "\nPreset files (INI): [preset] description = ...; keys below in [model],\n"
           "[optimiser], [run], [figure]; [sweep] KEY = v1, v2, ... runs the grid of all\n"
           "swept values (at most %d keys) and adds each swept key as a trace.csv column.\n"
           "\nKeys\n", QNN_MAX_SWEEP_KEYS);
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    qnn_params def;
    qnn_params_default(&def);
    for (size_t i = 0; i < nk; i++) {
        char dv[300];
        qnn_params_get(&def, keys[i].name, dv, sizeof dv);
        printf("  %-13s %s\n  %-13s allowed: %s; default: %s%s\n", keys[i].name, keys[i].help, "",
               keys[i].allowed, dv[0] ? dv : "(empty)", keys[i].sweepable ? "; sweepable" : "");
    }
    printf("  %-13s alias: d = 2^n sets n (d must be a power of two)\n", "d");
    printf("  %-13s alias of L (the periodic model's layer count)\n", "p");
    printf("\nExit status\n"
           "  0    success\n"
           "  1    a run failed after it started (for example out of memory)\n"
           "  2    bad input: unknown command, option, preset or key; malformed or\n"
           "       out-of-range value; a size that does not fit in memory; an output\n"
           "       directory that cannot be written. One line on stderr names the key,\n"
           "       the value and what is allowed; no output file is written.\n"
           "  3    the run or sweep finished and wrote its files, but at least one instance\n"
           "       diverged (summary.json lists it as \"diverged at step t\")\n"
           "  4    reproduce: the files and the report were written, but at least one\n"
           "       of the paper's claims does not hold (report.md says which and why)\n"
           "  129, 130, 143\n"
           "       stopped by SIGHUP, SIGINT (Ctrl+C) or SIGTERM (128 + the signal's\n"
           "       number): `run` writes no output file (a signal that arrives while\n"
           "       the files are written lets them finish, each written under a\n"
           "       temporary name and renamed, and the run's own status is returned);\n"
           "       the window and the terminal face restore the terminal first;\n"
           "       `sweep` keeps every finished instance (the same command goes on)\n"
           "\nEnvironment\n"
           "  QNNLAB_PRESETS   directory of preset files (default: %s)\n"
           "  QNNLAB_ASSETS    directory of help.ini and tour.ini (default: the source tree's assets/)\n", qnn_preset_dir());
}

static void list_preset(void *ctx, const char *name, const char *description)
{
    (void)ctx;
    printf("%-22s %s\n", name, description);
}

/* Why the limit is what it is, for the refusal message ("" without a
 * ulimit -v). */
static char limit_note[200];

const char *qnn_memory_limit_note(void)
{
    return limit_note;
}

size_t qnn_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    double phys = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0.0;
    double lim = phys * 0.9;
    limit_note[0] = 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        /* what is mapped already (program, libraries, OpenBLAS's buffers)
         * and room for thread stacks, cairo and stdio */
        double mapped = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long vm = 0;
        if (f) {
            if (fscanf(f, "%lu", &vm) == 1 && psz > 0)
                mapped = (double)vm * (double)psz;
            fclose(f);
        }
        double as = (double)rl.rlim_cur - mapped - 64.0 * 1024 * 1024 - (double)QNN_BLAS_RESERVE;
        if (as < lim || lim == 0) {
            lim = as > 0 ? as : 1;
            snprintf(limit_note, sizeof limit_note,
                     "the address space is limited to %.0f MiB (ulimit -v), %.0f MiB of it is mapped already, and OpenBLAS reserves %.0f MiB for each thread that computes",
                     (double)rl.rlim_cur / 1048576.0, mapped / 1048576.0, (double)QNN_BLAS_RESERVE / 1048576.0);
        }
    }
    return lim > 0 ? (size_t)lim : 0;
}

typedef struct progress_ctx {
    int quiet;
    long point, npoints;
    char label[256];
} progress_ctx;

static int on_progress(void *vctx, int done, int total)
{
    progress_ctx *c = vctx;
    if (!c->quiet && isatty(STDERR_FILENO)) {
        fprintf(stderr, "\r  point %ld/%ld%s%s: %d/%d instances", c->point + 1, c->npoints,
                c->label[0] ? " " : "", c->label, done, total);
        fflush(stderr);
    }
    return interrupted != 0;
}

static int fail_usage(const char *msg)
{
    const char *note = qnn_memory_limit_note();
    if (note[0] && strstr(msg, "of memory"))
        fprintf(stderr, "qnnlab: %s (%s)\n", msg, note);
    else
        fprintf(stderr, "qnnlab: %s\n", msg);
    return QNN_EXIT_USAGE;
}

int qnn_result_prepare(const char *preset_name, const char *const *over, int nover,
                       qnn_preset *ps, qnn_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (qnn_preset_load(preset_name, ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    return qnn_result_prepare_loaded(over, nover, ps, res, err, errlen);
}

int qnn_result_prepare_loaded(const char *const *over, int nover, qnn_preset *ps, qnn_result *res,
                              char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    for (int i = 0; i < nover; i++) {
        char e[1024];
        if (qnn_preset_override(ps, over[i], e, sizeof e) != 0) {
            snprintf(err, errlen, "--set %s: %s", over[i], e);
            return QNN_EXIT_USAGE;
        }
    }
    if (qnn_preset_finalise(ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    /* Validate every grid point (relations, memory) before any work. */
    const long P = qnn_preset_points(ps);
    const size_t lim = qnn_memory_limit();
    res->preset = ps;
    res->overrides = (const char **)over;
    res->noverrides = nover;
    res->points = calloc((size_t)P, sizeof *res->points);
    if (!res->points) {
        snprintf(err, errlen, "out of memory");
        return QNN_EXIT_FAILURE;
    }
    res->npoints = P;
    for (long k = 0; k < P; k++) {
        qnn_point *pt = &res->points[k];
        if (qnn_preset_point(ps, k, &pt->params, pt->value_index, err, errlen) != 0 ||
            qnn_params_check(&pt->params, 0, err, errlen) != 0)
            return QNN_EXIT_USAGE;
        int t = pt->params.threads > 0 ? pt->params.threads : qnn_run_default_threads();
        if (t > pt->params.instances)
            t = pt->params.instances;
        /* under a ulimit -v every further computing thread also costs
         * OpenBLAS's buffer of address space (qnn_memory_limit left room
         * for one) */
        const size_t blas = qnn_memory_limit_note()[0] ? QNN_BLAS_RESERVE : 0;
        while (t > 1 && qnn_params_run_bytes(&pt->params, t) + (size_t)(t - 1) * blas > lim)
            t--;
        pt->params.threads = t;
        if (qnn_params_check(&pt->params, lim, err, errlen) != 0)
            return QNN_EXIT_USAGE;
    }
    return QNN_EXIT_OK;
}

int qnn_result_execute(qnn_result *res, int quiet, int *diverged_out)
{
    char err[1024];
    const long P = res->npoints;
    mid_line = !quiet && isatty(STDERR_FILENO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    progress_ctx pc = { quiet, 0, P, "" };
    int diverged = 0;
    for (long k = 0; k < P; k++) {
        qnn_point *pt = &res->points[k];
        pc.point = k;
        qnn_point_label(res, k, pc.label, sizeof pc.label);
        if (qnn_run_execute(&pt->params, on_progress, &pc, &pt->run, err, sizeof err) != 0) {
            if (!quiet && isatty(STDERR_FILENO))
                fputc('\n', stderr);
            if (interrupted) {
                fprintf(stderr, "qnnlab: interrupted; no output written\n");
                return 128 + interrupted;
            }
            fprintf(stderr, "qnnlab: %s\n", err);
            return QNN_EXIT_FAILURE;
        }
        if (qnn_analyse(pt->run, &pt->sum) != 0) {
            fprintf(stderr, "qnnlab: out of memory while analysing the run\n");
            return QNN_EXIT_FAILURE;
        }
        diverged += pt->sum.diverged;
        if (!quiet) {
            if (isatty(STDERR_FILENO))
                fputc('\r', stderr);
            const qnn_summary *s = &pt->sum;
            fprintf(stderr, "  point %ld/%ld%s%s: %d instances, K(0) = %.4g ± %.2g", k + 1, P,
                    pc.label[0] ? " " : "", pc.label, s->instances, s->kernel_t0.mean, s->kernel_t0.se);
            const qnn_theory_value *tv = qnn_summary_theory(s, "mean_qntk");
            if (tv)
                fprintf(stderr, " (theory %.4g)", tv->value);
            if (pt->params.steps > 0)
                fprintf(stderr, ", final loss %.3g", s->loss_final.mean);
            if (s->diverged)
                fprintf(stderr, ", %d diverged", s->diverged);
            fputc('\n', stderr);
        }
    }
    if (interrupted) {
        fprintf(stderr, "qnnlab: interrupted; no output written\n");
        return 128 + interrupted;
    }
    if (diverged_out)
        *diverged_out = diverged;
    return QNN_EXIT_OK;
}

void qnn_result_writing(int on)
{
    writing = on != 0;
}

void qnn_result_release(qnn_result *res)
{
    if (res->points)
        for (long k = 0; k < res->npoints; k++)
            qnn_run_free(res->points[k].run);
    free(res->points);
    res->points = NULL;
    res->npoints = 0;
}

static int cmd_run(int argc, char **argv)
{
    const char *preset_name = NULL, *out = NULL;
    int quiet = 0;
    const char **over = calloc((size_t)argc + 1, sizeof *over);
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    int nover = 0, nowned = 0, rc = QNN_EXIT_USAGE;
    char err[1024];
    qnn_preset *ps = calloc(1, sizeof *ps);
    qnn_result res;
    memset(&res, 0, sizeof res);
    if (!over || !owned || !ps) {
        fprintf(stderr, "qnnlab: out of memory\n");
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *sugar = NULL;
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-o") || !strncmp(a, "--out=", 6)) {
            if (a[2] == 'o' && a[5] == '=')
                out = a + 6;
            else if (i + 1 < argc)
                out = argv[++i];
            else {
                rc = fail_usage("--out: missing value; allowed: a directory path");
                goto done;
            }
        } else if (!strcmp(a, "--set") || !strncmp(a, "--set=", 6)) {
            if (a[5] == '=')
                over[nover++] = a + 6;
            else if (i + 1 < argc)
                over[nover++] = argv[++i];
            else {
                rc = fail_usage("--set: missing KEY=VALUE; allowed: --set KEY=VALUE");
                goto done;
            }
        } else if (!strcmp(a, "--steps")) sugar = "steps";
        else if (!strcmp(a, "--instances")) sugar = "instances";
        else if (!strcmp(a, "--seed")) sugar = "seed";
        else if (!strcmp(a, "--threads")) sugar = "threads";
        else if (a[0] == '-' && a[1]) {
            snprintf(err, sizeof err, "run: unknown option '%s'; allowed: --out, --set, --steps, --instances, --seed, --threads, --quiet", a);
            rc = fail_usage(err);
            goto done;
        } else if (!preset_name) {
            preset_name = a;
        } else {
            snprintf(err, sizeof err, "run: unexpected argument '%s'; allowed: one PRESET", a);
            rc = fail_usage(err);
            goto done;
        }
        if (sugar) {
            if (i + 1 >= argc) {
                snprintf(err, sizeof err, "%s: missing value; allowed: see qnnlab --help", a);
                rc = fail_usage(err);
                goto done;
            }
            size_t l = strlen(sugar) + strlen(argv[i + 1]) + 2;
            char *s = malloc(l);
            if (!s) { rc = QNN_EXIT_FAILURE; goto done; }
            snprintf(s, l, "%s=%s", sugar, argv[++i]);
            owned[nowned++] = s;
            over[nover++] = s;
        }
    }
    if (!preset_name) {
        rc = fail_usage("run: missing PRESET; allowed: a name from `qnnlab presets` or a path to an .ini file");
        goto done;
    }
    if (!out) {
        rc = fail_usage("run: missing --out DIR; allowed: --out followed by a directory path");
        goto done;
    }
    rc = qnn_result_prepare(preset_name, over, nover, ps, &res, err, sizeof err);
    if (rc != QNN_EXIT_OK) {
        if (rc == QNN_EXIT_USAGE)
            rc = fail_usage(err);
        else
            fprintf(stderr, "qnnlab: %s\n", err);
        goto done;
    }
    if (qnn_prepare_outdir(out, err, sizeof err) != 0) {
        rc = fail_usage(err);
        goto done;
    }
    int diverged = 0;
    rc = qnn_result_execute(&res, quiet, &diverged);
    if (rc != QNN_EXIT_OK)
        goto done;
    qnn_result_writing(1);
    if (qnn_write_outputs(&res, out, err, sizeof err) != 0) {
        rc = fail_usage(err);
        goto done;
    }
    printf("wrote %s/figure.png (and figure.svg, figure.pdf, trace.csv, summary.json%s)\n", out,
           qnn_result_has_hessian(&res) ? ", spectra.csv" : "");
    if (diverged) {
        fprintf(stderr, "qnnlab: %d instance(s) diverged; see %s/summary.json\n", diverged, out);
        rc = QNN_EXIT_DIVERGED;
    } else {
        rc = QNN_EXIT_OK;
    }
done:
    qnn_result_release(&res);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(over);
    free(ps);
    return rc;
}

int qnn_cli_run(int argc, char **argv)
{
    if (argc < 2) {
        /* with a display: the window on the default preset */
        const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        if (((x && *x) || (wl && *wl)) && qnn_gui_available())
            return qnn_cmd_gui(0, argv + 1);
        /* without one, in a terminal: the terminal face */
        if (qnn_tui_available())
            return qnn_cmd_tui(0, argv + 1);
        usage_short(stderr);
        fputs("(no display and no terminal: `qnnlab gui` needs a display, `qnnlab tui` a terminal; headless runs use `qnnlab run`)\n", stderr);
        fputs("(`qnnlab --help` explains every command and key)\n", stderr);
        return QNN_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_help();
        return QNN_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("qnnlab %s\n", QNN_VERSION);
        return QNN_EXIT_OK;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "reproduce"))
        return qnn_cmd_reproduce(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep"))
        return qnn_cmd_sweep(argc - 2, argv + 2);
    if (!strcmp(cmd, "presets")) {
        char err[512];
        if (qnn_preset_list(list_preset, NULL, err, sizeof err) != 0)
            return fail_usage(err);
        return QNN_EXIT_OK;
    }
    if (!strcmp(cmd, "bench"))
        return qnn_bench_main(argc - 2, argv + 2);
    if (!strcmp(cmd, "gui"))
        return qnn_cmd_gui(argc - 2, argv + 2);
    if (!strcmp(cmd, "tui"))
        return qnn_cmd_tui(argc - 2, argv + 2);
    if (!strcmp(cmd, "tour"))
        return qnn_cmd_tour(argc - 2, argv + 2);
    char msg[512];
    snprintf(msg, sizeof msg, "unknown command '%s'; allowed: run, sweep, reproduce, gui, tui, tour, presets, bench, --help, --version", cmd);
    return fail_usage(msg);
}
