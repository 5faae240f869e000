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

/* Histograms: per bin HS = 2 + Sh doubles, {rows, weight, Sh statistics}, where Sh is the
 * class count or 1 (sum w y: the split proxy of squared error needs no sum w y^2). A node's
 * full histogram holds d features x max_bins bins of them. */
typedef struct {
  const struct ms_tree_data_s *td;
  const ms_tree_params        *p;
  const double                *w;    /* NULL: every row weighs 1 */
  int64_t                      S;    /* statistics per row: 2 (sum wy, sum wy^2) or n_classes */
  int64_t                      Sh, HS, hsize; /* histogram statistics, doubles per bin, per node */
  int32_t                     *feat; /* feature permutation, kept across nodes like scikit-learn */
  ms_tree_keyed               *sorted;
  double                      *h1;   /* one feature's histogram (nodes without a full one) */
  double                      *gw, *gy; /* the node's rows' weights and w*y, in row order */
  uint8_t                     *ncodes;  /* nodes below MS_TREE_FULL_HIST_ROWS rows: their
                                           rows' codes, N x d (one cache line per row, not d) */
  int32_t                     *gl;      /* classification: the node's rows' labels */
  double                      *left, *total;
  double                     **pool, **all; /* free full histograms; every one allocated */
  int64_t                      n_pool, n_alloc, cap;
} builder;

/* Nodes of at least this many rows carry a full histogram when every feature is searched
 * (max_features = d): the larger child's is the parent's minus the smaller child's, an
 * O(d * bins) subtraction instead of an O(d * rows) pass, so each level of the tree reads
 * only the rows of its smaller children. Below it, a histogram costs more than its rows. */
#define MS_TREE_FULL_HIST_ROWS 1024

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
  double *hist; /* full histogram of the node's rows, or NULL */
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

/* Histogram of feature f over the node's rows rows[0..N) (their gathered statistics gw, gy,
 * gl in the same order) into h (n_bins[f] bins of HS doubles). local: read the codes from
 * ncodes (filled for this node) instead of the column. */
static void fill_hist(const builder *b, int32_t f, const int32_t *rows, int64_t N, int local, double *h)
{
  const struct ms_tree_data_s *td = b->td;
  const uint8_t               *codes = td->codes + (size_t)f * td->n, *nc = b->ncodes + f;
  const int64_t                HS = b->HS, d = td->d;
  memset(h, 0, sizeof(double) * (size_t)(td->n_bins[f] * HS));
  if (td->n_classes)
    for (int64_t i = 0; i < N; i++) {
      double *q = h + (local ? nc[i * d] : codes[rows[i]]) * HS;
      q[0] += 1.0;
      q[1] += b->gw[i];
      q[2 + b->gl[i]] += b->gw[i];
    }
  else if (local)
    for (int64_t i = 0; i < N; i++) {
      double *q = h + nc[i * d] * 3;
      q[0] += 1.0;
      q[1] += b->gw[i];
      q[2] += b->gy[i];
    }
  else
    for (int64_t i = 0; i < N; i++) {
      double *q = h + codes[rows[i]] * 3;
      q[0] += 1.0;
      q[1] += b->gw[i];
      q[2] += b->gy[i];
    }
}

/* The split scan over feature f's histogram h; returns 1 when the node's rows fill one bin. */
static int scan_hist(builder *b, int32_t f, const double *h, int64_t N, double W, split *best)
{
  const struct ms_tree_data_s *td = b->td;
  const int                    nb = td->n_bins[f];
  const int64_t                HS = b->HS;
  const double                *cuts = td->cuts + (size_t)f * (td->max_bins - 1);
  double                       wl = 0.0;
  int64_t                      nl = 0;
  int                          nonempty = 0;
  for (int c = 0; c < nb && nonempty < 2; c++) nonempty += h[c * HS] > 0.0;
  if (nonempty < 2) return 1;
  memset(b->left, 0, sizeof(double) * (size_t)b->S);
  /* The nonempty bins first, without a branch (in a sparse histogram, whether a bin is
   * empty is a coin toss the branch predictor loses), then the scan over them alone. */
  int m = 0, idx[256];
  for (int c = 0; c < nb - 1; c++) {
    idx[m] = c;
    m += h[c * HS] != 0.0;
  }
  for (int t = 0; t < m; t++) {
    const int     c = idx[t];
    const double *q = h + c * HS;
    wl += q[1];
    nl += (int64_t)q[0];
    for (int64_t k = 0; k < b->Sh; k++) b->left[k] += q[2 + k];
    if (nl == N) break;
    consider(b, best, f, nl, N, wl, W, cuts[c], c);
  }
  return 0;
}

