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
 * dN_j^k = k N_j^{k-1}/(t_{j+k} - t_j) - k N_{j+1}^{k-1}/(t_{j+k+1} - t_{j+1}).
 * Only N_{mu-p} .. N_mu can be non-zero at level p (t_mu <= x < t_{mu+1}), so each level
 * touches at most k + 1 entries: O(k^2) per x instead of O(k (G + 2k)). */
int ms_kan_bspline_window(const double *t, int nt, int k, double x, double *B, double *dB, int *count)
{
  double    N[64];
  const int nb = nt - k - 1;
  int       lo = 0, hi = nt - 1, mu, first, last;

  *count = 0;
  if (!(x >= t[0] && x < t[nt - 1])) return 0;
  while (hi - lo > 1) { /* t[lo] <= x < t[hi] */
    const int mid = (lo + hi) / 2;
    if (t[mid] <= x) lo = mid;
    else hi = mid;
  }
  mu = lo;
  for (int j = PetscMax(0, mu - k); j <= PetscMin(mu + 1, nt - 2); j++) N[j] = (j == mu) ? 1.0 : 0.0;
  for (int p = 1; p <= k; p++) {
    if (p == k && dB)
      for (int j = PetscMax(0, mu - k); j <= PetscMin(mu, nb - 1); j++) {
        const double l = t[j + k] - t[j], r = t[j + k + 1] - t[j + 1];
        dB[j - PetscMax(0, mu - k)] = (l > 0 ? k * N[j] / l : 0.0) - (r > 0 ? k * N[j + 1] / r : 0.0);
      }
    for (int j = PetscMax(0, mu - p); j <= PetscMin(mu, nt - 2 - p); j++) {
      const double l = t[j + p] - t[j], r = t[j + p + 1] - t[j + 1];
      N[j] = (l > 0 ? (x - t[j]) / l * N[j] : 0.0) + (r > 0 ? (t[j + p + 1] - x) / r * N[j + 1] : 0.0);
    }
  }
  first = PetscMax(0, mu - k);
  last  = PetscMin(mu, nb - 1);
  if (last < first) return 0;
  for (int j = first; j <= last; j++) {
    B[j - first] = N[j];
    if (k == 0 && dB) dB[j - first] = 0.0;
  }
  *count = last - first + 1;
  return first;
}

void ms_kan_bspline(const double *t, int nt, int k, double x, double *B, double *dB)
{
  const int nb = nt - k - 1;
  double    b[8], db[8];
  int       cnt, first = ms_kan_bspline_window(t, nt, k, x, b, dB ? db : NULL, &cnt);

  for (int j = 0; j < nb; j++) {
    B[j] = 0.0;
    if (dB) dB[j] = 0.0;
  }
  for (int q = 0; q < cnt; q++) {
    B[first + q] = b[q];
    if (dB) dB[first + q] = db[q];
  }
}
