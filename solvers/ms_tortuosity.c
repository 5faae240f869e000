/* ms_tortuosity.c - tortuosity solve: conductivity map, percolation, finite-volume assembly,
 * KSP solve, currents -> sigma_eff and tau. Model and conventions: ms_tortuosity.h. The
 * linear solver set-up and the physical convergence test are in ms_tortuosity_ksp.c. */
#include "ms_tortuosity_impl.h"
#include "ms_percolation.h"
#include "ms_bigarray.h"
#include <math.h>
#include <string.h>
#include <time.h>

PetscErrorCode ms_tortuosity_opts_init(ms_tortuosity_opts *opts)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opts, sizeof *opts));
  opts->phase        = 0;
  opts->mismatch_tol = 1e-4;
  opts->max_it       = 10000;
  opts->share_setup  = PETSC_TRUE;
  opts->compress     = PETSC_TRUE;
  opts->mg_shell_levels = MS_TORTUOSITY_MG_SHELL_LEVELS;
  opts->mg_shell_sweeps = MS_TORTUOSITY_MG_SHELL_SWEEPS;
  opts->n_mg_overcorrect  = 1;
  opts->mg_overcorrect[0] = MS_TORTUOSITY_MG_OVERCORRECT;
  opts->single_coefficients = MS_TORTUOSITY_COEFF_AUTO;
  PetscFunctionReturn(0);
}

const char *ms_tortuosity_axis_name(int axis)
{
  return axis == 0 ? "x" : axis == 1 ? "y" : axis == 2 ? "z" : "?";
}

static PetscErrorCode sigma_table(MPI_Comm comm, const ms_tortuosity_opts *o, double sigma[], double *sigma_p)
{
  PetscFunctionBeginUser;
  for (int v = 0; v < MS_TORTUOSITY_MAX_VALUES; v++) sigma[v] = 0.0;
  if (o->n_conductivities > 0) {
    PetscCheck(o->n_conductivities <= MS_TORTUOSITY_MAX_VALUES, comm, MS_ERR_USER,
               "tortuosity: %d conductivities given, at most %d (one per uint8 voxel value)", o->n_conductivities,
               MS_TORTUOSITY_MAX_VALUES);
    for (int v = 0; v < o->n_conductivities; v++) {
      PetscCheck(isfinite(o->conductivities[v]) && o->conductivities[v] >= 0, comm, MS_ERR_USER,
                 "tortuosity: conductivity of voxel value %d is %g; expected a finite value >= 0", v, o->conductivities[v]);
      sigma[v] = o->conductivities[v];
    }
  } else {
    PetscCheck(o->phase >= 0 && o->phase < MS_TORTUOSITY_MAX_VALUES, comm, MS_ERR_USER,
               "tortuosity: conducting phase %d is not a uint8 voxel value (0..255)", o->phase);
    sigma[o->phase] = 1.0;
  }
  *sigma_p = 0;
  for (int v = 0; v < MS_TORTUOSITY_MAX_VALUES; v++) *sigma_p = PetscMax(*sigma_p, sigma[v]);
  PetscCheck(*sigma_p > 0, comm, MS_ERR_USER, "tortuosity: every conductivity is 0; at least one voxel value must conduct");
  PetscFunctionReturn(0);
}

/* Whether every face conductance of the table (ms_tort_face_g of any two conductivities, one
 * of them possibly repeated) is exactly a float: then float coefficients change no bit. */
static PetscBool conductances_are_floats(const double sigma[])
{
  for (int a = 0; a < MS_TORTUOSITY_MAX_VALUES; a++)
    for (int b = a; b < MS_TORTUOSITY_MAX_VALUES; b++) {
      double g = ms_tort_face_g(sigma[a], sigma[b]);
      if ((double)(float)g != g) return PETSC_FALSE;
    }
  return PETSC_TRUE;
}

