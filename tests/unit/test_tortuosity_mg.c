/* test_tortuosity_mg.c - the matrix-free coarse levels of the tortuosity multigrid against
 * PETSc's Galerkin product. Every coarse operator of the hierarchy (stencil shells summed from
 * the finer level's coefficients, and the assembled levels below them) must equal MatPtAP of
 * the explicit finer operator with the explicit interpolation, entry by entry, on volumes
 * with irregular pore masks, isolated pores (decoupled rows), two conductivities, odd sizes
 * and uneven slabs (2 ranks); also after the Dirichlet faces of two axes in turn were put on
 * a hierarchy built face-free (the shared set-up of -axis all), and with float fine-level
 * conductances (-single_coefficients). Then tau with 0, 1 and 2 matrix-free coarse levels and
 * with float conductances agrees to 1e-6 (two conductivities, so the rounding is not exact;
 * a float diagonal, which breaks the row sums, moved tau by 1.6e-6 here). The in-place
 * finest-level Jacobi sweeps give the bits of separate-product sweeps, and the default picks
 * float conductances only where that changes no bit (issue 14 item 2). The pore hierarchy of
 * -compress (finest level on the kept voxels, coarse levels on the aggregates holding them) is
 * the full-grid hierarchy restricted to those cells, operator by operator and interpolation by
 * interpolation, its in-place sweeps are the textbook sweeps to rounding, and its tau is the full
 * grid's to 1e-8 with the same iterations. Runs on 1 and 2 ranks. */
#include "ms_test.h"
#include "ms_rng.h"
#include "ms_percolation.h"
#include "ms_tortuosity_impl.h"

/* Voxel value at a global position: 0 = pore (sigma 1), 1 = second phase (sigma 0.25), 2 = solid;
 * about 45% pore and 10% second phase, so there are isolated pores and dead ends. */
static uint8_t voxel(int64_t x, int64_t y, int64_t z, const int64_t n[3], uint64_t seed)
{
  ms_rng r;
  ms_rng_init(&r, seed, (uint64_t)((z * n[1] + y) * n[0] + x));
  double u = ms_rng_uniform(&r);
  return u < 0.45 ? 0 : u < 0.55 ? 1 : 2;
}

typedef struct {
  ms_tort_slab s;
  uint8_t     *data, *keep;
} slab_case;

static PetscErrorCode slab_exchange(ms_tort_slab *s);

static PetscErrorCode slab_make(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, uint64_t seed, int axis, PetscBool single, slab_case *t)
{
  PetscMPIInt   rank, size;
  ms_tort_slab *s = &t->s;
  const int64_t n[3] = {nx, ny, nz};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMemzero(t, sizeof *t));
  s->comm = comm;
  s->nx = nx; s->ny = ny; s->nz = nz; s->nxy = nx * ny;
  s->nz_local = nz / size + (rank < nz % size); /* uneven slabs: 6 + 5 planes of 11 */
  s->z_start  = rank * (nz / size) + PetscMin(rank, nz % size);
  s->nloc = s->nxy * s->nz_local; s->gofs = s->z_start * s->nxy;
  s->axis = axis; s->n_axis = n[axis];
  s->sigma[0] = 1.0; s->sigma[1] = 0.3; /* 0.3: harmonic means not exact in float */
  s->single   = single;
  uint8_t *cond;
  PetscCall(PetscMalloc2(s->nloc, &t->data, s->nloc, &t->keep));
  PetscCall(PetscMalloc1(s->nloc, &cond));
  for (int64_t k = 0, li = 0; k < s->nz_local; k++)
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++, li++) {
        t->data[li] = voxel(i, j, s->z_start + k, n, seed);
        cond[li]    = t->data[li] < 2;
      }
  /* Percolation along the axis: isolated pores and clusters touching one face only become
   * decoupled rows (diagonal MS_TORT_DECOUPLED_DIAG). */
  PetscCall(ms_percolation_keep_axes(comm, nx, ny, nz, s->z_start, s->nz_local, 1, &axis, cond, &t->keep, NULL, NULL));
  s->data = t->data;
  s->keep = t->keep;
  PetscCall(PetscMalloc2(s->nxy, &s->s_lo, s->nxy, &s->s_hi));
  PetscCall(slab_exchange(s));
  PetscCall(PetscFree(cond));
  PetscFunctionReturn(0);
}

/* The conductivities of the planes next to the slab, as ms_tortuosity.c's exchange (again
 * after a change of s->sigma). */
static PetscErrorCode slab_exchange(ms_tort_slab *s)
{
  PetscMPIInt rank, size;
  MPI_Comm    comm = s->comm;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  double *snd_lo, *snd_hi;
  PetscCall(PetscMalloc2(s->nxy, &snd_lo, s->nxy, &snd_hi));
  for (int64_t j = 0; j < s->nxy; j++) {
    snd_lo[j] = ms_tort_sigma(s, j);
    snd_hi[j] = ms_tort_sigma(s, (s->nz_local - 1) * s->nxy + j);
    s->s_lo[j] = s->s_hi[j] = 0;
  }
  PetscMPIInt lo = rank > 0 ? rank - 1 : MPI_PROC_NULL, hi = rank < size - 1 ? rank + 1 : MPI_PROC_NULL, m = (PetscMPIInt)s->nxy;
  PetscCallMPI(MPI_Sendrecv(snd_hi, m, MPI_DOUBLE, hi, 1, s->s_lo, m, MPI_DOUBLE, lo, 1, comm, MPI_STATUS_IGNORE));
  PetscCallMPI(MPI_Sendrecv(snd_lo, m, MPI_DOUBLE, lo, 2, s->s_hi, m, MPI_DOUBLE, hi, 2, comm, MPI_STATUS_IGNORE));
  PetscCall(PetscFree2(snd_lo, snd_hi));
  PetscFunctionReturn(0);
}

