/* Run-time choice of the kernels' instruction set (qnn/simd.h). */
#include "qnn/simd.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_int forced = -1;   /* qnn_simd_set's level, -1: none */
static atomic_int env_level = -2; /* -2: not read yet */

int qnn_simd_max(void)
{
#if defined(__GNUC__) && defined(__x86_64__) && !defined(QNN_NO_SIMD_KERNELS)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return QNN_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return QNN_SIMD_AVX2;
#endif
    return QNN_SIMD_SCALAR;
}

static int clamp(int level)
{
    int mx = qnn_simd_max();
    if (level < QNN_SIMD_SCALAR)
        level = QNN_SIMD_SCALAR;
    return level < mx ? level : mx;
}

int qnn_simd_level(void)
{
    int f = atomic_load_explicit(&forced, memory_order_relaxed);
    if (f >= 0)
        return f;
    int e = atomic_load_explicit(&env_level, memory_order_relaxed);
    if (e == -2) {
        const char *s = getenv("QNNLAB_SIMD");
        e = qnn_simd_max();
        if (s && strcmp(s, "scalar") == 0)
            e = QNN_SIMD_SCALAR;
        else if (s && strcmp(s, "avx2") == 0)
            e = clamp(QNN_SIMD_AVX2);
        atomic_store_explicit(&env_level, e, memory_order_relaxed);
    }
    return e;
}

void qnn_simd_set(int level)
{
    atomic_store_explicit(&forced, level < 0 ? -1 : clamp(level), memory_order_relaxed);
}

const char *qnn_simd_name(int level)
{
    switch (level) {
    case QNN_SIMD_AVX512: return "avx512";
    case QNN_SIMD_AVX2: return "avx2";
    default: return "scalar";
    }
}
