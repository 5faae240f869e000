/* ms_forest_predict.c - forest prediction: the branch-free node layout (ms_forest_pack) and
 * the tree-major descent of blocks of rows. Contract in ms_forest.h. */
#include "ms_forest.h"
#include <math.h>
#include <omp.h>
#include <stdlib.h>

/* Rows that step through a tree together: their loads are independent, so their cache
 * misses overlap, and a group stops when none of its rows moved. */
#define MS_FOREST_GROUP 16

PetscErrorCode ms_forest_pack(ms_forest f)
{
  const int64_t T = f->n_trees, K = f->n_outputs;
  int64_t       total = 0, nmax = 1, (*stack)[2];

  PetscFunctionBeginUser;
  PetscCall(PetscFree(f->pnode));
  PetscCall(PetscFree(f->pvalue));
  PetscCall(PetscFree(f->poff));
  for (int64_t t = 0; t < T; t++) {
    PetscCheck(f->trees[t].n_nodes >= 1 && f->trees[t].n_nodes < INT32_MAX, PETSC_COMM_SELF, MS_ERR_READ, "forest: tree %" PRId64 " has %" PRId64 " nodes", t,
               f->trees[t].n_nodes);
    total += f->trees[t].n_nodes;
    nmax = PetscMax(nmax, f->trees[t].n_nodes);
  }
  PetscCall(PetscMalloc1(total, &f->pnode));
  PetscCall(PetscCalloc1(total * K, &f->pvalue));
  PetscCall(PetscMalloc1(T + 1, &f->poff));
  PetscCall(PetscMalloc1(nmax, &stack));
  f->poff[0] = 0;
  for (int64_t t = 0; t < T; t++) {
    const ms_tree   *tr  = &f->trees[t];
    ms_forest_pnode *nd  = f->pnode + f->poff[t];
    double          *val = f->pvalue + f->poff[t] * K;
    int64_t          top = 0, next = 1; /* slot 0 is the root; children take slots in pairs */

    f->poff[t + 1] = f->poff[t] + tr->n_nodes;
    stack[top][0] = 0; stack[top][1] = 0; top++;
    while (top) {
      const int64_t       s = stack[top - 1][0], p = stack[top - 1][1];
      const ms_tree_node *x = &tr->node[s];
      top--;
      for (int64_t c = 0; c < K; c++) val[p * K + c] = tr->value[s * K + c];
      if (x->feature < 0) {
        nd[p] = (ms_forest_pnode){.threshold = NAN, .feature = 0, .left = (int32_t)(p - 1)};
        continue;
      }
      if (!(next + 2 <= tr->n_nodes && x->left >= 0 && x->left < tr->n_nodes && x->right >= 0 && x->right < tr->n_nodes)) {
        PetscCall(PetscFree(stack)); /* not leaked by the error (a corrupt model file) */
        SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "forest: the nodes of tree %" PRId64 " do not form a tree (node %" PRId64 ")", t, s);
      }
      nd[p] = (ms_forest_pnode){.threshold = x->threshold, .feature = x->feature, .left = (int32_t)next};
      /* left on top: pairs are laid out depth first, so a path stays in few cache lines */
      stack[top][0] = x->right; stack[top][1] = next + 1; top++;
      stack[top][0] = x->left;  stack[top][1] = next;     top++;
      next += 2;
    }
  }
  PetscCall(PetscFree(stack));
  PetscFunctionReturn(0);
}

/* Leaf slots k[0..g) of rows x[0..g) (row-major, d values each) in one packed tree. With g a
 * constant the loop unrolls; leaves hold their rows, so every row ends at its own leaf. */
static inline void descend(const ms_forest_pnode *nd, const double *x, int64_t d, int g, int32_t *k)
{
  int32_t moved;
  for (int j = 0; j < g; j++) k[j] = 0;
  do {
    moved = 0;
    for (int j = 0; j < g; j++) {
      const ms_forest_pnode *p  = nd + k[j];
      const int32_t          nk = p->left + !(x[j * d + p->feature] <= p->threshold);
      moved |= nk ^ k[j];
      k[j] = nk;
    }
  } while (moved);
}

/* Rows [b, e): per tree, in index order, add the leaf values to sum ((e-b) x n_outputs, may
 * be NULL) and update Welford's running mean wm and M2 m2 (regression; NULL when not wanted).
 * The operations per row are those of the row-at-a-time loop, in the same order. */