static PetscErrorCode slab_free(slab_case *t)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(t->s.s_lo, t->s.s_hi));
  PetscCall(PetscFree2(t->data, t->keep));
  PetscFunctionReturn(0);
}

/* The Dirichlet face terms of `axis` on the voxels of slab s (kept ones at the two ends):
 * 2 sigma each, local indices; and the same as a vector (the restricted form). */
static PetscErrorCode faces(const ms_tort_slab *s, int axis, PetscInt *n, PetscInt **idx, PetscReal **add, Vec fadd)
{
  PetscScalar *fa;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(s->nloc, idx, s->nloc, add));
  PetscCall(VecZeroEntries(fadd));
  PetscCall(VecGetArray(fadd, &fa));
  const int64_t na = axis == 0 ? s->nx : axis == 1 ? s->ny : s->nz;
  *n = 0;
  for (int64_t k = 0, li = 0; k < s->nz_local; k++)
    for (int64_t j = 0; j < s->ny; j++)
      for (int64_t i = 0; i < s->nx; i++, li++) {
        int64_t c  = axis == 0 ? i : axis == 1 ? j : s->z_start + k;
        double  sp = ms_tort_sigma(s, li);
        for (int end = 0; end < 2; end++)
          if (sp > 0 && c == (end ? na - 1 : 0)) {
            (*idx)[*n]   = (PetscInt)li;
            (*add)[*n]   = 2 * sp;
            fa[li]      += 2 * sp;
            (*n)++;
          }
      }
  PetscCall(VecRestoreArray(fadd, &fa));
  PetscFunctionReturn(0);
}

/* The stencil operator of slab s with the Dirichlet faces of the x axis in place, and those
 * faces as a vector (fadd, created here). */
static PetscErrorCode op_with_x_faces(const ms_tort_slab *s, Mat *A, Vec *fadd)
{
  PetscInt   n = 0, *idx = NULL;
  PetscReal *add = NULL;

  PetscFunctionBeginUser;
  PetscCall(ms_tort_op_create_base(s, A));
  PetscCall(MatCreateVecs(*A, fadd, NULL));
  PetscCall(faces(s, 0, &n, &idx, &add, *fadd));
  PetscCall(ms_tort_op_set_faces(*A, n, idx, add));
  PetscCall(PetscFree2(idx, add));
  PetscFunctionReturn(0);
}

/* max |entry of Ac - P^T Af P| / max |entry of P^T Af P| over every coarse level of pc, with Af
 * the explicit finest operator; also that the first shell_levels coarse levels are shells. */
static PetscErrorCode compare_levels(PC pc, Mat Afine, PetscInt shell_levels, PetscReal *worst)
{
  PetscInt L;
  Mat      Af;

  PetscFunctionBeginUser;
  PetscCall(PCMGGetLevels(pc, &L));
  PetscCall(MatComputeOperator(Afine, MATAIJ, &Af));
  *worst = 0;
  for (PetscInt lev = L - 2; lev >= 0; lev--) {
    KSP       k;
    Mat       Al, P, Pm, ref, got[2] = {NULL, NULL};
    PetscBool shell;
    PetscCall(PCMGGetInterpolation(pc, lev + 1, &P));
    PetscCall(MatComputeOperator(P, MATAIJ, &Pm));
    PetscCall(MatPtAP(Af, Pm, MAT_INITIAL_MATRIX, 2.0, &ref));
    PetscCall(PCMGGetSmoother(pc, lev, &k));
    PetscCall(KSPGetOperators(k, &Al, NULL));
    PetscCall(PetscObjectTypeCompare((PetscObject)Al, MATSHELL, &shell));
    MS_CHECK(shell == (lev > 0 && L - 1 - lev <= shell_levels));
    if (shell) {
      PetscCall(MatComputeOperator(Al, MATAIJ, &got[0])); /* through the fused kernel (MatMult) */
      PetscCall(ms_tort_op_assemble(Al, &got[1]));        /* through the stencil's rows */
    } else PetscCall(MatDuplicate(Al, MAT_COPY_VALUES, &got[0]));
    PetscReal rn;
    PetscCall(MatNorm(ref, NORM_INFINITY, &rn));
    MS_CHECK(rn > 0);
    for (int g = 0; g < 2 && got[g]; g++) {
      PetscReal dn;
      PetscCall(MatAXPY(got[g], -1.0, ref, DIFFERENT_NONZERO_PATTERN));
      PetscCall(MatNorm(got[g], NORM_INFINITY, &dn));
      *worst = PetscMax(*worst, dn / rn);
      PetscCall(MatDestroy(&got[g]));
    }
    PetscCall(MatDestroy(&Pm));
    PetscCall(MatDestroy(&Af));
    Af = ref;
  }
  PetscCall(MatDestroy(&Af));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_hierarchy(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, uint64_t seed, PetscInt shell_levels, PetscBool single)
{
  slab_case t;
  Mat       A;
  PC        pc;
  PetscInt  L, n, *idx;
  PetscReal *add, worst;
  Vec       fadd;

  PetscFunctionBeginUser;
  PetscCall(slab_make(comm, nx, ny, nz, seed, 0, single, &t));
  /* Float fine conductances: the coarse levels are the exact (double) sums of the stored ones. */
  const PetscReal tol = 1e-13;
  ms_tort_layout lay = {(PetscInt)nx, (PetscInt)ny, (PetscInt)nz, (PetscInt)t.s.z_start, (PetscInt)t.s.nz_local};

  /* One axis: faces first, then the hierarchy (-share_setup false). */
  PetscCall(op_with_x_faces(&t.s, &A, &fadd));
  PetscCall(PCCreate(comm, &pc));
  PetscCall(ms_tort_mg_setup(pc, A, &lay, MS_TORT_MG_MAX_LEVELS, 8, shell_levels, 2, 0, NULL, &L));
  MS_CHECK(L >= 4);
  PetscCall(compare_levels(pc, A, shell_levels, &worst));
  PetscCall(PetscPrintf(comm, "  %dx%dx%d seed %d, %d matrix-free coarse levels%s, faces x before set-up: max rel. entry error %.3g\n",
                        (int)nx, (int)ny, (int)nz, (int)seed, (int)shell_levels, single ? " (float)" : "", (double)worst));
  MS_CHECK(worst < tol);
  PetscCall(PCDestroy(&pc));
  PetscCall(MatDestroy(&A));

  /* Shared set-up: hierarchy of the face-free operator, then the faces of y, then of z. */
  PetscCall(ms_tort_op_create_base(&t.s, &A));
  PetscCall(PCCreate(comm, &pc));
  PetscCall(ms_tort_mg_setup(pc, A, &lay, MS_TORT_MG_MAX_LEVELS, 8, shell_levels, 2, 0, NULL, &L));
  ms_tort_mg_faces *mf;
  PetscCall(ms_tort_mg_faces_create(pc, &mf));
  for (int axis = 1; axis <= 2; axis++) {
    PetscCall(faces(&t.s, axis, &n, &idx, &add, fadd));
    PetscCall(ms_tort_op_set_faces(A, n, idx, add));
    PetscCall(ms_tort_mg_faces_set(pc, mf, fadd));
    PetscCall(PetscFree2(idx, add));
    PetscCall(compare_levels(pc, A, shell_levels, &worst));
    PetscCall(PetscPrintf(comm, "  shared hierarchy, faces %s: max rel. entry error %.3g\n", ms_tortuosity_axis_name(axis), (double)worst));
    MS_CHECK(worst < tol);
  }
  PetscCall(ms_tort_mg_faces_destroy(&mf));
  PetscCall(PCDestroy(&pc));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&fadd));
  PetscCall(slab_free(&t));
  PetscFunctionReturn(0);
}

