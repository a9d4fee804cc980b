/* qnnlab bench: steps per second of the engine's reference workloads, the
 * cost of a gradient against a forward pass, the memory bandwidth of the
 * Pauli rotation against a triad loop, steps per second of the asymptotic
 * dynamics dM/dt = [B, M] (YOU23 Eq. 119), the cost of the entanglement
 * observer (spectrum of ρ_v, entropy, trace distance), and (with
 * --scaling) the scaling of a random-circuit step with D and L and log-log
 * fits of the asymptotic step's cost against d and m; and (issue 24) the
 * state-vector kernels: the dense 2-qubit gate per SIMD level, a brickwork
 * layer gate by gate against fused, a step on 1 and 2 kernel threads and
 * the live window's engine rate. Single-threaded throughout but where a
 * table says 2 kernel threads; see docs/PERFORMANCE.md.
 *
 * Every number is the median (with min and max) of `repeats` timed
 * repeats; each repeat runs enough calls to last at least `min_time`
 * seconds (CLOCK_MONOTONIC), after an untimed warm-up. Only the public
 * engine API is used: instances are built with qnn_params_default +
 * qnn_params_set + qnn_instance_new, one step is qnn_instance_eval +
 * qnn_instance_step (the asymptotic model: qnn_instance_eval without
 * eigenvalues, see asym_reference); the observer is timed through
 * qnn/entangle.h, and its two parts on their own with the same CBLAS
 * (GSL's cblas.h) and GSL eigensolver calls the engine makes.
 *
 * This file: the options and the command, which runs the sections in
 * order. bench_timing.c times calls and probes the machine;
 * bench_kernels.c holds the workloads (reference, asymptotic, scaling),
 * bench_bandwidth.c the Pauli rotation against a triad, bench_gates.c the
 * kernels of issue 24, bench_observers.c the Hessian and entanglement
 * observers, bench_report.c the JSON and the table rows; bench_priv.h what
 * they share. */
#include "bench_priv.h"
#include "command.h"
#include "runner.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

enum { B_QUICK = 256, B_SCALING, B_REPEATS, B_JSON, B_ONLY };
static const qnn_opt bench_opts_table[] = {
    { "quick", B_QUICK, NULL, 0 },
    { "repeats", B_REPEATS, "an integer in 1 .. 1000", 0 },
    { "json", B_JSON, "a file path", 0 },
    { "scaling", B_SCALING, NULL, 0 },
    { "only", B_ONLY, "a comma list of workload ids (`qnnlab bench --help`)", 0 },
};

#define BENCH_GO (-1)

/* The options of `qnnlab bench` (the workload mode) into *o (repeats: 0
 * when not given). BENCH_GO to go on, else the command's exit status (the
 * help printed, or a refusal). */
static int parse_options(const qnn_command *self, int argc, char **argv, bench_opts *o, int *repeats)
{
    char qb[200];
    qnn_optparser op;
    qnn_opt_init(&op, bench_opts_table, sizeof bench_opts_table / sizeof bench_opts_table[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *v = op.arg;
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        case QNN_OPT_ERROR:
            fprintf(stderr, "qnnlab: bench: %s\n", op.msg);
            return QNN_EXIT_USAGE;
        case QNN_OPT_OPERAND:
            fprintf(stderr, "qnnlab: bench: unexpected argument '%s'; allowed: options only (`qnnlab bench --help`)\n",
                    qnn_quote(v, 60, qb, sizeof qb));
            return QNN_EXIT_USAGE;
        case B_QUICK: o->quick = 1; break;
        case B_SCALING: o->scaling = 1; break;
        case B_JSON: o->json = v; break;
        case B_ONLY: o->only = v; break;
        case B_REPEATS: {
            char *end;
            errno = 0;
            long r = strtol(v, &end, 10);
            if (errno || *end || end == v || r < 1 || r > 1000) {
                fprintf(stderr, "qnnlab: bench: --repeats: value '%s' is not an integer in 1 .. 1000; allowed: 1 .. 1000\n",
                        qnn_quote(v, 60, qb, sizeof qb));
                return QNN_EXIT_USAGE;
            }
            *repeats = (int)r;
            break;
        }
        }
    }
    return BENCH_GO;
}

int qnn_cmd_bench(const qnn_command *self, int argc, char **argv)
{
    /* the mode: the window's or the terminal's frames, a soak, or (default)
     * the engine's workloads; each parses its own options */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--gui") || !strcmp(argv[i], "--tui"))
            return qnn_bench_gui(self, argc, argv);
        else if (!strcmp(argv[i], "--soak"))
            return qnn_bench_soak(self, argc, argv);
    bench_opts o = {0, 0, 0.3, 0.2, 0, NULL, NULL};
    int repeats = 0;
    int rc = parse_options(self, argc, argv, &o, &repeats);
    if (rc != BENCH_GO)
        return rc;
    if (o.only && bench_check_only(o.only) != 0)
        return QNN_EXIT_USAGE;
    if (o.json && bench_json_probe(o.json) != 0)
        return QNN_EXIT_USAGE;
    if (o.quick) {
        o.repeats = 3;
        o.min_time = 0.1;
        o.warm_time = 0.05;
    } else {
        o.repeats = 5;
    }
    if (repeats)
        o.repeats = repeats;

    openblas_set_num_threads(1);
    machine mc;
    bench_machine_probe(&mc);
    printf("qnnlab %s bench\n", QNN_VERSION);
    printf("machine: %s, %ld core(s) online, %.1f GiB memory (%.1f GiB available), %s\n",
           mc.cpu, mc.cores, bench_gib(mc.mem_total), bench_gib(mc.mem_avail), mc.blas);
    printf("single-threaded (openblas_set_num_threads(1)); median of %d repeats, each >= %.2g s after a warm-up\n\n",
           o.repeats, o.min_time);

    rc = QNN_EXIT_OK;
    json_t *root = json_object();
    /* the CPU's and BLAS's names as the system gives them: kept even when
     * they are not UTF-8 (qnn_json_text) */
    json_t *jm = json_pack("{s:o, s:i, s:f, s:f, s:o}", "cpu", qnn_json_text(mc.cpu), "cores", (int)mc.cores,
                           "mem_total_bytes", mc.mem_total, "mem_available_bytes", mc.mem_avail,
                           "blas", qnn_json_text(mc.blas));
    json_object_set_new(root, "machine", jm);
    json_object_set_new(root, "settings",
                        json_pack("{s:b, s:i, s:f, s:f, s:i}", "quick", o.quick, "repeats", o.repeats,
                                  "min_time_s", o.min_time, "warm_time_s", o.warm_time, "threads", 1));

    /* the sections, in the order of the output */
    json_t *jw = json_array();
    if (bench_section_reference(&o, &mc, jw))
        rc = QNN_EXIT_FAILURE;
    if (bench_section_asymptotic(&o, &mc, jw, root))
        rc = QNN_EXIT_FAILURE;
    json_object_set_new(root, "workloads", jw);
    bench_section_bandwidth(&o, root);
    bench_section_kernels(&o, root);
    if (bench_section_entropy(&o, root))
        rc = QNN_EXIT_FAILURE;
    bench_section_hessian(&o, root);
    bench_section_scaling(&o, &mc, root);
    bench_section_asym_scaling(&o, &mc, root);

    if (o.json && bench_write_json_atomic(root, o.json) != 0)
        rc = QNN_EXIT_FAILURE;
    json_decref(root);
    return rc;
}
