/* test_kan - Kolmogorov-Arnold network (ml/kan) against closed forms:
 *  1. B-splines on the extended uniform grid form a partition of unity on [lo, hi] (sum 1,
 *     derivatives sum 0), and degree 1 gives the hat functions;
 *  2. a one-layer KAN [2 -> 1] is additive, so it can represent f = sin(pi x1) + x2^2 with
 *     one edge per input: Adam reaches test RMSE < 5e-3 (the function's std is ~0.8; we get ~3e-4);
 *  3. training on PETSC_COMM_WORLD with sharded rows gives the same parameter bits as on
 *     PETSC_COMM_SELF with all rows (gradients summed in fixed row blocks).
 * Run with NP 1 and NP 2.
 */
#include "ms_kan.h"
#include "ms_rng.h"
#include "ms_test.h"
#include "kan_test_data.h"

#define NTR 240
#define NTE 200

static PetscErrorCode train_on(MPI_Comm comm, const double *X, const double *y, ms_kan *net)
{
  ms_dataset        ds;
  PetscMPIInt       size, rank;
  int64_t           lo, nl;
  ms_kan_train_opts o = {.epochs = 1500, .lr = 0.02, .seed = 5};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  lo = NTR / size * rank + PetscMin(rank, NTR % size);
  nl = NTR / size + (rank < NTR % size);
  PetscCall(ms_dataset_create(comm, nl, 2, &ds));
  PetscCall(PetscArraycpy(ds->X, X + 2 * lo, 2 * nl));
  PetscCall(ms_dataset_set_target(ds, "f", y + lo));
  PetscCall(ms_kan_setup(net, 2, 0, NULL, 10, 3));
  PetscCall(ms_kan_train(net, ds, &o));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

/* 4. sparsity and pruning: with a third input x3 that f ignores, pruning (with the L1 +
 * entropy penalty on) removes exactly the x3 edge and the network still fits (RMSE < 0.05),
 * the same on 1 and 2 ranks (bitwise); 5. the gradient Adam descends, penalty included, equals
 * central differences of the objective. */
static PetscErrorCode test_prune(void)
{
  double            X[3 * NTR], y[NTR], Xt[3 * NTE], yt[NTE], p[NTE], rmse = 0.0;
  ms_rng            r;
  ms_kan            net[2];
  ms_kan_train_opts o = {.epochs = 1500, .lr = 0.02, .seed = 5, .lambda = 0.01, .entropy = 2.0, .prune = 0.05};
  MPI_Comm          comms[2] = {PETSC_COMM_WORLD, PETSC_COMM_SELF};

  PetscFunctionBeginUser;
  ms_rng_init(&r, 22, 0);
  for (int i = 0; i < NTR + NTE; i++) {
    double *x = i < NTR ? X + 3 * i : Xt + 3 * (i - NTR);
    for (int j = 0; j < 3; j++) x[j] = 2.0 * ms_rng_uniform(&r) - 1.0;
    (i < NTR ? y : yt)[i < NTR ? i : i - NTR] = sin(PETSC_PI * x[0]) + x[1] * x[1];
  }
  for (int k = 0; k < 2; k++) {
    ms_dataset  ds;
    PetscMPIInt size, rank;
    int64_t     lo, nl;
    PetscCallMPI(MPI_Comm_size(comms[k], &size));
    PetscCallMPI(MPI_Comm_rank(comms[k], &rank));
    lo = NTR / size * rank + PetscMin(rank, NTR % size);
    nl = NTR / size + (rank < NTR % size);
    PetscCall(ms_dataset_create(comms[k], nl, 3, &ds));
    PetscCall(PetscArraycpy(ds->X, X + 3 * lo, 3 * nl));
    PetscCall(ms_dataset_set_target(ds, "f", y + lo));
    PetscCall(ms_kan_setup(&net[k], 3, 0, NULL, 10, 3));
    PetscCall(ms_kan_train(&net[k], ds, &o));
    PetscCall(ms_dataset_destroy(&ds));
  }
  for (int64_t q = 0; q < net[0].n_params; q++) MS_CHECK(net[0].params[q] == net[1].params[q]);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan prune: edge mean |phi| x1 %.4g, x2 %.4g, x3 %.4g\n", net[0].edge_l1[0], net[0].edge_l1[1], net[0].edge_l1[2]));
  MS_CHECK(net[0].edge_l1[0] > 0 && net[0].edge_l1[1] > 0 && net[0].edge_l1[2] == 0.0);
  PetscCall(ms_kan_predict(&net[0], NTE, Xt, p));
  for (int i = 0; i < NTE; i++) rmse += (p[i] - yt[i]) * (p[i] - yt[i]);
  rmse = sqrt(rmse / NTE);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan prune: test RMSE %.4g after pruning\n", rmse));
  MS_CHECK(rmse < 0.05);
  for (int k = 0; k < 2; k++) PetscCall(ms_kan_free(&net[k]));
  { /* the gradient that Adam descends, penalty included, against central differences of the
       objective, on a [3, 2, 1] network after a short training (generic parameters) */
    ms_dataset        ds;
    ms_kan_train_opts q = {.epochs = 50, .lr = 0.02, .seed = 7, .lambda = 0.01, .entropy = 2.0};
    int               hid[1] = {2};
    double            f, fp, fm, *g, *scratch, worst = 0.0;
    PetscCall(ms_dataset_create(PETSC_COMM_SELF, NTR, 3, &ds));
    PetscCall(PetscArraycpy(ds->X, X, 3 * NTR));
    PetscCall(ms_dataset_set_target(ds, "f", y));
    PetscCall(ms_kan_setup(&net[0], 3, 1, hid, 5, 3));
    PetscCall(ms_kan_train(&net[0], ds, &q));
    PetscCall(PetscMalloc2(net[0].n_params, &g, net[0].n_params, &scratch));
    PetscCall(ms_kan_objective(&net[0], ds, &q, &f, g));
    for (int64_t k = 0; k < net[0].n_params; k += 3) {
      const double h = 1e-6, keep = net[0].params[k];
      double       fd;
      net[0].params[k] = keep + h;
      PetscCall(ms_kan_objective(&net[0], ds, &q, &fp, scratch));
      net[0].params[k] = keep - h;
      PetscCall(ms_kan_objective(&net[0], ds, &q, &fm, scratch));
      net[0].params[k] = keep;
      fd    = (fp - fm) / (2 * h);
      worst = PetscMax(worst, fabs(fd - g[k]) / (1e-4 + fabs(g[k])));
      MS_CHECK_CLOSE(g[k], fd, 1e-4, 1e-7);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan gradient (with penalty) vs central differences: worst relative diff %.2e\n", worst));
    PetscCall(PetscFree2(g, scratch));
    PetscCall(ms_kan_free(&net[0]));
    PetscCall(ms_dataset_destroy(&ds));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double X[2 * NTR], y[NTR], Xt[2 * NTE], yt[NTE], p[NTE], t[32], B[32], dB[32], rmse = 0.0;
  ms_kan netw, nets;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-quiet", NULL));
  /* 1. partition of unity, hat functions */
  ms_kan_knots(6, 3, -1.0, 2.0, t);
  for (int q = 0; q <= 20; q++) {
    double x = -1.0 + 3.0 * q / 20.5, s = 0.0, ds = 0.0;
    ms_kan_bspline(t, 6 + 7, 3, x, B, dB);
    for (int m = 0; m < 9; m++) { s += B[m]; ds += dB[m]; }
    MS_CHECK_CLOSE(s, 1.0, 0, 1e-14);
    MS_CHECK_CLOSE(ds, 0.0, 0, 1e-12);
  }
  ms_kan_knots(4, 1, 0.0, 4.0, t); /* knots -1, 0, 1, ..., 5: hats centred on 0..4 */
  ms_kan_bspline(t, 4 + 3, 1, 1.25, B, dB);
  for (int m = 0; m < 5; m++) {
    MS_CHECK_CLOSE(B[m], PetscMax(0.0, 1.0 - fabs(1.25 - m)), 0, 1e-15);
    MS_CHECK_CLOSE(dB[m], m == 1 ? -1.0 : m == 2 ? 1.0 : 0.0, 0, 1e-15);
  }
  /* 2. fit, 3. ranks */
  kan_test_truth(NTR, 0, X, y);
  kan_test_truth(NTE, 1, Xt, yt);
  PetscCall(train_on(PETSC_COMM_WORLD, X, y, &netw));
  PetscCall(train_on(PETSC_COMM_SELF, X, y, &nets));
  MS_CHECK(netw.n_params == nets.n_params && netw.n_params == 2 * (10 + 3 + 2));
  for (int64_t q = 0; q < netw.n_params && q < nets.n_params; q++) MS_CHECK(netw.params[q] == nets.params[q]);
  PetscCall(ms_kan_predict(&netw, NTE, Xt, p));
  for (int i = 0; i < NTE; i++) rmse += (p[i] - yt[i]) * (p[i] - yt[i]);
  rmse = sqrt(rmse / NTE);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan [2,1] G=10: test RMSE %.4g on sin(pi x1) + x2^2\n", rmse));
  MS_CHECK(rmse < 5e-3);
  PetscCall(ms_kan_free(&netw));
  PetscCall(ms_kan_free(&nets));
  PetscCall(test_prune());
  MS_TEST_END("kan");
}