/* The active cells of every level of the pore hierarchy, as global indices of the full grid of
 * that level (natural order): level 0 the kept voxels, level l + 1 the aggregates (2x2x2 inside
 * each rank's slab) holding an active cell of level l. The test's own count, not the solver's. */
typedef struct {
  PetscInt nx, ny, nzl, gofs; /* this rank's slab of the level */
  IS       is;
} level_cells;

static PetscErrorCode active_levels(const ms_tort_slab *s, PetscInt L, level_cells lc[])
{
  MPI_Comm  comm = s->comm;
  uint8_t  *act, *cact;
  PetscInt  nx = (PetscInt)s->nx, ny = (PetscInt)s->ny, nzl = (PetscInt)s->nz_local;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(s->nloc, &act));
  for (int64_t li = 0; li < s->nloc; li++) act[li] = ms_tort_sigma(s, li) > 0;
  for (PetscInt l = 0; l < L; l++) {
    PetscInt n = nx * ny * nzl, m = 0, gofs = 0, *idx;
    PetscCallMPI(MPI_Exscan(&n, &gofs, 1, MPIU_INT, MPI_SUM, comm));
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) gofs = 0;
    PetscCall(PetscMalloc1(n + 1, &idx));
    for (PetscInt li = 0; li < n; li++)
      if (act[li]) idx[m++] = gofs + li;
    lc[l].nx = nx; lc[l].ny = ny; lc[l].nzl = nzl; lc[l].gofs = gofs;
    PetscCall(ISCreateGeneral(comm, m, idx, PETSC_OWN_POINTER, &lc[l].is));
    PetscInt cnx = (nx + 1) / 2, cny = (ny + 1) / 2, cnzl = (nzl + 1) / 2;
    PetscCall(PetscCalloc1(cnx * cny * cnzl + 1, &cact));
    for (PetscInt k = 0; k < nzl; k++)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++)
          if (act[(k * ny + j) * nx + i]) cact[((k / 2) * cny + j / 2) * cnx + i / 2] = 1;
    PetscCall(PetscFree(act));
    act = cact;
    nx = cnx; ny = cny; nzl = cnzl;
  }
  PetscCall(PetscFree(act));
  PetscFunctionReturn(0);
}

/* max |A - B| / max |B| of two assembled matrices of the same layout. */
static PetscErrorCode rel_diff(Mat A, Mat B, PetscReal *r)
{
  Mat       D;
  PetscReal dn, bn;

  PetscFunctionBeginUser;
  PetscCall(MatDuplicate(A, MAT_COPY_VALUES, &D));
  PetscCall(MatAXPY(D, -1.0, B, DIFFERENT_NONZERO_PATTERN));
  PetscCall(MatNorm(D, NORM_MAX, &dn));
  PetscCall(MatNorm(B, NORM_MAX, &bn));
  *r = dn / (bn > 0 ? bn : 1);
  PetscCall(MatDestroy(&D));
  PetscFunctionReturn(0);
}

/* The smoother of a pore-form coarse level (its KSP kp) against PETSc's SOR (omega 1, local
 * symmetric sweep, the AIJ levels' smoother) on the assembled operator B of the same rows:
 * zero and nonzero initial guess, relative difference into *worst. */
