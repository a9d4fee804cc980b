/* Seeding: every instance owns one generator, seeded from (master seed,
 * instance index) alone, so an instance is reproducible on its own and the
 * order or number of threads never changes a result. */
#ifndef QNN_RNG_H
#define QNN_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* SplitMix64 finaliser: a bijective 64-bit mix. */
uint64_t qnn_mix64(uint64_t x);
/* The seed of instance `index` under master seed `seed`. */
uint64_t qnn_instance_seed(uint64_t seed, int index);
/* A new MT19937 generator seeded with `seed` (NULL when out of memory). */
gsl_rng *qnn_rng_new(uint64_t seed);

#endif
