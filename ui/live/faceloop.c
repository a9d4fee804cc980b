/* What the two faces' event loops share (contracts in faceloop.h). */
#include "faceloop.h"

#include <string.h>

static volatile sig_atomic_t stop_sig;
static void (*volatile stop_wake)(void *ctx);
static const int stop_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void on_stop(int sig)
{
    stop_sig = sig;
    void (*wake)(void *) = stop_wake;
    if (wake)
        wake(NULL);
}

void live_stop_install(live_stop *st, void (*wake)(void *ctx))
{
    stop_sig = 0;
    stop_wake = wake;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++)
        sigaction(stop_sigs[i], &sa, &st->old[i]);
}

void live_stop_restore(const live_stop *st)
{
    for (int i = 0; i < 3; i++)
        sigaction(stop_sigs[i], &st->old[i], NULL);
}

int live_stop_signal(void)
{
    return stop_sig;
}

void live_stop_note(int sig)
{
    stop_sig = sig;
}

int live_sync_session(live_ui *u, const qnn_snapshot **sn, qnn_session **shown_s, int *tour_step)
{
    int changed = 0;
    const qnn_snapshot *now = qnn_session_acquire(u->s);
    if (u->s != *shown_s || !*sn || now->seq != (*sn)->seq) {
        qnn_snapshot_release(*sn);
        *sn = now;
        *shown_s = u->s;
        changed |= LIVE_SYNC_SNAPSHOT;
    } else
        qnn_snapshot_release(now);
    if (u->tour && u->tour->nsteps > 0 && u->tour->cur != *tour_step) {
        *tour_step = u->tour->cur;
        changed |= LIVE_SYNC_STEP;
    }
    return changed;
}
