/* Recording the live dashboard, or one panel, to a movie (keys v and V):
 * frames drawn offscreen with cairo at a fixed size and handed to the
 * encoder (ui/base/movie.h). Used by the window and the terminal face.
 * (Contract for issue 23; implemented in ui/live/record.c.) */
#ifndef QNN_LIVE_RECORD_H
#define QNN_LIVE_RECORD_H

#include "live.h"

typedef struct live_record live_record_t;

/* Frames per second of a recording: one frame per new snapshot, so a
 * movie plays LIVE_RECORD_FPS updates a second (GIF: 25, a whole number
 * of the format's 1/100 s). */
#define LIVE_RECORD_FPS 30
#define LIVE_RECORD_GIF_FPS 25
/* The size of a one-panel recording (pixels). */
#define LIVE_RECORD_PANEL_W 1280
#define LIVE_RECORD_PANEL_H 720

/* Starts recording into a new file under u->export_root
 * (qnnlab-YYYYMMDD-HHMMSS.mp4, or .gif when gif is set): the whole
 * dashboard at w x h pixels (rounded down to even numbers; 64 .. 8192)
 * and scale ui_scale, as live_screenshot draws it (panel < 0), or panel k
 * (0 .. LIVE_NPANELS-1) alone at LIVE_RECORD_PANEL_W x _H with its type
 * scaled by ui_scale. The size stays fixed until the recording stops.
 * 0, or -1 with the reason in u->status (nothing left behind; also when
 * a recording is under way). */
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
/* Ends a recording without keeping it (the temporary is removed); a face
 * that must leave at once. Nothing happens when not recording. */
void live_record_cancel(live_ui *u);
/* The frames recorded so far, and the file being written ("" when not
 * recording). */
long live_record_frames(const live_ui *u);
const char *live_record_path(const live_ui *u);

#endif
