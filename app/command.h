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

/* s made safe to print inside quotes in a message (qnn_text_quote,
 * qnn/text.h): control characters (C0, DEL, C1) and bytes that are not
 * UTF-8 written as \xNN, everything else as it is; cut after about max
 * bytes of s (not inside a UTF-8 character) with "…" (max 0: as much as
 * fits). Returns buf, of len bytes, always terminated. */
const char *qnn_quote(const char *s, size_t max, char *buf, size_t len);

#endif