/* Conductivities of the neighbouring ranks' boundary planes (kept voxels only). */
static PetscErrorCode exchange_planes(ms_tort_slab *s)
{
  PetscMPIInt rank, size;
  double     *snd_lo, *snd_hi;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(s->comm, &rank));
  PetscCallMPI(MPI_Comm_size(s->comm, &size));
  PetscCall(PetscMalloc2(s->nxy, &snd_lo, s->nxy, &snd_hi));
  for (int64_t j = 0; j < s->nxy; j++) {
    snd_lo[j] = ms_tort_sigma(s, j);
    snd_hi[j] = ms_tort_sigma(s, (s->nz_local - 1) * s->nxy + j);
    s->s_lo[j] = s->s_hi[j] = 0.0;
  }
  PetscMPIInt lo = rank > 0 ? rank - 1 : MPI_PROC_NULL, hi = rank < size - 1 ? rank + 1 : MPI_PROC_NULL, n = (PetscMPIInt)s->nxy;
  PetscCallMPI(MPI_Sendrecv(snd_hi, n, MPI_DOUBLE, hi, 81, s->s_lo, n, MPI_DOUBLE, lo, 81, s->comm, MPI_STATUS_IGNORE));
  PetscCallMPI(MPI_Sendrecv(snd_lo, n, MPI_DOUBLE, lo, 82, s->s_hi, n, MPI_DOUBLE, hi, 82, s->comm, MPI_STATUS_IGNORE));
  PetscCall(PetscFree2(snd_lo, snd_hi));
  PetscFunctionReturn(0);
}

/* Exactly preallocated AIJ (or any -mat_type: SBAIJ gets the upper-triangle counts) with
 * the slab row layout (natural order), filled row by row; b and x0 alongside. */
