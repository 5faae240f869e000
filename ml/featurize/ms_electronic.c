/* ms_electronic.c - electronic descriptors from one VASP calculation directory: band edges,
 * effective masses (parabolic least squares through LAPACKE_dgels), DOS at the Fermi level
 * and the work function (definitions in ms_featurize.h).
 */
#include "ms_featurize.h"
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HBAR2_OVER_2ME 3.80998212 /* hbar^2 / (2 m_e) in eV Angstrom^2 (CODATA 2018) */

const char *const ms_electronic_column_names[MS_ELECTRONIC_N_COLUMNS] = {
  "band_gap", "vbm", "cbm", "direct_gap", "m_e_cbm", "m_h_vbm", "dos_at_fermi", "dos_at_fermi_eig", "efermi", "vacuum_level",
  "work_function"};
const char *const ms_electronic_column_units[MS_ELECTRONIC_N_COLUMNS] = {
  "eV", "eV", "eV", "", "m_e", "m_e", "states/eV/cell", "states/eV/cell", "eV", "eV", "eV"};

void ms_electronic_opts_default(ms_electronic_opts *o)
{
  o->sigma       = 0.05;
  o->mass_points = 3;
  o->efermi      = NAN;
  for (int k = 0; k < 9; k++) o->lattice[k] = NAN;
  o->wf_axis = 2;
}

int ms_bands_edges(const ms_bands *b, double efermi, ms_band_edges *ed, char *msg, size_t msglen)
{
  if (!b->occ && !isfinite(efermi) && !isfinite(b->nelect)) {
    snprintf(msg, msglen, "band table without occupations: give E_F (-efermi, OUTCAR or DOSCAR)");
    return MS_FEAT_BAD_INPUT;
  }
  int nocc = isfinite(b->nelect) ? (int)lround(b->nelect / 2) : 0;
  if (!b->occ && !isfinite(efermi) && b->ispin == 2) {
    snprintf(msg, msglen, "spin-polarised EIGENVAL without occupations: give E_F (-efermi, OUTCAR or DOSCAR)");
    return MS_FEAT_BAD_INPUT;
  }
  ed->vbm = -INFINITY;
  ed->cbm = INFINITY;
  for (int s = 0; s < b->ispin; s++)
    for (int k = 0; k < b->nk; k++)
      for (int j = 0; j < b->nb; j++) {
        size_t i = ((size_t)s * b->nk + k) * b->nb + j;
        double e = b->e[i];
        int    occupied = b->occ ? b->occ[i] > 0.5 : isfinite(efermi) ? e <= efermi : j < nocc;
        if (occupied && e > ed->vbm) { ed->vbm = e; ed->s_vbm = s; ed->k_vbm = k; ed->b_vbm = j; }
        if (!occupied && e < ed->cbm) { ed->cbm = e; ed->s_cbm = s; ed->k_cbm = k; ed->b_cbm = j; }
      }
  if (!isfinite(ed->vbm) || !isfinite(ed->cbm)) {
    snprintf(msg, msglen, "no %s states: cannot place the band edges", isfinite(ed->vbm) ? "unoccupied" : "occupied");
    return MS_FEAT_BAD_INPUT;
  }
  ed->gap    = fmax(0, ed->cbm - ed->vbm);
  ed->direct = ed->k_vbm == ed->k_cbm;
  return 0;
}

/* Reciprocal lattice rows B = 2 pi A^-T: b1 = 2 pi (a2 x a3) / V, ... */
static void reciprocal(const double A[9], double B[9])
{
  const double *a1 = A, *a2 = A + 3, *a3 = A + 6;
  double        c[3][3] = {{a2[1] * a3[2] - a2[2] * a3[1], a2[2] * a3[0] - a2[0] * a3[2], a2[0] * a3[1] - a2[1] * a3[0]},
                           {a3[1] * a1[2] - a3[2] * a1[1], a3[2] * a1[0] - a3[0] * a1[2], a3[0] * a1[1] - a3[1] * a1[0]},
                           {a1[1] * a2[2] - a1[2] * a2[1], a1[2] * a2[0] - a1[0] * a2[2], a1[0] * a2[1] - a1[1] * a2[0]}};
  double        V       = a1[0] * c[0][0] + a1[1] * c[0][1] + a1[2] * c[0][2];
  for (int r = 0; r < 3; r++)
    for (int d = 0; d < 3; d++) B[3 * r + d] = 2 * M_PI * c[r][d] / V;
}

static void kcart(const ms_bands *b, const double B[9], int k, double out[3])
{
  for (int d = 0; d < 3; d++) out[d] = b->kfrac[3 * k] * B[d] + b->kfrac[3 * k + 1] * B[3 + d] + b->kfrac[3 * k + 2] * B[6 + d];
}

