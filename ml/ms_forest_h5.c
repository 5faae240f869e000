/* ms_forest_h5.c - a forest as plain HDF5 datasets (layout in ms_forest.h), readable with
 * h5py: the nodes of tree t are rows tree_offsets[t] .. tree_offsets[t+1]-1 of every
 * node_* dataset, and their child indices count from the tree's first node. */
#include "ms_forest.h"
#include "ms_h5.h"
#include <string.h>

PetscErrorCode ms_forest_save(ms_forest f, MPI_Comm comm, hid_t g)
{
  PetscMPIInt   rank;
  const int64_t T = f->n_trees, no = f->n_outputs;
  int64_t      *off, *iv, N;
  double       *dv;
  char          mf[32];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(T + 1, &off));
  off[0] = 0;
  for (int64_t t = 0; t < T; t++) off[t + 1] = off[t] + f->trees[t].n_nodes;
  N = off[T];
  /* Rank 0 writes the replicated values; the others join the collective writes with 0 rows. */
  const int64_t mine = rank ? 0 : 1;
  PetscCall(ms_h5_write_rows_int(g, "tree_offsets", T + 1, 0, mine * (T + 1), off));
  PetscCall(PetscMalloc2(N + 1, &iv, N * no + 1, &dv));
  const char *iname[] = {"node_feature", "node_left", "node_right", "node_n_samples"};
  for (int a = 0; a < 4; a++) {
    for (int64_t t = 0; t < T; t++) {
      const ms_tree *tr  = &f->trees[t];
      for (int64_t k = 0; k < tr->n_nodes; k++) {
        const ms_tree_node *x = &tr->node[k];
        iv[off[t] + k]        = a == 0 ? x->feature : a == 1 ? x->left : a == 2 ? x->right : x->n_samples;
      }
    }
    PetscCall(ms_h5_write_rows_int(g, iname[a], N, 0, mine * N, iv));
  }
  const char *dname[] = {"node_threshold", "node_impurity", "node_weight"};
  for (int a = 0; a < 3; a++) {
    for (int64_t t = 0; t < T; t++) {
      const ms_tree *tr  = &f->trees[t];
      for (int64_t k = 0; k < tr->n_nodes; k++) dv[off[t] + k] = a == 0 ? tr->node[k].threshold : a == 1 ? tr->impurity[k] : tr->weight[k];
    }
    PetscCall(ms_h5_write_rows_double(g, dname[a], N, 0, mine * N, 0, dv));
  }
  for (int64_t t = 0; t < T; t++) memcpy(dv + off[t] * no, f->trees[t].value, sizeof(double) * (size_t)(f->trees[t].n_nodes * no));
  PetscCall(ms_h5_write_rows_double(g, "node_value", N, 0, mine * N, no, dv));
  PetscCall(ms_h5_write_rows_double(g, "importances", f->n_features, 0, mine * f->n_features, 0, f->importances));
  PetscCall(PetscFree2(iv, dv));
  PetscCall(PetscFree(off));

  const ms_forest_params *p = &f->params;
  ms_tree_max_features_format(&p->max_features, mf, sizeof mf);
  PetscCall(ms_h5_attr_set_int(g, "n_trees", T));
  PetscCall(ms_h5_attr_set_int(g, "n_features", f->n_features));
  PetscCall(ms_h5_attr_set_int(g, "n_classes", f->n_classes));
  PetscCall(ms_h5_attr_set_string(g, "criterion", ms_tree_criterion_names[p->tree.criterion]));
  PetscCall(ms_h5_attr_set_string(g, "splitter", ms_tree_splitter_names[p->tree.splitter]));
  PetscCall(ms_h5_attr_set_int(g, "max_bins", p->max_bins));
  PetscCall(ms_h5_attr_set_int(g, "max_depth", p->tree.max_depth));
  PetscCall(ms_h5_attr_set_int(g, "min_samples_split", p->tree.min_samples_split));
  PetscCall(ms_h5_attr_set_int(g, "min_samples_leaf", p->tree.min_samples_leaf));
  PetscCall(ms_h5_attr_set_string(g, "max_features", mf));
  PetscCall(ms_h5_attr_set_int(g, "max_features_per_split", p->tree.max_features));
  PetscCall(ms_h5_attr_set_int(g, "bootstrap", p->bootstrap));
  PetscCall(ms_h5_attr_set_int(g, "oob", f->has_oob));
  if (f->has_oob) {
    PetscCall(ms_h5_attr_set_double(g, "oob_score", f->oob_score));
    PetscCall(ms_h5_attr_set_int(g, "n_oob", f->n_oob));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode get_enum(hid_t g, const char *name, const char *const *list, int *value)
{
  char *s;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_get_string(g, name, &s));
  *value = -1;
  for (int i = 0; list[i]; i++)
    if (!strcmp(s, list[i])) *value = i;
  PetscCheck(*value >= 0, PETSC_COMM_SELF, MS_ERR_READ, "forest: attribute %s = '%s' is not a known value", name, s);
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_forest_load(hid_t g, ms_forest *out)
{
  ms_forest         f;
  ms_forest_params *p;
  int64_t           v, *off, *iv, N;
  double           *dv;
  int               e;
  char             *mf;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&f));
  p = &f->params;
  PetscCall(ms_h5_attr_get_int(g, "n_trees", &f->n_trees));
  PetscCall(ms_h5_attr_get_int(g, "n_features", &f->n_features));
  PetscCall(ms_h5_attr_get_int(g, "n_classes", &f->n_classes));
  PetscCheck(f->n_trees >= 1 && f->n_features >= 1 && f->n_classes >= 0, PETSC_COMM_SELF, MS_ERR_READ,
             "forest: bad sizes in the model file (n_trees %" PRId64 ", n_features %" PRId64 ", n_classes %" PRId64 ")", f->n_trees,
             f->n_features, f->n_classes);
  f->n_outputs = f->n_classes ? f->n_classes : 1;
  PetscCall(get_enum(g, "criterion", ms_tree_criterion_names, &e));
  p->tree.criterion = (ms_tree_criterion)e;
  PetscCall(get_enum(g, "splitter", ms_tree_splitter_names, &e));
  p->tree.splitter = (ms_tree_splitter)e;
  PetscCall(ms_h5_attr_get_int(g, "max_bins", &v));
  p->max_bins = (int)v;
  PetscCall(ms_h5_attr_get_int(g, "max_depth", &p->tree.max_depth));
  PetscCall(ms_h5_attr_get_int(g, "min_samples_split", &p->tree.min_samples_split));
  PetscCall(ms_h5_attr_get_int(g, "min_samples_leaf", &p->tree.min_samples_leaf));
  PetscCall(ms_h5_attr_get_string(g, "max_features", &mf));
  PetscCall(ms_tree_max_features_parse(mf, "max_features (model file)", &p->max_features));
  PetscCall(PetscFree(mf));
  PetscCall(ms_h5_attr_get_int(g, "max_features_per_split", &p->tree.max_features));
  PetscCall(ms_h5_attr_get_int(g, "bootstrap", &v));
  p->bootstrap = v ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(ms_h5_attr_get_int(g, "oob", &v));
  f->has_oob = p->oob = v ? PETSC_TRUE : PETSC_FALSE;
  if (f->has_oob) {
    PetscCall(ms_h5_attr_get_double(g, "oob_score", &f->oob_score));
    PetscCall(ms_h5_attr_get_int(g, "n_oob", &f->n_oob));
  }
  p->n_trees = f->n_trees;

  const int64_t T = f->n_trees, no = f->n_outputs;
  PetscCall(PetscMalloc1(T + 1, &off));
  PetscCall(ms_h5_read_rows_int(g, "tree_offsets", 0, T + 1, off));
  N = off[T];
  for (int64_t t = 0; t < T; t++)
    PetscCheck(off[t] >= 0 && off[t + 1] > off[t], PETSC_COMM_SELF, MS_ERR_READ, "forest: tree_offsets is not increasing at tree %" PRId64, t);
  PetscCall(PetscCalloc1(T, &f->trees));
  for (int64_t t = 0; t < T; t++) PetscCall(ms_tree_alloc(&f->trees[t], off[t + 1] - off[t], no));
  PetscCall(PetscMalloc2(N, &iv, N * no, &dv));
  const char *iname[] = {"node_feature", "node_left", "node_right", "node_n_samples"};
  for (int a = 0; a < 4; a++) {
    PetscCall(ms_h5_read_rows_int(g, iname[a], 0, N, iv));
    for (int64_t t = 0; t < T; t++) {
      ms_tree *tr  = &f->trees[t];
      for (int64_t k = 0; k < tr->n_nodes; k++) {
        const int64_t x  = iv[off[t] + k];
        const int64_t hi = a == 0 ? f->n_features : a == 3 ? INT32_MAX : tr->n_nodes;
        PetscCheck(x >= -1 && x < hi && (a != 3 || x >= 1), PETSC_COMM_SELF, MS_ERR_READ,
                   "forest: %s[%" PRId64 "] = %" PRId64 " out of range in tree %" PRId64, iname[a], off[t] + k, x, t);
        ms_tree_node *nd = &tr->node[k];
        *(a == 0 ? &nd->feature : a == 1 ? &nd->left : a == 2 ? &nd->right : &nd->n_samples) = (int32_t)x;
      }
    }
  }
  for (int64_t t = 0; t < T; t++) /* a child must follow its parent, so prediction always ends */
    for (int64_t k = 0; k < f->trees[t].n_nodes; k++)
      PetscCheck(f->trees[t].node[k].feature < 0 || (f->trees[t].node[k].left > k && f->trees[t].node[k].right > k), PETSC_COMM_SELF, MS_ERR_READ,
                 "forest: node %" PRId64 " of tree %" PRId64 " has bad children", k, t);
  const char *dname[] = {"node_threshold", "node_impurity", "node_weight"};
  for (int a = 0; a < 3; a++) {
    PetscCall(ms_h5_read_rows_double(g, dname[a], 0, N, 0, dv));
    for (int64_t t = 0; t < T; t++) {
      ms_tree *tr  = &f->trees[t];
      for (int64_t k = 0; k < tr->n_nodes; k++) *(a == 0 ? &tr->node[k].threshold : a == 1 ? &tr->impurity[k] : &tr->weight[k]) = dv[off[t] + k];
    }
  }
  PetscCall(ms_h5_read_rows_double(g, "node_value", 0, N, no, dv));
  for (int64_t t = 0; t < T; t++) memcpy(f->trees[t].value, dv + off[t] * no, sizeof(double) * (size_t)(f->trees[t].n_nodes * no));
  PetscCall(PetscMalloc1(f->n_features, &f->importances));
  PetscCall(ms_h5_read_rows_double(g, "importances", 0, f->n_features, 0, f->importances));
  PetscCall(PetscFree2(iv, dv));
  PetscCall(PetscFree(off));
  PetscCall(ms_forest_pack(f));
  *out = f;
  PetscFunctionReturn(0);
}
