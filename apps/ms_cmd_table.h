/* ms_cmd_table.h - the input-table options shared by train, predict and cv:
 * -data, -target, -task, -id, -ignore, -nan_policy. Read inside the command's own
 * PetscOptionsBegin block so -help lists them with the command. */
#ifndef MS_CMD_TABLE_H
#define MS_CMD_TABLE_H

#include "ms_dataset.h"

typedef struct {
  char        data[PETSC_MAX_PATH_LEN], target[256], id[256];
  char       *ignore[64];
  PetscInt    n_ignore;
  PetscEnum   task, nan_policy;
  const char *ignore_list[65];
  char       *features[64];     /* -features: keep only these columns, in this order */
  PetscInt    n_features;
  const char *feature_list[65];
} ms_cmd_table;

PetscErrorCode ms_cmd_table_options(PetscOptionItems *PetscOptionsObject, ms_cmd_table *t, const char *target_help);
/* Errors naming the missing option when -data (or, if need_target, -target) is absent. */
PetscErrorCode ms_cmd_table_load(MPI_Comm comm, ms_cmd_table *t, PetscBool need_target, ms_dataset *ds);
PetscErrorCode ms_cmd_table_free(ms_cmd_table *t);

#endif
