/* ms_sims.h - the ToF-SIMS workflow of the dissertation's Section 4.3 (spec.md 2(c)) on a
 * peak table: rows = spectra, one class-label column, one column of integrated peak areas
 * per secondary ion. Everything here is written against the shared ML layer (ms_model,
 * ms_scaler, ms_pca, ms_nmf, ms_validation, ms_metrics); this family only adds what is
 * specific to spectra: the table checks, the scaling comparison, peak rankings, confidence
 * regions, NMF component matching and pseudo-mixture augmentation.
 *
 * Data placement: peak tables are small (hundreds of spectra x ~1,000 peaks), so each
 * workflow replicates the table once (ms_dataset_allgather) and distributes its independent
 * tasks: folds on rank k mod P (classify), the classifiers x folds of -compare through
 * ms_cv_run, NMF fits row-sharded (ms_nmf), forests tree by tree (mixtures).
 * Results are reduced so every rank holds them; rank 0 writes. Every random stream comes from
 * (seed, task index) via ms_rng, so 1 and P ranks give the same numbers.
 *
 * Ownership: result structs own their arrays; free them with the matching _free function.
 * Units: peak areas are counts (as exported); scaled values are dimensionless.
 */
#ifndef MS_SIMS_H
#define MS_SIMS_H

#include "ms_dataset.h"
#include "ms_model.h"
#include "ms_nmf.h"
#include "ms_pca.h"
#include "ms_validation.h"

/* ---- peak tables (sims_table.c) ---------------------------------------------------------- */
/* Load a peak table (CSV or HDF5): `label` is the class column (required: a table without it
 * is an error listing the columns), `id` an optional sample-id column, `ignore` a
 * NULL-terminated list of metadata columns to drop. Checked with ms_sims_check_peaks; with
 * drop_zero the peaks that are zero in every spectrum are dropped (with a warning naming how
 * many) instead of being an error. */
PetscErrorCode ms_sims_table_load(MPI_Comm comm, const char *path, const char *label, const char *id, const char *const *ignore,
                                  PetscBool drop_zero, ms_dataset *ds);
/* Peak areas must be finite and >= 0 (error naming the data row, the column and the value),
 * and unless allow_zero no peak column may be zero in every spectrum (error listing them: drop
 * them with -ignore). `src` names the table. Collective. */
PetscErrorCode ms_sims_check_peaks(ms_dataset ds, const char *src, PetscBool allow_zero);
/* Unseen spectra from another table: its peak columns picked by the names of `like` (a
 * missing one is an error naming it), its `label` column as classes when it has one, else one
 * class "new". Areas checked as ms_sims_check_peaks (peaks may be zero throughout). */
PetscErrorCode ms_sims_table_load_new(MPI_Comm comm, const char *path, const char *label, ms_dataset like, ms_dataset *ds);
/* Classes with fewer than min_size rows are removed (min_size <= 0: none) and listed in
 * *dropped (caller frees with ms_strings_free), then any class with fewer than `folds` rows is
 * an error naming it, its count and -min_class_size. Labels are renumbered over the kept
 * classes. Collective. */
PetscErrorCode ms_sims_min_class_size(ms_dataset ds, int folds, int64_t min_size, int *n_dropped, char ***dropped);
/* The rows of the classes named in `names` (n of them; an unknown name is an error listing the
 * classes), labels renumbered over those classes; keep = PETSC_FALSE selects the other rows
 * instead. Result sharded over ds->comm. Collective. */
PetscErrorCode ms_sims_select_classes(ms_dataset ds, int n, char *const *names, PetscBool keep, ms_dataset *out);
/* Mean spectrum of every class of ds (n_classes x d, replicated). Collective. */
PetscErrorCode ms_sims_class_means(ms_dataset ds, double *means);

/* ---- plots (sims_plot.c): PNG by gnuplot on rank 0, written atomically ------------------ */
/* Points (x[i], y[i]) coloured by class cls[i] (0..n_classes-1); replicated inputs. */
PetscErrorCode ms_sims_plot_scatter(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                    const double *x, const double *y, const int64_t *cls, int64_t n_classes, char *const *class_names);
/* One line with points: y[i] against x[i]; an optional marker at x = mark (NaN: none). */
PetscErrorCode ms_sims_plot_line(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                 const double *x, const double *y, double mark);

