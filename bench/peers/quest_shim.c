/* QuEST v4 behind peers.h for bench/peers/peers.c: one single-threaded
 * CPU environment and one state-vector register, whose amplitude array
 * (Qureg.cpuAmps, qnnlab's layout) the caller fills and reads directly, so
 * that QuEST is timed on exactly the state the other simulators get. */
#include "peers.h"
#include "quest.h"

static Qureg reg;
static int env_up, reg_up;

int peer_quest_open(int n)
{
    if (!env_up) {
        initCustomQuESTEnv(0, 0, 0);
        env_up = 1;
    }
    if (reg_up)
        destroyQureg(reg);
    reg = createCustomQureg(n, 0, 0, 0, 0);
    reg_up = 1;
    return 0;
}

double complex *peer_quest_amps(void) { return (double complex *)reg.cpuAmps; }

void peer_quest_close(void)
{
    if (reg_up)
        destroyQureg(reg);
    reg_up = 0;
}

void peer_quest_gate2(int t1, int t2, const double complex g[16])
{
    CompMatr2 m;
    m.numQubits = 2;
    m.numRows = 4;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            m.elems[r][c] = g[4 * r + c];
    applyCompMatr2(reg, t1, t2, m);
}

void peer_quest_pauli(const unsigned *codes, int n, double angle)
{
    int p[64], idx[64], k = 0;
    for (int q = 0; q < n && q < 64; q++)
        if (codes[q]) {
            p[k] = (int)codes[q];
            idx[k++] = q;
        }
    applyPauliGadget(reg, getPauliStr(p, idx, k), angle);
}
