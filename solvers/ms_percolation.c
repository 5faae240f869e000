/* ms_percolation.c - spanning-cluster detection on z-slabs (see ms_percolation.h). */
#include "ms_percolation.h"
#include "ms_bigarray.h"
#include <stdlib.h>

/* Path halving keeps the trees flat without recursion. */
static inline int32_t uf_find(int32_t *parent, int32_t i)
{
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i         = parent[i];
  }
  return i;
}

/* Union by smaller index: every root is the smallest index of its component, so the root's
 * global index is a label that is the same whichever order the unions came in. */
static inline void uf_union(int32_t *parent, int32_t a, int32_t b)
{
  a = uf_find(parent, a);
  b = uf_find(parent, b);
  if (a < b) parent[b] = a;
  else if (b < a) parent[a] = b;
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Sort and drop duplicates in place; returns the new length. */
static int64_t sort_unique(int64_t *a, int64_t n)
{
  if (n <= 1) return n;
  qsort(a, (size_t)n, sizeof *a, cmp_i64);
  int64_t m = 1;
  for (int64_t i = 1; i < n; i++)
    if (a[i] != a[m - 1]) a[m++] = a[i];
  return m;
}

/* Labels of the conducting voxels of one plane (-1 elsewhere), for the z-neighbours. */
static void plane_labels(const uint8_t *cond, int32_t *parent, const int64_t *label, int64_t nxy, int64_t plane_off,
                         int64_t *out)
{
  for (int64_t j = 0; j < nxy; j++) {
    int64_t li = plane_off + j;
    out[j]     = cond[li] ? label[uf_find(parent, (int32_t)li)] : -1;
  }
}

/* Lower the component labels of one boundary plane to the neighbour's where they touch. */
static int merge_plane(const uint8_t *cond, int32_t *parent, int64_t *label, int64_t nxy, int64_t plane_off,
                       const int64_t *ghost)
{
  int changed = 0;
  for (int64_t j = 0; j < nxy; j++) {
    int64_t li = plane_off + j;
    if (!cond[li] || ghost[j] < 0) continue;
    int32_t r = uf_find(parent, (int32_t)li);
    if (ghost[j] < label[r]) {
      label[r] = ghost[j];
      changed  = 1;
    }
  }
  return changed;
}

/* Unique labels of the conducting voxels on the face where coordinate `axis` equals c. */
static PetscErrorCode face_labels(MPI_Comm comm, int64_t nx, int64_t ny, int64_t z_start, int64_t nz_local, int axis,
                                  int64_t c, const uint8_t *cond, int32_t *parent, const int64_t *label,
                                  int64_t **out, int64_t *n_out)
{
  int64_t  nxy = nx * ny, cap = axis == 0 ? ny * nz_local : axis == 1 ? nx * nz_local : nxy, n = 0;
  int64_t *loc;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(cap > 0 ? cap : 1, &loc));
  for (int64_t k = 0; k < nz_local; k++) {
    if (axis == 2 && z_start + k != c) continue;
    for (int64_t j = 0; j < ny; j++) {
      if (axis == 1 && j != c) continue;
      for (int64_t i = 0; i < nx; i++) {
        if (axis == 0 && i != c) continue;
        int64_t li = (k * ny + j) * nx + i;
        if (cond[li]) loc[n++] = label[uf_find(parent, (int32_t)li)];
      }
    }
  }
  n = sort_unique(loc, n);

  PetscMPIInt size, nloc = (PetscMPIInt)n, *counts, *displs;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Allgather(&nloc, 1, MPI_INT, counts, 1, MPI_INT, comm));
  int64_t total = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck(total + counts[r] < INT32_MAX, comm, PETSC_ERR_SUP, "percolation: face label list too long for MPI counts");
    displs[r] = (PetscMPIInt)total;
    total += counts[r];
  }
  PetscCall(PetscMalloc1(total > 0 ? total : 1, out));
  PetscCallMPI(MPI_Allgatherv(loc, nloc, MPI_INT64_T, *out, counts, displs, MPI_INT64_T, comm));
  *n_out = sort_unique(*out, total);
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(loc));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_percolation_keep(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start,
                                   int64_t nz_local, int axis, const uint8_t *cond, uint8_t *keep,
                                   int64_t *n_conducting, int64_t *n_percolating)
{
  PetscFunctionBeginUser;
  PetscCall(ms_percolation_keep_axes(comm, nx, ny, nz, z_start, nz_local, 1, &axis, cond, &keep, n_conducting, n_percolating));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_percolation_keep_axes(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start,
                                        int64_t nz_local, int naxes, const int axes[], const uint8_t *cond, uint8_t *keep[],
                                        int64_t *n_conducting, int64_t n_percolating[])
{
  PetscMPIInt rank, size;
  int64_t     nxy = nx * ny, nloc = nz_local * nxy, gofs = z_start * nxy;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(naxes >= 1 && naxes <= 3, comm, MS_ERR_USER, "percolation: %d axes requested, expected 1 to 3", naxes);
  for (int a = 0; a < naxes; a++)
    PetscCheck(axes[a] >= 0 && axes[a] <= 2, comm, MS_ERR_USER, "percolation: axis %d is not 0 (x), 1 (y) or 2 (z)", axes[a]);
  PetscCheck(nz_local >= 1, PETSC_COMM_SELF, MS_ERR_USER,
             "percolation: rank %d holds no z-plane (nz = %lld on %d ranks); use at most nz ranks", rank, (long long)nz, size);
  PetscCheck(nloc < INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "percolation: %lld voxels on rank %d exceed the 2^31-1 union-find limit; use more ranks", (long long)nloc, rank);

  int32_t *parent;
  int64_t *label, *gh_lo, *gh_hi, *sd_lo, *sd_hi;
  /* Own mappings, not malloc: returned on free, so the 12 bytes per voxel are not resident
   * at the solver's later peak (ms_bigarray.h). */
  PetscCall(ms_bigarray_alloc(PETSC_COMM_SELF, (size_t)nloc * sizeof *parent, (void **)&parent));
  PetscCall(ms_bigarray_alloc(PETSC_COMM_SELF, (size_t)nloc * sizeof *label, (void **)&label));
  PetscCall(PetscMalloc4(nxy, &gh_lo, nxy, &gh_hi, nxy, &sd_lo, nxy, &sd_hi));

  /* Local components: join each conducting voxel to its -x, -y, -z neighbours. */
  int64_t ncond = 0;
  for (int64_t k = 0; k < nz_local; k++)
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++) {
        int32_t li = (int32_t)((k * ny + j) * nx + i);
        if (!cond[li]) { parent[li] = -1; continue; }
        parent[li] = li;
        ncond++;
        if (i > 0 && cond[li - 1]) uf_union(parent, li, li - 1);
        if (j > 0 && cond[li - nx]) uf_union(parent, li, (int32_t)(li - nx));
        if (k > 0 && cond[li - nxy]) uf_union(parent, li, (int32_t)(li - nxy));
      }
  for (int64_t li = 0; li < nloc; li++)
    if (cond[li] && parent[li] == (int32_t)li) label[li] = gofs + li;

  /* Global components: push the minimum label across slab boundaries until stable. */
  PetscMPIInt lo = rank > 0 ? rank - 1 : MPI_PROC_NULL, hi = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
  int         nxy_mpi = (int)nxy;
  PetscCheck(nxy < INT32_MAX, comm, PETSC_ERR_SUP, "percolation: a z-plane of %lld voxels is too large for MPI counts", (long long)nxy);
  for (int64_t j = 0; j < nxy; j++) gh_lo[j] = gh_hi[j] = -1;
  for (int changed = 1; changed && size > 1;) {
    plane_labels(cond, parent, label, nxy, 0, sd_lo);
    plane_labels(cond, parent, label, nxy, (nz_local - 1) * nxy, sd_hi);
    PetscCallMPI(MPI_Sendrecv(sd_hi, nxy_mpi, MPI_INT64_T, hi, 71, gh_lo, nxy_mpi, MPI_INT64_T, lo, 71, comm, MPI_STATUS_IGNORE));
    PetscCallMPI(MPI_Sendrecv(sd_lo, nxy_mpi, MPI_INT64_T, lo, 72, gh_hi, nxy_mpi, MPI_INT64_T, hi, 72, comm, MPI_STATUS_IGNORE));
    int local = 0;
    if (lo != MPI_PROC_NULL) local |= merge_plane(cond, parent, label, nxy, 0, gh_lo);
    if (hi != MPI_PROC_NULL) local |= merge_plane(cond, parent, label, nxy, (nz_local - 1) * nxy, gh_hi);
    PetscCallMPI(MPI_Allreduce(&local, &changed, 1, MPI_INT, MPI_LOR, comm));
  }

  /* Spanning clusters: labels present on both faces normal to each axis. The labelling above
   * does not depend on the axis; only this intersection does. Each voxel's root label is
   * resolved once (roots keep their own entry) and reused by every axis. */
  for (int64_t li = 0; li < nloc; li++)
    if (cond[li]) label[li] = label[uf_find(parent, (int32_t)li)];
  for (int a = 0; a < naxes; a++) {
    int      axis   = axes[a];
    int64_t  n_axis = axis == 0 ? nx : axis == 1 ? ny : nz, *in, *out, nin, nout;
    uint8_t *kp     = keep[a];
    PetscCall(face_labels(comm, nx, ny, z_start, nz_local, axis, 0, cond, parent, label, &in, &nin));
    PetscCall(face_labels(comm, nx, ny, z_start, nz_local, axis, n_axis - 1, cond, parent, label, &out, &nout));
    int64_t nspan = 0;
    for (int64_t x = 0, y = 0; x < nin && y < nout;) {
      if (in[x] < out[y]) x++;
      else if (out[y] < in[x]) y++;
      else { in[nspan++] = in[x]; x++; y++; }
    }
    /* Labels are sorted: remember the last lookup, consecutive voxels mostly share a cluster. */
    int64_t nkeep = 0, last = -1;
    uint8_t last_kept = 0;
    for (int64_t li = 0; li < nloc; li++) {
      kp[li] = 0;
      if (!cond[li] || !nspan) continue;
      int64_t l = label[li];
      if (l != last) {
        last      = l;
        last_kept = bsearch(&l, in, (size_t)nspan, sizeof l, cmp_i64) != NULL;
      }
      if (last_kept) { kp[li] = 1; nkeep++; }
    }
    int64_t loc2[2] = {ncond, nkeep}, glob2[2];
    PetscCallMPI(MPI_Allreduce(loc2, glob2, 2, MPI_INT64_T, MPI_SUM, comm));
    if (n_conducting) *n_conducting = glob2[0];
    if (n_percolating) n_percolating[a] = glob2[1];
    PetscCall(PetscFree(in));
    PetscCall(PetscFree(out));
  }

  PetscCall(PetscFree4(gh_lo, gh_hi, sd_lo, sd_hi));
  ms_bigarray_free(parent);
  ms_bigarray_free(label);
  PetscFunctionReturn(0);
}
