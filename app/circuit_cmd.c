/* `qnnlab circuit export|show`: the gate-level circuit of a preset's model
 * (model = circuit: a QASM file with its angle encoding, or a built-in
 * family) written as OpenQASM 3, or listed gate by gate. What `export`
 * writes reads back (key circuit) to the same gates, variables and
 * gradients: a family becomes a file a user can edit
 * (docs/CIRCUITS.md, "Families"). */
#include "command.h"
#include "preset.h"
#include "runner.h"
#include "afile.h"
#include "qnn/model.h"
#include "qnn/qasm.h"
#include "qnn/qcircuit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CIRC_SET = 256 };

static const qnn_opt circuit_opts[] = {
    { "out", 'o', "a file path (default: standard output)", 0 },
    { "set", CIRC_SET, "KEY=VALUE with a key of `qnnlab --help`", 0 },
};

static int refuse(const char *msg)
{
    char m[1400];
    snprintf(m, sizeof m, "circuit: %s", msg);
    return qnn_refuse("qnnlab", m);
}

/* The gates one per line: "12  cx q[0], q[1]" with the angle expressions,
 * the variables with their roles first. */
static void show(const qnn_qc *qc, FILE *f)
{
    fprintf(f, "%d qubits, %d gates, %d parameters, %d data features (%s)\n", qc->n, qc->ngates, qc->nparams,
            qc->nfeatures, qc->source ? qc->source : "");
    for (int v = 0; v < qc->nvars; v++)
        fprintf(f, "  %s %-12s %s[%d]\n", qc->vars[v].role == QNN_VAR_PARAM ? "parameter" : "feature  ",
                qc->vars[v].name, qc->vars[v].role == QNN_VAR_PARAM ? "theta" : "x", qc->vars[v].index);
    for (int g = 0; g < qc->ngates; g++) {
        const qnn_gate *gt = &qc->gates[g];
        const qnn_gate_info *gi = qnn_gate_info_of(gt->kind);
        fprintf(f, "%5d  %s", g, gi->name);
        if (gi->nangles > 0) {
            fputc('(', f);
            for (int a = 0; a < gi->nangles; a++) {
                char e[512];
                if (qnn_expr_format(qc, gt->angle[a], e, sizeof e) != 0)
                    snprintf(e, sizeof e, "...");
                fprintf(f, "%s%s", a ? ", " : "", e);
            }
            fputc(')', f);
        }
        for (int q = 0; q < gi->nqubits; q++)
            fprintf(f, "%s q[%d]", q ? "," : "", gt->q[q]);
        if (gt->layer >= 0)
            fprintf(f, "    // layer %d", gt->layer);
        fputc('\n', f);
    }
}

int qnn_cmd_circuit(const qnn_command *self, int argc, char **argv)
{
    const char *action = NULL, *preset_name = NULL, *out = NULL;
    const char **over = calloc((size_t)argc + 1, sizeof *over);
    qnn_preset *ps = calloc(1, sizeof *ps);
    int nover = 0, rc = QNN_EXIT_USAGE;
    char err[1024], q[200];
    qnn_qc *qc = NULL;
    if (!over || !ps) {
        fprintf(stderr, "qnnlab: out of memory\n");
        rc = QNN_EXIT_FAILURE;
        goto done;
    }
    qnn_optparser op;
    qnn_opt_init(&op, circuit_opts, sizeof circuit_opts / sizeof circuit_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            rc = QNN_EXIT_OK;
            goto done;
        case QNN_OPT_ERROR:
            rc = refuse(op.msg);
            goto done;
        case QNN_OPT_OPERAND:
            if (!action) {
                action = op.arg;
            } else if (!preset_name) {
                preset_name = op.arg;
            } else {
                snprintf(err, sizeof err, "unexpected argument '%s'; allowed: export|show [PRESET]",
                         qnn_quote(op.arg, 80, q, sizeof q));
                rc = refuse(err);
                goto done;
            }
            break;
        case 'o': out = op.arg; break;
        case CIRC_SET: over[nover++] = op.arg; break;
        }
    }
    if (!action || (strcmp(action, "export") && strcmp(action, "show"))) {
        snprintf(err, sizeof err, "%s%s%s; allowed: export or show",
                 action ? "unknown action '" : "missing action", action ? qnn_quote(action, 80, q, sizeof q) : "",
                 action ? "'" : "");
        rc = refuse(err);
        goto done;
    }
    if (qnn_preset_load(preset_name ? preset_name : "circuit", ps, err, sizeof err) != 0) {
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    for (int i = 0; i < nover; i++)
        if (qnn_preset_override(ps, over[i], err, sizeof err) != 0) {
            rc = qnn_refuse("qnnlab", err);
            goto done;
        }
    if (qnn_params_check(&ps->params, 0, err, sizeof err) != QNN_OK ||
        qnn_model_circuit(&ps->params, &qc, err, sizeof err) != 0) {
        rc = qnn_refuse("qnnlab", err);
        goto done;
    }
    char comment[600];
    snprintf(comment, sizeof comment, "written by qnnlab circuit export from preset %s (%s)",
             preset_name ? qnn_quote(preset_name, 120, q, sizeof q) : "circuit", qc->source ? qc->source : "circuit");
    if (!out) {
        if (!strcmp(action, "show"))
            show(qc, stdout);
        else if (qnn_qasm_write(qc, comment, stdout) != 0) {
            fprintf(stderr, "qnnlab: circuit: writing to standard output failed\n");
            rc = QNN_EXIT_FAILURE;
            goto done;
        }
        rc = QNN_EXIT_OK;
        goto done;
    }
    afile a;
    if (afile_open(&a, out, err, sizeof err) != AFILE_OK) {
        char m[1300];
        snprintf(m, sizeof m, "--out: %s; allowed: a writable path of a regular file", err);
        rc = refuse(m);
        goto done;
    }
    int wrc = !strcmp(action, "show") ? (show(qc, a.f), ferror(a.f) ? -1 : 0) : qnn_qasm_write(qc, comment, a.f);
    if (wrc != 0) {
        afile_abort(&a);
        rc = refuse("--out: writing failed; nothing was kept");
        goto done;
    }
    if (afile_commit(&a, err, sizeof err) != AFILE_OK) {
        char m[1300];
        snprintf(m, sizeof m, "--out: %s; nothing was kept", err);
        rc = refuse(m);
        goto done;
    }
    fprintf(stderr, "wrote %s\n", out);
    rc = QNN_EXIT_OK;
done:
    qnn_qc_free(qc);
    free(over);
    free(ps);
    return rc;
}
