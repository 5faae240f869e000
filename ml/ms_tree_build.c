/* ms_tree_build.c - growing one CART tree depth first (rules in ms_tree.h).
 *
 * The node's rows are a contiguous range of one index array that is partitioned in place
 * at every split, so a tree needs O(rows) work space and no per-node allocation. The split
 * search per feature either fills a histogram over the feature's bins (large nodes, hist
 * splitter) or sorts the node's keys (bin codes for small hist nodes, raw values for the
 * exact splitter) and scans left to right keeping running sums. The scan maximises
 * scikit-learn's proxy (for squared error sum_L^2/w_L + sum_R^2/w_R, for Gini
 * sum_k (c_Lk^2/w_L + c_Rk^2/w_R), for entropy -(w_L H_L + w_R H_R)), which ranks splits
 * like the impurity decrease but costs O(classes) per candidate.
 */
#include "ms_tree.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* scikit-learn's FEATURE_THRESHOLD: values closer than this are never split apart. */
#define MS_TREE_FEATURE_EPS 1e-7

typedef struct {
  const struct ms_tree_data_s *td;
  const ms_tree_params        *p;
  const double                *w;    /* NULL: every row weighs 1 */
  int64_t                      S;    /* statistics per row: 2 (sum wy, sum wy^2) or n_classes */
  int32_t                     *feat; /* feature permutation, kept across nodes like scikit-learn */
  ms_tree_keyed               *sorted;
  double                      *hw, *hs; /* histogram: weight and statistics per bin */
  int32_t                     *hn;      /* histogram: rows per bin */
  double                      *left, *total;
} builder;

typedef struct {
  int     found, code;
  int32_t feature;
  int64_t n_left;
  double  threshold, proxy;
} split;

typedef struct {
  int64_t s, e, depth;
  int32_t parent;
  int     is_left;
} pending;

static inline double row_weight(const builder *b, int32_t r) { return b->w ? b->w[r] : 1.0; }

static inline void add_row(const builder *b, int32_t r, double w, double *st)
{
  if (b->td->n_classes) st[b->td->labels[r]] += w;
  else {
    const double y = b->td->y[r];
    st[0] += w * y;
    st[1] += w * y * y;
  }
}

static inline double proxy(const builder *b, const double *L, double wl, const double *T, double wt)
{
  const double wr = wt - wl;
  double       sl = 0.0, sr = 0.0;
  switch (b->p->criterion) {
  case MS_TREE_SQUARED_ERROR: {
    const double r = T[0] - L[0];
    return L[0] * L[0] / wl + r * r / wr;
  }
  case MS_TREE_GINI:
    for (int64_t k = 0; k < b->S; k++) {
      const double l = L[k], r = T[k] - L[k];
      sl += l * l;
      sr += r * r;
    }
    return sl / wl + sr / wr;
  case MS_TREE_ENTROPY:
    for (int64_t k = 0; k < b->S; k++) {
      const double l = L[k], r = T[k] - L[k];
      if (l > 0.0) sl -= l * log2(l / wl);
      if (r > 0.0) sr -= r * log2(r / wr);
    }
    return -(sl + sr);
  }
  return -INFINITY;
}

static inline void consider(const builder *b, split *best, int32_t f, int64_t nl, int64_t N, double wl, double W, double thr, int code)
{
  const int64_t msl = b->p->min_samples_leaf;
  if (nl < msl || N - nl < msl) return;
  const double pr = proxy(b, b->left, wl, b->total, W);
  if (pr > best->proxy) {
    best->found = 1; best->proxy = pr; best->feature = f; best->n_left = nl;
    best->threshold = thr; best->code = code;
  }
}

