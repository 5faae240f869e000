/* ms_micro_s2.c - two-point correlation of the pore phase by FFT over MPI (FFTW's MPI
 * interface; definitions and estimators in ms_micro.h).
 *
 * FFTW splits the first dimension (z) of the real grid in its own blocks (as large as
 * possible, the last short), ms_volume in balanced blocks (the first nz % P one plane
 * larger); the padded grid has twice the planes. So the pore indicator is moved once, as
 * uint8 planes in one MPI_Alltoallv, into FFTW's slabs. The transforms run in place, with
 * the transposed output / input that skips FFTW's two global transposes: |F|^2 is pointwise,
 * so its layout does not matter. FFTW_ESTIMATE plans: measured plans would time candidates
 * on a loaded machine and need not be reproducible; the results are rounded pair counts, the
 * same for any plan.
 */
#include "ms_micro.h"
#include <fftw3-mpi.h>
#include <string.h>
#include <math.h>

/* Move planes [z_start, z_start + nz_local) of v into FFTW's slab [f0, f0 + fn) of the grid
 * (planes >= nz are padding: not received). buf gets min(f0 + fn, nz) - f0 planes. */
static PetscErrorCode redistribute(ms_volume v, ptrdiff_t f0, ptrdiff_t fn, uint8_t *buf)
{
  PetscMPIInt  size;
  int64_t      mine[4] = {v->z_start, v->nz_local, (int64_t)f0, (int64_t)fn}, *all;
  int         *sc, *sd, *rc, *rd;
  MPI_Datatype plane;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(v->comm, &size));
  PetscCall(PetscMalloc1(4 * size, &all));
  PetscCall(PetscMalloc4(size, &sc, size, &sd, size, &rc, size, &rd));
  PetscCallMPI(MPI_Allgather(mine, 4, MPI_INT64_T, all, 4, MPI_INT64_T, v->comm));
  for (int q = 0; q < size; q++) {
    /* send: my volume planes inside q's FFTW slab; receive: q's volume planes inside mine */
    int64_t s0 = PetscMax(v->z_start, all[4 * q + 2]), s1 = PetscMin(v->z_start + v->nz_local, all[4 * q + 2] + all[4 * q + 3]);
    int64_t r0 = PetscMax(all[4 * q], (int64_t)f0), r1 = PetscMin(all[4 * q] + all[4 * q + 1], (int64_t)(f0 + fn));
    sc[q] = s1 > s0 ? (int)(s1 - s0) : 0;
    sd[q] = s1 > s0 ? (int)(s0 - v->z_start) : 0;
    rc[q] = r1 > r0 ? (int)(r1 - r0) : 0;
    rd[q] = r1 > r0 ? (int)(r0 - f0) : 0;
  }
  PetscCheck(v->nx * v->ny < INT_MAX, v->comm, MS_ERR_USER, "S2: a z-plane of %lld x %lld voxels exceeds one MPI datatype", (long long)v->nx,
             (long long)v->ny);
  PetscCallMPI(MPI_Type_contiguous((int)(v->nx * v->ny), MPI_UINT8_T, &plane));
  PetscCallMPI(MPI_Type_commit(&plane));
  PetscCallMPI(MPI_Alltoallv(v->data, sc, sd, plane, buf, rc, rd, plane, v->comm));
  PetscCallMPI(MPI_Type_free(&plane));
  PetscCall(PetscFree4(sc, sd, rc, rd));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* Signed lag of grid index i (grid size g, data size n); INT64_MAX when outside |lag| <= n/2. */
static int64_t lag_of(int64_t i, int64_t g, int64_t n)
{
  int64_t d = g == n ? (i <= n / 2 ? i : i - n) : (i < n ? i : i - g);
  return (d <= n / 2 && -d <= n / 2) ? d : INT64_MAX;
}