/* Best split of the node's rows on feature f into *best; returns 1 when f is constant here.
 * full: the node's full histogram, or NULL. */
static int search_feature(builder *b, int32_t f, const int32_t *rows, int64_t N, double W, const double *full, split *best)
{
  const struct ms_tree_data_s *td   = b->td;
  const int                    hist = td->splitter == MS_TREE_SPLIT_HIST;
  const int64_t                n = td->n, S = b->S;
  const double                *cuts  = hist ? td->cuts + (size_t)f * (td->max_bins - 1) : NULL;
  double                       wl = 0.0;

  if (N < 2) return 1; /* callers never split fewer than min_samples_split >= 2 rows */
  if (full) return scan_hist(b, f, full + (size_t)f * td->max_bins * b->HS, N, W, best);
  memset(b->left, 0, sizeof(double) * (size_t)S);
  if (hist && N * 8 >= td->n_bins[f]) { /* else N * 8 < bins <= 256: N <= 31 */
    fill_hist(b, f, rows, N, N < MS_TREE_FULL_HIST_ROWS, b->h1);
    return scan_hist(b, f, b->h1, N, W, best);
  }
  if (hist) {
    /* Small node (N < bins/8 <= 32): sort (code, position) packed in 32 bits, distinct, by
     * counting for each key the keys below it: O(N^2) compares but no branch to mispredict,
     * which an insertion sort of random codes does at almost every key. The codes come
     * from the node's row-major copy (small_codes). */
    uint32_t v[32], k[32];
    for (int64_t i = 0; i < N; i++) v[i] = (uint32_t)b->ncodes[i * td->d + f] << 24 | (uint32_t)i;
    for (int64_t i = 0; i < N; i++) {
      uint32_t below = 0;
      for (int64_t j = 0; j < N; j++) below += v[j] < v[i];
      k[below] = v[i];
    }
    if (k[0] >> 24 == k[N - 1] >> 24) return 1;
    for (int64_t i = 0; i < N - 1; i++) {
      const uint32_t q = k[i] & 0xffffff; /* position in the node: its gathered statistics */
      const double   w = b->gw[q];
      const int      c = (int)(k[i] >> 24);
      wl += w;
      if (b->td->n_classes) b->left[b->gl[q]] += w;
      else b->left[0] += b->gy[q];
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

/* Weights, w*y and labels of rows[0..N) into gw, gy, gl (row order), their statistics added
 * to total (S entries, as add_row); returns their weight. */
static double gather_rows(builder *b, const int32_t *rows, int64_t N, double *total)
{
  double W = 0.0;
  for (int64_t i = 0; i < N; i++) {
    const int32_t r = rows[i];
    const double  w = row_weight(b, r);
    b->gw[i]        = w;
    W += w;
    if (b->td->n_classes) {
      b->gl[i] = (int32_t)b->td->labels[r];
      total[b->gl[i]] += w;
    } else {
      const double y = b->td->y[r];
      b->gy[i]       = w * y;
      total[0] += b->gy[i];
      total[1] += b->gy[i] * y;
    }
  }
  return W;
}

/* A full histogram from the pool or newly allocated (NULL: out of memory). */
static double *hist_get(builder *b)
{
  double *h;
  if (b->n_pool) return b->pool[--b->n_pool];
  if (b->n_alloc == b->cap || !(h = malloc(sizeof(double) * (size_t)b->hsize))) return NULL;
  return b->all[b->n_alloc++] = h;
}

/* The pool has a slot for every histogram allocated, so a release never fails. */
static void hist_put(builder *b, double *h)
{
  if (h) b->pool[b->n_pool++] = h;
}

/* Full histogram (every feature) of rows[0..N), whose statistics gather_rows just took. */
static void full_hist(builder *b, const int32_t *rows, int64_t N, double *h)
{
  for (int64_t f = 0; f < b->td->d; f++) fill_hist(b, (int32_t)f, rows, N, 0, h + (size_t)f * b->td->max_bins * b->HS);
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

/* Give back the reserve beyond the tree's nodes (a failed shrink keeps the larger block). */
static void shrink(ms_tree *t)
{
  const size_t m = (size_t)(t->n_nodes > 0 ? t->n_nodes : 1);
  void        *q;
  if ((q = realloc(t->node, sizeof(*t->node) * m))) t->node = q;
  if ((q = realloc(t->impurity, sizeof(double) * m))) t->impurity = q;
  if ((q = realloc(t->weight, sizeof(double) * m))) t->weight = q;
  if ((q = realloc(t->value, sizeof(double) * m * (size_t)t->n_outputs))) t->value = q;
  t->cap = (int64_t)m;
}

PetscErrorCode ms_tree_build(const struct ms_tree_data_s *td, const ms_tree_params *p, const double *weight, ms_rng *rng,
                             ms_tree *tree, double *importance)
{
  builder        b   = {.td = td, .p = p, .w = weight, .S = td->n_classes ? td->n_classes : 2};
  const int64_t  n   = td->n, d = td->d, nb = td->max_bins;
  const int      hist = td->splitter == MS_TREE_SPLIT_HIST;
  const int      subtract = hist && p->max_features >= d; /* every node searches every feature */
  int32_t       *rows  = NULL;
  pending       *stack = NULL;
  int64_t        n_in = 0, top = 0;
  PetscErrorCode ierr = 0;

  memset(tree, 0, sizeof(*tree));
  tree->n_outputs = td->n_classes ? td->n_classes : 1;
  b.Sh            = td->n_classes ? td->n_classes : 1;
  b.HS            = 2 + b.Sh;
  b.hsize         = d * nb * b.HS;
  rows            = malloc(sizeof(int32_t) * (size_t)n);
  stack           = malloc(sizeof(pending) * (size_t)(n + 1));
  b.feat          = malloc(sizeof(int32_t) * (size_t)d);
  b.sorted        = malloc(sizeof(ms_tree_keyed) * (size_t)n);
  b.h1            = malloc(sizeof(double) * (size_t)(nb * b.HS + 2 * b.S + 2 * n));
  b.gl            = malloc(sizeof(int32_t) * (size_t)n);
  b.ncodes        = malloc((size_t)(MS_TREE_FULL_HIST_ROWS * d));
  /* live full histograms belong to disjoint nodes of >= MS_TREE_FULL_HIST_ROWS rows, plus
     the one being filled: this bounds them */
  b.cap           = n / MS_TREE_FULL_HIST_ROWS + 4;
  b.pool          = malloc(sizeof(double *) * (size_t)b.cap);
  b.all           = malloc(sizeof(double *) * (size_t)b.cap);
  if (!rows || !stack || !b.feat || !b.sorted || !b.h1 || !b.gl || !b.ncodes || !b.pool || !b.all || ms_tree_reserve(tree, 64)) {
    ierr = PETSC_ERR_MEM;
    goto done;
  }
  b.left  = b.h1 + nb * b.HS;
  b.total = b.left + b.S;
  b.gw    = b.total + b.S;
  b.gy    = b.gw + n;
  for (int64_t j = 0; j < d; j++) b.feat[j] = (int32_t)j;
  for (int64_t i = 0; i < n; i++)
    if (!weight || weight[i] > 0.0) rows[n_in++] = (int32_t)i;
  if (!n_in) goto done; /* no rows: an empty tree, the caller reports it */
  /* room for the largest tree (2 n_in - 1 nodes) at once: growing by doubling copied the
     node arrays over and over; the pages never reached are never touched, and the arrays
     shrink to the tree at the end */
  if (ms_tree_reserve(tree, 2 * n_in)) {
    ierr = PETSC_ERR_MEM;
    goto done;
  }
  stack[top++] = (pending){0, n_in, 0, -1, 0, NULL};

  while (top) {
    pending       nd = stack[--top];
    const int64_t N  = nd.e - nd.s;
    double        W  = 0.0;
    memset(b.total, 0, sizeof(double) * (size_t)b.S);
    if (hist) W = gather_rows(&b, rows + nd.s, N, b.total); /* one pass over the rows' targets */
    else
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
    if ((p->max_depth > 0 && nd.depth >= p->max_depth) || N < p->min_samples_split || N < 2 * p->min_samples_leaf || imp <= pure) {
      hist_put(&b, nd.hist);
      continue;
    }
    if (subtract && !nd.hist && N >= MS_TREE_FULL_HIST_ROWS) { /* the root, or a child of a failed split */
      if (!(nd.hist = hist_get(&b))) {
        ierr = PETSC_ERR_MEM;
        goto done;
      }
      full_hist(&b, rows + nd.s, N, nd.hist);
    }
    if (hist && N < MS_TREE_FULL_HIST_ROWS) /* every feature's search reads them */
      for (int64_t i = 0; i < N; i++) memcpy(b.ncodes + i * d, td->rcodes + (size_t)rows[nd.s + i] * d, (size_t)d);
    split   best    = {.found = 0, .proxy = -INFINITY};
    int64_t visited = 0, j = 0;
    while (j < d && visited < p->max_features) {
      const int64_t r = j + (int64_t)ms_rng_below(rng, (uint64_t)(d - j));
      const int32_t f = b.feat[r];
      b.feat[r]       = b.feat[j];
      b.feat[j++]     = f;
      if (!search_feature(&b, f, rows + nd.s, N, W, nd.hist, &best)) visited++;
    }
    if (!best.found) {
      hist_put(&b, nd.hist);
      continue;
    }
    const int64_t nl = partition(&b, &best, rows + nd.s, N);
    if (nl != best.n_left) { /* the scan and the partition disagree: a bug, not bad input */
      ierr = PETSC_ERR_PLIB;
      goto done;
    }
    tree->node[id].feature   = best.feature;
    tree->node[id].threshold = best.threshold;
    if (importance) importance[best.feature] += W * imp;
    double *hl = NULL, *hr = NULL;
    if (nd.hist && PetscMax(nl, N - nl) >= MS_TREE_FULL_HIST_ROWS) {
      /* the smaller child's histogram from its rows, the larger one's by subtraction */
      const int     left_small = nl <= N - nl;
      const int64_t ss = left_small ? nd.s : nd.s + nl, sn = left_small ? nl : N - nl;
      double       *hs = hist_get(&b);
      if (!hs) {
        ierr = PETSC_ERR_MEM;
        goto done;
      }
      gather_rows(&b, rows + ss, sn, b.left); /* left: scratch here */
      full_hist(&b, rows + ss, sn, hs);
      for (int64_t f = 0; f < d; f++) {
        double       *h = nd.hist + f * nb * b.HS;
        const double *q = hs + f * nb * b.HS;
        for (int64_t c = 0; c < td->n_bins[f] * b.HS; c++) h[c] -= q[c];
      }
      if (sn < MS_TREE_FULL_HIST_ROWS) {
        hist_put(&b, hs);
        hs = NULL;
      }
      hl = left_small ? hs : nd.hist;
      hr = left_small ? nd.hist : hs;
    } else hist_put(&b, nd.hist);
    stack[top++] = (pending){nd.s + nl, nd.e, nd.depth + 1, id, 0, hr};
    stack[top++] = (pending){nd.s, nd.s + nl, nd.depth + 1, id, 1, hl};
  }
  shrink(tree);
done:
  for (int64_t i = 0; b.all && i < b.n_alloc; i++) free(b.all[i]);
  free(b.all); free(b.pool); free(rows); free(stack); free(b.feat); free(b.sorted); free(b.h1); free(b.gl); free(b.ncodes);
  if (ierr) ms_tree_free(tree);
  return ierr;
}
