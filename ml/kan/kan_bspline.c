/* kan_bspline.c - B-spline basis functions and their derivatives (Cox-de Boor recursion),
 * checked against SciPy's BSpline in tests/parity/kan_bspline_parity.py. */
#include "ms_kan.h"

void ms_kan_knots(int G, int k, double lo, double hi, double *t)
{
  const double h = (hi - lo) / G;
  for (int j = 0; j <= G + 2 * k; j++) t[j] = lo + (j - k) * h;
}

/* N[j] holds degree-p functions on [t_j, t_{j+p+1}); degree 0 is the indicator of
 * [t_j, t_{j+1}). Raising the degree: N_j^p = w_j N_j^{p-1} + (1 - w_{j+1}) N_{j+1}^{p-1},
 * w_j = (x - t_j)/(t_{j+p} - t_j). The derivative of degree k comes from degree k-1:
 * dN_j^k = k N_j^{k-1}/(t_{j+k} - t_j) - k N_{j+1}^{k-1}/(t_{j+k+1} - t_{j+1}). */
void ms_kan_bspline(const double *t, int nt, int k, double x, double *B, double *dB)
{
  double N[64];
  const int nb = nt - k - 1;

  for (int j = 0; j < nt - 1; j++) N[j] = (t[j] <= x && x < t[j + 1]) ? 1.0 : 0.0;
  for (int p = 1; p <= k; p++) {
    if (p == k && dB)
      for (int j = 0; j < nb; j++) {
        const double l = t[j + k] - t[j], r = t[j + k + 1] - t[j + 1];
        dB[j] = (l > 0 ? k * N[j] / l : 0.0) - (r > 0 ? k * N[j + 1] / r : 0.0);
      }
    for (int j = 0; j < nt - 1 - p; j++) {
      const double l = t[j + p] - t[j], r = t[j + p + 1] - t[j + 1];
      N[j] = (l > 0 ? (x - t[j]) / l * N[j] : 0.0) + (r > 0 ? (t[j + p + 1] - x) / r * N[j + 1] : 0.0);
    }
  }
  if (k == 0 && dB)
    for (int j = 0; j < nb; j++) dB[j] = 0.0;
  for (int j = 0; j < nb; j++) B[j] = N[j];
}
