/* test_forest_predict.c - the packed, tree-major forest predictor against the definition:
 * every row walks every tree with ms_tree_apply (x <= threshold goes left), leaf values are
 * summed in tree order (predict, predict_proba) and the std is Welford's over the trees, row
 * by row. The packed path must give the same bits, for rows on thresholds, NaN and +-inf
 * features, and row counts around the 16-row groups; a node array that is not a tree is refused. */
#include "ms_forest.h"
#include "ms_test.h"
#include <math.h>

#define D 4

/* Queries: random rows, then rows whose features sit exactly on split thresholds, then NaN/inf. */
static void make_queries(ms_forest f, int64_t n, double *Q, ms_rng *r)
{
  const ms_tree *t = &f->trees[0];
  for (int64_t i = 0; i < n * D; i++) Q[i] = ms_rng_uniform(r);
  for (int64_t i = 0; i < n / 3; i++) {
    const ms_tree_node *x = &t->node[(i * 7) % t->n_nodes];
    if (x->feature >= 0) Q[i * D + x->feature] = x->threshold;
  }
  if (n > 5) {
    Q[(n - 1) * D] = NAN;
    Q[(n - 2) * D + 1] = INFINITY;
    Q[(n - 3) * D + 2] = -INFINITY;
    Q[(n - 4) * D + 3] = NAN;
  }
}

static PetscErrorCode check_path(ms_forest f, int64_t n, const double *Q);

/* Both packed paths, when the rank layout exists: with it, then with the 16-byte double
 * layout it falls back to (rnode hidden for the second pass). */
static PetscErrorCode check_forest(ms_forest f, int64_t n, const double *Q)
{
  ms_forest_rnode *rn = f->rnode;
  PetscFunctionBeginUser;
  PetscCall(check_path(f, n, Q));
  if (rn) {
    f->rnode = NULL;
    PetscCall(check_path(f, n, Q));
    f->rnode = rn;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode check_path(ms_forest f, int64_t n, const double *Q)
{
  const int64_t K = f->n_outputs, T = f->n_trees;
  double       *p, *pm, *ps, *ref, *mu, *m2;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc6(n * K + 1, &p, n + 1, &pm, n + 1, &ps, n * K + 1, &ref, n + 1, &mu, n + 1, &m2));
  for (int64_t i = 0; i < n; i++)
    for (int64_t t = 0; t < T; t++) {
      const double *v = f->trees[t].value + ms_tree_apply(&f->trees[t], Q + i * D) * K;
      for (int64_t c = 0; c < K; c++) ref[i * K + c] += v[c];
      if (!f->n_classes) {
        const double dl = v[0] - mu[i];
        mu[i] += dl / (double)(t + 1);
        m2[i] += dl * (v[0] - mu[i]);
      }
    }
  int64_t bad = 0;
  if (f->n_classes) {
    PetscCall(ms_forest_predict_proba(f, n, Q, p));
    for (int64_t i = 0; i < n * K; i++) bad += p[i] != ref[i] / (double)T;
    PetscCall(ms_forest_predict(f, n, Q, pm));
    for (int64_t i = 0; i < n; i++) {
      for (int64_t c = 0; c < K; c++) ref[i * K + c] /= (double)T;
      bad += pm[i] != (double)ms_forest_argmax(K, ref + i * K);
    }
  } else {
    PetscCall(ms_forest_predict(f, n, Q, p));
    PetscCall(ms_forest_predict_std(f, n, Q, ps));
    for (int64_t i = 0; i < n; i++) bad += p[i] != ref[i] / (double)T || ps[i] != sqrt(m2[i] / (double)T);
    PetscCall(PetscArrayzero(ps, n));
    PetscCall(ms_forest_predict_mean_std(f, n, Q, pm, ps));
    for (int64_t i = 0; i < n; i++) bad += pm[i] != p[i] || ps[i] != sqrt(m2[i] / (double)T);
    MS_CHECK(n < 20 || T < 2 || ps[n / 2] > 0); /* a bagged forest disagrees somewhere */
  }
  MS_CHECK(bad == 0);
  PetscCall(PetscFree6(p, pm, ps, ref, mu, m2));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_task(int64_t n_classes)
{
  const int64_t N = 600, sizes[] = {1, 15, 16, 17, 33, 1000};
  double       *X, *y, *Q;
  int64_t      *lab;
  ms_rng        r;
  ms_forest     f;
  ms_forest_params fp;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(N * D, &X, N, &y, N, &lab, 1000 * D, &Q));
  ms_rng_init(&r, 11, 0);
  for (int64_t i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_uniform(&r);
    y[i]   = sin(4 * X[i * D]) + X[i * D + 1] * X[i * D + 2] + 0.1 * ms_rng_normal(&r);
    lab[i] = n_classes ? (int64_t)(y[i] > 0.5) + (n_classes > 2 && y[i] > 1.0) : 0;
  }
  ms_forest_params_default(&fp, n_classes ? PETSC_TRUE : PETSC_FALSE);
  fp.n_trees = 25;
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, &fp, 5, N, D, X, n_classes ? NULL : y, n_classes ? lab : NULL, n_classes, &f));
  MS_CHECK(f->pnode != NULL && f->rnode != NULL); /* 254 cuts per feature at most: ranks fit */
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    make_queries(f, sizes[s], Q, &r);
    PetscCall(check_forest(f, sizes[s], Q));
  }
  /* the training rows themselves: every one sits on a cut's side exactly as at training */
  PetscCall(check_forest(f, N, X));
  PetscCall(ms_forest_destroy(&f));
  PetscCall(PetscFree4(X, y, lab, Q));
  PetscFunctionReturn(0);
}

