/* ms_forest.c - growing a forest over ranks and threads, gathering it, OOB (prediction is in
 * ms_forest_predict.c).
 * The contract (placement, reproducibility, what is averaged) is in ms_forest.h. */
#include "ms_forest.h"
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

void ms_forest_params_default(ms_forest_params *p, PetscBool classification)
{
  memset(p, 0, sizeof(*p));
  p->tree.criterion         = classification ? MS_TREE_GINI : MS_TREE_SQUARED_ERROR;
  p->tree.max_depth         = 0;
  p->tree.min_samples_split = 2;
  p->tree.min_samples_leaf  = 1;
  p->tree.splitter          = MS_TREE_SPLIT_HIST;
  p->max_features.kind      = classification ? MS_TREE_MAXF_SQRT : MS_TREE_MAXF_ALL;
  p->n_trees                = 100;
  p->bootstrap              = PETSC_TRUE;
  p->oob                    = PETSC_FALSE;
  p->max_bins               = 255;
}

/* Bootstrap counts of tree t: n draws with replacement from the start of its stream. */
static void bootstrap_counts(ms_rng *rng, int64_t n, double *w)
{
  memset(w, 0, sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n; i++) w[ms_rng_below(rng, (uint64_t)n)] += 1.0;
}

/* Grow the trees t = rank, rank + P, ... with OpenMP; per-tree importances into imp (T x d). */
static PetscErrorCode grow_local(ms_forest f, const struct ms_tree_data_s *td, uint64_t seed, int rank, int size, double *imp,
                                 PetscErrorCode *err)
{
  const int64_t T = f->n_trees, n = td->n;
  *err = 0;
#pragma omp parallel
  {
    double *w = f->params.bootstrap ? malloc(sizeof(double) * (size_t)n) : NULL;
    if (f->params.bootstrap && !w) {
#pragma omp atomic write
      *err = PETSC_ERR_MEM;
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = rank; t < T; t += size) {
      ms_rng rng;
      if (f->params.bootstrap && !w) continue;
      ms_rng_init(&rng, seed, (uint64_t)t);
      if (w) bootstrap_counts(&rng, n, w);
      PetscErrorCode e = ms_tree_build(td, &f->params.tree, w, &rng, &f->trees[t], imp + t * td->d);
      if (e) {
#pragma omp atomic write
        *err = e;
      }
    }
    free(w);
  }
  return 0;
}

/* Every rank gets every tree: node counts by reduction, node arrays by two Allgatherv. */
static PetscErrorCode gather_trees(MPI_Comm comm, ms_forest f, double *imp)
{
  PetscMPIInt rank, size;
  const int64_t T = f->n_trees, d = f->n_features, no = f->n_outputs, nd = 3 + no; /* threshold, impurity, weight, values */
  int64_t    *nodes;
  PetscMPIInt *icnt, *idsp, *dcnt, *ddsp;
  int32_t    *ibuf, *iall;
  double     *dbuf, *dall;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(T, &nodes));
  for (int64_t t = rank; t < T; t += size) nodes[t] = f->trees[t].n_nodes;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nodes, (PetscMPIInt)T, MPIU_INT64, MPI_SUM, comm));
  PetscCall(PetscCalloc4(size, &icnt, size, &idsp, size, &dcnt, size, &ddsp));
  int64_t itot = 0, dtot = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    int64_t ni = 0, ndd = 0;
    for (int64_t t = r; t < T; t += size) {
      ni += 4 * nodes[t]; /* feature, left, right, n_samples */
      ndd += nd * nodes[t] + d;
    }
    PetscCheck(itot + ni < INT32_MAX && dtot + ndd < INT32_MAX, comm, PETSC_ERR_SUP,
               "forest too large to gather with 32-bit MPI counts (%" PRId64 " nodes); use fewer or shallower trees", itot / 4);
    icnt[r] = (PetscMPIInt)ni; idsp[r] = (PetscMPIInt)itot; itot += ni;
    dcnt[r] = (PetscMPIInt)ndd; ddsp[r] = (PetscMPIInt)dtot; dtot += ndd;
  }
  PetscCall(PetscMalloc4(icnt[rank] + 1, &ibuf, dcnt[rank] + 1, &dbuf, itot + 1, &iall, dtot + 1, &dall));
  int32_t *ip = ibuf;
  double  *dp = dbuf;
  for (int64_t t = rank; t < T; t += size) {
    const ms_tree *tr = &f->trees[t];
    const size_t   m  = (size_t)tr->n_nodes;
    for (size_t k = 0; k < m; k++) {
      const ms_tree_node *x = &tr->node[k];
      ip[4 * k] = x->feature; ip[4 * k + 1] = x->left; ip[4 * k + 2] = x->right; ip[4 * k + 3] = x->n_samples;
      dp[k] = x->threshold;
    }
    ip += 4 * m;
    memcpy(dp + m, tr->impurity, 8 * m); memcpy(dp + 2 * m, tr->weight, 8 * m);
    memcpy(dp + 3 * m, tr->value, 8 * m * (size_t)no);
    memcpy(dp + nd * m, imp + t * d, 8 * (size_t)d);
    dp += nd * m + (size_t)d;
  }
  PetscCallMPI(MPI_Allgatherv(ibuf, icnt[rank], MPI_INT32_T, iall, icnt, idsp, MPI_INT32_T, comm));
  PetscCallMPI(MPI_Allgatherv(dbuf, dcnt[rank], MPI_DOUBLE, dall, dcnt, ddsp, MPI_DOUBLE, comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    ip = iall + idsp[r];
    dp = dall + ddsp[r];
    for (int64_t t = r; t < T; t += size) {
      const size_t m = (size_t)nodes[t];
      ms_tree     *tr = &f->trees[t];
      if (r != rank) {
        PetscCall(ms_tree_alloc(tr, nodes[t], no));
        for (size_t k = 0; k < m; k++)
          tr->node[k] = (ms_tree_node){.threshold = dp[k], .feature = ip[4 * k], .left = ip[4 * k + 1], .right = ip[4 * k + 2], .n_samples = ip[4 * k + 3]};
        memcpy(tr->impurity, dp + m, 8 * m); memcpy(tr->weight, dp + 2 * m, 8 * m);
        memcpy(tr->value, dp + 3 * m, 8 * m * (size_t)no);
        memcpy(imp + t * d, dp + nd * m, 8 * (size_t)d);
      }
      ip += 4 * m;
      dp += nd * m + (size_t)d;
    }
  }
  PetscCall(PetscFree4(ibuf, dbuf, iall, dall));
  PetscCall(PetscFree4(icnt, idsp, dcnt, ddsp));
  PetscCall(PetscFree(nodes));
  PetscFunctionReturn(0);
}

