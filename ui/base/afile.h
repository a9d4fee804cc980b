/* Files written whole or not at all: every file qnnlab writes for the user
 * (run and reproduce outputs, sweep files, bench JSON, exports, screenshots,
 * saved screens) goes through here.
 *
 * Contract. The new contents go to a temporary in the target's own
 * directory, named ".NAME.tmp.PID.N" (hidden; N counts per process, so
 * threads never share one), created exclusively (O_EXCL). Commit flushes it,
 * fsyncs it and renames it over NAME: until then NAME is untouched, and a
 * reader sees either the old file or the complete new one. On any failure
 * the temporary is removed and NAME is left as it was.
 *
 * A target that exists and is not a regular file — a directory, a FIFO, a
 * device such as /dev/null, a socket — is refused (AFILE_ENOTREG) before
 * anything is created, and checked again just before the rename: the rename
 * would replace the name of the device or the FIFO with a regular file.
 * The check follows symbolic links: a link to a regular file is replaced by
 * the new file, a link to anything else is refused.
 *
 * Messages name the path and the reason ("cannot create '/d/.x.tmp.9.0':
 * Permission denied"; "'/dev/null' exists and is a character device, not a
 * regular file") and carry no "allowed:" part: the caller adds its own. */
#ifndef QNN_AFILE_H
#define QNN_AFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#define AFILE_PATH (PATH_MAX + 64)

enum {
    AFILE_OK = 0,
    AFILE_EIO = -1,     /* creating, writing, syncing or renaming failed */
    AFILE_ENOTREG = -2, /* the target exists and is not a regular file */
};

typedef struct afile {
    char path[AFILE_PATH]; /* the target */
    char tmp[AFILE_PATH];  /* the temporary beside it ("" once gone) */
    FILE *f;               /* afile_open: the temporary; NULL for afile_reserve */
    int drop;              /* afile_drop: commit removes the target */
} afile;

/* Checks path (AFILE_ENOTREG above) and creates its temporary, open for
 * writing as a->f. Write to a->f only; do not close it. AFILE_OK, or an
 * error with a message and nothing created. */
int afile_open(afile *a, const char *path, char *err, size_t errlen);

/* As afile_open, for writers that open the file by name (cairo, figure
 * writers): the temporary is created empty and closed, and the writer
 * writes a->tmp by name (truncating it). */
int afile_reserve(afile *a, const char *path, char *err, size_t errlen);

/* Flushes, fsyncs and closes the temporary, then renames it over the target.
 * AFILE_OK; or an error with a message, the temporary removed and the
 * target as it was. Either way a is finished. */
int afile_commit(afile *a, char *err, size_t errlen);

/* Closes and removes the temporary; the target is not touched. Safe on a
 * finished afile and on one whose open failed. */
void afile_abort(afile *a);

/* The whole file in one call: afile_open, fn(f, ctx) (0 on success; a
 * non-zero return or a stream error aborts), afile_commit. */
int afile_write(const char *path, int (*fn)(FILE *f, void *ctx), void *ctx, char *err, size_t errlen);

/* ---- Sets of files committed together ------------------------------- */

/* A member of a set whose commit removes path (a stale file that must not
 * stay beside the new ones); a path that does not exist is fine. Refuses a
 * target that is not a regular file, as afile_open. */
int afile_drop(afile *a, const char *path, char *err, size_t errlen);

/* Commits n members opened with afile_open, afile_reserve or afile_drop:
 * all of them replace (or remove) their targets, or none does. Every
 * temporary is synced and every target checked before the first rename;
 * the old targets are kept under hidden hard links (".NAME.old.PID.N")
 * until the last rename, and put back if a rename fails (on a file system
 * without hard links an old file that a failed commit replaced is lost).
 * AFILE_OK, or an error with a message, the targets as they were and no
 * temporary left. Either way every member is finished. */
int afile_commit_set(afile *a, int n, char *err, size_t errlen);

/* afile_abort on each of n members. */
void afile_abort_set(afile *a, int n);

/* ---- Checks and names ------------------------------------------------ */

/* AFILE_ENOTREG with the message above when path exists and is not a
 * regular file (links followed), else AFILE_OK (absent, or a regular
 * file). Nothing is created. */
int afile_check(const char *path, char *err, size_t errlen);

/* "a directory", "a FIFO", "a character device" ... for a st_mode. */
const char *afile_kind(unsigned mode);

/* The temporaries and kept old files that afile writers of a process that
 * no longer runs left in dir for the given file names (".NAME.tmp.PID",
 * ".NAME.tmp.PID.N", ".NAME.old.PID.N": a writer killed with SIGKILL
 * between creating and renaming them): removed when they are regular files
 * and no process PID exists (kill(PID, 0) fails with ESRCH). Those of this
 * process and of live processes, and every other name, are left alone.
 * Returns how many were removed (0 when dir cannot be read). */
int afile_clean_stale(const char *dir, const char *const *names, int n);

/* A name for a new file in dir that no file has yet: "DIR/STEM.EXT", else
 * "DIR/STEM-2.EXT", "DIR/STEM-3.EXT" ... (the first that does not exist;
 * a dangling link counts as existing), so that names made from the clock
 * in one second stay apart. 0, or -1 when the path does not fit in len or
 * 9999 names are taken (out then holds the last one tried). */
int afile_unique_path(const char *dir, const char *stem, const char *ext, char *out, size_t len);

#endif
