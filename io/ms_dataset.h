/* ms_dataset.h - the feature table every ML workflow consumes.
 *
 * A dataset is a row-major double matrix X (n_global rows x n_features columns) sharded
 * by contiguous row blocks over a communicator: this rank owns global rows
 * [row_start, row_start + n_local). Blocks follow PETSc's split (the first n_global % P
 * ranks own one extra row) unless rows were dropped or selected.
 * Optional per-row columns: a regression target y, class labels (0..n_classes-1, names
 * in class_names, sorted), and string sample ids.
 *
 * A dataset may be *replicated* (every rank holds all rows: n_local = n_global,
 * row_start = 0, replicated = PETSC_TRUE); ms_dataset_allgather() makes one. Validation
 * replicates the (small) table once and builds each fold with ms_dataset_select(), which
 * shards the chosen rows over the fold's own (sub-)communicator.
 *
 * Ownership: the dataset owns every array and string; ms_dataset_destroy frees them.
 *
 * HDF5 layout (ms_dataset_write_h5/read_h5, under a group, default "/"):
 *   features     float64 (n, d), attribute column_names (strings)
 *   target       float64 (n),    attribute name                        [optional]
 *   labels       int64   (n),    attributes name, class_names          [optional]
 *   ids          string  (n),    attribute name                        [optional]
 *
 * CSV (ms_dataset_read_csv/write_csv): header row required, comma separated, RFC-4180
 * quotes, '#' comment lines and empty lines skipped. Each column becomes a feature unless
 * named as the target, as an id column, or ignored. A non-numeric field in a feature
 * column is an error naming file, line and column. NaN policy (empty field, "nan", "inf"):
 * MS_NAN_ERROR (default) fails naming the place; MS_NAN_OMIT drops the row;
 * MS_NAN_KEEP stores NaN/Inf.
 */
#ifndef MS_DATASET_H
#define MS_DATASET_H

#include "ms_core.h"
#include <hdf5.h>

typedef enum { MS_TASK_AUTO = 0, MS_TASK_REGRESSION, MS_TASK_CLASSIFICATION, MS_TASK_NONE } ms_task;
typedef enum { MS_NAN_ERROR = 0, MS_NAN_OMIT, MS_NAN_KEEP } ms_nan_policy;
/* Names in PETSc's enum-list format (for PetscOptionsEnum): the values in order, then the
 * type name and prefix, then NULL. Index with the enum value. */
extern const char *const ms_task_names[];       /* "auto","regression","classification","none" */
extern const char *const ms_nan_policy_names[]; /* "error","omit","keep" */

typedef struct ms_dataset_s {
  MPI_Comm  comm;
  int64_t   n_global, n_local, row_start;
  int64_t   n_features;
  char    **feature_names;     /* n_features */
  double   *X;                 /* n_local * n_features, row-major */
  PetscBool replicated;
  /* regression target */
  char     *target_name;       /* NULL when there is no target column */
  double   *y;                 /* n_local, or NULL */
  /* class labels */
  int64_t   n_classes;         /* 0 when there are no labels */
  char    **class_names;       /* n_classes, sorted */
  int64_t  *labels;            /* n_local, or NULL */
  /* sample ids */
  char     *id_name;           /* NULL when there are no ids */
  char    **ids;               /* n_local, or NULL */
} *ms_dataset;

typedef struct {
  const char   *target;        /* column name or NULL */
  ms_task       task;          /* target as regression (numeric) or classification (classes) */
  const char   *id_column;     /* column name or NULL */
  const char  **ignore;        /* NULL-terminated list of columns to drop, or NULL */
  ms_nan_policy nan_policy;
  const char  **features;      /* NULL-terminated list: keep only these feature columns, in this
                                  order (ms_dataset_load); NULL keeps every column */
  PetscBool     target_keep_nonfinite; /* NaN/Inf targets are kept whatever nan_policy says
                                  (predict scores on the finite ones) */
} ms_csv_read_opts;

/* Empty dataset with n_local rows of n_features on comm (global sizes are reduced). Sizes
 * that cannot be addressed, or more than MS_DATASET_MAX_FEATURES columns, are MS_ERR_READ. */
#define MS_DATASET_MAX_FEATURES (1 << 24)
PetscErrorCode ms_dataset_create(MPI_Comm comm, int64_t n_local, int64_t n_features, ms_dataset *ds);
PetscErrorCode ms_dataset_destroy(ms_dataset *ds);
PetscErrorCode ms_dataset_set_feature_names(ms_dataset ds, char *const *names); /* copies */
PetscErrorCode ms_dataset_set_target(ms_dataset ds, const char *name, const double *y_local);
PetscErrorCode ms_dataset_set_labels(ms_dataset ds, const char *name, int64_t n_classes,
                                     char *const *class_names, const int64_t *labels_local);

