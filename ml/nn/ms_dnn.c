/* ms_dnn.c - convolution, transposed convolution and dense layers on oneDNN's C API (ms_dnn.h).
 *
 * Each layer keeps, for each of the last MS_DNN_SETS batch sizes it was called with (least
 * recently used replaced), the oneDNN primitives: forward (training propagation, so the
 * backward passes can use it as their hint), backward data, backward weights, and the eltwise
 * forward/backward of its activation. Eltwise backward uses the
 * *_use_dst_for_bwd algorithms, so only the post-activation output y has to be kept.
 * Memory objects are created once per batch size without storage and pointed at the caller's
 * arrays before every execution (dnnl_memory_set_data_handle).
 *
 * Layouts are the plain ones (ncdhw, oidhw/iodhw, nc/oi) fixed in the descriptors: the
 * caller's arrays are used in place with no reorders. benchmarks/vae/RESULTS (RESULTS.md)
 * records how this compares with PyTorch on the same machine.
 */
#include "ms_dnn.h"
#include "ms_rng.h"
#include <dnnl.h>
#include <dnnl_debug.h>
#include <math.h>
#include <string.h>

#define DNNLCHK(call) \
  do { \
    dnnl_status_t st_ = (call); \
    if (st_ != dnnl_success) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "oneDNN: %s failed: %s", #call, dnnl_status2str(st_)); \
  } while (0)

/* The process's engine and stream (ms_dnn.h: one per process). */
static dnnl_engine_t ms_dnn_engine;
static dnnl_stream_t ms_dnn_stream;
/* -log_view event: building a layer's primitives for a batch size (oneDNN dispatch + JIT). */
static PetscLogEvent ms_dnn_ev_setup;

