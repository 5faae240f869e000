/* test_dnn_layers.c - the oneDNN layers (ml/nn/ms_dnn.h) against central finite differences.
 *
 * For each layer (convolution, transposed convolution, dense; no activation, ReLU, sigmoid;
 * cubic and non-cubic inputs, batches of 2-3) the scalar L = sum r .* y (r random) is
 * differentiated by ms_dnn_layer_backward with dy = r, and the gradient with respect to
 * sampled inputs, weights and biases is compared with (L(t + h) - L(t - h)) / 2h, L summed in
 * double from the f32 outputs. Tolerance: f32 rounding of L (about 1e-6) over 2h plus 1 %.
 * Also checks that the backward pass adds into dW/db (two calls give twice the gradient).
 *
 * Every case runs twice: with plain layouts and with oneDNN's blocked layouts (reorders).
 * With an argument PATH the cases (inputs, weights, r and our outputs and gradients) are
 * written to PATH (HDF5, one group per case) for the PyTorch parity check
 * (tests/parity/dnn_parity.py); blocked-layout cases are numbered from 100.
 */
#include "ms_dnn.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <hdf5.h>

typedef struct {
  ms_dnn_kind kind;
  ms_dnn_act  act;
  int64_t     ic, oc, in[3], k, stride, pad, n;
} dnn_case;

static const dnn_case cases[] = {
  {MS_DNN_CONV3D, MS_DNN_ACT_RELU, 2, 3, {6, 6, 6}, 4, 2, 1, 2},
  {MS_DNN_CONV3D, MS_DNN_ACT_SIGMOID, 1, 2, {5, 4, 6}, 3, 1, 1, 3},
  {MS_DNN_DECONV3D, MS_DNN_ACT_NONE, 3, 2, {3, 3, 3}, 4, 2, 1, 2},
  {MS_DNN_DECONV3D, MS_DNN_ACT_SIGMOID, 2, 1, {2, 3, 2}, 4, 2, 1, 3},
  {MS_DNN_DECONV3D, MS_DNN_ACT_RELU, 2, 2, {2, 2, 2}, 4, 2, 1, 2},
  {MS_DNN_DENSE, MS_DNN_ACT_RELU, 7, 5, {1, 1, 1}, 1, 1, 0, 3},
  {MS_DNN_DENSE, MS_DNN_ACT_NONE, 12, 4, {1, 1, 1}, 1, 1, 0, 2},
  {MS_DNN_DENSE, MS_DNN_ACT_SIGMOID, 6, 3, {1, 1, 1}, 1, 1, 0, 2},
};

static double loss(const dnn_case *c, ms_dnn_layer L, const float *x, const float *W, const float *b, const float *r, float *y, int64_t ny)
{
  double s = 0;
  PetscCallAbort(PETSC_COMM_SELF, ms_dnn_layer_forward(L, c->n, x, W, b, y));
  for (int64_t i = 0; i < ny; i++) s += (double)r[i] * y[i];
  return s;
}

/* Compare up to 10 sampled coordinates of the gradient g of param p (length m). */
static void fd_check(const char *what, int ci, const dnn_case *c, ms_dnn_layer L, float *x, float *W, float *b, const float *r, float *y,
                     int64_t ny, float *p, const float *g, int64_t m, ms_rng *rng)
{
  double h = c->act == MS_DNN_ACT_RELU ? 1e-3 : 1e-2;
  for (int t = 0; t < 10 && t < m; t++) {
    int64_t j  = m <= 10 ? t : (int64_t)ms_rng_below(rng, (uint64_t)m);
    float   p0 = p[j];
    p[j]       = (float)(p0 + h);
    double hp  = (double)p[j] - p0, lp = loss(c, L, x, W, b, r, y, ny);
    p[j]       = (float)(p0 - h);
    double hm  = p0 - (double)p[j], lm = loss(c, L, x, W, b, r, y, ny);
    p[j]       = p0;
    double fd  = (lp - lm) / (hp + hm);
    if (!(fabs(fd - g[j]) <= 2e-6 * 30 / h + 1e-2 * fabs(fd))) {
      fprintf(stderr, "case %d d/d%s[%lld]: backward %.8g, finite difference %.8g\n", ci, what, (long long)j, (double)g[j], fd);
      ms_test_failures++;
    }
  }
}