static PetscErrorCode check_ssor(MPI_Comm comm, Mat B, KSP kp, PetscReal *worst)
{
  KSP       ks;
  PC        pc;
  Vec       b, x0, xs, xp;
  PetscReal dn, sn;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(comm, &ks));
  PetscCall(KSPSetOperators(ks, B, B));
  PetscCall(KSPSetType(ks, KSPRICHARDSON));
  PetscCall(KSPSetTolerances(ks, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, 1));
  PetscCall(KSPSetNormType(ks, KSP_NORM_NONE));
  PetscCall(KSPGetPC(ks, &pc));
  PetscCall(PCSetType(pc, PCSOR));
  PetscCall(KSPSetNormType(kp, KSP_NORM_NONE));
  PetscCall(MatCreateVecs(B, &x0, &b));
  PetscCall(VecDuplicate(x0, &xs));
  PetscCall(VecDuplicate(x0, &xp));
  PetscRandom rnd;
  PetscCall(PetscRandomCreate(comm, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 5));
  PetscCall(PetscRandomSeed(rnd));
  PetscCall(VecSetRandom(b, rnd));
  PetscCall(VecSetRandom(x0, rnd));
  for (int nonzero = 0; nonzero <= 1; nonzero++) {
    PetscCall(VecCopy(x0, xs));
    PetscCall(VecCopy(x0, xp));
    PetscCall(KSPSetInitialGuessNonzero(ks, nonzero ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(KSPSetInitialGuessNonzero(kp, nonzero ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(KSPSolve(ks, b, xs));
    PetscCall(KSPSolve(kp, b, xp));
    PetscCall(VecAXPY(xp, -1.0, xs));
    PetscCall(VecNorm(xp, NORM_INFINITY, &dn));
    PetscCall(VecNorm(xs, NORM_INFINITY, &sn));
    *worst = PetscMax(*worst, dn / sn);
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x0));
  PetscCall(VecDestroy(&xs));
  PetscCall(VecDestroy(&xp));
  PetscCall(KSPDestroy(&ks));
  PetscFunctionReturn(0);
}

/* The pore hierarchy (-compress: the finest level on the kept voxels, coarse levels on the
 * aggregates holding them) is the full-grid hierarchy restricted to its active cells: every
 * operator and interpolation equal to rounding (the decoupled voxels' 1e-8 diagonal enters the
 * coarse diagonals in another order), with faces before the set-up and with the faces of the
 * shared set-up put on afterwards; conductances 1 and 0.3 (float or double arrays) and 1 and 1
 * (flag bits); and the symmetric Gauss-Seidel of the first coarse level against PETSc's SOR on
 * the same rows. Dropping a decoupled row's 1e-8 from a coarse diagonal, misplacing a ghost
 * index or a kept voxel's x-neighbour, or sweeping with updated ghosts makes it fail. */
static PetscErrorCode check_pore(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, uint64_t seed, PetscBool single, PetscBool unit)
{
  slab_case t;

  PetscFunctionBeginUser;
  PetscCall(slab_make(comm, nx, ny, nz, seed, 0, single, &t));
  if (unit) {
    t.s.sigma[1] = 1.0;
    PetscCall(slab_exchange(&t.s));
  }
  ms_tort_layout lay = {(PetscInt)nx, (PetscInt)ny, (PetscInt)nz, (PetscInt)t.s.z_start, (PetscInt)t.s.nz_local};
  for (int shared = 0; shared <= 1; shared++) {
    Mat            Af, Ap;
    PC             pcf, pcp;
    PetscInt       Lf, Lp, n, *idx, *pidx, np;
    PetscReal     *add, worst = 0, r;
    Vec            ffull, fpore;
    const int32_t *vox;
    int            axis = shared ? 1 : 0;
    PetscCall(ms_tort_op_create_base(&t.s, &Af));
    PetscCall(ms_tort_pore_create(&t.s, &Ap));
    MS_CHECK(ms_tort_pore_is(Ap) && !ms_tort_pore_is(Af));
    PetscCall(ms_tort_pore_vox(Ap, &vox, &np));
    PetscCall(MatCreateVecs(Af, &ffull, NULL));
    PetscCall(MatCreateVecs(Ap, &fpore, NULL));
    PetscCall(faces(&t.s, axis, &n, &idx, &add, ffull));
    /* The same faces in the pore numbering (entry of each voxel). */
    PetscInt *entry;
    PetscCall(PetscMalloc2(t.s.nloc, &entry, n + 1, &pidx));
    for (int64_t li = 0; li < t.s.nloc; li++) entry[li] = -1;
    for (PetscInt e = 0; e < np; e++) entry[vox[e]] = e;
    PetscScalar *fp;
    PetscCall(VecZeroEntries(fpore));
    PetscCall(VecGetArray(fpore, &fp));
    for (PetscInt f = 0; f < n; f++) {
      MS_CHECK(entry[idx[f]] >= 0);
      pidx[f] = entry[idx[f]];
      fp[pidx[f]] += add[f];
    }
    PetscCall(VecRestoreArray(fpore, &fp));
    if (!shared) {
      PetscCall(ms_tort_op_set_faces(Af, n, idx, add));
      PetscCall(ms_tort_op_set_faces(Ap, n, pidx, add));
    }
    PetscCall(PCCreate(comm, &pcf));
    PetscCall(PCCreate(comm, &pcp));
    PetscCall(ms_tort_mg_setup(pcf, Af, &lay, MS_TORT_MG_MAX_LEVELS, 8, 0, 2, 0, NULL, &Lf));
    PetscCall(ms_tort_mg_setup(pcp, Ap, &lay, MS_TORT_MG_MAX_LEVELS, 8, 0, 2, 0, NULL, &Lp));
    MS_CHECK(Lf == Lp && Lp >= 4);
    if (shared) {
      ms_tort_mg_faces *mff, *mfp;
      PetscCall(ms_tort_mg_faces_create(pcf, &mff));
      PetscCall(ms_tort_mg_faces_create(pcp, &mfp));
      PetscCall(ms_tort_op_set_faces(Af, n, idx, add));
      PetscCall(ms_tort_op_set_faces(Ap, n, pidx, add));
      PetscCall(ms_tort_mg_faces_set(pcf, mff, ffull));
      PetscCall(ms_tort_mg_faces_set(pcp, mfp, fpore));
      PetscCall(ms_tort_mg_faces_destroy(&mff));
      PetscCall(ms_tort_mg_faces_destroy(&mfp));
    }
    level_cells lc[MS_TORT_MG_MAX_LEVELS];
    PetscCall(active_levels(&t.s, Lp, lc));
    for (PetscInt l = 0; l < Lp; l++) {
      KSP kf, kp;
      Mat Mf, Mp, Sub, Ff = NULL, Fp = NULL;
      PetscCall(PCMGGetSmoother(pcf, Lp - 1 - l, &kf));
      PetscCall(PCMGGetSmoother(pcp, Lp - 1 - l, &kp));
      PetscCall(KSPGetOperators(kf, &Mf, NULL));
      PetscCall(KSPGetOperators(kp, &Mp, NULL));
      PetscBool fs, ps; /* the shells through their products */
      PetscCall(PetscObjectTypeCompare((PetscObject)Mf, MATSHELL, &fs));
      PetscCall(PetscObjectTypeCompare((PetscObject)Mp, MATSHELL, &ps));
      MS_CHECK(ps == (l < Lp - 1)); /* pore form on every smoothed level, the coarsest assembled */
      if (fs) PetscCall(MatComputeOperator(Mf, MATAIJ, &Ff));
      if (ps) PetscCall(MatComputeOperator(Mp, MATAIJ, &Fp));
      if (fs) Mf = Ff;
      if (ps) Mp = Fp;
      PetscCall(MatCreateSubMatrix(Mf, lc[l].is, lc[l].is, MAT_INITIAL_MATRIX, &Sub));
      PetscCall(rel_diff(Mp, Sub, &r));
      worst = PetscMax(worst, r);
      if (l == 1) PetscCall(check_ssor(comm, Sub, kp, &worst));
      PetscCall(MatDestroy(&Sub));
      PetscCall(MatDestroy(&Ff));
      PetscCall(MatDestroy(&Fp));
      if (l > 0) { /* interpolation from level l to level l - 1 */
        Mat Pf, Pp, Pfm, Ppm;
        PetscCall(PCMGGetInterpolation(pcf, Lp - l, &Pf));
        PetscCall(PCMGGetInterpolation(pcp, Lp - l, &Pp));
        PetscCall(MatComputeOperator(Pf, MATAIJ, &Pfm));
        PetscCall(MatComputeOperator(Pp, MATAIJ, &Ppm));
        PetscCall(MatCreateSubMatrix(Pfm, lc[l - 1].is, lc[l].is, MAT_INITIAL_MATRIX, &Sub));
        PetscCall(rel_diff(Ppm, Sub, &r));
        worst = PetscMax(worst, r);
        PetscCall(MatDestroy(&Sub));
        PetscCall(MatDestroy(&Pfm));
        PetscCall(MatDestroy(&Ppm));
      }
    }
    PetscCall(PetscPrintf(comm, "  pore hierarchy %dx%dx%d, %s, %s, %d levels: max rel. difference to the full grid's, restricted: %.3g\n",
                          (int)nx, (int)ny, (int)nz, unit ? "conductances 0/1 (flags)" : single ? "float conductances" : "double conductances",
                          shared ? "faces y after the set-up" : "faces x before the set-up", (int)Lp, (double)worst));
    MS_CHECK(worst < 1e-13);
    for (PetscInt l = 0; l < Lp; l++) PetscCall(ISDestroy(&lc[l].is));
    PetscCall(PetscFree2(entry, pidx));
    PetscCall(PetscFree2(idx, add));
    PetscCall(PCDestroy(&pcf));
    PetscCall(PCDestroy(&pcp));
    PetscCall(MatDestroy(&Af));
    PetscCall(MatDestroy(&Ap));
    PetscCall(VecDestroy(&ffull));
    PetscCall(VecDestroy(&fpore));
  }
  PetscCall(slab_free(&t));
  PetscFunctionReturn(0);
}

/* The finest-level smoother sweeps in place (two plane buffers instead of a work vector): it
 * must give the bits of the textbook sweep x <- x + 0.7 D^-1 (b - A x) computed with a separate
 * product, for a zero and a nonzero initial guess, 3 sweeps (odd), uneven slabs on 2 ranks. A
 * sweep that reads an already updated plane (a Gauss-Seidel mix) makes it fail. */
static PetscErrorCode check_inplace_sweeps(MPI_Comm comm, PetscBool pore)
{
  slab_case t;
  Mat       A;
  KSP       k;
  Vec       b, x, x0, y, d;

  PetscFunctionBeginUser;
  PetscCall(slab_make(comm, 13, 10, 11, 7, 0, PETSC_FALSE, &t));
  if (pore) PetscCall(ms_tort_pore_create(&t.s, &A));
  else PetscCall(ms_tort_op_create_base(&t.s, &A));
  PetscCall(KSPCreate(comm, &k));
  PetscCall(KSPSetOperators(k, A, A));
  if (pore) PetscCall(ms_tort_pore_smoother(k, A, 3));
  else PetscCall(ms_tort_op_smoother(k, A, 3));
  PetscCall(KSPSetNormType(k, KSP_NORM_NONE));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscInt nent;
  PetscCall(VecGetLocalSize(x, &nent));
  PetscCall(VecDuplicate(x, &x0));
  PetscCall(VecDuplicate(x, &y));
  PetscCall(VecDuplicate(x, &d));
  PetscCall(MatGetDiagonal(A, d));
  PetscScalar *xa, *ba;
  PetscCall(VecGetArray(x0, &xa));
  PetscCall(VecGetArray(b, &ba));
  for (int64_t li = 0; li < nent; li++) {
    ms_rng r;
    ms_rng_init(&r, 3, (uint64_t)(t.s.gofs + li));
    xa[li] = ms_rng_uniform(&r);
    ba[li] = ms_rng_uniform(&r) - 0.5;
  }
  PetscCall(VecRestoreArray(x0, &xa));
  PetscCall(VecRestoreArray(b, &ba));
  for (int nonzero = 0; nonzero <= 1; nonzero++) {
    /* the reference: separate product, new vector per sweep */
    Vec ref;
    PetscCall(VecDuplicate(x, &ref));
    if (nonzero) PetscCall(VecCopy(x0, ref));
    for (int it = 0; it < 3; it++) {
      const PetscScalar *bb, *dd, *yy;
      PetscScalar       *rr;
      PetscCall(MatMult(A, ref, y));
      PetscCall(VecGetArrayRead(b, &bb));
      PetscCall(VecGetArrayRead(d, &dd));
      PetscCall(VecGetArrayRead(y, &yy));
      PetscCall(VecGetArray(ref, &rr));
      for (int64_t li = 0; li < nent; li++) {
        const double v = (it == 0 && !nonzero) ? 0.0 : yy[li], xo = (it == 0 && !nonzero) ? 0.0 : rr[li];
        rr[li] = (it == 0 && !nonzero) ? 0.7 * (bb[li] * (1.0 / dd[li])) : xo + 0.7 * ((bb[li] - v) * (1.0 / dd[li]));
      }
      PetscCall(VecRestoreArray(ref, &rr));
      PetscCall(VecRestoreArrayRead(y, &yy));
      PetscCall(VecRestoreArrayRead(d, &dd));
      PetscCall(VecRestoreArrayRead(b, &bb));
    }
    PetscCall(VecCopy(x0, x));
    PetscCall(KSPSetInitialGuessNonzero(k, nonzero ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(KSPSolve(k, b, x));
    PetscReal diff, scale;
    PetscCall(VecAXPY(ref, -1.0, x));
    PetscCall(VecNorm(ref, NORM_INFINITY, &diff));
    PetscCall(VecNorm(x, NORM_INFINITY, &scale));
    PetscCall(PetscPrintf(comm, "  in-place Jacobi sweeps%s (%s guess): max difference to the separate-product sweeps %g (|x| %g)\n",
                          pore ? " on the kept voxels" : "", nonzero ? "nonzero" : "zero", (double)diff, (double)scale));
    /* The pore kernel sums the neighbours as a tree and uses w/d: the same to rounding. */
    MS_CHECK(scale > 0 && (pore ? diff <= 1e-13 * scale : diff == 0));
    PetscCall(VecDestroy(&ref));
  }
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&x0));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&d));
  PetscCall(KSPDestroy(&k));
  PetscCall(MatDestroy(&A));
  PetscCall(slab_free(&t));
  PetscFunctionReturn(0);
}

