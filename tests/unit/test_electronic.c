/* test_electronic.c - electronic featurizer on synthetic VASP files with known answers:
 * parabolic bands E = E0 +- hbar^2 k^2 / (2 m*) along a line-mode path give back m*, the gap,
 * the edges (also indirect and spin-polarised); a DOSCAR holding a Gaussian peak broadened by
 * sigma gives the Gaussian of width sqrt(s0^2 + sigma^2) at E_F; a LOCPOT with a step
 * potential gives E_vac - E_F; malformed files fail naming file:line.
 * usage: test_electronic SCRATCH_DIR */
#include "ms_featurize.h"
#include "ms_test.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define H2M 3.80998212 /* hbar^2 / 2 m_e, eV A^2 */
static const double ALAT = 4.0;

static double gauss(double u, double s) { return exp(-0.5 * u * u / (s * s)) / (s * sqrt(2 * M_PI)); }

typedef struct { double e0, k0, m; } band; /* E = e0 + sign(m) H2M (k - k0)^2 / |m|, k in 1/A along x */

static double band_e(band b, double kx) { return b.e0 + H2M * (kx - b.k0) * (kx - b.k0) / b.m; }

/* line-mode path along x from -0.5 to 0.5 (fractional), nk points; ispin 1 or 2 (bands per
 * spin: 2, the first valence); with_occ writes occupations. */
static void write_eigenval(const char *path, int nk, int ispin, const band *bands, int with_occ)
{
  FILE *fp = fopen(path, "w");
  fprintf(fp, "    2    2    1    %d\n  0.6400000E+02  0.4000000E-09  0.4000000E-09  0.4000000E-09  0.5000000E-15\n"
              "  1.0000000000000000E-004\n  CAR\n synthetic\n     %d    %d     2\n",
          ispin, ispin == 1 ? 2 : 2, nk);
  for (int k = 0; k < nk; k++) {
    double f = -0.5 + (double)k / (nk - 1), kx = f * 2 * M_PI / ALAT;
    fprintf(fp, "\n  %.14E  %.14E  %.14E  %.14E\n", f, 0.0, 0.0, 1.0 / nk);
    for (int j = 0; j < 2; j++) {
      fprintf(fp, "%5d", j + 1);
      for (int s = 0; s < ispin; s++) fprintf(fp, "  %.15f", band_e(bands[2 * s + j], kx));
      if (with_occ)
        for (int s = 0; s < ispin; s++) fprintf(fp, "  %.6f", j == 0 ? 1.0 : 0.0);
      fprintf(fp, "\n");
    }
  }
  fclose(fp);
}

static void write_poscar(const char *path)
{
  FILE *fp = fopen(path, "w");
  fprintf(fp, "cubic\n1.0\n %g 0 0\n 0 %g 0\n 0 0 %g\nSi\n1\nDirect\n0 0 0\n", ALAT, ALAT, ALAT);
  fclose(fp);
}

