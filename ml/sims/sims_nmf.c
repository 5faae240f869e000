/* sims_nmf.c - NMF of spectra with the rank chosen by the elbow of the reconstruction error,
 * components matched to reference spectra by Pearson correlation, and the intensity share of
 * each component in each spectrum (Figures 4.24-4.25). Each rank's fit is the row-sharded,
 * rank-count-independent ms_nmf_fit, so the whole result is the same on 1 or P ranks. */
#include "ms_log.h"
#include "ms_sims.h"
#include <math.h>

double ms_sims_pearson(int64_t d, const double *a, const double *b)
{
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (int64_t j = 0; j < d; j++) ma += a[j], mb += b[j];
  ma /= (double)d;
  mb /= (double)d;
  for (int64_t j = 0; j < d; j++) {
    sab += (a[j] - ma) * (b[j] - mb);
    saa += (a[j] - ma) * (a[j] - ma);
    sbb += (b[j] - mb) * (b[j] - mb);
  }
  return (saa > 0 && sbb > 0) ? sab / sqrt(saa * sbb) : 0.0;
}

static PetscErrorCode sims_nmf_rank(const ms_nmf tmpl, ms_dataset ds, int64_t k, ms_nmf *out)
{
  ms_nmf f;

  PetscFunctionBeginUser;
  PetscCall(ms_nmf_create(&f));
  f->k        = k;
  f->solver   = tmpl->solver;
  f->init     = tmpl->init;
  f->max_iter = tmpl->max_iter;
  f->tol      = tmpl->tol;
  f->seed     = tmpl->seed;
  PetscCall(ms_nmf_fit(f, ds));
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_nmf(ms_nmf nmf, ms_dataset ds, int64_t kmin, int64_t kmax, int64_t n_ref, const double *ref, double threshold,
                           ms_sims_nmf_result *r)
{
  const int64_t d = ds->n_features;
  const int64_t nk = kmax - kmin + 1;
  ms_nmf        f;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCheck(kmin >= 1 && kmax >= kmin, ds->comm, MS_ERR_USER, "sims nmf: the component range needs 1 <= min <= max, got %lld..%lld",
             (long long)kmin, (long long)kmax);
  PetscCheck(kmax <= PetscMin(ds->n_global, d), ds->comm, MS_ERR_USER, "sims nmf: %lld components exceed min(spectra, peaks) = %lld",
             (long long)kmax, (long long)PetscMin(ds->n_global, d));
  r->kmin = kmin, r->kmax = kmax, r->n = ds->n_global, r->d = d, r->n_ref = n_ref;
  PetscCall(PetscMalloc1(nk, &r->err));
  ms_progress pr;
  PetscCall(ms_progress_begin(ds->comm, "sims nmf: ranks", nk, &pr));
  for (int64_t k = kmin; k <= kmax; k++) {
    PetscCall(sims_nmf_rank(nmf, ds, k, &f));
    r->err[k - kmin] = f->reconstruction_err;
    PetscCall(ms_nmf_destroy(&f));
    PetscCall(ms_progress_update(&pr, k - kmin + 1));
  }
  PetscCall(ms_progress_end(&pr));
  /* elbow: the rank farthest below the chord from the first to the last error, both axes
     scaled to [0, 1] (the "kneedle" rule for a decreasing convex curve) */
  r->k = kmin;
  if (nk >= 3) {
    double best = -INFINITY, e0 = r->err[0], e1 = r->err[nk - 1], span = e0 - e1;
    for (int64_t i = 1; i < nk - 1; i++) {
      double t = (double)i / (double)(nk - 1), chord = 1.0 - t, e = span > 0 ? (r->err[i] - e1) / span : 0.0;
      if (chord - e > best) best = chord - e, r->k = kmin + i;
    }
  } else r->k = kmax;
  PetscCall(sims_nmf_rank(nmf, ds, r->k, &f));
  const int64_t k = r->k;
  PetscCall(PetscMalloc4(k * d, &r->H, k * n_ref + 1, &r->pearson, k, &r->match, r->n * k, &r->share));
  PetscCall(PetscArraycpy(r->H, f->H, k * d));
  for (int64_t c = 0; c < k; c++) {
    double best = -INFINITY;
    r->match[c] = -1;
    for (int64_t q = 0; q < n_ref; q++) {
      r->pearson[c * n_ref + q] = ms_sims_pearson(d, r->H + c * d, ref + q * d);
      if (r->pearson[c * n_ref + q] > best) best = r->pearson[c * n_ref + q], r->match[c] = q;
    }
    if (best < threshold) r->match[c] = -1;
  }
  {
    /* W lives in fixed row blocks; gather it (n x k is small) in global row order */
    PetscMPIInt size, *cnts, *displs, mine = (PetscMPIInt)(f->w_rows * k), start = (PetscMPIInt)(f->w_row_start * k);
    double     *hs;
    PetscCallMPI(MPI_Comm_size(ds->comm, &size));
    PetscCall(PetscMalloc3(size, &cnts, size, &displs, k, &hs));
    PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, cnts, 1, MPI_INT, ds->comm));
    PetscCallMPI(MPI_Allgather(&start, 1, MPI_INT, displs, 1, MPI_INT, ds->comm));
    PetscCallMPI(MPI_Allgatherv(f->W, mine, MPI_DOUBLE, r->share, cnts, displs, MPI_DOUBLE, ds->comm));
    /* share of component c in spectrum i: its part of the reconstructed total intensity */
    for (int64_t c = 0; c < k; c++) {
      hs[c] = 0;
      for (int64_t j = 0; j < d; j++) hs[c] += r->H[c * d + j];
    }
    for (int64_t i = 0; i < r->n; i++) {
      double tot = 0;
      for (int64_t c = 0; c < k; c++) tot += (r->share[i * k + c] *= hs[c]);
      for (int64_t c = 0; c < k; c++) r->share[i * k + c] = tot > 0 ? r->share[i * k + c] / tot : 0.0;
    }
    PetscCall(PetscFree3(cnts, displs, hs));
  }
  PetscCall(ms_nmf_destroy(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_nmf_result_free(ms_sims_nmf_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->err));
  PetscCall(PetscFree4(r->H, r->pearson, r->match, r->share));
  PetscFunctionReturn(0);
}