/* ---- preprocess (sims_preprocess.c): the seed's six scalings, Figure 4.16 --------------- */
extern const char *const ms_sims_scalings[]; /* none log1p standard normalize_max minmax poisson, NULL */
#define MS_SIMS_N_SCALINGS 6
typedef struct {
  int64_t n, n_pc;
  double  evr[MS_SIMS_N_SCALINGS][4];     /* explained variance ratio of PC1..PC4 */
  double  silhouette[MS_SIMS_N_SCALINGS]; /* on the first n_pc scores, by class (Euclidean) */
  double *scores[MS_SIMS_N_SCALINGS];     /* n x n_pc each, replicated, input order */
  int64_t *labels;                        /* n */
} ms_sims_preprocess_result;
/* For every scaling: fit it on all rows, PCA (n_pc <= 4 components; eigensolver settings from
 * tmpl, e.g. -pca_scalapack_min_d, or the defaults when NULL), silhouette score of the classes
 * in the score space (the quantitative stand-in for the seed's visual judgement). */
PetscErrorCode ms_sims_preprocess(ms_dataset ds, int n_pc, const struct ms_pca_s *tmpl, ms_sims_preprocess_result *r);
PetscErrorCode ms_sims_preprocess_free(ms_sims_preprocess_result *r);
/* Mean silhouette coefficient of n points (n x dim) with labels (scikit-learn's
 * silhouette_score; single-member clusters score 0). Local. */
PetscErrorCode ms_sims_silhouette(int64_t n, int dim, const double *X, const int64_t *labels, int64_t n_classes, double *score);

/* ---- pca (sims_pca.c): scores, loadings, top peaks, 95 % confidence regions ------------- */
typedef struct {
  int64_t  k, top;          /* components, peaks per component */
  int64_t *top_peaks;       /* k x top feature indices by |loading|, descending */
  /* confidence test of new rows (n_new x n_classes): Mahalanobis d^2 of the (PC1, PC2)
     scores to the class's score mean and covariance; inside when d2 <= chi2_2(level) */
  int64_t  n_new, n_classes;
  double  *d2, chi2;
  PetscBool *inside;
} ms_sims_pca_result;
/* p must be configured (components, scaler). Fits on ref (labelled), ranks peaks; with
 * new_rows != NULL tests every new row against every class at `level` (e.g. 0.95). */
PetscErrorCode ms_sims_pca(ms_pca p, ms_dataset ref, ms_dataset new_rows, int64_t top, double level, ms_sims_pca_result *r);
PetscErrorCode ms_sims_pca_result_free(ms_sims_pca_result *r);
/* Indices of the `top` largest values of v (length d) in descending order (ties: lower index
 * first). Local. */
PetscErrorCode ms_sims_top_indices(int64_t d, const double *v, int64_t top, int64_t *idx);

/* ---- classify (sims_classify.c): Figure 4.19, Table 4.6C and Table 4.7 ------------------- */
typedef struct {
  int       folds;          /* stratified k-fold, K >= 2 */
  uint64_t  seed;           /* fold shuffle (ms_validation_kfold) and model seeds */
  int64_t   top;            /* peaks per class (15) */
  char      model[32];      /* ms_model type ("logreg") */
  char      scaler[32];     /* scaler fitted inside each fold ("minmax"); "" = -scaler option */
  PetscBool abs_importance; /* rank by |w| instead of w */
} ms_sims_classify_opts;
typedef struct {
  int      folds;
  int64_t  n, n_classes, d, imp_rows, top;
  int     *fold;            /* n: fold of each row (ms_validation_kfold) */
  double  *accuracy, *f1;   /* folds: per-fold accuracy and macro F1 */
  double   mean_accuracy, std_accuracy, mean_f1, std_f1;
  double  *importance;      /* imp_rows x d, averaged over folds (imp_rows = n_classes, or 1) */
  int64_t *top_peaks;       /* imp_rows x top feature indices */
  int64_t *oof_pred;        /* n: out-of-fold class of each row */
} ms_sims_classify_result;
/* Cross-validate the model on ds (labelled) with the scaler fitted on each training fold;
 * fold k runs on rank k mod P. Collective over ds->comm. */
PetscErrorCode ms_sims_classify(ms_dataset ds, const ms_sims_classify_opts *o, ms_sims_classify_result *r);
PetscErrorCode ms_sims_classify_result_free(ms_sims_classify_result *r);
/* The model and scaler of o on ds's comm, configured from the options database (the fold
 * models and the final model use it). Collective. */
