/* test_tortuosity.c - the tortuosity solver against closed forms (spec.md 1.11, Appendix B).
 * Runs on any number of ranks (unit: 1 rank; mpi: 2 ranks, where it also checks that the
 * 2-rank solve equals a 1-rank solve of the same volume on PETSC_COMM_SELF to 1e-6).
 *
 * Volumes are built from a function of the global voxel position, so every rank fills its
 * own z-slab and the volume is the same on any number of ranks. */
#include "ms_test.h"
#include "ms_rng.h"
#include "ms_tortuosity.h"
#include <string.h>

typedef uint8_t (*voxel_fn)(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *ctx);

static PetscErrorCode make_volume(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, voxel_fn f, const void *ctx, ms_volume *v)
{
  const int64_t n[3] = {nx, ny, nz};

  PetscFunctionBeginUser;
  PetscCall(ms_volume_create(comm, nx, ny, nz, v));
  for (int64_t k = 0; k < (*v)->nz_local; k++)
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++) (*v)->data[(k * ny + j) * nx + i] = f(i, j, (*v)->z_start + k, n, ctx);
  PetscFunctionReturn(0);
}

static PetscErrorCode solve(ms_volume v, int axis, const ms_tortuosity_opts *o, ms_tortuosity_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tortuosity_solve(v, axis, o, r));
  PetscCall(PetscPrintf(v->comm, "  axis %s: tau %.12g eps %.6g eps_perc %.6g sigma %.12g mismatch %.2e its %d pc %s\n",
                        ms_tortuosity_axis_name(axis), r->tau, r->porosity, r->percolating_porosity,
                        r->effective_conductivity, r->current_mismatch, (int)r->iterations, r->pc_type));
  PetscFunctionReturn(0);
}

static uint8_t open_box(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  (void)x; (void)y; (void)z; (void)n; (void)c;
  return 0;
}

/* Pore channels along x at every (y, z) with y % 3 == 1 and z % 3 == 1: none touches a y or z face. */
static uint8_t channels_x(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  (void)x; (void)n; (void)c;
  return !(y % 3 == 1 && z % 3 == 1);
}

/* A through channel along x at (y, z) = (2, 2); a blind pore from the inlet at (5, 5) ending 2
 * voxels before the outlet; and, with ctx != NULL, a side branch at x = 4 from the channel
 * towards +y that stops at y = 7 (attached dead end). */
static uint8_t dead_end(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  if (y == 2 && z == 2) return 0;
  if (y == 5 && z == 5 && x < n[0] - 2) return 0;
  if (c && x == 4 && z == 2 && y > 2 && y <= 7) return 0;
  return 1;
}

/* Layers normal to x: value 0 for x < 4, 1 beyond (two conductivities). */
static uint8_t layers_x(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  (void)y; (void)z; (void)n; (void)c;
  return x >= 4;
}

/* A solid wall at x = n/2: closed along x, open along y and z. */
static uint8_t wall_x(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  (void)y; (void)z; (void)c;
  return x == n[0] / 2;
}

/* Random pore space (porosity ~ *(double*)ctx), one stream per global voxel: rank-independent. */
static uint8_t random_pores(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  ms_rng r;
  ms_rng_init(&r, 2024, (uint64_t)((z * n[1] + y) * n[0] + x));
  return ms_rng_uniform(&r) >= *(const double *)c;
}

/* The random volume rotated by 90 degrees about z: (x', y', z') = (y, nx-1-x, z), so the new
 * volume is ny x nx x nz and tau'_x = tau_y, tau'_y = tau_x. */
typedef struct { double porosity; int64_t n[3]; } rot_ctx;
static uint8_t rotated_z(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  const rot_ctx *r = (const rot_ctx *)c;
  (void)n;
  return random_pores(r->n[0] - 1 - y, x, z, r->n, &r->porosity);
}
/* ... and about x: (x', y', z') = (x, z, ny-1-y): tau'_y = tau_z, tau'_z = tau_y. */
static uint8_t rotated_x(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  const rot_ctx *r = (const rot_ctx *)c;
  (void)n;
  return random_pores(x, r->n[1] - 1 - z, y, r->n, &r->porosity);
}

/* Random pores (porosity 0.62) for y < ny-2, a solid plane y = ny-2, and in the last plane
 * one straight channel along x at z = 1: the channel spans x only, so the percolation masks
 * of x and z differ (x keeps the channel, z drops it) and y does not percolate. */
