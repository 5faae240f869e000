/* cmd_sims.c - `matscreen sims <preprocess|pca|classify|nmf|mixtures>`: the ToF-SIMS workflow
 * of the dissertation's Section 4.3 on a peak table (library: ml/sims/ms_sims.h). */
#include "ms_commands.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_report.h"
#include "ms_sims.h"
#include "cmd_sims.h"
#include <math.h>
#include <string.h>

const char ms_cmd_sims_help[] =
  "usage: matscreen sims SUBCOMMAND -input PEAKS -label COL -output PREFIX [-id COL] [-ignore a,b] [options]\n"
  "  PEAKS: rows = spectra, a class column (-label), one column of peak areas (>= 0) per ion; CSV or HDF5.\n"
  "  Metadata columns go to -ignore. Every subcommand writes PREFIX.h5 (numbers, provenance), CSV tables,\n"
  "  PNG plots (gnuplot) and PREFIX_summary.txt (also printed).\n"
  "  preprocess  the six scalings (none log1p standard normalize_max minmax poisson): PCA scores of each\n"
  "              (PREFIX_<scaling>.png PC1-PC2, PREFIX_<scaling>_pc34.png) and a silhouette score of the classes [-n_pc 4]\n"
  "  pca         scores, loadings, explained variance of the -references classes (default all) after\n"
  "              -scaling (minmax); top -top peaks by |loading| per component; the other classes tested\n"
  "              against each reference class's 95 % confidence ellipse in PC1-PC2 [-level 0.95]. PREFIX.h5:/pca\n"
  "              is a fitted PCA that `matscreen pca -apply` reuses\n"
  "  classify    -model (logreg) with -scaling (minmax) fitted inside each fold, stratified -folds (5)\n"
  "              CV of the -references classes: accuracy, macro F1, top -top (15) peaks per class by\n"
  "              importance averaged over folds; the other classes get class probabilities from a\n"
  "              model fitted on all references; -compare: the nine classifiers of Table 4.7 on the same\n"
  "              folds. A class with fewer spectra than folds is an error unless -min_class_size drops it\n"
  "  nmf         NMF for every rank in -kmin..-kmax, rank by the elbow of the error, components matched to\n"
  "              the mean spectra of the -references classes by Pearson r >= -threshold (0.5), shares\n"
  "              [-nmf_solver hals|mu -nmf_max_iter 200 -nmf_seed 0 ...]\n"
  "  pca, classify and mixtures take -new TABLE: unseen spectra from another file (label column optional)\n"
  "  mixtures    -n_mixtures (10000) pseudo-mixtures of 2..-max_parts (2) spectra of different -references\n"
  "              classes with random weights summing to 1 (seeded), one -regressor (rf, 200 trees) per\n"
  "              class share, R^2 on a held-out -test_fraction (0.2), shares predicted for the other classes\n";

static const char *const sims_subs[] = {"preprocess", "pca", "classify", "nmf", "mixtures", NULL};

/* Rank 0 writes a replicated rows x cols array. */
PetscErrorCode ms_sims_cmd_h5_matrix(MPI_Comm comm, hid_t g, const char *name, int64_t rows, int64_t cols, const double *a)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_write_rows_double(g, name, rows, 0, rank ? 0 : rows, cols, a));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_path(const ms_sims_cmd_opts *o, const char *suffix, char *path)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s%s", o->output, suffix));
  PetscFunctionReturn(0);
}

