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

static PetscErrorCode check_forest(ms_forest f, int64_t n, const double *Q)
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
    MS_CHECK(n < 20 || ps[n / 2] > 0); /* a bagged forest disagrees somewhere */
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
  MS_CHECK(f->pnode != NULL);
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
  PetscCall(test_not_a_tree());
  MS_TEST_END("test_forest_predict");
}
