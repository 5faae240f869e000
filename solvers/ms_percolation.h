/* ms_percolation.h - which conducting voxels belong to a cluster that spans the volume.
 *
 * Parallel connected-component labelling (6-connectivity) of a mask distributed in z-slabs
 * (the layout of ms_volume: this rank holds z in [z_start, z_start + nz_local), all x, y).
 * Each rank labels its slab with a union-find whose roots are the smallest index of their
 * component; components are then merged across slab boundaries by exchanging the labels of
 * the first and last plane with the z-neighbours and keeping the minimum, repeated until an
 * Allreduce says no label changed (at most one round per slab boundary a component crosses).
 * Finally the labels present on the two faces normal to `axis` are gathered and intersected:
 * a voxel is kept when its cluster touches both faces.
 *
 * Memory: 12 bytes per local voxel (int32 parent + int64 label) during the call, returned to
 * the system on return (ms_bigarray.h). Collective over comm; every rank must hold nz_local >= 1 planes (a rank with no
 * plane would break the neighbour chain) and at most 2^31 - 1 local voxels.
 */
#ifndef MS_PERCOLATION_H
#define MS_PERCOLATION_H

#include "ms_core.h"

/* conducting[nz_local*ny*nx] (0/1, C order) in; keep[...] out (0/1), may not alias.
 * n_conducting / n_percolating: global counts (either may be NULL). */
PetscErrorCode ms_percolation_keep(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start,
                                   int64_t nz_local, int axis, const uint8_t *conducting, uint8_t *keep,
                                   int64_t *n_conducting, int64_t *n_percolating);

/* The same for several axes with one labelling (the labelling does not depend on the axis):
 * keep[a] receives the mask of axes[a] (a < naxes <= 3), n_percolating[a] its count (either
 * may be NULL). Used by ms_tortuosity_solve_axes, which shares its set-up across axes. */
PetscErrorCode ms_percolation_keep_axes(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start,
                                        int64_t nz_local, int naxes, const int axes[], const uint8_t *conducting,
                                        uint8_t *keep[], int64_t *n_conducting, int64_t n_percolating[]);

#endif
