/* test_tree.c - CART engine on closed-form cases: a step fitted exactly by one split, Gini
 * and entropy of known splits, min_samples_leaf, exact vs hist on few distinct values,
 * max_features parsing, a one-tree forest equal to a bare tree, and the histogram
 * subtraction of large nodes equal to the exact search on exact sums. */
#include "ms_forest.h"
#include "ms_test.h"

static ms_tree_params params(ms_tree_criterion c, int64_t depth, int64_t msl, int64_t mtry, ms_tree_splitter s)
{
  ms_tree_params p = {.criterion = c, .max_depth = depth, .min_samples_split = 2, .min_samples_leaf = msl, .max_features = mtry, .splitter = s};
  return p;
}

static PetscErrorCode fit_one(int64_t n, int64_t d, const double *X, const double *y, const int64_t *lab, int64_t K,
                              const ms_tree_params *p, ms_tree *t, double *imp)
{
  ms_tree_data td;
  ms_rng       rng;
  PetscFunctionBeginUser;
  PetscCall(ms_tree_data_create(PETSC_COMM_SELF, n, d, X, y, lab, K, p->splitter, 255, &td));
  ms_rng_init(&rng, 7, 0);
  PetscCall(ms_tree_build(td, p, NULL, &rng, t, imp));
  PetscCall(ms_tree_data_destroy(&td));
  PetscFunctionReturn(0);
}

/* y = 3 for x < 5, 7 for x >= 5 (x = 0..9), plus a constant second feature: depth 1 fits it. */
static PetscErrorCode test_step(ms_tree_splitter s)
{
  double  X[20], y[10], imp[2] = {0, 0};
  ms_tree t;
  PetscFunctionBeginUser;
  for (int i = 0; i < 10; i++) { X[2 * i] = i; X[2 * i + 1] = 1.0; y[i] = i < 5 ? 3.0 : 7.0; }
  ms_tree_params p = params(MS_TREE_SQUARED_ERROR, 1, 1, 2, s);
  PetscCall(fit_one(10, 2, X, y, NULL, 0, &p, &t, imp));
  MS_CHECK(t.n_nodes == 3);
  MS_CHECK(t.node[0].feature == 0);
  MS_CHECK_CLOSE(t.node[0].threshold, 4.5, 0, 1e-15);
  MS_CHECK_CLOSE(t.impurity[0], 4.0, 1e-14, 0); /* variance of {3 x5, 7 x5} */
  for (int i = 0; i < 10; i++) MS_CHECK(t.value[ms_tree_apply(&t, X + 2 * i)] == y[i]);
  MS_CHECK_CLOSE(imp[0], 10 * 4.0, 1e-14, 0);   /* W * impurity decrease, children pure */
  MS_CHECK(imp[1] == 0.0);
  ms_tree_free(&t);
  PetscFunctionReturn(0);
}

/* Feature 0 splits the classes 3:1 | 1:3, feature 1 splits 4:2 | 0:2. Gini: 0.375 vs 1/3 weighted
 * child impurity; entropy 0.8113 vs 0.6887: both pick feature 1. */
static PetscErrorCode test_known_split(ms_tree_criterion c, ms_tree_splitter s)
{
  const double  X[16] = {0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1};
  const int64_t lab[8] = {0, 0, 0, 1, 0, 1, 1, 1};
  /* rows: (f0,f1,label): (0,0,0) (0,0,0) (0,0,0) (1,0,1) (1,0,0) (1,0,1) (1,1,1) (0,1,1)
     f0<=0.5: labels 0,0,0,1(row7) -> 3:1 ; f0>0.5: 1,0,1,1 -> 1:3
     f1<=0.5: 0,0,0,1,0,1 -> 4:2 ; f1>0.5: 1,1 -> 0:2 */
  ms_tree t;
  PetscFunctionBeginUser;
  ms_tree_params p = params(c, 1, 1, 2, s);
  PetscCall(fit_one(8, 2, X, NULL, lab, 2, &p, &t, NULL));
  const double root = c == MS_TREE_GINI ? 0.5 : 1.0;
  const double left = c == MS_TREE_GINI ? 1.0 - (16.0 + 4.0) / 36.0 : -(2.0 / 3 * log2(2.0 / 3) + 1.0 / 3 * log2(1.0 / 3));
  MS_CHECK(t.n_nodes == 3 && t.node[0].feature == 1);
  MS_CHECK_CLOSE(t.impurity[0], root, 1e-14, 0);
  MS_CHECK_CLOSE(t.impurity[t.node[0].left], left, 1e-14, 0);
  MS_CHECK_CLOSE(t.impurity[t.node[0].right], 0.0, 0, 1e-15);
  MS_CHECK_CLOSE(t.value[t.node[0].left * 2 + 0], 4.0 / 6.0, 1e-14, 0);
  MS_CHECK(t.node[t.node[0].left].n_samples == 6 && t.node[t.node[0].right].n_samples == 2);
  ms_tree_free(&t);
  PetscFunctionReturn(0);
}