static uint8_t pores_and_channel(int64_t x, int64_t y, int64_t z, const int64_t n[3], const void *c)
{
  if (y < n[1] - 2) return random_pores(x, y, z, n, c);
  return !(y == n[1] - 1 && z == 1);
}

#define TOL 1e-9

int main(int argc, char **argv)
{
  ms_tortuosity_opts   o;
  ms_tortuosity_result r, q;
  ms_volume            v;
  MPI_Comm             world;
  PetscMPIInt          size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  world = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(world, &size));
  PetscCall(ms_tortuosity_opts_init(&o));
  o.mismatch_tol = 1e-11;

  PetscCall(PetscPrintf(world, "open box 12x10x8: tau = 1, sigma_eff = 1 on every axis\n"));
  PetscCall(make_volume(world, 12, 10, 8, open_box, NULL, &v));
  for (int a = 0; a < 3; a++) {
    PetscCall(solve(v, a, &o, &r));
    MS_CHECK(r.percolates);
    MS_CHECK_CLOSE(r.tau, 1.0, TOL, 0);
    MS_CHECK_CLOSE(r.effective_conductivity, 1.0, TOL, 0);
    MS_CHECK_CLOSE(r.porosity, 1.0, 0, 0);
    MS_CHECK_CLOSE(r.percolating_porosity, 1.0, 0, 0);
    MS_CHECK(r.current_mismatch < 1e-10);
  }
  PetscCall(ms_volume_destroy(&v));

  PetscCall(PetscPrintf(world, "straight channels along x: tau_x = 1, sigma_eff = porosity; tau_y = tau_z = inf\n"));
  PetscCall(make_volume(world, 9, 9, 6, channels_x, NULL, &v));
  PetscCall(solve(v, 0, &o, &r));
  MS_CHECK_CLOSE(r.porosity, 6.0 / 54.0, 1e-15, 0);
  MS_CHECK_CLOSE(r.tau, 1.0, TOL, 0);
  MS_CHECK_CLOSE(r.effective_conductivity, r.porosity, TOL, 0);
  MS_CHECK_CLOSE(r.percolating_porosity, r.porosity, 0, 0);
  for (int a = 1; a < 3; a++) {
    PetscCall(solve(v, a, &o, &r));
    MS_CHECK(!r.percolates);
    MS_CHECK(isinf(r.tau) && r.tau > 0);
    MS_CHECK(r.effective_conductivity == 0 && r.percolating_porosity == 0 && r.iterations == 0);
  }
  PetscCall(ms_volume_destroy(&v));

  PetscCall(PetscPrintf(world, "wall across x: tau_x = inf; along y and z the wall is a layer parallel to the flow: tau = 1\n"));
  PetscCall(make_volume(world, 10, 7, 6, wall_x, NULL, &v));
  PetscCall(solve(v, 0, &o, &r));
  MS_CHECK(!r.percolates && isinf(r.tau));
  MS_CHECK_CLOSE(r.porosity, 0.9, 1e-15, 0);
  for (int a = 1; a < 3; a++) {
    PetscCall(solve(v, a, &o, &r));
    MS_CHECK_CLOSE(r.tau, 1.0, TOL, 0);
    MS_CHECK_CLOSE(r.effective_conductivity, 0.9, TOL, 0);
  }
  PetscCall(ms_volume_destroy(&v));

  /* 12x9x8: channel fraction 12/864; blind pore 10 voxels; branch 5 voxels. */
  const double N = 12.0 * 9 * 8, chan = 12 / N;
  PetscCall(PetscPrintf(world, "dead ends: blind pore from the inlet (removed) and a branch attached to the channel (kept)\n"));
  PetscCall(make_volume(world, 12, 9, 8, dead_end, NULL, &v));
  PetscCall(solve(v, 0, &o, &r));
  MS_CHECK_CLOSE(r.porosity, 22 / N, 1e-15, 0);
  MS_CHECK_CLOSE(r.percolating_porosity, chan, 1e-15, 0);
  MS_CHECK_CLOSE(r.effective_conductivity, chan, TOL, 0);
  MS_CHECK_CLOSE(r.tau, (22 / N) / chan, TOL, 0);
  PetscCall(ms_volume_destroy(&v));
  PetscCall(make_volume(world, 12, 9, 8, dead_end, &o, &v));
  PetscCall(solve(v, 0, &o, &r));
  MS_CHECK_CLOSE(r.porosity, 27 / N, 1e-15, 0);
  MS_CHECK_CLOSE(r.percolating_porosity, 17 / N, 1e-15, 0);
  MS_CHECK_CLOSE(r.effective_conductivity, chan, TOL, 0);
  MS_CHECK_CLOSE(r.tau, (27 / N) / chan, TOL, 0);
  PetscCall(ms_volume_destroy(&v));

  PetscCall(PetscPrintf(world, "layers of sigma 1 (4 voxels) and 0.25 (8 voxels): series = harmonic, parallel = arithmetic\n"));
  ms_tortuosity_opts ol = o;
  ol.n_conductivities   = 2;
  ol.conductivities[0]  = 1.0;
  ol.conductivities[1]  = 0.25;
  PetscCall(make_volume(world, 12, 6, 8, layers_x, NULL, &v));
  PetscCall(solve(v, 0, &ol, &r));
  MS_CHECK_CLOSE(r.effective_conductivity, 12.0 / (4 / 1.0 + 8 / 0.25), TOL, 0);
  MS_CHECK_CLOSE(r.tau, 3.0, TOL, 0);
  MS_CHECK(r.iterations > 0); /* the linear initial guess is not the answer here */
  for (int a = 1; a < 3; a++) {
    PetscCall(solve(v, a, &ol, &r));
    MS_CHECK_CLOSE(r.effective_conductivity, (4 * 1.0 + 8 * 0.25) / 12.0, TOL, 0);
  }
  PetscCall(ms_volume_destroy(&v));

  PetscCall(PetscPrintf(world, "phase selection: the complement of the channels, solid conducting (-phase 1)\n"));
  ms_tortuosity_opts op = o;
  op.phase              = 1;
  PetscCall(make_volume(world, 9, 9, 6, channels_x, NULL, &v));
  PetscCall(solve(v, 0, &op, &r));
  MS_CHECK_CLOSE(r.porosity, 1 - 6.0 / 54.0, 1e-15, 0);
  MS_CHECK_CLOSE(r.tau, 1.0, TOL, 0);
  PetscCall(solve(v, 1, &op, &r));
  MS_CHECK(r.percolates && r.tau > 1.0);
  PetscCall(ms_volume_destroy(&v));

  PetscCall(PetscPrintf(world, "90-degree rotations of a random volume permute tau_x, tau_y, tau_z\n"));
  rot_ctx rc = {0.62, {14, 12, 10}};
  double  t[3];
  PetscCall(make_volume(world, 14, 12, 10, random_pores, &rc.porosity, &v));
  for (int a = 0; a < 3; a++) {
    PetscCall(solve(v, a, &o, &r));
    MS_CHECK(r.percolates && r.tau > 1.0);
    t[a] = r.tau;
  }
  /* The default physical stopping test (every cross-section carries the inlet current to
   * 1e-4) gives tau to that accuracy, with fewer iterations than the tight solve. */
  ms_tortuosity_opts od;
  PetscCall(ms_tortuosity_opts_init(&od));
  for (int a = 0; a < 3; a++) {
    PetscCall(solve(v, a, &od, &r));
    MS_CHECK_CLOSE(r.tau, t[a], 1e-4, 0);
    MS_CHECK(r.plane_mismatch < 1e-4 && r.current_mismatch <= r.plane_mismatch);
  }
  PetscCall(ms_volume_destroy(&v));
  PetscCall(make_volume(world, 12, 14, 10, rotated_z, &rc, &v));
  PetscCall(solve(v, 0, &o, &r));
  MS_CHECK_CLOSE(r.tau, t[1], 1e-8, 0);
  PetscCall(solve(v, 1, &o, &r));
  MS_CHECK_CLOSE(r.tau, t[0], 1e-8, 0);
  PetscCall(ms_volume_destroy(&v));
  PetscCall(make_volume(world, 14, 10, 12, rotated_x, &rc, &v));
  PetscCall(solve(v, 1, &o, &r));
  MS_CHECK_CLOSE(r.tau, t[2], 1e-8, 0);
  PetscCall(solve(v, 2, &o, &r));
  MS_CHECK_CLOSE(r.tau, t[1], 1e-8, 0);
  PetscCall(ms_volume_destroy(&v));

  /* Near the site-percolation threshold (0.31) clusters branch across slab boundaries many
   * times: the distributed labelling must agree voxel count for voxel count. */
  PetscCall(PetscPrintf(world, "all ranks vs one rank (PETSC_COMM_SELF), porosity 0.62 and 0.36, every axis;\n"
                               "matrix-free vs assembled operator; multigrid vs GAMG\n"));
  const double poro[2] = {0.62, 0.36};
  for (int p = 0; p < 2; p++) {
    ms_volume vs;
    PetscCall(make_volume(world, 16, 14, 12, random_pores, &poro[p], &v));
    PetscCall(make_volume(PETSC_COMM_SELF, 16, 14, 12, random_pores, &poro[p], &vs));
    for (int a = 0; a < 3; a++) {
      PetscCall(solve(v, a, &o, &r));
      PetscCall(ms_tortuosity_solve(vs, a, &o, &q));
      MS_CHECK(r.n_percolating == q.n_percolating && r.n_conducting == q.n_conducting && r.percolates == q.percolates);
      if (r.percolates) MS_CHECK_CLOSE(r.tau, q.tau, 1e-6, 0);
      else MS_CHECK(isinf(q.tau));
      /* The assembled AIJ operator (with SSOR on the finest level) and AMG give the same tau. */
      ms_tortuosity_opts oa = o;
      oa.assemble           = PETSC_TRUE;
      PetscCall(ms_tortuosity_solve(v, a, &oa, &q));
      if (r.percolates) MS_CHECK_CLOSE(r.tau, q.tau, 1e-6, 0);
      if (a == 0 && r.percolates) {
        PetscCall(PetscOptionsSetValue(NULL, "-pc_type", "gamg"));
        PetscCall(ms_tortuosity_solve(v, a, &o, &q));
        PetscCall(PetscOptionsClearValue(NULL, "-pc_type"));
        MS_CHECK(!strcmp(q.pc_type, "gamg"));
        MS_CHECK_CLOSE(r.tau, q.tau, 1e-6, 0);
      }
    }
    PetscCall(ms_volume_destroy(&vs));
    PetscCall(ms_volume_destroy(&v));
  }
  /* -axis all shares one labelling, operator and multigrid hierarchy across the axes (only
   * the Dirichlet face terms change): every axis must give what a solve with its own
   * hierarchy (faces in the finest operator before the Galerkin products, share_setup off)
   * gives, with the same iterations (coarse levels without the faces, or with the previous
   * axis' faces, need more: measured 58-65 instead of 22-25 here).
   * The open box and the random volumes have one spanning cluster (shared set-up); with an
   * x-only channel the masks differ between axes and the operator is rebuilt. */
  PetscCall(PetscPrintf(world, "shared set-up of several axes == one solve per axis (orders x,y,z and z,x,y)\n"));
  for (int p = 0; p < 4; p++) {
    const int order[2][3] = {{0, 1, 2}, {2, 0, 1}};
    if (p == 0) PetscCall(make_volume(world, 12, 10, 8, open_box, NULL, &v));
    else if (p < 3) PetscCall(make_volume(world, 16, 14, 12, random_pores, &poro[p - 1], &v));
    else PetscCall(make_volume(world, 16, 14, 12, pores_and_channel, &poro[0], &v));
    for (int ord = 0; ord < 2; ord++) {
      ms_tortuosity_result all[3];
      PetscCall(ms_tortuosity_solve_axes(v, 3, order[ord], &o, all));
      ms_tortuosity_opts on = o;
      on.share_setup        = PETSC_FALSE;
      for (int k = 0; k < 3; k++) {
        PetscCall(ms_tortuosity_solve(v, order[ord][k], &on, &q));
        PetscCall(PetscPrintf(world, "  axis %s: shared %d tau %.12g its %d | alone tau %.12g its %d\n",
                              ms_tortuosity_axis_name(order[ord][k]), (int)all[k].setup_shared, all[k].tau,
                              (int)all[k].iterations, q.tau, (int)q.iterations));
        MS_CHECK(all[k].axis == order[ord][k] && all[k].percolates == q.percolates && all[k].n_percolating == q.n_percolating);
        MS_CHECK(all[k].iterations == q.iterations);
        if (q.percolates) MS_CHECK_CLOSE(all[k].tau, q.tau, 1e-9, 0);
        else MS_CHECK(isinf(all[k].tau));
        if (p == 0) MS_CHECK(all[k].setup_shared == (k > 0));
        if (p == 3) MS_CHECK(!all[k].setup_shared && all[k].percolates == (order[ord][k] != 1));
      }
    }
    PetscCall(ms_volume_destroy(&v));
  }
  PetscCall(PetscPrintf(world, "(%d rank%s)\n", (int)size, size > 1 ? "s" : ""));
  MS_TEST_END("test_tortuosity");
}
