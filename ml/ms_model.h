/* ms_model.h - the one interface every model implements, and the registry by name.
 *
 * A model is a PETSc-style object: a public struct holding the shared state (task, feature
 * and class names, the preprocessing scaler, seed) plus a private context `data` owned by
 * the implementation, and a table of operations filled by the implementation's create
 * function. Cross-validation, ensembles, screening and Bayesian optimisation are written
 * once against ms_model_* below and never look inside `data`.
 *
 * Adding a model: write ml/models/<name>.c with `PetscErrorCode ms_model_create_<name>(ms_model)`
 * that sets m->ops and m->data (see ml/models/README.md), add one line to the table in
 * ml/ms_model_registry.c, and nothing else changes.
 *
 * Collectiveness and data placement:
 *  - fit is collective over train->comm; the training rows arrive sharded over that comm
 *    (a replicated table on more than one rank is refused: its rows would count P times).
 *    After fit, every rank of that comm holds the whole fitted model (m->comm = train->comm).
 *  - predict* are collective over m->comm; X must live on the same communicator (or the
 *    model on PETSC_COMM_SELF and X replicated/local). Outputs are for X's local rows.
 *  - fit must copy whatever it keeps of `train`: the dataset passed to ops.fit may be a
 *    temporary scaled copy that is freed when ms_model_fit returns.
 *  - save writes into an open HDF5 group (collective; model state is replicated, so all
 *    ranks write the same values); load reads it back on any communicator.
 *
 * Predictions: for regression y[i] is the value; for classification y[i] is the class index
 * (0..n_classes-1, as a double) and predict_proba gives P[i*n_classes + c].
 * Randomness: implementations derive every stream from (m->seed, task index) with ms_rng.
 *
 * Options: each model reads -<type>_<name> options (prefix "<type>_") in setfromoptions,
 * e.g. -rf_n_trees 200, -gpr_kernel matern52, -logreg_penalty l1.
 */
#ifndef MS_MODEL_H
#define MS_MODEL_H

#include "ms_core.h"
#include "ms_dataset.h"
#include "ms_scaler.h"

typedef struct ms_model_s *ms_model;
typedef struct ms_model_terms_s *ms_model_terms;

typedef struct {
  PetscErrorCode (*setfromoptions)(ms_model m);
  PetscErrorCode (*fit)(ms_model m, ms_dataset train);                   /* X already scaled */
  PetscErrorCode (*predict)(ms_model m, ms_dataset X, double *y);
  PetscErrorCode (*predict_proba)(ms_model m, ms_dataset X, double *P);  /* NULL: not a classifier */
  PetscErrorCode (*predict_std)(ms_model m, ms_dataset X, double *std);  /* NULL: no predictive std */
  /* Feature importances: *n_rows x n_features, caller frees with PetscFree. One row for
     impurity-style importances, n_classes rows for per-class coefficients. */
  PetscErrorCode (*importances)(ms_model m, int64_t *n_rows, double **imp);
  PetscErrorCode (*save)(ms_model m, hid_t group);
  PetscErrorCode (*load)(ms_model m, hid_t group);
  PetscErrorCode (*view)(ms_model m, PetscViewer viewer);                /* one-paragraph summary */
  /* The fitted parameters a user reads, each named (ms_model_terms_add): coefficients and
     intercepts, importances, kernel hyperparameters. NULL: none. */
  PetscErrorCode (*terms)(ms_model m, ms_model_terms t);
  PetscErrorCode (*destroy)(ms_model m);                                 /* free m->data */
  /* The learned model as a formula over the feature names (symbolic models: sisso), one line
     on the viewer. NULL: the model has no closed form. */
  PetscErrorCode (*formula)(ms_model m, PetscViewer viewer);
  /* Mean and std from one pass (a GPR's kernel block, a forest's descent) when cheaper than
     predict + predict_std; called only when predict_std is set. NULL: the two calls. */
  PetscErrorCode (*predict_mean_std)(ms_model m, ms_dataset X, double *y, double *std);
  /* Class labels and probabilities from one pass (k-NN's neighbour search) when cheaper than
     predict + predict_proba, each as those two would give them; called only when predict_proba
     is set. NULL: the two calls. */
  PetscErrorCode (*predict_label_proba)(ms_model m, ms_dataset X, double *y, double *P);
} ms_model_ops;

/* Which tasks a model supports (set by its create function). */
#define MS_MODEL_REGRESSION     1
#define MS_MODEL_CLASSIFICATION 2

struct ms_model_s {
  ms_model_ops ops;
  char         type[32];        /* registry name: "gpr", "rf", ... */
  const char  *summary;         /* one line for `matscreen help train` (static text, may be NULL) */
  int          supports;        /* MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION */
  MPI_Comm     comm;            /* communicator of the last fit/load */
  ms_task      task;            /* regression or classification (from the data at fit) */
  PetscBool    fitted;
  uint64_t     seed;            /* -seed, default 0 */
  int64_t      n_features;
  char       **feature_names;   /* n_features */
  char        *target_name;
  int64_t      n_classes;
  char       **class_names;     /* n_classes (classification) */
  ms_scaler    scaler;          /* applied to X before fit/predict; owned */
  int64_t      n_train_rows;    /* rows of the last fit (saved; -1 when unknown) */
  struct {                      /* set by `cv -refit`: how the saved candidate scored */
    PetscBool set;
    char      metric[32], candidate[160], grid_option[64], grid_value[64];
    double    mean, std;        /* over repeats x folds (population std) */
    int64_t   folds, repeats, n_rows;
  } cv;
  void        *data;            /* implementation context */
  /* Summary of the raw (unscaled) training features, recorded by ms_model_fit and saved with
     the model (dataset /model/training_summary, 4 x n_features: min, max, mean, population std),
     and the regression target's range (attributes target_min/target_max; NaN otherwise).
     Screening uses them for its applicability check and histogram bins. NULL when the model
     file predates them. Owned; one allocation of 4 * n_features. */
  double      *train_summary;
  double       target_min, target_max;
};

