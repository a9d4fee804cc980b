/* `qnnlab`: dispatches argv to a command of its table (app/cli.c). Only
 * main.c includes this; the commands include command.h and runner.h. */
#ifndef QNN_CLI_H
#define QNN_CLI_H

/* Runs `qnnlab ARGS...` (argv as main received it); returns the exit
 * status (QNN_EXIT_*, runner.h). Without arguments: the window when there
 * is a display, else the terminal face, else a usage message (status 2). */
int qnn_cli_run(int argc, char **argv);

#endif