PetscErrorCode ms_sims_classify_model(MPI_Comm comm, const ms_sims_classify_opts *o, ms_model *m);
/* The nine classifiers of Table 4.7 (LR, SVC RBF, SVC linear, k-NN, decision tree, random
 * forest, AdaBoost, Gaussian NB, MLP), each with o->scaler fitted inside each fold, on the
 * folds ms_sims_classify uses (same seed). Collective. */
PetscErrorCode ms_sims_compare(ms_dataset ds, const ms_sims_classify_opts *o, ms_cv_result *res);

/* ---- nmf (sims_nmf.c): Figures 4.24-4.25 ------------------------------------------------- */
typedef struct {
  int64_t  kmin, kmax, k;   /* elbow range and the chosen rank */
  double  *err;             /* kmax - kmin + 1 reconstruction errors ||X - WH||_F */
  int64_t  n, d, n_ref;
  double  *H;               /* k x d components of the chosen rank */
  double  *pearson;         /* k x n_ref correlation of each component with each reference */
  int64_t *match;           /* k: best reference, or -1 below the threshold */
  double  *share;           /* n x k intensity share of each component in each row (rows sum to 1) */
} ms_sims_nmf_result;
/* Fit NMF for every rank in [kmin, kmax] (configured by nmf's options; rows sharded over
 * ds->comm), choose k by the elbow (largest distance below the chord of the error curve;
 * kmin when the range has fewer than 3 ranks), match the chosen components to the n_ref
 * reference spectra ref (n_ref x d) by Pearson correlation >= threshold. Collective. */
PetscErrorCode ms_sims_nmf(ms_nmf nmf, ms_dataset ds, int64_t kmin, int64_t kmax, int64_t n_ref, const double *ref, double threshold,
                           ms_sims_nmf_result *r);
PetscErrorCode ms_sims_nmf_result_free(ms_sims_nmf_result *r);
/* Pearson correlation of two vectors of length d (0 when either is constant). */
double ms_sims_pearson(int64_t d, const double *a, const double *b);

/* ---- mixtures (sims_mixtures.c): pseudo-mixture augmentation, Table 4.10 ----------------- */
typedef struct {
  int64_t  n_rows;          /* pseudo-mixtures generated (10,000) */
  int      max_parts;       /* spectra per mixture: 2..max_parts (2) */
  uint64_t seed;
  double   test_fraction;   /* held-out share (0.2) */
  char     model[32];       /* ms_model type of the regressor ("rf") */
} ms_sims_mixture_opts;
/* Generate the mixture table: row r from the stream (seed, r): m in 2..max_parts distinct
 * classes, one random spectrum of each, weights uniform on the simplex (normalised
 * exponentials); X = sum w x, T[r] = the weights per class (n_classes columns). ref is
 * replicated (ms_dataset_allgather); X (n_rows x d) and T (n_rows x n_classes) are filled on
 * every rank identically. Local. */
PetscErrorCode ms_sims_mixtures_generate(ms_dataset ref, const ms_sims_mixture_opts *o, double *X, double *T);
typedef struct ms_sims_mixture_model_s {
  int64_t   n_out, d;
  int64_t   n_keep, *keep;  /* peak columns the regressors use: those not constant over the mixtures */
  char    **out_names;      /* n_out class names */
  ms_model *models;         /* one regressor per class share (scikit-learn MultiOutputRegressor) */
  double   *r2;             /* n_out held-out R^2 */
  double    r2_mean;        /* uniform average (sklearn r2_score multioutput default) */
  int64_t   n_train, n_test;
} *ms_sims_mixture_model;
/* Generate, split (ms_validation_split, stream MS_VALIDATION_HOLDOUT_STREAM), fit one
 * regressor per class on the training rows (collective over ref->comm), score the held-out
 * rows. Peaks constant over all mixtures (absent from every reference class) are left out
 * before fitting: they carry no information, and a forest would still bin them at every node
 * (on the development data 1,142 of 1,201 peaks). */
PetscErrorCode ms_sims_mixtures_fit(ms_dataset ref, const ms_sims_mixture_opts *o, ms_sims_mixture_model *mm);
/* Predicted shares of X's local rows (n_local x n_out), clipped at 0 and renormalised to sum 1. */
PetscErrorCode ms_sims_mixtures_predict(ms_sims_mixture_model mm, ms_dataset X, double *S);
PetscErrorCode ms_sims_mixture_model_destroy(ms_sims_mixture_model *mm);

#endif
