/* test_dnn_sizes.c - a layer called with changing batch sizes (ml/nn/ms_dnn.h keeps the
 * primitives of its last 4 sizes) computes exactly what a fresh layer built for that one size
 * computes: forward output, dLoss/dx, dLoss/dW and dLoss/db agree bit for bit (the same oneDNN
 * primitives run on the same data). The size sequence uses 6 distinct sizes, so kept sets are
 * reused, replaced (least recently used) and rebuilt. A set returned for the wrong size, or a
 * memory object left bound to another size's arrays, changes the values or reads past them.
 * Convolution, transposed convolution and dense layers, plain and blocked layouts.
 */
#include "ms_dnn.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <string.h>

#define NMAX 6

typedef struct {
  float *y, *dy, *dx, *dW, *db;
} outs;

static PetscErrorCode make(int kind, ms_dnn_layer *L)
{
  const int64_t in[3] = {4, 6, 4};
  PetscFunctionBegin;
  if (kind == 0) PetscCall(ms_dnn_conv_create(MS_DNN_CONV3D, 2, 3, in, 4, 2, 1, MS_DNN_ACT_RELU, L));
  else if (kind == 1) PetscCall(ms_dnn_conv_create(MS_DNN_DECONV3D, 2, 3, in, 4, 2, 1, MS_DNN_ACT_SIGMOID, L));
  else PetscCall(ms_dnn_dense_create(10, 7, MS_DNN_ACT_RELU, L));
  PetscFunctionReturn(0);
}

/* Forward and backward of n samples; gradients zeroed first (backward adds). */
static PetscErrorCode pass(ms_dnn_layer L, int64_t n, const float *x, const float *W, const float *b, const float *r, outs *o)
{
  int64_t nx, ny, nw, nb;
  PetscFunctionBegin;
  ms_dnn_layer_sizes(L, &nx, &ny, &nw, &nb);
  memset(o->dW, 0, (size_t)nw * sizeof(float));
  memset(o->db, 0, (size_t)nb * sizeof(float));
  PetscCall(ms_dnn_layer_forward(L, n, x, W, b, o->y));
  memcpy(o->dy, r, (size_t)(n * ny) * sizeof(float));
  PetscCall(ms_dnn_layer_backward(L, n, x, o->y, o->dy, W, o->dx, o->dW, o->db));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  static const int64_t seq[] = {6, 1, 5, 2, 6, 4, 3, 6, 3, 1, 5, 2, 6, 4, 4, 1};
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int lay = 0; lay < 2; lay++)
    for (int kind = 0; kind < 3; kind++) {
      ms_dnn_layer L, F;
      int64_t      nx, ny, nw, nb;
      float       *x, *W, *b, *r;
      outs         o[2];
      ms_rng       rng;

      ms_dnn_set_layout(lay ? MS_DNN_LAYOUT_BLOCKED : MS_DNN_LAYOUT_PLAIN);
      PetscCall(make(kind, &L));
      ms_dnn_layer_sizes(L, &nx, &ny, &nw, &nb);
      PetscCall(PetscMalloc4(NMAX * nx, &x, nw, &W, nb, &b, NMAX * ny, &r));
      for (int k = 0; k < 2; k++) PetscCall(PetscMalloc5(NMAX * ny, &o[k].y, NMAX * ny, &o[k].dy, NMAX * nx, &o[k].dx, nw, &o[k].dW, nb, &o[k].db));
      ms_rng_init(&rng, 77, (uint64_t)(10 * lay + kind));
      for (int64_t i = 0; i < NMAX * nx; i++) x[i] = (float)(2 * ms_rng_uniform(&rng) - 1);
      for (int64_t i = 0; i < NMAX * ny; i++) r[i] = (float)(2 * ms_rng_uniform(&rng) - 1);
      ms_dnn_layer_init(L, 77, (uint64_t)kind, W, b);
      for (int64_t i = 0; i < nb; i++) b[i] = (float)(ms_rng_uniform(&rng) - 0.5);
      for (size_t s = 0; s < sizeof seq / sizeof seq[0]; s++) {
        const int64_t n = seq[s];
        PetscCall(pass(L, n, x, W, b, r, &o[0]));
        PetscCall(make(kind, &F));
        PetscCall(pass(F, n, x, W, b, r, &o[1]));
        PetscCall(ms_dnn_layer_destroy(&F));
        MS_CHECK(!memcmp(o[0].y, o[1].y, (size_t)(n * ny) * sizeof(float)));
        MS_CHECK(!memcmp(o[0].dy, o[1].dy, (size_t)(n * ny) * sizeof(float)));
        MS_CHECK(!memcmp(o[0].dx, o[1].dx, (size_t)(n * nx) * sizeof(float)));
        MS_CHECK(!memcmp(o[0].dW, o[1].dW, (size_t)nw * sizeof(float)));
        MS_CHECK(!memcmp(o[0].db, o[1].db, (size_t)nb * sizeof(float)));
      }
      for (int k = 0; k < 2; k++) PetscCall(PetscFree5(o[k].y, o[k].dy, o[k].dx, o[k].dW, o[k].db));
      PetscCall(PetscFree4(x, W, b, r));
      PetscCall(ms_dnn_layer_destroy(&L));
    }
  MS_TEST_END("dnn_sizes");
}
