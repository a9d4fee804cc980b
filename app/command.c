/* A command's help and its option parser (getopt_long with the refusals
 * written as one line each). */
#include "command.h"
#include "qnn/text.h"

#include <assert.h>
#include <string.h>

void qnn_command_usage(const qnn_command *cmd, FILE *f, int first)
{
    const char *s = cmd->usage;
    while (*s) {
        size_t n = strcspn(s, "\n");
        fprintf(f, "%s%.*s\n", first ? "usage: " : "       ", (int)n, s);
        first = 0;
        s += n + (s[n] == '\n');
    }
}

void qnn_command_help(const qnn_command *cmd, FILE *f)
{
    fprintf(f, "qnnlab %s: %s\n\n", cmd->name, cmd->summary);
    qnn_command_usage(cmd, f, 1);
    fprintf(f, "\n%s", cmd->help);
    if (cmd->more)
        fprintf(f, "\n%s", cmd->more);
}

const char *qnn_quote(const char *s, size_t max, char *buf, size_t len)
{
    /* the engine's quoting: C0, DEL, C1 and bytes that are not UTF-8 as
     * \xNN, cut at a character with "…" */
    return qnn_text_quote(s, s ? strlen(s) : 0, max, buf, len);
}

void qnn_opt_init(qnn_optparser *p, const qnn_opt *opts, size_t nopts, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    assert(nopts <= QNN_OPT_MAX);
    p->opts = opts;
    p->nopts = nopts;
    p->argc = argc;
    p->argv = argv;
    /* "-": operands in place, returned as 1; ":": a missing value gives ':' */
    size_t k = 0;
    p->so[k++] = '-';
    p->so[k++] = ':';
    p->so[k++] = 'h';
    for (size_t i = 0; i < nopts; i++) {
        p->lo[i] = (struct option){ opts[i].name, opts[i].value ? required_argument : no_argument, NULL, opts[i].val };
        if (opts[i].val > 0 && opts[i].val < 128 && opts[i].val != 'h') {
            p->so[k++] = (char)opts[i].val;
            if (opts[i].value)
                p->so[k++] = ':';
        }
    }
    p->so[k] = 0;
    p->lo[nopts] = (struct option){ "help", no_argument, NULL, 'h' };
    p->lo[nopts + 1] = (struct option){ NULL, 0, NULL, 0 };
    /* glibc: optind = 0 starts afresh (also after a parse that stopped in
     * the middle of "-qo"); elsewhere 1 is the reset */
#ifdef __GLIBC__
    optind = 0;
#else
    optind = 1;
#endif
    opterr = 0;
}

static const qnn_opt *by_val(const qnn_optparser *p, int val)
{
    for (size_t i = 0; i < p->nopts; i++)
        if (p->opts[i].val == val)
            return &p->opts[i];
    return NULL;
}

/* "unknown option 'X'; allowed: --a, --b, ..., --help" */
static int unknown(qnn_optparser *p, const char *what)
{
    char q[160];
    size_t o = (size_t)snprintf(p->msg, sizeof p->msg, "unknown option '%s'; allowed: ", qnn_quote(what, 60, q, sizeof q));
    for (size_t i = 0; i < p->nopts && o < sizeof p->msg; i++)
        if (!p->opts[i].unlisted)
            o += (size_t)snprintf(p->msg + o, sizeof p->msg - o, "--%s, ", p->opts[i].name);
    if (o < sizeof p->msg)
        snprintf(p->msg + o, sizeof p->msg - o, "--help");
    return QNN_OPT_ERROR;
}

int qnn_opt_next(qnn_optparser *p)
{
    p->arg = NULL;
    p->name = NULL;
    p->msg[0] = 0;
    if (p->after_dashes) {
        if (p->after_dashes >= p->argc)
            return QNN_OPT_END;
        p->arg = p->argv[p->after_dashes++];
        return QNN_OPT_OPERAND;
    }
    /* the argument getopt looks at now (optind is 0 before the first call;
     * inside "-qo" it stays on that argument) */
    const int at = optind > 0 ? optind : 1;
    const char *tok = at < p->argc ? p->argv[at] : "";
    int idx = -1;
    int c = getopt_long(p->argc, p->argv, p->so, p->lo, &idx);
    if (c == -1) {
        /* "--" ends the options: what follows is operands */
        if (optind > 0 && optind <= p->argc && optind - 1 >= 1 && !strcmp(p->argv[optind - 1], "--")) {
            p->after_dashes = optind;
            return qnn_opt_next(p);
        }
        return QNN_OPT_END;
    }
    const int is_long = tok[0] == '-' && tok[1] == '-';
    if (c == 1) {
        p->arg = optarg;
        return QNN_OPT_OPERAND;
    }
    if (c == ':' || c == '?') {
        const qnn_opt *o = optopt ? by_val(p, optopt) : NULL;
        char nb[80], q[160];
        if (is_long) {
            char name[80];
            size_t n = strcspn(tok, "=");
            snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), tok);
            qnn_quote(name, 0, nb, sizeof nb);
        } else {
            snprintf(nb, sizeof nb, "-%c", optopt > 0x20 && optopt < 0x7f ? optopt : '?');
        }
        if (c == ':') {
            snprintf(p->msg, sizeof p->msg, "%s: missing value; allowed: %s", nb, o && o->value ? o->value : "a value");
            return QNN_OPT_ERROR;
        }
        if (is_long && optopt && strchr(tok, '=')) {
            snprintf(p->msg, sizeof p->msg, "%s: takes no value, but got '%s'; allowed: %s alone", nb,
                     qnn_quote(strchr(tok, '=') + 1, 60, q, sizeof q), nb);
            return QNN_OPT_ERROR;
        }
        return unknown(p, is_long ? tok : nb);
    }
    if (is_long) {
        /* the long name in full: getopt_long also takes a unique prefix */
        const char *name = idx >= 0 ? p->lo[idx].name : "";
        size_t n = strlen(name);
        if (idx < 0 || strncmp(tok + 2, name, n) != 0 || (tok[2 + n] && tok[2 + n] != '='))
            return unknown(p, tok);
        snprintf(p->namebuf, sizeof p->namebuf, "--%s", name);
    } else {
        snprintf(p->namebuf, sizeof p->namebuf, "-%c", c);
    }
    p->name = p->namebuf;
    if (c == 'h')
        return QNN_OPT_HELP;
    p->arg = optarg;
    return c;
}

int qnn_fig_opt(int c, const char *arg, live_fig_opts *o, char *err, size_t errlen)
{
    static const char *const names[] = {"fig-size", "dpi", "font-size", "title", "style"};
    if (c < QNN_OPT_FIG_SIZE || c > QNN_OPT_STYLE)
        return 0;
    return live_fig_opts_set(o, names[c - QNN_OPT_FIG_SIZE], arg, err, errlen) == 0 ? 1 : -1;
}
