/* probe_kan_bspline - prints ms_kan_bspline's basis values and derivatives for the cases read
 * from stdin, for tests/parity/kan_bspline_parity.py to compare with SciPy's BSpline.
 * Input, one case per line: k nt t_0 .. t_{nt-1} nx x_0 .. x_{nx-1}
 * Output, per x: one line "B_0 .. B_{nb-1} | dB_0 .. dB_{nb-1}" (%.17g). */
#include "ms_kan.h"
#include <stdio.h>

int main(void)
{
  int k, nt, nx;
  while (scanf("%d %d", &k, &nt) == 2) {
    double t[128], x, B[128], dB[128];
    if (nt > 66 || nt < k + 2) return 2;
    for (int j = 0; j < nt; j++)
      if (scanf("%lf", &t[j]) != 1) return 2;
    if (scanf("%d", &nx) != 1) return 2;
    for (int q = 0; q < nx; q++) {
      if (scanf("%lf", &x) != 1) return 2;
      ms_kan_bspline(t, nt, k, x, B, dB);
      for (int j = 0; j < nt - k - 1; j++) printf("%.17g ", B[j]);
      printf("|");
      for (int j = 0; j < nt - k - 1; j++) printf(" %.17g", dB[j]);
      printf("\n");
    }
  }
  return 0;
}
