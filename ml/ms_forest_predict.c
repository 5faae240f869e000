/* ms_forest_predict.c - forest prediction: the branch-free node layout (ms_forest_pack) and
 * the tree-major descent of blocks of rows. Contract in ms_forest.h. */
#include "ms_forest.h"
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Rows that step through a tree together: their loads are independent, so their cache
 * misses overlap, and a group stops when none of its rows moved. */
#define MS_FOREST_GROUP 16
/* The same on the rank layout, measured: 4 lanes 0.71 s, 8 lanes 0.43 s, 12 lanes 0.47 s,
 * 16 lanes 0.51 s, 32 lanes 0.86 s
 * for 200 trees x 200,000 rows (the narrower group keeps its state in registers and its
 * deepest row is closer to the mean depth; the double layout is fastest at 16). */
#define MS_FOREST_RGROUP 8

static int cmp_double(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Index of the first of thr[0..U) not below x: #{thr < x}, U for NaN (above every index). */
static inline int64_t value_rank(const double *thr, int64_t U, double x)
{
  const double *p = thr;
  int64_t       len = U;
  if (isnan(x)) return U;
  while (len > 1) { /* branch-free lower bound: the halving step is a conditional move */
    const int64_t half = len / 2;
    p += (p[half - 1] < x) * half;
    len -= half;
  }
  return (p - thr) + (len == 1 && *p < x);
}

/* The rank layout (ms_forest.h) from the pnode layout just built; rnode stays NULL when the
 * forest exceeds its limits. */
static PetscErrorCode pack_ranks(ms_forest f)
{
  const int64_t d = f->n_features, total = f->poff[f->n_trees];
  int64_t      *cnt;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(f->rnode));
  PetscCall(PetscFree(f->rthr));
  PetscCall(PetscFree(f->roff));
  if (d * MS_FOREST_RGROUP > UINT16_MAX) PetscFunctionReturn(0); /* nodes hold feature * group */
  PetscCall(PetscCalloc1(d + 1, &f->roff));
  PetscCall(PetscMalloc1(d + 1, &cnt));
  for (int64_t i = 0; i < total; i++)
    if (!isnan(f->pnode[i].threshold)) f->roff[f->pnode[i].feature + 1]++;
  for (int64_t j = 0; j < d; j++) f->roff[j + 1] += f->roff[j];
  PetscCall(PetscMalloc1(f->roff[d] + 1, &f->rthr));
  for (int64_t j = 0; j <= d; j++) cnt[j] = f->roff[j];
  for (int64_t i = 0; i < total; i++)
    if (!isnan(f->pnode[i].threshold)) f->rthr[cnt[f->pnode[i].feature]++] = f->pnode[i].threshold;
  /* Each feature's distinct thresholds, sorted, compacted to the front. A forest repeats
   * few values many times (the hist splitter has <= 255 cuts per feature), so a value is
   * first looked up among those kept (U); the new ones wait in P and are merged in when P
   * outgrows U: O(nodes log distinct), not a sort of every node. */
  int64_t out = 0, widest = 0, most = 1;
  double *U, *P, *M;
  for (int64_t j = 0; j < d; j++) most = PetscMax(most, f->roff[j + 1] - f->roff[j]);
  PetscCall(PetscMalloc3(most, &U, most, &P, most, &M));
  for (int64_t j = 0; j < d; j++) {
    const int64_t b = f->roff[j], e = f->roff[j + 1], start = out;
    int64_t       nu = 0, np = 0;
    for (int64_t i = b; i <= e; i++) {
      if (i < e) {
        const int64_t k = value_rank(U, nu, f->rthr[i]);
        if (k < nu && U[k] == f->rthr[i]) continue;
        P[np++] = f->rthr[i];
      }
      if (np && (i == e || np >= PetscMax(64, nu))) { /* merge sorted, distinct P into U */
        int64_t a = 0, c = 0, m = 0;
        qsort(P, (size_t)np, sizeof(double), cmp_double);
        while (a < nu || c < np) {
          const double v = c == np || (a < nu && U[a] <= P[c]) ? U[a++] : P[c++];
          if (!m || M[m - 1] != v) M[m++] = v;
        }
        memcpy(U, M, sizeof(double) * (size_t)m);
        nu = m;
        np = 0;
      }
    }
    memcpy(f->rthr + out, U, sizeof(double) * (size_t)nu); /* out <= b: nothing unread is hit */
    out += nu;
    f->roff[j] = start;
    widest = PetscMax(widest, nu);
  }
  f->roff[d] = out;
  PetscCall(PetscFree3(U, P, M));
  PetscCall(PetscFree(cnt));
  if (widest > INT16_MAX) { /* ranks 0..widest must fit int16 */
    PetscCall(PetscFree(f->rthr));
    PetscCall(PetscFree(f->roff));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(total, &f->rnode));
  for (int64_t i = 0; i < total; i++) {
    const ms_forest_pnode *p = &f->pnode[i];
    const int64_t          b = f->roff[p->feature];
    int64_t                k = -1;
    if (!isnan(p->threshold)) k = value_rank(f->rthr + b, f->roff[p->feature + 1] - b, p->threshold);
    f->rnode[i] = (ms_forest_rnode){.left = p->left, .feature = (uint16_t)(p->feature * MS_FOREST_RGROUP), .rank = (int16_t)k};
  }
  PetscFunctionReturn(0);
}


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
  PetscCall(pack_ranks(f));
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

