/* test_micro.c - microstructure descriptors (ml/featurize/ms_micro.h) against closed forms:
 * lamellae and a checkerboard (S2 per axis and radial shell, faces, chords, periodic and
 * padded), chords crossing the z-slabs of the ranks, and an i.i.d. random field (S2(0) = phi,
 * S2(r) -> phi^2 within 6 standard errors). Runs on 1 and on 2 ranks (tests/mpi): the values
 * asserted are the same closed forms, so 1 rank == 2 ranks. */
#include "ms_micro.h"
#include "ms_rng.h"
#include "ms_test.h"
#include "ms_tiff.h"
#include "ms_volume_set.h"
#include <string.h>

typedef int (*pattern)(int64_t x, int64_t y, int64_t z, void *ctx); /* 1 = pore */

static PetscErrorCode make(int64_t nx, int64_t ny, int64_t nz, pattern f, void *ctx, ms_volume *v)
{
  PetscFunctionBeginUser;
  PetscCall(ms_volume_create(PETSC_COMM_WORLD, nx, ny, nz, v));
  for (int64_t z = 0; z < (*v)->nz_local; z++)
    for (int64_t y = 0; y < ny; y++)
      for (int64_t x = 0; x < nx; x++) (*v)->data[(z * ny + y) * nx + x] = f(x, y, z + (*v)->z_start, ctx) ? 0 : 1;
  PetscFunctionReturn(0);
}

/* Lamellae normal to x: pore for (x - 1) mod L < w (x = 0 solid, so no chord touches a face
 * of a window of whole periods). */
static const int64_t L = 8, W = 3;
static int lamella(int64_t x, int64_t y, int64_t z, void *c)
{
  (void)y, (void)z, (void)c;
  return ((x - 1 + L) % L) < W;
}
static int checker(int64_t x, int64_t y, int64_t z, void *c)
{
  (void)c;
  return (x + y + z) % 2 == 0;
}
/* Column (0, 0): pore runs z = 0..2, 4..8, 10..15 (nz = 16); column (1, 0) all pore; others solid. */
static int runs(int64_t x, int64_t y, int64_t z, void *c)
{
  (void)c;
  if (y) return 0;
  if (x == 1) return 1;
  return x == 0 && z != 3 && z != 9;
}
static int iid(int64_t x, int64_t y, int64_t z, void *c)
{
  ms_rng r;
  ms_rng_init(&r, 42, (uint64_t)((z * 32 + y) * 32 + x)); /* one stream per voxel: any slab split */
  return ms_rng_uniform(&r) < *(double *)c;
}

