/* fuzz_tiff.c - the TIFF stack reader (`segment -input x.tif`, `convert`) on arbitrary
 * bytes: ms_tiff_info validates every page, ms_tiff_read reads the stack into a volume.
 * A stack whose pages would need more than 1 MiB is skipped before the read: allocating
 * what the header claims is the reader's documented behaviour (ms_volume_create reports a
 * failed allocation), not a finding, and would only slow the fuzzer down.
 */
#include "ms_fuzz.h"
#include "ms_tiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = ms_fuzz_file(".tif", data, size);
  int64_t     nx, ny, nz;
  ms_volume   v = NULL;
  if (ms_tiff_info(PETSC_COMM_SELF, path, &nx, &ny, &nz)) return 0;
  if (nx <= 0 || ny <= 0 || nz <= 0 || (double)nx * (double)ny * (double)nz > 1024.0 * 1024) return 0;
  if (!ms_tiff_read(PETSC_COMM_SELF, path, &v)) {
    double f;
    (void)ms_volume_fraction(v, 0, &f);
  }
  (void)ms_volume_destroy(&v);
  return 0;
}
