/* ms_tortuosity.c - tortuosity solve: conductivity map, percolation, finite-volume assembly,
 * KSP solve, currents -> sigma_eff and tau. Model and conventions: ms_tortuosity.h. The
 * linear solver set-up and the physical convergence test are in ms_tortuosity_ksp.c. */
#include "ms_tortuosity_impl.h"
#include <unistd.h>
#include "ms_percolation.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_tortuosity_opts_init(ms_tortuosity_opts *opts)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opts, sizeof *opts));
  opts->phase        = 0;
  opts->mismatch_tol = 1e-4;
  opts->max_it       = 10000;
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

/* Right-hand side and initial guess without assembling (matrix-free operator). */
static PetscErrorCode rhs_and_guess(const ms_tort_slab *s, Mat A, Vec *b, Vec *x)
{
  PetscInt     cols[7];
  PetscScalar  vals[7], *ba, *xa;

  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(A, x, b));
  PetscCall(VecGetArray(*b, &ba));
  PetscCall(VecGetArray(*x, &xa));
  for (int64_t k = 0, li = 0; k < s->nz_local; k++)
    for (int64_t j = 0; j < s->ny; j++)
      for (int64_t i = 0; i < s->nx; i++, li++) (void)ms_tort_row(s, i, j, k, cols, vals, &ba[li], &xa[li]);
  PetscCall(VecRestoreArray(*b, &ba));
  PetscCall(VecRestoreArray(*x, &xa));
  PetscFunctionReturn(0);
}