static PetscErrorCode ms_dnn_finalize(void)
{
  PetscFunctionBegin;
  if (ms_dnn_stream) dnnl_stream_destroy(ms_dnn_stream);
  if (ms_dnn_engine) dnnl_engine_destroy(ms_dnn_engine);
  ms_dnn_stream = NULL;
  ms_dnn_engine = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_dnn_engine_get(void)
{
  PetscFunctionBegin;
  if (ms_dnn_engine) PetscFunctionReturn(0);
  DNNLCHK(dnnl_engine_create(&ms_dnn_engine, dnnl_cpu, 0));
  DNNLCHK(dnnl_stream_create(&ms_dnn_stream, ms_dnn_engine, dnnl_stream_default_flags));
  if (!ms_dnn_ev_setup) PetscCall(PetscLogEventRegister("MsDnnSetup", PETSC_OBJECT_CLASSID, &ms_dnn_ev_setup));
  PetscCall(PetscRegisterFinalize(ms_dnn_finalize));
  PetscFunctionReturn(0);
}

/* One primitive, its descriptor, and for blocked layouts (ms_dnn_set_layout) the arguments
 * whose layout differs from the caller's plain one: a buffer in the primitive's layout and the
 * reorder into it (inputs) or out of it (outputs). */
#define MS_DNN_MAX_ARGS 4
typedef struct {
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t      p;
  int                   n_re;
  int                   re_arg[MS_DNN_MAX_ARGS], re_out[MS_DNN_MAX_ARGS];
  dnnl_memory_t         re_mem[MS_DNN_MAX_ARGS];
  dnnl_primitive_t      re_prim[MS_DNN_MAX_ARGS];
} ms_dnn_prim;

static ms_dnn_layout ms_dnn_layout_mode = MS_DNN_LAYOUT_PLAIN;

void ms_dnn_set_layout(ms_dnn_layout layout) { ms_dnn_layout_mode = layout; }

/* Primitive sets kept per layer. A rank feeds its share of a mini-batch in chunks, so a layer
 * sees the chunk size and one or two remainders (last chunk of a step, of the last step of an
 * epoch, of the validation set); 4 sets cover them, so a layer builds each set once per run
 * instead of on every change of size (oneDNN's own primitive cache makes a rebuild cheap but
 * not free: descriptor dispatch and memory objects). */
#define MS_DNN_SETS 4

enum { M_SRC, M_WEI, M_BIAS, M_DST, M_DIFF_SRC, M_DIFF_WEI, M_DIFF_BIAS, M_DIFF_DST, M_COUNT };

/* Everything that depends on the batch size n: the primitives and the memory objects. */
typedef struct {
  int64_t       n;              /* batch size these are built for (0: empty slot) */
  uint64_t      used;           /* layer clock at the last use (least recently used is replaced) */
  ms_dnn_prim   fwd, bwd_data, bwd_w, act_fwd, act_bwd;
  dnnl_memory_t mem[M_COUNT];
} ms_dnn_set;

struct ms_dnn_layer_s {
  ms_dnn_kind kind;
  ms_dnn_act  act;
  int64_t     ic, oc, k, stride, pad;
  int64_t     in[3], out[3];
  ms_dnn_set  set[MS_DNN_SETS]; /* primitive sets for the batch sizes used last */
  ms_dnn_set *cur;              /* the set of the last call */
  uint64_t    clock;
  float      *dW_tmp, *db_tmp;  /* backward weights output, added into the caller's gradients */
};

static void prim_free(ms_dnn_prim *q)
{
  for (int i = 0; i < q->n_re; i++) {
    dnnl_primitive_destroy(q->re_prim[i]);
    dnnl_memory_destroy(q->re_mem[i]);
  }
  q->n_re = 0;
  if (q->p) dnnl_primitive_destroy(q->p);
  if (q->pd) dnnl_primitive_desc_destroy(q->pd);
  q->p  = NULL;
  q->pd = NULL;
}

static void set_release(ms_dnn_set *S)
{
  prim_free(&S->fwd);
  prim_free(&S->bwd_data);
  prim_free(&S->bwd_w);
  prim_free(&S->act_fwd);
  prim_free(&S->act_bwd);
  for (int i = 0; i < M_COUNT; i++) {
    if (S->mem[i]) dnnl_memory_destroy(S->mem[i]);
    S->mem[i] = NULL;
  }
  S->n = 0;
}

static PetscErrorCode prim_make(ms_dnn_prim *q, const_dnnl_op_desc_t desc, const_dnnl_primitive_desc_t hint)
{
  PetscFunctionBegin;
  DNNLCHK(dnnl_primitive_desc_create(&q->pd, desc, NULL, ms_dnn_engine, hint));
  DNNLCHK(dnnl_primitive_create(&q->p, q->pd));
  PetscFunctionReturn(0);
}

/* For each (arg, plain md, is output): when the primitive chose another layout, allocate a
 * buffer in its layout and the reorder between the two. */
static PetscErrorCode prim_plan(ms_dnn_prim *q, int n, const int *args, const dnnl_memory_desc_t *const *plain, const int *out)
{
  PetscFunctionBegin;
  for (int i = 0; i < n; i++) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(q->pd, dnnl_query_exec_arg_md, args[i]);
    dnnl_primitive_desc_t     rpd;
    if (!md || dnnl_memory_desc_equal(md, plain[i])) continue;
    const int k = q->n_re++;
    q->re_arg[k] = args[i];
    q->re_out[k] = out[i];
    DNNLCHK(dnnl_memory_create(&q->re_mem[k], md, ms_dnn_engine, DNNL_MEMORY_ALLOCATE));
    if (out[i]) DNNLCHK(dnnl_reorder_primitive_desc_create(&rpd, md, ms_dnn_engine, plain[i], ms_dnn_engine, NULL));
    else DNNLCHK(dnnl_reorder_primitive_desc_create(&rpd, plain[i], ms_dnn_engine, md, ms_dnn_engine, NULL));
    DNNLCHK(dnnl_primitive_create(&q->re_prim[k], rpd));
    dnnl_primitive_desc_destroy(rpd);
  }
  PetscFunctionReturn(0);
}

void ms_dnn_layer_sizes(ms_dnn_layer L, int64_t *n_in, int64_t *n_out, int64_t *n_w, int64_t *n_b)
{
  int64_t k3 = L->kind == MS_DNN_DENSE ? 1 : L->k * L->k * L->k;
  if (n_in) *n_in = L->ic * L->in[0] * L->in[1] * L->in[2];
  if (n_out) *n_out = L->oc * L->out[0] * L->out[1] * L->out[2];
  if (n_w) *n_w = L->ic * L->oc * k3;
  if (n_b) *n_b = L->oc;
}

