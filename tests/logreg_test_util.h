/* logreg_test_util.h - building logreg models and small datasets by hand in tests.
 *
 * The tests call the model's ops directly (no registry, no scaler) so they check logreg
 * alone. Options are given as a string ("-logreg_penalty l1 -logreg_C 0.5") and replace
 * every -logreg_* option of the previous model.
 */
#ifndef LOGREG_TEST_UTIL_H
#define LOGREG_TEST_UTIL_H

#include "logreg.h"
#include <string.h>

static PetscErrorCode lrt_dataset(MPI_Comm comm, int64_t n, int64_t d, int64_t K, const double *X, const int64_t *y,
                                  ms_dataset *ds)
{
  char *names[16] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15"};

  PetscFunctionBeginUser;
  PetscCheck(K <= 16, comm, PETSC_ERR_SUP, "at most 16 classes in tests");
  PetscCall(ms_dataset_create(comm, n, d, ds));
  if (n * d > 0) PetscCall(PetscArraycpy((*ds)->X, X, n * d));
  PetscCall(ms_dataset_set_labels(*ds, "class", K, names, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode lrt_model_destroy(ms_model *m);

static PetscErrorCode lrt_model(MPI_Comm comm, ms_dataset ds, const char *opts, ms_model *out)
{
  const char *keys[] = {"-logreg_penalty", "-logreg_C", "-logreg_l1_ratio", "-logreg_class_weight",
                        "-logreg_fit_intercept", "-logreg_tol", "-logreg_max_it"};
  ms_model m;

  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) PetscCall(PetscOptionsClearValue(NULL, keys[i]));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(PetscNew(&m));
  m->comm = comm;
  m->task = MS_TASK_CLASSIFICATION;
  if (ds) {
    m->n_features = ds->n_features;
    m->n_classes = ds->n_classes;
  }
  PetscCall(ms_model_create_logreg(m));
  *out = m;
  PetscErrorCode ierr = m->ops.setfromoptions(m);
  if (ierr) PetscCall(lrt_model_destroy(out)); /* a rejected option leaves nothing behind (LeakSanitizer) */
  PetscFunctionReturn(ierr);
}

static PetscErrorCode lrt_model_destroy(ms_model *m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  PetscCall((*m)->ops.destroy(*m));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

#endif
