#include "cli.h"

#include <stdio.h>

int qnn_bench_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "qnnlab: bench is being written\n");
    return 1;
}
