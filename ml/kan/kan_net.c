/* kan_net.c - KAN structure, forward pass, one row's gradient (ms_kan.h; training: kan_train.c). */
#include "kan_impl.h"
#include <math.h>



static int64_t layer_size(const ms_kan *net, int l) { return (int64_t)net->widths[l] * net->widths[l + 1] * (net->G + net->k + 2); }

int64_t ms_kan_layer_offset(const ms_kan *net, int l)
{
  int64_t o = 0;
  for (int q = 0; q < l; q++) o += layer_size(net, q);
  return o;
}

int64_t ms_kan_edge_offset(const ms_kan *net, int l)
{
  int64_t o = 0;
  for (int q = 0; q < l; q++) o += (int64_t)net->widths[q] * net->widths[q + 1];
  return o;
}

int ms_kan_node_offset(const ms_kan *net, int l)
{
  int o = 0;
  for (int q = 0; q < l; q++) o += net->widths[q];
  return o;
}


static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

PetscErrorCode ms_kan_setup(ms_kan *net, int64_t d, int n_hidden, const int *hidden, int G, int k)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(net, sizeof *net));
  PetscCheck(n_hidden >= 0 && n_hidden < MS_KAN_MAX_LAYERS, PETSC_COMM_SELF, MS_ERR_USER, "-kan_widths: at most %d hidden layers", MS_KAN_MAX_LAYERS - 1);
  PetscCheck(d >= 1 && d <= MS_KAN_MAX_WIDTH, PETSC_COMM_SELF, MS_ERR_USER, "kan: %lld features; at most %d", (long long)d, MS_KAN_MAX_WIDTH);
  PetscCheck(k >= 1 && k <= 5, PETSC_COMM_SELF, MS_ERR_USER, "-kan_k must be 1..5, got %d", k);
  PetscCheck(G >= 1 && G + 2 * k + 1 <= MS_KAN_MAX_KNOTS, PETSC_COMM_SELF, MS_ERR_USER, "-kan_grid must be 1..%d for -kan_k %d, got %d",
             MS_KAN_MAX_KNOTS - 1 - 2 * k, k, G);
  net->n_layers  = n_hidden + 1;
  net->widths[0] = (int)d;
  for (int l = 0; l < n_hidden; l++) {
    PetscCheck(hidden[l] >= 1 && hidden[l] <= MS_KAN_MAX_WIDTH, PETSC_COMM_SELF, MS_ERR_USER, "-kan_widths: width %d outside 1..%d", hidden[l],
               MS_KAN_MAX_WIDTH);
    net->widths[l + 1] = hidden[l];
  }
  net->widths[net->n_layers] = 1;
  net->G = G; net->k = k;
  net->n_params = layer_offset(net, net->n_layers);
  PetscCall(PetscCalloc1(net->n_params, &net->params));
  PetscCall(PetscCalloc2(grid_offset(net, net->n_layers), &net->lo, grid_offset(net, net->n_layers), &net->hi));
  PetscCall(PetscCalloc1(edge_offset(net, net->n_layers), &net->edge_l1));
  PetscCall(PetscCalloc2(grid_offset(net, net->n_layers), &net->act_lo, grid_offset(net, net->n_layers), &net->act_hi));
  PetscCall(PetscMalloc2(edge_offset(net, net->n_layers), &net->sym_fn, 5 * edge_offset(net, net->n_layers), &net->sym));
  for (int64_t e = 0; e < edge_offset(net, net->n_layers); e++) net->sym_fn[e] = MS_KAN_SPLINE;
  PetscCall(PetscArrayzero(net->sym, 5 * edge_offset(net, net->n_layers)));
  net->y_std = 1.0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_free(ms_kan *net)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(net->params));
  PetscCall(PetscFree2(net->lo, net->hi));
  PetscCall(PetscFree(net->edge_l1));
  PetscCall(PetscFree2(net->act_lo, net->act_hi));
  PetscCall(PetscFree2(net->sym_fn, net->sym));
  PetscFunctionReturn(0);
}