int main(int argc, char **argv)
{
  char dir[1024], p[1200], msg[1024];
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc > 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test_electronic SCRATCH_DIR");
  mkdir(argv[1], 0755);
  ms_electronic_opts o;
  ms_electronic_opts_default(&o);
  double x[MS_ELECTRONIC_N_COLUMNS];

  /* 1. direct gap at Gamma, hole mass 0.5, electron mass 0.3; no occupations (NELECT = 2) */
  snprintf(dir, sizeof dir, "%s/direct", argv[1]);
  mkdir(dir, 0755);
  band b1[2] = {{-1.0, 0, -0.5}, {1.5, 0, 0.3}};
  snprintf(p, sizeof p, "%s/EIGENVAL", dir); write_eigenval(p, 21, 1, b1, 0);
  snprintf(p, sizeof p, "%s/POSCAR", dir); write_poscar(p);
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[0], 2.5, 1e-12, 0);
  MS_CHECK_CLOSE(x[1], -1.0, 1e-12, 0);
  MS_CHECK_CLOSE(x[2], 1.5, 1e-12, 0);
  MS_CHECK(x[3] == 1);
  MS_CHECK_CLOSE(x[4], 0.3, 1e-9, 0);
  MS_CHECK_CLOSE(x[5], 0.5, 1e-9, 0);
  MS_CHECK(isnan(x[6]) && isnan(x[8]) && isnan(x[10])); /* no DOSCAR, OUTCAR, LOCPOT */

  /* 2. indirect: CBM at kx = 0.25 (fraction), occupations in the file, fewer fit points */
  snprintf(dir, sizeof dir, "%s/indirect", argv[1]);
  mkdir(dir, 0755);
  band b2[2] = {{-0.2, 0, -1.2}, {0.9, 0.25 * 2 * M_PI / ALAT, 0.8}};
  snprintf(p, sizeof p, "%s/EIGENVAL", dir); write_eigenval(p, 41, 1, b2, 1);
  o.mass_points = 2;
  for (int k = 0; k < 9; k++) o.lattice[k] = k % 4 == 0 ? ALAT : 0; /* -lattice instead of POSCAR */
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[0], 1.1, 1e-12, 0);
  MS_CHECK(x[3] == 0);
  MS_CHECK_CLOSE(x[4], 0.8, 1e-9, 0);
  MS_CHECK_CLOSE(x[5], 1.2, 1e-9, 0);
  ms_electronic_opts_default(&o);

  /* 3. spin-polarised with occupations: the down channel holds both edges */
  snprintf(dir, sizeof dir, "%s/spin", argv[1]);
  mkdir(dir, 0755);
  band b3[4] = {{-1.0, 0, -0.5}, {1.5, 0, 0.3}, {-0.8, 0, -0.7}, {1.2, 0, 0.4}};
  snprintf(p, sizeof p, "%s/EIGENVAL", dir); write_eigenval(p, 21, 2, b3, 1);
  snprintf(p, sizeof p, "%s/POSCAR", dir); write_poscar(p);
  /* 4. DOSCAR: a Gaussian peak of weight 2 and width 0.1 at 0.2 eV; E_F = 0 in its header */
  snprintf(p, sizeof p, "%s/DOSCAR", dir);
  {
    FILE  *fp = fopen(p, "w");
    int    n  = 10001;
    double integ = 0;
    fprintf(fp, "  1  1  0  0\n  0.1E+02  0.4E-09  0.4E-09  0.4E-09  0.5E-15\n  1.0E-004\n  CAR\n synthetic\n");
    fprintf(fp, "  5.0 -5.0 %d 0.0 1.0\n", n);
    for (int j = 0; j < n; j++) {
      double E = -5 + j * 0.001, d = 2 * gauss(E - 0.2, 0.1);
      integ += d * 0.001;
      fprintf(fp, "%.6f  %.15E  %.15E  %.15E  %.15E\n", E, 0.25 * d, 0.75 * d, integ, integ); /* up + down */
    }
    fclose(fp);
  }
  o.sigma = 0.05;
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[0], 2.0, 1e-12, 0);
  MS_CHECK_CLOSE(x[1], -0.8, 1e-12, 0);
  MS_CHECK_CLOSE(x[4], 0.4, 1e-9, 0);
  MS_CHECK_CLOSE(x[5], 0.7, 1e-9, 0);
  MS_CHECK_CLOSE(x[8], 0.0, 0, 1e-15);
  MS_CHECK_CLOSE(x[6], 2 * gauss(-0.2, sqrt(0.01 + 0.0025)), 1e-6, 0);
  {
    /* spec.md's D(E_F) from the eigenvalues: sum over spins, k (equal weights) and bands */
    double d = 0;
    for (int k = 0; k < 21; k++) {
      double kx = (-0.5 + k / 20.0) * 2 * M_PI / ALAT;
      for (int j = 0; j < 4; j++) d += gauss(0.0 - band_e(b3[j], kx), 0.05) / 21;
    }
    MS_CHECK_CLOSE(x[7], d, 1e-12, 1e-300);
  }
  o.sigma = 0; /* interpolation: the sampled DOS itself at E_F = 0 */
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[6], 2 * gauss(-0.2, 0.1), 1e-12, 0);
  o.sigma = 0.05;

  /* 5. LOCPOT: slab at -8 eV on half the z-planes, vacuum at 4.25 eV, an in-plane ripple that
   * averages out; E_F = 0.75 from OUTCAR -> work function 3.5 eV */
  snprintf(dir, sizeof dir, "%s/slab", argv[1]);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/LOCPOT", dir);
  {
    FILE *fp = fopen(p, "w");
    fprintf(fp, "slab\n1.0\n 10 0 0\n 0 10 0\n 0 0 20\n Li O\n 1 1\nDirect\n 0 0 0.1\n 0.5 0.5 0.2\n\n   4   4  40\n");
    int c = 0;
    for (int iz = 0; iz < 40; iz++)
      for (int iy = 0; iy < 4; iy++)
        for (int ix = 0; ix < 4; ix++) {
          double v = (iz < 20 ? -8.0 : 4.25) + 0.3 * ((ix + iy) % 2 ? 1 : -1);
          fprintf(fp, " %.11E%s", v, ++c % 5 ? "" : "\n");
        }
    fclose(fp);
  }
  snprintf(p, sizeof p, "%s/OUTCAR", dir);
  {
    FILE *fp = fopen(p, "w");
    fprintf(fp, " E-fermi :   0.1000     XC(G=0):  -8.1     alpha+bet : -5.2\n ...\n E-fermi :   0.7500     XC(G=0):  -8.1\n");
    fclose(fp);
  }
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[9], 4.25, 1e-12, 0);
  MS_CHECK_CLOSE(x[10], 3.5, 1e-12, 0);
  MS_CHECK(isnan(x[0]));
  o.efermi = 1.0; /* the option wins over OUTCAR */
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[10], 3.25, 1e-12, 0);
  o.efermi = NAN;

  /* 5b. the band-table alternative (bands.csv, rows in any order, no occupations, E_F given):
   * the direct-gap case again */
  snprintf(dir, sizeof dir, "%s/table", argv[1]);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/bands.csv", dir);
  {
    FILE *fp = fopen(p, "w");
    fprintf(fp, "band,spin,k,kx,ky,kz,weight,energy\n");
    for (int j = 2; j >= 1; j--)
      for (int k = 1; k <= 21; k++) {
        double f = -0.5 + (k - 1) / 20.0;
        fprintf(fp, "%d,1,%d,%.15g,0,0,%.15g,%.15f\n", j, k, f, 1 / 21.0, band_e(b1[j - 1], f * 2 * M_PI / ALAT));
      }
    fclose(fp);
  }
  snprintf(p, sizeof p, "%s/POSCAR", dir); write_poscar(p);
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
  MS_CHECK(strstr(msg, "band table without occupations: give E_F") != NULL);
  o.efermi = 0.25;
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == 0);
  MS_CHECK_CLOSE(x[0], 2.5, 1e-12, 0);
  MS_CHECK_CLOSE(x[4], 0.3, 1e-9, 0);
  MS_CHECK_CLOSE(x[5], 0.5, 1e-9, 0);
  o.efermi = NAN;

  /* 6. errors name file:line */
  snprintf(dir, sizeof dir, "%s/bad", argv[1]);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/EIGENVAL", dir);
  {
    FILE *fp = fopen(p, "w");
    fprintf(fp, "    2    2    1    1\nx\nx\nCAR\nsys\n 2 2 2\n\n 0 0 0 0.5\n 1 -1.0\n 2 oops\n");
    fclose(fp);
  }
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
  MS_CHECK(strstr(msg, "bad/EIGENVAL:10: expected band 2 of k-point 1") != NULL);
  MS_CHECK(isnan(x[0]));
  {
    FILE *fp = fopen(p, "w");
    fprintf(fp, "    2    2    1    1\nx\nx\nCAR\nsys\n 2 3 2\n\n 0 0 0 0.5\n 1 -1.0\n 2 1.0\n");
    fclose(fp);
  }
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
  MS_CHECK(strstr(msg, "bad/EIGENVAL:10: file ends early: expected a k-point line") != NULL);
  snprintf(p, sizeof p, "%s/empty", argv[1]);
  mkdir(p, 0755);
  MS_CHECK(ms_electronic_row_fn(&o, p, x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
  MS_CHECK(strstr(msg, "holds none of EIGENVAL (or bands.csv), DOSCAR, LOCPOT") != NULL);
  /* a gap without a POSCAR or -lattice: a clear message */
  snprintf(dir, sizeof dir, "%s/nolattice", argv[1]);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/EIGENVAL", dir); write_eigenval(p, 21, 1, b1, 0);
  MS_CHECK(ms_electronic_row_fn(&o, dir, x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
  MS_CHECK(strstr(msg, "effective masses need the lattice") != NULL);
  /* 7. every truncation of a valid EIGENVAL and LOCPOT either parses or fails with a message
   * naming the file (never crashes, never reports success with NaN edges) */
  {
    const char *names[] = {"EIGENVAL", "LOCPOT"};
    const char *srcs[]  = {"direct", "slab"};
    for (int w = 0; w < 2; w++) {
      char  src[1200], dst[1200], tdir[1100];
      FILE *fp;
      snprintf(src, sizeof src, "%s/%s/%s", argv[1], srcs[w], names[w]);
      fp = fopen(src, "rb");
      fseek(fp, 0, SEEK_END);
      long n = ftell(fp);
      fseek(fp, 0, SEEK_SET);
      char *buf = malloc((size_t)n);
      MS_CHECK(fread(buf, 1, (size_t)n, fp) == (size_t)n);
      fclose(fp);
      snprintf(tdir, sizeof tdir, "%s/trunc_%s", argv[1], names[w]);
      mkdir(tdir, 0755);
      snprintf(p, sizeof p, "%s/POSCAR", tdir); write_poscar(p);
      snprintf(dst, sizeof dst, "%s/%s", tdir, names[w]);
      o.efermi = 0.75;
      int bad_msg = 0, ok = 0, failed = 0;
      for (long len = 0; len < n; len += w ? 13 : 2) {
        fp = fopen(dst, "wb");
        fwrite(buf, 1, (size_t)len, fp);
        fclose(fp);
        int rc = ms_electronic_row_fn(&o, tdir, x, msg, sizeof msg);
        if (rc == 0) ok++, bad_msg += w == 0 ? isnan(x[0]) : isnan(x[10]);
        else failed++, bad_msg += rc != MS_FEAT_BAD_INPUT || !strstr(msg, names[w]);
      }
      MS_CHECK(bad_msg == 0);
      MS_CHECK(failed > 0);
      free(buf);
    }
    o.efermi = NAN;
  }
  MS_TEST_END("electronic");
}
