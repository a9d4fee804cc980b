/* Opening a file the user named (a preset, a tour, a circuit, a data set,
 * an observable or matrix file) for reading.
 *
 * open(2) on a FIFO blocks until a writer comes, and a device or a
 * directory is no input either: each reader goes through
 * qnn_file_open_read, which refuses what is not a regular file before it
 * reads a byte, so the message can name what the path is. */
#ifndef QNN_FILE_H
#define QNN_FILE_H

#include <stdio.h>

/* What st_mode `mode` is, as a message says it ("a directory", "a FIFO",
 * "a character device", "a block device", "a socket", "not a regular
 * file"); NULL for a regular file. */
const char *qnn_file_kind(unsigned mode);

/* Opens path for reading when it is a regular file: stat(2) first (so a
 * device is never opened), then open(2) with O_NONBLOCK and fstat(2) on
 * the descriptor (so a path swapped for a FIFO between the two is caught
 * and never blocks); reads on the result block as usual. Returns a
 * descriptor (close-on-exec), or -1 with *kind set: NULL when the path
 * could not be opened (errno says why), else what it is
 * (qnn_file_kind; errno = EINVAL). kind may be NULL. */
int qnn_file_open_fd(const char *path, const char **kind);

/* The same as a FILE opened "rb"; NULL on failure, *kind as above. */
FILE *qnn_file_open_read(const char *path, const char **kind);

#endif