static PetscErrorCode assemble(ms_tort_slab *s, const char *prefix, Mat *A, Vec *b, Vec *x)
{
  PetscInt   *dnnz, *onnz, *dnnzu, *onnzu, cols[7], n, lo = (PetscInt)s->gofs, hi = (PetscInt)(s->gofs + s->nloc);
  PetscScalar vals[7], bv, xv, *ba, *xa;
  PetscBool   sbaij;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(s->nloc, &dnnz, s->nloc, &onnz, s->nloc, &dnnzu, s->nloc, &onnzu));
  for (int64_t k = 0, li = 0; k < s->nz_local; k++)
    for (int64_t j = 0; j < s->ny; j++)
      for (int64_t i = 0; i < s->nx; i++, li++) {
        n        = ms_tort_row(s, i, j, k, cols, vals, &bv, &xv);
        dnnz[li] = onnz[li] = onnzu[li] = 0;
        dnnzu[li]                       = 1;
        for (PetscInt e = 0; e < n; e++) {
          PetscBool local = (PetscBool)(cols[e] >= lo && cols[e] < hi);
          if (local) dnnz[li]++;
          else onnz[li]++;
          if (e > 0 && cols[e] > cols[0]) {
            if (local) dnnzu[li]++;
            else onnzu[li]++;
          }
        }
      }
  PetscCall(MatCreate(s->comm, A));
  PetscCall(MatSetSizes(*A, (PetscInt)s->nloc, (PetscInt)s->nloc, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(*A, MATAIJ));
  if (prefix) PetscCall(MatSetOptionsPrefix(*A, prefix));
  PetscCall(MatSetFromOptions(*A));
  PetscCall(MatXAIJSetPreallocation(*A, 1, dnnz, onnz, dnnzu, onnzu));
  PetscCall(PetscFree4(dnnz, onnz, dnnzu, onnzu));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)*A, &sbaij, MATSBAIJ, MATSEQSBAIJ, MATMPISBAIJ, ""));
  if (sbaij) PetscCall(MatSetOption(*A, MAT_IGNORE_LOWER_TRIANGULAR, PETSC_TRUE));

  PetscCall(MatCreateVecs(*A, x, b));
  PetscCall(VecGetArray(*b, &ba));
  PetscCall(VecGetArray(*x, &xa));
  for (int64_t k = 0, li = 0; k < s->nz_local; k++)
    for (int64_t j = 0; j < s->ny; j++)
      for (int64_t i = 0; i < s->nx; i++, li++) {
        n = ms_tort_row(s, i, j, k, cols, vals, &ba[li], &xa[li]);
        PetscCall(MatSetValues(*A, 1, cols, n, cols, vals, INSERT_VALUES));
      }
  PetscCall(VecRestoreArray(*b, &ba));
  PetscCall(VecRestoreArray(*x, &xa));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(*A, MAT_SPD, PETSC_TRUE));
  PetscCall(MatSetOption(*A, MAT_SYMMETRY_ETERNAL, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* The kept voxels on the two Dirichlet faces and their face conductances 2*sigma. */
static PetscErrorCode face_lists(const ms_tort_slab *s, const int32_t *vox, const int32_t *coord, PetscInt n_entries, ms_tort_currents *c)
{
  PetscInt nin = 0, nout = 0;

  PetscFunctionBeginUser;
  for (int pass = 0; pass < 2; pass++) {
    nin = nout = 0;
    for (int64_t e = 0; e < n_entries; e++) {
      int64_t cc = coord ? coord[e] : ms_tort_axis_coord(s, e);
      if (cc != 0 && cc != s->n_axis - 1) continue;
      double sp = ms_tort_sigma(s, vox ? vox[e] : e);
      if (sp <= 0) continue;
      if (cc == 0) {
        if (pass) { c->idx_in[nin] = (PetscInt)e; c->g_in[nin] = 2 * sp; }
        nin++;
      }
      if (cc == s->n_axis - 1) {
        if (pass) { c->idx_out[nout] = (PetscInt)e; c->g_out[nout] = 2 * sp; }
        nout++;
      }
    }
    if (!pass) PetscCall(PetscMalloc4(nin + 1, &c->idx_in, nin + 1, &c->g_in, nout + 1, &c->idx_out, nout + 1, &c->g_out));
  }
  c->n_in  = nin;
  c->n_out = nout;
  PetscFunctionReturn(0);
}

static PetscErrorCode check_layout(ms_volume v, int axis)
{
  int64_t mn = v->nz_local;

  PetscFunctionBeginUser;
  PetscCheck(axis >= 0 && axis <= 2, v->comm, MS_ERR_USER, "tortuosity: axis %d is not 0 (x), 1 (y) or 2 (z)", axis);
  PetscCheck(v->nx >= 1 && v->ny >= 1 && v->nz >= 1, v->comm, MS_ERR_USER, "tortuosity: empty volume %lldx%lldx%lld",
             (long long)v->nx, (long long)v->ny, (long long)v->nz);
  PetscCheck(v->nx * v->ny * v->nz < PETSC_MAX_INT, v->comm, PETSC_ERR_SUP,
             "tortuosity: %lld voxels exceed PETSc's 32-bit index range", (long long)(v->nx * v->ny * v->nz));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_INT64_T, MPI_MIN, v->comm));
  PetscCheck(mn >= 1, v->comm, MS_ERR_USER,
             "tortuosity: a rank holds no z-plane of the %lld-plane volume; run on at most nz ranks", (long long)v->nz);
  PetscFunctionReturn(0);
}

/* CPU seconds of this process (setup/solve figures that a loaded machine does not inflate). */
static double cpu_now(void)
{
  struct timespec t;
  return clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) ? 0.0 : (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Per-axis right-hand side and initial guess, the values of ms_tort_row without its row. */
static PetscErrorCode axis_vectors(const ms_tort_slab *s, const int32_t *vox, const int32_t *coord, Vec b, Vec x)
{
  PetscScalar *ba, *xa;
  PetscInt     n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(b, &n));
  PetscCall(VecGetArray(b, &ba));
  PetscCall(VecGetArray(x, &xa));
  for (int64_t e = 0; e < n; e++) {
    int64_t li = vox ? vox[e] : e, c = coord ? coord[e] : ms_tort_axis_coord(s, li);
    double  sp = ms_tort_sigma(s, li);
    ba[e]      = sp > 0 && c == 0 ? 2 * sp : 0;
    xa[e]      = sp > 0 ? 1.0 - ((double)c + 0.5) / (double)s->n_axis : 0;
  }
  PetscCall(VecRestoreArray(b, &ba));
  PetscCall(VecRestoreArray(x, &xa));
  PetscFunctionReturn(0);
}

