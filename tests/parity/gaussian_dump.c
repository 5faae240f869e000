/* gaussian_dump.c - writes a random float volume and its Gaussian filtering by ms_image (slabs
 * on all ranks, gathered to rank 0) as raw float32 files PREFIX_{input,wrap,nearest}.f32, for
 * gaussian_parity.py to compare against scipy.ndimage.gaussian_filter. Shape (nz,ny,nx) =
 * (17,19,23); wrap: sigma 1.7, truncate 4; nearest: sigma 1.3, truncate 3. */
#include "ms_image.h"
#include "ms_rng.h"
#include <petsc.h>

static PetscErrorCode dump(const char *prefix, const char *what, int64_t nx, int64_t ny, ms_volume L, const float *f)
{
  PetscMPIInt size, rank;
  int        *cnt, *off;
  float      *all = NULL;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscMalloc2(size, &cnt, size, &off));
  int mine = (int)(L->nz_local * nx * ny);
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, PETSC_COMM_WORLD));
  for (int q = 0, acc = 0; q < size; q++) { off[q] = acc; acc += cnt[q]; }
  if (!rank) PetscCall(PetscMalloc1(L->nz * nx * ny, &all));
  PetscCallMPI(MPI_Gatherv(f, mine, MPI_FLOAT, all, cnt, off, MPI_FLOAT, 0, PETSC_COMM_WORLD));
  if (!rank) {
    char  path[PETSC_MAX_PATH_LEN];
    PetscCall(PetscSNPrintf(path, sizeof path, "%s_%s.f32", prefix, what));
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(all, sizeof(float), (size_t)(L->nz * nx * ny), fp) != (size_t)(L->nz * nx * ny)) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
    fclose(fp);
    PetscCall(PetscFree(all));
  }
  PetscCall(PetscFree2(cnt, off));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const int64_t nx = 23, ny = 19, nz = 17;
  ms_volume     L;
  float        *f, *g;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc < 2) SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: gaussian_dump PREFIX");
  PetscCall(ms_volume_create(PETSC_COMM_WORLD, nx, ny, nz, &L));
  const int64_t n = L->nz_local * nx * ny;
  PetscCall(PetscMalloc2(n + 1, &f, n + 1, &g));
  ms_rng r;
  for (int64_t i = 0; i < n; i++) {
    ms_rng_init(&r, 7, (uint64_t)(L->z_start * nx * ny + i));
    f[i] = (float)(100.0 * ms_rng_uniform(&r));
  }
  PetscCall(dump(argv[1], "input", nx, ny, L, f));
  PetscCall(PetscArraycpy(g, f, n));
  PetscCall(ms_image_gaussian_slab(PETSC_COMM_WORLD, nx, ny, nz, L->z_start, L->nz_local, g, 1.7, 4.0, MS_IMAGE_WRAP));
  PetscCall(dump(argv[1], "wrap", nx, ny, L, g));
  PetscCall(PetscArraycpy(g, f, n));
  PetscCall(ms_image_gaussian_slab(PETSC_COMM_WORLD, nx, ny, nz, L->z_start, L->nz_local, g, 1.3, 3.0, MS_IMAGE_NEAREST));
  PetscCall(dump(argv[1], "nearest", nx, ny, L, g));
  PetscCall(PetscFree2(f, g));
  PetscCall(ms_volume_destroy(&L));
  PetscCall(PetscFinalize());
  return 0;
}
