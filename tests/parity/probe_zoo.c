/* probe_zoo.c - prints what the model-zoo models compute that `matscreen predict` does not
 * write, for zoo_parity.py to compare with scikit-learn. Rank 0 prints.
 *   probe_zoo decision model.h5 table.csv [target]   SVM decision values, one row per line
 */
#include "ms_dataset.h"
#include "ms_model.h"
#include "ms_svm.h"

int main(int argc, char **argv)
{
  ms_model         m;
  ms_dataset       ds, rep;
  ms_csv_read_opts o = {0};
  int64_t          nv;
  double          *D;
  PetscMPIInt      rank;
  const char      *ign[2] = {NULL, NULL};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc >= 4 && !strcmp(argv[1], "decision"), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "usage: probe_zoo decision model.h5 table.csv [ignored-column]");
  o.id_column = "id";
  if (argc > 4) {
    ign[0] = argv[4];
    o.ignore = ign;
  }
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(ms_model_load(PETSC_COMM_WORLD, argv[2], &m));
  PetscCall(ms_dataset_load(PETSC_COMM_WORLD, argv[3], &o, &ds));
  PetscCall(ms_svm_decision_function(m, ds, &nv, NULL));
  PetscCall(PetscMalloc1(ds->n_local * nv + 1, &D));
  PetscCall(ms_svm_decision_function(m, ds, &nv, D));
  {
    ms_dataset out;
    PetscCall(ms_dataset_create(PETSC_COMM_WORLD, ds->n_local, nv, &out));
    PetscCall(PetscArraycpy(out->X, D, ds->n_local * nv));
    PetscCall(ms_dataset_allgather(out, &rep));
    for (int64_t i = 0; !rank && i < rep->n_global; i++)
      for (int64_t j = 0; j < nv; j++) printf("%.17g%c", rep->X[i * nv + j], j + 1 < nv ? ' ' : '\n');
    PetscCall(ms_dataset_destroy(&out));
    PetscCall(ms_dataset_destroy(&rep));
  }
  PetscCall(PetscFree(D));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));
  PetscCall(PetscFinalize());
  return 0;
}
