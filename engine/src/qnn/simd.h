/* Which vector instructions the state-vector kernels use (engine/src/simd.c).
 *
 * The build has no -march: kernels for AVX2+FMA and AVX-512 are compiled
 * with GCC's target attributes and chosen at run time. The level is the
 * highest the CPU has, lowered (never raised) by QNNLAB_SIMD=scalar|avx2|
 * avx512 in the environment (read once) or by qnn_simd_set, so that tests
 * and `qnnlab bench` run every path on one machine. A build with
 * -DQNN_NO_SIMD_KERNELS has only the scalar level.
 *
 * Results: every level gives the same numbers up to rounding (the kernels
 * use FMA and another summation order); one level on one machine is
 * reproducible bit for bit, whatever the thread count (qnn/par.h). */
#ifndef QNN_SIMD_H
#define QNN_SIMD_H

enum { QNN_SIMD_SCALAR = 0, QNN_SIMD_AVX2 = 1, QNN_SIMD_AVX512 = 2 };

/* The level kernels use now. Thread-safe. */
int qnn_simd_level(void);
/* The highest level this CPU (and build) has. */
int qnn_simd_max(void);
/* Forces a level (clamped to qnn_simd_max()); -1 goes back to the
 * environment's choice. For tests and benchmarks: not meant to be called
 * while kernels run on other threads. */
void qnn_simd_set(int level);
/* "scalar", "avx2", "avx512". */
const char *qnn_simd_name(int level);

#endif