static PetscErrorCode write_f(hid_t g, const char *name, int64_t n, const float *v)
{
  hsize_t d = (hsize_t)n;
  hid_t   s = H5Screate_simple(1, &d, NULL), ds = H5Dcreate2(g, name, H5T_NATIVE_FLOAT, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscFunctionBegin;
  PetscCheck(ds >= 0 && H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing %s", name);
  H5Dclose(ds);
  H5Sclose(s);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_case(hid_t f, int ci, const dnn_case *c, int64_t nx, int64_t ny, int64_t nw, int64_t nb, float *const arr[8])
{
  char        name[32];
  const char *names[8] = {"x", "W", "b", "r", "y", "dx", "dW", "db"};
  int64_t     len[8]   = {nx, nw, nb, ny, ny, nx, nw, nb};
  long long   attr[11] = {c->kind, c->act, c->ic, c->oc, c->in[0], c->in[1], c->in[2], c->k, c->stride, c->pad, c->n};
  hsize_t     na = 11;
  PetscFunctionBegin;
  snprintf(name, sizeof name, "case_%d", ci);
  hid_t g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (int i = 0; i < 8; i++) PetscCall(write_f(g, names[i], len[i], arr[i]));
  hid_t s = H5Screate_simple(1, &na, NULL), a = H5Acreate2(g, "kind_act_ic_oc_in3_k_stride_pad_n", H5T_NATIVE_LLONG, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_LLONG, attr);
  H5Aclose(a);
  H5Sclose(s);
  H5Gclose(g);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  hid_t f = -1;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 1 && argv[1][0] != '-') f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  for (int lay = 0; lay < 2; lay++) /* plain layouts, then oneDNN's blocked ones with reorders */
  for (int ci = 0; ci < (int)(sizeof cases / sizeof cases[0]); ci++) {
    const dnn_case *c = &cases[ci];
    ms_dnn_layer    L;
    int64_t         nx, ny, nw, nb;
    float          *x, *W, *b, *r, *y, *dy, *dx, *dW, *db, *dW2;
    ms_rng          rng;

    ms_dnn_set_layout(lay ? MS_DNN_LAYOUT_BLOCKED : MS_DNN_LAYOUT_PLAIN);
    if (c->kind == MS_DNN_DENSE) PetscCall(ms_dnn_dense_create(c->ic, c->oc, c->act, &L));
    else PetscCall(ms_dnn_conv_create(c->kind, c->ic, c->oc, c->in, c->k, c->stride, c->pad, c->act, &L));
    ms_dnn_layer_sizes(L, &nx, &ny, &nw, &nb);
    nx *= c->n;
    ny *= c->n;
    PetscCall(PetscCalloc5(nx, &x, nw, &W, nb, &b, ny, &r, ny, &y));
    PetscCall(PetscCalloc5(ny, &dy, nx, &dx, nw, &dW, nb, &db, nw, &dW2));
    ms_rng_init(&rng, 2024, (uint64_t)ci);
    for (int64_t i = 0; i < nx; i++) x[i] = (float)(2 * ms_rng_uniform(&rng) - 1);
    for (int64_t i = 0; i < ny; i++) r[i] = (float)(2 * ms_rng_uniform(&rng) - 1);
    ms_dnn_layer_init(L, 2024, 100 + (uint64_t)ci, W, b);
    for (int64_t i = 0; i < nb; i++) b[i] = (float)(ms_rng_uniform(&rng) - 0.5);

    (void)loss(c, L, x, W, b, r, y, ny);
    for (int64_t i = 0; i < ny; i++) dy[i] = r[i];
    PetscCall(ms_dnn_layer_backward(L, c->n, x, y, dy, W, dx, dW, db));
    if (f >= 0) {
      float *arr[8] = {x, W, b, r, y, dx, dW, db};
      PetscCall(write_case(f, 100 * lay + ci, c, nx, ny, nw, nb, arr));
    }
    /* Accumulation: a second backward adds the same gradient again. */
    for (int64_t i = 0; i < ny; i++) dy[i] = r[i];
    for (int64_t i = 0; i < nw; i++) dW2[i] = dW[i];
    PetscCall(ms_dnn_layer_backward(L, c->n, x, y, dy, W, NULL, dW2, NULL));
    for (int64_t i = 0; i < nw; i++) MS_CHECK_CLOSE(dW2[i], 2 * dW[i], 1e-6, 1e-7);

    fd_check("x", ci, c, L, x, W, b, r, y, ny, x, dx, nx, &rng);
    fd_check("W", ci, c, L, x, W, b, r, y, ny, W, dW, nw, &rng);
    fd_check("b", ci, c, L, x, W, b, r, y, ny, b, db, nb, &rng);
    /* A different batch size rebuilds the primitives: the first sample's output is unchanged. */
    {
      int64_t n1 = ny / c->n;
      float  *y1;
      PetscCall(PetscMalloc1(n1, &y1));
      PetscCall(ms_dnn_layer_forward(L, 1, x, W, b, y1));
      PetscCall(ms_dnn_layer_forward(L, c->n, x, W, b, y));
      for (int64_t i = 0; i < n1; i++) MS_CHECK_CLOSE(y1[i], y[i], 1e-6, 1e-7);
      PetscCall(PetscFree(y1));
    }
    PetscCall(PetscFree5(x, W, b, r, y));
    PetscCall(PetscFree5(dy, dx, dW, db, dW2));
    PetscCall(ms_dnn_layer_destroy(&L));
  }
  if (f >= 0) H5Fclose(f);
  MS_TEST_END("dnn_layers");
}
