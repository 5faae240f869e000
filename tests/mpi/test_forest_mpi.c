/* test_forest_mpi.c - a forest is bit-identical on 1 and 2 ranks and on 1 and 2 OpenMP
 * threads for one seed (predictions, probabilities, std, importances, OOB score, every
 * node), and survives an HDF5 save/load round trip on 2 ranks. Run with 2 ranks. */
#include "ms_forest.h"
#include "ms_h5.h"
#include "ms_test.h"
#include <omp.h>
#include <string.h>

enum { N = 500, D = 6, K = 3 };

static void make_data(double *X, double *y, int64_t *lab)
{
  ms_rng r;
  ms_rng_init(&r, 2026, 0);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_normal(&r);
    y[i]   = X[i * D] * X[i * D + 1] + sin(X[i * D + 2]) + 0.3 * ms_rng_normal(&r);
    lab[i] = (X[i * D] + 0.5 * X[i * D + 3] > 0.3) + (X[i * D + 1] > 0.8 && ms_rng_uniform(&r) < 0.9);
  }
}

static int same_trees(ms_forest a, ms_forest b)
{
  if (a->n_trees != b->n_trees) return 0;
  for (int64_t t = 0; t < a->n_trees; t++) {
    const ms_tree *x = &a->trees[t], *y = &b->trees[t];
    const size_t   m = (size_t)x->n_nodes;
    if (x->n_nodes != y->n_nodes || memcmp(x->node, y->node, sizeof(ms_tree_node) * m) ||
        memcmp(x->value, y->value, 8 * m * (size_t)x->n_outputs) || memcmp(x->impurity, y->impurity, 8 * m))
      return 0;
  }
  return 1;
}

/* Outputs compared bitwise: predict, then proba (classification) or std (regression). */
static PetscErrorCode outputs(ms_forest f, const double *X, double *out)
{
  PetscFunctionBeginUser;
  PetscCall(ms_forest_predict(f, N, X, out));
  if (f->n_classes) PetscCall(ms_forest_predict_proba(f, N, X, out + N));
  else PetscCall(ms_forest_predict_std(f, N, X, out + N));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_config(ms_forest_params *p, const double *X, const double *y, const int64_t *lab, int64_t nc)
{
  ms_forest   fw, f1, f2;
  double     *ow, *o1, *o2;
  const size_t len = (size_t)N * (1 + K);
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(len, &ow, len, &o1, len, &o2));
  omp_set_num_threads(1);
  PetscCall(ms_forest_fit(PETSC_COMM_WORLD, p, 42, N, D, X, nc ? NULL : y, nc ? lab : NULL, nc, &fw));
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, p, 42, N, D, X, nc ? NULL : y, nc ? lab : NULL, nc, &f1));
  omp_set_num_threads(2);
  PetscCall(ms_forest_fit(PETSC_COMM_SELF, p, 42, N, D, X, nc ? NULL : y, nc ? lab : NULL, nc, &f2));
  PetscCall(outputs(fw, X, ow));
  PetscCall(outputs(f1, X, o1));
  PetscCall(outputs(f2, X, o2));
  omp_set_num_threads(1);
  MS_CHECK(same_trees(fw, f1));
  MS_CHECK(same_trees(f2, f1));
  MS_CHECK(!memcmp(ow, o1, sizeof(double) * len));
  MS_CHECK(!memcmp(o2, o1, sizeof(double) * len));
  MS_CHECK(!memcmp(fw->importances, f1->importances, sizeof(double) * D));
  MS_CHECK(!memcmp(f2->importances, f1->importances, sizeof(double) * D));
  if (p->oob) {
    MS_CHECK(fw->oob_score == f1->oob_score && f2->oob_score == f1->oob_score && fw->n_oob == f1->n_oob);
    MS_CHECK(f1->n_oob > N * 9 / 10); /* with 15+ trees almost every row is out of some bag */
  }
  /* Another seed gives another forest (the streams are really used). */
  ms_forest g;
  PetscCall(ms_forest_fit(PETSC_COMM_WORLD, p, 43, N, D, X, nc ? NULL : y, nc ? lab : NULL, nc, &g));
  MS_CHECK(!same_trees(g, fw));
  PetscCall(ms_forest_destroy(&g));

  /* Save on 2 ranks, load, same outputs. */
  ms_h5_file h;
  hid_t      grp;
  ms_forest  fl;
  static int  n_saved = 0;
  char        path[64];
  /* A new file per configuration: a file this process has read is guarded as an input and
     may not be written again (ms_output_check). */
  PetscCall(PetscSNPrintf(path, sizeof path, "test_forest_mpi_%d.h5", n_saved++));
  PetscCall(ms_h5_create(PETSC_COMM_WORLD, path, &h));
  PetscCall(ms_h5_group_ensure(h->fid, "/forest", &grp));
  PetscCall(ms_forest_save(fw, PETSC_COMM_WORLD, grp));
  H5Gclose(grp);
  PetscCall(ms_h5_commit(&h));
  PetscCall(ms_h5_open_read(PETSC_COMM_WORLD, path, &h));
  grp = H5Gopen2(h->fid, "/forest", H5P_DEFAULT);
  PetscCall(ms_forest_load(grp, &fl));
  H5Gclose(grp);
  PetscCall(ms_h5_close(&h));
  PetscCall(outputs(fl, X, o1));
  MS_CHECK(same_trees(fl, fw));
  MS_CHECK(!memcmp(ow, o1, sizeof(double) * len));
  MS_CHECK(!memcmp(fl->importances, fw->importances, sizeof(double) * D));
  MS_CHECK(fl->has_oob == fw->has_oob && (!fw->has_oob || fl->oob_score == fw->oob_score));
  PetscCall(ms_forest_destroy(&fl));

  PetscCall(ms_forest_destroy(&fw));
  PetscCall(ms_forest_destroy(&f1));
  PetscCall(ms_forest_destroy(&f2));
  PetscCall(PetscFree3(ow, o1, o2));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double           X[N * D], y[N];
  int64_t          lab[N];
  ms_forest_params p;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  make_data(X, y, lab);
  ms_forest_params_default(&p, PETSC_TRUE);
  p.n_trees = 15; /* odd: ranks own different numbers of trees */
  p.oob     = PETSC_TRUE;
  PetscCall(check_config(&p, X, y, lab, K));
  p.tree.criterion = MS_TREE_ENTROPY;
  p.tree.splitter  = MS_TREE_SPLIT_EXACT;
  p.oob            = PETSC_FALSE;
  p.tree.max_depth = 6;
  PetscCall(check_config(&p, X, y, lab, K));
  ms_forest_params_default(&p, PETSC_FALSE);
  p.n_trees = 15;
  p.oob     = PETSC_TRUE;
  p.max_features.kind  = MS_TREE_MAXF_FRACTION;
  p.max_features.value = 0.5;
  PetscCall(check_config(&p, X, y, lab, 0));
  p.tree.splitter         = MS_TREE_SPLIT_EXACT;
  p.tree.min_samples_leaf = 3;
  PetscCall(check_config(&p, X, y, lab, 0));
  MS_TEST_END("test_forest_mpi");
}
