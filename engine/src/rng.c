#include "rng.h"

uint64_t qnn_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t qnn_instance_seed(uint64_t seed, int index)
{
    return qnn_mix64(qnn_mix64(seed) ^ (uint64_t)(uint32_t)index);
}

gsl_rng *qnn_rng_new(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    /* MT19937 takes a 32-bit seed; fold the 64 mixed bits into it. A seed of
     * 0 is mapped by GSL to its default seed, so avoid it explicitly. */
    unsigned long s = (unsigned long)((seed ^ (seed >> 32)) & 0xFFFFFFFFu);
    gsl_rng_set(r, s ? s : 0x1234567u);
    return r;
}
