/* cmd_sims_classify.c - `matscreen sims classify`: cross-validation with peak importances,
 * the Table 4.7 comparison and class probabilities of unseen spectra (see cmd_sims.h). */
#include "cmd_sims.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_sims.h"
#include <math.h>
#include <string.h>

/* Class probabilities of the unseen spectra from a model fitted on every reference spectrum:
 * one CSV row per spectrum and the mean per unseen class in the summary (Table 4.7/4.9). */
static PetscErrorCode sims_classify_unseen(MPI_Comm comm, const ms_sims_cmd_opts *o, const ms_sims_classify_opts *co, ms_dataset ref,
                                           ms_dataset unseen, ms_text *t)
{
  ms_model   m;
  double    *P, *mean;
  int64_t   *cnt;
  ms_text    csv = {0}, head = {0};
  const int64_t K = ref->n_classes, U = unseen->n_classes;

  PetscFunctionBeginUser;
  PetscCall(ms_sims_classify_model(comm, co, &m));
  PetscCall(ms_model_fit(m, ref));
  PetscCall(PetscMalloc1(unseen->n_local * K + 1, &P));
  PetscCall(PetscCalloc2(U * K, &mean, U, &cnt));
  {
    /* the unseen classes are not the model's classes: predict without the label column (the
       model would reject labels it never saw), then put it back */
    int64_t *lab = unseen->labels, nc = unseen->n_classes;
    char   **cn = unseen->class_names, *tn = unseen->target_name;
    unseen->labels = NULL, unseen->n_classes = 0, unseen->class_names = NULL, unseen->target_name = NULL;
    PetscErrorCode ierr = ms_model_predict_proba(m, unseen, P);
    unseen->labels = lab, unseen->n_classes = nc, unseen->class_names = cn, unseen->target_name = tn;
    PetscCall(ierr);
  }
  for (int64_t i = 0; i < unseen->n_local; i++) {
    int64_t u = unseen->labels[i], best = 0;
    cnt[u]++;
    for (int64_t c = 0; c < K; c++) {
      mean[u * K + c] += P[i * K + c];
      if (P[i * K + c] > P[i * K + best]) best = c;
    }
    PetscCall(ms_text_printf(&csv, "%lld,%s,%s", (long long)(unseen->row_start + i), unseen->class_names[u], m->class_names[best]));
    for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(&csv, ",%.6g", P[i * K + c]));
    PetscCall(ms_text_printf(&csv, "\n"));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mean, (int)(U * K), MPI_DOUBLE, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)U, MPI_INT64_T, MPI_SUM, comm));
  PetscCall(ms_text_printf(&head, "row,class,predicted"));
  for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(&head, ",p_%s", m->class_names[c]));
  {
    char path[PETSC_MAX_PATH_LEN], *in = (char *)o->input;
    PetscCall(ms_sims_cmd_path(o, "_unseen.csv", path));
    PetscCall(ms_report_write_csv(comm, path, head.s, &csv, 1, &in));
  }
  PetscCall(ms_text_printf(t, "mean class probabilities of the unseen spectra (model fitted on all references):\n  %-18s", "class"));
  for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(t, " %8.8s", m->class_names[c]));
  for (int64_t u = 0; u < U; u++) {
    PetscCall(ms_text_printf(t, "\n  %-18s", unseen->class_names[u]));
    for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(t, " %8.3f", mean[u * K + c] / (double)PetscMax(cnt[u], 1)));
  }
  PetscCall(ms_text_printf(t, "\n"));
  PetscCall(ms_text_free(&csv));
  PetscCall(ms_text_free(&head));
  PetscCall(PetscFree(P));
  PetscCall(PetscFree2(mean, cnt));
  PetscCall(ms_model_destroy(&m));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_classify(MPI_Comm comm, const ms_sims_cmd_opts *o)
{
  ms_dataset              ds, ref, unseen;
  ms_sims_classify_opts   co;
  ms_sims_classify_result r;
  ms_text                 t = {0}, csv = {0};
  int                     n_dropped;
  char                  **dropped;
  ms_h5_file              f;
  hid_t                   g;

  PetscFunctionBeginUser;
  PetscCall(ms_sims_cmd_load(comm, o, &ds, &ref, &unseen));
  if (!ref) ref = ds, ds = NULL;
  PetscCall(ms_sims_min_class_size(ref, (int)o->folds, o->min_class, &n_dropped, &dropped));
  if (n_dropped) {
    ms_text w = {0};
    for (int i = 0; i < n_dropped; i++) PetscCall(ms_text_printf(&w, " %s", dropped[i]));
    PetscCall(ms_warn(comm, "sims classify: dropped %d class(es) with fewer than %lld spectra (-min_class_size):%s\n", n_dropped,
                      (long long)o->min_class, w.s));
    PetscCall(ms_text_free(&w));
  }
  PetscCall(PetscMemzero(&co, sizeof co));
  co.folds = (int)o->folds, co.seed = (uint64_t)o->seed, co.top = o->top, co.abs_importance = o->abs_imp;
  PetscCall(PetscStrncpy(co.model, o->model, sizeof co.model));
  PetscCall(PetscStrncpy(co.scaler, o->scaling, sizeof co.scaler));
  PetscCall(ms_sims_classify(ref, &co, &r));
  PetscCall(ms_text_printf(&t, "sims classify: %s with %s scaling fitted inside each of %d stratified folds (seed %lld), %lld spectra, %lld classes\n",
                           o->model, o->scaling, r.folds, (long long)o->seed, (long long)r.n, (long long)r.n_classes));
  if (n_dropped) {
    PetscCall(ms_text_printf(&t, "dropped classes (fewer than %lld spectra, -min_class_size):", (long long)o->min_class));
    for (int i = 0; i < n_dropped; i++) PetscCall(ms_text_printf(&t, " %s", dropped[i]));
    PetscCall(ms_text_printf(&t, "\n"));
  }
  PetscCall(ms_text_printf(&t, "accuracy %.4f +/- %.4f, macro F1 %.4f +/- %.4f (mean +/- std over folds)\n", r.mean_accuracy, r.std_accuracy,
                           r.mean_f1, r.std_f1));
  for (int64_t c = 0; c < r.imp_rows; c++) {
    const char *cls = r.imp_rows == r.n_classes ? ref->class_names[c] : (r.imp_rows == 1 && r.n_classes == 2 ? ref->class_names[1] : "all");
    PetscCall(ms_text_printf(&t, "top %lld peaks of %s:", (long long)r.top, cls));
    for (int64_t q = 0; q < r.top; q++) {
      int64_t j = r.top_peaks[c * r.top + q];
      PetscCall(ms_text_printf(&t, " %s", ref->feature_names[j]));
      PetscCall(ms_text_printf(&csv, "%s,%lld,%s,%.10g\n", cls, (long long)q + 1, ref->feature_names[j], r.importance[c * r.d + j]));
    }
    PetscCall(ms_text_printf(&t, "\n"));
  }
  PetscCall(ms_sims_cmd_write_text(comm, o, "_top_peaks.csv", "class,rank,peak,importance", &csv));
  PetscCall(ms_text_free(&csv));
  PetscCall(ms_sims_cmd_h5_open(comm, o, "/classify", &f, &g));
  {
    double *fd, *od;
    PetscCall(PetscMalloc2(r.n, &fd, r.n, &od));
    for (int64_t i = 0; i < r.n; i++) fd[i] = r.fold[i], od[i] = (double)r.oof_pred[i];
    PetscCall(ms_sims_cmd_h5_matrix(comm, g, "fold", r.n, 0, fd));
    PetscCall(ms_sims_cmd_h5_matrix(comm, g, "oof_class", r.n, 0, od));
    PetscCall(PetscFree2(fd, od));
  }
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "fold_accuracy", r.folds, 0, r.accuracy));
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "fold_f1_macro", r.folds, 0, r.f1));
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "importance", r.imp_rows, r.d, r.importance));
  PetscCall(ms_h5_attr_set_strings(g, "peak_names", (int)r.d, ref->feature_names));
  PetscCall(ms_h5_attr_set_strings(g, "class_names", (int)r.n_classes, ref->class_names));
  PetscCall(ms_h5_attr_set_double(g, "accuracy", r.mean_accuracy));
  PetscCall(ms_h5_attr_set_double(g, "f1_macro", r.mean_f1));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  if (o->compare) {
    ms_cv_result cv;
    char         path[PETSC_MAX_PATH_LEN], *in = (char *)o->input;
    PetscCall(ms_sims_compare(ref, &co, &cv));
    PetscCall(ms_sims_cmd_path(o, "_compare.csv", path));
    PetscCall(ms_report_cv(comm, &cv, NULL, path, 1, &in));
    PetscCall(ms_text_printf(&t, "classifier comparison (Table 4.7), same folds, %s scaling:\n  %-12s %8s %8s\n", o->scaling, "model", "accuracy",
                             "F1"));
    for (int c = 0; c < cv.n_candidates; c++)
      PetscCall(ms_text_printf(&t, "  %-12s %8.4f %8.4f\n", cv.candidates[c].label, cv.mean[c * cv.n_metrics], cv.mean[c * cv.n_metrics + 3]));
    PetscCall(ms_cv_result_free(&cv));
  }
  if (unseen) PetscCall(sims_classify_unseen(comm, o, &co, ref, unseen, &t));
  if (o->plots) {
    /* the out-of-fold classes in the space of the first two (scaled) principal components */
    ms_pca     p;
    ms_dataset sc, srep;
    double    *x, *y;
    char       path[PETSC_MAX_PATH_LEN];
    PetscCall(ms_pca_create(&p));
    p->n_components_req = 2;
    PetscCall(ms_pca_set_scaler(p, o->scaling));
    PetscCall(ms_pca_fit_dataset(p, ref));
    PetscCall(ms_pca_scores(p, ref, &sc));
    PetscCall(ms_dataset_allgather(sc, &srep));
    PetscCall(PetscMalloc2(r.n, &x, r.n, &y));
    for (int64_t i = 0; i < r.n; i++) x[i] = srep->X[2 * i], y[i] = srep->X[2 * i + 1];
    PetscCall(ms_sims_cmd_path(o, "_oof.png", path));
    PetscCall(ms_sims_plot_scatter(comm, path, "out-of-fold predicted class in PCA scores", "PC1", "PC2", r.n, x, y, r.oof_pred, r.n_classes,
                                   ref->class_names));
    PetscCall(PetscFree2(x, y));
    PetscCall(ms_dataset_destroy(&srep));
    PetscCall(ms_dataset_destroy(&sc));
    PetscCall(ms_pca_destroy(&p));
  }
  PetscCall(ms_sims_cmd_summary(comm, o, &t));
  PetscCall(ms_text_free(&t));
  ms_strings_free(n_dropped, &dropped);
  PetscCall(ms_sims_classify_result_free(&r));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&ref));
  PetscCall(ms_dataset_destroy(&unseen));
  PetscFunctionReturn(0);
}
