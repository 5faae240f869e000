/* ms_forest.h - bagged CART ensembles (random forests; a single tree is a forest of one
 * tree without bootstrap), distributed over MPI ranks and OpenMP threads.
 *
 * Data placement: a forest needs every training row on every rank (each tree may use any
 * row), so ms_forest_fit() takes the REPLICATED table: callers with row-sharded data
 * allgather it once first (the rf and tree models do, with ms_dataset_allgather).
 *
 * Parallelism and reproducibility: tree t is grown on rank t mod P, by one of that rank's
 * OpenMP threads, from the random stream ms_rng(seed, t) alone (bootstrap counts first,
 * then the feature draws of its splits), so the forest is bit-identical on any number of
 * ranks and threads. After growing, the trees are allgathered (two MPI_Allgatherv of plain
 * node arrays), so every rank holds the whole fitted forest and predicts its own rows.
 *
 * Predictions (local, OpenMP over blocks of rows, trees summed in index order so results do
 * not depend on the thread count; ms_forest_predict.c). Tree-major: a block of rows descends
 * one tree, then the next, so a tree's nodes stay in L1/L2 while the block passes (the whole
 * forest, megabytes for fully grown trees, would not), in the branch-free layout below:
 *   regression      mean of the trees' leaf means; std = population standard deviation of
 *                   the T tree predictions (the spread of the ensemble, not a calibrated
 *                   predictive interval);
 *   classification  P = mean over trees of the leaf class fractions (scikit-learn's
 *                   predict_proba), class = argmax P (lowest index on ties).
 * Importances: scikit-learn's feature_importances_: per tree the weighted impurity
 * decreases normalised to sum 1, averaged over the trees that split at least once, then
 * renormalised. Out-of-bag score (bootstrap and oob on): each row is predicted by the trees
 * whose bootstrap sample missed it (same averaging as predict); accuracy or R^2 over the
 * rows that have at least one such tree (n_oob of them).
 */
#ifndef MS_FOREST_H
#define MS_FOREST_H

#include "ms_tree.h"
#include <hdf5.h>

typedef struct {
  ms_tree_params       tree;         /* tree.max_features is set at fit from max_features */
  ms_tree_max_features max_features;
  int64_t              n_trees;
  PetscBool            bootstrap, oob;
  int                  max_bins;     /* hist splitter: cut points per feature + 1 (2..256) */
} ms_forest_params;

/* Prediction layout (ms_forest_pack): the trees re-laid for descent, one 16-byte node each,
 * siblings adjacent so a step is k = left + !(x[feature] <= threshold), no branch. A leaf has
 * threshold NaN (every comparison false) and left = itself - 1, so a row that reached its
 * leaf stays there and the rows of a group can step together until none moves. Thresholds
 * stay double, as at training, so every row reaches the same leaf as through ms_tree_apply. */
typedef struct {
  double  threshold;
  int32_t feature;
  int32_t left;      /* right child = left + 1 */
} ms_forest_pnode;

/* Rank layout (ms_forest_pack, when the limits below hold): the same slots as the pnode
 * layout in 8 bytes, so a fully grown tree of a few thousand nodes stays in L1. Per feature j
 * the distinct split thresholds of the whole forest are sorted, rthr[roff[j] .. roff[j+1]);
 * a node stores the index k of its threshold there, and a row's value x is replaced once by
 * its rank r(x) = #{thresholds of j < x} (NaN: the count of them). Then x <= thr_k exactly
 * when r(x) <= k, for every double, so a step is k = left + (r[feature] > rank), the same
 * leaf as the double comparison. Leaves (and NaN thresholds, which send every row right)
 * have rank -1. Limits: n_features <= 8191 and at most 32767 distinct thresholds per
 * feature (int16 ranks); beyond them rnode stays NULL and the pnode path is used. */
