/* ms_image.c - separable Gaussian filter on z-slabs and the plane exchange it (and crop and
 * resize) use. Kernel and boundary conventions are SciPy's; see ms_image.h.
 */
#include "ms_image.h"
#include <math.h>
#include <string.h>

int ms_image_gaussian_radius(double sigma, double truncate) { return (int)(truncate * sigma + 0.5); }

PetscErrorCode ms_image_gaussian_weights(double sigma, double truncate, int *radius, double **w)
{
  PetscFunctionBeginUser;
  if (!(sigma > 0) || !(truncate > 0))
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "Gaussian filter: sigma %g and truncate %g must be positive", sigma, truncate);
  const int r = ms_image_gaussian_radius(sigma, truncate);
  double    s = 0;
  PetscCall(PetscMalloc1(2 * r + 1, w));
  for (int k = -r; k <= r; k++) s += ((*w)[k + r] = exp(-0.5 * (double)k * k / (sigma * sigma)));
  for (int k = 0; k <= 2 * r; k++) (*w)[k] /= s;
  *radius = r;
  PetscFunctionReturn(0);
}

static inline int64_t bc_index(int64_t i, int64_t n, ms_image_boundary bc)
{
  if (bc == MS_IMAGE_WRAP) {
    i %= n;
    return i < 0 ? i + n : i;
  }
  return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/* Filter every line of length n (stride `stride` between samples) of `count` lines starting
   at line offsets base + l * lstride. tmp holds n + 2r doubles. */
static void filter_lines(float *data, int64_t n, int64_t stride, int64_t count, int64_t lstride, const double *w, int r,
                         ms_image_boundary bc, double *tmp)
{
  for (int64_t l = 0; l < count; l++) {
    float *line = data + l * lstride;
    for (int64_t i = -r; i < n + r; i++) tmp[i + r] = line[bc_index(i, n, bc) * stride];
    for (int64_t i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k <= 2 * r; k++) s += w[k] * tmp[i + k];
      line[i * stride] = (float)s;
    }
  }
}

static PetscErrorCode xy_pass(int64_t nx, int64_t ny, int64_t np, float *data, const double *w, int r, ms_image_boundary bc)
{
  PetscFunctionBeginUser;
#pragma omp parallel
  {
    double *tmp = malloc(sizeof(double) * (size_t)(PetscMax(nx, ny) + 2 * r));
#pragma omp for schedule(static)
    for (int64_t z = 0; z < np; z++) {
      float *plane = data + z * nx * ny;
      filter_lines(plane, nx, 1, ny, nx, w, r, bc, tmp); /* rows along x */
      filter_lines(plane, ny, nx, nx, 1, w, r, bc, tmp); /* columns along y */
    }
    free(tmp);
  }
  PetscFunctionReturn(0);
}

/* dst plane j = sum_k w_k src plane (j + halo + k - r), j in [0, nzl). */
static void z_pass(int64_t plane, int64_t nzl, int halo, const float *src, float *dst, const double *w, int r)
{
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < nzl; j++) {
    float *out = dst + j * plane;
    for (int64_t i = 0; i < plane; i++) {
      double s = 0;
      for (int k = 0; k <= 2 * r; k++) s += w[k] * src[(j + halo + k - r) * plane + i];
      out[i] = (float)s;
    }
  }
}