/* Best split of the node's rows on feature f into *best; returns 1 when f is constant here. */
static int search_feature(builder *b, int32_t f, const int32_t *rows, int64_t N, double W, split *best)
{
  const struct ms_tree_data_s *td   = b->td;
  const int                    hist = td->splitter == MS_TREE_SPLIT_HIST;
  const int64_t                n = td->n, S = b->S;
  const uint8_t               *codes = hist ? td->codes + (size_t)f * n : NULL;
  const double                *cuts  = hist ? td->cuts + (size_t)f * (td->max_bins - 1) : NULL;
  double                       wl = 0.0;

  if (N < 2) return 1; /* callers never split fewer than min_samples_split >= 2 rows */
  memset(b->left, 0, sizeof(double) * (size_t)S);
  if (hist && N * 8 >= td->n_bins[f]) { /* else N * 8 < bins <= 256: N <= 31 */
    const int nb = td->n_bins[f];
    int       nonempty = 0;
    memset(b->hw, 0, sizeof(double) * (size_t)nb);
    memset(b->hn, 0, sizeof(int32_t) * (size_t)nb);
    memset(b->hs, 0, sizeof(double) * (size_t)(nb * S));
    for (int64_t i = 0; i < N; i++) {
      const int32_t r = rows[i];
      const int     c = codes[r];
      const double  w = row_weight(b, r);
      b->hw[c] += w;
      b->hn[c]++;
      add_row(b, r, w, b->hs + c * S);
    }
    for (int c = 0; c < nb; c++) nonempty += b->hn[c] > 0;
    if (nonempty < 2) return 1;
    int64_t nl = 0;
    for (int c = 0; c < nb - 1; c++) {
      if (!b->hn[c]) continue;
      wl += b->hw[c];
      nl += b->hn[c];
      for (int64_t k = 0; k < S; k++) b->left[k] += b->hs[c * S + k];
      if (nl == N) break;
      consider(b, best, f, nl, N, wl, W, cuts[c], c);
    }
    return 0;
  }
  if (hist) {
    /* Small node (N < bins/8 <= 32): insertion-sort (code, position) packed in 32 bits. */
    uint32_t k[32];
    for (int64_t i = 0; i < N; i++) {
      uint32_t v = (uint32_t)codes[rows[i]] << 24 | (uint32_t)i;
      int64_t  j = i - 1;
      for (; j >= 0 && k[j] > v; j--) k[j + 1] = k[j];
      k[j + 1] = v;
    }
    if (k[0] >> 24 == k[N - 1] >> 24) return 1;
    for (int64_t i = 0; i < N - 1; i++) {
      const int32_t r = rows[k[i] & 0xffffff];
      const double  w = row_weight(b, r);
      const int     c = (int)(k[i] >> 24);
      wl += w;
      add_row(b, r, w, b->left);
      if ((int)(k[i + 1] >> 24) == c) continue;
      consider(b, best, f, i + 1, N, wl, W, cuts[c], c);
    }
    return 0;
  }
  ms_tree_keyed *a = b->sorted;
  for (int64_t i = 0; i < N; i++) {
    a[i].row = rows[i];
    a[i].key = td->Xcol[(size_t)f * n + rows[i]];
  }
  ms_tree_sort_keyed(a, N);
  if (a[N - 1].key <= a[0].key + MS_TREE_FEATURE_EPS) return 1;
  for (int64_t i = 0; i < N - 1; i++) {
    const double w = row_weight(b, a[i].row);
    wl += w;
    add_row(b, a[i].row, w, b->left);
    if (a[i + 1].key <= a[i].key + MS_TREE_FEATURE_EPS) continue;
    double thr = 0.5 * a[i].key + 0.5 * a[i + 1].key;
    if (thr >= a[i + 1].key || !isfinite(thr)) thr = a[i].key;
    consider(b, best, f, i + 1, N, wl, W, thr, 0);
  }
  return 0;
}

/* Move the rows going left to the front of rows[0..N); returns their count. */
static int64_t partition(const builder *b, const split *sp, int32_t *rows, int64_t N)
{
  const struct ms_tree_data_s *td = b->td;
  int64_t                      i = 0, j = N - 1;
  while (i <= j) {
    const int32_t r    = rows[i];
    const int     left = td->splitter == MS_TREE_SPLIT_HIST ? td->codes[(size_t)sp->feature * td->n + r] <= sp->code
                                                            : td->Xcol[(size_t)sp->feature * td->n + r] <= sp->threshold;
    if (left) i++;
    else {
      rows[i] = rows[j];
      rows[j] = r;
      j--;
    }
  }
  return i;
}