/* scikit-learn's feature_importances_ from the per-tree decreases (T x d), in tree order. */
static void forest_importances(ms_forest f, const double *imp)
{
  const int64_t d = f->n_features;
  int64_t       used = 0;
  double        s;
  memset(f->importances, 0, sizeof(double) * (size_t)d);
  for (int64_t t = 0; t < f->n_trees; t++) {
    if (f->trees[t].n_nodes <= 1) continue;
    s = 0.0;
    for (int64_t j = 0; j < d; j++) s += imp[t * d + j];
    used++;
    if (s > 0.0)
      for (int64_t j = 0; j < d; j++) f->importances[j] += imp[t * d + j] / s;
  }
  s = 0.0;
  for (int64_t j = 0; j < d; j++) s += f->importances[j] /= (used ? (double)used : 1.0);
  if (s > 0.0)
    for (int64_t j = 0; j < d; j++) f->importances[j] /= s;
}

/* Accumulate tree t's prediction for row x into acc (n_outputs). */
static inline void add_tree(const ms_tree *t, const double *x, int64_t no, double *acc)
{
  const double *v = t->value + ms_tree_apply(t, x) * no;
  for (int64_t k = 0; k < no; k++) acc[k] += v[k];
}

/* OOB score: rank r predicts its block of rows from the trees that missed them (bootstrap
 * counts regenerated from each tree's stream), the per-row predictions are allgathered and
 * every rank scores all rows in row order, so the score is the same on any P. */