/* One layer forward: out[j] = sum_i phi_ij(in[i]); adds |phi_ij| to absphi[i no + j] when given. */
static void layer_forward(const ms_kan *net, int l, const double *in, double *out, double *absphi)
{
  const int     ni = net->widths[l], no = net->widths[l + 1], nb = net->G + net->k, go = grid_offset(net, l);
  const double *P = net->params + layer_offset(net, l), *wb = P + (int64_t)ni * no * nb, *ws = wb + ni * no;
  const int    *fn = net->sym_fn + edge_offset(net, l);
  const double *sy = net->sym + 5 * edge_offset(net, l);
  double        t[MS_KAN_MAX_KNOTS], B[MS_KAN_MAX_KNOTS];

  for (int j = 0; j < no; j++) out[j] = 0.0;
  for (int i = 0; i < ni; i++) {
    const double x = in[i], s = x * sig(x);
    int           cnt, f0;
    ms_kan_knots(net->G, net->k, net->lo[go + i], net->hi[go + i], t);
    f0 = ms_kan_bspline_window(t, net->G + 2 * net->k + 1, net->k, x, B, NULL, &cnt);
    for (int j = 0; j < no; j++) {
      const double *c = P + ((int64_t)i * no + j) * nb + f0;
      double        S = 0.0;
      if (fn[i * no + j] != MS_KAN_SPLINE) { /* snapped: c f(a x + b) + d */
        const double *q = sy + 5 * (i * no + j);
        S = q[2] * ms_kan_symbolic_eval(fn[i * no + j], q[0] * x + q[1]) + q[3];
        out[j] += S;
        if (absphi) absphi[i * no + j] += fabs(S);
        continue;
      }
      for (int q = 0; q < cnt; q++) S += c[q] * B[q];
      S = wb[i * no + j] * s + ws[i * no + j] * S;
      out[j] += S;
      if (absphi) absphi[i * no + j] += fabs(S);
    }
  }
}

/* Activations of every layer for one row: act + offs[l] holds layer l's input. */
void ms_kan_forward_all(const ms_kan *net, const double *x, double *act, const int *offs, double *absphi)
{
  for (int i = 0; i < net->widths[0]; i++) act[i] = x[i];
  for (int l = 0; l < net->n_layers; l++) layer_forward(net, l, act + offs[l], act + offs[l + 1], absphi ? absphi + edge_offset(net, l) : NULL);
}

double ms_kan_edge_eval_deriv(const ms_kan *net, int l, int i, int j, double x, PetscBool symbolic, double *dphi)
{
  const int     ni = net->widths[l], no = net->widths[l + 1], nb = net->G + net->k, go = grid_offset(net, l);
  const int64_t e  = edge_offset(net, l) + (int64_t)i * no + j;
  const double *P = net->params + layer_offset(net, l), *wb = P + (int64_t)ni * no * nb, *ws = wb + ni * no;
  const double *c = P + ((int64_t)i * no + j) * nb;
  double        t[MS_KAN_MAX_KNOTS], B[MS_KAN_MAX_KNOTS], dB[MS_KAN_MAX_KNOTS], S = 0.0, dS = 0.0, sg = sig(x);
  int           cnt, f0;

  if (symbolic && net->sym_fn[e] != MS_KAN_SPLINE) {
    const double *q = net->sym + 5 * e;
    if (dphi) *dphi = q[2] * q[0] * ms_kan_symbolic_deriv(net->sym_fn[e], q[0] * x + q[1]);
    return q[2] * ms_kan_symbolic_eval(net->sym_fn[e], q[0] * x + q[1]) + q[3];
  }
  ms_kan_knots(net->G, net->k, net->lo[go + i], net->hi[go + i], t);
  f0 = ms_kan_bspline_window(t, net->G + 2 * net->k + 1, net->k, x, B, dB, &cnt);
  for (int q = 0; q < cnt; q++) { S += c[f0 + q] * B[q]; dS += c[f0 + q] * dB[q]; }
  if (dphi) *dphi = wb[i * no + j] * sg * (1.0 + x * (1.0 - sg)) + ws[i * no + j] * dS;
  return wb[i * no + j] * x * sg + ws[i * no + j] * S;
}

