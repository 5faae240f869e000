/* ms_cmd_table.c - input-table options of the ML commands (see ms_cmd_table.h). */
#include "ms_cmd_table.h"
#include "ms_campaign.h"
#include "ms_log.h"
#include "ms_model.h"
#include <string.h>

PetscErrorCode ms_cmd_table_options(PetscOptionItems *PetscOptionsObject, ms_cmd_table *t, const char *target_help)
{
  PetscBool set;

  PetscFunctionBegin;
  t->task       = (PetscEnum)MS_TASK_AUTO;
  t->nan_policy = (PetscEnum)MS_NAN_ERROR;
  t->n_ignore   = 64;
  PetscCall(ms_options_group(PetscOptionsObject, "Input table"));
  PetscCall(PetscOptionsString("-data", "input table: FILE.csv, FILE.h5 (matscreen convert) or FILE.h5:/group (e.g. labels.h5:/labels)", NULL,
                               t->data, t->data, sizeof t->data, NULL));
  PetscCall(PetscOptionsString("-target", target_help, NULL, t->target, t->target, sizeof t->target, NULL));
  PetscCall(PetscOptionsEnum("-task", "how to read the target (auto: numbers -> regression, text -> classes)", NULL, ms_task_names, t->task, &t->task, NULL));
  PetscCall(PetscOptionsString("-id", "column holding sample ids (kept, not a feature)", NULL, t->id, t->id, sizeof t->id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "columns to drop (e.g. ids, notes)", NULL, t->ignore, &t->n_ignore, &set));
  if (!set) t->n_ignore = 0;
  t->n_features = 256;
  PetscCall(PetscOptionsStringArray("-features", "feature columns to use, in this order (default: a label campaign's generator parameters, "
                                    "else every column but the target, id and -ignore)", NULL, t->features, &t->n_features, &set));
  if (!set) t->n_features = 0;
  PetscCall(PetscOptionsEnum("-nan_policy", "missing/NaN/Inf values (tau = inf: not percolating): error = fail naming the place, "
                             "omit = drop those rows and say how many, keep = keep them", NULL, ms_nan_policy_names, t->nan_policy, &t->nan_policy, NULL));
  PetscFunctionReturn(0);
}

static int in_names(const char *name, int n, char *const *names)
{
  for (int i = 0; i < n; i++)
    if (!strcmp(name, names[i])) return 1;
  return 0;
}

PetscErrorCode ms_cmd_table_set_features(ms_cmd_table *t, int n, char *const *names)
{
  PetscFunctionBegin;
  if (t->n_features) PetscFunctionReturn(0);
  PetscCheck(n <= (int)(sizeof t->features / sizeof t->features[0]), PETSC_COMM_SELF, MS_ERR_USER, "too many feature columns (%d)", n);
  for (int j = 0; j < n; j++) PetscCall(PetscStrallocpy(names[j], &t->features[j]));
  t->n_features = n;
  PetscFunctionReturn(0);
}

/* No -features: a declared or recognised campaign table uses its generator parameters. */
static PetscErrorCode default_features(MPI_Comm comm, ms_cmd_table *t, const char **source)
{
  ms_table_columns cols;
  int              n = 0;
  const char      *cand[256];

  PetscFunctionBegin;
  *source = "every column except the target, the id and -ignore";
  PetscCall(ms_dataset_columns(comm, t->data, &cols));
  int all_campaign = cols.n > 0;
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++) all_campaign &= in_names(ms_campaign_column_names[c], cols.n, cols.names);
  if (cols.n_default > 0) {
    for (int j = 0; j < cols.n_default && n < 256; j++) cand[n++] = cols.default_features[j];
    *source = "declared by the table (attribute feature_columns: the generator parameters)";
  } else if (cols.campaign || all_campaign) {
    for (int j = 0; j < MS_CAMPAIGN_NFEATURES; j++) cand[n++] = ms_campaign_feature_columns[j];
    *source = "a label campaign table: its generator parameters";
  }
  if (n) {
    for (int j = 0; j < n; j++) {
      const char *c = cand[j];
      if (!strcmp(c, t->target) || !strcmp(c, t->id)) continue;
      if (in_names(c, (int)t->n_ignore, t->ignore)) continue;
      if (!in_names(c, cols.n, cols.names)) continue;
      PetscCall(PetscStrallocpy(c, &t->features[t->n_features++]));
    }
    PetscCheck(t->n_features > 0, comm, MS_ERR_USER, "%s: no generator-parameter columns left as features; name them with -features", t->data);
  }
  PetscCall(ms_table_columns_free(&cols));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_table_load(MPI_Comm comm, ms_cmd_table *t, PetscBool need_target, ms_dataset *ds)
{
  ms_csv_read_opts o = {0};
  const char      *source = "option -features";
  char             list[2048];

  PetscFunctionBegin;
  PetscCheck(t->data[0], comm, MS_ERR_USER, "missing required option -data (the input table, .csv or .h5)");
  PetscCheck(!need_target || t->target[0], comm, MS_ERR_USER, "missing required option -target (the column to learn)");
  if (!t->n_features) PetscCall(default_features(comm, t, &source));
  else if (t->features_source) source = t->features_source;
  for (PetscInt i = 0; i < t->n_ignore; i++) t->ignore_list[i] = t->ignore[i];
  t->ignore_list[t->n_ignore] = NULL;
  o.target     = t->target[0] ? t->target : NULL;
  o.task       = (ms_task)t->task;
  o.id_column  = t->id[0] ? t->id : NULL;
  o.ignore     = t->ignore_list;
  o.nan_policy = (ms_nan_policy)t->nan_policy;
  o.target_keep_nonfinite = t->target_keep_nonfinite;
  for (PetscInt i = 0; i < t->n_features; i++) t->feature_list[i] = t->features[i];
  t->feature_list[t->n_features] = NULL;
  o.features = t->n_features ? t->feature_list : NULL;
  PetscCall(ms_dataset_load(comm, t->data, &o, ds));
  ms_table_columns_join((int)(*ds)->n_features, (*ds)->feature_names, list, sizeof list);
  PetscCall(ms_log(comm, "%s: %lld rows of %s; target %s; %lld features (%s): %s\n", t->who ? t->who : "table", (long long)(*ds)->n_global,
                   t->data, (*ds)->target_name ? (*ds)->target_name : "none", (long long)(*ds)->n_features, source, list));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_table_free(ms_cmd_table *t)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < t->n_ignore; i++) PetscCall(PetscFree(t->ignore[i]));
  for (PetscInt i = 0; i < t->n_features; i++) PetscCall(PetscFree(t->features[i]));
  t->n_features = 0;
  t->n_ignore = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_models_help(MPI_Comm comm, const char *how)
{
  const char *const *names;
  int                n;

  PetscFunctionBegin;
  PetscCall(ms_model_list(&names, &n));
  PetscCall(ms_options_help_note("Models (%s):\n", how));
  for (int i = 0; i < n; i++) {
    ms_model m;
    PetscCall(ms_model_create(comm, names[i], &m));
    PetscCall(ms_options_help_note("  %-8s %s\n", names[i], m->summary ? m->summary : ""));
    PetscCall(ms_model_destroy(&m));
  }
  PetscFunctionReturn(0);
}
