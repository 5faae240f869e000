/* test_rf_model.c - the "rf" and "tree" models through the generic ms_model interface:
 * rows sharded over 2 ranks give bit-identical predictions to the same rows on one rank
 * (the allgather inside fit), probabilities sum to 1 and argmax to predict, the regression
 * std is the spread of the trees (0 for a forest of identical trees) and the fused mean+std
 * equals predict and predict_std bit for bit, importances sum to 1,
 * options reach the engine (-tree_max_depth 1 fits a step with one split), and a saved
 * model loads to the same predictions. Run with 2 ranks. */
#include "ms_model.h"
#include "models/rf_impl.h" /* to look at the fitted tree */
#include "ms_test.h"
#include <string.h>

enum { N = 240, D = 4 };

static PetscErrorCode make(MPI_Comm comm, PetscBool cls, ms_dataset *ds)
{
  PetscMPIInt rank, size;
  char       *names[D] = {"a", "b", "c", "d"}, *cn[3] = {"x", "y", "z"};
  double      X[N * D], y[N];
  int64_t     lab[N];
  ms_rng      r;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  ms_rng_init(&r, 3, 0);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_uniform(&r);
    y[i]   = (X[i * D] > 0.5 ? 2.0 : -1.0) + 0.5 * X[i * D + 1] + 0.1 * ms_rng_normal(&r);
    lab[i] = (X[i * D] > 0.5) + (X[i * D + 2] > 0.7);
  }
  const int64_t r0 = N * rank / size, r1 = N * (rank + 1) / size;
  PetscCall(ms_dataset_create(comm, r1 - r0, D, ds));
  PetscCall(PetscArraycpy((*ds)->X, X + r0 * D, (r1 - r0) * D));
  PetscCall(ms_dataset_set_feature_names(*ds, names));
  if (cls) PetscCall(ms_dataset_set_labels(*ds, "c", 3, cn, lab + r0));
  else PetscCall(ms_dataset_set_target(*ds, "y", y + r0));
  PetscFunctionReturn(0);
}

/* Fit `type` with `opts` on comm; predictions (and proba or std) for the local rows. */
static PetscErrorCode fit_predict(MPI_Comm comm, const char *type, const char *opts, PetscBool cls, ms_model *mout, ms_dataset *dout,
                                  double **out)
{
  ms_model   m;
  ms_dataset ds;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(make(comm, cls, &ds));
  PetscCall(ms_model_create(comm, type, &m));
  PetscCall(ms_model_set_from_options(m));
  PetscCall(ms_model_fit(m, ds));
  PetscCall(PetscCalloc1(ds->n_local * 4 + 1, out));
  PetscCall(ms_model_predict(m, ds, *out));
  if (cls) PetscCall(ms_model_predict_proba(m, ds, *out + ds->n_local));
  else if (ms_model_has_std(m)) PetscCall(ms_model_predict_std(m, ds, *out + ds->n_local));
  *mout = m;
  *dout = ds;
  PetscFunctionReturn(0);
}