PetscErrorCode ms_micro_s2_compute(ms_volume v, ms_micro_boundary b, ms_micro_s2 *s)
{
  const int64_t n[3] = {v->nx, v->ny, v->nz}, k = b == MS_MICRO_PADDED ? 2 : 1;
  const int64_t g[3] = {k * n[0], k * n[1], k * n[2]}, gh = g[0] / 2 + 1, ntot = n[0] * n[1] * n[2];
  const double  ngrid = (double)g[0] * (double)g[1] * (double)g[2];
  ptrdiff_t     ln0, l0s, ln1, l1s, alloc;
  double       *in, t0, t1, t2;
  uint8_t      *buf;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof *s));
  fftw_mpi_init(); /* idempotent */
  alloc = fftw_mpi_local_size_3d_transposed(g[2], g[1], gh, v->comm, &ln0, &l0s, &ln1, &l1s);
  in    = fftw_alloc_real(2 * (size_t)PetscMax(alloc, 1));
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_MEM, "S2: cannot allocate %.3g GB for the FFT of a %lld x %lld x %lld grid",
             2.0 * (double)alloc * 8 / 1e9, (long long)g[0], (long long)g[1], (long long)g[2]);
  fftw_complex *out = (fftw_complex *)in;
  fftw_plan     fwd = fftw_mpi_plan_dft_r2c_3d(g[2], g[1], g[0], in, out, v->comm, FFTW_ESTIMATE | FFTW_MPI_TRANSPOSED_OUT);
  fftw_plan     bwd = fftw_mpi_plan_dft_c2r_3d(g[2], g[1], g[0], out, in, v->comm, FFTW_ESTIMATE | FFTW_MPI_TRANSPOSED_IN);
  PetscCheck(fwd && bwd, PETSC_COMM_SELF, PETSC_ERR_LIB, "S2: FFTW could not plan the %lld x %lld x %lld transform", (long long)g[0],
             (long long)g[1], (long long)g[2]);

  /* Pore indicator into FFTW's slab (rows padded to 2 * gh reals). */
  const int64_t ndata = PetscMax(0, PetscMin((int64_t)(l0s + ln0), n[2]) - (int64_t)l0s);
  PetscCall(PetscMalloc1(PetscMax(ndata * n[0] * n[1], 1), &buf));
  t0 = MPI_Wtime();
  PetscCall(redistribute(v, l0s, ln0, buf));
  memset(in, 0, sizeof(double) * 2 * (size_t)PetscMax(alloc, 1));
  for (int64_t z = 0; z < ndata; z++)
    for (int64_t y = 0; y < n[1]; y++)
      for (int64_t x = 0; x < n[0]; x++) in[(z * g[1] + y) * 2 * gh + x] = buf[(z * n[1] + y) * n[0] + x] == 0;
  PetscCall(PetscFree(buf));
  t1 = MPI_Wtime();
  fftw_execute(fwd);
  for (ptrdiff_t i = 0; i < (ptrdiff_t)ln1 * g[2] * gh; i++) {
    in[2 * i]     = in[2 * i] * in[2 * i] + in[2 * i + 1] * in[2 * i + 1]; /* (re, im) pairs, whatever fftw_complex is */
    in[2 * i + 1] = 0;
  }
  fftw_execute(bwd);
  t2 = MPI_Wtime();
  fftw_destroy_plan(fwd);
  fftw_destroy_plan(bwd);

  /* Pair counts per lag: axes (lags >= 0) and radial shells. Every lag lives on one rank. */
  const int64_t nr = PetscMin(n[0], PetscMin(n[1], n[2])) / 2 + 1;
  int64_t       na[3], off[3], nsum;
  int64_t      *cnt; /* [axis x | y | z | shell C | shell pairs | shell lags] */
  double        resid = 0;
  for (int a = 0; a < 3; a++) na[a] = n[a] / 2 + 1;
  off[0] = 0;
  off[1] = na[0];
  off[2] = na[0] + na[1];
  nsum   = na[0] + na[1] + na[2];
  PetscCall(PetscCalloc1(nsum + 3 * nr, &cnt));
  for (int64_t zl = 0; zl < (int64_t)ln0; zl++) {
    const int64_t dz = lag_of(l0s + zl, g[2], n[2]);
    if (dz == INT64_MAX) continue;
    for (int64_t y = 0; y < g[1]; y++) {
      const int64_t dy = lag_of(y, g[1], n[1]);
      if (dy == INT64_MAX) continue;
      const double *row = in + (zl * g[1] + y) * 2 * gh;
      for (int64_t x = 0; x < g[0]; x++) {
        const int64_t dx = lag_of(x, g[0], n[0]);
        if (dx == INT64_MAX) continue;
        const double  c  = row[x] / ngrid, rc = nearbyint(c);
        const int64_t C  = (int64_t)rc;
        const int64_t pr = b == MS_MICRO_PERIODIC ? ntot : (n[0] - llabs(dx)) * (n[1] - llabs(dy)) * (n[2] - llabs(dz));
        resid            = PetscMax(resid, fabs(c - rc));
        if (!dy && !dz && dx >= 0) cnt[off[0] + dx] = C;
        if (!dx && !dz && dy >= 0) cnt[off[1] + dy] = C;
        if (!dx && !dy && dz >= 0) cnt[off[2] + dz] = C;
        const int64_t sh = (int64_t)nearbyint(sqrt((double)(dx * dx + dy * dy + dz * dz)));
        if (sh < nr) {
          cnt[nsum + sh] += C;
          cnt[nsum + nr + sh] += pr;
          cnt[nsum + 2 * nr + sh]++;
        }
      }
    }
  }
  fftw_free(in);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)(nsum + 3 * nr), MPI_INT64_T, MPI_SUM, v->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &resid, 1, MPI_DOUBLE, MPI_MAX, v->comm));
  PetscCheck(resid < 0.25, v->comm, PETSC_ERR_FP,
             "S2: the FFT pair counts are off integers by %.3g (> 0.25): the volume is too large for double precision", resid);
  for (int a = 0; a < 3; a++) {
    s->n_axis[a] = na[a];
    PetscCall(PetscMalloc1(na[a], &s->axis[a]));
    for (int64_t r = 0; r < na[a]; r++) {
      /* pairs at lag r along axis a (padded: the window shrinks along a only) */
      const double pr = b == MS_MICRO_PERIODIC ? (double)ntot : (double)(ntot / n[a]) * (double)(n[a] - r);
      s->axis[a][r]   = (double)cnt[off[a] + r] / pr;
    }
  }
  s->n_radial = nr;
  PetscCall(PetscMalloc2(nr, &s->radial, nr, &s->shell_lags));
  for (int64_t r = 0; r < nr; r++) {
    s->radial[r]     = (double)cnt[nsum + r] / (double)cnt[nsum + nr + r];
    s->shell_lags[r] = cnt[nsum + 2 * nr + r];
  }
  PetscCall(PetscFree(cnt));
  double tm[2] = {t2 - t1, t1 - t0};
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tm, 2, MPI_DOUBLE, MPI_MAX, v->comm));
  s->round_residual       = resid;
  s->fft_seconds          = tm[0];
  s->setup_seconds = tm[1];
  PetscFunctionReturn(0);
}

void ms_micro_s2_free(ms_micro_s2 *s)
{
  for (int a = 0; a < 3; a++) PetscFree(s->axis[a]);
  PetscFree2(s->radial, s->shell_lags);
}

int64_t ms_micro_s2_n_features(const ms_micro_s2 *s) { return s->n_axis[0] + s->n_axis[1] + s->n_axis[2]; }

PetscErrorCode ms_micro_s2_features(const ms_micro_s2 *s, double *f, char ***names)
{
  const char ax[3] = {'x', 'y', 'z'};
  int64_t    j     = 0;
  PetscFunctionBegin;
  if (names) PetscCall(PetscMalloc1(ms_micro_s2_n_features(s), names));
  for (int a = 0; a < 3; a++)
    for (int64_t r = 0; r < s->n_axis[a]; r++, j++) {
      if (f) f[j] = s->axis[a][r];
      if (names) {
        char nm[64];
        PetscCall(PetscSNPrintf(nm, sizeof nm, "s2_%c_%lld", ax[a], (long long)r));
        PetscCall(PetscStrallocpy(nm, &(*names)[j]));
      }
    }
  PetscFunctionReturn(0);
}