static PetscErrorCode test_lamellae(void)
{
  ms_volume       v;
  ms_micro_s2     s, sp;
  ms_micro_chords c, cp;
  double          sv;
  int64_t         faces;
  PetscFunctionBeginUser;
  PetscCall(make(32, 4, 6, lamella, NULL, &v));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PERIODIC, &s));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PADDED, &sp));
  const double phi = (double)W / L;
  for (int64_t r = 0; r < s.n_axis[0]; r++) {
    const int64_t d = r % L;
    /* overlap of a w-interval with its shift by d on a circle of L: triangle wave */
    const double tri = (double)(PetscMax(0, W - d) + PetscMax(0, W - (L - d))) / L;
    MS_CHECK_CLOSE(s.axis[0][r], tri, 0, 1e-15);
    /* padded: pairs (x, x + r) inside the 32-wide window, counted directly */
    int64_t pairs = 0;
    for (int64_t x = 0; x + r < 32; x++) pairs += lamella(x, 0, 0, NULL) && lamella(x + r, 0, 0, NULL);
    MS_CHECK_CLOSE(sp.axis[0][r], (double)pairs / (double)(32 - r), 0, 1e-15);
  }
  MS_CHECK_CLOSE(sp.axis[0][L], phi, 0, 1e-15); /* whole periods: both estimators give w/L */
  MS_CHECK_CLOSE(sp.axis[0][2 * L], phi, 0, 1e-15);
  for (int a = 1; a < 3; a++)
    for (int64_t r = 0; r < s.n_axis[a]; r++) {
      MS_CHECK_CLOSE(s.axis[a][r], phi, 0, 1e-15);
      MS_CHECK_CLOSE(sp.axis[a][r], phi, 0, 1e-15);
    }
  MS_CHECK_CLOSE(s.radial[0], phi, 0, 1e-15);
  MS_CHECK(s.round_residual < 1e-6);
  PetscCall(ms_micro_surface(v, MS_MICRO_PERIODIC, &sv, &faces));
  MS_CHECK_CLOSE(sv, 2.0 / L, 0, 1e-15);
  MS_CHECK(faces == 2 * (32 / L) * 4 * 6);
  PetscCall(ms_micro_chords_compute(v, MS_MICRO_PERIODIC, &c));
  PetscCall(ms_micro_chords_compute(v, MS_MICRO_PADDED, &cp));
  MS_CHECK(c.count[0] == (32 / L) * 4 * 6 && c.hist[0][W - 1] == c.count[0]);
  MS_CHECK_CLOSE(c.mean[0], W, 0, 0);
  MS_CHECK_CLOSE(c.std[0], 0, 0, 0);
  MS_CHECK(cp.count[0] == c.count[0] && cp.cut_chords[0] == 0);
  MS_CHECK(c.count[1] == 0 && c.spanning_lines[1] == (32 / L) * W * 6); /* y lines in a pore slab */
  MS_CHECK(c.count[2] == 0 && c.spanning_lines[2] == (32 / L) * W * 4);
  MS_CHECK(cp.count[2] == 0 && cp.cut_chords[2] == (32 / L) * W * 4);
  MS_CHECK(isnan(c.mean[1]));
  ms_micro_s2_free(&s);
  ms_micro_s2_free(&sp);
  ms_micro_chords_free(&c);
  ms_micro_chords_free(&cp);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_checkerboard(void)
{
  ms_volume       v;
  ms_micro_s2     s, sp;
  ms_micro_chords c;
  double          sv;
  int64_t         faces;
  PetscFunctionBeginUser;
  PetscCall(make(8, 6, 10, checker, NULL, &v));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PERIODIC, &s));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PADDED, &sp));
  for (int a = 0; a < 3; a++)
    for (int64_t r = 0; r < s.n_axis[a]; r++) {
      MS_CHECK_CLOSE(s.axis[a][r], r % 2 ? 0.0 : 0.5, 0, 1e-15);
      MS_CHECK_CLOSE(sp.axis[a][r], r % 2 ? 0.0 : 0.5, 0, 1e-15); /* even window widths */
    }
  /* shell 1 = round(|r|) = 1: 6 face lags (odd: 0) and 12 edge lags (|r| = sqrt 2, even: 1/2) */
  MS_CHECK(s.n_radial == 4 && s.shell_lags[1] == 18);
  MS_CHECK_CLOSE(s.radial[0], 0.5, 0, 1e-15);
  MS_CHECK_CLOSE(s.radial[1], 12 * 0.5 / 18, 0, 1e-15);
  PetscCall(ms_micro_surface(v, MS_MICRO_PERIODIC, &sv, &faces));
  MS_CHECK_CLOSE(sv, 3.0, 0, 0); /* every face separates pore from solid */
  PetscCall(ms_micro_surface(v, MS_MICRO_PADDED, &sv, &faces));
  MS_CHECK(faces == 7 * 6 * 10 + 8 * 5 * 10 + 8 * 6 * 9);
  PetscCall(ms_micro_chords_compute(v, MS_MICRO_PERIODIC, &c));
  for (int a = 0; a < 3; a++) {
    MS_CHECK(c.count[a] == 8 * 6 * 10 / 2 && c.hist[a][0] == c.count[a]);
    MS_CHECK_CLOSE(c.mean[a], 1, 0, 0);
  }
  ms_micro_s2_free(&s);
  ms_micro_s2_free(&sp);
  ms_micro_chords_free(&c);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_z_runs(void)
{
  ms_volume       v;
  ms_micro_chords c, cp;
  PetscFunctionBeginUser;
  PetscCall(make(3, 2, 16, runs, NULL, &v));
  PetscCall(ms_micro_chords_compute(v, MS_MICRO_PERIODIC, &c));
  PetscCall(ms_micro_chords_compute(v, MS_MICRO_PADDED, &cp));
  /* periodic: 5, and 6 + 3 wrapping into 9; column x = 1 spans */
  MS_CHECK(c.count[2] == 2 && c.hist[2][4] == 1 && c.hist[2][8] == 1 && c.spanning_lines[2] == 1);
  MS_CHECK_CLOSE(c.mean[2], 7, 0, 0);
  MS_CHECK_CLOSE(c.std[2], 2, 0, 0);
  /* padded: only 5; the runs at both faces and the full column are cut */
  MS_CHECK(cp.count[2] == 1 && cp.hist[2][4] == 1 && cp.cut_chords[2] == 3);
  ms_micro_chords_free(&c);
  ms_micro_chords_free(&cp);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_random(void)
{
  ms_volume   v;
  ms_micro_s2 s, sp;
  double      p = 0.3, phi;
  PetscFunctionBeginUser;
  PetscCall(make(32, 32, 32, iid, &p, &v));
  PetscCall(ms_volume_fraction(v, 0, &phi));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PERIODIC, &s));
  PetscCall(ms_micro_s2_compute(v, MS_MICRO_PADDED, &sp));
  MS_CHECK_CLOSE(s.axis[0][0], phi, 0, 1e-15);
  MS_CHECK_CLOSE(sp.axis[2][0], phi, 0, 1e-15);
  MS_CHECK_CLOSE(s.radial[0], phi, 0, 1e-15);
  /* independent voxels: S2(r != 0) estimates phi^2 with standard error sqrt(phi^2 (1 - phi^2) / pairs) */
  const double se = sqrt(phi * phi * (1 - phi * phi) / (32.0 * 32 * 32));
  for (int a = 0; a < 3; a++)
    for (int64_t r = 1; r < s.n_axis[a]; r++) {
      MS_CHECK_CLOSE(s.axis[a][r], phi * phi, 0, 6 * se);
      MS_CHECK_CLOSE(sp.axis[a][r], phi * phi, 0, 6 * se * sqrt(2.0));
    }
  for (int64_t k = 2; k < s.n_radial; k++) MS_CHECK_CLOSE(s.radial[k], phi * phi, 0, 6 * se);
  ms_micro_s2_free(&s);
  ms_micro_s2_free(&sp);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