static void block_trees(ms_forest f, int64_t b, int64_t e, const double *X, double *sum, double *wm, double *m2)
{
  const int64_t d = f->n_features, K = f->n_outputs;
  int32_t       k[MS_FOREST_GROUP];

  for (int64_t t = 0; t < f->n_trees; t++) {
    const ms_forest_pnode *nd  = f->pnode + f->poff[t];
    const double          *val = f->pvalue + f->poff[t] * K;
    for (int64_t i = b; i < e; i += MS_FOREST_GROUP) {
      const int g = e - i < MS_FOREST_GROUP ? (int)(e - i) : MS_FOREST_GROUP;
      if (g == MS_FOREST_GROUP) descend(nd, X + i * d, d, MS_FOREST_GROUP, k);
      else descend(nd, X + i * d, d, g, k);
      if (sum && K == 1)
        for (int j = 0; j < g; j++) sum[i - b + j] += val[k[j]];
      else if (sum)
        for (int j = 0; j < g; j++)
          for (int64_t c = 0; c < K; c++) sum[(i - b + j) * K + c] += val[k[j] * K + c];
      if (m2)
        for (int j = 0; j < g; j++) {
          const double v = val[k[j]], dl = v - wm[i - b + j];
          wm[i - b + j] += dl / (double)(t + 1);
          m2[i - b + j] += dl * (v - wm[i - b + j]);
        }
    }
  }
}

/* Rows per block: the block's rows pass each tree before the next tree is touched, so a
 * tree's nodes (tens of kB) are read from L1/L2 once per block; the block's rows of X (d
 * doubles each) are re-read per tree and should stay in L2 too. Enough blocks for every thread. */
static int64_t row_block(int64_t n, int64_t d)
{
  const int64_t th = omp_get_max_threads(), b = (n + th - 1) / th, cap = PetscMax(256, (512 * 1024) / (8 * PetscMax(d, 1)));
  return b < 256 ? 256 : b > cap ? cap : b;
}

/* The per-row outputs of rows [0, n): sum of leaf values (n x n_outputs; NULL: none) and,
 * with m2 != NULL, Welford's mean wm and M2 over the trees (n each). */
static PetscErrorCode forest_pass(ms_forest f, int64_t n, const double *X, double *sum, double *wm, double *m2)
{
  const int64_t K = f->n_outputs, block = row_block(n, f->n_features);

  PetscFunctionBeginUser;
  if (!f->pnode) PetscCall(ms_forest_pack(f));
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t b = 0; b < n; b += block) {
    const int64_t e = b + block < n ? b + block : n;
    if (sum)
      for (int64_t i = b * K; i < e * K; i++) sum[i] = 0.0;
    if (m2)
      for (int64_t i = b; i < e; i++) wm[i] = m2[i] = 0.0;
    block_trees(f, b, e, X, sum ? sum + b * K : NULL, m2 ? wm + b : NULL, m2 ? m2 + b : NULL);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_predict_proba(ms_forest f, int64_t n, const double *X, double *P)
{
  const int64_t K = f->n_outputs;
  PetscFunctionBeginUser;
  PetscCheck(f->n_classes, PETSC_COMM_SELF, MS_ERR_USER, "forest: predict_proba on a regression forest");
  PetscCall(forest_pass(f, n, X, P, NULL, NULL));
  for (int64_t i = 0; i < n * K; i++) P[i] /= (double)f->n_trees;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_predict(ms_forest f, int64_t n, const double *X, double *y)
{
  const int64_t K = f->n_outputs;
  double       *acc = y;
  PetscFunctionBeginUser;
  if (K > 1) PetscCall(PetscMalloc1(n * K, &acc));
  PetscCall(forest_pass(f, n, X, acc, NULL, NULL));
  for (int64_t i = 0; i < n; i++) y[i] = f->n_classes ? ms_forest_argmax(K, acc + i * K) : acc[i] / (double)f->n_trees;
  if (K > 1) PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_predict_mean_std(ms_forest f, int64_t n, const double *X, double *mean, double *std)
{
  double *wm;
  PetscFunctionBeginUser;
  PetscCheck(!f->n_classes, PETSC_COMM_SELF, MS_ERR_USER, "forest: predictive std is defined for regression forests only");
  PetscCall(PetscMalloc1(n + 1, &wm));
  /* std holds M2 until the end; the mean is the plain sum / T as in predict */
  PetscCall(forest_pass(f, n, X, mean, wm, std));
  for (int64_t i = 0; i < n; i++) std[i] = sqrt(std[i] / (double)f->n_trees);
  if (mean)
    for (int64_t i = 0; i < n; i++) mean[i] /= (double)f->n_trees;
  PetscCall(PetscFree(wm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_predict_std(ms_forest f, int64_t n, const double *X, double *std)
{
  PetscFunctionBeginUser;
  PetscCall(ms_forest_predict_mean_std(f, n, X, NULL, std));
  PetscFunctionReturn(0);
}