void ms_dnn_layer_out_shape(ms_dnn_layer L, int64_t out[3])
{
  for (int i = 0; i < 3; i++) out[i] = L->out[i];
}

/* Make L->cur the primitive set for batch size n: the cached one, or a new one built in an
 * empty slot or in place of the least recently used. */
static PetscErrorCode layer_setup(ms_dnn_layer L, int64_t n)
{
  dnnl_memory_desc_t src, wei, bias, dst;
  dnnl_dims_t        ds, dw, db, dd, strides, pad;
  ms_dnn_set        *S = NULL;

  PetscFunctionBegin;
  L->clock++;
  if (L->cur && L->cur->n == n) {
    L->cur->used = L->clock;
    PetscFunctionReturn(0);
  }
  for (int i = 0; i < MS_DNN_SETS && !S; i++)
    if (L->set[i].n == n) S = &L->set[i];
  if (S) {
    L->cur  = S;
    S->used = L->clock;
    PetscFunctionReturn(0);
  }
  S = &L->set[0];
  for (int i = 1; i < MS_DNN_SETS; i++)
    if (L->set[i].used < S->used) S = &L->set[i]; /* empty slots have used = 0 */
  L->cur = NULL;
  set_release(S);
  PetscCall(ms_dnn_engine_get());
  PetscCall(PetscLogEventBegin(ms_dnn_ev_setup, 0, 0, 0, 0));
  db[0] = L->oc;
  DNNLCHK(dnnl_memory_desc_init_by_tag(&bias, 1, db, dnnl_f32, dnnl_a));
  if (L->kind == MS_DNN_DENSE) {
    dnnl_inner_product_desc_t d;
    ds[0] = n; ds[1] = L->ic;
    dd[0] = n; dd[1] = L->oc;
    dw[0] = L->oc; dw[1] = L->ic;
    DNNLCHK(dnnl_memory_desc_init_by_tag(&src, 2, ds, dnnl_f32, dnnl_nc));
    DNNLCHK(dnnl_memory_desc_init_by_tag(&dst, 2, dd, dnnl_f32, dnnl_nc));
    DNNLCHK(dnnl_memory_desc_init_by_tag(&wei, 2, dw, dnnl_f32, dnnl_oi));
    DNNLCHK(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_training, &src, &wei, &bias, &dst));
    PetscCall(prim_make(&S->fwd, &d, NULL));
    DNNLCHK(dnnl_inner_product_backward_data_desc_init(&d, &src, &wei, &dst));
    PetscCall(prim_make(&S->bwd_data, &d, S->fwd.pd));
    DNNLCHK(dnnl_inner_product_backward_weights_desc_init(&d, &src, &wei, &bias, &dst));
    PetscCall(prim_make(&S->bwd_w, &d, S->fwd.pd));
  } else {
    dnnl_convolution_desc_t d;
    ds[0] = n; ds[1] = L->ic;
    dd[0] = n; dd[1] = L->oc;
    dw[0] = L->oc; dw[1] = L->ic;
    for (int i = 0; i < 3; i++) {
      ds[2 + i] = L->in[i];
      dd[2 + i] = L->out[i];
      dw[2 + i] = L->k;
      strides[i] = L->stride;
      pad[i]     = L->pad;
    }
    DNNLCHK(dnnl_memory_desc_init_by_tag(&src, 5, ds, dnnl_f32, dnnl_ncdhw));
    DNNLCHK(dnnl_memory_desc_init_by_tag(&dst, 5, dd, dnnl_f32, dnnl_ncdhw));
    /* torch ConvTranspose3d.weight is [ic][oc][k][k][k]: oneDNN's iodhw of dims (oc, ic, ...). */
    DNNLCHK(dnnl_memory_desc_init_by_tag(&wei, 5, dw, dnnl_f32, L->kind == MS_DNN_CONV3D ? dnnl_oidhw : dnnl_iodhw));
    {
      const PetscBool           blk = ms_dnn_layout_mode == MS_DNN_LAYOUT_BLOCKED;
      dnnl_memory_desc_t        asrc = src, awei = wei, adst = dst;
      const dnnl_memory_desc_t *pl_f[3] = {&src, &wei, &dst}, *pl_d[3] = {&dst, &wei, &src}, *pl_w[3] = {&src, &dst, &wei};
      const int                 a_f[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, o_f[3] = {0, 0, 1};
      const int                 a_d[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, o_d[3] = {0, 0, 1};
      const int                 a_w[3] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS}, o_w[3] = {0, 0, 1};
      if (blk) {
        DNNLCHK(dnnl_memory_desc_init_by_tag(&asrc, 5, ds, dnnl_f32, dnnl_format_tag_any));
        DNNLCHK(dnnl_memory_desc_init_by_tag(&awei, 5, dw, dnnl_f32, dnnl_format_tag_any));
        DNNLCHK(dnnl_memory_desc_init_by_tag(&adst, 5, dd, dnnl_f32, dnnl_format_tag_any));
      }
      if (L->kind == MS_DNN_CONV3D) {
        DNNLCHK(dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct, &asrc, &awei, &bias, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->fwd, &d, NULL));
        DNNLCHK(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &asrc, &awei, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->bwd_data, &d, S->fwd.pd));
        DNNLCHK(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &asrc, &awei, &bias, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->bwd_w, &d, S->fwd.pd));
      } else {
        DNNLCHK(dnnl_deconvolution_forward_desc_init(&d, dnnl_forward_training, dnnl_deconvolution_direct, &asrc, &awei, &bias, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->fwd, &d, NULL));
        DNNLCHK(dnnl_deconvolution_backward_data_desc_init(&d, dnnl_deconvolution_direct, &asrc, &awei, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->bwd_data, &d, S->fwd.pd));
        DNNLCHK(dnnl_deconvolution_backward_weights_desc_init(&d, dnnl_deconvolution_direct, &asrc, &awei, &bias, &adst, strides, pad, pad));
        PetscCall(prim_make(&S->bwd_w, &d, S->fwd.pd));
      }
      if (blk) {
        PetscCall(prim_plan(&S->fwd, 3, a_f, pl_f, o_f));
        PetscCall(prim_plan(&S->bwd_data, 3, a_d, pl_d, o_d));
        PetscCall(prim_plan(&S->bwd_w, 3, a_w, pl_w, o_w));
      }
    }
  }
  if (L->act != MS_DNN_ACT_NONE) {
    dnnl_eltwise_desc_t e;
    dnnl_alg_kind_t     alg = L->act == MS_DNN_ACT_RELU ? dnnl_eltwise_relu_use_dst_for_bwd : dnnl_eltwise_logistic_use_dst_for_bwd;
    DNNLCHK(dnnl_eltwise_forward_desc_init(&e, dnnl_forward_training, alg, &dst, 0.f, 0.f));
    PetscCall(prim_make(&S->act_fwd, &e, NULL));
    DNNLCHK(dnnl_eltwise_backward_desc_init(&e, alg, &dst, &dst, 0.f, 0.f));
    PetscCall(prim_make(&S->act_bwd, &e, S->act_fwd.pd));
  }
  {
    const dnnl_memory_desc_t *md[M_COUNT] = {&src, &wei, &bias, &dst, &src, &wei, &bias, &dst};
    for (int i = 0; i < M_COUNT; i++) DNNLCHK(dnnl_memory_create(&S->mem[i], md[i], ms_dnn_engine, DNNL_MEMORY_NONE));
  }
  S->n    = n;
  S->used = L->clock;
  L->cur  = S;
  PetscCall(PetscLogEventEnd(ms_dnn_ev_setup, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode layer_alloc(ms_dnn_kind kind, ms_dnn_act act, ms_dnn_layer *L)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(1, L));
  (*L)->kind = kind;
  (*L)->act  = act;
  PetscFunctionReturn(0);
}

