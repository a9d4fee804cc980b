/* libFuzzer target: the bytes as the JSON file of m0_file, read by
 * qnn_asym_read_matrix (model asymptotic or frozen with m0_init = file).
 *
 * The bytes go to a temporary file of this process (rewritten for each
 * input), since the reader takes a path. A refusal must say what is
 * allowed and return no matrix; an accepted file gives d a power of two in
 * 2 .. 1024 and a Hermitian matrix that is not zero, with finite entries
 * (checked here on scaled entries, so that the check cannot overflow). */
#include <complex.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qnn/asym.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[FUZZ_ERR] = "";
    int fd = fuzz_tmp_fd("matrix");
    fuzz_tmp_write(fd, data, size);
    size_t d = 0;
    qnn_cplx *M = (qnn_cplx *)1;
    if (qnn_asym_read_matrix(fuzz_tmp_path, &d, &M, err, sizeof err) != 0) {
        fuzz_check_msg("qnn_asym_read_matrix", err);
        if (M) {
            fprintf(stderr, "fuzz_matrix: refused but returned a matrix\n");
            abort();
        }
        return 0;
    }
    if (!M || d < 2 || d > 1024 || (d & (d - 1))) {
        fprintf(stderr, "fuzz_matrix: accepted with d = %zu\n", d);
        abort();
    }
    /* Hermitian as the reader promises, |M_ij - conj(M_ji)| <= 1e-10 max |M|,
     * on entries scaled by 1/4 when they are large, so that nothing here
     * overflows (and unscaled otherwise, so that subnormals stay) */
    double big = 0.0;
    for (size_t k = 0; k < d * d; k++) {
        if (!isfinite(creal(M[k])) || !isfinite(cimag(M[k]))) {
            fprintf(stderr, "fuzz_matrix: accepted with entry %zu not finite\n", k);
            abort();
        }
        big = fmax(big, fmax(fabs(creal(M[k])), fabs(cimag(M[k]))));
    }
    const double s = big > 0x1p1000 ? 0.25 : 1.0;
    double mx = 0.0, dev = 0.0;
    for (size_t j = 0; j < d; j++)
        for (size_t i = 0; i < d; i++) {
            qnn_cplx a = M[j * d + i], b = M[i * d + j];
            double m = hypot(s * creal(a), s * cimag(a));
            double e = hypot(s * creal(a) - s * creal(b), s * cimag(a) + s * cimag(b));
            mx = m > mx ? m : mx;
            dev = e > dev ? e : dev;
        }
    if (!(mx > 0.0)) {
        fprintf(stderr, "fuzz_matrix: accepted the zero matrix\n");
        abort();
    }
    if (dev > 1.0000001e-10 * mx) {
        fprintf(stderr, "fuzz_matrix: accepted a matrix that is not Hermitian: max |M - M^dagger| = %g, max |M| = %g (times %g)\n",
                dev, mx, s);
        abort();
    }
    free(M);
    return 0;
}