static PetscErrorCode oob_score(MPI_Comm comm, ms_forest f, uint64_t seed, int64_t n, const double *X, const double *y,
                                const int64_t *labels)
{
  PetscMPIInt  rank, size;
  const int64_t no = f->n_outputs, d = f->n_features;
  double      *w, *acc, *pred, *all;
  int64_t     *cnt;
  PetscMPIInt *counts, *displs;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  const int64_t r0 = n * rank / size, r1 = n * (rank + 1) / size, nb = r1 - r0;
  PetscCall(PetscMalloc1(n, &w));
  PetscCall(PetscCalloc3(nb * no + 1, &acc, nb + 1, &cnt, nb + 1, &pred));
  for (int64_t t = 0; t < f->n_trees; t++) {
    ms_rng rng;
    ms_rng_init(&rng, seed, (uint64_t)t);
    bootstrap_counts(&rng, n, w);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < nb; i++)
      if (w[r0 + i] == 0.0) {
        add_tree(&f->trees[t], X + (r0 + i) * d, no, acc + i * no);
        cnt[i]++;
      }
  }
  for (int64_t i = 0; i < nb; i++)
    pred[i] = !cnt[i] ? NAN : f->n_classes ? (double)ms_forest_argmax(no, acc + i * no) : acc[i] / (double)cnt[i];
  PetscCall(PetscMalloc3(n, &all, size, &counts, size, &displs));
  for (PetscMPIInt r = 0; r < size; r++) {
    displs[r] = (PetscMPIInt)(n * r / size);
    counts[r] = (PetscMPIInt)(n * (r + 1) / size - displs[r]);
  }
  PetscCallMPI(MPI_Allgatherv(pred, (PetscMPIInt)nb, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, comm));
  int64_t m = 0;
  double  good = 0.0, mean = 0.0, ss_res = 0.0, ss_tot = 0.0;
  for (int64_t i = 0; i < n; i++)
    if (!isnan(all[i])) {
      m++;
      if (f->n_classes) good += all[i] == (double)labels[i];
      else mean += y[i];
    }
  if (!f->n_classes && m) {
    mean /= (double)m;
    for (int64_t i = 0; i < n; i++)
      if (!isnan(all[i])) {
        ss_res += (y[i] - all[i]) * (y[i] - all[i]);
        ss_tot += (y[i] - mean) * (y[i] - mean);
      }
  }
  f->has_oob   = PETSC_TRUE;
  f->n_oob     = m;
  f->oob_score = !m ? NAN : f->n_classes ? good / (double)m : (ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : NAN);
  PetscCall(PetscFree3(all, counts, displs));
  PetscCall(PetscFree3(acc, cnt, pred));
  PetscCall(PetscFree(w));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_fit(MPI_Comm comm, const ms_forest_params *p, uint64_t seed, int64_t n, int64_t d, const double *X,
                             const double *y, const int64_t *labels, int64_t n_classes, ms_forest *out)
{
  ms_forest      f;
  ms_tree_data   td;
  double        *imp;
  PetscMPIInt    rank, size;
  PetscErrorCode err, gerr;
  const char    *crit = ms_tree_criterion_names[p->tree.criterion];

  PetscFunctionBeginUser;
  PetscCheck(p->n_trees >= 1, comm, MS_ERR_USER, "forest: n_trees %" PRId64 " (expected >= 1)", p->n_trees);
  PetscCheck(p->tree.max_depth >= 0, comm, MS_ERR_USER, "forest: max_depth %" PRId64 " (expected >= 0, 0 = unlimited)", p->tree.max_depth);
  PetscCheck(p->tree.min_samples_split >= 2, comm, MS_ERR_USER, "forest: min_samples_split %" PRId64 " (expected >= 2)", p->tree.min_samples_split);
  PetscCheck(p->tree.min_samples_leaf >= 1, comm, MS_ERR_USER, "forest: min_samples_leaf %" PRId64 " (expected >= 1)", p->tree.min_samples_leaf);
  PetscCheck(n_classes == 0 || n_classes >= 2, comm, MS_ERR_USER, "forest: %" PRId64 " classes (expected >= 2)", n_classes);
  PetscCheck((n_classes > 0) == (p->tree.criterion != MS_TREE_SQUARED_ERROR), comm, MS_ERR_USER,
             "forest: criterion %s does not fit a %s task (use %s)", crit, n_classes ? "classification" : "regression",
             n_classes ? "gini or entropy" : "squared_error");
  PetscCheck(!p->oob || p->bootstrap, comm, MS_ERR_USER, "forest: the out-of-bag score needs bootstrap samples (bootstrap is off)");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(&f));
  f->params     = *p;
  f->n_trees    = p->n_trees;
  f->n_features = d;
  f->n_classes  = n_classes;
  f->n_outputs  = n_classes ? n_classes : 1;
  PetscCall(ms_tree_max_features_resolve(&p->max_features, d, "max_features", &f->params.tree.max_features));
  PetscCall(PetscCalloc1(f->n_trees, &f->trees));
  PetscCall(PetscMalloc1(d, &f->importances));
  PetscCall(PetscCalloc1(f->n_trees * d, &imp));
  PetscCall(ms_tree_data_create(comm, n, d, X, y, labels, n_classes, p->tree.splitter, p->max_bins, &td));
  PetscCall(grow_local(f, td, seed, rank, size, imp, &err));
  PetscCall(ms_tree_data_destroy(&td));
  /* A tree that failed on one rank must stop every rank before the gather. */
  PetscCallMPI(MPI_Allreduce(&err, &gerr, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!gerr, comm, gerr, "forest: growing a tree failed (%s)", gerr == PETSC_ERR_MEM ? "out of memory" : "internal error");
  PetscCall(gather_trees(comm, f, imp));
  forest_importances(f, imp);
  PetscCall(PetscFree(imp));
  if (p->oob) PetscCall(oob_score(comm, f, seed, n, X, y, labels));
  PetscCall(ms_forest_pack(f));
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_destroy(ms_forest *f)
{
  PetscFunctionBeginUser;
  if (!*f) PetscFunctionReturn(0);
  if ((*f)->trees)
    for (int64_t t = 0; t < (*f)->n_trees; t++) ms_tree_free(&(*f)->trees[t]);
  PetscCall(PetscFree((*f)->trees));
  PetscCall(PetscFree((*f)->importances));
  PetscCall(PetscFree((*f)->pnode));
  PetscCall(PetscFree((*f)->pvalue));
  PetscCall(PetscFree((*f)->poff));
  PetscCall(PetscFree((*f)->rnode));
  PetscCall(PetscFree((*f)->rthr));
  PetscCall(PetscFree((*f)->roff));
  PetscCall(PetscFree(*f));
  PetscFunctionReturn(0);
}