int ms_bands_effective_mass(const ms_bands *b, const double A[9], int s, int k0, int bnd, int points, double *mass, char *msg,
                            size_t msglen)
{
  double B[9], c0[3], dir[3] = {0, 0, 0};
  int    idx[64], m = 0;
  double t[64];
  *mass = NAN;
  reciprocal(A, B);
  kcart(b, B, k0, c0);
  idx[m] = k0; t[m++] = 0;
  if (points > 30) points = 30;
  /* walk each way along the path while the points stay on the edge's straight segment */
  for (int side = -1; side <= 1; side += 2) {
    double prev[3] = {c0[0], c0[1], c0[2]};
    for (int step = 1, k = k0 + side; step <= points && k >= 0 && k < b->nk; step++, k += side) {
      double c[3], d[3], len;
      kcart(b, B, k, c);
      for (int q = 0; q < 3; q++) d[q] = c[q] - prev[q];
      len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (len < 1e-10) break; /* repeated point: a segment boundary */
      for (int q = 0; q < 3; q++) d[q] = side * d[q] / len;
      double dl = sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
      if (dl == 0) for (int q = 0; q < 3; q++) dir[q] = d[q];
      else if (d[0] * dir[0] + d[1] * dir[1] + d[2] * dir[2] < 1 - 1e-6) break; /* the path turns */
      double r[3] = {c[0] - c0[0], c[1] - c0[1], c[2] - c0[2]};
      idx[m] = k;
      t[m++] = side * sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      for (int q = 0; q < 3; q++) prev[q] = c[q];
    }
  }
  if (m < 3) {
    snprintf(msg, msglen, "only %d k-point(s) on a straight path segment through the band edge (k-point %d): a line-mode "
             "EIGENVAL is needed for effective masses", m, k0 + 1);
    return MS_FEAT_BAD_INPUT;
  }
  double M[64 * 3], y[64];
  for (int i = 0; i < m; i++) {
    M[3 * i] = 1; M[3 * i + 1] = t[i]; M[3 * i + 2] = t[i] * t[i];
    y[i] = b->e[((size_t)s * b->nk + idx[i]) * b->nb + bnd];
  }
  lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m, 3, 1, M, 3, y, 1);
  if (info != 0 || y[2] == 0) {
    snprintf(msg, msglen, "the parabolic fit at k-point %d failed (dgels info %d, curvature %g)", k0 + 1, (int)info, y[2]);
    return MS_FEAT_BAD_INPUT;
  }
  *mass = HBAR2_OVER_2ME / y[2];
  return 0;
}

double ms_dos_at(int n, const double *e, const double *dos, double E, double sigma)
{
  if (sigma <= 0) { /* linear interpolation */
    if (E <= e[0]) return E == e[0] ? dos[0] : 0;
    for (int j = 1; j < n; j++)
      if (E <= e[j]) return dos[j - 1] + (dos[j] - dos[j - 1]) * (E - e[j - 1]) / (e[j] - e[j - 1]);
    return 0;
  }
  double sum = 0, norm = 1 / (sigma * sqrt(2 * M_PI));
  for (int j = 0; j < n; j++) {
    double de = j + 1 < n ? e[j + 1] - e[j] : e[j] - e[j - 1];
    double u  = (E - e[j]) / sigma;
    if (fabs(u) < 40) sum += dos[j] * norm * exp(-0.5 * u * u) * de;
  }
  return sum;
}

static int exists(const char *dir, const char *name, char *path, size_t len)
{
  struct stat st;
  snprintf(path, len, "%s/%s", dir, name);
  return stat(path, &st) == 0;
}

