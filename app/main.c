#include "cli.h"

int main(int argc, char **argv)
{
    return qnn_cli_run(argc, argv);
}