/* descend() on the rank layout: r holds the group's threshold ranks feature-major, rank of
 * row j for feature f at r[f * MS_FOREST_RGROUP + j], and nodes store f * MS_FOREST_RGROUP, so
 * the lane's address is the node's field plus a constant: no per-row pointer to keep. */
static inline void descend_rank(const ms_forest_rnode *nd, const int16_t *r, int g, int32_t *kout)
{
  int64_t k[MS_FOREST_RGROUP]; /* 64-bit slots: no sign extension per step */
  int32_t leaves;             /* AND of the ranks: negative when every lane was at a leaf */
  for (int j = 0; j < g; j++) k[j] = 0;
  do {
    leaves = -1;
    for (int j = 0; j < g; j++) {
      const ms_forest_rnode *p = nd + k[j];
      const int32_t          t = p->rank;
      leaves &= t;
      k[j] = (int64_t)p->left + (r[p->feature + j] > t);
    }
  } while (leaves >= 0);
  for (int j = 0; j < g; j++) kout[j] = (int32_t)k[j];
}

/* Rows [b, e): per tree, in index order, add the leaf values to sum ((e-b) x n_outputs, may
 * be NULL) and update Welford's running mean wm and M2 m2 (regression; NULL when not wanted).
 * The operations per row are those of the row-at-a-time loop, in the same order. */
