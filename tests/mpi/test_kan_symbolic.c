/* test_kan_symbolic - KAN symbolic snapping, grid extension and L-BFGS (ml/kan) against closed forms:
 *  1. ms_kan_symbolic_fit names the function that made the samples and reproduces them:
 *     2 sin(2.7 x + 0.37) - 1 -> sin, 0.5 (x - 0.33)^2 + 1 -> x^2, 3 exp(0.73 x) -> exp,
 *     1/(x + 1.2) -> 1/x, 1.5 x - 2 -> x (exactly), 4 -> 0 (the constant);
 *  1b. pruning a [2, 2, 1] network whose h2 -> out edge is weak removes that edge and, h2 being
 *     dead, x -> h2 and y -> h2, and nothing else;
 *  2. grid extension G = 5 -> 10 (the fine knots contain the coarse ones) reproduces every edge
 *     to rounding on [lo, hi]; 5 -> 7 (not nested) only approximately;
 *  3. L-BFGS (TAO LMVM) training fits sin(pi x1) + x2^2 with a [2 -> 1] KAN to test RMSE < 5e-3,
 *     and on PETSC_COMM_WORLD (sharded rows) gives the same parameter bits as on PETSC_COMM_SELF;
 *  4. snapping that network (edges split over ranks) gives sin and x^2, identically on 1 and
 *     P ranks, and the snapped network still fits (RMSE < 5e-3);
 *  5. the gradient of the snapped network's objective with respect to the edges' (a, b, c, d)
 *     equals central differences (one layer, and through two layers of a [2, 1, 1] network), and fine-tuning them (L-BFGS) recovers sin(pi x1) + x2^2 to
 *     test RMSE < 1e-8, with the same bits on 1 and P ranks.
 * Run with NP 1 and NP 2.
 */
#include "ms_kan.h"
#include "ms_rng.h"
#include "ms_test.h"
#include "kan_test_data.h"

#define NTR 240
#define NTE 200

static int lib_index(const char *name)
{
  for (int f = 0; f < ms_kan_symbolic_count(); f++)
    if (!strcmp(ms_kan_symbolic_name(f), name)) return f;
  return -2;
}

static double t_sin(double x) { return 2.0 * sin(2.7 * x + 0.37) - 1.0; }
static double t_sq(double x) { return 0.5 * (x - 0.33) * (x - 0.33) + 1.0; }
static double t_exp(double x) { return 3.0 * exp(0.73 * x); }
static double t_inv(double x) { return 1.0 / (x + 1.2); }
static double t_lin(double x) { return 1.5 * x - 2.0; }
static double t_const(double x) { (void)x; return 4.0; }