/* A TIFF stack through a volume set (glob entry) gives back the same voxels on every rank split. */
static PetscErrorCode test_tiff_set(void)
{
  ms_volume     v, w;
  ms_volume_set set;
  PetscMPIInt   rank;
  uint8_t      *all;
  char         *in[1] = {(char *)"lam*.tif"};
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(ms_volume_create(PETSC_COMM_SELF, 32, 4, 6, &v));
  for (int64_t z = 0; z < 6; z++)
    for (int64_t y = 0; y < 4; y++)
      for (int64_t x = 0; x < 32; x++) v->data[(z * 4 + y) * 32 + x] = lamella(x, y, z, NULL) ? 0 : 1;
  all = v->data;
  if (!rank) PetscCall(ms_tiff_write("lam.tif", 32, 4, 6, all));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(ms_volume_set_resolve(PETSC_COMM_WORLD, 1, in, "/volume", &set));
  MS_CHECK(set->n == 1 && !strcmp(set->names[0], "lam.tif") && set->n_files == 1);
  PetscCall(ms_volume_set_load(PETSC_COMM_WORLD, set, 0, &w));
  MS_CHECK(w->nx == 32 && w->ny == 4 && w->nz == 6);
  MS_CHECK(!memcmp(w->data, all + w->z_start * 4 * 32, (size_t)(w->nz_local * 4 * 32)));
  PetscCall(ms_volume_destroy(&w));
  PetscCall(ms_volume_set_destroy(&set));
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(test_lamellae());
  PetscCall(test_checkerboard());
  PetscCall(test_z_runs());
  PetscCall(test_random());
  PetscCall(test_tiff_set());
  MS_TEST_END("test_micro");
}