/* The kept voxels on the two Dirichlet faces and their face conductances 2*sigma. */
static PetscErrorCode face_lists(const ms_tort_slab *s, ms_tort_currents *c)
{
  PetscInt nin = 0, nout = 0;

  PetscFunctionBeginUser;
  for (int pass = 0; pass < 2; pass++) {
    nin = nout = 0;
    for (int64_t k = 0, li = 0; k < s->nz_local; k++)
      for (int64_t j = 0; j < s->ny; j++)
        for (int64_t i = 0; i < s->nx; i++, li++) {
          double sp = ms_tort_sigma(s, li);
          if (sp <= 0) continue;
          int64_t cc = s->axis == 0 ? i : s->axis == 1 ? j : s->z_start + k;
          if (cc == 0) {
            if (pass) { c->idx_in[nin] = (PetscInt)li; c->g_in[nin] = 2 * sp; }
            nin++;
          }
          if (cc == s->n_axis - 1) {
            if (pass) { c->idx_out[nout] = (PetscInt)li; c->g_out[nout] = 2 * sp; }
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

/* Refuse, with the byte count, a volume whose solve cannot fit in this node's memory, rather than
   failing deep inside an allocation. MS_TORT_BYTES_PER_VOXEL is the solver's budget (matrix-free
   finest level, Krylov vectors, coarse levels; docs/design-notes.md), an estimate, so only volumes
   clearly too large are refused. */
#define MS_TORT_BYTES_PER_VOXEL 200.0
static PetscErrorCode check_memory(ms_volume v)
{
  double need = MS_TORT_BYTES_PER_VOXEL * (double)v->nx * (double)v->ny * (double)v->nz_local, most;
  double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&need, &most, 1, MPI_DOUBLE, MPI_MAX, v->comm));
  PetscCheck(!(phys > 0 && most > phys), v->comm, MS_ERR_USER,
             "tortuosity of a %lld x %lld x %lld volume needs about %.0f bytes (%.3g GB, %.0f bytes per voxel) on one rank, more than this "
             "node's memory (%.3g GB): use more ranks (on more nodes) or a smaller volume",
             (long long)v->nx, (long long)v->ny, (long long)v->nz, most, most / 1e9, MS_TORT_BYTES_PER_VOXEL, phys / 1e9);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tortuosity_solve(ms_volume v, int axis, const ms_tortuosity_opts *opts_in, ms_tortuosity_result *res)
{
  ms_tortuosity_opts opts;
  PetscLogEvent      ev_perc, ev_setup, ev_solve;
  ms_tort_slab               s;
  double             sigma_p, t0;
  uint8_t           *cond, *keep;

  PetscFunctionBeginUser;
  if (opts_in) opts = *opts_in;
  else PetscCall(ms_tortuosity_opts_init(&opts));
  PetscCall(check_layout(v, axis));
  PetscCall(check_memory(v));
  PetscCall(PetscLogEventRegister("MsTortPercol", KSP_CLASSID, &ev_perc));
  PetscCall(PetscLogEventRegister("MsTortSetup", KSP_CLASSID, &ev_setup));
  PetscCall(PetscLogEventRegister("MsTortSolve", KSP_CLASSID, &ev_solve));
  PetscCall(PetscMemzero(res, sizeof *res));
  PetscCall(PetscMemzero(&s, sizeof s));
  res->axis = axis;
  s.comm = v->comm;
  s.nx = v->nx; s.ny = v->ny; s.nz = v->nz; s.nxy = v->nx * v->ny;
  s.z_start = v->z_start; s.nz_local = v->nz_local; s.nloc = s.nxy * s.nz_local; s.gofs = s.z_start * s.nxy;
  s.axis = axis;
  s.n_axis = axis == 0 ? s.nx : axis == 1 ? s.ny : s.nz;
  s.data = v->data;
  PetscCall(sigma_table(v->comm, &opts, s.sigma, &sigma_p));

  /* Percolation: only clusters touching both faces carry current or have a unique solution. */
  PetscCall(PetscLogEventBegin(ev_perc, 0, 0, 0, 0));
  t0 = MPI_Wtime();
  PetscCall(PetscMalloc1(s.nloc, &cond));
  PetscCall(PetscMalloc1(s.nloc, &keep));
  for (int64_t li = 0; li < s.nloc; li++) cond[li] = s.sigma[s.data[li]] > 0;
  PetscCall(ms_percolation_keep(v->comm, s.nx, s.ny, s.nz, s.z_start, s.nz_local, axis, cond, keep, &res->n_conducting,
                                &res->n_percolating));
  PetscCall(PetscFree(cond));
  s.keep                   = keep;
  res->percolation_seconds = MPI_Wtime() - t0;
  PetscCall(PetscLogEventEnd(ev_perc, 0, 0, 0, 0));
  double nvox               = (double)(s.nxy * s.nz);
  res->porosity             = (double)res->n_conducting / nvox;
  res->percolating_porosity = (double)res->n_percolating / nvox;
  if (!res->n_percolating) {
    res->percolates             = PETSC_FALSE;
    res->tau                    = INFINITY;
    res->effective_conductivity = 0;
    PetscCall(PetscStrncpy(res->ksp_type, "none", sizeof res->ksp_type));
    PetscCall(PetscStrncpy(res->pc_type, "none", sizeof res->pc_type));
    PetscCall(PetscFree(keep));
    PetscFunctionReturn(0);
  }
  res->percolates = PETSC_TRUE;

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

  /* Set-up: DMDA on the slabs, matrix, right-hand side, initial guess, KSP and PC. */
  Mat               A;
  Vec               b, x;
  KSP               ksp;
  PC                pc;
  ms_tort_currents *cur;
  KSPType           ktype;
  PCType            ptype;
  PetscCall(PetscLogEventBegin(ev_setup, 0, 0, 0, 0));
  t0 = MPI_Wtime();
  PetscCall(PetscMalloc2(s.nxy, &s.s_lo, s.nxy, &s.s_hi));
  PetscCall(exchange_planes(&s));
  PetscCall(PetscNew(&cur));
  cur->comm = v->comm;
  cur->tol  = opts.mismatch_tol;
  PetscCall(face_lists(&s, cur));
  if (matrix_free) {
    PetscCall(ms_tort_op_create(&s, &A));
    PetscCall(rhs_and_guess(&s, A, &b, &x));
  } else PetscCall(assemble(&s, opts.prefix, &A, &b, &x));
  PetscCall(PetscFree2(s.s_lo, s.s_hi));
  PetscCall(PetscFree(keep));
  PetscCall(VecNorm(b, NORM_2, &cur->bnorm));
  cur->A        = A;
  cur->b        = b;
  cur->nx       = (PetscInt)s.nx;
  cur->ny       = (PetscInt)s.ny;
  cur->z_start  = (PetscInt)s.z_start;
  cur->nz_local = (PetscInt)s.nz_local;
  cur->axis     = axis;
  cur->n_axis   = (PetscInt)s.n_axis;
  PetscCall(PetscMalloc1(s.n_axis, &cur->plane));
  ms_tort_layout lay = {(PetscInt)s.nx, (PetscInt)s.ny, (PetscInt)s.nz, (PetscInt)s.z_start, (PetscInt)s.nz_local};
  PetscCall(ms_tort_ksp_create(v->comm, A, &lay, opts.prefix, opts.max_it, cur, &ksp));
  PetscCall(KSPSetUp(ksp));
  res->setup_seconds = MPI_Wtime() - t0;
  PetscCall(PetscLogEventEnd(ev_setup, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(ev_solve, 0, 0, 0, 0));
  t0 = MPI_Wtime();
  PetscCall(KSPSolve(ksp, b, x));
  res->solve_seconds = MPI_Wtime() - t0;
  PetscCall(PetscLogEventEnd(ev_solve, 0, 0, 0, 0));

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
  res->plane_mismatch = cur->plane_mismatch;
  res->current_in       = cur->I_in / sigma_p;
  res->current_out      = cur->I_out / sigma_p;
  res->current_mismatch = cur->mismatch;
  PetscCheck(res->reason > 0, v->comm, PETSC_ERR_NOT_CONVERGED,
             "tortuosity (%s axis): %s/%s did not converge: %s after %d iterations, current mismatch %.3g (tolerance %g); "
             "raise -ksp_max_it or choose another -pc_type",
             ms_tortuosity_axis_name(axis), res->ksp_type, res->pc_type, KSPConvergedReasons[res->reason],
             (int)res->iterations, res->current_mismatch, opts.mismatch_tol);

  /* sigma_eff = I L / (A dPhi) with the full face area A, dPhi = 1, voxel size 1. */
  double area                 = (double)(s.nxy * s.nz) / (double)s.n_axis;
  double current              = 0.5 * (res->current_in + res->current_out);
  res->effective_conductivity = current * (double)s.n_axis / area;
  res->tau                    = res->porosity / res->effective_conductivity;

  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}