PetscErrorCode ms_tree_build(const struct ms_tree_data_s *td, const ms_tree_params *p, const double *weight, ms_rng *rng,
                             ms_tree *tree, double *importance)
{
  builder        b   = {.td = td, .p = p, .w = weight, .S = td->n_classes ? td->n_classes : 2};
  const int64_t  n   = td->n, d = td->d, nb = td->max_bins;
  int32_t       *rows  = NULL;
  pending       *stack = NULL;
  int64_t        n_in = 0, top = 0;
  PetscErrorCode ierr = 0;

  memset(tree, 0, sizeof(*tree));
  tree->n_outputs = td->n_classes ? td->n_classes : 1;
  rows            = malloc(sizeof(int32_t) * (size_t)n);
  stack           = malloc(sizeof(pending) * (size_t)(n + 1));
  b.feat          = malloc(sizeof(int32_t) * (size_t)d);
  b.sorted        = malloc(sizeof(ms_tree_keyed) * (size_t)n);
  b.hw            = malloc(sizeof(double) * (size_t)(nb * (b.S + 1) + 2 * b.S));
  b.hn            = malloc(sizeof(int32_t) * (size_t)nb);
  if (!rows || !stack || !b.feat || !b.sorted || !b.hw || !b.hn || ms_tree_reserve(tree, 64)) {
    ierr = PETSC_ERR_MEM;
    goto done;
  }
  b.hs    = b.hw + nb;
  b.left  = b.hs + nb * b.S;
  b.total = b.left + b.S;
  for (int64_t j = 0; j < d; j++) b.feat[j] = (int32_t)j;
  for (int64_t i = 0; i < n; i++)
    if (!weight || weight[i] > 0.0) rows[n_in++] = (int32_t)i;
  if (!n_in) goto done; /* no rows: an empty tree, the caller reports it */
  stack[top++] = (pending){0, n_in, 0, -1, 0};

  while (top) {
    const pending nd = stack[--top];
    const int64_t N  = nd.e - nd.s;
    double        W  = 0.0;
    memset(b.total, 0, sizeof(double) * (size_t)b.S);
    for (int64_t i = nd.s; i < nd.e; i++) {
      const double w = row_weight(&b, rows[i]);
      W += w;
      add_row(&b, rows[i], w, b.total);
    }
    const double imp = ms_tree_impurity(p->criterion, b.S, b.total, W);
    if (tree->n_nodes == tree->cap && ms_tree_reserve(tree, 2 * tree->cap)) {
      ierr = PETSC_ERR_MEM;
      goto done;
    }
    const int32_t id = (int32_t)tree->n_nodes++;
    if (nd.parent >= 0) {
      if (nd.is_left) tree->node[nd.parent].left = id;
      else tree->node[nd.parent].right = id;
      if (importance) importance[tree->node[nd.parent].feature] -= W * imp;
    }
    tree->node[id].feature = -1;
    tree->node[id].left = tree->node[id].right = -1;
    tree->node[id].threshold = 0.0;
    tree->node[id].n_samples = (int32_t)N;
    tree->weight[id]    = W;
    tree->impurity[id]  = imp;
    if (td->n_classes)
      for (int64_t k = 0; k < b.S; k++) tree->value[id * b.S + k] = b.total[k] / W;
    else tree->value[id] = b.total[0] / W;

    const double pure = td->n_classes ? DBL_EPSILON : 8 * DBL_EPSILON * fmax(1.0, b.total[1] / W);
    if ((p->max_depth > 0 && nd.depth >= p->max_depth) || N < p->min_samples_split || N < 2 * p->min_samples_leaf || imp <= pure)
      continue;
    split   best    = {.found = 0, .proxy = -INFINITY};
    int64_t visited = 0, j = 0;
    while (j < d && visited < p->max_features) {
      const int64_t r = j + (int64_t)ms_rng_below(rng, (uint64_t)(d - j));
      const int32_t f = b.feat[r];
      b.feat[r]       = b.feat[j];
      b.feat[j++]     = f;
      if (!search_feature(&b, f, rows + nd.s, N, W, &best)) visited++;
    }
    if (!best.found) continue;
    const int64_t nl = partition(&b, &best, rows + nd.s, N);
    if (nl != best.n_left) { /* the scan and the partition disagree: a bug, not bad input */
      ierr = PETSC_ERR_PLIB;
      goto done;
    }
    tree->node[id].feature   = best.feature;
    tree->node[id].threshold = best.threshold;
    if (importance) importance[best.feature] += W * imp;
    stack[top++] = (pending){nd.s + nl, nd.e, nd.depth + 1, id, 0};
    stack[top++] = (pending){nd.s, nd.s + nl, nd.depth + 1, id, 1};
  }
done:
  free(rows); free(stack); free(b.feat); free(b.sorted); free(b.hw); free(b.hn);
  if (ierr) ms_tree_free(tree);
  return ierr;
}