int ms_electronic_row_fn(void *ctx, const char *dir, double *x, char *msg, size_t msglen)
{
  const ms_electronic_opts *o = (const ms_electronic_opts *)ctx;
  char                      path[4096], sub[768];
  double                    ef = o->efermi, dos_ef = NAN;
  int                       rc = 0, have_eig, have_dos, have_loc;
  ms_bands                  b = {0};
  double                   *e = NULL, *dos = NULL;
  int                       nd = 0;
  for (int k = 0; k < MS_ELECTRONIC_N_COLUMNS; k++) x[k] = NAN;
  if (!msg) { msg = sub; msglen = sizeof sub; }
  const char *bands_file = "EIGENVAL";
  have_eig = exists(dir, "EIGENVAL", path, sizeof path);
  if (!have_eig && exists(dir, "bands.csv", path, sizeof path)) { have_eig = 1; bands_file = "bands.csv"; }
  have_dos = exists(dir, "DOSCAR", path, sizeof path);
  have_loc = exists(dir, "LOCPOT", path, sizeof path);
  if (!have_eig && !have_dos && !have_loc) {
    snprintf(msg, msglen, "'%s' holds none of EIGENVAL (or bands.csv), DOSCAR, LOCPOT", dir);
    return MS_FEAT_BAD_INPUT;
  }
  /* E_F: the option, else OUTCAR, else DOSCAR's header */
  if (!isfinite(ef) && exists(dir, "OUTCAR", path, sizeof path) && (rc = ms_outcar_efermi(path, &ef, msg, msglen))) goto done;
  if (have_dos) {
    double ef_dos;
    exists(dir, "DOSCAR", path, sizeof path);
    if ((rc = ms_doscar_read(path, &nd, &e, &dos, &ef_dos, msg, msglen))) goto done;
    if (!isfinite(ef)) ef = ef_dos;
    dos_ef = ms_dos_at(nd, e, dos, ef, o->sigma);
  }
  x[6] = dos_ef;
  x[8] = ef;
  if (have_eig) {
    ms_band_edges ed;
    exists(dir, bands_file, path, sizeof path);
    rc = strcmp(bands_file, "EIGENVAL") ? ms_bands_read_table(path, &b, msg, msglen) : ms_bands_read_eigenval(path, &b, msg, msglen);
    if (rc) goto done;
    if ((rc = ms_bands_edges(&b, b.occ ? NAN : ef, &ed, msg, msglen))) goto done;
    x[0] = ed.gap; x[1] = ed.vbm; x[2] = ed.cbm; x[3] = ed.direct;
    if (ed.gap > 0) {
      double A[9], mc, mv;
      if (isnan(o->lattice[0])) {
        if (!exists(dir, "POSCAR", path, sizeof path) && !exists(dir, "CONTCAR", path, sizeof path)) {
          snprintf(msg, msglen, "'%s': effective masses need the lattice: a POSCAR (or CONTCAR) beside EIGENVAL, or -lattice", dir);
          rc = MS_FEAT_BAD_INPUT;
          goto done;
        }
        if ((rc = ms_vasp_read_lattice(path, A, msg, msglen))) goto done;
      } else memcpy(A, o->lattice, sizeof A);
      exists(dir, bands_file, path, sizeof path);
      if ((rc = ms_bands_effective_mass(&b, A, ed.s_cbm, ed.k_cbm, ed.b_cbm, o->mass_points, &mc, sub, sizeof sub))) {
        snprintf(msg, msglen, "%s: CBM: %s", path, sub);
        goto done;
      }
      if ((rc = ms_bands_effective_mass(&b, A, ed.s_vbm, ed.k_vbm, ed.b_vbm, o->mass_points, &mv, sub, sizeof sub))) {
        snprintf(msg, msglen, "%s: VBM: %s", path, sub);
        goto done;
      }
      x[4] = mc;
      x[5] = -mv;
    }
    if (isfinite(ef)) { /* spec.md 1.10: D(E_F) = sum_k w_k sum_b delta(E_F - e_kb), Gaussian delta */
      double wsum = 0, d = 0, sg = o->sigma > 0 ? o->sigma : 0.05, norm = 1 / (sg * sqrt(2 * M_PI));
      for (int k = 0; k < b.nk; k++) wsum += b.weight[k];
      for (int s = 0; s < b.ispin; s++)
        for (int k = 0; k < b.nk; k++)
          for (int j = 0; j < b.nb; j++) {
            double u = (ef - b.e[((size_t)s * b.nk + k) * b.nb + j]) / sg;
            d += b.weight[k] / wsum * norm * exp(-0.5 * u * u);
          }
      x[7] = d * (b.ispin == 1 ? 2 : 1);
    }
  }
  if (have_loc) {
    double *avg;
    int     np;
    if (!isfinite(ef)) {
      snprintf(msg, msglen, "'%s': the work function needs E_F: give -efermi, or an OUTCAR or DOSCAR beside LOCPOT", dir);
      rc = MS_FEAT_BAD_INPUT;
      goto done;
    }
    exists(dir, "LOCPOT", path, sizeof path);
    if ((rc = ms_locpot_planar_average(path, o->wf_axis, &np, &avg, msg, msglen))) goto done;
    double vac = avg[0];
    for (int p = 1; p < np; p++) vac = fmax(vac, avg[p]);
    free(avg);
    x[9]  = vac;
    x[10] = vac - ef;
  }
done:
  ms_bands_free(&b);
  free(e);
  free(dos);
  if (rc)
    for (int k = 0; k < MS_ELECTRONIC_N_COLUMNS; k++) x[k] = NAN;
  return rc;
}
