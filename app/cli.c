/* `qnnlab`: the table of commands, the dispatch from it, `qnnlab --help`,
 * and the two small commands `run` and `presets`. Every command's synopsis
 * and option text lives in its entry here: `qnnlab --help` prints them all,
 * `qnnlab CMD --help` one. */
#include "cli.h"
#include "command.h"
#include "movie.h"
#include "preset.h"
#include "runner.h"
#include "tui.h"
#include "window.h"
#include "qnn/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

static const qnn_command commands[] = {
    {
        .name = "run",
        .summary = "run a preset headless and write its trace, summary and figure",
        .usage = "qnnlab run PRESET --out DIR [--set KEY=VALUE]... [--steps N] [--instances R]\n"
                 "            [--seed S] [--threads T] [--quiet] [--fig-size WxH] [--dpi N]\n"
                 "            [--font-size PT] [--title on|off] [--style onecolumn|twocolumn|slide]\n"
                 "            [--movie FILE.mp4|FILE.gif]",
        .help = "  run PRESET   Run a preset headless and write, into DIR and nothing else:\n"
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
                "    --movie FILE       also write the figure growing step by step as a movie\n"
                "                       (FILE.mp4: H.264, or FILE.gif; 1280x720, at most 150\n"
                "                       frames at 30/s), after the files in DIR; FILE's folder\n"
                "                       must exist\n"
                "               --set sweep.KEY=V1,V2,... sweeps KEY over these values instead.\n"
                "               The figure for a paper or a slide (figure.* only; trace.csv and\n"
                "               summary.json do not change):\n"
                QNN_FIG_OPTS_HELP,
        .more = "The keys, what each allows and its default: `qnnlab --help` (Keys).\n",
        .main = qnn_cmd_run,
    },
    {
        .name = "sweep",
        .summary = "run a preset's grid x R instances on all cores or MPI ranks, resumable",
        .usage = "qnnlab sweep PRESET --out DIR [--grid KEY=V1,V2,...]... [--instances R]\n"
                 "            [--stat S] [--set KEY=VALUE]... [--threads T] [--quiet]\n"
                 "[mpirun -np N] qnnlab sweep ...   (a build with MPI)",
        .help = "  sweep PRESET Run the preset's grid (its [sweep] lists, changed or extended\n"
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
                "                       else loss_final)\n"
                "    --set, --steps, --seed, --quiet  as for run\n"
                "    --threads T        worker threads per process (default: the CPUs it may\n"
                "                       use, shared among the ranks on a node)\n",
        .main = qnn_cmd_sweep,
    },
    {
        .name = "circuit",
        .summary = "write a preset's gate-level circuit as OpenQASM 3, or list its gates",
        .usage = "qnnlab circuit export|show [PRESET] [--set KEY=VALUE]... [--out FILE]",
        .help = "  circuit export [PRESET]  Write the circuit of model = circuit (PRESET, default\n"
                "               `circuit`, with the overrides) as OpenQASM 3: the built-in\n"
                "               families (ansatz = hea, qaoa) and the angle encoding of the\n"
                "               data become a file that key circuit reads back to the same\n"
                "               gates and gradients (docs/CIRCUITS.md, docs/QASM.md).\n"
                "  circuit show [PRESET]    List the variables (parameters, data features) and\n"
                "               the gates one per line.\n"
                "    --set KEY=VALUE    override a preset key (repeatable)\n"
                "    --out FILE         write FILE (whole or not at all) instead of stdout\n",
        .main = qnn_cmd_circuit,
    },
    {
        .name = "reproduce",
        .summary = "reproduce a paper figure and report each claim beside its measured value",
        .usage = "qnnlab reproduce FIGURE-ID [--out DIR] [--quick] [--set KEY=VALUE]... [--instances R]\n"
                 "            [--seed S] [--threads T] [--quiet] [--fig-size WxH] [--dpi N] [--font-size PT]\n"
                 "            [--title on|off] [--style onecolumn|twocolumn|slide]\n"
                 "qnnlab reproduce all [--out DIR] [--quick] [--set KEY=VALUE]... [--instances R]\n"
                 "            [--seed S] [--threads T] [--quiet]\n"
                 "qnnlab reproduce --list",
        .help = "  reproduce FIGURE-ID  Reproduce one paper figure (docs/PHYSICS.md; list them\n"
                "               with --list): runs its preset and writes, into DIR (default:\n"
                "               ./FIGURE-ID), what `run` writes plus report.md and report.json:\n"
                "               the paper's setting, each of its claims with the paper's value\n"
                "               beside the measured one and its standard error, and a verdict\n"
                "               (REPRODUCED, PARTLY REPRODUCED, NOT REPRODUCED). `all` does every\n"
                "               figure into DIR/FIGURE-ID with an index DIR/README.md. Status 0\n"
                "               when every claim holds, 4 when one does not (files written).\n"
                "    --out DIR          output directory (created if missing)\n"
                "    --quick            smaller ensembles (seconds a figure; larger errors)\n"
                "    --set KEY=VALUE    change the paper's setting (repeatable, as for run) and\n"
                "                       judge the claims there; the report says what changed.\n"
                "                       A key the figure's preset sweeps (and sweep.KEY) is\n"
                "                       refused: the claims are judged across that grid\n"
                "    --instances R      same as --set instances=R (after --quick's)\n"
                "    --seed S           same as --set seed=S\n"
                "    --threads T        worker threads (results do not depend on T)\n"
                "    --list             the figure ids; --quiet: no progress lines\n"
                "    --fig-size WxH, --dpi N, --font-size PT, --title on|off,\n"
                "    --style onecolumn|twocolumn|slide  figure.* as for run\n"
                "               With `all` the changes apply to every figure, and are refused\n"
                "               before anything runs when one of them does not fit a figure.\n",
        .main = qnn_cmd_reproduce,
    },
    {
        .name = "gui",
        .summary = "the explorer window: the ensemble trains live under sliders",
        .usage = "qnnlab gui [PRESET] [--set KEY=VALUE]... [--state S] [--instances R]\n"
                 "           [--large] [--size WxH] [--fullscreen] [--export-dir DIR]\n"
                 "           [--tour] [--tour-step N] [--tour-file FILE]\n"
                 "           [--fig-size WxH] [--dpi N] [--font-size PT] [--title on|off] [--style S]\n"
                 "qnnlab gui --open DIR [--large] [--size WxH] [--fullscreen] [--export-dir DIR]",
        .help = "  gui [PRESET] The explorer window (SDL2): the ensemble trains live while\n"
                "               sliders change gamma, eta, L, n_h ...; F1 lists the keys.\n"
                "    --set KEY=VALUE    override a preset key (repeatable)\n"
                "    --state S          restore a shared state: the share string (key C) or a\n"
                "                       state.json written by export (E)\n"
                "    --instances R      live ensemble size (default: the preset's, at most 16)\n"
                "    --export-dir DIR   where E (export) and S (screenshot) write (default .)\n"
                "    --large            larger text (projectors); --size WxH; --fullscreen\n"
                "    --fig-size WxH, --dpi N, --font-size PT, --title on|off,\n"
                "    --style onecolumn|twocolumn|slide  the panels E exports (as for run)\n"
                "    --tour, --tour-step N, --tour-file FILE  the guided tour (see tour)\n"
                "    --open DIR         browse a finished `qnnlab sweep` DIR instead: the grid\n"
                "                       points with the sweep's statistic, the selected point's\n"
                "                       ensemble figure and statistics, Tab the whole sweep;\n"
                "                       with --size, --large, --fullscreen, --export-dir only\n",
        .main = qnn_cmd_gui,
    },
    {
        .name = "tui",
        .summary = "the same explorer in a terminal (ncurses), also over ssh",
        .usage = "qnnlab tui [PRESET] [--set KEY=VALUE]... [--state S] [--instances R]\n"
                 "           [--ascii] [--mono] [--fps F] [--export-dir DIR]\n"
                 "           [--tour] [--tour-step N] [--tour-file FILE]\n"
                 "qnnlab tui --open DIR [--ascii] [--mono] [--export-dir DIR]",
        .help = "  tui [PRESET] The same explorer in a terminal (ncurses): four panels when\n"
                "               the terminal is large, one with tabs from 80x24; ? lists the\n"
                "               keys. `qnnlab` alone opens the window when there is a display,\n"
                "               else this. Takes --set, --state, --instances, --export-dir,\n"
                "               --tour, --tour-step, --tour-file, the figure options (as gui) and\n"
                "    --ascii            ASCII only (automatic when the locale is not UTF-8)\n"
                "    --mono             no colour (automatic without colours, or with NO_COLOR)\n"
                "    --fps F            redraws per second while playing, 1 .. 60 (default 25)\n"
                "    --open DIR         browse a finished sweep (as gui --open), its curves as\n"
                "                       text plots; with --ascii, --mono, --export-dir only\n",
        .main = qnn_cmd_tui,
    },
    {
        .name = "tour",
        .summary = "a guided tour for teaching, in the window or the terminal",
        .usage = "qnnlab tour [--tour-step N] [--tour-file FILE] [--set KEY=VALUE]... [--instances R]\n"
                 "            [--export-dir DIR] and the options of the face it opens:\n"
                 "            [--large] [--size WxH] [--fullscreen] (window), [--ascii] [--mono] [--fps F] (terminal)",
        .help = "  tour         A guided tour for teaching, in the window when there is a display,\n"
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
                "               `qnnlab gui --tour` and `qnnlab tui --tour` pick the face.\n",
        .main = qnn_cmd_tour,
    },
    {
        .name = "presets",
        .summary = "list the presets with a one-line description",
        .usage = "qnnlab presets",
        .help = "  presets      List the presets with a one-line description.\n",
        .main = qnn_cmd_presets,
    },
    {
        .name = "bench",
        .summary = "time the engine's reference workloads, the faces' frames, a long session",
        .usage = "qnnlab bench [--quick] [--repeats N] [--json FILE] [--scaling] [--only IDS]\n"
                 "qnnlab bench --gui [--frames N] [--size WxH] [--preset P]   (the window's frame time)\n"
                 "qnnlab bench --tui [--frames N] [--size WxH] [--preset P] [--ascii]   (the terminal face's)\n"
                 "qnnlab bench --soak [--preset P] [--steps N] [--every K] [--instances R] [--allow MIB]\n"
                 "             (a long live session: heap and resident memory sampled every K steps must not grow with the steps)",
        .help = "  bench        Print steps/s of the engine's reference workloads (median of\n"
                "               several runs, single-threaded), the cost of a gradient against a\n"
                "               forward pass and the bandwidth of the Pauli rotation; see\n"
                "               docs/PERFORMANCE.md and `qnnlab bench --help`.\n"
                "    --quick            3 repeats of at least 0.1 s each (default: 5 of at least\n"
                "                       0.3 s)\n"
                "    --repeats N        timed repeats per measurement (1 .. 1000); medians are\n"
                "                       reported\n"
                "    --json FILE        also write the results as JSON to FILE (atomically)\n"
                "    --scaling          also time the scaling with D and L (asym-scaling)\n"
                "    --only IDS         comma list of workload ids (`qnnlab bench --help`)\n"
                "    --gui, --tui       the frame time of the window or the terminal face instead\n"
                "    --soak             a long live session instead (memory must not grow with the steps)\n",
        .more = "Workloads\n"
                "  --only IDS   comma list of workload ids (random_n4_L64_haar, random_n10_L200_haar,\n"
                "               random_n16_L200_bw2, random_n20_L200_bw2, periodic_d64_p80_m4,\n"
                "               periodic_d256_p80_m4, qbm_n10, circuit_hea_n10_L8,\n"
                "               circuit_spirals_n6_m128, asym-d64, asym-d256, asym-d1024,\n"
                "               asym-mid-d256, bandwidth, entropy, hessian, gates, fusion,\n"
                "               threads, window, asym-scaling); default all but\n"
                "               asym-scaling, which runs with --scaling or when named here\n"
                "  --scaling    also time random brickwork(2) at n = 12..20 (L = 50) and\n"
                "               n = 10 at L = 25..200, and fit the asymptotic Cayley step's time\n"
                "               against d = 64..1024 (m = 4) and m = 1..16 (d = 256) (asym-scaling)\n"
                "  asym-*       model = asymptotic (YOU23 Eq. 119), m = 4, gamma = 2, Cayley step\n"
                "               (asym-mid-d256: midpoint); one step = eval without eigenvalues + step\n"
                "  entropy      entanglement observer: qnn_entangle_spectrum + qnn_entropy +\n"
                "               qnn_trace_distance_mixed on a fixed random state, (n, n_v) = (20, 10),\n"
                "               (20, 8), (20, 4), (20, 16), (16, 8), (12, 6); also its ZHERK and\n"
                "               eigensolve alone\n"
                "  hessian      Hessian of the loss: exact (second-order adjoint against the parameter\n"
                "               shift) at L = 64, 256, 1024 (random, n = 6) and\n"
                "               SLQ at L = 1024 and for an mlp with P = 9889 parameters\n"
                "  gates        dense 2-qubit gate at n = 20 per target pair and SIMD level, and on\n"
                "               2 kernel threads\n"
                "  fusion       brickwork layer (depth 2) gate by gate against fused blocks,\n"
                "               n = 16, 20, 22, 24\n"
                "  threads      random n = 20, L = 8 brickwork(2) step on 1 and 2 kernel threads;\n"
                "               bit-identity check\n"
                "  window       live session of 8 x random n = 12, L = 64 brickwork(2): steps/s\n"
                "               on 1 and 2 kernel threads\n",
        .main = qnn_cmd_bench,
    },
};
enum { NCOMMANDS = (int)(sizeof commands / sizeof commands[0]) };

