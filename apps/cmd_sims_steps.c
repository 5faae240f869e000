/* cmd_sims_steps.c - `matscreen sims` preprocess, pca, nmf and mixtures (classify is in
 * cmd_sims_classify.c): load, call ml/sims, write PREFIX.h5, CSV, PNG and the summary. */
#include "cmd_sims.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_sims.h"
#include <math.h>
#include <string.h>

/* The peak table, and with -references the reference rows and the other ("unseen") rows. */
PetscErrorCode ms_sims_cmd_load(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_dataset *all, ms_dataset *ref, ms_dataset *unseen)
{
  const char *ig[65];

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < o->n_ignore; i++) ig[i] = o->ignore[i];
  ig[o->n_ignore] = NULL;
  PetscCall(ms_sims_table_load(comm, o->input, o->label, o->id[0] ? o->id : NULL, ig, o->drop_zero, all));
  *ref = *unseen = NULL;
  if (o->n_refs) {
    PetscCall(ms_sims_select_classes(*all, (int)o->n_refs, o->refs, PETSC_TRUE, ref));
    if (o->n_refs < (*all)->n_classes && !o->new_table[0]) PetscCall(ms_sims_select_classes(*all, (int)o->n_refs, o->refs, PETSC_FALSE, unseen));
  }
  if (o->new_table[0]) PetscCall(ms_sims_table_load_new(comm, o->new_table, o->label, *all, unseen));
  PetscCall(ms_log(comm, "sims: %s: %lld spectra x %lld peaks, %lld classes%s\n", o->input, (long long)(*all)->n_global,
                   (long long)(*all)->n_features, (long long)(*all)->n_classes, o->n_refs ? " (references given by -references)" : ""));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_h5_open(MPI_Comm comm, const ms_sims_cmd_opts *o, const char *group, ms_h5_file *f, hid_t *g)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(ms_sims_cmd_path(o, ".h5", path));
  PetscCall(ms_h5_create(comm, path, f));
  PetscCall(ms_h5_add_input(*f, o->input));
  PetscCall(ms_h5_group_ensure((*f)->fid, group, g));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_preprocess(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_pca p)
{
  ms_dataset                ds, ref, unseen;
  ms_sims_preprocess_result r;
  ms_h5_file                f;
  hid_t                     g;
  ms_text                   t = {0};
  char                      path[PETSC_MAX_PATH_LEN], title[256];

  PetscFunctionBeginUser;
  PetscCall(ms_sims_cmd_load(comm, o, &ds, &ref, &unseen));
  PetscCall(ms_sims_preprocess(ref ? ref : ds, (int)o->n_pc, p, &r));
  PetscCall(ms_sims_cmd_h5_open(comm, o, "/preprocess", &f, &g));
  PetscCall(ms_text_printf(&t, "sims preprocess: %lld spectra; PCA of each scaling, silhouette of the classes on PC1..PC%lld (higher = tighter, "
                               "better separated classes)\n%-14s %10s  %s\n",
                           (long long)r.n, (long long)r.n_pc, "scaling", "silhouette", "explained variance ratio PC1..PC4"));
  for (int s = 0; s < MS_SIMS_N_SCALINGS; s++) {
    hid_t sg;
    PetscCall(ms_h5_group_ensure(g, ms_sims_scalings[s], &sg));
    PetscCall(ms_sims_cmd_h5_matrix(comm, sg, "scores", r.n, r.n_pc, r.scores[s]));
    PetscCall(ms_sims_cmd_h5_matrix(comm, sg, "explained_variance_ratio", r.n_pc, 0, r.evr[s]));
    PetscCall(ms_h5_attr_set_double(sg, "silhouette", r.silhouette[s]));
    H5Gclose(sg);
    PetscCall(ms_text_printf(&t, "%-14s %10.4f  %.3f %.3f %.3f %.3f\n", ms_sims_scalings[s], r.silhouette[s], r.evr[s][0], r.evr[s][1],
                             r.evr[s][2], r.evr[s][3]));
    if (o->plots) {
      double *x, *y;
      PetscCall(PetscMalloc2(r.n, &x, r.n, &y));
      for (int64_t i = 0; i < r.n; i++) x[i] = r.scores[s][i * r.n_pc], y[i] = r.scores[s][i * r.n_pc + 1];
      PetscCall(PetscSNPrintf(title, sizeof title, "PCA scores, %s scaling (silhouette %.3f)", ms_sims_scalings[s], r.silhouette[s]));
      PetscCall(PetscSNPrintf(path, sizeof path, "%s_%s.png", o->output, ms_sims_scalings[s]));
      PetscCall(ms_sims_plot_scatter(comm, path, title, "PC1", "PC2", r.n, x, y, r.labels, (ref ? ref : ds)->n_classes, (ref ? ref : ds)->class_names));
      if (r.n_pc == 4) {
        /* the seed compares the scalings in PC3-PC4 too (Figure 4.16) */
        for (int64_t i = 0; i < r.n; i++) x[i] = r.scores[s][i * r.n_pc + 2], y[i] = r.scores[s][i * r.n_pc + 3];
        PetscCall(PetscSNPrintf(path, sizeof path, "%s_%s_pc34.png", o->output, ms_sims_scalings[s]));
        PetscCall(ms_sims_plot_scatter(comm, path, title, "PC3", "PC4", r.n, x, y, r.labels, (ref ? ref : ds)->n_classes,
                                       (ref ? ref : ds)->class_names));
      }
      PetscCall(PetscFree2(x, y));
    }
  }
  {
    int best = 0;
    for (int s = 1; s < MS_SIMS_N_SCALINGS; s++)
      if (r.silhouette[s] > r.silhouette[best]) best = s;
    PetscCall(ms_text_printf(&t, "best separated: %s (the seed adopted minmax)\n", ms_sims_scalings[best]));
  }
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(ms_h5_write_rows_int(g, "labels", r.n, 0, rank ? 0 : r.n, r.labels));
    PetscCall(ms_h5_attr_set_strings(g, "class_names", (int)(ref ? ref : ds)->n_classes, (ref ? ref : ds)->class_names));
  }
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_sims_cmd_summary(comm, o, &t));
  PetscCall(ms_text_free(&t));
  PetscCall(ms_sims_preprocess_free(&r));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&ref));
  PetscCall(ms_dataset_destroy(&unseen));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_pca(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_pca p)
{
  ms_dataset         ds, ref, unseen, sc;
  ms_sims_pca_result r;
  ms_h5_file         f;
  hid_t              g;
  ms_text            t = {0}, csv = {0};
  PetscMPIInt        rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_sims_cmd_load(comm, o, &ds, &ref, &unseen));
  if (!ref) ref = ds, ds = NULL;
  PetscCall(ms_pca_set_scaler(p, o->scaling));
  PetscCall(ms_sims_pca(p, ref, unseen, o->top, o->level, &r));
  PetscCall(ms_sims_cmd_h5_open(comm, o, "/pca", &f, &g));
  PetscCall(ms_pca_save(p, g));
  H5Gclose(g);
  PetscCall(ms_pca_scores(p, ref, &sc));
  PetscCall(ms_dataset_write_h5(sc, f->fid, "/scores"));
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_text_printf(&t, "sims pca: %lld reference spectra, %s scaling, %lld components; explained variance ratio:", (long long)ref->n_global,
                           o->scaling, (long long)p->k));
  for (int64_t c = 0; c < PetscMin(p->k, 6); c++) PetscCall(ms_text_printf(&t, " %.3f", p->explained_variance_ratio[c]));
  PetscCall(ms_text_printf(&t, "\n"));
  for (int64_t c = 0; c < p->k; c++)
    for (int64_t q = 0; q < r.top; q++) {
      int64_t j = r.top_peaks[c * r.top + q];
      PetscCall(ms_text_printf(&csv, "PC%lld,%lld,%s,%.10g\n", (long long)c + 1, (long long)q + 1, p->feature_names[j], p->components[c * p->d + j]));
    }
  for (int64_t c = 0; c < PetscMin(p->k, 2); c++) {
    PetscCall(ms_text_printf(&t, "top peaks of PC%lld by |loading|:", (long long)c + 1));
    for (int64_t q = 0; q < PetscMin(r.top, 8); q++) PetscCall(ms_text_printf(&t, " %s", p->feature_names[r.top_peaks[c * r.top + q]]));
    PetscCall(ms_text_printf(&t, "\n"));
  }
  PetscCall(ms_sims_cmd_write_text(comm, o, "_top_peaks.csv", "component,rank,peak,loading", &csv));
  PetscCall(ms_text_free(&csv));
  if (unseen) {
    /* which reference classes' 95 % ellipse holds each unseen spectrum; counted per unseen class */
    ms_dataset urep;
    PetscCall(ms_dataset_allgather(unseen, &urep));
    for (int64_t i = 0; i < r.n_new; i++) {
      PetscCall(ms_text_printf(&csv, "%lld,%s", (long long)i, urep->class_names[urep->labels[i]]));
      for (int64_t c = 0; c < r.n_classes; c++) PetscCall(ms_text_printf(&csv, ",%.6g,%d", r.d2[i * r.n_classes + c], (int)r.inside[i * r.n_classes + c]));
      PetscCall(ms_text_printf(&csv, "\n"));
    }
    {
      ms_text head = {0};
      PetscCall(ms_text_printf(&head, "row,class"));
      for (int64_t c = 0; c < r.n_classes; c++) PetscCall(ms_text_printf(&head, ",d2_%s,inside_%s", ref->class_names[c], ref->class_names[c]));
      PetscCall(ms_sims_cmd_write_text(comm, o, "_regions.csv", head.s, &csv));
      PetscCall(ms_text_free(&head));
    }
    PetscCall(ms_text_printf(&t, "inside the %.0f%% confidence ellipse (PC1-PC2, d2 <= %.3f) of each reference class, per unseen class:\n",
                             100 * o->level, r.chi2));
    for (int64_t u = 0; u < urep->n_classes; u++) {
      PetscCall(ms_text_printf(&t, "  %s:", urep->class_names[u]));
      for (int64_t c = 0; c < r.n_classes; c++) {
        int64_t in = 0, tot = 0;
        for (int64_t i = 0; i < r.n_new; i++)
          if (urep->labels[i] == u) tot++, in += r.inside[i * r.n_classes + c];
        if (in) PetscCall(ms_text_printf(&t, " %s %lld/%lld", ref->class_names[c], (long long)in, (long long)tot));
      }
      PetscCall(ms_text_printf(&t, "\n"));
    }
    PetscCall(ms_dataset_destroy(&urep));
  }
  PetscCall(ms_text_free(&csv));
  if (o->plots) {
    ms_dataset srep;
    double    *x, *y;
    char       path[PETSC_MAX_PATH_LEN];
    PetscCall(ms_dataset_allgather(sc, &srep));
    PetscCall(PetscMalloc2(srep->n_global, &x, srep->n_global, &y));
    for (int64_t i = 0; i < srep->n_global; i++) x[i] = srep->X[i * p->k], y[i] = srep->X[i * p->k + (p->k > 1)];
    PetscCall(ms_sims_cmd_path(o, "_scores.png", path));
    PetscCall(ms_sims_plot_scatter(comm, path, "PCA scores of the reference spectra", "PC1", "PC2", srep->n_global, x, y, srep->labels,
                                   srep->n_classes, srep->class_names));
    PetscCall(PetscFree2(x, y));
    PetscCall(ms_dataset_destroy(&srep));
  }
  PetscCall(ms_sims_cmd_summary(comm, o, &t));
  PetscCall(ms_text_free(&t));
  PetscCall(ms_sims_pca_result_free(&r));
  PetscCall(ms_dataset_destroy(&sc));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&ref));
  PetscCall(ms_dataset_destroy(&unseen));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_nmf(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_nmf nmf)
{
  ms_dataset         ds, ref, unseen, rep;
  ms_sims_nmf_result r;
  double            *means;
  ms_h5_file         f;
  hid_t              g;
  ms_text            t = {0}, csv = {0}, head = {0};

  PetscFunctionBeginUser;
  PetscCall(ms_sims_cmd_load(comm, o, &ds, &ref, &unseen));
  if (!ref) PetscCall(ms_dataset_allgather(ds, &ref)); /* references = every class */
  PetscCall(PetscMalloc1(ref->n_classes * ref->n_features, &means));
  PetscCall(ms_sims_class_means(ref, means));
  PetscCall(ms_sims_nmf(nmf, ds, o->kmin, o->kmax, ref->n_classes, means, o->threshold, &r));
  PetscCall(ms_sims_cmd_h5_open(comm, o, "/nmf", &f, &g));
  {
    double *ks;
    PetscCall(PetscMalloc1(r.kmax - r.kmin + 1, &ks));
    for (int64_t k = r.kmin; k <= r.kmax; k++) ks[k - r.kmin] = (double)k;
    PetscCall(ms_sims_cmd_h5_matrix(comm, g, "n_components_tried", r.kmax - r.kmin + 1, 0, ks));
    PetscCall(ms_sims_cmd_h5_matrix(comm, g, "reconstruction_err", r.kmax - r.kmin + 1, 0, r.err));
    if (o->plots) {
      char path[PETSC_MAX_PATH_LEN];
      PetscCall(ms_sims_cmd_path(o, "_elbow.png", path));
      PetscCall(ms_sims_plot_line(comm, path, "NMF reconstruction error (chosen rank marked)", "components", "||X - WH||_F", r.kmax - r.kmin + 1, ks,
                                  r.err, (double)r.k));
    }
    PetscCall(PetscFree(ks));
  }
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "components", r.k, r.d, r.H));
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "pearson", r.k, r.n_ref, r.pearson));
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "shares", r.n, r.k, r.share));
  PetscCall(ms_h5_attr_set_int(g, "n_components", r.k));
  PetscCall(ms_h5_attr_set_strings(g, "reference_names", (int)ref->n_classes, ref->class_names));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_text_printf(&t, "sims nmf: %lld spectra, ranks %lld..%lld tried, elbow at %lld components\n", (long long)r.n, (long long)r.kmin,
                           (long long)r.kmax, (long long)r.k));
  PetscCall(ms_text_printf(&head, "row,class"));
  for (int64_t c = 0; c < r.k; c++) {
    const char *name = r.match[c] >= 0 ? ref->class_names[r.match[c]] : "unmatched";
    int64_t     best = 0;
    for (int64_t q = 1; q < r.n_ref; q++)
      if (r.pearson[c * r.n_ref + q] > r.pearson[c * r.n_ref + best]) best = q;
    PetscCall(ms_text_printf(&t, "component %lld: %s (best Pearson r %.4f with %s, threshold %.2f)\n", (long long)c + 1, name,
                             r.pearson[c * r.n_ref + best], ref->class_names[best], o->threshold));
    PetscCall(ms_text_printf(&head, ",share_%lld_%s", (long long)c + 1, name));
  }
  PetscCall(ms_dataset_allgather(ds, &rep));
  {
    double  *mean;
    int64_t *cnt;
    PetscCall(PetscCalloc2(rep->n_classes * r.k, &mean, rep->n_classes, &cnt));
    for (int64_t i = 0; i < r.n; i++) {
      PetscCall(ms_text_printf(&csv, "%lld,%s", (long long)i, rep->class_names[rep->labels[i]]));
      cnt[rep->labels[i]]++;
      for (int64_t c = 0; c < r.k; c++) {
        PetscCall(ms_text_printf(&csv, ",%.6g", r.share[i * r.k + c]));
        mean[rep->labels[i] * r.k + c] += r.share[i * r.k + c];
      }
      PetscCall(ms_text_printf(&csv, "\n"));
    }
    PetscCall(ms_text_printf(&t, "mean shares of the components per class:\n"));
    for (int64_t u = 0; u < rep->n_classes; u++) {
      PetscCall(ms_text_printf(&t, "  %-18s", rep->class_names[u]));
      for (int64_t c = 0; c < r.k; c++) PetscCall(ms_text_printf(&t, " %6.3f", mean[u * r.k + c] / (double)PetscMax(cnt[u], 1)));
      PetscCall(ms_text_printf(&t, "\n"));
    }
    PetscCall(PetscFree2(mean, cnt));
  }
  PetscCall(ms_sims_cmd_write_text(comm, o, "_shares.csv", head.s, &csv));
  PetscCall(ms_sims_cmd_summary(comm, o, &t));
  PetscCall(ms_text_free(&t));
  PetscCall(ms_text_free(&csv));
  PetscCall(ms_text_free(&head));
  PetscCall(PetscFree(means));
  PetscCall(ms_sims_nmf_result_free(&r));
  PetscCall(ms_dataset_destroy(&rep));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&ref));
  PetscCall(ms_dataset_destroy(&unseen));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_cmd_mixtures(MPI_Comm comm, const ms_sims_cmd_opts *o)
{
  ms_dataset            ds, ref, unseen;
  ms_sims_mixture_opts  mo;
  ms_sims_mixture_model mm;
  ms_text               t = {0}, csv = {0}, head = {0};
  ms_h5_file            f;
  hid_t                 g;

  PetscFunctionBeginUser;
  PetscCall(ms_sims_cmd_load(comm, o, &ds, &ref, &unseen));
  if (!ref) ref = ds, ds = NULL;
  PetscCall(PetscMemzero(&mo, sizeof mo));
  mo.n_rows = o->n_mix, mo.max_parts = (int)o->max_parts, mo.seed = (uint64_t)o->seed, mo.test_fraction = o->test_fraction;
  PetscCall(PetscStrncpy(mo.model, o->model, sizeof mo.model));
  PetscCall(ms_sims_mixtures_fit(ref, &mo, &mm));
  PetscCall(ms_text_printf(&t, "sims mixtures: %lld pseudo-mixtures of 2..%d spectra of %lld reference classes (seed %lld); %s per class share, "
                               "trained on %lld, held-out R^2 on %lld (%lld of %lld peaks vary over the mixtures and are used):\n",
                           (long long)mo.n_rows, mo.max_parts, (long long)mm->n_out, (long long)o->seed, o->model, (long long)mm->n_train,
                           (long long)mm->n_test, (long long)mm->n_keep, (long long)mm->d));
  for (int64_t c = 0; c < mm->n_out; c++) PetscCall(ms_text_printf(&t, "  %-18s R^2 %.4f\n", mm->out_names[c], mm->r2[c]));
  PetscCall(ms_text_printf(&t, "  mean R^2 %.4f\n", mm->r2_mean));
  PetscCall(ms_sims_cmd_h5_open(comm, o, "/mixtures", &f, &g));
  PetscCall(ms_sims_cmd_h5_matrix(comm, g, "r2", mm->n_out, 0, mm->r2));
  PetscCall(ms_h5_attr_set_strings(g, "reference_names", (int)mm->n_out, mm->out_names));
  PetscCall(ms_h5_attr_set_double(g, "r2_mean", mm->r2_mean));
  PetscCall(ms_h5_attr_set_int(g, "n_mixtures", mo.n_rows));
  if (unseen) {
    const int64_t K = mm->n_out, U = unseen->n_classes;
    double       *S, *mean;
    int64_t      *cnt;
    ms_dataset    srep;
    PetscCall(PetscMalloc1(unseen->n_local * K + 1, &S));
    PetscCall(PetscCalloc2(U * K, &mean, U, &cnt));
    PetscCall(ms_sims_mixtures_predict(mm, unseen, S));
    {
      /* predictions of every unseen row in HDF5 (rows sharded like the table) */
      ms_dataset sd;
      PetscCall(ms_dataset_create(comm, unseen->n_local, K, &sd));
      PetscCall(PetscArraycpy(sd->X, S, unseen->n_local * K));
      PetscCall(ms_dataset_set_feature_names(sd, mm->out_names));
      PetscCall(ms_dataset_set_labels(sd, unseen->target_name, U, unseen->class_names, unseen->labels));
      PetscCall(ms_dataset_write_h5(sd, f->fid, "/mixtures/predicted_shares"));
      PetscCall(ms_dataset_allgather(sd, &srep));
      PetscCall(ms_dataset_destroy(&sd));
    }
    for (int64_t i = 0; i < srep->n_global; i++) {
      int64_t u = srep->labels[i];
      cnt[u]++;
      PetscCall(ms_text_printf(&csv, "%lld,%s", (long long)i, srep->class_names[u]));
      for (int64_t c = 0; c < K; c++) {
        mean[u * K + c] += srep->X[i * K + c];
        PetscCall(ms_text_printf(&csv, ",%.6g", srep->X[i * K + c]));
      }
      PetscCall(ms_text_printf(&csv, "\n"));
    }
    PetscCall(ms_text_printf(&head, "row,class"));
    for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(&head, ",share_%s", mm->out_names[c]));
    PetscCall(ms_text_printf(&t, "predicted composition of the unseen spectra (mean share per class, Table 4.10 analogue):\n  %-18s", "class"));
    for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(&t, " %8.8s", mm->out_names[c]));
    for (int64_t u = 0; u < U; u++) {
      PetscCall(ms_text_printf(&t, "\n  %-18s", unseen->class_names[u]));
      for (int64_t c = 0; c < K; c++) PetscCall(ms_text_printf(&t, " %8.3f", mean[u * K + c] / (double)PetscMax(cnt[u], 1)));
    }
    PetscCall(ms_text_printf(&t, "\n"));
    PetscCall(ms_dataset_destroy(&srep));
    PetscCall(PetscFree(S));
    PetscCall(PetscFree2(mean, cnt));
  }
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  if (unseen) PetscCall(ms_sims_cmd_write_text(comm, o, "_predictions.csv", head.s, &csv));
  if (o->plots) {
    double *x;
    char    path[PETSC_MAX_PATH_LEN];
    PetscCall(PetscMalloc1(mm->n_out, &x));
    for (int64_t c = 0; c < mm->n_out; c++) x[c] = (double)c + 1;
    PetscCall(ms_sims_cmd_path(o, "_r2.png", path));
    PetscCall(ms_sims_plot_line(comm, path, "held-out R^2 of each class share (classes in -references order)", "reference class", "R^2", mm->n_out, x,
                                mm->r2, NAN));
    PetscCall(PetscFree(x));
  }
  PetscCall(ms_sims_cmd_summary(comm, o, &t));
  PetscCall(ms_text_free(&t));
  PetscCall(ms_text_free(&csv));
  PetscCall(ms_text_free(&head));
  PetscCall(ms_sims_mixture_model_destroy(&mm));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&ref));
  PetscCall(ms_dataset_destroy(&unseen));
  PetscFunctionReturn(0);
}