PetscErrorCode ms_dataset_read_csv(MPI_Comm comm, const char *path, const ms_csv_read_opts *opts, ms_dataset *ds);
PetscErrorCode ms_dataset_write_csv(ms_dataset ds, const char *path);       /* atomic, collective */
/* The same, recording n_inputs input files in the PATH.meta.json provenance sidecar (the
 * CSV itself is a plain table: pandas.read_csv(path) reads it; see ms_provenance.h). */
PetscErrorCode ms_dataset_write_csv_inputs(ms_dataset ds, const char *path, int n_inputs, char *const *inputs);
PetscErrorCode ms_dataset_write_h5(ms_dataset ds, hid_t loc, const char *group);
PetscErrorCode ms_dataset_read_h5(MPI_Comm comm, hid_t loc, const char *group, ms_dataset *ds);
/* Read CSV or HDF5 by extension (.h5/.hdf5 -> HDF5, else CSV). "file.h5:/group" picks the
 * group (default "/"). An HDF5 group without a 'features' dataset is read as one column per
 * numeric 1-D dataset (name order), the layout of campaign outputs such as /labels. For HDF5
 * input, opts->target may name a feature column to promote to the target and opts->ignore
 * drops columns. */
PetscErrorCode ms_dataset_load(MPI_Comm comm, const char *spec, const ms_csv_read_opts *opts, ms_dataset *ds);

/* Every rank gets all rows (collective on ds->comm). */
PetscErrorCode ms_dataset_allgather(ms_dataset ds, ms_dataset *rep);
/* From a replicated dataset, the rows idx[0..n) (global indices into rep) sharded over
 * comm in the given order. Collective on comm; every rank of comm passes the same idx. */
PetscErrorCode ms_dataset_select(ms_dataset rep, MPI_Comm comm, int64_t n, const int64_t *idx, ms_dataset *sub);
/* Global minimum and maximum of every feature column (collective on ds->comm); lo and hi
 * hold n_features values each. */
PetscErrorCode ms_dataset_column_range(ms_dataset ds, double *lo, double *hi);
/* Column index by name, or -1. */
int64_t ms_dataset_feature_index(ms_dataset ds, const char *name);
/* Error naming row and column of the first NaN/Inf in X or y. */
PetscErrorCode ms_dataset_check_finite(ms_dataset ds, const char *what);
/* Remove the local rows with drop[i] set (collective: global sizes are recomputed). */
PetscErrorCode ms_dataset_drop_rows(ms_dataset ds, const PetscBool *drop);
/* NaN policy on a loaded table (collective): MS_NAN_ERROR fails naming the first non-finite
 * value, MS_NAN_OMIT drops every row with a non-finite target or feature and prints (rank 0)
 * how many and why, MS_NAN_KEEP does nothing. `src` names the table in messages. */
PetscErrorCode ms_dataset_apply_nan_policy(ms_dataset ds, const char *src, ms_nan_policy policy, PetscBool check_target);
/* As ms_dataset_check_finite, for the feature columns only. */
PetscErrorCode ms_dataset_check_finite_features(ms_dataset ds, const char *what);

/* The columns of a table file without reading its rows (collective; rank 0 reads, all get it):
 * a CSV header, or for HDF5 the feature, target, label and id names of the `features` layout
 * or the 1-D column datasets of a column group. A table may declare the columns that are its
 * inputs: the string attribute `feature_columns` on the group (a label campaign's generator
 * parameters, see solvers/ms_campaign.h) is returned in default_features. `campaign` is set for a
 * group carrying a `campaign_definition` attribute (a label campaign table). */
typedef struct {
  int       n, n_default;
  char    **names;            /* n column names, file order */
  char    **default_features; /* n_default names declared by the file, or NULL */
  PetscBool campaign;
} ms_table_columns;
PetscErrorCode ms_dataset_columns(MPI_Comm comm, const char *spec, ms_table_columns *cols);
/* "file.h5:/group" -> path, group ("/" by default) and whether it is HDF5 (.h5/.hdf5). */
PetscErrorCode ms_dataset_split_spec(const char *spec, char *path, size_t plen, char *group, size_t glen, PetscBool *is_h5);
/* "group '/x' holds: a, b/, c" for the group that would contain `path` (for "not found" errors). */
PetscErrorCode ms_dataset_h5_members(hid_t loc, const char *path, char *out, size_t len);
PetscErrorCode ms_table_columns_free(ms_table_columns *cols);
/* "a, b, c" of the column names (for messages), truncated with ", ..." to fit len. */
void           ms_table_columns_join(int n, char *const *names, char *buf, size_t len);

#endif