static void block_trees(ms_forest f, int64_t b, int64_t e, const double *X, const int16_t *R, double *sum, double *wm, double *m2)
{
  const int64_t d = f->n_features, K = f->n_outputs;
  int32_t       k[MS_FOREST_GROUP];

  for (int64_t t = 0; t < f->n_trees; t++) {
    const ms_forest_pnode *nd  = f->pnode + f->poff[t];
    const ms_forest_rnode *rn  = R ? f->rnode + f->poff[t] : NULL;
    const double          *val = f->pvalue + f->poff[t] * K;
    const int G = R ? MS_FOREST_RGROUP : MS_FOREST_GROUP;
    for (int64_t i = b; i < e; i += G) {
      const int g = e - i < G ? (int)(e - i) : G;
      if (R && g == MS_FOREST_RGROUP) descend_rank(rn, R + (i - b) * d, MS_FOREST_RGROUP, k);
      else if (R) descend_rank(rn, R + (i - b) * d, g, k);
      else if (g == MS_FOREST_GROUP) descend(nd, X + i * d, d, MS_FOREST_GROUP, k);
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

/* Rows [b, e) on the rank layout; returns nonzero when out of memory. The rows step through
 * every tree in groups until the deepest row of a group is at its leaf, so the group is as
 * slow as its deepest row: the rows are first ordered by the leaf they reach in tree 0
 * (slots are depth first, so neighbouring slots are neighbouring boxes of feature space), and
 * rows that share a box tend to share the depth of their paths in the other trees too. A
 * row's sums are still its own, taken over the trees in index order: the order of the rows
 * changes nothing in any result. */
static int rank_block(ms_forest f, int64_t b, int64_t e, const double *X, double *sum, double *wm, double *m2)
{
  const int64_t d = f->n_features, K = f->n_outputs, m = e - b, n0 = f->poff[1];
  const int64_t mg = (m + MS_FOREST_RGROUP - 1) / MS_FOREST_RGROUP * MS_FOREST_RGROUP; /* whole groups */
  int16_t      *R0 = malloc(sizeof(int16_t) * (size_t)(2 * mg * d)), *R = R0 + mg * d;
  int32_t      *perm = malloc(sizeof(int32_t) * (size_t)(2 * m + n0 + 1)), *slot = perm + m, *cnt = slot + m;
  double       *ts = malloc(sizeof(double) * (size_t)(m * (K + 2))), *tw = ts + m * K, *tm = tw + m;
  int32_t       k[MS_FOREST_RGROUP];

  if (!R0 || !perm || !ts) {
    free(R0); free(perm); free(ts);
    return 1;
  }
#define MS_GROUPED(i, j) (((i) / MS_FOREST_RGROUP) * MS_FOREST_RGROUP * d + (j) * MS_FOREST_RGROUP + (i) % MS_FOREST_RGROUP)
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < d; j++)
      R0[MS_GROUPED(i, j)] = (int16_t)value_rank(f->rthr + f->roff[j], f->roff[j + 1] - f->roff[j], X[(b + i) * d + j]);
  for (int64_t i = 0; i < m; i += MS_FOREST_RGROUP) {
    const int g = m - i < MS_FOREST_RGROUP ? (int)(m - i) : MS_FOREST_RGROUP;
    descend_rank(f->rnode, R0 + i * d, g, k);
    for (int j = 0; j < g; j++) slot[i + j] = k[j];
  }
  for (int64_t s = 0; s <= n0; s++) cnt[s] = 0; /* counting sort by slot, stable */
  for (int64_t i = 0; i < m; i++) cnt[slot[i] + 1]++;
  for (int64_t s = 0; s < n0; s++) cnt[s + 1] += cnt[s];
  for (int64_t i = 0; i < m; i++) perm[cnt[slot[i]]++] = (int32_t)i;
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < d; j++) R[MS_GROUPED(i, j)] = R0[MS_GROUPED((int64_t)perm[i], j)];
#undef MS_GROUPED
  for (int64_t i = 0; i < m * (K + 2); i++) ts[i] = 0.0;
  block_trees(f, 0, m, NULL, R, sum ? ts : NULL, m2 ? tw : NULL, m2 ? tm : NULL);
  for (int64_t i = 0; i < m; i++) {
    const int64_t r = perm[i];
    if (sum)
      for (int64_t c = 0; c < K; c++) sum[r * K + c] = ts[i * K + c];
    if (m2) {
      wm[r] = tw[i];
      m2[r] = tm[i];
    }
  }
  free(R0); free(perm); free(ts);
  return 0;
}

/* The per-row outputs of rows [0, n): sum of leaf values (n x n_outputs; NULL: none) and,
 * with m2 != NULL, Welford's mean wm and M2 over the trees (n each). */
static PetscErrorCode forest_pass(ms_forest f, int64_t n, const double *X, double *sum, double *wm, double *m2)
{
  const int64_t K = f->n_outputs, d = f->n_features, block = row_block(n, d);
  int           failed = 0;

  PetscFunctionBeginUser;
  if (!f->pnode) PetscCall(ms_forest_pack(f));
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
  for (int64_t b = 0; b < n; b += block) {
    const int64_t e = b + block < n ? b + block : n;
    if (f->rnode) { /* malloc inside: thread-safe, unlike PetscMalloc in debug builds */
      failed |= rank_block(f, b, e, X, sum ? sum + b * K : NULL, m2 ? wm + b : NULL, m2 ? m2 + b : NULL);
      continue;
    }
    if (sum)
      for (int64_t i = b * K; i < e * K; i++) sum[i] = 0.0;
    if (m2)
      for (int64_t i = b; i < e; i++) wm[i] = m2[i] = 0.0;
    block_trees(f, b, e, X, NULL, sum ? sum + b * K : NULL, m2 ? wm + b : NULL, m2 ? m2 + b : NULL);
  }
  PetscCheck(!failed, PETSC_COMM_SELF, PETSC_ERR_MEM, "forest: out of memory for the threshold ranks of %" PRId64 " rows", block);
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
