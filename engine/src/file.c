/* Opening a user-named file for reading, regular files only (qnn/file.h). */
#define _GNU_SOURCE
#include "qnn/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

const char *qnn_file_kind(unsigned mode)
{
    mode_t m = (mode_t)mode;
    if (S_ISREG(m))
        return NULL;
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int qnn_file_open_fd(const char *path, const char **kind)
{
    const char *k = NULL;
    if (kind)
        *kind = NULL;
    struct stat st;
    if (!path) {
        errno = EINVAL;
        return -1;
    }
    if (stat(path, &st) != 0)
        return -1;
    if ((k = qnn_file_kind(st.st_mode)) != NULL)
        goto refuse;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if ((k = qnn_file_kind(st.st_mode)) != NULL) {
        close(fd);
        goto refuse;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
refuse:
    if (kind)
        *kind = k;
    errno = EINVAL;
    return -1;
}

FILE *qnn_file_open_read(const char *path, const char **kind)
{
    int fd = qnn_file_open_fd(path, kind);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
