/* ms_volume.h - 3-D voxel volumes (membranes, CT segmentations).
 *
 * Voxels are uint8 in C order [z][y][x] (h5py shape (nz, ny, nx)); 0 = pore, 1 = solid
 * for segmented volumes (grey levels 0..255 for raw CT). A volume lives on a
 * communicator split into z-slabs: this rank holds z in [z_start, z_start + nz_local),
 * all of x and y. On one rank (or a sub-communicator of one) it is the whole volume.
 *
 * Attributes (HDF5 dataset attributes, written by ms_volume_write_h5): voxel_size (double,
 * micrometres; 0 = unknown) with voxel_size_units "um", units "1" (phase labels), and free
 * key/value metadata such as generator parameters and seed, kept in `meta` ("key=value"
 * strings; written as int64 / uint64 / double attributes when the value is a decimal number,
 * else as a string; a quantity with a unit carries a sibling "<key>_units").
 *
 * ms_volume_read_box() reads any hyperslab collectively, so a solver can read exactly the
 * box its PETSc DMDA owns without going through slabs.
 */
#ifndef MS_VOLUME_H
#define MS_VOLUME_H

#include "ms_core.h"
#include <hdf5.h>

typedef struct ms_volume_s {
  MPI_Comm  comm;
  int64_t   nx, ny, nz;          /* global */
  int64_t   z_start, nz_local;   /* this rank's slab */
  uint8_t  *data;                /* nz_local * ny * nx */
  double    voxel_size;          /* micrometres, 0 = unknown */
  int       n_meta;
  char    **meta;                /* "key=value" */
} *ms_volume;

PetscErrorCode ms_volume_create(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, ms_volume *v);
PetscErrorCode ms_volume_destroy(ms_volume *v);
PetscErrorCode ms_volume_set_meta(ms_volume v, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Value of key or NULL (not owned by the caller). */
const char *ms_volume_get_meta(ms_volume v, const char *key);

/* Porosity: fraction of voxels equal to `phase` (global, collective). */
PetscErrorCode ms_volume_fraction(ms_volume v, uint8_t phase, double *fraction);

PetscErrorCode ms_volume_write_h5(ms_volume v, hid_t loc, const char *dataset);
PetscErrorCode ms_volume_read_h5(MPI_Comm comm, hid_t loc, const char *dataset, ms_volume *v);
/* Shape (nx, ny, nz) of a volume dataset without reading it. */
PetscErrorCode ms_volume_shape_h5(hid_t loc, const char *dataset, int64_t *nx, int64_t *ny, int64_t *nz);
/* Collective hyperslab read: start/count in (x, y, z) order; buf is count_z*count_y*count_x. */
PetscErrorCode ms_volume_read_box(hid_t loc, const char *dataset, const int64_t start[3], const int64_t count[3], uint8_t *buf);

/* Whole file convenience: open `path` (HDF5) on comm and read `dataset`; or write a new file
 * atomically with provenance (ms_h5_create/commit). */
PetscErrorCode ms_volume_load(MPI_Comm comm, const char *path, const char *dataset, ms_volume *v);
PetscErrorCode ms_volume_save(ms_volume v, const char *path, const char *dataset);

/* Raw bytes (nz*ny*nx uint8, C order, no header) - read on comm into slabs. */
PetscErrorCode ms_volume_read_raw(MPI_Comm comm, const char *path, int64_t nx, int64_t ny, int64_t nz, ms_volume *v);

#endif
