/* The guided tour's steps as live sessions (`qnnlab tour`, `--tour`): the
 * presets and overrides of assets/tour.ini (ui/live parses the file; the
 * presets live here, in app/). */
#ifndef QNN_TOUR_H
#define QNN_TOUR_H

#include <stddef.h>
#include "live.h"
#include "qnn/session.h"

typedef struct qnn_tour_ctx {
    const live_tour *tour;
    const char *const *over;    /* the user's --set, applied after each step's own */
    int nover;
    int instances;              /* --instances, 0: the preset's, at most 16 */
    size_t mem_limit;           /* bytes the instances may use (0: no limit) */
    void (*on_publish)(void *ctx);
} qnn_tour_ctx;

/* The options of a live session on p (both faces): instances (0: the
 * preset's, at most 16), the preset's run in about ten seconds at 60
 * frames/s. */
void qnn_live_session_opts(const qnn_params *p, int instances, size_t mem_limit,
                           void (*on_publish)(void *), qnn_session_opts *o);
/* The instances of a live session on p by default: the preset's, at most
 * 16 (as qnn_live_session_opts with instances 0). */
int qnn_live_default_instances(const qnn_params *p);

/* The parameters of step k: its preset (grid point 0 of a sweep), its set
 * lines, then the user's overrides. 0, or -1 with a message naming the
 * tour file, the line, the key, the value and what is allowed. */
int qnn_tour_params(const qnn_tour_ctx *c, int k, qnn_params *preset_params, qnn_params *p,
                    char *name, size_t namelen, char *err, size_t errlen);

/* live_tour_open_fn: the session of step k, not started. */
qnn_session *qnn_tour_open(void *ctx, int k, qnn_params *preset_params, char *name, size_t namelen,
                           char *err, size_t errlen);

/* Every step opens (preset, overrides, the live view's checks and its
 * memory), without building anything: run before a window or a terminal
 * is opened. 0, or -1 with the first refusal. */
int qnn_tour_check(const qnn_tour_ctx *c, char *err, size_t errlen);

#endif
