/* ms_image_segment.c - porosity-matched thresholding and CT segmentation (spec §1.2,
 * §2(b)): the threshold is the grey-level quantile at the target porosity, found with a
 * global histogram and bisection (ms_image.h).
 */
#include "ms_image.h"
#include "ms_log.h"
#include <math.h>

#define MS_IMAGE_HIST_BINS 4096

PetscErrorCode ms_image_volume_to_float(ms_volume v, float **f)
{
  const int64_t n = v->nz_local * v->ny * v->nx;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, f));
  for (int64_t i = 0; i < n; i++) (*f)[i] = (float)v->data[i];
  PetscFunctionReturn(0);
}

void ms_image_binarize(int64_t n, const float *data, double threshold, ms_image_pore pore, uint8_t *out)
{
  if (pore == MS_IMAGE_PORE_DARK)
    for (int64_t i = 0; i < n; i++) out[i] = (double)data[i] < threshold ? 0 : 1;
  else
    for (int64_t i = 0; i < n; i++) out[i] = (double)data[i] > threshold ? 0 : 1;
}

/* Global count of s*data < t. */
static PetscErrorCode count_below(MPI_Comm comm, int64_t n, const float *u, double s, double t, int64_t *c)
{
  int64_t l = 0;
  PetscFunctionBeginUser;
  for (int64_t i = 0; i < n; i++) l += s * (double)u[i] < t;
  PetscCallMPI(MPI_Allreduce(&l, c, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_image_porosity_threshold(MPI_Comm comm, int64_t n_local, const float *data, double porosity, ms_image_pore pore,
                                           double *threshold, double *achieved)
{
  /* Work on u = s * value so that "pore" is always "u < t". */
  const double s = pore == MS_IMAGE_PORE_DARK ? 1.0 : -1.0;
  double       mm[2] = {INFINITY, INFINITY}, g[2]; /* min u, -max u */
  int64_t      N, k, *hist, *ghist;
  float       *cand;

  PetscFunctionBeginUser;
  if (!(porosity >= 0 && porosity <= 1)) SETERRQ(comm, MS_ERR_USER, "target porosity %g: expected a fraction in [0, 1]", porosity);
  for (int64_t i = 0; i < n_local; i++) {
    const double u = s * (double)data[i];
    if (!isfinite(u)) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "porosity threshold: grey value %g is not finite", (double)data[i]);
    mm[0] = PetscMin(mm[0], u);
    mm[1] = PetscMin(mm[1], -u);
  }
  PetscCallMPI(MPI_Allreduce(mm, g, 2, MPI_DOUBLE, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&n_local, &N, 1, MPI_INT64_T, MPI_SUM, comm));
  if (N == 0) SETERRQ(comm, MS_ERR_USER, "porosity threshold of an empty image");
  const double umin = g[0], umax = -g[1];
  k = (int64_t)llround(porosity * (double)N);

  double  t;
  int64_t ct;
  if (k == 0 || umax == umin) {
    /* Nothing below the minimum; with a flat image the best is all or nothing. */
    t  = umin;
    ct = 0;
    if (umax == umin && k > N - k) { t = nextafter(umax, INFINITY); ct = N; }
    /* Not an error (the result is defined), but rarely what the user meant: a blank scan, a
       wrong -dataset or a crop outside the sample. */
    if (umax == umin && porosity > 0 && porosity < 1)
      PetscCall(ms_warn(comm, "the grey-level volume is constant (every voxel %g): no threshold separates pore from solid; the "
                              "segmentation is all %s (porosity %g, target %g)\n",
                        s * umin, ct ? "pore" : "solid", (double)ct / (double)N, porosity));
  } else if (k == N) {
    t  = nextafter(umax, INFINITY);
    ct = N;
  } else {
    /* 1. Histogram brackets the k-th smallest value (0-based) in one bin. */
    const double scale = MS_IMAGE_HIST_BINS / (umax - umin);
    PetscCall(PetscCalloc2(MS_IMAGE_HIST_BINS, &hist, MS_IMAGE_HIST_BINS, &ghist));
#define BIN(u) PetscMin(MS_IMAGE_HIST_BINS - 1, (int)(((u) - umin) * scale))
    for (int64_t i = 0; i < n_local; i++) hist[BIN(s * (double)data[i])]++;
    PetscCallMPI(MPI_Allreduce(hist, ghist, MS_IMAGE_HIST_BINS, MPI_INT64_T, MPI_SUM, comm));
    int64_t below = 0;
    int     b     = 0;
    while (below + ghist[b] <= k) below += ghist[b++];
    /* 2. Bisection on the values of that bin only: count(u < t) = below + #{cand < t}. */
    int64_t nc = 0;
    PetscCall(PetscMalloc1(hist[b] + 1, &cand));
    double cmm[2] = {INFINITY, INFINITY}, gc[2];
    for (int64_t i = 0; i < n_local; i++) {
      const double u = s * (double)data[i];
      if (BIN(u) == b) {
        cand[nc++] = (float)u;
        cmm[0]     = PetscMin(cmm[0], u);
        cmm[1]     = PetscMin(cmm[1], -u);
      }
    }
#undef BIN
    PetscCallMPI(MPI_Allreduce(cmm, gc, 2, MPI_DOUBLE, MPI_MIN, comm));
    double  lo = gc[0], hi = nextafterf((float)-gc[1], INFINITY);
    int64_t clo = below, chi = below + ghist[b];
    /* Invariant count(lo) <= k < count(hi). Stop when the bracket holds a single distinct
       value (ties cannot be split) or count(lo) == k. */
    for (int it = 0; it < 200 && clo != k; it++) {
      double lmm[2] = {INFINITY, INFINITY}, bmm[2];
      for (int64_t i = 0; i < nc; i++)
        if (cand[i] >= lo && cand[i] < hi) { lmm[0] = PetscMin(lmm[0], cand[i]); lmm[1] = PetscMin(lmm[1], -(double)cand[i]); }
      PetscCallMPI(MPI_Allreduce(lmm, bmm, 2, MPI_DOUBLE, MPI_MIN, comm));
      if (bmm[0] == -bmm[1]) break;
      const double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      int64_t c;
      PetscCall(count_below(comm, nc, cand, 1.0, mid, &c));
      c += below;
      if (c <= k) { lo = mid; clo = c; } else { hi = mid; chi = c; }
    }
    if (k - clo <= chi - k) { t = lo; ct = clo; } else { t = hi; ct = chi; }
    PetscCall(PetscFree(cand));
    PetscCall(PetscFree2(hist, ghist));
  }
  {
    /* Any t in (largest u below t, smallest u at or above t] gives the same segmentation:
       report the middle of that gap (0.5 for a 0/1 image), not a bisection artefact. */
    double gmm[2] = {INFINITY, INFINITY}, ggm[2]; /* -max below, min above */
    for (int64_t i = 0; i < n_local; i++) {
      const double u = s * (double)data[i];
      if (u < t) gmm[0] = PetscMin(gmm[0], -u);
      else gmm[1] = PetscMin(gmm[1], u);
    }
    PetscCallMPI(MPI_Allreduce(gmm, ggm, 2, MPI_DOUBLE, MPI_MIN, comm));
    if (isfinite(ggm[0]) && isfinite(ggm[1])) t = 0.5 * (-ggm[0] + ggm[1]);
  }
  *threshold = s * t;
  if (achieved) *achieved = (double)ct / (double)N;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_image_segment(ms_volume grey, double variance, double porosity, ms_image_pore pore, ms_volume *seg, double *threshold,
                                double *achieved)
{
  float        *f;
  double        thr, por;
  const int64_t n = grey->nz_local * grey->ny * grey->nx;

  PetscFunctionBeginUser;
  if (!(variance >= 0)) SETERRQ(grey->comm, MS_ERR_USER, "Gaussian variance %g: expected >= 0 voxels^2", variance);
  PetscCall(ms_image_volume_to_float(grey, &f));
  /* CT scans are not periodic: clamp at the faces. */
  if (variance > 0)
    PetscCall(ms_image_gaussian_slab(grey->comm, grey->nx, grey->ny, grey->nz, grey->z_start, grey->nz_local, f, sqrt(variance), 4.0, MS_IMAGE_NEAREST));
  PetscCall(ms_image_porosity_threshold(grey->comm, n, f, porosity, pore, &thr, &por));
  PetscCall(ms_volume_create(grey->comm, grey->nx, grey->ny, grey->nz, seg));
  if ((*seg)->z_start != grey->z_start || (*seg)->nz_local != grey->nz_local)
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "segmentation: volume slab layout differs from the grey image's");
  ms_image_binarize(n, f, thr, pore, (*seg)->data);
  PetscCall(PetscFree(f));
  (*seg)->voxel_size = grey->voxel_size;
  PetscCall(ms_volume_set_meta(*seg, "threshold", "%#.17g", thr));
  PetscCall(ms_volume_set_meta(*seg, "segmented_porosity", "%#.17g", por));
  PetscCall(ms_volume_set_meta(*seg, "target_porosity", "%#.17g", porosity));
  PetscCall(ms_volume_set_meta(*seg, "gaussian_variance", "%#.17g", variance));
  PetscCall(ms_volume_set_meta(*seg, "pore_phase", "%s", pore == MS_IMAGE_PORE_DARK ? "dark" : "bright"));
  PetscCall(ms_volume_set_meta(*seg, "threshold_units", "grey value of the input"));
  PetscCall(ms_volume_set_meta(*seg, "gaussian_variance_units", "voxel^2"));
  if (threshold) *threshold = thr;
  if (achieved) *achieved = por;
  PetscFunctionReturn(0);
}
