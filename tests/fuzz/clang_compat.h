/* Force-included (-include) into every file of a QNN_FUZZ build.
 *
 * glibc before 2.37 defines CMPLX in <complex.h> for GCC >= 4.7 only, and
 * clang calls itself GCC 4.2: the engine's CMPLX(x, y) would be an
 * implicit function and fail to link. clang >= 12 has the builtin glibc
 * uses; the definition is glibc's own, token for token, so a newer glibc
 * that defines it for clang as well redefines it identically. */
#if defined(__clang__) && !defined(CMPLX)
# define CMPLX(x, y) __builtin_complex ((double) (x), (double) (y))
#endif

/* The libFuzzer convention: code may lower its work limits when fuzzed
 * (engine/src/qasm.c expands 2*10^4 gates instead of 10^6, which take
 * tens of seconds under this instrumentation). */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
# define FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION 1
#endif