/* Ties: features on a grid of few values (the cuts are midpoints between them, one value
 * sits on a cut exactly through rounding), both splitters; queries are the grid values,
 * every split threshold of every tree (each tree's own cut, so rows on the cut of another
 * tree too), its neighbouring doubles, signed zeros, NaN and infinities. */
static PetscErrorCode test_ties(ms_tree_splitter sp, int64_t n_classes)
{
  const int64_t N = 400, NQ = 3000;
  double       *X, *y, *Q;
  int64_t      *lab, nq = 0;
  ms_rng        r;
  ms_forest     f;
  ms_forest_params fp;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(N * D, &X, N, &y, N, &lab, NQ * D, &Q));
  ms_rng_init(&r, 23, 0);
  for (int64_t i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = (double)ms_rng_below(&r, 6) * (j == 3 ? 0.1 : 0.5) - (j == 2 ? 1.0 : 0.0);
    y[i]   = X[i * D] - X[i * D + 1] * X[i * D + 2] + 0.3 * ms_rng_normal(&r);
    lab[i] = n_classes ? (int64_t)(y[i] > 0.5) + (n_classes > 2 && y[i] > 1.5) : 0;
  }
  ms_forest_params_default(&fp, n_classes ? PETSC_TRUE : PETSC_FALSE);
  fp.n_trees       = 20;
  fp.tree.splitter = sp;
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, &fp, 9, N, D, X, n_classes ? NULL : y, n_classes ? lab : NULL, n_classes, &f));
  MS_CHECK(f->rnode != NULL);
  for (int64_t t = 0; t < f->n_trees && nq + 3 <= NQ; t++)
    for (int64_t k = 0; k < f->trees[t].n_nodes && nq + 3 <= NQ; k++) {
      const ms_tree_node *x = &f->trees[t].node[k];
      if (x->feature < 0) continue;
      for (int c = 0; c < 3; c++, nq++) {
        for (int j = 0; j < D; j++) Q[nq * D + j] = X[((nq * 13) % N) * D + j];
        Q[nq * D + x->feature] = c == 0 ? x->threshold : nextafter(x->threshold, c == 1 ? -INFINITY : INFINITY);
      }
    }
  const double special[] = {0.0, -0.0, NAN, INFINITY, -INFINITY, 0.25, 0.5, 1.0, 2.5, -1.0, 4.9e-324};
  for (int64_t i = 0; i < 40 && nq < NQ; i++, nq++)
    for (int j = 0; j < D; j++) Q[nq * D + j] = special[(i + 3 * j) % (int64_t)(sizeof special / sizeof *special)];
  MS_CHECK(nq > 300);
  PetscCall(check_forest(f, nq, Q));
  PetscCall(check_forest(f, N, X));
  PetscCall(ms_forest_destroy(&f));
  PetscCall(PetscFree4(X, y, lab, Q));
  PetscFunctionReturn(0);
}

