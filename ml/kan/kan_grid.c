/* kan_grid.c - grid extension (Liu et al. 2024, section 2.5): a coarse KAN's splines refitted
 * on a finer grid over the same range, so training continues from the coarse function. */
#include "ms_kan.h"
#include <lapacke.h>

PetscErrorCode ms_kan_extend_grid(ms_kan *net, int G_new)
{
  const int k = net->k, nb = net->G + k, nbn = G_new + k;
  /* 2 (k + 1) samples per fine interval: every fine basis function sees more than k + 1
     of them (Schoenberg-Whitney), so the least-squares matrix has full column rank */
  const int M = 2 * (k + 1) * G_new + 1;
  int64_t   Pn = 0, off = 0, offn = 0;
  double   *pn, *A, *R, t[80], tn[80], B[80];

  PetscFunctionBegin;
  PetscCheck(G_new >= 1 && G_new + 2 * k + 1 <= 65, PETSC_COMM_SELF, MS_ERR_USER, "-kan_grid_schedule: grid %d outside 1..%d for -kan_k %d", G_new,
             64 - 2 * k, k);
  for (int l = 0; l < net->n_layers; l++) Pn += (int64_t)net->widths[l] * net->widths[l + 1] * (nbn + 2);
  PetscCall(PetscCalloc1(Pn, &pn));
  PetscCall(PetscMalloc2((size_t)M * nbn, &A, (size_t)M * 256, &R));
  for (int l = 0; l < net->n_layers; l++) {
    const int     ni = net->widths[l], no = net->widths[l + 1], go = ms_kan_node_offset(net, l);
    const double *p = net->params + off;
    double       *q = pn + offn;
    for (int i = 0; i < ni; i++) {
      const double lo = net->lo[go + i], hi = net->hi[go + i];
      lapack_int   info;
      ms_kan_knots(net->G, k, lo, hi, t);
      ms_kan_knots(G_new, k, lo, hi, tn);
      for (int r = 0; r < M; r++) {
        /* samples in [lo, hi) (the last one just inside: the basis is zero at hi) */
        const double x = lo + (hi - lo) * (r < M - 1 ? (double)r / (M - 1) : 1.0 - 1e-12);
        ms_kan_bspline(tn, G_new + 2 * k + 1, k, x, A + (size_t)r * nbn, NULL);
        ms_kan_bspline(t, net->G + 2 * k + 1, k, x, B, NULL);
        for (int j = 0; j < no; j++) {
          const double *c = p + ((int64_t)i * no + j) * nb;
          double        S = 0.0;
          for (int m = 0; m < nb; m++) S += c[m] * B[m];
          R[(size_t)r * no + j] = S;
        }
      }
      info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', M, nbn, no, A, nbn, R, no);
      PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "kan grid extension: LAPACKE_dgels failed (info %d)", (int)info);
      for (int j = 0; j < no; j++)
        for (int m = 0; m < nbn; m++) q[((int64_t)i * no + j) * nbn + m] = R[(size_t)m * no + j];
    }
    /* w_b and w_s are unchanged */
    PetscCall(PetscArraycpy(q + (int64_t)ni * no * nbn, p + (int64_t)ni * no * nb, 2 * (int64_t)ni * no));
    off += (int64_t)ni * no * (nb + 2);
    offn += (int64_t)ni * no * (nbn + 2);
  }
  PetscCall(PetscFree2(A, R));
  PetscCall(PetscFree(net->params));
  net->params   = pn;
  net->n_params = Pn;
  net->G        = G_new;
  PetscFunctionReturn(0);
}