/* Over-correction (-mg_overcorrect, issue 14): the cycle with factors alpha must be PETSc's own
 * PCMG with the explicit interpolation alpha_l P (PETSc's AIJ MatMultAdd) and the restriction
 * P^T, to the bit: both compute w + alpha x and the same sums in the same order. With alpha = 1
 * that is the plain Galerkin aggregation cycle, so the option at 1 leaves the iterates as they
 * were; with (1.5, 1.25) it checks the per-level mapping (finest interface first, the last value
 * repeats). A factor put on the restriction or on the wrong level makes it fail. */
static PetscErrorCode check_overcorrect(MPI_Comm comm, int n_alpha, const double *alpha)
{
  slab_case t;
  Mat       A;
  PC        pc, ref;
  PetscInt  L, Lr;
  Vec       fadd, b, y, yr;

  PetscFunctionBeginUser;
  PetscCall(slab_make(comm, 13, 10, 11, 7, 0, PETSC_FALSE, &t));
  ms_tort_layout lay = {13, 10, 11, (PetscInt)t.s.z_start, (PetscInt)t.s.nz_local};
  PetscCall(op_with_x_faces(&t.s, &A, &fadd));
  PetscCall(PCCreate(comm, &pc));
  PetscCall(PCCreate(comm, &ref));
  PetscCall(PCSetOperators(pc, A, A));
  PetscCall(PCSetOperators(ref, A, A));
  PetscCall(ms_tort_mg_setup(pc, A, &lay, MS_TORT_MG_MAX_LEVELS, 8, 0, 2, n_alpha, alpha, &L));
  PetscCall(ms_tort_mg_setup(ref, A, &lay, MS_TORT_MG_MAX_LEVELS, 8, 0, 2, 0, NULL, &Lr));
  MS_CHECK(L == Lr && L >= 4);
  /* ref's shells are the unscaled P (alpha 1): replace them by explicit AIJ alpha_l P and P^T. */
  for (PetscInt lev = L - 1; lev >= 1; lev--) {
    Mat    P, Pm, Rm;
    double a = alpha[PetscMin(L - 1 - lev, (PetscInt)n_alpha - 1)];
    PetscCall(PCMGGetInterpolation(ref, lev, &P));
    PetscCall(MatComputeOperator(P, MATAIJ, &Pm));
    PetscCall(MatTranspose(Pm, MAT_INITIAL_MATRIX, &Rm));
    PetscCall(MatScale(Pm, a));
    PetscCall(PCMGSetInterpolation(ref, lev, Pm));
    PetscCall(PCMGSetRestriction(ref, lev, Rm));
    PetscCall(MatDestroy(&Pm));
    PetscCall(MatDestroy(&Rm));
  }
  PetscCall(PCSetUp(pc));
  PetscCall(PCSetUp(ref));
  PetscCall(MatCreateVecs(A, &b, &y));
  PetscCall(VecDuplicate(y, &yr));
  PetscScalar *ba;
  PetscCall(VecGetArray(b, &ba));
  for (int64_t li = 0; li < t.s.nloc; li++) { /* deterministic, any rank count */
    ms_rng r;
    ms_rng_init(&r, 11, (uint64_t)(t.s.gofs + li));
    ba[li] = ms_rng_uniform(&r) - 0.5;
  }
  PetscCall(VecRestoreArray(b, &ba));
  PetscCall(PCApply(pc, b, y));
  PetscCall(PCApply(ref, b, yr));
  PetscReal diff, scale;
  PetscCall(VecNorm(y, NORM_INFINITY, &scale));
  PetscCall(VecAXPY(yr, -1.0, y));
  PetscCall(VecNorm(yr, NORM_INFINITY, &diff));
  PetscCall(PetscPrintf(comm, "  over-correction %g%s: %d-level cycle vs PCMG with explicit alpha P and P^T: max difference %g (|y| %g)\n",
                        alpha[0], n_alpha > 1 ? " (per level)" : "", (int)L, (double)diff, (double)scale));
  MS_CHECK(diff == 0 && scale > 0);
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&yr));
  PetscCall(VecDestroy(&fadd));
  PetscCall(PCDestroy(&pc));
  PetscCall(PCDestroy(&ref));
  PetscCall(MatDestroy(&A));
  PetscCall(slab_free(&t));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm world;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  world = PETSC_COMM_WORLD;
  PetscCall(PetscPrintf(world, "coarse operators = MatPtAP of the finer operator with the interpolation\n"));
  for (PetscInt sl = 0; sl <= 2; sl++) PetscCall(check_hierarchy(world, 13, 10, 11, 7, sl, PETSC_FALSE));
  PetscCall(check_hierarchy(world, 10, 13, 11, 11, 2, PETSC_FALSE));
  PetscCall(check_hierarchy(world, 13, 10, 11, 7, 2, PETSC_TRUE));
  PetscCall(check_inplace_sweeps(world, PETSC_FALSE));
  PetscCall(check_inplace_sweeps(world, PETSC_TRUE));
  PetscCall(PetscPrintf(world, "pore hierarchy = full-grid hierarchy on the active cells\n"));
  PetscCall(check_pore(world, 13, 10, 11, 7, PETSC_FALSE, PETSC_FALSE));
  PetscCall(check_pore(world, 10, 13, 11, 11, PETSC_TRUE, PETSC_FALSE));
  PetscCall(check_pore(world, 13, 10, 11, 7, PETSC_TRUE, PETSC_TRUE));
  {
    const double one[1] = {1.0}, two[2] = {1.5, 1.25};
    PetscCall(check_overcorrect(world, 1, one));
    PetscCall(check_overcorrect(world, 2, two));
  }

  /* tau with 0, 1, 2 matrix-free coarse levels (the same operators) and with float coefficients
   * (the operator rounded to ~6e-8): the same tau to 1e-6. */
  ms_volume v;
  const int64_t nn[3] = {24, 20, 22};
  PetscCall(ms_volume_create(world, nn[0], nn[1], nn[2], &v));
  for (int64_t k = 0; k < v->nz_local; k++)
    for (int64_t j = 0; j < nn[1]; j++)
      for (int64_t i = 0; i < nn[0]; i++) v->data[(k * nn[1] + j) * nn[0] + i] = voxel(i, j, v->z_start + k, nn, 5);
  /* -pc_mg_levels 4: 24x20x22 / 12x10x11 / 6x5x6 / 3x3x3 (the default stops at 4096 cells). */
  PetscCall(PetscOptionsSetValue(NULL, "-pc_mg_levels", "4"));
  ms_tortuosity_opts o;
  ms_tortuosity_result r[4][3];
  int                  axes[3] = {0, 1, 2};
  /* Two conductivities (1 and 0.3, value 2 insulates); run 3 = 2 levels in single precision. */
  for (int sl = 0; sl <= 3; sl++) {
    PetscCall(ms_tortuosity_opts_init(&o));
    o.mismatch_tol        = 1e-9;
    o.mg_shell_levels     = sl < 3 ? sl : 2;
    o.single_coefficients = sl == 3;
    o.n_conductivities    = 2;
    o.conductivities[0]   = 1.0;
    o.conductivities[1]   = 0.3;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, r[sl]));
    for (int a = 0; a < 3; a++) {
      PetscCall(PetscPrintf(world, "  %d matrix-free coarse levels%s, axis %s: tau %.12g, %d iterations\n", (int)o.mg_shell_levels, sl == 3 ? " (float)" : "", ms_tortuosity_axis_name(a),
                            r[sl][a].tau, (int)r[sl][a].iterations));
      MS_CHECK(r[sl][a].percolates);
      if (sl > 0) MS_CHECK_CLOSE(r[sl][a].tau, r[0][a].tau, 1e-6, 0);
    }
  }
  /* The pore hierarchy (-compress, default) against the full grid's: tau to 1e-8 and the same
   * iterations (they differ only by the 1e-8 diagonal the coarse correction spread into the
   * decoupled rows), one phase and two conductivities, shared and per-axis set-up. */
  for (int c = 0; c < 4; c++) {
    ms_tortuosity_result rc[3], rf[3];
    PetscCall(ms_tortuosity_opts_init(&o));
    MS_CHECK(o.compress);
    if (c % 2) {
      o.n_conductivities  = 2;
      o.conductivities[0] = 1.0;
      o.conductivities[1] = 0.3;
    }
    o.share_setup = c < 2 ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, rc));
    o.compress = PETSC_FALSE;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, rf));
    for (int a = 0; a < 3; a++) {
      PetscCall(PetscPrintf(world, "  %s, %s set-up, axis %s: kept voxels tau %.15g (%d its), full grid %.15g (%d its)\n",
                            c % 2 ? "two conductivities" : "one phase", c < 2 ? "shared" : "per-axis", ms_tortuosity_axis_name(a), rc[a].tau,
                            (int)rc[a].iterations, rf[a].tau, (int)rf[a].iterations));
      MS_CHECK(rc[a].compressed && !rf[a].compressed);
      MS_CHECK_CLOSE(rc[a].tau, rf[a].tau, 1e-8, 0);
      MS_CHECK(rc[a].iterations == rf[a].iterations);
    }
  }
  /* Over-corrected cycles (one factor, and per level) converge to the same tau. */
  for (int c = 0; c < 2; c++) {
    ms_tortuosity_result ro[3];
    PetscCall(ms_tortuosity_opts_init(&o));
    o.mismatch_tol        = 1e-9;
    o.n_conductivities    = 2;
    o.conductivities[0]   = 1.0;
    o.conductivities[1]   = 0.3;
    o.n_mg_overcorrect    = c + 1;
    o.mg_overcorrect[0]   = c ? 1.6 : 1.5;
    o.mg_overcorrect[1]   = 1.3;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, ro));
    for (int a = 0; a < 3; a++) {
      PetscCall(PetscPrintf(world, "  over-correction %s, axis %s: tau %.12g, %d iterations (alpha 1: %d)\n", c ? "1.6,1.3" : "1.5",
                            ms_tortuosity_axis_name(a), ro[a].tau, (int)ro[a].iterations, (int)r[0][a].iterations));
      MS_CHECK(ro[a].percolates);
      MS_CHECK_CLOSE(ro[a].tau, r[0][a].tau, 1e-6, 0);
    }
  }
  /* Float conductances by default only where they are exact: with one conducting phase
   * (conductances 0/1) the default picks float and gives the same bits as double, with the
   * same iterations; with conductivities 1 and 0.3 (harmonic mean 0.4615..., not a float) the
   * default stays double and gives the bits of forced double. Breaking the exactness test
   * (always float) makes the second case fail; never float makes the first report double. */
  for (int two = 0; two <= 1; two++) {
    ms_tortuosity_result rd[3], ra[3];
    PetscCall(ms_tortuosity_opts_init(&o));
    if (two) {
      o.n_conductivities  = 2;
      o.conductivities[0] = 1.0;
      o.conductivities[1] = 0.3;
    }
    MS_CHECK(o.single_coefficients == MS_TORTUOSITY_COEFF_AUTO);
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, ra));
    o.single_coefficients = 0;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, rd));
    for (int a = 0; a < 3; a++) {
      PetscCall(PetscPrintf(world, "  %s, axis %s: default (%s) tau %.17g, double tau %.17g, iterations %d / %d\n",
                            two ? "two conductivities" : "one phase", ms_tortuosity_axis_name(a), ra[a].single_coefficients ? "float" : "double",
                            ra[a].tau, rd[a].tau, (int)ra[a].iterations, (int)rd[a].iterations));
      MS_CHECK(ra[a].single_coefficients == (two ? PETSC_FALSE : PETSC_TRUE));
      MS_CHECK(!rd[a].single_coefficients);
      MS_CHECK(ra[a].tau == rd[a].tau);
      MS_CHECK(ra[a].iterations == rd[a].iterations);
    }
  }
  PetscCall(PetscOptionsClearValue(NULL, "-pc_mg_levels"));
  PetscCall(ms_volume_destroy(&v));

  /* Solid upper half (on 2 ranks the upper rank holds no kept voxel: empty pore levels, ghosts
   * of zero length): the pore hierarchy still gives the full grid's tau along x and y, and z
   * does not percolate. */
  const int64_t nh[3] = {20, 18, 16};
  PetscCall(ms_volume_create(world, nh[0], nh[1], nh[2], &v));
  for (int64_t k = 0; k < v->nz_local; k++)
    for (int64_t j = 0; j < nh[1]; j++)
      for (int64_t i = 0; i < nh[0]; i++)
        v->data[(k * nh[1] + j) * nh[0] + i] = v->z_start + k >= nh[2] / 2 ? 2 : (j % 4 == 0 ? 0 : voxel(i, j, v->z_start + k, nh, 9));
  {
    ms_tortuosity_result rc[3], rf[3];
    PetscCall(ms_tortuosity_opts_init(&o));
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, rc));
    o.compress = PETSC_FALSE;
    PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &o, rf));
    for (int a = 0; a < 3; a++) {
      PetscCall(PetscPrintf(world, "  solid upper half, axis %s: kept voxels tau %.15g (%d its), full grid %.15g (%d its)\n",
                            ms_tortuosity_axis_name(a), rc[a].tau, (int)rc[a].iterations, rf[a].tau, (int)rf[a].iterations));
      MS_CHECK(rc[a].percolates == (a < 2) && rf[a].percolates == (a < 2));
      if (a < 2) {
        MS_CHECK_CLOSE(rc[a].tau, rf[a].tau, 1e-8, 0);
        MS_CHECK(rc[a].iterations == rf[a].iterations);
      }
    }
  }
  PetscCall(ms_volume_destroy(&v));
  MS_TEST_END("test_tortuosity_mg");
}