/* Under the pore operator, the axis coordinate of every entry (cur->coord), for the face lists,
 * the right-hand side and the cross-section sums; NULL for the full grid. */
static PetscErrorCode axis_coords(const ms_tort_slab *s, Mat A, ms_tort_currents *cur)
{
  const int32_t *vox;
  PetscInt       n;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(cur->coord));
  if (!ms_tort_pore_is(A)) PetscFunctionReturn(0);
  PetscCall(ms_tort_pore_vox(A, &vox, &n));
  PetscCall(PetscMalloc1(n + 1, &cur->coord));
  PetscCall(ms_tort_pore_axis_coord(A, s->axis, (PetscInt)s->z_start, cur->coord));
  PetscFunctionReturn(0);
}

/* The current-test context for the axis of s (face lists, cross-section array); keeps its
 * work vector across axes. After axis_coords and the right-hand side b. */
static PetscErrorCode currents_for_axis(const ms_tort_slab *s, Mat A, Vec b, ms_tort_currents *cur)
{
  const int32_t *vox = NULL;
  PetscInt       n   = (PetscInt)s->nloc;

  PetscFunctionBeginUser;
  if (ms_tort_pore_is(A)) PetscCall(ms_tort_pore_vox(A, &vox, &n));
  PetscCall(PetscFree4(cur->idx_in, cur->g_in, cur->idx_out, cur->g_out));
  PetscCall(PetscFree(cur->plane));
  PetscCall(face_lists(s, vox, cur->coord, n, cur));
  PetscCall(VecNorm(b, NORM_2, &cur->bnorm));
  cur->A        = A;
  cur->b        = b;
  cur->nx       = (PetscInt)s->nx;
  cur->ny       = (PetscInt)s->ny;
  cur->z_start  = (PetscInt)s->z_start;
  cur->nz_local = (PetscInt)s->nz_local;
  cur->axis     = s->axis;
  cur->n_axis   = (PetscInt)s->n_axis;
  cur->on_current = PETSC_FALSE;
  PetscCall(PetscMalloc1(s->n_axis, &cur->plane));
  PetscFunctionReturn(0);
}

/* The Dirichlet face terms 2*sigma of the axis in s: on the shared finest operator (exact
 * restore of the previous axis' entries) and, restricted, on every coarse level (faces NULL:
 * the finest operator only, before a hierarchy is built on it). */
static PetscErrorCode set_axis_faces(const ms_tort_currents *cur, Mat A, PC pc, ms_tort_mg_faces *faces)
{
  PetscInt   n = cur->n_in + cur->n_out, *idx;
  PetscReal *add;
  PetscScalar *fa;
  Vec        fadd;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n + 1, &idx, n + 1, &add));
  /* Inlet first, then outlet: the order ms_tort_row adds them (a one-voxel axis has both). */
  for (PetscInt f = 0; f < cur->n_in; f++) idx[f] = cur->idx_in[f], add[f] = cur->g_in[f];
  for (PetscInt f = 0; f < cur->n_out; f++) idx[cur->n_in + f] = cur->idx_out[f], add[cur->n_in + f] = cur->g_out[f];
  PetscCall(ms_tort_op_set_faces(A, n, idx, add));
  if (!faces) {
    PetscCall(PetscFree2(idx, add));
    PetscFunctionReturn(0);
  }
  /* The fine face vector is needed only while it is restricted: the current test's (and
   * PCMG's) scratch vector serves, or a temporary one (8 bytes per voxel less at the peak). */
  if (cur->w) {
    fadd = cur->w;
    PetscCall(PetscObjectReference((PetscObject)fadd));
  } else PetscCall(MatCreateVecs(A, &fadd, NULL));
  PetscCall(VecZeroEntries(fadd));
  PetscCall(VecGetArray(fadd, &fa));
  for (PetscInt f = 0; f < n; f++) fa[idx[f]] += add[f];
  PetscCall(VecRestoreArray(fadd, &fa));
  PetscCall(PetscFree2(idx, add));
  PetscCall(ms_tort_mg_faces_set(pc, faces, fadd));
  PetscCall(VecDestroy(&fadd));
  PetscFunctionReturn(0);
}

