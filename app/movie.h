/* `qnnlab run ... --movie FILE.mp4|FILE.gif`: the run's figure growing step
 * by step, written after the run's outputs (issue 23). Implemented in
 * app/movie.c on ui/base/movie.h. */
#ifndef QNN_APP_MOVIE_H
#define QNN_APP_MOVIE_H

#include <stddef.h>
#include "results.h"

/* Checks a --movie path's name only: not empty, the extension .mp4 or
 * .gif. 0, or -1 with one line in err. */
int qnn_movie_check_name(const char *path, char *err, size_t errlen);
/* Checks a --movie path before the run computes: the extension (.mp4 or
 * .gif), the folder exists and is writable, the target is absent or a
 * regular file. 0, or -1 with one line in err naming the path. */
int qnn_movie_check_path(const char *path, char *err, size_t errlen);
/* Writes the movie of res to path (whole or not at all). 0, or -1 with one
 * line in err. A signal that interrupts the program while it writes
 * (qnn_result_interrupted, app/runner.h) stops it between two frames:
 * -1, nothing written. */
int qnn_run_movie(const qnn_result *res, const char *path, char *err, size_t errlen);

#endif
