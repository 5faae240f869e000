/* bench_logreg - time one logreg fit on an HDF5 dataset (matscreen layout, group "/"),
 * rows sharded over PETSC_COMM_WORLD; prints one JSON object on rank 0 with the fit time
 * (fit only: no start-up, no reading), TAO iterations, the optimality measure and the
 * coefficients, so the driver (logreg_bench.py) can compare them with scikit-learn's.
 *   mpiexec -n 2 bench_logreg data.h5 -logreg_C 1 -logreg_tol 1e-4
 * It calls the model's operations directly (no scaler), like the tests; once the train
 * command is on main the driver can time `matscreen train -model logreg` instead.
 */
#include "logreg.h"
#include "ms_h5.h"

int main(int argc, char **argv)
{
  ms_h5_file  f;
  ms_dataset  ds;
  ms_model    m;
  int64_t     R;
  const double *W, *b;
  double      t0, t1, fval, gn;
  PetscMPIInt size;
  PetscInt    it;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "bench_logreg data.h5 [-logreg_* options]"));
  PetscCheck(argc > 1 && argv[1][0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: bench_logreg data.h5 [options]");
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(ms_h5_open_read(PETSC_COMM_WORLD, argv[1], &f));
  PetscCall(ms_dataset_read_h5(PETSC_COMM_WORLD, f->fid, "/", &ds));
  PetscCall(ms_h5_close(&f));
  PetscCall(PetscNew(&m));
  m->comm = PETSC_COMM_WORLD;
  m->task = MS_TASK_CLASSIFICATION;
  m->n_features = ds->n_features;
  m->n_classes = ds->n_classes;
  PetscCall(ms_model_create_logreg(m));
  PetscCall(m->ops.setfromoptions(m));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(m->ops.fit(m, ds));
  t1 = MPI_Wtime();
  PetscCall(ms_logreg_get_coefficients(m, &R, &W, &b));
  PetscCall(ms_logreg_objective(m, ds, &fval, &gn));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"fit_s\": %.6f, \"ranks\": %d, \"n\": %" PetscInt64_FMT ", \"d\": %" PetscInt64_FMT
                        ", \"objective\": %.17g, \"grad_norm\": %.3e, \"coef\": [",
                        t1 - t0, (int)size, (PetscInt64)ds->n_global, (PetscInt64)ds->n_features, fval, gn));
  for (int64_t j = 0; j < R * ds->n_features; j++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s%.17g", j ? ", " : "", W[j]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "], \"intercept\": ["));
  for (int64_t k = 0; k < R; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s%.17g", k ? ", " : "", b[k]));
  PetscCall(ms_logreg_get_iterations(m, &it));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "], \"n_iter\": %" PetscInt_FMT "}\n", it));
  PetscCall(m->ops.destroy(m));
  PetscCall(PetscFree(m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(PetscFinalize());
  return 0;
}
