/* The guided tour's steps as live sessions (tour.h). */
#include "tour.h"
#include "preset.h"
#include "qnn/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qnn_live_session_opts(const qnn_params *p, int instances, size_t mem_limit,
                           void (*on_publish)(void *), qnn_session_opts *o)
{
    qnn_session_opts_default(o);
    o->instances = instances ? instances : p->instances < 16 ? p->instances : 16;
    o->mem_limit = mem_limit;
    o->on_publish = on_publish;
    o->steps_per_frame = p->steps > 600 ? (int)fmin(QNN_SESSION_MAX_STEPS_PER_FRAME, round(p->steps / 600.0)) : 1;
}

int qnn_live_default_instances(const qnn_params *p)
{
    qnn_session_opts o;
    qnn_live_session_opts(p, 0, 0, NULL, &o);
    return o.instances;
}

#define QQ(n) ((n) + 16)   /* quoted bytes at most: a quote is cut to fit */

/* s quoted for a message (qnn_text_quote), at most show bytes of it. */
static const char *quote(const char *s, size_t show, char *buf, size_t len)
{
    return qnn_text_quote(s, strlen(s), show, buf, len);
}

int qnn_tour_params(const qnn_tour_ctx *c, int k, qnn_params *preset_params, qnn_params *p,
                    char *name, size_t namelen, char *err, size_t errlen)
{
    const live_tour *t = c->tour;
    const live_tour_step *st = &t->step[k];
    char e[1024];
    qnn_preset *ps = malloc(sizeof *ps);
    if (!ps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    /* the tour file, its titles and values, and --set are input: quoted */
    char path[QQ(200)], title[QQ(80)], pre[QQ(200)], v[QQ(200)];
    quote(t->path, 200, path, sizeof path);
    quote(st->title, 80, title, sizeof title);
    quote(st->preset, 200, pre, sizeof pre);
    if (qnn_preset_load(st->preset, ps, e, sizeof e) != 0) {
        snprintf(err, errlen, "tour file '%s', line %d (step %d, '%s'): key 'preset': value '%s': %s", path,
                 st->preset_line, k + 1, title, pre, e);
        goto out;
    }
    *preset_params = ps->params;
    for (int i = 0; i < st->nset; i++)
        if (qnn_preset_override(ps, st->set[i], e, sizeof e) != 0) {
            snprintf(err, errlen, "tour file '%s', line %d (step %d, '%s'): key 'set': value '%s': %s", path,
                     st->set_line[i], k + 1, title, quote(st->set[i], 200, v, sizeof v), e);
            goto out;
        }
    for (int i = 0; i < c->nover; i++)
        if (qnn_preset_override(ps, c->over[i], e, sizeof e) != 0) {
            snprintf(err, errlen, "--set %s (tour step %d, '%s'): %s", quote(c->over[i], 200, v, sizeof v), k + 1, title, e);
            goto out;
        }
    if (qnn_preset_finalise(ps, e, sizeof e) != 0 || qnn_preset_point(ps, 0, p, NULL, e, sizeof e) != 0) {
        snprintf(err, errlen, "tour file '%s', line %d (step %d, '%s'): preset '%s' with its set lines: %s", path,
                 st->line, k + 1, title, pre, e);
        goto out;
    }
    if (name)
        snprintf(name, namelen, "%s", ps->name[0] ? ps->name : st->preset);
    rc = 0;
out:
    free(ps);
    return rc;
}

qnn_session *qnn_tour_open(void *ctx, int k, qnn_params *preset_params, char *name, size_t namelen,
                           char *err, size_t errlen)
{
    const qnn_tour_ctx *c = ctx;
    qnn_params p;
    if (qnn_tour_params(c, k, preset_params, &p, name, namelen, err, errlen) != 0)
        return NULL;
    qnn_session_opts o;
    qnn_live_session_opts(&p, c->instances, c->mem_limit, c->on_publish, &o);
    char e[1024];
    qnn_session *s = qnn_session_new(&p, &o, e, sizeof e);
    if (!s) {
        const live_tour_step *st = &c->tour->step[k];
        char path[QQ(200)], title[QQ(80)], pre[QQ(200)];
        snprintf(err, errlen, "tour file '%s', line %d (step %d, '%s'): preset '%s' cannot run live: %s",
                 quote(c->tour->path, 200, path, sizeof path), st->line, k + 1, quote(st->title, 80, title, sizeof title),
                 quote(st->preset, 200, pre, sizeof pre), e);
    }
    return s;
}

int qnn_tour_check(const qnn_tour_ctx *c, char *err, size_t errlen)
{
    for (int k = 0; k < c->tour->nsteps; k++) {
        qnn_params pre;
        qnn_session *s = qnn_tour_open((void *)c, k, &pre, NULL, 0, err, errlen);
        if (!s)
            return -1;
        qnn_session_free(s);
    }
    return 0;
}
