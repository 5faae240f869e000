/* test_tiff.c - TIFF stacks (io/ms_tiff.h) and the CT segmentation pipeline on them.
 * Asserts:
 *  - a stack written with ms_tiff_write reads back voxel for voxel into z-slabs (any ranks);
 *  - clear errors: missing file (MS_ERR_FILE), 16-bit pages, RGB pages and pages of different
 *    size (MS_ERR_READ) - the message names the problem;
 *  - synthetic CT: a generated membrane -> grey levels 70 (pore) / 170 (solid) + Gaussian noise
 *    (sd 20) -> TIFF -> Gaussian filter (variance 3) + porosity-matched threshold at the true
 *    porosity: the porosity reached equals the target to within one voxel, > 95 % of the voxels
 *    agree with the truth, and bright-pore segmentation of the inverted stack is identical.
 */
#include "ms_image.h"
#include "ms_membrane.h"
#include "ms_rng.h"
#include "ms_test.h"
#include "ms_tiff.h"
#include <string.h>
#include <tiffio.h>

/* Write a stack with libtiff directly: bits per sample, samples, and page widths. */
static int write_odd(const char *path, int bits, int spp, int w0, int w1)
{
  TIFF *t = TIFFOpen(path, "w");
  if (!t) return 1;
  for (int page = 0; page < 2; page++) {
    const int w = page ? w1 : w0;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 4);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 4);
    unsigned char row[64 * 3 * 2] = {0};
    for (int y = 0; y < 4; y++) TIFFWriteScanline(t, row, y, 0);
    TIFFWriteDirectory(t);
  }
  TIFFClose(t);
  return 0;
}

static PetscErrorCode expect_error(const char *path, PetscErrorCode code, const char *text)
{
  ms_volume v = NULL;
  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  PetscErrorCode ierr = ms_tiff_read(PETSC_COMM_WORLD, path, &v);
  PetscCall(PetscPopErrorHandler());
  MS_CHECK(ierr == code);
  const char *msg = NULL;
  char       *specific = NULL;
  PetscErrorMessage(ierr, &msg, &specific);
  MS_CHECK(specific && strstr(specific, text));
  if (!(specific && strstr(specific, text))) fprintf(stderr, "message was: %s\n", specific ? specific : "(none)");
  PetscFunctionReturn(0);
}

static uint8_t grey_of(uint8_t solid, int64_t index)
{
  ms_rng r;
  ms_rng_init(&r, 2024, (uint64_t)index);
  double g = (solid ? 170.0 : 70.0) + 20.0 * ms_rng_normal(&r);
  return (uint8_t)(g < 0 ? 0 : (g > 255 ? 255 : lround(g)));
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  char        path[64], odd[64];
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscSNPrintf(path, sizeof path, "tiff_test_np%d.tif", (int)size));

  /* round trip */
  const int64_t nx = 13, ny = 7, nz = 9;
  uint8_t       buf[13 * 7 * 9];
  for (int64_t i = 0; i < nx * ny * nz; i++) buf[i] = (uint8_t)((i * 37) % 256);
  if (!rank) PetscCall(ms_tiff_write(path, nx, ny, nz, buf));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  ms_volume v;
  PetscCall(ms_tiff_read(PETSC_COMM_WORLD, path, &v));
  MS_CHECK(v->nx == nx && v->ny == ny && v->nz == nz);
  MS_CHECK(!memcmp(v->data, buf + v->z_start * nx * ny, (size_t)(v->nz_local * nx * ny)));
  PetscCall(ms_volume_destroy(&v));

  /* errors */
  PetscCall(expect_error("no_such_stack.tif", MS_ERR_FILE, "no_such_stack.tif"));
  PetscCall(PetscSNPrintf(odd, sizeof odd, "tiff_odd_np%d.tif", (int)size));
  if (!rank) MS_CHECK(!write_odd(odd, 16, 1, 5, 5));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(expect_error(odd, MS_ERR_READ, "8-bit"));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (!rank) MS_CHECK(!write_odd(odd, 8, 3, 5, 5));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(expect_error(odd, MS_ERR_READ, "8-bit"));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (!rank) MS_CHECK(!write_odd(odd, 8, 1, 5, 6));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(expect_error(odd, MS_ERR_READ, "same size"));

  /* synthetic CT segmentation */
  ms_membrane_params p = ms_membrane_params_default();
  p.nx = p.ny = p.nz = 64; p.n_points = 30; p.radius = 3.4; p.seed = 3;
  ms_volume truth, grey, seg, seg2;
  PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, &p, &truth));
  double por_true;
  PetscCall(ms_volume_fraction(truth, 0, &por_true));
  const int64_t N = p.nx * p.ny * p.nz;
  for (int inv = 0; inv < 2; inv++) {
    if (!rank) {
      ms_volume full;
      PetscCall(ms_membrane_generate(PETSC_COMM_SELF, &p, &full));
      for (int64_t i = 0; i < N; i++) {
        const uint8_t g = grey_of(full->data[i], i);
        full->data[i]   = inv ? (uint8_t)(255 - g) : g;
      }
      PetscCall(ms_tiff_write(path, p.nx, p.ny, p.nz, full->data));
      PetscCall(ms_volume_destroy(&full));
    }
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(ms_tiff_read(PETSC_COMM_WORLD, path, &grey));
    double thr, ach;
    PetscCall(ms_image_segment(grey, 3.0, por_true, inv ? MS_IMAGE_PORE_BRIGHT : MS_IMAGE_PORE_DARK, inv ? &seg2 : &seg, &thr, &ach));
    MS_CHECK(fabs(ach - por_true) <= 1.0 / (double)N + 1e-12);
    MS_CHECK(thr > 70 && thr < 185);
    PetscCall(ms_volume_destroy(&grey));
  }
  int64_t agree = 0, same = 0, g[2], l[2];
  for (int64_t i = 0; i < truth->nz_local * p.nx * p.ny; i++) {
    agree += seg->data[i] == truth->data[i];
    same += seg->data[i] == seg2->data[i];
  }
  l[0] = agree; l[1] = same;
  PetscCallMPI(MPI_Allreduce(l, g, 2, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "synthetic CT: true porosity %.4f, agreement %.4f\n", por_true, (double)g[0] / (double)N));
  MS_CHECK((double)g[0] / (double)N > 0.95);
  MS_CHECK(g[1] == N);
  PetscCall(ms_volume_destroy(&seg));
  PetscCall(ms_volume_destroy(&seg2));
  PetscCall(ms_volume_destroy(&truth));
  if (!rank) { remove(path); remove(odd); }
  MS_TEST_END("tiff");
}
