/* test_image.c - image processing on z-slabs (solvers/ms_image.h), on any number of ranks.
 * Asserts:
 *  - Gaussian filter of a constant is the constant (wrap and nearest);
 *  - a filtered delta has unit mass and, per axis, variance sum_k k^2 w_k (to float precision),
 *    which equals sigma^2 within the truncation error at 4 sigma (< 2e-3 relative); the delta
 *    sits on a slab boundary and on the periodic seam so the halo exchange is exercised;
 *  - the slab filter on all ranks is bit-identical to the filter of the whole volume on one rank;
 *  - the porosity-matched threshold gives exactly round(target * N) pores on continuous data
 *    (dark and bright pores), is within one grey-level bin on 10-level data, and lies in the
 *    middle of the gap (0.5) on a 0/1 image;
 *  - crop returns the requested box; resize n -> n is the identity, a constant stays constant
 *    and a half-space z < k resized to half size is exactly z < k/2.
 */
#include "ms_image.h"
#include "ms_rng.h"
#include "ms_test.h"

static PetscErrorCode slab_float(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, ms_volume *layout)
{
  PetscFunctionBeginUser;
  PetscCall(ms_volume_create(comm, nx, ny, nz, layout));
  PetscFunctionReturn(0);
}

static double field(int64_t x, int64_t y, int64_t z)
{
  ms_rng r;
  ms_rng_init(&r, 99, (uint64_t)((z * 1000 + y) * 1000 + x));
  return ms_rng_uniform(&r);
}