/* Rank 0's text as PREFIX_<what> (atomic, with provenance sidecar). */
PetscErrorCode ms_sims_cmd_write_text(MPI_Comm comm, const ms_sims_cmd_opts *o, const char *suffix, const char *header, ms_text *body)
{
  char        path[PETSC_MAX_PATH_LEN], *in = (char *)o->input;
  PetscMPIInt rank;
  ms_text     none = {0};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_sims_cmd_path(o, suffix, path));
  PetscCall(ms_text_printf(&none, "%s", ""));
  PetscCall(ms_report_write_csv(comm, path, header, rank ? &none : body, 1, &in));
  PetscCall(ms_text_free(&none));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_summary(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_text *t)
{
  PetscFunctionBeginUser;
  PetscCall(ms_log(comm, "%s", t->s ? t->s : ""));
  PetscCall(ms_sims_cmd_write_text(comm, o, "_summary.txt", "# matscreen sims summary", t));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_sims(MPI_Comm comm)
{
  ms_sims_cmd_opts   o;
  PetscBool   help, set;
  const char *word = ms_options_argv_word(2);
  int         sub  = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&o, sizeof o));
  o.n_ignore = o.n_refs = 64;
  o.folds = 5, o.top = 15, o.min_class = 0, o.n_pc = 4, o.kmin = 1, o.kmax = 6, o.n_mix = 10000, o.max_parts = 2;
  o.level = 0.95, o.threshold = 0.5, o.test_fraction = 0.2, o.plots = PETSC_TRUE;
  PetscCall(PetscStrncpy(o.scaling, "minmax", sizeof o.scaling));
  for (int s = 0; word && sims_subs[s]; s++)
    if (!strcmp(word, sims_subs[s])) sub = s;
  PetscOptionsBegin(comm, NULL, "matscreen sims options", NULL);
  PetscCall(PetscOptionsString("-input", "peak table (.csv or .h5): rows = spectra", NULL, o.input, o.input, sizeof o.input, NULL));
  PetscCall(PetscOptionsString("-label", "column holding the class of each spectrum", NULL, o.label, o.label, sizeof o.label, NULL));
  PetscCall(PetscOptionsString("-id", "column holding sample ids", NULL, o.id, o.id, sizeof o.id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "comma-separated metadata columns to drop", NULL, o.ignore, &o.n_ignore, &set));
  if (!set) o.n_ignore = 0;
  PetscCall(PetscOptionsString("-output", "prefix of the outputs (PREFIX.h5, PREFIX_*.csv, PREFIX_*.png, PREFIX_summary.txt)", NULL, o.output,
                               o.output, sizeof o.output, NULL));
  PetscCall(PetscOptionsStringArray("-references", "classes used as references (pure compounds); the others are the unseen spectra (default: all)",
                                    NULL, o.refs, &o.n_refs, &set));
  if (!set) o.n_refs = 0;
  if (sub == 1 || sub == 2 || sub == 4)
    PetscCall(PetscOptionsString("-new", "table of unseen spectra to test/classify/decompose (its peak columns picked by name; default: "
                                 "the classes not in -references)", NULL, o.new_table, o.new_table, sizeof o.new_table, NULL));
  PetscCall(PetscOptionsBoundedInt("-seed", "seed of folds, mixtures and models", NULL, o.seed, &o.seed, NULL, 0));
  PetscCall(PetscOptionsBool("-drop_zero_peaks", "drop peak columns that are zero in every spectrum (default: they are an error)", NULL,
                             o.drop_zero, &o.drop_zero, NULL));
  PetscCall(PetscOptionsBool("-plots", "draw the PNG plots (gnuplot)", NULL, o.plots, &o.plots, NULL));
  if (sub == 0) PetscCall(PetscOptionsRangeInt("-n_pc", "principal components per scaling", NULL, o.n_pc, &o.n_pc, NULL, 2, 4));
  if (sub == 1 || sub == 2) {
    PetscCall(PetscOptionsString("-scaling", "scaler fitted on the reference spectra (none log1p standard normalize_max minmax poisson ...)", NULL,
                                 o.scaling, o.scaling, sizeof o.scaling, NULL));
    PetscCall(PetscOptionsBoundedInt("-top", "peaks listed per component or class", NULL, o.top, &o.top, NULL, 1));
  }
  if (sub == 1) PetscCall(PetscOptionsReal("-level", "confidence level of the class ellipses", NULL, o.level, &o.level, NULL));
  if (sub == 2) {
    PetscCall(PetscStrncpy(o.model, "logreg", sizeof o.model));
    PetscCall(PetscOptionsString("-model", "classifier (a registered model with importances)", NULL, o.model, o.model, sizeof o.model, NULL));
    PetscCall(PetscOptionsRangeInt("-folds", "stratified cross-validation folds", NULL, o.folds, &o.folds, NULL, 2, 1000));
    PetscCall(PetscOptionsBoundedInt("-min_class_size", "drop (with a warning) classes with fewer spectra than this", NULL, o.min_class,
                                     &o.min_class, NULL, 0));
    PetscCall(PetscOptionsBool("-compare", "also cross-validate the nine classifiers of Table 4.7 on the same folds", NULL, o.compare, &o.compare,
                               NULL));
    PetscCall(PetscOptionsBool("-abs_importance", "rank peaks by |importance| instead of the signed value", NULL, o.abs_imp, &o.abs_imp, NULL));
  }
  if (sub == 3) {
    PetscCall(PetscOptionsBoundedInt("-kmin", "fewest NMF components tried", NULL, o.kmin, &o.kmin, NULL, 1));
    PetscCall(PetscOptionsBoundedInt("-kmax", "most NMF components tried", NULL, o.kmax, &o.kmax, NULL, 1));
    PetscCall(PetscOptionsReal("-threshold", "Pearson r a component needs to match a reference", NULL, o.threshold, &o.threshold, NULL));
  }
  if (sub == 4) {
    PetscCall(PetscStrncpy(o.model, "rf", sizeof o.model));
    PetscCall(PetscOptionsString("-regressor", "regressor of each class share (a registered model)", NULL, o.model, o.model, sizeof o.model, NULL));
    PetscCall(PetscOptionsBoundedInt("-n_mixtures", "pseudo-mixtures generated", NULL, o.n_mix, &o.n_mix, NULL, 10));
    PetscCall(PetscOptionsBoundedInt("-max_parts", "most spectra in one mixture (>= 2)", NULL, o.max_parts, &o.max_parts, NULL, 2));
    PetscCall(PetscOptionsReal("-test_fraction", "held-out share of the mixtures", NULL, o.test_fraction, &o.test_fraction, NULL));
  }
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  PetscCheck(help || sub >= 0, comm, MS_ERR_USER, "sims: %s subcommand '%s': expected one of preprocess, pca, classify, nmf, mixtures (matscreen sims SUBCOMMAND ...)",
             word ? "unknown" : "missing", word ? word : "");
  {
    ms_nmf nmf = NULL;
    ms_pca p   = NULL;
    if (sub == 0 || sub == 1) {
      PetscCall(ms_pca_create(&p));
      p->n_components_req = 4;
      PetscCall(ms_pca_set_from_options(comm, p));
    }
    if (sub == 3) {
      PetscCall(ms_nmf_create(&nmf));
      PetscCall(ms_nmf_set_from_options(comm, nmf));
    }
    {
      /* the models read their own options (-logreg_C, -rf_n_trees, -svm_C, ...) when created
         inside the workflow; read them now so the unused-option check knows them */
      static const char *const table47[] = {"logreg", "svm", "knn", "tree", "rf", "adaboost", "gnb", "mlp"};
      const char *probe[9];
      int         np = 0;
      if (sub == 2 || sub == 4) probe[np++] = o.model;
      if (sub == 2 && o.compare)
        for (int i = 0; i < 8; i++) probe[np++] = table47[i];
      for (int i = 0; i < np; i++) {
        ms_model m;
        PetscCall(ms_model_create(comm, probe[i], &m));
        PetscCall(ms_model_set_from_options(m));
        PetscCall(ms_model_destroy(&m));
      }
    }
    if (help) {
      /* -help has listed the options of the subcommand, its PCA/NMF and its models */
      PetscCall(ms_pca_destroy(&p));
      PetscCall(ms_nmf_destroy(&nmf));
      for (PetscInt i = 0; i < o.n_ignore; i++) PetscCall(PetscFree(o.ignore[i]));
      for (PetscInt i = 0; i < o.n_refs; i++) PetscCall(PetscFree(o.refs[i]));
      PetscFunctionReturn(0);
    }
    PetscCall(ms_options_check_unused(comm, NULL));
    PetscCheck(o.input[0], comm, MS_ERR_USER, "sims %s: missing required option -input (the peak table)", sims_subs[sub]);
    PetscCheck(o.output[0], comm, MS_ERR_USER, "sims %s: missing required option -output (the prefix of the outputs)", sims_subs[sub]);
    if (o.plots) PetscCall(ms_report_gnuplot_available(comm, "sims (-plots false skips the plots)"));
    switch (sub) {
    case 0: PetscCall(ms_sims_cmd_preprocess(comm, &o, p)); break;
    case 1: PetscCall(ms_sims_cmd_pca(comm, &o, p)); break;
    case 2: PetscCall(ms_sims_cmd_classify(comm, &o)); break;
    case 3: PetscCall(ms_sims_cmd_nmf(comm, &o, nmf)); break;
    default: PetscCall(ms_sims_cmd_mixtures(comm, &o)); break;
    }
    PetscCall(ms_pca_destroy(&p));
    PetscCall(ms_nmf_destroy(&nmf));
  }
  for (PetscInt i = 0; i < o.n_ignore; i++) PetscCall(PetscFree(o.ignore[i]));
  for (PetscInt i = 0; i < o.n_refs; i++) PetscCall(PetscFree(o.refs[i]));
  PetscFunctionReturn(0);
}