static PetscErrorCode check(const char *type, const char *opts, PetscBool cls)
{
  ms_model    mw, ms, ml;
  ms_dataset  dw, dself;
  double     *ow, *os, *ol, *imp;
  int64_t     nr;
  PetscFunctionBeginUser;
  PetscCall(fit_predict(PETSC_COMM_WORLD, type, opts, cls, &mw, &dw, &ow));
  PetscCall(fit_predict(PETSC_COMM_SELF, type, opts, cls, &ms, &dself, &os));
  const int64_t nl = dw->n_local, r0 = dw->row_start, w = cls ? 3 : 1;
  /* the 2-rank model's outputs for this rank's rows equal the 1-rank model's for the same rows */
  MS_CHECK(!memcmp(ow, os + r0, sizeof(double) * (size_t)nl));
  if (cls || ms_model_has_std(mw)) MS_CHECK(!memcmp(ow + nl, os + N + r0 * w, sizeof(double) * (size_t)(nl * w)));
  if (cls) {
    int64_t bad = 0;
    for (int64_t i = 0; i < nl; i++) {
      const double *p = ow + nl + 3 * i;
      int64_t       a = 0;
      for (int k = 1; k < 3; k++) a = p[k] > p[a] ? k : a;
      bad += fabs(p[0] + p[1] + p[2] - 1.0) > 1e-12 || (double)a != ow[i];
    }
    MS_CHECK(bad == 0);
  }
  PetscCall(ms_model_importances(mw, &nr, &imp));
  double s = 0;
  for (int j = 0; j < D; j++) s += imp[j];
  MS_CHECK(nr == 1);
  MS_CHECK_CLOSE(s, 1.0, 1e-12, 0);
  MS_CHECK(imp[0] == imp[0] && imp[0] > imp[3]); /* x0 drives every target */
  PetscCall(PetscFree(imp));

  static int n_saved = 0;
  char       path[64];
  /* A new file per configuration: a file this process has read is guarded as an input and
     may not be written again (ms_output_check). */
  PetscCall(PetscSNPrintf(path, sizeof path, "test_rf_model_%d.h5", n_saved++));
  PetscCall(ms_model_save(mw, path));
  PetscCall(ms_model_load(PETSC_COMM_WORLD, path, &ml));
  PetscCall(PetscCalloc1(nl * 4 + 1, &ol));
  PetscCall(ms_model_predict(ml, dw, ol));
  if (cls) PetscCall(ms_model_predict_proba(ml, dw, ol + nl));
  else if (ms_model_has_std(ml)) PetscCall(ms_model_predict_std(ml, dw, ol + nl));
  MS_CHECK(!memcmp(ow, ol, sizeof(double) * (size_t)(nl * (1 + w))));
  MS_CHECK(ms_model_has_std(ml) == ms_model_has_std(mw));
  if (!cls && ms_model_has_std(ml)) {
    /* the fused pass (screening's) gives the bits of predict and predict_std */
    PetscCall(PetscArrayzero(ol, nl * 2));
    PetscCall(ms_model_predict_mean_std(ml, dw, ol, ol + nl));
    MS_CHECK(!memcmp(ow, ol, sizeof(double) * (size_t)(2 * nl)));
  }
  PetscCall(PetscFree(ol));
  PetscCall(ms_model_destroy(&ml));
  PetscCall(PetscFree(ow));
  PetscCall(PetscFree(os));
  PetscCall(ms_model_destroy(&mw));
  PetscCall(ms_model_destroy(&ms));
  PetscCall(ms_dataset_destroy(&dw));
  PetscCall(ms_dataset_destroy(&dself));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  ms_model   m;
  ms_dataset ds;
  double    *o;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(check("rf", "-rf_n_trees 9 -seed 5", PETSC_FALSE));
  PetscCall(check("rf", "-rf_n_trees 9 -rf_criterion entropy -rf_oob -rf_max_features 2", PETSC_TRUE));
  PetscCall(check("rf", "-rf_n_trees 4 -rf_splitter exact -rf_min_samples_leaf 3", PETSC_FALSE));
  PetscCall(check("tree", "-tree_max_depth 3", PETSC_TRUE));
  PetscCall(check("tree", "-tree_splitter hist", PETSC_FALSE));

  /* No bootstrap, all features: every tree is the same tree, so the spread is exactly 0. */
  PetscCall(fit_predict(PETSC_COMM_WORLD, "rf", "-rf_n_trees 3 -rf_bootstrap false -rf_max_features all", PETSC_FALSE, &m, &ds, &o));
  MS_CHECK(ms_model_has_std(m));
  for (int64_t i = 0; i < ds->n_local; i++) MS_CHECK(o[ds->n_local + i] == 0.0);
  PetscCall(PetscFree(o));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));

  /* A depth-1 tree on y = step(x0) + small terms splits once, on x0, near 0.5. */
  PetscCall(fit_predict(PETSC_COMM_WORLD, "tree", "-tree_max_depth 1", PETSC_FALSE, &m, &ds, &o));
  {
    ms_forest f = ((ms_rf *)m->data)->forest;
    MS_CHECK(f->n_trees == 1 && f->trees[0].n_nodes == 3 && f->trees[0].node[0].feature == 0);
    MS_CHECK(fabs(f->trees[0].node[0].threshold - 0.5) < 0.05);
  }
  MS_CHECK(!ms_model_has_std(m));
  PetscCall(PetscFree(o));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(PetscOptionsClear(NULL));
  MS_TEST_END("test_rf_model");
}
