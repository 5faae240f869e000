/* ms_pca.c - PCA by the eigen-decomposition of the reduced covariance (see ms_pca.h). */
#include "ms_pca.h"
#include "ms_h5.h"
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

PetscErrorCode ms_pca_set_scaler(ms_pca p, const char *type)
{
  PetscFunctionBeginUser;
  PetscCall(ms_scaler_destroy(&p->scaler));
  if (type && strcmp(type, "none")) PetscCall(ms_scaler_create(type, &p->scaler));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_create(ms_pca *out)
{
  ms_pca p;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  p->scalapack_min_d = MS_PCA_SCALAPACK_MIN_D_DEFAULT;
  p->grid            = MS_GRID_AUTO;
  p->nb              = MS_SCALAPACK_NB_DEFAULT;
  *out               = p;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_pca_clear(ms_pca p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(p->mean));
  PetscCall(PetscFree(p->components));
  PetscCall(PetscFree(p->explained_variance));
  PetscCall(PetscFree(p->explained_variance_ratio));
  PetscCall(PetscFree(p->singular_values));
  if (p->feature_names) ms_strings_free((int)p->d, &p->feature_names);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_destroy(ms_pca *p)
{
  PetscFunctionBeginUser;
  if (!*p) PetscFunctionReturn(0);
  PetscCall(ms_pca_clear(*p));
  PetscCall(ms_scaler_destroy(&(*p)->scaler));
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_set_from_options(MPI_Comm comm, ms_pca p)
{
  PetscInt  k = (PetscInt)p->n_components_req, md = (PetscInt)p->scalapack_min_d, nb = p->nb;
  PetscBool std = p->scaler && !strcmp(ms_scaler_type(p->scaler), "standard") ? PETSC_TRUE : PETSC_FALSE, std_set;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "Principal component analysis", NULL);
  PetscCall(PetscOptionsInt("-pca_n_components", "Components kept (0: min(rows, features))", NULL, k, &k, NULL));
  PetscCall(PetscOptionsInt("-pca_scalapack_min_d", "Features from which ScaLAPACK pdsyevd is used on more than one rank", NULL, md,
                            &md, NULL));
  PetscCall(PetscOptionsEnum("-pca_grid", "ScaLAPACK process grid: auto, row (1 x P), col (P x 1)", NULL, ms_grid_shape_names,
                             (PetscEnum)p->grid, (PetscEnum *)&p->grid, NULL));
  PetscCall(PetscOptionsInt("-pca_scalapack_nb", "ScaLAPACK block size", NULL, nb, &nb, NULL));
  PetscCall(PetscOptionsBool("-pca_standardize", "Scale every column to zero mean and unit variance before the PCA (StandardScaler)", NULL,
                             std, &std, &std_set));
  PetscOptionsEnd();
  if (std_set) PetscCall(ms_pca_set_scaler(p, std ? "standard" : NULL));
  if (k < 0) SETERRQ(comm, MS_ERR_USER, "-pca_n_components must be >= 0, got %d", (int)k);
  if (nb < 1) SETERRQ(comm, MS_ERR_USER, "-pca_scalapack_nb must be >= 1, got %d", (int)nb);
  p->n_components_req = k;
  p->scalapack_min_d  = md;
  p->nb               = (int)nb;
  PetscFunctionReturn(0);
}

/* Rows centred per BLAS call: about 2 MB of centred rows, so the block stays in cache
 * between the centring and dsyrk/dgemm and the fit never holds a centred copy of X (an
 * n x d copy and an n x k score matrix cost more in first-touch page faults than the flops
 * of the products themselves: benchmarks/RESULTS.md, "gpr and pca", profile). */
static int64_t ms_pca_block_rows(int64_t d)
{
  return PetscMax((int64_t)64, ((int64_t)1 << 18) / PetscMax(d, (int64_t)1));
}

static void ms_pca_centre(int64_t b, int64_t d, const double *X, const double *mean, double *Xc)
{
  for (int64_t i = 0; i < b; i++)
    for (int64_t j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j] - mean[j];
}

/* Eigenpairs of the replicated symmetric d x d matrix C (column-major = row-major by
 * symmetry): w ascending, Z column-major eigenvectors, identical on every rank. With k < d
 * wanted on one rank only the k largest are computed (dsyevr, RANGE 'I': w[0..k) and Z's
 * first k columns, ascending); *n_found says how many pairs w and Z hold. */
static PetscErrorCode ms_pca_eigen(ms_pca p, MPI_Comm comm, int64_t d, int64_t k, double *C, double *w, double *Z, int64_t *n_found)
{
  PetscMPIInt rank, size;
  int         info = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  p->used_scalapack = (size > 1 && d >= p->scalapack_min_d) ? PETSC_TRUE : PETSC_FALSE;
  *n_found          = d;
  if (!p->used_scalapack) {
    /* one rank solves and broadcasts, so the replicated model is bitwise the same everywhere */
    if (!rank) {
      if (k < d) {
        /* only the k largest pairs: the tridiagonal solve and back-transformation then cost
           O(d^2 k) instead of O(d^3) on top of the reduction to tridiagonal form */
        lapack_int  m, *isuppz;
        PetscCall(PetscMalloc1(2 * k, &isuppz));
        info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', (lapack_int)d, C, (lapack_int)d, 0.0, 0.0, (lapack_int)(d - k + 1),
                              (lapack_int)d, 0.0, &m, w, Z, (lapack_int)d, isuppz);
        PetscCall(PetscFree(isuppz));
        if (!info && m != (lapack_int)k) info = -1000 - (int)m;
      } else {
        PetscCall(PetscArraycpy(Z, C, d * d));
        info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)d, Z, (lapack_int)d, w);
      }
    }
    PetscCallMPI(MPI_Bcast(&info, 1, MPI_INT, 0, comm));
    if (info) SETERRQ(comm, PETSC_ERR_LIB, "PCA: %s did not converge (info %d)", k < d ? "dsyevr" : "dsyevd", info);
    *n_found = k < d ? k : d;
    PetscCallMPI(MPI_Bcast(w, (int)*n_found, MPI_DOUBLE, 0, comm));
    for (int64_t off = 0; off < d * *n_found; off += (int64_t)1 << 28)
      PetscCallMPI(MPI_Bcast(Z + off, (int)PetscMin(d * *n_found - off, (int64_t)1 << 28), MPI_DOUBLE, 0, comm));
  } else {
    ms_blacs g;
    ms_dmat  A, E;
    int      n = (int)d, one = 1, lwork = -1, liwork = -1, *iwork, iw;
    double  *work, wq;
    /* pdsyevd's back-transformation (PDORMTR) rejects its own workspace when the whole
       matrix fits in one block; blocks no larger than d / P avoid that case */
    PetscCall(ms_blacs_create(comm, p->grid, PetscMax(1, PetscMin(p->nb, (int)(d / size))), &g));
    PetscCall(ms_dmat_create(g, n, n, &A));
    PetscCall(ms_dmat_create(g, n, n, &E));
    PetscCall(ms_dmat_from_replicated(&A, C));
    /* pdsyevd only computes with vectors and needs its workspace sizes asked first */
    pdsyevd_("V", "L", &n, A.a, &one, &one, A.desc, w, E.a, &one, &one, E.desc, &wq, &lwork, &iw, &liwork, &info, 1, 1);
    if (info) SETERRQ(comm, PETSC_ERR_LIB, "PCA: pdsyevd workspace query failed (info %d)", info);
    {
      /* The query under-reports what PDORMTR needs for small matrices (it then stops with
         "parameter 16 had an illegal value" and leaves the vectors untransformed), so take
         the larger of the query and the documented bound
         max(1 + 6n + 2 np nq, 3n + max(nb (np + 1), 3 nb)) + 2n. */
      int zero = 0, np_ = numroc_(&n, &g->nb, &g->myrow, &zero, &g->nprow), nq = numroc_(&n, &g->nb, &g->mycol, &zero, &g->npcol);
      int trilwmin = 3 * n + PetscMax(g->nb * (np_ + 1), 3 * g->nb);
      int bound    = PetscMax(1 + 6 * n + 2 * np_ * nq, trilwmin) + 2 * n;
      lwork        = PetscMax((int)wq, bound) + 1;
      liwork       = PetscMax(iw, 7 * n + 8 * g->npcol + 2);
    }
    PetscCall(PetscMalloc2(lwork, &work, liwork, &iwork));
    pdsyevd_("V", "L", &n, A.a, &one, &one, A.desc, w, E.a, &one, &one, E.desc, work, &lwork, iwork, &liwork, &info, 1, 1);
    PetscCall(PetscFree2(work, iwork));
    if (info) SETERRQ(comm, PETSC_ERR_LIB, "PCA: pdsyevd did not converge (info %d)", info);
    PetscCall(ms_dmat_to_replicated(&E, Z));
    PetscCall(ms_dmat_destroy(&A));
    PetscCall(ms_dmat_destroy(&E));
    PetscCall(ms_blacs_destroy(&g));
    /* w is returned on every rank; take rank 0's so all ranks agree bitwise */
    PetscCallMPI(MPI_Bcast(w, (int)d, MPI_DOUBLE, 0, comm));
  }
  PetscFunctionReturn(0);
}

