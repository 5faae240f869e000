/* cmd_sims.h - private to `matscreen sims`: its options and the steps of each subcommand
 * (apps/cmd_sims.c reads the options and dispatches; cmd_sims_steps.c and cmd_sims_classify.c
 * call ml/sims and write the outputs). */
#ifndef CMD_SIMS_H
#define CMD_SIMS_H

#include "ms_nmf.h"
#include "ms_pca.h"
#include "ms_h5.h"
#include "ms_report.h"

typedef struct {
  char      input[PETSC_MAX_PATH_LEN], output[PETSC_MAX_PATH_LEN], new_table[PETSC_MAX_PATH_LEN], label[256], id[256], scaling[32], model[32];
  char     *ignore[64], *refs[64];
  PetscInt  n_ignore, n_refs, folds, top, min_class, n_pc, kmin, kmax, n_mix, max_parts;
  PetscReal level, threshold, test_fraction;
  PetscBool compare, abs_imp, plots, drop_zero;
  PetscInt  seed;
} ms_sims_cmd_opts;


/* Rank 0 writes a replicated rows x cols array to dataset `name` of group g. */
PetscErrorCode ms_sims_cmd_h5_matrix(MPI_Comm comm, hid_t g, const char *name, int64_t rows, int64_t cols, const double *a);
/* PREFIX + suffix into path (PETSC_MAX_PATH_LEN). */
PetscErrorCode ms_sims_cmd_path(const ms_sims_cmd_opts *o, const char *suffix, char *path);
/* Rank 0's text as PREFIX<suffix>, atomically, with its provenance sidecar. */
PetscErrorCode ms_sims_cmd_write_text(MPI_Comm comm, const ms_sims_cmd_opts *o, const char *suffix, const char *header, ms_text *body);
/* Print the summary (rank 0) and write it to PREFIX_summary.txt. */
PetscErrorCode ms_sims_cmd_summary(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_text *t);

/* The peak table, and with -references the reference rows and the unseen rows (the other
 * classes, or -new); ref and unseen may come back NULL. */
PetscErrorCode ms_sims_cmd_load(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_dataset *all, ms_dataset *ref, ms_dataset *unseen);
/* Create PREFIX.h5 (inputs recorded) and open group `group` in it. */
PetscErrorCode ms_sims_cmd_h5_open(MPI_Comm comm, const ms_sims_cmd_opts *o, const char *group, ms_h5_file *f, hid_t *g);

PetscErrorCode ms_sims_cmd_preprocess(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_pca p);
PetscErrorCode ms_sims_cmd_pca(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_pca p);
PetscErrorCode ms_sims_cmd_classify(MPI_Comm comm, const ms_sims_cmd_opts *o);
PetscErrorCode ms_sims_cmd_nmf(MPI_Comm comm, const ms_sims_cmd_opts *o, ms_nmf nmf);
PetscErrorCode ms_sims_cmd_mixtures(MPI_Comm comm, const ms_sims_cmd_opts *o);

#endif