/* PCMG's finest-level residual vector is scratch inside each cycle; the current test's
 * cross-section residual b - A x is computed between cycles. One vector serves both (8 bytes
 * per voxel less; the same values: each writes before it reads). */
static PetscErrorCode share_mg_residual(KSP ksp, Mat A, ms_tort_currents *cur)
{
  PC        pc;
  PetscBool mg;
  PetscInt  L;
  Vec       r;

  PetscFunctionBeginUser;
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &mg));
  if (!mg || cur->w) PetscFunctionReturn(0);
  PetscCall(PCMGGetLevels(pc, &L));
  if (L < 2) PetscFunctionReturn(0);
  PetscCall(MatCreateVecs(A, &r, NULL));
  PetscCall(PCMGSetR(pc, L - 1, r)); /* takes a reference */
  cur->w = r;                         /* ours, released by the current test's destroy */
  PetscFunctionReturn(0);
}

/* What -axis all shares: the face-free finest operator, the KSP with its multigrid hierarchy
 * (coarse Galerkin operators, interpolation, LU pattern), vectors and the current test. */
typedef struct {
  Mat               A;
  KSP               ksp;
  Vec               b, x;
  ms_tort_mg_faces *faces;
  ms_tort_currents *cur; /* owned by ksp */
  const uint8_t    *keep; /* the percolation mask the operator was built for */
} shared_solver;

static PetscErrorCode shared_destroy(shared_solver *sh)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tort_mg_faces_destroy(&sh->faces));
  PetscCall(KSPDestroy(&sh->ksp));
  PetscCall(MatDestroy(&sh->A));
  PetscCall(VecDestroy(&sh->b));
  PetscCall(VecDestroy(&sh->x));
  PetscCall(PetscMemzero(sh, sizeof *sh));
  PetscFunctionReturn(0);
}

/* Whether the percolation masks agree on every rank (then the operators differ in faces only). */
static PetscErrorCode same_keep(const ms_tort_slab *s, const uint8_t *a, const uint8_t *b, PetscBool *same)
{
  int eq;

  PetscFunctionBeginUser;
  eq = a && b && (a == b || !memcmp(a, b, (size_t)s->nloc));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &eq, 1, MPI_INT, MPI_LAND, s->comm));
  *same = eq ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Results of a finished solve: currents, sigma_eff, tau. */
