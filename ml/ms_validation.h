/* ms_validation.h - hold-out splits, (stratified, repeated) k-fold cross-validation, and a
 * small grid search, with the folds run as parallel tasks.
 *
 * Fold assignment depends only on (seed, repeat, n, K, labels): the rows are shuffled with
 * the stream ms_rng_init(seed, MS_VALIDATION_FOLD_STREAM + repeat), never with anything that
 * depends on ranks, so 1 and 512 ranks see the same folds. The stream keys live far from the
 * small task indices models use with the same seed (tree 0, restart 0, ...), so the fold
 * shuffle and a model's randomness are independent streams. Non-stratified: the shuffled rows are cut into K
 * contiguous parts, the first n % K one row larger (scikit-learn KFold sizes). Stratified:
 * each class's rows are shuffled and dealt to folds round-robin, continuing the deal from
 * class to class, so every fold holds floor or ceil of n_c/K rows of each class c and the
 * fold sizes differ by at most one.
 *
 * Tasks. ms_cv_run runs (candidate x repeat x fold) tasks. With at least as many tasks as
 * ranks, task i runs on rank i mod P alone (PETSC_COMM_SELF); with fewer tasks than ranks
 * the communicator is split into one contiguous group per task and the task's rows are
 * sharded over its group. The table is replicated once (ms_dataset_allgather) and each
 * fold built with ms_dataset_select. The model is created, configured from the options
 * database, and fitted (scaler included) inside each task on the training rows only.
 * Per-task scores are combined with one Allreduce; every rank gets the full result.
 */
#ifndef MS_VALIDATION_H
#define MS_VALIDATION_H

#include "ms_model.h"

/* fold[i] in 0..K-1 for each of the n global rows. labels (n entries, 0..n_classes-1) is
 * needed only when stratified. Not collective (pure function of its arguments). */
PetscErrorCode ms_validation_kfold(int64_t n, int K, uint64_t seed, int repeat, PetscBool stratified, const int64_t *labels,
                                   int64_t n_classes, int *fold);
/* Hold-out split: is_test[i] for round(test_fraction * n) rows (per class when stratified),
 * shuffled with the stream ms_rng_init(seed, stream). Not collective. */
PetscErrorCode ms_validation_split(int64_t n, double test_fraction, uint64_t seed, uint64_t stream, PetscBool stratified,
                                   const int64_t *labels, int64_t n_classes, PetscBool *is_test);

/* Hold-out split of a sharded table into train and test tables, both sharded over
 * ds->comm with rows in their original order. The rows come from ms_validation_split with
 * stream MS_VALIDATION_HOLDOUT_STREAM, distinct from the fold streams.
 * Collective over ds->comm. */
#define MS_VALIDATION_HOLDOUT_STREAM 0x486f6c644f7574ULL /* "HoldOut" */
#define MS_VALIDATION_FOLD_STREAM    0x466f6c6400000000ULL /* "Fold" << 32, plus the repeat */
PetscErrorCode ms_validation_holdout(ms_dataset ds, double test_fraction, uint64_t seed, PetscBool stratified, ms_dataset *train,
                                     ms_dataset *test);

/* The scores ms_validation_score computes, by task: regression r2, rmse, mae, mse;
 * classification accuracy, precision_macro, recall_macro, f1_macro, f1_weighted, log_loss
 * (NaN for classifiers without probabilities). higher_better may be NULL. */
PetscErrorCode ms_validation_metrics(ms_task task, int *n, const char *const **names, const PetscBool **higher_better);
/* Scores of fitted model m on labelled rows (collective over test->comm); out has the
 * ms_validation_metrics count for m->task. */
PetscErrorCode ms_validation_score(ms_model m, ms_dataset test, double *out);

/* One model configuration. `option`/`value` (e.g. "-logreg_C", "0.1") override the options
 * database while the model reads its options; empty option = the database as it is. */
typedef struct {
  char type[32];
  char option[64];
  char value[64];
  char label[160];   /* "logreg" or "logreg -logreg_C 0.1" */
} ms_cv_candidate;

typedef struct {
  int       folds;       /* K >= 2 */
  int       repeats;     /* >= 1 */
  uint64_t  seed;
  PetscBool stratified;  /* classification only */
  PetscBool keep_oof;    /* keep the out-of-fold predictions (ms_cv_result.oof) */
} ms_cv_opts;

/* Out-of-fold predictions: every row is predicted once per repeat by the model of the fold
 * that left it out. Held on rank 0 only (the other ranks have NULL arrays): the table is
 * small next to the fits that made it, and only rank 0 writes it. */
typedef struct {
  int64_t   n;            /* rows cross-validated */
  int      *fold;         /* [repeat][row] */
  double   *pred;         /* [candidate][repeat][row]: value, or class index into class_names */
  double   *std;          /* [candidate][repeat][row]: predictive std, NaN where the model has none */
  double   *y_true;       /* [row]: value, or class index into class_names */
  int64_t   n_classes;
  char    **class_names;  /* classification */
  char     *id_name;      /* NULL without an id column */
  char    **ids;          /* [row] or NULL */
  PetscBool any_std;      /* some candidate gives a std */
} ms_cv_oof;

typedef struct {
  int                n_candidates, repeats, folds, n_metrics;
  ms_task            task;
  const char *const *metric_names;  /* static strings */
  const PetscBool   *higher_better; /* per metric */
  ms_cv_candidate   *candidates;    /* copy, n_candidates */
  double            *scores;        /* [candidate][repeat][fold][metric] */
  double            *mean, *std;    /* [candidate][metric]; population std over repeat x fold */
  int                best;          /* candidate with the best mean of metric 0 */
  int64_t            n_rows;        /* rows cross-validated */
  /* With keep_oof: the metrics of the pooled out-of-fold predictions of each repeat (all
   * folds together), averaged over repeats, [candidate][metric] on every rank (log_loss is
   * NaN: probabilities are not kept); and the predictions themselves on rank 0. */
  double            *oof_scores;
  ms_cv_oof          oof;
} ms_cv_result;

/* Collective over ds->comm. ds holds the target (y or labels). */
PetscErrorCode ms_cv_run(ms_dataset ds, int n_candidates, const ms_cv_candidate *cand, const ms_cv_opts *opts, ms_cv_result *res);
PetscErrorCode ms_cv_result_free(ms_cv_result *res);

/* Candidates from a comma-separated model list and an optional grid "OPTION=v1,v2,..."
 * (OPTION without the dash, e.g. "ridge_alpha=0.1,1,10"); the grid applies to the models
 * whose option prefix "<type>_" it carries, the others appear once. Caller frees *cand. */
PetscErrorCode ms_cv_candidates(MPI_Comm comm, const char *models, const char *grid, int *n, ms_cv_candidate **cand);

/* Create a model of candidate c on comm, configured from the options database with c's
 * override applied (collective over comm). */
PetscErrorCode ms_cv_candidate_model(MPI_Comm comm, const ms_cv_candidate *c, ms_model *m);

#endif