PetscErrorCode ms_image_gaussian_local(int64_t nx, int64_t ny, int64_t nzh, int halo, float *data, double sigma, double truncate,
                                       ms_image_boundary bc)
{
  int     r;
  double *w;
  float  *out;

  PetscFunctionBeginUser;
  PetscCall(ms_image_gaussian_weights(sigma, truncate, &r, &w));
  if (halo < r) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Gaussian filter: halo %d is smaller than the kernel radius %d", halo, r);
  const int64_t plane = nx * ny, nzl = nzh - 2 * halo;
  PetscCall(xy_pass(nx, ny, nzh, data, w, r, bc));
  if (nzl > 0) {
    PetscCall(PetscMalloc1(nzl * plane, &out));
    z_pass(plane, nzl, halo, data, out, w, r);
    PetscCall(PetscArraycpy(data + halo * plane, out, nzl * plane));
    PetscCall(PetscFree(out));
  }
  PetscCall(PetscFree(w));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_image_gaussian_slab(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start, int64_t nz_local, float *data,
                                      double sigma, double truncate, ms_image_boundary bc)
{
  int      r;
  double  *w;
  float   *halo;
  int64_t *req;

  PetscFunctionBeginUser;
  PetscCall(ms_image_gaussian_weights(sigma, truncate, &r, &w));
  const int64_t plane = nx * ny, nreq = nz_local > 0 ? nz_local + 2 * r : 0;
  PetscCall(xy_pass(nx, ny, nz_local, data, w, r, bc));
  PetscCall(PetscMalloc1(nreq + 1, &req));
  PetscCall(PetscMalloc1(nreq * plane + 1, &halo));
  for (int64_t j = 0; j < nreq; j++) req[j] = bc_index(z_start - r + j, nz, bc);
  /* Every rank takes part even with no planes: the exchange is collective. */
  PetscCall(ms_image_fetch_planes(comm, z_start, nz_local, (size_t)plane * sizeof(float), data, nreq, req, halo));
  if (nz_local > 0) z_pass(plane, nz_local, r, halo, data, w, r);
  PetscCall(PetscFree(req));
  PetscCall(PetscFree(halo));
  PetscCall(PetscFree(w));
  PetscFunctionReturn(0);
}

static int owner_of(int64_t z, int size, const int64_t *zs, const int64_t *nl)
{
  for (int q = 0; q < size; q++)
    if (z >= zs[q] && z < zs[q] + nl[q]) return q;
  return -1;
}

PetscErrorCode ms_image_fetch_planes(MPI_Comm comm, int64_t z_start, int64_t nz_local, size_t plane_bytes, const void *src, int64_t n_req,
                                     const int64_t *req, void *dst)
{
  PetscMPIInt  size;
  int64_t      mine[2] = {z_start, nz_local}, *lay, *zs, *nl, *nreq, *allreq;
  int         *cnt, *off, *scount, *sdispl, *rcount, *rdispl;
  char        *sbuf;
  MPI_Datatype ptype;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc4(2 * size, &lay, size, &zs, size, &nl, size, &nreq));
  PetscCallMPI(MPI_Allgather(mine, 2, MPI_INT64_T, lay, 2, MPI_INT64_T, comm));
  for (int q = 0; q < size; q++) { zs[q] = lay[2 * q]; nl[q] = lay[2 * q + 1]; }
  PetscCallMPI(MPI_Allgather(&n_req, 1, MPI_INT64_T, nreq, 1, MPI_INT64_T, comm));
  PetscCall(PetscMalloc2(size, &cnt, size, &off));
  PetscCall(PetscMalloc4(size, &scount, size, &sdispl, size, &rcount, size, &rdispl));
  int64_t total = 0;
  for (int q = 0; q < size; q++) {
    if (total + nreq[q] > INT32_MAX) SETERRQ(comm, PETSC_ERR_SUP, "plane exchange: more than 2^31 plane requests");
    off[q] = (int)total;
    cnt[q] = (int)nreq[q];
    total += nreq[q];
  }
  PetscCall(PetscMalloc1(total + 1, &allreq));
  PetscCallMPI(MPI_Allgatherv(req, (int)n_req, MPI_INT64_T, allreq, cnt, off, MPI_INT64_T, comm));

  /* Rank q's requests that this rank owns, packed in q's request order. */
  int64_t nsend = 0;
  for (int q = 0; q < size; q++) {
    sdispl[q] = (int)nsend;
    scount[q] = 0;
    for (int64_t j = 0; j < nreq[q]; j++) {
      const int64_t z = allreq[off[q] + j];
      if (owner_of(z, size, zs, nl) < 0) SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "plane exchange: plane %" PRId64 " is owned by no rank", z);
      if (z >= z_start && z < z_start + nz_local) scount[q]++;
    }
    nsend += scount[q];
  }
  PetscCall(PetscMalloc1(nsend * plane_bytes + 1, &sbuf));
  for (int q = 0, m = 0; q < size; q++)
    for (int64_t j = 0; j < nreq[q]; j++) {
      const int64_t z = allreq[off[q] + j];
      if (z >= z_start && z < z_start + nz_local) memcpy(sbuf + (size_t)(m++) * plane_bytes, (const char *)src + (size_t)(z - z_start) * plane_bytes, plane_bytes);
    }
  /* This rank's requests grouped by owner; each owner sends them in our request order. */
  for (int q = 0; q < size; q++) rcount[q] = 0;
  for (int64_t j = 0; j < n_req; j++) rcount[owner_of(req[j], size, zs, nl)]++;
  for (int q = 0, acc = 0; q < size; q++) { rdispl[q] = acc; acc += rcount[q]; }
  char *rbuf;
  PetscCall(PetscMalloc1(n_req * plane_bytes + 1, &rbuf));
  PetscCallMPI(MPI_Type_contiguous((int)plane_bytes, MPI_BYTE, &ptype));
  PetscCallMPI(MPI_Type_commit(&ptype));
  PetscCallMPI(MPI_Alltoallv(sbuf, scount, sdispl, ptype, rbuf, rcount, rdispl, ptype, comm));
  PetscCallMPI(MPI_Type_free(&ptype));
  for (int q = 0; q < size; q++) cnt[q] = rdispl[q]; /* reuse as cursors */
  for (int64_t j = 0; j < n_req; j++) {
    const int o = owner_of(req[j], size, zs, nl);
    memcpy((char *)dst + (size_t)j * plane_bytes, rbuf + (size_t)(cnt[o]++) * plane_bytes, plane_bytes);
  }
  PetscCall(PetscFree(rbuf));
  PetscCall(PetscFree(sbuf));
  PetscCall(PetscFree(allreq));
  PetscCall(PetscFree4(scount, sdispl, rcount, rdispl));
  PetscCall(PetscFree2(cnt, off));
  PetscCall(PetscFree4(lay, zs, nl, nreq));
  PetscFunctionReturn(0);
}