/* Random regression data: every leaf holds >= min_samples_leaf rows, training rows route to
 * the leaf that counted them, and with leaf size 1 the tree interpolates the data. */
static PetscErrorCode test_leaf_sizes(ms_tree_splitter s, int64_t msl)
{
  enum { N = 300, D = 3 };
  double  X[N * D], y[N];
  int32_t seen[2 * N] = {0};
  ms_rng  r;
  ms_tree t;
  PetscFunctionBeginUser;
  ms_rng_init(&r, 11, 3);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_uniform(&r);
    y[i] = sin(6 * X[i * D]) + X[i * D + 1] + 0.1 * ms_rng_normal(&r);
  }
  ms_tree_params p = params(MS_TREE_SQUARED_ERROR, 0, msl, D, s);
  PetscCall(fit_one(N, D, X, y, NULL, 0, &p, &t, NULL));
  int64_t leaves = 0, rows = 0, small = 0, miss = 0;
  for (int64_t k = 0; k < t.n_nodes; k++)
    if (t.node[k].feature < 0) { leaves++; rows += t.node[k].n_samples; small += t.node[k].n_samples < msl; }
  for (int i = 0; i < N; i++) {
    const int64_t k = ms_tree_apply(&t, X + i * D);
    seen[k]++;
    if (msl == 1) miss += t.value[k] != y[i];
  }
  for (int64_t k = 0; k < t.n_nodes; k++)
    if (t.node[k].feature < 0) MS_CHECK(seen[k] == t.node[k].n_samples);
  MS_CHECK(rows == N && small == 0 && leaves > 1);
  MS_CHECK(miss == 0);
  if (msl > 1) MS_CHECK(leaves <= N / msl);
  ms_tree_free(&t);
  PetscFunctionReturn(0);
}

/* With <= 255 distinct values per feature, hist and exact search the same splits. */
static PetscErrorCode test_hist_equals_exact(void)
{
  enum { N = 400, D = 4 };
  double  X[N * D];
  int64_t lab[N];
  ms_rng  r;
  ms_tree te, th;
  PetscFunctionBeginUser;
  ms_rng_init(&r, 5, 1);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = (double)ms_rng_below(&r, 40) / 8.0;
    lab[i] = (X[i * D] + X[i * D + 1] > 5.0) + (X[i * D + 2] > 4.0) + (ms_rng_uniform(&r) < 0.1);
  }
  ms_tree_params pe = params(MS_TREE_ENTROPY, 0, 2, 2, MS_TREE_SPLIT_EXACT), ph = pe;
  ph.splitter = MS_TREE_SPLIT_HIST;
  PetscCall(fit_one(N, D, X, NULL, lab, 4, &pe, &te, NULL));
  PetscCall(fit_one(N, D, X, NULL, lab, 4, &ph, &th, NULL));
  MS_CHECK(te.n_nodes == th.n_nodes);
  int64_t diff = 0;
  for (int64_t k = 0; k < te.n_nodes && k < th.n_nodes; k++) diff += te.node[k].feature != th.node[k].feature || te.node[k].n_samples != th.node[k].n_samples;
  MS_CHECK(diff == 0);
  ms_tree_free(&te);
  ms_tree_free(&th);
  PetscFunctionReturn(0);
}

/* Large nodes (>= 1024 rows) searching every feature take the larger child's histogram as
 * the parent's minus the smaller child's. With integer targets and grid features every sum
 * is exact, so the hist tree must equal the exact splitter's node for node (features, row
 * counts, values; thresholds differ: hist cuts halfway to the next value of the whole
 * column, exact halfway to the next value in the node), for squared error and Gini. */