static PetscErrorCode test_gaussian(void)
{
  const int64_t nx = 24, ny = 20, nz = 28;
  const double  sigma = sqrt(3.0);
  ms_volume     L;
  float        *f;
  PetscFunctionBeginUser;
  PetscCall(slab_float(PETSC_COMM_WORLD, nx, ny, nz, &L));
  const int64_t n = L->nz_local * nx * ny;
  PetscCall(PetscMalloc1(n + 1, &f));
  /* constant */
  for (int bc = 0; bc < 2; bc++) {
    for (int64_t i = 0; i < n; i++) f[i] = 7.25f;
    PetscCall(ms_image_gaussian_slab(PETSC_COMM_WORLD, nx, ny, nz, L->z_start, L->nz_local, f, sigma, 4.0, (ms_image_boundary)bc));
    double err = 0;
    for (int64_t i = 0; i < n; i++) err = PetscMax(err, fabs(f[i] - 7.25));
    MS_CHECK(err < 1e-5);
  }
  /* delta: mass and variance per axis */
  int     r;
  double *w, vw = 0;
  PetscCall(ms_image_gaussian_weights(sigma, 4.0, &r, &w));
  for (int k = -r; k <= r; k++) vw += (double)k * k * w[k + r];
  MS_CHECK_CLOSE(vw, sigma * sigma, 2e-3, 0);
  PetscCall(PetscFree(w));
  const int64_t centres[2][3] = {{5, 9, nz / 2}, {0, 19, 0}};
  for (int c = 0; c < 2; c++) {
    const int64_t *c0 = centres[c];
    for (int64_t i = 0; i < n; i++) f[i] = 0;
    if (c0[2] >= L->z_start && c0[2] < L->z_start + L->nz_local) f[((c0[2] - L->z_start) * ny + c0[1]) * nx + c0[0]] = 1;
    PetscCall(ms_image_gaussian_slab(PETSC_COMM_WORLD, nx, ny, nz, L->z_start, L->nz_local, f, sigma, 4.0, MS_IMAGE_WRAP));
    double m[4] = {0, 0, 0, 0}, g[4];
    const int64_t N[3] = {nx, ny, nz};
    for (int64_t j = 0; j < L->nz_local; j++)
      for (int64_t y = 0; y < ny; y++)
        for (int64_t x = 0; x < nx; x++) {
          const double  v = f[(j * ny + y) * nx + x];
          const int64_t p[3] = {x, y, L->z_start + j};
          m[3] += v;
          for (int a = 0; a < 3; a++) {
            int64_t d = p[a] - c0[a];
            if (d > N[a] / 2) d -= N[a];
            if (d < -N[a] / 2) d += N[a];
            m[a] += v * (double)d * (double)d;
          }
        }
    PetscCallMPI(MPI_Allreduce(m, g, 4, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
    MS_CHECK_CLOSE(g[3], 1.0, 1e-5, 0);
    for (int a = 0; a < 3; a++) MS_CHECK_CLOSE(g[a], vw, 1e-5, 0);
  }
  /* slabs on all ranks == whole volume on one rank, bit for bit */
  for (int bc = 0; bc < 2; bc++) {
    float *all;
    PetscCall(PetscMalloc1(nx * ny * nz, &all));
    for (int64_t z = 0; z < nz; z++)
      for (int64_t y = 0; y < ny; y++)
        for (int64_t x = 0; x < nx; x++) all[(z * ny + y) * nx + x] = (float)field(x, y, z);
    PetscCall(PetscArraycpy(f, all + L->z_start * nx * ny, n));
    PetscCall(ms_image_gaussian_slab(PETSC_COMM_WORLD, nx, ny, nz, L->z_start, L->nz_local, f, 1.3, 3.0, (ms_image_boundary)bc));
    PetscCall(ms_image_gaussian_slab(PETSC_COMM_SELF, nx, ny, nz, 0, nz, all, 1.3, 3.0, (ms_image_boundary)bc));
    int64_t diff = 0;
    for (int64_t i = 0; i < n; i++) diff += f[i] != all[L->z_start * nx * ny + i];
    MS_CHECK(diff == 0);
    PetscCall(PetscFree(all));
  }
  PetscCall(PetscFree(f));
  PetscCall(ms_volume_destroy(&L));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_threshold(void)
{
  const int64_t nx = 30, ny = 30, nz = 31, N = nx * ny * nz;
  ms_volume     L;
  float        *f;
  PetscFunctionBeginUser;
  PetscCall(slab_float(PETSC_COMM_WORLD, nx, ny, nz, &L));
  const int64_t n = L->nz_local * nx * ny;
  PetscCall(PetscMalloc1(n + 1, &f));
  for (int levels = 0; levels < 2; levels++) {
    for (int64_t j = 0; j < L->nz_local; j++)
      for (int64_t y = 0; y < ny; y++)
        for (int64_t x = 0; x < nx; x++) {
          const double u = field(x, y, L->z_start + j);
          f[(j * ny + y) * nx + x] = levels ? (float)floor(10 * u) : (float)(255 * u);
        }
    const double targets[3] = {0.3, 0.846, 0.05};
    for (int t = 0; t < 3; t++)
      for (int pore = 0; pore < 2; pore++) {
        double   thr, ach;
        uint8_t *seg;
        int64_t  c = 0, gc;
        PetscCall(ms_image_porosity_threshold(PETSC_COMM_WORLD, n, f, targets[t], (ms_image_pore)pore, &thr, &ach));
        PetscCall(PetscMalloc1(n + 1, &seg));
        ms_image_binarize(n, f, thr, (ms_image_pore)pore, seg);
        for (int64_t i = 0; i < n; i++) c += seg[i] == 0;
        PetscCallMPI(MPI_Allreduce(&c, &gc, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
        MS_CHECK_CLOSE((double)gc / (double)N, ach, 0, 1e-12);
        if (!levels) MS_CHECK(gc == llround(targets[t] * (double)N));
        else MS_CHECK(fabs(ach - targets[t]) <= 0.5 * 0.1 + 0.02); /* half a level bin (10 %) plus sampling noise */
        PetscCall(PetscFree(seg));
      }
  }
  /* a 0/1 image: the threshold sits in the middle of the gap, whatever the target */
  {
    int64_t zeros = 0, gz;
    for (int64_t i = 0; i < n; i++) zeros += (f[i] = (float)((L->z_start * nx * ny + i) % 3 != 0)) == 0;
    PetscCallMPI(MPI_Allreduce(&zeros, &gz, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
    double thr, ach;
    PetscCall(ms_image_porosity_threshold(PETSC_COMM_WORLD, n, f, 0.3, MS_IMAGE_PORE_DARK, &thr, &ach));
    MS_CHECK_CLOSE(thr, 0.5, 0, 0);
    MS_CHECK_CLOSE(ach, (double)gz / (double)N, 0, 1e-15);
  }
  PetscCall(PetscFree(f));
  PetscCall(ms_volume_destroy(&L));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_crop_resize(void)
{
  const int64_t nx = 20, ny = 18, nz = 26;
  ms_volume     v, c, r;
  PetscFunctionBeginUser;
  PetscCall(ms_volume_create(PETSC_COMM_WORLD, nx, ny, nz, &v));
  for (int64_t j = 0; j < v->nz_local; j++)
    for (int64_t y = 0; y < ny; y++)
      for (int64_t x = 0; x < nx; x++) v->data[(j * ny + y) * nx + x] = (uint8_t)((x + 3 * y + 7 * (v->z_start + j)) % 251);
  const int64_t st[3] = {3, 2, 5}, ct[3] = {11, 9, 17};
  PetscCall(ms_image_crop(v, st, ct, &c));
  int64_t bad = 0, gbad;
  for (int64_t j = 0; j < c->nz_local; j++)
    for (int64_t y = 0; y < ct[1]; y++)
      for (int64_t x = 0; x < ct[0]; x++)
        bad += c->data[(j * ct[1] + y) * ct[0] + x] != (uint8_t)((x + 3 + 3 * (y + 2) + 7 * (c->z_start + j + 5)) % 251);
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(gbad == 0 && c->nx == 11 && c->ny == 9 && c->nz == 17);
  /* identity resize of grey levels */
  const int64_t same[3] = {nx, ny, nz};
  PetscCall(ms_image_resize(v, same, PETSC_FALSE, &r));
  bad = 0;
  for (int64_t i = 0; i < r->nz_local * nx * ny; i++) bad += r->data[i] != v->data[i];
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(gbad == 0);
  PetscCall(ms_volume_destroy(&r));
  /* half-space z < 14 -> z < 7 at half size; constant planes stay constant */
  for (int64_t j = 0; j < v->nz_local; j++)
    for (int64_t i = 0; i < nx * ny; i++) v->data[j * nx * ny + i] = v->z_start + j < 14;
  const int64_t half[3] = {10, 9, 13};
  PetscCall(ms_image_resize(v, half, PETSC_TRUE, &r));
  bad = 0;
  for (int64_t j = 0; j < r->nz_local; j++)
    for (int64_t i = 0; i < 10 * 9; i++) bad += r->data[j * 90 + i] != (r->z_start + j < 7);
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(gbad == 0);
  PetscCall(ms_volume_destroy(&r));
  /* errors */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  const int64_t big[3] = {20, 18, 30};
  MS_CHECK(ms_image_crop(v, st, big, &r) == MS_ERR_USER);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ms_volume_destroy(&c));
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(test_gaussian());
  PetscCall(test_threshold());
  PetscCall(test_crop_resize());
  MS_TEST_END("image");
}
