/* ms_image_resample.c - crop and resize of slab volumes. The output has its own slab
 * layout, so each rank fetches exactly the input planes its output planes need
 * (ms_image_fetch_planes) and works locally.
 */
#include "ms_image.h"
#include <math.h>
#include <string.h>

/* Copy "key=value" metadata and the voxel size from a to b. */
static PetscErrorCode copy_meta(ms_volume a, ms_volume b)
{
  PetscFunctionBeginUser;
  b->voxel_size = a->voxel_size;
  for (int i = 0; i < a->n_meta; i++) {
    const char *eq = strchr(a->meta[i], '=');
    if (!eq) continue;
    char key[256];
    size_t len = PetscMin((size_t)(eq - a->meta[i]), sizeof key - 1);
    memcpy(key, a->meta[i], len);
    key[len] = 0;
    PetscCall(ms_volume_set_meta(b, key, "%s", eq + 1));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_image_crop(ms_volume in, const int64_t start[3], const int64_t count[3], ms_volume *out)
{
  const int64_t n[3] = {in->nx, in->ny, in->nz};
  int64_t      *req;
  uint8_t      *planes;

  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++)
    if (start[i] < 0 || count[i] < 1 || start[i] + count[i] > n[i])
      SETERRQ(in->comm, MS_ERR_USER, "crop box %c: start %" PRId64 " size %" PRId64 " does not fit in the volume's extent %" PRId64, "xyz"[i], start[i],
              count[i], n[i]);
  PetscCall(ms_volume_create(in->comm, count[0], count[1], count[2], out));
  const int64_t nzl = (*out)->nz_local, plane = in->nx * in->ny;
  PetscCall(PetscMalloc1(nzl + 1, &req));
  PetscCall(PetscMalloc1(nzl * plane + 1, &planes));
  for (int64_t j = 0; j < nzl; j++) req[j] = start[2] + (*out)->z_start + j;
  PetscCall(ms_image_fetch_planes(in->comm, in->z_start, in->nz_local, (size_t)plane, in->data, nzl, req, planes));
  for (int64_t j = 0; j < nzl; j++)
    for (int64_t y = 0; y < count[1]; y++)
      memcpy((*out)->data + (j * count[1] + y) * count[0], planes + j * plane + (start[1] + y) * in->nx + start[0], (size_t)count[0]);
  PetscCall(PetscFree(planes));
  PetscCall(PetscFree(req));
  PetscCall(copy_meta(in, *out));
  PetscCall(ms_volume_set_meta(*out, "crop", "%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, start[0], start[1], start[2], count[0],
                               count[1], count[2]));
  PetscFunctionReturn(0);
}

/* Keys cubic convolution kernel, a = -0.5. */
static double keys(double x)
{
  x = fabs(x);
  if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

/* Taps (4 clamped input indices) and weights of output sample j of an axis n_in -> n_out. */
static void taps(int64_t j, int64_t n_in, int64_t n_out, int64_t idx[4], double w[4])
{
  const double  s  = ((double)j + 0.5) * (double)n_in / (double)n_out - 0.5;
  const int64_t i0 = (int64_t)floor(s);
  for (int k = 0; k < 4; k++) {
    const int64_t i = i0 - 1 + k;
    idx[k]          = i < 0 ? 0 : (i >= n_in ? n_in - 1 : i);
    w[k]            = keys(s - (double)i);
  }
}

PetscErrorCode ms_image_resize(ms_volume in, const int64_t n[3], PetscBool binary, ms_volume *out)
{
  int64_t *req, *tx, *ty;
  double  *wx, *wy;
  uint8_t *planes;

  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++)
    if (n[i] < 1) SETERRQ(in->comm, MS_ERR_USER, "resize: target extent %c = %" PRId64 " must be >= 1", "xyz"[i], n[i]);
  PetscCall(ms_volume_create(in->comm, n[0], n[1], n[2], out));
  const int64_t nzl = (*out)->nz_local, plane = in->nx * in->ny;
  /* Four input planes per output plane (repeats are cheap and keep the indexing simple). */
  PetscCall(PetscMalloc1(4 * nzl + 1, &req));
  PetscCall(PetscMalloc1(4 * nzl * plane + 1, &planes));
  double *wz;
  PetscCall(PetscMalloc1(4 * nzl + 1, &wz));
  for (int64_t j = 0; j < nzl; j++) taps((*out)->z_start + j, in->nz, n[2], req + 4 * j, wz + 4 * j);
  PetscCall(ms_image_fetch_planes(in->comm, in->z_start, in->nz_local, (size_t)plane, in->data, 4 * nzl, req, planes));
  PetscCall(PetscMalloc4(4 * n[0], &tx, 4 * n[0], &wx, 4 * n[1], &ty, 4 * n[1], &wy));
  for (int64_t j = 0; j < n[0]; j++) taps(j, in->nx, n[0], tx + 4 * j, wx + 4 * j);
  for (int64_t j = 0; j < n[1]; j++) taps(j, in->ny, n[1], ty + 4 * j, wy + 4 * j);
#pragma omp parallel
  {
    double *zp = malloc(sizeof(double) * (size_t)plane), *yp = malloc(sizeof(double) * (size_t)(n[1] * in->nx));
#pragma omp for schedule(static)
    for (int64_t j = 0; j < nzl; j++) {
      const uint8_t *p4 = planes + 4 * j * plane;
      for (int64_t i = 0; i < plane; i++) {
        double s = 0;
        for (int k = 0; k < 4; k++) s += wz[4 * j + k] * p4[k * plane + i];
        zp[i] = s;
      }
      for (int64_t y = 0; y < n[1]; y++)
        for (int64_t x = 0; x < in->nx; x++) {
          double s = 0;
          for (int k = 0; k < 4; k++) s += wy[4 * y + k] * zp[ty[4 * y + k] * in->nx + x];
          yp[y * in->nx + x] = s;
        }
      uint8_t *o = (*out)->data + j * n[0] * n[1];
      for (int64_t y = 0; y < n[1]; y++)
        for (int64_t x = 0; x < n[0]; x++) {
          double s = 0;
          for (int k = 0; k < 4; k++) s += wx[4 * x + k] * yp[y * in->nx + tx[4 * x + k]];
          if (binary) o[y * n[0] + x] = s >= 0.5;
          else o[y * n[0] + x] = (uint8_t)(s < 0 ? 0 : (s > 255 ? 255 : lround(s)));
        }
    }
    free(zp);
    free(yp);
  }
  PetscCall(PetscFree4(tx, wx, ty, wy));
  PetscCall(PetscFree(wz));
  PetscCall(PetscFree(planes));
  PetscCall(PetscFree(req));
  PetscCall(copy_meta(in, *out));
  (*out)->voxel_size = in->voxel_size > 0 ? in->voxel_size * (double)in->nx / (double)n[0] : 0;
  PetscCall(ms_volume_set_meta(*out, "resized_from", "%" PRId64 "x%" PRId64 "x%" PRId64 " (cubic convolution%s)", in->nx, in->ny, in->nz,
                               binary ? ", re-binarised at 0.5" : ""));
  PetscFunctionReturn(0);
}
