/* ms_dnn.h - neural-network layers on oneDNN's C API (Debian libdnnl-dev, oneDNN 2.6): 3-D
 * convolution, 3-D transposed convolution, dense (inner product), each followed by an optional
 * ReLU or logistic sigmoid, with forward and backward (data and weights) passes. The engines
 * of the 3-D convolutional VAE (ml/vae/ms_vae.h) are built from them.
 *
 * Tensors are float (f32), batch-major, in PyTorch's plain layouts, so a PyTorch model with the
 * same weights is an exact oracle (tests/parity/dnn_parity.py):
 *   conv/deconv activations  [n][c][d][h][w]   (oneDNN ncdhw, torch NCDHW)
 *   dense activations        [n][features]     (a conv output flattened as c,d,h,w)
 *   conv weights             [oc][ic][k][k][k] (torch Conv3d.weight)
 *   deconv weights           [ic][oc][k][k][k] (torch ConvTranspose3d.weight; oneDNN iodhw)
 *   dense weights            [out][in]         (torch Linear.weight)
 *   biases                   [oc] / [out]
 * Shapes: conv out = (in + 2 pad - k) / stride + 1; deconv out = (in - 1) stride - 2 pad + k
 * (k = 4, stride 2, pad 1 halves and doubles exactly, Table 4.3 of the dissertation).
 *
 * The layer holds no tensors: the caller owns activations, weights and gradients and passes
 * them in each call (so a network keeps all parameters in one flat vector that MPI reduces in
 * one call and Adam updates in one loop). It keeps the oneDNN primitives for the last 4 batch
 * sizes used (built on first use of a size, least recently used replaced), so alternating
 * chunk sizes do not rebuild them; with the blocked layout each kept size also keeps its
 * reorder buffers (up to 4 times a chunk's activations of the layer).
 *
 * One CPU engine and one in-order stream serve the whole process (created on first use,
 * destroyed in PetscFinalize). Threads: oneDNN's OpenMP threads (OMP_NUM_THREADS).
 * Not thread-safe: call from one thread of a rank.
 */
#ifndef MS_DNN_H
#define MS_DNN_H

#include "ms_core.h"

typedef enum { MS_DNN_CONV3D = 0, MS_DNN_DECONV3D, MS_DNN_DENSE } ms_dnn_kind;
typedef enum { MS_DNN_ACT_NONE = 0, MS_DNN_ACT_RELU, MS_DNN_ACT_SIGMOID } ms_dnn_act;

typedef struct ms_dnn_layer_s *ms_dnn_layer;

/* Layouts inside the convolution primitives, for layers created after the call (process-wide,
 * like the engine): PLAIN (default) runs oneDNN on the caller's ncdhw arrays; BLOCKED lets
 * oneDNN pick its blocked layouts (format_tag any) and reorders inputs into them and outputs
 * back on every call. Results agree to rounding; benchmarks/RESULTS.md has the timings. */
typedef enum { MS_DNN_LAYOUT_PLAIN = 0, MS_DNN_LAYOUT_BLOCKED } ms_dnn_layout;
void ms_dnn_set_layout(ms_dnn_layout layout);

/* Convolution (MS_DNN_CONV3D) or transposed convolution (MS_DNN_DECONV3D) of a cubic kernel
 * k with stride and symmetric padding, ic -> oc channels, input spatial shape in[3] (d, h, w). */
PetscErrorCode ms_dnn_conv_create(ms_dnn_kind kind, int64_t ic, int64_t oc, const int64_t in[3], int64_t k, int64_t stride,
                                  int64_t pad, ms_dnn_act act, ms_dnn_layer *L);
/* Dense layer n_in -> n_out. */
PetscErrorCode ms_dnn_dense_create(int64_t n_in, int64_t n_out, ms_dnn_act act, ms_dnn_layer *L);
PetscErrorCode ms_dnn_layer_destroy(ms_dnn_layer *L);

/* Per-sample input and output lengths, weight and bias counts; output spatial shape (conv;
 * NULL allowed; a dense layer reports {1, 1, 1}). */
void ms_dnn_layer_sizes(ms_dnn_layer L, int64_t *n_in, int64_t *n_out, int64_t *n_w, int64_t *n_b);
void ms_dnn_layer_out_shape(ms_dnn_layer L, int64_t out[3]);

/* y = act(op(x; W) + b) for a batch of n samples. y must not alias x. */
PetscErrorCode ms_dnn_layer_forward(ms_dnn_layer L, int64_t n, const float *x, const float *W, const float *b, float *y);
/* Backward pass of the forward call that produced y from x: dy (n * n_out) holds dLoss/dy on
 * entry and is overwritten by dLoss/d(pre-activation). Writes dx = dLoss/dx (NULL: skipped,
 * the first layer), and ADDS dLoss/dW and dLoss/db into dW and db (NULL: skipped), so the
 * gradients of several chunks of a batch accumulate. */
PetscErrorCode ms_dnn_layer_backward(ms_dnn_layer L, int64_t n, const float *x, const float *y, float *dy, const float *W, float *dx,
                                     float *dW, float *db);

/* Glorot-uniform weights (U(+-sqrt(6 / (fan_in + fan_out))), fan = channels * k^3 as in
 * Keras' glorot_uniform) and zero biases, from the ms_rng stream (seed, stream). */
void ms_dnn_layer_init(ms_dnn_layer L, uint64_t seed, uint64_t stream, float *W, float *b);

#endif