typedef PetscErrorCode (*ms_model_create_fn)(ms_model m);

/* Create a model of a registered type ("gpr", "rf", ...); unknown names list the known. */
PetscErrorCode ms_model_create(MPI_Comm comm, const char *type, ms_model *m);
PetscErrorCode ms_model_destroy(ms_model *m);
/* Read -seed, -scaler and the model's own -<type>_* options. */
PetscErrorCode ms_model_set_from_options(ms_model m);
/* Checks (finite values, task supported, >= 2 classes, constant columns warned), records
 * names and classes, fits the scaler on the training rows and calls ops.fit. */
PetscErrorCode ms_model_fit(ms_model m, ms_dataset train);
/* Checks feature names/count against the fitted model, scales, calls ops.predict*. */
PetscErrorCode ms_model_predict(ms_model m, ms_dataset X, double *y);
PetscErrorCode ms_model_predict_proba(ms_model m, ms_dataset X, double *P);
PetscErrorCode ms_model_predict_std(ms_model m, ms_dataset X, double *std);
/* Both, as predict then predict_std would give them (ops.predict_mean_std when the model has
 * one: screening with a std evaluates a GPR's kernel block once instead of twice; the mean of a
 * GPR whose factor is distributed over ranks then agrees with predict to rounding). */
PetscErrorCode ms_model_predict_mean_std(ms_model m, ms_dataset X, double *y, double *std);
/* Labels (as predict) and class probabilities (as predict_proba) of a classifier, through
 * ops.predict_label_proba when the model has one (validation scores accuracy and log loss
 * from one k-NN search instead of two). */
PetscErrorCode ms_model_predict_label_proba(ms_model m, ms_dataset X, double *y, double *P);
PetscErrorCode ms_model_importances(ms_model m, int64_t *n_rows, double **imp);
/* Model-specific outputs (an SVM's decision values, ...): run fn(m, X_scaled, out) after the
 * same input checks and scaling as predict, so such extras never bypass the scaler. */
typedef PetscErrorCode (*ms_model_apply_fn)(ms_model m, ms_dataset X, double *out);
PetscErrorCode ms_model_apply_custom(ms_model m, ms_dataset X, ms_model_apply_fn fn, double *out);
/* Summary: type, task, features, classes, scaler, then the model's own view (collective on
 * the viewer's communicator; rank 0 prints). */
PetscErrorCode ms_model_view(ms_model m, PetscViewer viewer);
PetscBool      ms_model_has_std(ms_model m);
/* Rows of m->train_summary (each n_features long). */
#define MS_MODEL_SUMMARY_MIN  0
#define MS_MODEL_SUMMARY_MAX  1
#define MS_MODEL_SUMMARY_MEAN 2
#define MS_MODEL_SUMMARY_STD  3
PetscBool      ms_model_has_proba(ms_model m);
/* A model file: group /model with attribute type, the shared state, the scaler and the
 * implementation's own datasets; provenance at the root. */
PetscErrorCode ms_model_save(ms_model m, const char *path);
/* The same, recording the input files (the training table) in the file's provenance. */
PetscErrorCode ms_model_save_inputs(ms_model m, const char *path, int n_inputs, char *const *inputs);

/* Named parameters of a fitted model (ops.terms), a table of rows
 *   kind     "coef", "intercept", "importance", "length_scale", "amplitude", "noise", ...
 *   cls      the class a row belongs to ("" when not per class)
 *   feature  the feature it belongs to ("" when not per feature)
 *   value    the number, in the model's own (scaled) feature space
 * Coefficients and length scales refer to the features after the model's scaler. Not
 * collective (the fitted model is replicated). */
struct ms_model_terms_s {
  int64_t n, cap;
  char  **kind, **cls, **feature;
  double *value;
};
PetscErrorCode ms_model_terms_get(ms_model m, ms_model_terms *t);  /* empty table when ops.terms is NULL */
PetscErrorCode ms_model_terms_add(ms_model_terms t, const char *kind, const char *cls, const char *feature, double value);
PetscErrorCode ms_model_terms_destroy(ms_model_terms *t);
/* Print the table, one row per line, on rank 0 of the viewer's communicator. */
PetscErrorCode ms_model_terms_view(ms_model_terms t, PetscViewer v);
PetscErrorCode ms_model_load(MPI_Comm comm, const char *path, ms_model *m);
/* Print the model's formula (ops.formula); a model without one is MS_ERR_USER naming its
 * type and the models that have one. Collective on the viewer's communicator. */
PetscErrorCode ms_model_formula(ms_model m, PetscViewer viewer);

/* X's local class labels as indices into the model's class_names (X's own class list may
 * differ in order or content). A class of X that the model never saw is an error naming it.
 * Collective over X->comm. lab has X->n_local entries. */
PetscErrorCode ms_model_labels(ms_model m, ms_dataset X, int64_t *lab);

/* Registry (ml/ms_model_registry.c). ms_model_registry_find sets *fn = NULL for unknown names. */
PetscErrorCode ms_model_list(const char *const **names, int *n);
PetscErrorCode ms_model_registry_find(const char *type, ms_model_create_fn *fn);

#endif