static PetscErrorCode test_fit(void)
{
  const struct {
    double (*f)(double);
    const char *name;
  } cases[] = {{t_sin, "sin"}, {t_sq, "x^2"}, {t_exp, "exp"}, {t_inv, "1/x"}, {t_lin, "x"}, {t_const, "0"}};
  ms_kan_snap_opts o = {.r2_min = 0.99, .tol = 1e-4};
  double           x[101], y[101], p[5];
  int              fn;

  PetscFunctionBeginUser;
  PetscCall(ms_kan_symbolic_parse(PETSC_COMM_WORLD, "auto", &o.lib));
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double worst = 0.0;
    for (int r = 0; r < 101; r++) { x[r] = -1.0 + 2.0 * r / 100; y[r] = cases[c].f(x[r]); }
    PetscCall(ms_kan_symbolic_fit(101, x, y, &o, &fn, p));
    for (int r = 0; r < 101; r++) worst = PetscMax(worst, fabs(p[2] * ms_kan_symbolic_eval(fn, p[0] * x[r] + p[1]) + p[3] - y[r]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan snap: %-4s -> %-4s a %.6g b %.6g c %.6g d %.6g, 1-R^2 %.2e, max error %.2e\n", cases[c].name,
                          ms_kan_symbolic_name(fn), p[0], p[1], p[2], p[3], 1.0 - p[4], worst));
    MS_CHECK(fn == lib_index(cases[c].name));
    MS_CHECK(worst < 2e-3);
    if (!strcmp(cases[c].name, "x")) { MS_CHECK_CLOSE(p[2] * p[0], 1.5, 1e-12, 0); MS_CHECK(worst < 1e-12); }
    if (!strcmp(cases[c].name, "0")) MS_CHECK_CLOSE(p[3], 4.0, 1e-14, 0);
  }
  { /* a library without sin: the same samples get something else, with a worse R^2 */
    ms_kan_snap_opts q = o;
    PetscCall(ms_kan_symbolic_parse(PETSC_COMM_WORLD, "x,x^2,exp", &q.lib));
    for (int r = 0; r < 101; r++) y[r] = t_sin(x[r]);
    PetscCall(ms_kan_symbolic_fit(101, x, y, &q, &fn, p));
    MS_CHECK(fn != lib_index("sin") && p[4] < 0.99);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode test_prune_nodes(void)
{
  ms_kan net;
  int    hid[1] = {2};
  /* edges: x->h1, x->h2, y->h1, y->h2 (i n_out + j), then h1->out, h2->out */
  const double l1[6] = {1.0, 0.8, 0.7, 0.9, 1.0, 0.001};
  const int    kept[6] = {1, 0, 1, 0, 1, 0};

  PetscFunctionBeginUser;
  PetscCall(ms_kan_setup(&net, 2, 1, hid, 5, 3));
  for (int64_t q = 0; q < net.n_params; q++) net.params[q] = 1.0;
  PetscCall(PetscArraycpy(net.edge_l1, l1, 6));
  PetscCall(ms_kan_prune(&net, PETSC_COMM_WORLD, 0.05));
  for (int e = 0; e < 6; e++) {
    const int l = e < 4 ? 0 : 1, i = e < 4 ? e / 2 : e - 4, j = e < 4 ? e % 2 : 0;
    MS_CHECK((net.edge_l1[e] > 0) == kept[e]);
    MS_CHECK((ms_kan_edge_eval(&net, l, i, j, 0.3, PETSC_FALSE) != 0.0) == kept[e]); /* removed: phi = 0 exactly */
  }
  PetscCall(ms_kan_free(&net));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_extend(void)
{
  ms_kan net;
  ms_rng r;
  double before[3][200], worst;

  PetscFunctionBeginUser;
  for (int G2 = 10; G2 >= 7; G2 -= 3) {
    PetscCall(ms_kan_setup(&net, 3, 0, NULL, 5, 3));
    ms_rng_init(&r, 99, 0);
    for (int64_t q = 0; q < net.n_params; q++) net.params[q] = ms_rng_normal(&r);
    for (int i = 0; i < 3; i++) { net.lo[i] = -1.0 - i; net.hi[i] = 2.0 + 0.5 * i; }
    for (int i = 0; i < 3; i++)
      for (int s = 0; s < 200; s++) before[i][s] = ms_kan_edge_eval(&net, 0, i, 0, net.lo[i] + (net.hi[i] - net.lo[i]) * s / 200.0, PETSC_FALSE);
    PetscCall(ms_kan_extend_grid(&net, G2));
    MS_CHECK(net.G == G2 && net.n_params == 3 * (G2 + 3 + 2));
    worst = 0.0;
    for (int i = 0; i < 3; i++)
      for (int s = 0; s < 200; s++)
        worst = PetscMax(worst, fabs(before[i][s] - ms_kan_edge_eval(&net, 0, i, 0, net.lo[i] + (net.hi[i] - net.lo[i]) * s / 200.0, PETSC_FALSE)));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan grid extension 5 -> %d: max |change| of the edges on [lo, hi] %.2e\n", G2, worst));
    if (G2 == 10) MS_CHECK(worst < 1e-12); /* nested knots: the coarse spline is in the fine space */
    else MS_CHECK(worst > 1e-6);           /* not nested: a least-squares approximation */
    PetscCall(ms_kan_free(&net));
  }
  PetscFunctionReturn(0);
}

/* This rank's block of the rows on comm. */
static PetscErrorCode shard(MPI_Comm comm, const double *X, const double *y, ms_dataset *ds)
{
  PetscMPIInt size, rank;
  int64_t     lo, nl;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  lo = NTR / size * rank + PetscMin(rank, NTR % size);
  nl = NTR / size + (rank < NTR % size);
  PetscCall(ms_dataset_create(comm, nl, 2, ds));
  PetscCall(PetscArraycpy((*ds)->X, X + 2 * lo, 2 * nl));
  PetscCall(ms_dataset_set_target(*ds, "f", y + lo));
  PetscFunctionReturn(0);
}

static PetscErrorCode train_on(ms_dataset ds, ms_kan *net)
{
  ms_kan_train_opts o = {.epochs = 300, .lr = 1.0, .seed = 5, .lbfgs = 1};

  PetscFunctionBeginUser;
  PetscCall(ms_kan_setup(net, 2, 0, NULL, 10, 3));
  PetscCall(ms_kan_train(net, ds, &o));
  PetscFunctionReturn(0);
}

static double test_rmse(const ms_kan *net, const double *Xt, const double *yt)
{
  double p[NTE], s = 0.0;
  ms_kan_predict(net, NTE, Xt, p);
  for (int i = 0; i < NTE; i++) s += (p[i] - yt[i]) * (p[i] - yt[i]);
  return sqrt(s / NTE);
}

/* The gradient of the snapped objective (every snapped edge's a, b, c, d) against central
 * differences; *worst: the largest relative difference. */
static PetscErrorCode check_snap_gradient(ms_kan *net, ms_dataset ds, double *worst)
{
  const int64_t E = ms_kan_edge_offset(net, net->n_layers);
  double        f, *g, *scratch;

  PetscFunctionBeginUser;
  *worst = 0.0;
  PetscCall(PetscMalloc2(4 * E, &g, 4 * E, &scratch));
  PetscCall(ms_kan_snap_objective(net, ds, &f, g));
  for (int64_t q = 0; q < 4 * E; q++) {
    const int64_t e = q / 4, k = q % 4;
    const double  h = 1e-6, keep = net->sym[5 * e + k];
    double        fp, fm, fd;
    if (net->sym_fn[e] == MS_KAN_SPLINE) continue;
    net->sym[5 * e + k] = keep + h;
    PetscCall(ms_kan_snap_objective(net, ds, &fp, scratch));
    net->sym[5 * e + k] = keep - h;
    PetscCall(ms_kan_snap_objective(net, ds, &fm, scratch));
    net->sym[5 * e + k] = keep;
    fd     = (fp - fm) / (2 * h);
    *worst = PetscMax(*worst, fabs(fd - g[q]) / (1e-6 + fabs(g[q])));
    MS_CHECK_CLOSE(g[q], fd, 1e-5, 1e-9);
  }
  PetscCall(PetscFree2(g, scratch));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double           X[2 * NTR], y[NTR], Xt[2 * NTE], yt[NTE], rmse;
  ms_kan           netw, nets;
  ms_kan_snap_opts so = {.r2_min = 0.99, .tol = 1e-4};
  int64_t          nw, ns;
  ms_dataset       dw, dself;
  double           f0, f1, worst;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-quiet", NULL));
  PetscCall(test_fit());
  PetscCall(test_prune_nodes());
  PetscCall(test_extend());
  kan_test_truth(NTR, 0, X, y);
  kan_test_truth(NTE, 1, Xt, yt);
  PetscCall(shard(PETSC_COMM_WORLD, X, y, &dw));
  PetscCall(shard(PETSC_COMM_SELF, X, y, &dself));
  PetscCall(train_on(dw, &netw));
  PetscCall(train_on(dself, &nets));
  for (int64_t q = 0; q < netw.n_params; q++) MS_CHECK(netw.params[q] == nets.params[q]);
  rmse = test_rmse(&netw, Xt, yt);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan [2,1] G=10 L-BFGS: test RMSE %.4g on sin(pi x1) + x2^2\n", rmse));
  MS_CHECK(rmse < 5e-3);
  PetscCall(ms_kan_symbolic_parse(PETSC_COMM_WORLD, "auto", &so.lib));
  PetscCall(ms_kan_snap(&netw, PETSC_COMM_WORLD, &so, &nw));
  PetscCall(ms_kan_snap(&nets, PETSC_COMM_SELF, &so, &ns));
  MS_CHECK(nw == 2 && ns == 2);
  MS_CHECK(netw.sym_fn[0] == lib_index("sin") && netw.sym_fn[1] == lib_index("x^2"));
  for (int q = 0; q < 10; q++) MS_CHECK(netw.sym[q] == nets.sym[q]);
  MS_CHECK(netw.sym_fn[0] == nets.sym_fn[0] && netw.sym_fn[1] == nets.sym_fn[1]);
  rmse = test_rmse(&netw, Xt, yt);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan snapped (sin, x^2): test RMSE %.4g\n", rmse));
  MS_CHECK(rmse < 5e-3);
  /* 5. gradient of the snapped objective against central differences, then fine-tuning */
  PetscCall(check_snap_gradient(&netw, dw, &worst));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan snapped-edge gradient vs central differences: worst relative diff %.2e\n", worst));
  PetscCall(ms_kan_snap_finetune(&netw, dw, 200, &f0, &f1));
  PetscCall(ms_kan_snap_finetune(&nets, dself, 200, &f0, &f1));
  for (int q = 0; q < 10; q++) MS_CHECK(netw.sym[q] == nets.sym[q]);
  rmse = test_rmse(&netw, Xt, yt);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan snapped and fine-tuned: test RMSE %.3g, sin(a x1 + b) with a = %.12g\n", rmse, netw.sym[0]));
  MS_CHECK(rmse < 1e-8);
  MS_CHECK_CLOSE(fabs(netw.sym[0]), PETSC_PI, 1e-8, 0);
  { /* the same gradient check through two layers: a snapped [2, 1, 1] network */
    ms_kan            net2;
    int               hid[1] = {1};
    ms_kan_train_opts o2     = {.epochs = 100, .lr = 1.0, .seed = 5, .lbfgs = 1};
    ms_kan_snap_opts  so2    = so;
    so2.r2_min = 0.0; /* every edge symbolic, whatever its fit: the check is of the chain rule */
    PetscCall(ms_kan_setup(&net2, 2, 1, hid, 5, 3));
    PetscCall(ms_kan_train(&net2, dself, &o2));
    PetscCall(ms_kan_snap(&net2, PETSC_COMM_SELF, &so2, &ns));
    PetscCall(check_snap_gradient(&net2, dself, &worst));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "kan [2,1,1] snapped (%s, %s, %s): gradient vs central differences, worst relative diff %.2e\n",
                          ms_kan_symbolic_name(net2.sym_fn[0]), ms_kan_symbolic_name(net2.sym_fn[1]), ms_kan_symbolic_name(net2.sym_fn[2]), worst));
    MS_CHECK(ns == 3);
    PetscCall(ms_kan_free(&net2));
  }
  PetscCall(ms_dataset_destroy(&dw));
  PetscCall(ms_dataset_destroy(&dself));
  PetscCall(ms_kan_free(&netw));
  PetscCall(ms_kan_free(&nets));
  MS_TEST_END("kan_symbolic");
}
