/* ms_nmf.h - non-negative matrix factorisation X ~ W H of a row-sharded table.
 *
 * X (n x d, every entry >= 0) is approximated by W (n x k) H (k x d), W, H >= 0, minimising
 * the Frobenius error ||X - W H||_F (scikit-learn's NMF with beta_loss="frobenius", no
 * regularisation). Like PCA it is unsupervised and not an ms_model: the ToF-SIMS workflow
 * needs the components H (spectra of the pure constituents) and the weights W (their shares
 * in each row).
 *
 * Solvers (-nmf_solver):
 *   hals  hierarchical alternating least squares (Cichocki & Phan; the coordinate-descent
 *         update scikit-learn's solver="cd" makes): each column of W, then each row of H, is
 *         set to its exact non-negative least-squares optimum with the others fixed; converges
 *         in far fewer iterations than mu. Default.
 *   mu    Lee & Seung's multiplicative updates (scikit-learn's solver="mu").
 * Each iteration updates W then H, as scikit-learn does.
 * Init (-nmf_init): nndsvda (default, scikit-learn's default for k <= min(n, d)) and nndsvd
 * from the exact top-k singular triplets of X (Gram matrix X^T X, d x d, so O(d^3) once: fine
 * for spectra of up to a few thousand peaks), zeros of nndsvda replaced by mean(X); or
 * "random" as scikit-learn's: entries |N(0,1)| * sqrt(mean(X) / k), H from the stream
 * (seed, 0), row i of W from the stream (seed, 1 + i) (global row index). Every start is
 * independent of the rank count.
 * Stopping: every 10 iterations, stop when the error fell by less than tol times the
 * initial error since the last check (scikit-learn's test), or after max_iter.
 *
 * Parallelism and reproducibility: rows (with their rows of W) are distributed as fixed row
 * blocks (ml/ms_rowblocks.h). The W update is local to each row. The H update needs W^T W
 * (k x k) and W^T X (k x d): one partial per block, summed in block order, so H and the
 * error have the same bits on 1, 2 or P ranks. Local products are BLAS dgemm; the fit walks
 * each block in chunks of rows sized for L2 (X_c H^T, the W update of those rows, then
 * X_c^T W_c added to the block's partial), so X is read from memory once per iteration.
 *
 * Options (ms_nmf_set_from_options, prefix -nmf_): -nmf_n_components <2>, -nmf_solver
 * hals|mu, -nmf_init nndsvda|nndsvd|random, -nmf_max_iter <200>, -nmf_tol <1e-4>, -nmf_seed <0>.
 *
 * Ownership: the object owns H (replicated) and this rank's rows of W; W's rows are the
 * global rows [w_row_start, w_row_start + w_rows) (the block layout, which may differ from
 * the dataset's by a few rows at rank boundaries). HDF5: ms_nmf_save writes components (k x
 * d), reconstruction_err, n_iter and the settings; W is written by the caller with
 * ms_h5_write_rows_double using w_row_start/w_rows.
 */
#ifndef MS_NMF_H
#define MS_NMF_H

#include "ms_core.h"
#include "ms_dataset.h"
#include <hdf5.h>

typedef enum { MS_NMF_HALS = 0, MS_NMF_MU } ms_nmf_solver;
extern const char *const ms_nmf_solver_names[]; /* "hals","mu" (PETSc enum list) */
typedef enum { MS_NMF_INIT_NNDSVDA = 0, MS_NMF_INIT_NNDSVD, MS_NMF_INIT_RANDOM } ms_nmf_init;
extern const char *const ms_nmf_init_names[];   /* "nndsvda","nndsvd","random" */

typedef struct ms_nmf_s {
  /* settings */
  int64_t       k;
  ms_nmf_solver solver;
  ms_nmf_init   init;
  int64_t       max_iter;
  double        tol;
  uint64_t      seed;
  /* fitted state */
  int64_t  n, d;
  double  *H;                     /* k x d, replicated */
  double  *W;                     /* w_rows x k, this rank's block rows */
  int64_t  w_row_start, w_rows;
  double   reconstruction_err;    /* ||X - W H||_F */
  double   initial_err;
  int64_t  n_iter;
} *ms_nmf;

PetscErrorCode ms_nmf_create(ms_nmf *nmf);
PetscErrorCode ms_nmf_destroy(ms_nmf *nmf);
PetscErrorCode ms_nmf_set_from_options(MPI_Comm comm, ms_nmf nmf);
/* Collective over ds->comm. Negative or non-finite entries are an error naming row and column. */
PetscErrorCode ms_nmf_fit(ms_nmf nmf, ms_dataset ds);
/* Non-negative least-squares weights of new rows against the fitted H (local: n rows of X,
 * W_out n x k), by the same HALS/MU updates with H fixed. */
PetscErrorCode ms_nmf_transform(ms_nmf nmf, int64_t n, const double *X, double *W_out);
PetscErrorCode ms_nmf_save(ms_nmf nmf, hid_t group);

#endif
