/* Movies of drawn frames (issue 23): MP4 (H.264 by libx264, or FFmpeg's
 * own MPEG-4 part 2 encoder when the libavcodec at hand has no libx264;
 * yuv420p) and GIF (FFmpeg's GIF encoder, 8-bit palette), through Debian's
 * FFmpeg libraries (libavformat, libavcodec, libswscale); nothing is run.
 * The program is not linked with them: the first movie_open loads them
 * (dlopen, the sonames of the headers built against, once for the
 * process); where one or a function in it is missing, every movie_open
 * refuses with "'PATH': recording needs libavcodec.so.59 (Debian package
 * libavcodec59): <the loader's reason>".
 *
 * Contract. The format comes from the path's extension (.mp4 or .gif,
 * any case). The movie is written whole or not at all (ui/base/afile.h):
 * libavformat writes a hidden temporary beside the target, which
 * movie_close renames over it once the trailer is written; a failure at
 * any point, or movie_abort, removes the temporary and leaves the target
 * as it was. A target that exists and is not a regular file (a directory,
 * a FIFO, a device) is refused before anything is created.
 *
 * Frames are w x h pixels, 8-bit B G R A in memory (cairo's ARGB32 and
 * RGB24 on a little-endian machine; premultiplied alpha is composed over
 * white). The encoded size is w x h rounded up to even numbers (yuv420p
 * needs them): an odd last column or row is repeated. Frame k is shown at
 * k / fps seconds.
 *
 * Messages are one line naming the path and what failed ("'/d/x.mp4':
 * cannot write the trailer: No space left on device"). */
#ifndef QNN_BASE_MOVIE_H
#define QNN_BASE_MOVIE_H

#include <stddef.h>
#include <cairo.h>

typedef struct movie movie;

enum { MOVIE_MP4 = 0, MOVIE_GIF = 1 };

/* MOVIE_MP4 or MOVIE_GIF for path's extension (.mp4, .gif, any case), or
 * -1 for any other. */
int movie_format_of(const char *path);

/* Starts a movie of w x h pixel frames (2 .. 8192 each) at fps frames per
 * second (1 .. 120) into path. The movie, or NULL with a message in err
 * and nothing created. */
movie *movie_open(const char *path, int w, int h, int fps, char *err, size_t errlen);

/* movie_open with a named encoder for an MP4 ("libx264" or "mpeg4"; NULL:
 * the choice above); NULL with a message when this libavcodec lacks it. */
movie *movie_open_encoder(const char *path, int w, int h, int fps, const char *encoder, char *err, size_t errlen);

/* Encodes one frame: w x h pixels (the size given to movie_open) of B G R A
 * bytes, rows stride bytes apart. 0, or -1 with a message (the movie is
 * then unusable: movie_abort it). */
int movie_frame(movie *m, const unsigned char *bgra, int w, int h, int stride, char *err, size_t errlen);

/* movie_frame with a cairo image surface (ARGB32 or RGB24) of the movie's
 * size; it is flushed first. */
int movie_frame_surface(movie *m, cairo_surface_t *sf, char *err, size_t errlen);

/* Flushes the encoder, writes the trailer and renames the file into
 * place. 0, or -1 with a message and nothing left behind. Frees m either
 * way. A movie without frames is refused (nothing written). */
int movie_close(movie *m, char *err, size_t errlen);

/* Stops, removes the temporary and frees m; the target is untouched.
 * NULL is fine. */
void movie_abort(movie *m);

/* Frames encoded so far. */
long movie_frames(const movie *m);
/* The encoded size (even numbers). */
int movie_width(const movie *m);
int movie_height(const movie *m);
/* The encoder's name: "libx264", "mpeg4" or "gif". */
const char *movie_encoder(const movie *m);

#endif
