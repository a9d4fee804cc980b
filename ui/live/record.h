/* Recording the live dashboard, or one panel, to a movie (keys v and V):
 * frames drawn offscreen with cairo at a fixed size and handed to the
 * encoder (ui/base/movie.h). Used by the window and the terminal face.
 * (Contract for issue 23; implemented in ui/live/record.c.) */
#ifndef QNN_LIVE_RECORD_H
#define QNN_LIVE_RECORD_H

#include "live.h"

/* Starts recording into a new file under u->export_root
 * (qnnlab-YYYYMMDD-HHMMSS.mp4, or .gif when gif is set): the whole
 * dashboard at w x h logical pixels and scale ui_scale (panel < 0), or
 * panel k (0 .. LIVE_NPANELS-1) alone. 0, or -1 with the reason in
 * u->status (nothing left behind). */
int live_record_start(live_ui *u, int panel, int gif, double w, double h, double ui_scale);
/* Adds the frame of snapshot sn when it is a new one (sn->seq changed):
 * 1 when a frame was added, 0 when not, -1 on an encoder failure (the
 * recording is stopped, the partial file removed, the reason in u->status). */
int live_record_frame(live_ui *u, const qnn_snapshot *sn);
/* Ends the recording: the file is complete and renamed into place; the
 * status line names it and its frame count. 0, or -1 with the reason. */
int live_record_stop(live_ui *u);
/* 1 while recording. */
int live_recording(const live_ui *u);

#endif
