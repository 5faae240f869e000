/* ms_cmd_table.c - input-table options of the ML commands (see ms_cmd_table.h). */
#include "ms_cmd_table.h"

PetscErrorCode ms_cmd_table_options(PetscOptionItems *PetscOptionsObject, ms_cmd_table *t, const char *target_help)
{
  PetscBool set;

  PetscFunctionBegin;
  t->task       = (PetscEnum)MS_TASK_AUTO;
  t->nan_policy = (PetscEnum)MS_NAN_ERROR;
  t->n_ignore   = 64;
  PetscCall(PetscOptionsString("-data", "input table (.csv, or .h5/.hdf5 written by matscreen convert)", NULL, t->data, t->data, sizeof t->data, NULL));
  PetscCall(PetscOptionsString("-target", target_help, NULL, t->target, t->target, sizeof t->target, NULL));
  PetscCall(PetscOptionsEnum("-task", "how to read the target (auto: numbers -> regression, text -> classes)", NULL, ms_task_names, t->task, &t->task, NULL));
  PetscCall(PetscOptionsString("-id", "column holding sample ids (kept, not a feature)", NULL, t->id, t->id, sizeof t->id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "comma-separated columns to drop (e.g. ids, notes)", NULL, t->ignore, &t->n_ignore, &set));
  if (!set) t->n_ignore = 0;
  t->n_features = 64;
  PetscCall(PetscOptionsStringArray("-features", "comma-separated feature columns to use, in this order (default: all others)", NULL,
                                    t->features, &t->n_features, &set));
  if (!set) t->n_features = 0;
  PetscCall(PetscOptionsEnum("-nan_policy", "empty/NaN/Inf values: fail naming the place, drop the row, or keep", NULL, ms_nan_policy_names,
                             t->nan_policy, &t->nan_policy, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_table_load(MPI_Comm comm, ms_cmd_table *t, PetscBool need_target, ms_dataset *ds)
{
  ms_csv_read_opts o = {0};

  PetscFunctionBegin;
  PetscCheck(t->data[0], comm, MS_ERR_USER, "missing required option -data (the input table, .csv or .h5)");
  PetscCheck(!need_target || t->target[0], comm, MS_ERR_USER, "missing required option -target (the column to learn)");
  for (PetscInt i = 0; i < t->n_ignore; i++) t->ignore_list[i] = t->ignore[i];
  t->ignore_list[t->n_ignore] = NULL;
  o.target     = t->target[0] ? t->target : NULL;
  o.task       = (ms_task)t->task;
  o.id_column  = t->id[0] ? t->id : NULL;
  o.ignore     = t->ignore_list;
  o.nan_policy = (ms_nan_policy)t->nan_policy;
  for (PetscInt i = 0; i < t->n_features; i++) t->feature_list[i] = t->features[i];
  t->feature_list[t->n_features] = NULL;
  o.features = t->n_features ? t->feature_list : NULL;
  PetscCall(ms_dataset_load(comm, t->data, &o, ds));
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