static PetscErrorCode layer_alloc_grads(ms_dnn_layer L)
{
  int64_t nw, nb;
  PetscFunctionBegin;
  ms_dnn_layer_sizes(L, NULL, NULL, &nw, &nb);
  PetscCall(PetscMalloc2(nw, &L->dW_tmp, nb, &L->db_tmp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dnn_conv_create(ms_dnn_kind kind, int64_t ic, int64_t oc, const int64_t in[3], int64_t k, int64_t stride,
                                  int64_t pad, ms_dnn_act act, ms_dnn_layer *L)
{
  PetscFunctionBegin;
  if (kind != MS_DNN_CONV3D && kind != MS_DNN_DECONV3D) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "ms_dnn_conv_create: kind must be conv or deconv");
  if (ic < 1 || oc < 1 || k < 1 || stride < 1 || pad < 0)
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "convolution: channels %lld -> %lld, kernel %lld, stride %lld, padding %lld out of range",
            (long long)ic, (long long)oc, (long long)k, (long long)stride, (long long)pad);
  PetscCall(layer_alloc(kind, act, L));
  (*L)->ic = ic; (*L)->oc = oc; (*L)->k = k; (*L)->stride = stride; (*L)->pad = pad;
  for (int i = 0; i < 3; i++) {
    int64_t o = kind == MS_DNN_CONV3D ? (in[i] + 2 * pad - k) / stride + 1 : (in[i] - 1) * stride - 2 * pad + k;
    if (in[i] < 1 || o < 1 || (kind == MS_DNN_CONV3D && in[i] + 2 * pad < k)) {
      PetscCall(PetscFree(*L));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "convolution: input extent %lld too small for kernel %lld, stride %lld, padding %lld",
              (long long)in[i], (long long)k, (long long)stride, (long long)pad);
    }
    (*L)->in[i]  = in[i];
    (*L)->out[i] = o;
  }
  PetscCall(layer_alloc_grads(*L));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dnn_dense_create(int64_t n_in, int64_t n_out, ms_dnn_act act, ms_dnn_layer *L)
{
  PetscFunctionBegin;
  if (n_in < 1 || n_out < 1) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "dense layer %lld -> %lld: sizes must be >= 1", (long long)n_in, (long long)n_out);
  PetscCall(layer_alloc(MS_DNN_DENSE, act, L));
  (*L)->ic = n_in;
  (*L)->oc = n_out;
  (*L)->k  = 1;
  for (int i = 0; i < 3; i++) (*L)->in[i] = (*L)->out[i] = 1;
  PetscCall(layer_alloc_grads(*L));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dnn_layer_destroy(ms_dnn_layer *L)
{
  PetscFunctionBegin;
  if (!*L) PetscFunctionReturn(0);
  for (int i = 0; i < MS_DNN_SETS; i++) set_release(&(*L)->set[i]);
  PetscCall(PetscFree2((*L)->dW_tmp, (*L)->db_tmp));
  PetscCall(PetscFree(*L));
  PetscFunctionReturn(0);
}

/* Point memory object i of the current set at p (oneDNN takes a non-const handle; inputs are
 * only read). */
static PetscErrorCode bind(ms_dnn_layer L, int i, const void *p)
{
  PetscFunctionBegin;
  DNNLCHK(dnnl_memory_set_data_handle(L->cur->mem[i], (void *)p));
  PetscFunctionReturn(0);
}

static PetscErrorCode run(ms_dnn_prim *q, int nargs, const dnnl_exec_arg_t *args)
{
  dnnl_exec_arg_t a[MS_DNN_MAX_ARGS + 1];
  PetscFunctionBegin;
  for (int i = 0; i < nargs; i++) {
    a[i] = args[i];
    for (int k = 0; k < q->n_re; k++)
      if (q->re_arg[k] == args[i].arg) {
        a[i].memory = q->re_mem[k];
        if (!q->re_out[k]) {
          dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, args[i].memory}, {DNNL_ARG_TO, q->re_mem[k]}};
          DNNLCHK(dnnl_primitive_execute(q->re_prim[k], ms_dnn_stream, 2, r));
        }
      }
  }
  DNNLCHK(dnnl_primitive_execute(q->p, ms_dnn_stream, nargs, a));
  for (int i = 0; i < nargs; i++)
    for (int k = 0; k < q->n_re; k++)
      if (q->re_arg[k] == args[i].arg && q->re_out[k]) {
        dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, q->re_mem[k]}, {DNNL_ARG_TO, args[i].memory}};
        DNNLCHK(dnnl_primitive_execute(q->re_prim[k], ms_dnn_stream, 2, r));
      }
  DNNLCHK(dnnl_stream_wait(ms_dnn_stream));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dnn_layer_forward(ms_dnn_layer L, int64_t n, const float *x, const float *W, const float *b, float *y)
{
  ms_dnn_set *S;
  PetscFunctionBegin;
  PetscCall(layer_setup(L, n));
  S = L->cur;
  PetscCall(bind(L, M_SRC, x));
  PetscCall(bind(L, M_WEI, W));
  PetscCall(bind(L, M_BIAS, b));
  PetscCall(bind(L, M_DST, y));
  {
    dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, S->mem[M_SRC]}, {DNNL_ARG_WEIGHTS, S->mem[M_WEI]}, {DNNL_ARG_BIAS, S->mem[M_BIAS]}, {DNNL_ARG_DST, S->mem[M_DST]}};
    PetscCall(run(&S->fwd, 4, a));
  }
  if (L->act != MS_DNN_ACT_NONE) { /* in place on y */
    dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, S->mem[M_DST]}, {DNNL_ARG_DST, S->mem[M_DST]}};
    PetscCall(run(&S->act_fwd, 2, a));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dnn_layer_backward(ms_dnn_layer L, int64_t n, const float *x, const float *y, float *dy, const float *W, float *dx,
                                     float *dW, float *db)
{
  ms_dnn_set *S;
  PetscFunctionBegin;
  PetscCall(layer_setup(L, n));
  S = L->cur;
  PetscCall(bind(L, M_DIFF_DST, dy));
  if (L->act != MS_DNN_ACT_NONE) { /* dy <- dy * act'(pre), act' from the output y; in place */
    PetscCall(bind(L, M_DST, y));
    {
      dnnl_exec_arg_t a[] = {{DNNL_ARG_DST, S->mem[M_DST]}, {DNNL_ARG_DIFF_DST, S->mem[M_DIFF_DST]}, {DNNL_ARG_DIFF_SRC, S->mem[M_DIFF_DST]}};
      PetscCall(run(&S->act_bwd, 3, a));
    }
  }
  if (dx) {
    PetscCall(bind(L, M_WEI, W));
    PetscCall(bind(L, M_DIFF_SRC, dx));
    {
      dnnl_exec_arg_t a[] = {{DNNL_ARG_DIFF_DST, S->mem[M_DIFF_DST]}, {DNNL_ARG_WEIGHTS, S->mem[M_WEI]}, {DNNL_ARG_DIFF_SRC, S->mem[M_DIFF_SRC]}};
      PetscCall(run(&S->bwd_data, 3, a));
    }
  }
  if (dW || db) {
    int64_t nw, nb;
    ms_dnn_layer_sizes(L, NULL, NULL, &nw, &nb);
    PetscCall(bind(L, M_SRC, x));
    PetscCall(bind(L, M_DIFF_WEI, L->dW_tmp));
    PetscCall(bind(L, M_DIFF_BIAS, L->db_tmp));
    {
      dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, S->mem[M_SRC]}, {DNNL_ARG_DIFF_DST, S->mem[M_DIFF_DST]}, {DNNL_ARG_DIFF_WEIGHTS, S->mem[M_DIFF_WEI]},
                             {DNNL_ARG_DIFF_BIAS, S->mem[M_DIFF_BIAS]}};
      PetscCall(run(&S->bwd_w, 4, a));
    }
    if (dW)
      for (int64_t i = 0; i < nw; i++) dW[i] += L->dW_tmp[i];
    if (db)
      for (int64_t i = 0; i < nb; i++) db[i] += L->db_tmp[i];
  }
  PetscFunctionReturn(0);
}

void ms_dnn_layer_init(ms_dnn_layer L, uint64_t seed, uint64_t stream, float *W, float *b)
{
  int64_t nw, nb, k3 = L->kind == MS_DNN_DENSE ? 1 : L->k * L->k * L->k;
  double  s = sqrt(6.0 / (double)((L->ic + L->oc) * k3));
  ms_rng  r;

  ms_dnn_layer_sizes(L, NULL, NULL, &nw, &nb);
  ms_rng_init(&r, seed, stream);
  for (int64_t i = 0; i < nw; i++) W[i] = (float)(s * (2.0 * ms_rng_uniform(&r) - 1.0));
  if (b) memset(b, 0, (size_t)nb * sizeof *b);
}
