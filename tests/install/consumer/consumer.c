/* Reads a CSV through the installed library and prints what it found. */
#include <ms_dataset.h>
#include <ms_error.h>

int main(int argc, char **argv)
{
  ms_dataset ds;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(ms_error_install());
  ms_csv_read_opts o = {"y", MS_TASK_REGRESSION, NULL, NULL, MS_NAN_ERROR, NULL, PETSC_FALSE};
  PetscCall(ms_dataset_read_csv(PETSC_COMM_WORLD, argv[1], &o, &ds));
  double s = 0;
  for (int64_t i = 0; i < ds->n_local; i++) s += ds->y[i];
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "consumer: matscreen %s read %lld rows, sum(y) = %g\n", ms_version(),
                        (long long)ds->n_global, s));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(PetscFinalize());
  return 0;
}
