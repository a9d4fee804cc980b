/* The circuit diagram of the live faces (live.h): its cache, scrolling and
 * export. The layout is ui/plot/circuit_layout.c; the window draws it with
 * circuit_draw.c (dash.c), the terminal with ui/tui/circuit_text.c. */
#include "live.h"
#include "keys.h"
#include "circuit_draw.h"
#include "qnn/qasm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int live_circuit_offered(const qnn_params *p)
{
    return p && p->model && p->model->circuit != NULL;
}

/* "circuit diagram — hea4.qasm" (the file's name without its folders). */
static void make_title(live_circuit *c, const qnn_qc *qc, const qnn_params *p)
{
    const char *src = qc && qc->source && *qc->source ? qc->source : qnn_model_name(p->model);
    const char *slash = strrchr(src, '/');
    snprintf(c->title, sizeof c->title, "circuit diagram — %s", slash && slash[1] ? slash + 1 : src);
}

/* The diagram of p into c (its layout replaced). */
static void rebuild(live_circuit *c, const qnn_params *p, int ascii)
{
    cl_free(&c->L);
    c->params = *p;
    c->built = 1;
    c->ascii = ascii;
    c->err[0] = 0;
    qnn_qc *qc = NULL;
    c->status = qnn_model_circuit(p, &qc, c->err, sizeof c->err);
    if (c->status == 0 && !qc) {
        c->status = QNN_E_NOMEM;
        snprintf(c->err, sizeof c->err, "the model gave no circuit");
    }
    make_title(c, qc, p);
    if (c->status == 0) {
        cl_opts o = {ascii, 14, 1};
        if (cl_build(qc, &o, &c->L) != 0) {
            c->status = QNN_E_NOMEM;
            snprintf(c->err, sizeof c->err, "out of memory for the diagram of %d gates", qc->ngates);
        }
    }
    qnn_qc_free(qc);
}

int live_circuit_sync(live_ui *u, const qnn_snapshot *sn, int ascii)
{
    if (!u->circuit_shown || !sn)
        return 0;
    if (!u->circuit) {
        u->circuit = calloc(1, sizeof *u->circuit);
        if (!u->circuit) {
            u->circuit_shown = 0;
            snprintf(u->status, sizeof u->status, "circuit diagram: out of memory");
            u->status_error = 1;
            return -1;
        }
    }
    live_circuit *c = u->circuit;
    /* a live change, a model switch, a tour step: other parameters */
    if (c->built && c->ascii == ascii && !memcmp(&c->params, &sn->params, sizeof c->params))
        return 0;
    rebuild(c, &sn->params, ascii);
    return 1;
}

int live_circuit_key(live_ui *u, int key)
{
    live_circuit *c = u->circuit;
    if (!u->circuit_shown || !c)
        return 0;
    const double page = c->page > 2 ? c->page - 1 : 1;
    switch (key) {
    case QNN_KEY_UP: c->scroll -= 1; break;
    case QNN_KEY_DOWN: c->scroll += 1; break;
    case QNN_KEY_PGUP: c->scroll -= page; break;
    case QNN_KEY_PGDN: c->scroll += page; break;
    case QNN_KEY_HOME: c->scroll = 0; break;
    case QNN_KEY_END: c->scroll = c->max_scroll; break;
    default: return 0;
    }
    /* the drawing clamps to what it shows; here only the known bounds */
    if (c->scroll > c->max_scroll)
        c->scroll = c->max_scroll;
    if (c->scroll < 0)
        c->scroll = 0;
    return 1;
}

void live_circuit_free(live_ui *u)
{
    if (!u->circuit)
        return;
    cl_free(&u->circuit->L);
    free(u->circuit);
    u->circuit = NULL;
}

int live_circuit_export(const qnn_params *p, const char *dir, int *written, char *err, size_t errlen)
{
    *written = 0;
    if (!live_circuit_offered(p))
        return 0;
    qnn_qc *qc = NULL;
    char why[512] = "";
    if (qnn_model_circuit(p, &qc, why, sizeof why) != 0 || !qc) {
        snprintf(err, errlen, "the circuit diagram: %s", why[0] ? why : "no circuit");
        qnn_qc_free(qc);
        return -1;
    }
    live_circuit c;
    memset(&c, 0, sizeof c);
    make_title(&c, qc, p);
    cl_opts o = {0, 14, 1};
    if (cl_build(qc, &o, &c.L) != 0) {
        snprintf(err, errlen, "out of memory for the diagram of %d gates", qc->ngates);
        qnn_qc_free(qc);
        return -1;
    }
    static const char *const ext[3] = {"png", "svg", "pdf"};
    int rc = 0;
    char path[1400];
    for (int e = 0; e < 3 && rc == 0; e++) {
        snprintf(path, sizeof path, "%s/circuit.%s", dir, ext[e]);
        rc = cl_write(&c.L, c.title, (plot_format)e, path, 900, err, errlen);
    }
    cl_free(&c.L);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/circuit.qasm", dir);
        FILE *f = fopen(path, "w");
        char comment[600];
        snprintf(comment, sizeof comment, "qnnlab gui: the circuit of model %s (%s)", qnn_model_name(p->model),
                 qc->source ? qc->source : "");
        if (!f || qnn_qasm_write(qc, comment, f) != 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            rc = -1;
        }
        if (f && fclose(f) != 0 && rc == 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            rc = -1;
        }
    }
    qnn_qc_free(qc);
    if (rc == 0)
        *written = 1;
    return rc;
}