static const qnn_command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static void usage_short(FILE *f)
{
    for (int i = 0; i < NCOMMANDS; i++)
        qnn_command_usage(&commands[i], f, i == 0);
    fputs("       qnnlab CMD --help | --help | --version\n", f);
}

static void print_help(void)
{
    printf("qnnlab %s: watch quantum neural networks learn.\n\n", QNN_VERSION);
    usage_short(stdout);
    printf("\nCommands (`qnnlab CMD --help` shows one)\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fputs(commands[i].help, stdout);
    printf("\nPreset files (INI): [preset] description = ...; keys below in [model],\n"
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

/* "qnnlab: CMD: MSG" on stderr; QNN_EXIT_USAGE. */
static int refuse_in(const char *cmd, const char *msg)
{
    char m[1200];
    snprintf(m, sizeof m, "%s: %s", cmd, msg);
    return qnn_refuse("qnnlab", m);
}

enum { RUN_SET = 256, RUN_STEPS, RUN_INSTANCES, RUN_SEED, RUN_THREADS, RUN_MOVIE };

static const qnn_opt run_opts[] = {
    { "out", 'o', "a directory path", 0 },
    { "set", RUN_SET, "KEY=VALUE with a key of `qnnlab --help`", 0 },
    { "steps", RUN_STEPS, "a number of steps (as --set steps=N)", 0 },
    { "instances", RUN_INSTANCES, "a number of instances (as --set instances=R)", 0 },
    { "seed", RUN_SEED, "a seed (as --set seed=S)", 0 },
    { "threads", RUN_THREADS, "a number of threads (as --set threads=T)", 0 },
    { "quiet", 'q', NULL, 0 },
    QNN_FIG_OPTS,
    { "movie", RUN_MOVIE, "a file name ending in .mp4 or .gif", 0 },
};

/* 1 when the folder of the movie path is `out` (the same text, trailing
 * slashes aside) and does not exist yet: run makes it before the movie's
 * check. */
static int movie_folder_is_new_out(const char *movie, const char *out)
{
    const char *slash = strrchr(movie, '/');
    if (!slash)
        return 0;
    size_t nd = (size_t)(slash - movie), no = strlen(out);
    while (nd > 1 && movie[nd - 1] == '/')
        nd--;
    while (no > 1 && out[no - 1] == '/')
        no--;
    if (nd != no || strncmp(movie, out, nd) != 0)
        return 0;
    struct stat st;
    return stat(out, &st) != 0 && errno == ENOENT;
}

int qnn_cmd_run(const qnn_command *self, int argc, char **argv)
{
    const char *preset_name = NULL, *out = NULL, *movie = NULL;
    int quiet = 0;
    /* the overrides in the order given; --steps N and the like become
     * "steps=N", owned here */
    const char **over = calloc((size_t)argc + 1, sizeof *over);
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    int nover = 0, nowned = 0, rc = QNN_EXIT_USAGE;
    char err[1024], q[200];
    qnn_preset *ps = calloc(1, sizeof *ps);
    qnn_result res;
    memset(&res, 0, sizeof res);
    if (!over || !owned || !ps) {
        fprintf(stderr, "qnnlab: out of memory\n");
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    live_fig_opts fo;
    live_fig_opts_init(&fo);
    qnn_optparser op;
    qnn_opt_init(&op, run_opts, sizeof run_opts / sizeof run_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *sugar = NULL;
        if (qnn_fig_opt(c, op.arg, &fo, err, sizeof err) < 0) {
            rc = refuse_in("run", err);
            goto done;
        }
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            rc = QNN_EXIT_OK;
            goto done;
        case QNN_OPT_ERROR:
            rc = refuse_in("run", op.msg);
            goto done;
        case QNN_OPT_OPERAND:
            if (preset_name) {
                snprintf(err, sizeof err, "unexpected argument '%s'; allowed: one PRESET",
                         qnn_quote(op.arg, 80, q, sizeof q));
                rc = refuse_in("run", err);
                goto done;
            }
            preset_name = op.arg;
            break;
        case 'o': out = op.arg; break;
        case 'q': quiet = 1; break;
        case RUN_MOVIE: movie = op.arg; break;
        case RUN_SET: over[nover++] = op.arg; break;
        case RUN_STEPS: sugar = "steps"; break;
        case RUN_INSTANCES: sugar = "instances"; break;
        case RUN_SEED: sugar = "seed"; break;
        case RUN_THREADS: sugar = "threads"; break;
        }
        if (sugar) {
            size_t l = strlen(sugar) + strlen(op.arg) + 2;
            char *s = malloc(l);
            if (!s) {
                fprintf(stderr, "qnnlab: out of memory\n");
                rc = QNN_EXIT_FAILURE;
                goto done;
            }
            snprintf(s, l, "%s=%s", sugar, op.arg);
            owned[nowned++] = s;
            over[nover++] = s;
        }
    }
    if (!preset_name) {
        rc = refuse_in("run", "missing PRESET; allowed: a name from `qnnlab presets` or a path to an .ini file");
        goto done;
    }
    if (!out) {
        rc = refuse_in("run", "missing --out DIR; allowed: --out followed by a directory path");
        goto done;
    }
    if (live_fig_opts_check(&fo, err, sizeof err) != 0) {
        rc = refuse_in("run", err);
        goto done;
    }
    /* the movie's name, folder and target before any work; when its folder
     * is the --out folder, which does not exist yet, once that is made */
    const int movie_in_out = movie && movie_folder_is_new_out(movie, out);
    if (movie && (movie_in_out ? qnn_movie_check_name(movie, err, sizeof err)
                               : qnn_movie_check_path(movie, err, sizeof err)) != 0) {
        rc = refuse_in("run", err);
        goto done;
    }
    rc = qnn_result_prepare(preset_name, over, nover, ps, &res, err, sizeof err);
    if (rc != QNN_EXIT_OK) {
        if (rc == QNN_EXIT_USAGE)
            rc = qnn_refuse("qnnlab", err);
        else
            fprintf(stderr, "qnnlab: %s\n", err);
        goto done;
    }
    /* before any work: the folder, its files (regular files or absent), not
     * a sweep's folder; stale temporaries of dead runs removed */
    if (qnn_prepare_run_outdir(out, NULL, 0, err, sizeof err) != 0) {
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    /* a movie inside the --out folder this run has just made */
    if (movie_in_out && qnn_movie_check_path(movie, err, sizeof err) != 0) {
        rc = refuse_in("run", err);
        goto done;
    }
    res.figopts = &fo;
    int diverged = 0;
    rc = qnn_result_execute(&res, quiet, &diverged);
    if (rc != QNN_EXIT_OK)
        goto done;
    qnn_result_writing(1);
    if (qnn_write_outputs(&res, out, err, sizeof err) != 0) {
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    printf("wrote %s/figure.png (and figure.svg, figure.pdf, trace.csv, summary.json%s)\n", out,
           qnn_result_has_hessian(&res) ? ", spectra.csv" : "");
    if (movie) {
        if (qnn_run_movie(&res, movie, err, sizeof err) != 0) {
            fprintf(stderr, "qnnlab: run: %s (the files in %s are written)\n", err, out);
            rc = qnn_result_interrupted() ? qnn_result_interrupted() : QNN_EXIT_FAILURE;
            goto done;
        }
        printf("wrote %s\n", movie);
    }
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

static void list_preset(void *ctx, const char *name, const char *description)
{
    (void)ctx;
    printf("%-22s %s\n", name, description);
}

int qnn_cmd_presets(const qnn_command *self, int argc, char **argv)
{
    qnn_optparser op;
    char err[512], q[200];
    qnn_opt_init(&op, NULL, 0, argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        if (c == QNN_OPT_HELP) {
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        }
        if (c == QNN_OPT_ERROR)
            return refuse_in("presets", op.msg);
        snprintf(err, sizeof err, "unexpected argument '%s'; allowed: no arguments",
                 qnn_quote(op.arg, 80, q, sizeof q));
        return refuse_in("presets", err);
    }
    if (qnn_preset_list(list_preset, NULL, err, sizeof err) != 0)
        return qnn_refuse("qnnlab", err);
    return QNN_EXIT_OK;
}

int qnn_cli_run(int argc, char **argv)
{
    if (argc < 2) {
        /* with a display: the window on the default preset; without one, in
         * a terminal: the terminal face */
        const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        const qnn_command *face = NULL;
        if (((x && *x) || (wl && *wl)) && qnn_gui_available())
            face = find_command("gui");
        else if (qnn_tui_available())
            face = find_command("tui");
        if (face) {
            char name[16];
            snprintf(name, sizeof name, "%s", face->name);
            char *av[] = { name, NULL };
            return face->main(face, 1, av);
        }
        return qnn_refuse("qnnlab", "no display and no terminal: `qnnlab gui` needs a display, `qnnlab tui` a terminal; "
                                    "allowed: `qnnlab run PRESET --out DIR` headless, or `qnnlab --help` for every command");
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        /* `qnnlab help CMD`: as `qnnlab CMD --help` */
        const qnn_command *c = argc > 2 && !strcmp(name, "help") ? find_command(argv[2]) : NULL;
        if (c)
            qnn_command_help(c, stdout);
        else
            print_help();
        return QNN_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("qnnlab %s\n", QNN_VERSION);
        return QNN_EXIT_OK;
    }
    const qnn_command *c = find_command(name);
    if (c)
        return c->main(c, argc - 1, argv + 1);
    char msg[1024], q[200];
    size_t o = (size_t)snprintf(msg, sizeof msg, "unknown command '%s'; allowed: ", qnn_quote(name, 60, q, sizeof q));
    for (int i = 0; i < NCOMMANDS && o < sizeof msg; i++)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s, ", commands[i].name);
    if (o < sizeof msg)
        snprintf(msg + o, sizeof msg - o, "--help, --version");
    return qnn_refuse("qnnlab", msg);
}
