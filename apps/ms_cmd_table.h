/* ms_cmd_table.h - the input-table options shared by train, predict and cv:
 * -data, -target, -task, -id, -ignore, -features, -nan_policy. Read inside the command's own
 * PetscOptionsBegin block so -help lists them with the command.
 *
 * Default features (no -features): a table that declares its input columns (the HDF5 attribute
 * feature_columns written by `matscreen label`) uses those; a label campaign table without the
 * attribute (older files, and CSV exports made by `matscreen convert`, recognised by holding every
 * campaign column) uses the campaign's generator parameters; any other table uses every column
 * except the target, the id and -ignore. The chosen features are printed. */
#ifndef MS_CMD_TABLE_H
#define MS_CMD_TABLE_H

#include "ms_dataset.h"

typedef struct {
  char        data[PETSC_MAX_PATH_LEN], target[256], id[256];
  char       *ignore[64];
  PetscInt    n_ignore;
  PetscEnum   task, nan_policy;
  const char *ignore_list[65];
  char       *features[256];    /* -features: keep only these columns, in this order */
  PetscInt    n_features;
  const char *feature_list[257];
  PetscBool   target_keep_nonfinite; /* predict: NaN/Inf targets kept, scored on the finite ones */
  const char *who;               /* command name for the printed feature list */
  const char *features_source;   /* where preset features came from (default "option -features") */
} ms_cmd_table;

PetscErrorCode ms_cmd_table_options(PetscOptionItems *PetscOptionsObject, ms_cmd_table *t, const char *target_help);
/* Errors naming the missing option when -data (or, if need_target, -target) is absent. */
PetscErrorCode ms_cmd_table_load(MPI_Comm comm, ms_cmd_table *t, PetscBool need_target, ms_dataset *ds);
/* Use these feature columns (copied) unless -features was given. */
PetscErrorCode ms_cmd_table_set_features(ms_cmd_table *t, int n, char *const *names);
PetscErrorCode ms_cmd_table_free(ms_cmd_table *t);
/* -help: list the models with their one-line summaries (train, cv, predict). */
PetscErrorCode ms_cmd_models_help(MPI_Comm comm, const char *how);

#endif
