/* ml_test_data.h - build small sharded datasets for the ML unit tests: rank r of P owns
 * the global rows [r*n/P, (r+1)*n/P) of a row-major table given in full. */
#ifndef ML_TEST_DATA_H
#define ML_TEST_DATA_H
#include "ms_dataset.h"

static PetscErrorCode ml_test_dataset(MPI_Comm comm, int64_t n, int64_t d, const double *X, const double *y, const int64_t *labels,
                                      int64_t n_classes, char *const *class_names, ms_dataset *ds)
{
  PetscMPIInt rank, size;
  char        name[16], *names[64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  const int64_t lo = rank * n / size, hi = (rank + 1) * n / size;
  PetscCall(ms_dataset_create(comm, hi - lo, d, ds));
  for (int64_t i = 0; i < (hi - lo) * d; i++) (*ds)->X[i] = X[lo * d + i];
  for (int64_t j = 0; j < d; j++) {
    PetscCall(PetscSNPrintf(name, sizeof name, "f%d", (int)j));
    PetscCall(PetscStrallocpy(name, &names[j]));
  }
  PetscCall(ms_dataset_set_feature_names(*ds, names));
  for (int64_t j = 0; j < d; j++) PetscCall(PetscFree(names[j]));
  if (y) PetscCall(ms_dataset_set_target(*ds, "y", y + lo));
  if (labels) PetscCall(ms_dataset_set_labels(*ds, "label", n_classes, class_names, labels + lo));
  PetscFunctionReturn(0);
}
#endif
