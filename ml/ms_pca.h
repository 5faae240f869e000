/* ms_pca.h - principal component analysis of a row-sharded table.
 *
 * PCA is unsupervised (no target, no predict), so it is its own object rather than an
 * ms_model: the ToF-SIMS and latent-space workflows need scores, loadings, explained
 * variance and its ratio, and the inverse transform, which ms_model does not carry.
 *
 * Definitions follow scikit-learn 1.2.1 PCA(svd_solver="full") so results compare:
 *   X is mean-centred; explained_variance = S^2 / (n - 1) (eigenvalues of the sample
 *   covariance C = Xc^T Xc / (n - 1)), descending; explained_variance_ratio = that / trace(C);
 *   components (k x d, row c = loading vector of component c); scores = Xc components^T;
 *   singular_values = sqrt((n - 1) explained_variance); noise_variance = mean of the
 *   discarded explained variances (0 when none is discarded).
 *   Signs: sklearn's svd_flip (u-based): in each component the score of largest absolute
 *   value (first such row) is positive.
 *
 * Method: means and C from local sums (BLAS dsyrk on the centred local rows, centred a
 * cache-sized block of rows at a time: no centred copy of X) reduced with MPI_Allreduce, then
 * a symmetric eigensolver: LAPACKE dsyevd on rank 0 (broadcast) when d < scalapack_min_d or
 * on one rank (dsyevr for only the k largest pairs when k < d; the noise variance then comes
 * from the trace), else ScaLAPACK pdsyevd on C in block-cyclic layout over all ranks. The
 * sign rule's scores are formed and scanned block by block too (dgemm, 2 n d k flops: with
 * k = d twice the dsyrk's). Forming C costs n d^2 / P; sklearn's full SVD costs O(n d^2) on one core. The
 * covariance route loses accuracy only for components whose variance is below ~eps times
 * the largest, where the SVD route is also limited by the centring. The threshold's
 * default comes from benchmarks/RESULTS.md ("pca": at d = 500 on 2 ranks pdsyevd made the
 * whole fit 1.3x faster than dsyevd on rank 0; below a few hundred features the eigensolve
 * is a negligible part of the fit).
 *
 * Optional standardisation: with a scaler (ms_pca_set_scaler, -pca_standardize for
 * "standard", i.e. scikit-learn's StandardScaler: population std, constant column -> 1) the
 * columns are scaled before centring; the scaler is fitted with the PCA on the same rows,
 * saved with it, and applied by transform (and undone by inverse_transform), so a saved PCA
 * maps raw rows of new data to scores exactly as make_pipeline(StandardScaler(), PCA()).
 *
 * Options (ms_pca_set_from_options, prefix -pca_):
 *   -pca_n_components <0>       components kept (0: min(n, d))
 *   -pca_standardize <false>    scale every column to unit variance first
 *   -pca_scalapack_min_d <500>  features from which pdsyevd is used on >1 rank
 *   -pca_grid <auto>            ScaLAPACK grid: auto | row | col
 *   -pca_scalapack_nb <64>      ScaLAPACK block size
 *
 * Ownership: the pca owns every array. Fit is collective over the given communicator;
 * the fitted state is replicated, so transform/inverse are local. HDF5 (save/load):
 * datasets mean (d), components (k x d), explained_variance, explained_variance_ratio,
 * singular_values (k); attributes n_samples, noise_variance, total_variance, column_names
 * (the feature names, when fitted from a dataset), and a subgroup "scaler" when scaled.
 *
 * Scores of new data (ms_pca_scores): a dataset whose features are the scores PC1..PCk, with
 * the input rows' sample ids and class labels carried over, so `file.h5:/scores` written by
 * ms_dataset_write_h5 opens in pandas with ids and classes beside the scores.
 */
#ifndef MS_PCA_H
#define MS_PCA_H

#include "ms_core.h"
#include "ms_dataset.h"
#include "ms_scalapack.h"
#include "ms_scaler.h"

#define MS_PCA_SCALAPACK_MIN_D_DEFAULT 500

typedef struct ms_pca_s {
  /* settings */
  int64_t       n_components_req; /* 0: min(n, d) */
  int64_t       scalapack_min_d;
  ms_grid_shape grid;
  int           nb;
  /* fitted state (replicated) */
  int64_t n_samples, d, k;
  double *mean;                     /* d */
  double *components;               /* k x d */
  double *explained_variance;       /* k */
  double *explained_variance_ratio; /* k */
  double *singular_values;          /* k */
  double  noise_variance, total_variance;
  PetscBool used_scalapack;
  ms_scaler scaler;                 /* NULL: none; owned */
  char    **feature_names;          /* d names, or NULL (fitted from a bare array) */
} *ms_pca;

PetscErrorCode ms_pca_create(ms_pca *p);
PetscErrorCode ms_pca_destroy(ms_pca *p);
PetscErrorCode ms_pca_set_from_options(MPI_Comm comm, ms_pca p);
/* Fit on n_local rows of d columns (row-major) per rank; collective over comm. */
PetscErrorCode ms_pca_fit(ms_pca p, MPI_Comm comm, int64_t n_local, int64_t d, const double *X);
PetscErrorCode ms_pca_fit_dataset(ms_pca p, ms_dataset ds);
/* scores (n x k) of n rows; local. */
PetscErrorCode ms_pca_transform(ms_pca p, int64_t n, const double *X, double *scores);
/* X (n x d) = scores components + mean; local. */
PetscErrorCode ms_pca_inverse_transform(ms_pca p, int64_t n, const double *scores, double *X);
/* Scale columns before the PCA (a ms_scaler type: "standard", "minmax", ...; "none" or NULL
 * removes it). Call before fit. */
PetscErrorCode ms_pca_set_scaler(ms_pca p, const char *type);
/* Scores of ds's local rows as a new dataset on ds->comm (features PC1..PCk, ids and labels
 * copied). ds's feature names must equal the fitted ones, in order (load new tables with
 * ms_csv_read_opts.features = p->feature_names). Collective over ds->comm. */
PetscErrorCode ms_pca_scores(ms_pca p, ms_dataset ds, ms_dataset *scores);
PetscErrorCode ms_pca_save(ms_pca p, hid_t group);
PetscErrorCode ms_pca_load(hid_t group, ms_pca *p);

#endif