typedef struct {
  int32_t  left;     /* right child = left + 1, as in ms_forest_pnode */
  uint16_t feature;  /* feature * 8: the offset of the feature's ranks in a group of 8 rows */
  int16_t  rank;
} ms_forest_rnode;

typedef struct ms_forest_s {
  ms_forest_params params;
  int64_t          n_trees, n_features, n_classes, n_outputs; /* n_classes = 0: regression */
  ms_tree         *trees;        /* n_trees */
  double          *importances;  /* n_features, summing to 1 (all 0 if no tree ever split) */
  PetscBool        has_oob;
  double           oob_score;    /* accuracy or R^2 over the n_oob rows with OOB trees */
  int64_t          n_oob;
  /* prediction layout, built by ms_forest_pack (NULL until then): tree t's nodes are
     pnode[poff[t] .. poff[t+1]), its leaf values pvalue[(poff[t] + k) * n_outputs ...] */
  ms_forest_pnode *pnode;
  double          *pvalue;
  int64_t         *poff;
  ms_forest_rnode *rnode;        /* NULL: over the limits above (or not packed yet) */
  double          *rthr;         /* sorted distinct thresholds per feature */
  int64_t         *roff;         /* n_features + 1 */
} *ms_forest;

/* scikit-learn's RandomForest defaults: 100 trees, bootstrap, no OOB, unlimited depth,
 * min_samples_split 2, min_samples_leaf 1, max_features sqrt (classification) or all
 * (regression); Gini or squared error; hist splitter with 255 bins. */
void ms_forest_params_default(ms_forest_params *p, PetscBool classification);

/* Class of the largest probability (lowest index on ties) among p[0..K). */
static inline int64_t ms_forest_argmax(int64_t K, const double *p)
{
  int64_t best = 0;
  for (int64_t k = 1; k < K; k++)
    if (p[k] > p[best]) best = k;
  return best;
}

/* Collective on comm. X: n x d row-major, y (regression) or labels in 0..n_classes-1
 * (classification, n_classes >= 2), all replicated on every rank of comm. */
PetscErrorCode ms_forest_fit(MPI_Comm comm, const ms_forest_params *p, uint64_t seed, int64_t n, int64_t d, const double *X,
                             const double *y, const int64_t *labels, int64_t n_classes, ms_forest *f);
/* Local (not collective): n rows of X (n x n_features). */
PetscErrorCode ms_forest_predict(ms_forest f, int64_t n, const double *X, double *y);
PetscErrorCode ms_forest_predict_proba(ms_forest f, int64_t n, const double *X, double *P); /* n x n_classes */
PetscErrorCode ms_forest_predict_std(ms_forest f, int64_t n, const double *X, double *std);
/* std (may be NULL) and the mean together, from one descent of every tree (predict then
 * predict_std descend twice); both bit-identical to the separate calls. Regression only. */
PetscErrorCode ms_forest_predict_mean_std(ms_forest f, int64_t n, const double *X, double *mean, double *std);
/* Build the prediction layout from f->trees (fit and load call it; predict builds it when
 * missing). Children must have higher indices than their parent (ms_forest_load checks it);
 * shared children that make the walk exceed the node count are an MS_ERR_READ. */
PetscErrorCode ms_forest_pack(ms_forest f);
PetscErrorCode ms_forest_destroy(ms_forest *f);

/* HDF5 (ms_forest_h5.c): datasets tree_offsets (n_trees+1), node_feature, node_left,
 * node_right, node_n_samples (int64, child indices local to each tree), node_threshold,
 * node_impurity, node_weight, node_value (total nodes x n_outputs), importances; attributes
 * with the sizes, parameters and OOB score. Save is collective over comm (rank 0 writes the
 * replicated values); load reads on every rank of the file's communicator. */
PetscErrorCode ms_forest_save(ms_forest f, MPI_Comm comm, hid_t group);
PetscErrorCode ms_forest_load(hid_t group, ms_forest *f);

#endif