static PetscErrorCode axis_results(const ms_tort_slab *s, KSP ksp, Vec x, ms_tort_currents *cur, double sigma_p, double mismatch_tol,
                                   ms_tortuosity_result *res)
{
  KSPType ktype;
  PCType  ptype;
  PC      pc;

  PetscFunctionBeginUser;
  PetscCall(KSPGetConvergedReason(ksp, &res->reason));
  PetscCall(KSPGetIterationNumber(ksp, &res->iterations));
  PetscCall(KSPGetResidualNorm(ksp, &res->residual));
  PetscCall(KSPGetType(ksp, &ktype));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &ptype));
  PetscCall(PetscStrncpy(res->ksp_type, ktype, sizeof res->ksp_type));
  PetscCall(PetscStrncpy(res->pc_type, ptype, sizeof res->pc_type));
  PetscCall(ms_tort_currents_eval(cur, x)); /* whichever test stopped the solve */
  PetscCall(ms_tort_currents_planes(cur, x));
  res->plane_mismatch   = cur->plane_mismatch;
  res->current_in       = cur->I_in / sigma_p;
  res->current_out      = cur->I_out / sigma_p;
  res->current_mismatch = cur->mismatch;
  PetscCheck(res->reason > 0, s->comm, PETSC_ERR_NOT_CONVERGED,
             "tortuosity (%s axis): %s/%s did not converge: %s after %d iterations, current mismatch %.3g (tolerance %g); "
             "raise -ksp_max_it or choose another -pc_type",
             ms_tortuosity_axis_name(s->axis), res->ksp_type, res->pc_type, KSPConvergedReasons[res->reason],
             (int)res->iterations, res->current_mismatch, mismatch_tol);

  /* sigma_eff = I L / (A dPhi) with the full face area A, dPhi = 1, voxel size 1. */
  double area                 = (double)(s->nxy * s->nz) / (double)s->n_axis;
  double current              = 0.5 * (res->current_in + res->current_out);
  res->effective_conductivity = current * (double)s->n_axis / area;
  res->tau                    = res->porosity / res->effective_conductivity;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tortuosity_solve(ms_volume v, int axis, const ms_tortuosity_opts *opts, ms_tortuosity_result *res)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tortuosity_solve_axes(v, 1, &axis, opts, res));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tortuosity_solve_axes(ms_volume v, int naxes, const int axes[], const ms_tortuosity_opts *opts_in,
                                        ms_tortuosity_result res[])
{
  ms_tortuosity_opts opts;
  PetscLogEvent      ev_perc, ev_setup, ev_solve;
  ms_tort_slab       s;
  double             sigma_p, t0, c0;
  uint8_t           *cond, *keep[3] = {NULL, NULL, NULL};
  int64_t            n_perc[3], n_cond;

  PetscFunctionBeginUser;
  if (opts_in) opts = *opts_in;
  else PetscCall(ms_tortuosity_opts_init(&opts));
  PetscCheck(naxes >= 1 && naxes <= 3, v->comm, MS_ERR_USER, "tortuosity: %d axes requested, expected 1 to 3", naxes);
  for (int a = 0; a < naxes; a++) PetscCall(check_layout(v, axes[a]));
  PetscCall(PetscLogEventRegister("MsTortPercol", KSP_CLASSID, &ev_perc));
  PetscCall(PetscLogEventRegister("MsTortSetup", KSP_CLASSID, &ev_setup));
  PetscCall(PetscLogEventRegister("MsTortSolve", KSP_CLASSID, &ev_solve));
  PetscCall(PetscMemzero(res, naxes * sizeof *res));
  PetscCall(PetscMemzero(&s, sizeof s));
  s.comm = v->comm;
  s.nx = v->nx; s.ny = v->ny; s.nz = v->nz; s.nxy = v->nx * v->ny;
  s.z_start = v->z_start; s.nz_local = v->nz_local; s.nloc = s.nxy * s.nz_local; s.gofs = s.z_start * s.nxy;
  s.data = v->data;
  PetscCall(sigma_table(v->comm, &opts, s.sigma, &sigma_p));
  s.compress = opts.compress;
  s.single = (PetscBool)(opts.single_coefficients == 1 ||
                         (opts.single_coefficients == MS_TORTUOSITY_COEFF_AUTO && conductances_are_floats(s.sigma)));
  const double nvox_all = (double)(s.nxy * s.nz);
  PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "volume read", nvox_all));

  /* Percolation: only clusters touching both faces carry current or have a unique solution.
   * One labelling serves every axis; only the face intersection is per axis. */
  PetscCall(PetscLogEventBegin(ev_perc, 0, 0, 0, 0));
  t0 = MPI_Wtime();
  c0 = cpu_now();
  PetscCall(ms_bigarray_alloc(v->comm, (size_t)s.nloc, (void **)&cond));
  for (int a = 0; a < naxes; a++) PetscCall(ms_bigarray_alloc(v->comm, (size_t)s.nloc, (void **)&keep[a]));
  for (int64_t li = 0; li < s.nloc; li++) cond[li] = s.sigma[s.data[li]] > 0;
  PetscCall(ms_percolation_keep_axes(v->comm, s.nx, s.ny, s.nz, s.z_start, s.nz_local, naxes, axes, cond, keep, &n_cond, n_perc));
  ms_bigarray_free(cond);
  res[0].percolation_seconds = MPI_Wtime() - t0; /* shared: charged to the first axis */
  res[0].setup_cpu_seconds   = cpu_now() - c0;
  PetscCall(PetscLogEventEnd(ev_perc, 0, 0, 0, 0));
  PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "percolation masks", nvox_all));

  /* The finest level is matrix-free under the default geometric multigrid; every other
   * preconditioner (and -assemble) needs the assembled AIJ matrix. */
  char      pctype[64] = PCMG;
  PetscBool matrix_free;
  PetscCall(PetscOptionsGetString(NULL, opts.prefix, "-pc_type", pctype, sizeof pctype, NULL));
  PetscCall(PetscStrcmp(pctype, PCMG, &matrix_free));
  PetscMPIInt nranks;
  char        smoother[64] = PCJACOBI;
  PetscBool   jacobi;
  PetscCallMPI(MPI_Comm_size(v->comm, &nranks));
  /* A user-chosen level smoother other than Jacobi (SOR, ILU, ...) needs matrix entries. */
  PetscCall(PetscOptionsGetString(NULL, opts.prefix, "-mg_levels_pc_type", smoother, sizeof smoother, NULL));
  PetscCall(PetscStrcmp(smoother, PCJACOBI, &jacobi));
  matrix_free = (PetscBool)(matrix_free && jacobi && !opts.assemble && (s.nx > 1 || s.ny > 1 || s.nz > nranks));

  shared_solver sh;
  PetscCall(PetscMemzero(&sh, sizeof sh));
  PetscCall(PetscMalloc2(s.nxy, &s.s_lo, s.nxy, &s.s_hi));
  for (int a = 0; a < naxes; a++) {
    ms_tortuosity_result *r = &res[a];
    double                nvox = (double)(s.nxy * s.nz);
    r->axis                 = axes[a];
    r->n_conducting         = n_cond;
    r->n_percolating        = n_perc[a];
    r->porosity             = (double)n_cond / nvox;
    r->percolating_porosity = (double)n_perc[a] / nvox;
    s.axis                  = axes[a];
    s.n_axis                = s.axis == 0 ? s.nx : s.axis == 1 ? s.ny : s.nz;
    s.keep                  = keep[a];
    if (!n_perc[a]) {
      r->percolates             = PETSC_FALSE;
      r->tau                    = INFINITY;
      r->effective_conductivity = 0;
      PetscCall(PetscStrncpy(r->ksp_type, "none", sizeof r->ksp_type));
      PetscCall(PetscStrncpy(r->pc_type, "none", sizeof r->pc_type));
      continue;
    }
    r->percolates = PETSC_TRUE;

    /* Set-up: operator, right-hand side, initial guess, KSP and PC; under the default
     * multigrid shared with the previous axis when the percolation masks agree. */
    KSP               ksp;
    Mat               A;
    Vec               b, x;
    ms_tort_currents *cur;
    PetscCall(PetscLogEventBegin(ev_setup, 0, 0, 0, 0));
    t0 = MPI_Wtime();
    c0 = cpu_now();
    ms_tort_layout lay = {(PetscInt)s.nx, (PetscInt)s.ny, (PetscInt)s.nz, (PetscInt)s.z_start, (PetscInt)s.nz_local};
    if (matrix_free) {
      PetscBool reuse = PETSC_FALSE;
      PC        pc;
      if (opts.share_setup) PetscCall(same_keep(&s, sh.keep, s.keep, &reuse));
      if (!reuse) {
        PetscCall(shared_destroy(&sh));
        PetscCall(exchange_planes(&s));
        if (s.compress) PetscCall(ms_tort_pore_create(&s, &sh.A));
        else PetscCall(ms_tort_op_create_base(&s, &sh.A));
        PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "finest stencil", nvox_all));
        PetscCall(MatCreateVecs(sh.A, &sh.x, &sh.b));
        PetscCall(PetscNew(&sh.cur));
        sh.cur->comm = v->comm;
        sh.cur->tol  = opts.mismatch_tol;
        sh.keep      = s.keep;
      }
      r->setup_shared        = reuse;
      r->single_coefficients = s.single;
      r->compressed          = s.compress;
      A = sh.A; b = sh.b; x = sh.x; cur = sh.cur;
      PetscCall(axis_coords(&s, A, cur));
      {
        const int32_t *vox = NULL;
        PetscInt       nv;
        if (ms_tort_pore_is(A)) PetscCall(ms_tort_pore_vox(A, &vox, &nv));
        PetscCall(axis_vectors(&s, vox, cur->coord, b, x));
      }
      PetscCall(currents_for_axis(&s, A, b, cur));
      if (!opts.share_setup) {
        /* One axis, one hierarchy: the faces go in before the Galerkin products (the
         * reference the shared path must reproduce). */
        PetscCall(set_axis_faces(cur, A, NULL, NULL));
        PetscCall(ms_tort_ksp_create(v->comm, A, &lay, &opts, cur, &sh.ksp));
        PetscCall(share_mg_residual(sh.ksp, A, cur));
      } else {
        if (!reuse) {
          PetscCall(ms_tort_ksp_create(v->comm, A, &lay, &opts, cur, &sh.ksp));
          PetscCall(share_mg_residual(sh.ksp, A, cur));
          PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "coarse levels", nvox_all));
          PetscCall(KSPGetPC(sh.ksp, &pc));
          PetscCall(ms_tort_mg_faces_create(pc, &sh.faces));
        }
        PetscCall(KSPGetPC(sh.ksp, &pc));
        PetscCall(set_axis_faces(cur, A, pc, sh.faces));
        PetscCall(KSPSetOperators(sh.ksp, A, A));
      }
      ksp = sh.ksp;
    } else {
      PetscCall(exchange_planes(&s));
      PetscCall(assemble(&s, opts.prefix, &A, &b, &x));
      PetscCall(PetscNew(&cur));
      cur->comm = v->comm;
      cur->tol  = opts.mismatch_tol;
      PetscCall(currents_for_axis(&s, A, b, cur));
      PetscCall(ms_tort_ksp_create(v->comm, A, &lay, &opts, cur, &ksp));
    }
    PetscCall(KSPSetUp(ksp));
    PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "KSP + multigrid set up", nvox_all));
    r->setup_seconds = MPI_Wtime() - t0;
    r->setup_cpu_seconds += cpu_now() - c0;
    PetscCall(PetscLogEventEnd(ev_setup, 0, 0, 0, 0));

    PetscCall(PetscLogEventBegin(ev_solve, 0, 0, 0, 0));
    t0 = MPI_Wtime();
    c0 = cpu_now();
    PetscCall(KSPSolve(ksp, b, x));
    r->solve_seconds     = MPI_Wtime() - t0;
    r->solve_cpu_seconds = cpu_now() - c0;
    PetscCall(PetscLogEventEnd(ev_solve, 0, 0, 0, 0));
    PetscCall(axis_results(&s, ksp, x, cur, sigma_p, opts.mismatch_tol, r));
    PetscCall(ms_tort_mem_probe(v->comm, opts.memory_log, "solved", nvox_all));
    if (!matrix_free) {
      PetscCall(KSPDestroy(&ksp));
      PetscCall(MatDestroy(&A));
      PetscCall(VecDestroy(&b));
      PetscCall(VecDestroy(&x));
    }
  }
  PetscCall(shared_destroy(&sh));
  PetscCall(PetscFree2(s.s_lo, s.s_hi));
  for (int a = 0; a < naxes; a++) ms_bigarray_free(keep[a]);
  PetscFunctionReturn(0);
}
