/* A command of qnnlab (`qnnlab run`, `qnnlab sweep` ...): its entry in the
 * table that app/cli.c dispatches from, the help printed from that entry,
 * and the option parser every command uses (getopt_long underneath).
 *
 * The table (app/cli.c) holds each command's name, one-line summary,
 * synopsis and option text; `qnnlab --help` prints all of them, and
 * `qnnlab CMD --help` (or -h) prints one, so the text has one source. A
 * command's entry function receives its own entry (to print its help) and
 * argv with argv[0] = the command's name, as getopt expects. */
#ifndef QNN_COMMAND_H
#define QNN_COMMAND_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "figopts.h"

typedef struct qnn_command qnn_command;
struct qnn_command {
    const char *name;      /* the word after `qnnlab`: "run" */
    const char *summary;   /* one line: what it does */
    /* the synopsis, one or more lines as they follow "usage: " (each line
     * is printed after 7 columns: "usage: " or its width in spaces) */
    const char *usage;
    const char *help;      /* its block in `qnnlab --help`: what it does, its options */
    const char *more;      /* what only `qnnlab CMD --help` adds after help, or NULL */
    /* Runs the command; returns the process's exit status (QNN_EXIT_*,
     * app/runner.h). argv[0] is the command's name; argv may be permuted. */
    int (*main)(const qnn_command *self, int argc, char **argv);
};

/* The commands' entry functions, in the table of app/cli.c. */
int qnn_cmd_run(const qnn_command *self, int argc, char **argv);         /* app/cli.c */
int qnn_cmd_presets(const qnn_command *self, int argc, char **argv);     /* app/cli.c */
int qnn_cmd_sweep(const qnn_command *self, int argc, char **argv);       /* app/sweep.c */
int qnn_cmd_reproduce(const qnn_command *self, int argc, char **argv);   /* app/reproduce.c */
int qnn_cmd_gui(const qnn_command *self, int argc, char **argv);         /* app/gui.c */
int qnn_cmd_tui(const qnn_command *self, int argc, char **argv);         /* app/gui.c */
int qnn_cmd_tour(const qnn_command *self, int argc, char **argv);        /* app/gui.c */
int qnn_cmd_bench(const qnn_command *self, int argc, char **argv);       /* app/bench.c */
int qnn_cmd_circuit(const qnn_command *self, int argc, char **argv);     /* app/circuit_cmd.c */
/* `qnnlab bench --gui|--tui` (app/bench_gui.c) and `qnnlab bench --soak`
 * (app/soak.c): argv as qnn_cmd_bench received it. */
int qnn_bench_gui(const qnn_command *self, int argc, char **argv);
int qnn_bench_soak(const qnn_command *self, int argc, char **argv);

/* Writes cmd's synopsis to f: the first line after "usage: " when first
 * is 1, else after seven spaces (to continue another synopsis). */
void qnn_command_usage(const qnn_command *cmd, FILE *f, int first);

/* Writes `qnnlab CMD --help` to f: the summary, the synopsis, the block of
 * `qnnlab --help` and cmd->more. */
void qnn_command_help(const qnn_command *cmd, FILE *f);

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

/* One option of a command. Long names are matched in full (no
 * abbreviations: `--inst` is refused, not taken for --instances). */
typedef struct qnn_opt {
    const char *name;     /* long name without "--": "out" */
    int val;              /* what qnn_opt_next returns: a letter for one with a
                           * short form ('o' for -o), else a code >= 256 */
    const char *value;    /* NULL: a flag; else what its value may be, for
                           * refusals ("a directory path") */
    int unlisted;         /* 1: left out of the "allowed:" list of an unknown
                           * option (another face's options, refused by name) */
} qnn_opt;

/* What qnn_opt_next returns besides an option's val. */
enum {
    QNN_OPT_END = -1,     /* no more arguments */
    QNN_OPT_ERROR = -2,   /* bad input: p->msg holds the refusal (one line) */
    QNN_OPT_HELP = -3,    /* -h or --help */
    QNN_OPT_OPERAND = -4  /* an argument that is not an option: p->arg */
};

#define QNN_OPT_MAX 40

