/* rf_impl.h - private to ml/models/rf.c and tree.c: the context both models share. */
#ifndef MS_RF_IMPL_H
#define MS_RF_IMPL_H

#include "ms_model.h"
#include "ms_forest.h"

typedef struct {
  PetscBool        single;            /* "tree": one tree, no bootstrap */
  const char      *prefix;            /* option prefix: "tree" or "rf" */
  int64_t          n_trees;
  PetscBool        bootstrap, oob;
  int              criterion;         /* -1: by task */
  int64_t          max_depth, min_samples_split, min_samples_leaf;
  char             max_features[32];  /* "auto" or an ms_tree_max_features string */
  ms_tree_splitter splitter;
  int              max_bins;
  ms_forest        forest;            /* NULL until fitted or loaded */
} ms_rf;

/* Fill m's ops and context; single = PETSC_TRUE for the decision tree. */
PetscErrorCode ms_rf_create_common(ms_model m, PetscBool single);

#endif