static PetscErrorCode test_hist_subtraction(int64_t K)
{
  enum { N = 6000, D = 4 };
  double  *X, *y;
  int64_t *lab;
  ms_rng   r;
  ms_tree  te, th;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(N * D, &X, N, &y, N, &lab));
  ms_rng_init(&r, 17, 2);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = (double)ms_rng_below(&r, 60) / 4.0;
    y[i]   = (double)((int)X[i * D] % 5) + (X[i * D + 1] > 7.0) * 3.0 + (double)ms_rng_below(&r, 3);
    lab[i] = (int64_t)y[i] % 3;
  }
  ms_tree_params pe = params(K ? MS_TREE_GINI : MS_TREE_SQUARED_ERROR, 0, 1, D, MS_TREE_SPLIT_EXACT), ph = pe;
  ph.splitter = MS_TREE_SPLIT_HIST;
  PetscCall(fit_one(N, D, X, K ? NULL : y, K ? lab : NULL, K, &pe, &te, NULL));
  PetscCall(fit_one(N, D, X, K ? NULL : y, K ? lab : NULL, K, &ph, &th, NULL));
  MS_CHECK(te.n_nodes == th.n_nodes && te.n_nodes > 100);
  int64_t diff = 0;
  for (int64_t k = 0; k < te.n_nodes && k < th.n_nodes; k++) {
    diff += te.node[k].feature != th.node[k].feature || te.node[k].n_samples != th.node[k].n_samples;
    for (int64_t c = 0; c < te.n_outputs; c++) diff += te.value[k * te.n_outputs + c] != th.value[k * th.n_outputs + c];
  }
  MS_CHECK(diff == 0);
  ms_tree_free(&te);
  ms_tree_free(&th);
  PetscCall(PetscFree3(X, y, lab));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_max_features(void)
{
  const char *s[] = {"sqrt", "log2", "0.5", "1.0", "1", "all", "7"};
  const int64_t want[] = {5, 4, 15, 30, 1, 30, 7};
  PetscFunctionBeginUser;
  for (int i = 0; i < 7; i++) {
    ms_tree_max_features mf;
    int64_t              k;
    PetscCall(ms_tree_max_features_parse(s[i], "-test", &mf));
    PetscCall(ms_tree_max_features_resolve(&mf, 30, "-test", &k));
    MS_CHECK(k == want[i]);
  }
  PetscFunctionReturn(0);
}

/* Forest of one tree, no bootstrap, stream (seed, 0): the same tree as ms_tree_build. */
static PetscErrorCode test_forest_of_one(void)
{
  enum { N = 200, D = 5 };
  double           X[N * D], y[N], pf[N], imp[D] = {0};
  ms_rng           r;
  ms_tree          t;
  ms_forest        f;
  ms_forest_params fp;
  PetscFunctionBeginUser;
  ms_rng_init(&r, 9, 9);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_normal(&r);
    y[i] = X[i * D] * X[i * D + 1] + ms_rng_normal(&r);
  }
  ms_forest_params_default(&fp, PETSC_FALSE);
  fp.n_trees = 1; fp.bootstrap = PETSC_FALSE; fp.max_features.kind = MS_TREE_MAXF_COUNT; fp.max_features.value = 2;
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, &fp, 7, N, D, X, y, NULL, 0, &f));
  ms_tree_params p = params(MS_TREE_SQUARED_ERROR, 0, 1, 2, MS_TREE_SPLIT_HIST);
  PetscCall(fit_one(N, D, X, y, NULL, 0, &p, &t, imp));
  PetscCall(ms_forest_predict(f, N, X, pf));
  MS_CHECK(f->trees[0].n_nodes == t.n_nodes);
  int64_t diff = 0;
  double  s = 0;
  for (int i = 0; i < N; i++) diff += pf[i] != t.value[ms_tree_apply(&t, X + i * D)];
  for (int j = 0; j < D; j++) s += imp[j];
  for (int j = 0; j < D; j++) MS_CHECK_CLOSE(f->importances[j], imp[j] / s, 1e-12, 1e-15);
  MS_CHECK(diff == 0);
  ms_tree_free(&t);
  PetscCall(ms_forest_destroy(&f));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int s = 0; s < 2; s++) {
    PetscCall(test_step((ms_tree_splitter)s));
    PetscCall(test_known_split(MS_TREE_GINI, (ms_tree_splitter)s));
    PetscCall(test_known_split(MS_TREE_ENTROPY, (ms_tree_splitter)s));
    PetscCall(test_leaf_sizes((ms_tree_splitter)s, 1));
    PetscCall(test_leaf_sizes((ms_tree_splitter)s, 7));
  }
  PetscCall(test_hist_equals_exact());
  PetscCall(test_hist_subtraction(0));
  PetscCall(test_hist_subtraction(3));
  PetscCall(test_max_features());
  PetscCall(test_forest_of_one());
  {
    const double c[2] = {3, 5};
    MS_CHECK_CLOSE(ms_tree_impurity(MS_TREE_GINI, 2, c, 8), 30.0 / 64.0, 1e-15, 0);
    MS_CHECK_CLOSE(ms_tree_impurity(MS_TREE_ENTROPY, 2, c, 8), 0.95443400292496494, 1e-14, 0);
  }
  MS_TEST_END("test_tree");
}