typedef struct qnn_optparser {
    const qnn_opt *opts;
    size_t nopts;
    int argc;
    char **argv;
    int after_dashes;     /* index of the next operand after "--", or 0 */
    struct option lo[QNN_OPT_MAX + 2];
    char so[2 * QNN_OPT_MAX + 8];
    const char *arg;      /* the value of the option just returned, or the operand */
    const char *name;     /* the option just returned as written ("--out", "-o") */
    char namebuf[48];
    char msg[700];        /* after QNN_OPT_ERROR: "unknown option '--x'; allowed: ..." */
} qnn_optparser;

/* Starts parsing argv[1 .. argc-1] (argv[0] is the command's name) with
 * the nopts options of opts, plus -h/--help. getopt_long keeps global
 * state: one parser at a time; starting one resets that state, so a
 * command may parse the same argv twice. Operands are returned in order,
 * where they stand among the options (argv is not permuted); "--" makes
 * every later argument an operand. */
void qnn_opt_init(qnn_optparser *p, const qnn_opt *opts, size_t nopts, int argc, char **argv);

/* The next argument: an option's val (p->arg: its value, or NULL for a
 * flag), QNN_OPT_OPERAND (p->arg), QNN_OPT_HELP, QNN_OPT_END, or
 * QNN_OPT_ERROR with a one-line refusal in p->msg that names the option
 * and what is allowed (an unknown option, a missing value, a value given
 * to a flag). */
int qnn_opt_next(qnn_optparser *p);

/* The figure options (ui/live/figopts.h) of `run`, `reproduce` and the
 * live faces, as entries of a command's qnn_opt table:
 *     static const qnn_opt opts[] = { ..., QNN_FIG_OPTS };
 * and, in the loop over qnn_opt_next, qnn_fig_opt for every val. */
enum { QNN_OPT_FIG_SIZE = 900, QNN_OPT_DPI, QNN_OPT_FONT_SIZE, QNN_OPT_TITLE, QNN_OPT_STYLE };
#define QNN_FIG_OPTS                                                                             \
    { "fig-size", QNN_OPT_FIG_SIZE, "WIDTHxHEIGHT with in, mm or cm (3.4x2.6in, 86x60mm)", 0 },  \
    { "dpi", QNN_OPT_DPI, "PNG pixels per inch, 10 .. 1200", 0 },                               \
    { "font-size", QNN_OPT_FONT_SIZE, "a size in points, 4 .. 72", 0 },                         \
    { "title", QNN_OPT_TITLE, "on or off", 0 },                                                 \
    { "style", QNN_OPT_STYLE, "onecolumn, twocolumn or slide", 0 }

/* The options' lines of a command's help text (after its own options). */
#define QNN_FIG_OPTS_HELP                                                                        \
    "    --fig-size WxH     figure size with a unit: 3.4x2.6in, 86x60mm, 8.6x6cm (each\n"          \
    "                       side 0.5 .. 40 in; default: the figure's own)\n"                      \
    "    --dpi N            PNG pixels per inch, 10 .. 1200 (default 144); the PNG is\n"          \
    "                       the size in inches times N pixels\n"                                  \
    "    --font-size PT     tick labels in points (4 .. 72); labels, titles, legends\n"           \
    "                       and line widths scale with it\n"                                      \
    "    --title on|off     the figure's and the panels' titles (default on)\n"                   \
    "    --style S          onecolumn (3.4 in wide, 8 pt, panels stacked, no title),\n"           \
    "                       twocolumn (7 in, 9 pt, no title) or slide (10x5.6 in,\n"              \
    "                       16 pt); the options above change a style's values\n"

/* When c is a figure option's val: sets it in o from arg and returns 1,
 * or returns -1 with the refusal in err ("--dpi: value '0' is out of
 * range; allowed: 10 .. 1200"). Any other c: 0, o untouched. */
int qnn_fig_opt(int c, const char *arg, live_fig_opts *o, char *err, size_t errlen);

/* s made safe to print inside quotes in a message (qnn_text_quote,
 * qnn/text.h): control characters (C0, DEL, C1) and bytes that are not
 * UTF-8 written as \xNN, everything else as it is; cut after about max
 * bytes of s (not inside a UTF-8 character) with "…" (max 0: as much as
 * fits). Returns buf, of len bytes, always terminated. */
const char *qnn_quote(const char *s, size_t max, char *buf, size_t len);

#endif