/* sklearn's svd_flip: make the largest-|score| entry of every component positive (first
 * row on ties: MPI_MAXLOC keeps the lower index, like numpy's argmax). The scores are
 * formed a block of rows at a time (dgemm on the centred block) and scanned row by row, so
 * neither the centred data nor the n x k scores are ever held whole. */
static PetscErrorCode ms_pca_flip(ms_pca p, MPI_Comm comm, int64_t n_local, int64_t row0, const double *X)
{
  const int64_t k = p->k, d = p->d, B = PetscMin(ms_pca_block_rows(d), PetscMax(n_local, (int64_t)1));
  double       *S, *Xc, *sgn, *val;
  struct { double v; int i; } *loc;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc5(B * k, &S, B * d, &Xc, k, &loc, k, &sgn, k, &val));
  for (int64_t c = 0; c < k; c++) {
    loc[c].v = -1.0;
    loc[c].i = INT32_MAX;
    val[c]   = 0.0;
  }
  for (int64_t i0 = 0; i0 < n_local; i0 += B) {
    const int64_t b = PetscMin(B, n_local - i0);
    ms_pca_centre(b, d, X + i0 * d, p->mean, Xc);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)k, (int)d, 1.0, Xc, (int)d, p->components, (int)d, 0.0, S,
                (int)k);
    for (int64_t i = 0; i < b; i++)
      for (int64_t c = 0; c < k; c++)
        if (fabs(S[i * k + c]) > loc[c].v) {
          loc[c].v = fabs(S[i * k + c]);
          loc[c].i = (int)(row0 + i0 + i);
          val[c]   = S[i * k + c];
        }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, (int)k, MPI_DOUBLE_INT, MPI_MAXLOC, comm));
  for (int64_t c = 0; c < k; c++) {
    int64_t i = loc[c].i - row0;
    sgn[c]    = (i >= 0 && i < n_local) ? (val[c] < 0 ? -1.0 : 1.0) : 0.0;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sgn, (int)k, MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t c = 0; c < k; c++)
    if (sgn[c] < 0)
      for (int64_t j = 0; j < d; j++) p->components[c * d + j] = -p->components[c * d + j];
  PetscCall(PetscFree5(S, Xc, loc, sgn, val));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_pca_fit_core(ms_pca p, MPI_Comm comm, int64_t n_local, int64_t d, const double *X)
{
  int64_t n, row0 = 0, kmax, B, n_found = 0;
  double *Xc, *C, *w, *Z, trace = 0.0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&n_local, &n, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscCallMPI(MPI_Exscan(&n_local, &row0, 1, MPI_INT64_T, MPI_SUM, comm));
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) row0 = 0;
  }
  if (n < 2 || d < 1) SETERRQ(comm, MS_ERR_USER, "PCA needs at least 2 rows and 1 feature, got %" PRId64 " x %" PRId64, n, d);
  if (n > INT32_MAX) SETERRQ(comm, MS_ERR_USER, "PCA: %" PRId64 " rows exceed the 32-bit row index of the sign rule", n);
  kmax = PetscMin(n, d);
  if (p->n_components_req > kmax)
    SETERRQ(comm, MS_ERR_USER, "-pca_n_components %" PRId64 " exceeds min(rows, features) = %" PRId64, p->n_components_req, kmax);
  PetscCall(ms_pca_clear(p));
  p->n_samples = n;
  p->d         = d;
  p->k         = p->n_components_req ? p->n_components_req : kmax;
  PetscCall(PetscCalloc1(d, &p->mean));
  for (int64_t i = 0; i < n_local; i++)
    for (int64_t j = 0; j < d; j++) p->mean[j] += X[i * d + j];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, p->mean, (int)d, MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t j = 0; j < d; j++) p->mean[j] /= (double)n;
  /* centre first, then form the Gram matrix: no cancellation from sum x x^T - n m m^T;
     block by block into one cache-sized buffer, dsyrk accumulating */
  B = PetscMin(ms_pca_block_rows(d), PetscMax(n_local, (int64_t)1));
  PetscCall(PetscMalloc1(B * d, &Xc));
  PetscCall(PetscCalloc3(d * d, &C, d, &w, d * d, &Z));
  for (int64_t i0 = 0; i0 < n_local; i0 += B) {
    const int64_t b = PetscMin(B, n_local - i0);
    ms_pca_centre(b, d, X + i0 * d, p->mean, Xc);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)d, (int)b, 1.0, Xc, (int)d, 1.0, C, (int)d);
  }
  PetscCall(PetscFree(Xc));
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < i; j++) C[j * d + i] = C[i * d + j];
  for (int64_t off = 0; off < d * d; off += (int64_t)1 << 28)
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, C + off, (int)PetscMin(d * d - off, (int64_t)1 << 28), MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t i = 0; i < d * d; i++) C[i] /= (double)(n - 1);
  for (int64_t j = 0; j < d; j++) trace += C[j * d + j];
  PetscCall(ms_pca_eigen(p, comm, d, p->k, C, w, Z, &n_found));
  PetscCall(PetscMalloc1(p->k * d, &p->components));
  PetscCall(PetscMalloc1(p->k, &p->explained_variance));
  PetscCall(PetscMalloc1(p->k, &p->explained_variance_ratio));
  PetscCall(PetscMalloc1(p->k, &p->singular_values));
  p->total_variance = trace;
  for (int64_t c = 0; c < p->k; c++) {
    int64_t src = n_found - 1 - c; /* both solvers sort ascending */
    double  ev  = PetscMax(w[src], 0.0);
    p->explained_variance[c]       = ev;
    p->explained_variance_ratio[c] = trace > 0 ? ev / trace : 0.0;
    p->singular_values[c]          = sqrt(ev * (double)(n - 1));
    for (int64_t j = 0; j < d; j++) p->components[c * d + j] = Z[src * d + j];
  }
  p->noise_variance = 0.0;
  if (p->k < kmax) {
    if (n_found == d)
      for (int64_t c = p->k; c < kmax; c++) p->noise_variance += PetscMax(w[d - 1 - c], 0.0);
    else {
      /* only the kept eigenvalues were computed: the discarded ones sum to the trace minus the
         kept ones (eigenvalues beyond min(n, d) are zero up to rounding) */
      p->noise_variance = trace;
      for (int64_t c = 0; c < p->k; c++) p->noise_variance -= p->explained_variance[c];
      p->noise_variance = PetscMax(p->noise_variance, 0.0);
    }
    p->noise_variance /= (double)(kmax - p->k);
  }
  PetscCall(PetscFree3(C, w, Z));
  PetscCall(ms_pca_flip(p, comm, n_local, row0, X));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_fit(ms_pca p, MPI_Comm comm, int64_t n_local, int64_t d, const double *X)
{
  ms_dataset ds;

  PetscFunctionBeginUser;
  if (!p->scaler) {
    PetscCall(ms_pca_fit_core(p, comm, n_local, d, X));
    PetscFunctionReturn(0);
  }
  /* the scaler fits on a dataset (its column statistics are reduced over the dataset's comm) */
  PetscCall(ms_dataset_create(comm, n_local, d, &ds));
  PetscCall(PetscArraycpy(ds->X, X, n_local * d));
  PetscCall(ms_pca_fit_dataset(p, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_fit_dataset(ms_pca p, ms_dataset ds)
{
  PetscMPIInt rank, size;
  int64_t     n_local = ds->n_local;
  double     *Xs      = NULL;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  /* a replicated table: rank 0 contributes its rows so nothing is counted twice */
  if (ds->replicated && rank) n_local = 0;
  if (p->scaler) {
    if (ds->replicated && size > 1) {
      ms_dataset sh;
      int64_t   *idx;
      PetscCall(PetscMalloc1(ds->n_global + 1, &idx));
      for (int64_t i = 0; i < ds->n_global; i++) idx[i] = i;
      PetscCall(ms_dataset_select(ds, ds->comm, ds->n_global, idx, &sh));
      PetscCall(PetscFree(idx));
      PetscCall(ms_scaler_fit(p->scaler, sh));
      PetscCall(ms_dataset_destroy(&sh));
    } else PetscCall(ms_scaler_fit(p->scaler, ds));
    PetscCall(PetscMalloc1(n_local * ds->n_features + 1, &Xs));
    PetscCall(PetscArraycpy(Xs, ds->X, n_local * ds->n_features));
    PetscCall(ms_scaler_transform(p->scaler, n_local, ds->n_features, Xs));
  }
  PetscCall(ms_pca_fit_core(p, ds->comm, n_local, ds->n_features, Xs ? Xs : ds->X));
  PetscCall(PetscFree(Xs));
  if (ds->feature_names) {
    PetscCall(PetscMalloc1(p->d, &p->feature_names));
    for (int64_t j = 0; j < p->d; j++) PetscCall(PetscStrallocpy(ds->feature_names[j], &p->feature_names[j]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_scores(ms_pca p, ms_dataset ds, ms_dataset *out)
{
  ms_dataset s;
  char     **names;

  PetscFunctionBeginUser;
  if (ds->n_features != p->d)
    SETERRQ(ds->comm, MS_ERR_USER, "PCA: the table has %" PRId64 " feature columns, the fitted PCA %" PRId64, ds->n_features, p->d);
  if (p->feature_names && ds->feature_names)
    for (int64_t j = 0; j < p->d; j++)
      if (strcmp(p->feature_names[j], ds->feature_names[j]))
        SETERRQ(ds->comm, MS_ERR_USER, "PCA: feature column %" PRId64 " of the table is '%s', the fitted PCA expects '%s'", j + 1,
                ds->feature_names[j], p->feature_names[j]);
  PetscCall(ms_dataset_create(ds->comm, ds->n_local, p->k, &s));
  PetscCall(ms_pca_transform(p, ds->n_local, ds->X, s->X));
  PetscCall(PetscMalloc1(p->k, &names));
  for (int64_t c = 0; c < p->k; c++) {
    char buf[32];
    PetscCall(PetscSNPrintf(buf, sizeof buf, "PC%" PRId64, c + 1));
    PetscCall(PetscStrallocpy(buf, &names[c]));
  }
  PetscCall(ms_dataset_set_feature_names(s, names));
  ms_strings_free((int)p->k, &names);
  if (ds->labels) PetscCall(ms_dataset_set_labels(s, ds->target_name, ds->n_classes, ds->class_names, ds->labels));
  else if (ds->y) PetscCall(ms_dataset_set_target(s, ds->target_name, ds->y));
  if (ds->ids) {
    PetscCall(PetscStrallocpy(ds->id_name, &s->id_name));
    PetscCall(PetscMalloc1(ds->n_local + 1, &s->ids));
    for (int64_t i = 0; i < ds->n_local; i++) PetscCall(PetscStrallocpy(ds->ids[i], &s->ids[i]));
  }
  s->replicated = ds->replicated;
  *out          = s;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_transform(ms_pca p, int64_t n, const double *X, double *scores)
{
  double *Xc;

  PetscFunctionBeginUser;
  if (!p->components) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ORDER, "PCA: transform before fit");
  if (n == 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(n * p->d, &Xc));
  PetscCall(PetscArraycpy(Xc, X, n * p->d));
  if (p->scaler) PetscCall(ms_scaler_transform(p->scaler, n, p->d, Xc));
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < p->d; j++) Xc[i * p->d + j] -= p->mean[j];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)p->k, (int)p->d, 1.0, Xc, (int)p->d, p->components,
              (int)p->d, 0.0, scores, (int)p->k);
  PetscCall(PetscFree(Xc));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_inverse_transform(ms_pca p, int64_t n, const double *scores, double *X)
{
  PetscFunctionBeginUser;
  if (!p->components) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ORDER, "PCA: inverse transform before fit");
  if (n == 0) PetscFunctionReturn(0);
  for (int64_t i = 0; i < n; i++) PetscCall(PetscArraycpy(X + i * p->d, p->mean, p->d));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p->d, (int)p->k, 1.0, scores, (int)p->k, p->components,
              (int)p->d, 1.0, X, (int)p->d);
  if (p->scaler) PetscCall(ms_scaler_inverse(p->scaler, n, p->d, X));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_save(ms_pca p, hid_t group)
{
  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_set_int(group, "n_samples", p->n_samples));
  PetscCall(ms_h5_attr_set_double(group, "noise_variance", p->noise_variance));
  PetscCall(ms_h5_attr_set_double(group, "total_variance", p->total_variance));
  PetscCall(ms_h5_write_rows_double(group, "mean", p->d, 0, p->d, 0, p->mean));
  PetscCall(ms_h5_write_rows_double(group, "components", p->k, 0, p->k, p->d, p->components));
  PetscCall(ms_h5_write_rows_double(group, "explained_variance", p->k, 0, p->k, 0, p->explained_variance));
  PetscCall(ms_h5_write_rows_double(group, "explained_variance_ratio", p->k, 0, p->k, 0, p->explained_variance_ratio));
  PetscCall(ms_h5_write_rows_double(group, "singular_values", p->k, 0, p->k, 0, p->singular_values));
  if (p->feature_names) PetscCall(ms_h5_attr_set_strings(group, "column_names", (int)p->d, p->feature_names));
  if (p->scaler) {
    hid_t sg;
    PetscCall(ms_h5_group_ensure(group, "scaler", &sg));
    PetscCall(ms_scaler_save(p->scaler, sg));
    H5Gclose(sg);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_pca_load(hid_t group, ms_pca *out)
{
  ms_pca  p;
  int     rank;
  int64_t dims[3];

  PetscFunctionBeginUser;
  PetscCall(ms_pca_create(&p));
  PetscCall(ms_h5_dataset_shape(group, "components", &rank, dims));
  if (rank != 2) SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "PCA: 'components' must be a 2-D dataset (k x d)");
  p->k = dims[0];
  p->d = dims[1];
  p->n_components_req = p->k;
  PetscCall(ms_h5_attr_get_int(group, "n_samples", &p->n_samples));
  PetscCall(ms_h5_attr_get_double(group, "noise_variance", &p->noise_variance));
  PetscCall(ms_h5_attr_get_double(group, "total_variance", &p->total_variance));
  PetscCall(PetscMalloc1(p->d, &p->mean));
  PetscCall(PetscMalloc1(p->k * p->d, &p->components));
  PetscCall(PetscMalloc1(p->k, &p->explained_variance));
  PetscCall(PetscMalloc1(p->k, &p->explained_variance_ratio));
  PetscCall(PetscMalloc1(p->k, &p->singular_values));
  PetscCall(ms_h5_read_rows_double(group, "mean", 0, p->d, 0, p->mean));
  PetscCall(ms_h5_read_rows_double(group, "components", 0, p->k, p->d, p->components));
  PetscCall(ms_h5_read_rows_double(group, "explained_variance", 0, p->k, 0, p->explained_variance));
  PetscCall(ms_h5_read_rows_double(group, "explained_variance_ratio", 0, p->k, 0, p->explained_variance_ratio));
  PetscCall(ms_h5_read_rows_double(group, "singular_values", 0, p->k, 0, p->singular_values));
  {
    PetscBool has;
    PetscCall(ms_h5_attr_exists(group, "column_names", &has));
    if (has) {
      int n;
      PetscCall(ms_h5_attr_get_strings(group, "column_names", &n, &p->feature_names));
      if (n != p->d) SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "PCA: %d column_names for %" PRId64 " features", n, p->d);
    }
    PetscCall(ms_h5_link_exists(group, "scaler", &has));
    if (has) {
      hid_t sg = H5Gopen2(group, "scaler", H5P_DEFAULT);
      if (sg < 0) SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "PCA: cannot open the group 'scaler'");
      PetscCall(ms_scaler_load(sg, &p->scaler));
      H5Gclose(sg);
    }
  }
  *out = p;
  PetscFunctionReturn(0);
}