/* Over the rank layout's limit: one exactly split feature with 40,000 distinct values and a
 * noisy target grows one threshold per row pair (> 32767 in one feature), so rnode stays NULL
 * and the double layout predicts, still equal to the plain walk. */
static PetscErrorCode test_rank_limit(void)
{
  const int64_t N = 40000;
  double       *X, *y, Q[64 * D];
  ms_rng        r;
  ms_forest     f;
  ms_forest_params fp;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(N * D, &X, N, &y));
  ms_rng_init(&r, 31, 0);
  for (int64_t i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = j ? 1.0 : (double)i / (double)N;
    y[i] = ms_rng_normal(&r);
  }
  ms_forest_params_default(&fp, PETSC_FALSE);
  fp.n_trees = 1; fp.bootstrap = PETSC_FALSE;
  fp.tree.splitter = MS_TREE_SPLIT_EXACT;
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, &fp, 3, N, D, X, y, NULL, 0, &f));
  MS_CHECK(f->trees[0].n_nodes > 2 * 32767 && f->pnode != NULL && f->rnode == NULL);
  make_queries(f, 64, Q, &r);
  PetscCall(check_forest(f, 64, Q));
  PetscCall(ms_forest_destroy(&f));
  PetscCall(PetscFree2(X, y));
  PetscFunctionReturn(0);
}

/* A node array whose root's children are one node (a DAG, as a tampered model file could
 * hold) walks more nodes than it holds: packing refuses it instead of unrolling it. Row 0's
 * outlying target makes the root split it off, so the right subtree is the larger one. */
static PetscErrorCode test_not_a_tree(void)
{
  double           X[40], y[10];
  ms_forest        f;
  ms_forest_params fp;
  PetscErrorCode   ierr;
  PetscFunctionBeginUser;
  for (int i = 0; i < 10; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = j ? 0.0 : (double)i;
    y[i] = i ? (double)i : 100.0;
  }
  ms_forest_params_default(&fp, PETSC_FALSE);
  fp.n_trees = 1; fp.bootstrap = PETSC_FALSE;
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, &fp, 1, 10, D, X, y, NULL, 0, &f));
  const ms_tree *t = &f->trees[0];
  MS_CHECK(t->n_nodes == 19 && t->node[0].feature == 0 && t->node[0].left == 1 && t->node[0].right == 2);
  f->trees[0].node[0].left = f->trees[0].node[0].right;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ms_forest_pack(f);
  PetscCall(PetscPopErrorHandler());
  MS_CHECK(ierr == MS_ERR_READ);
  PetscCall(ms_forest_destroy(&f));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(test_task(0));
  PetscCall(test_task(2));
  PetscCall(test_task(3));
  PetscCall(test_ties(MS_TREE_SPLIT_HIST, 0));
  PetscCall(test_ties(MS_TREE_SPLIT_EXACT, 0));
  PetscCall(test_ties(MS_TREE_SPLIT_HIST, 3));
  PetscCall(test_ties(MS_TREE_SPLIT_EXACT, 2));
  PetscCall(test_rank_limit());
  PetscCall(test_not_a_tree());
  MS_TEST_END("test_forest_predict");
}