double ms_kan_edge_eval(const ms_kan *net, int l, int i, int j, double x, PetscBool symbolic)
{
  return ms_kan_edge_eval_deriv(net, l, i, j, x, symbolic, NULL);
}

PetscErrorCode ms_kan_predict(const ms_kan *net, int64_t n, const double *X, double *y)
{
  int    offs[MS_KAN_MAX_LAYERS + 2];
  double act[(MS_KAN_MAX_LAYERS + 1) * MS_KAN_MAX_WIDTH];

  PetscFunctionBegin;
  offs[0] = 0;
  for (int l = 0; l <= net->n_layers; l++) offs[l + 1] = offs[l] + net->widths[l];
  for (int64_t r = 0; r < n; r++) {
    forward_all(net, X + r * net->widths[0], act, offs, NULL);
    y[r] = net->y_mean + net->y_std * act[offs[net->n_layers]];
  }
  PetscFunctionReturn(0);
}

/* Gradient of 1/2 (f(x) - y)^2 * wgt for one row, added to g; returns the squared error.
 * reg (per edge, or NULL): dR/dA_e / n of the sparsity penalty, so the edge's output gets the
 * extra gradient reg_e sign(phi_e(x)) (A_e = mean |phi_e|). */
double ms_kan_row_gradient(const ms_kan *net, const double *x, double y, double wgt, double *g, double *act, const int *offs, const double *reg)
{
  const int nb = net->G + net->k;
  double    gnext[MS_KAN_MAX_WIDTH], gin[MS_KAN_MAX_WIDTH], t[MS_KAN_MAX_KNOTS], B[MS_KAN_MAX_KNOTS], dB[MS_KAN_MAX_KNOTS], e;

  forward_all(net, x, act, offs, NULL);
  e        = act[offs[net->n_layers]] - y;
  gnext[0] = e * wgt;
  for (int l = net->n_layers - 1; l >= 0; l--) {
    const int     ni = net->widths[l], no = net->widths[l + 1], go = grid_offset(net, l);
    const int64_t lo = layer_offset(net, l);
    const double *P = net->params + lo, *wb = P + (int64_t)ni * no * nb, *ws = wb + ni * no;
    double       *gP = g + lo, *gwb = gP + (int64_t)ni * no * nb, *gws = gwb + ni * no;
    for (int i = 0; i < ni; i++) {
      const double a = act[offs[l] + i], sg = sig(a), s = a * sg, ds = sg * (1.0 + a * (1.0 - sg));
      int          cnt, f0;
      gin[i] = 0.0;
      ms_kan_knots(net->G, net->k, net->lo[go + i], net->hi[go + i], t);
      f0 = ms_kan_bspline_window(t, net->G + 2 * net->k + 1, net->k, a, B, dB, &cnt);
      for (int j = 0; j < no; j++) {
        const int64_t e_ij = (int64_t)i * no + j;
        const double *c = P + e_ij * nb + f0;
        double        S = 0.0, dS = 0.0, gj = gnext[j];
        for (int q = 0; q < cnt; q++) { S += c[q] * B[q]; dS += c[q] * dB[q]; }
        if (reg) {
          const double phi = wb[e_ij] * s + ws[e_ij] * S;
          gj += reg[edge_offset(net, l) + e_ij] * (phi > 0 ? 1.0 : phi < 0 ? -1.0 : 0.0);
        }
        gwb[e_ij] += gj * s;
        gws[e_ij] += gj * S;
        for (int q = 0; q < cnt; q++) gP[e_ij * nb + f0 + q] += gj * ws[e_ij] * B[q];
        gin[i] += gj * (wb[e_ij] * ds + ws[e_ij] * dS);
      }
    }
    for (int i = 0; i < ni; i++) gnext[i] = gin[i];
  }
  return e * e;
}

