/* ms_bigarray.h - large per-voxel arrays as anonymous memory mappings of their own.
 *
 * Why not malloc: under Open MPI here freed malloc memory stays resident (a 200 MB malloc +
 * free leaves RSS unchanged), so an array needed only during set-up (percolation labels,
 * 12 bytes per voxel) would count at the solve's peak. A mapping is returned on free, and
 * its pages are zero and cost no memory until first touched, so an array allocated but
 * never written (a work vector PETSc creates and the solver does not use) costs nothing
 * (benchmarks/RESULTS.md "Scale: 500^3 and bytes per voxel").
 *
 * ms_bigarray_alloc: `bytes` zero bytes, 2 MiB-aligned, marked for transparent huge pages
 * (MADV_HUGEPAGE) when at least 4 MiB; owned by the caller, freed with ms_bigarray_free
 * (NULL is a no-op). Not collective; comm only names where an allocation failure is raised.
 */
#ifndef MS_BIGARRAY_H
#define MS_BIGARRAY_H

#include "ms_core.h"

PetscErrorCode ms_bigarray_alloc(MPI_Comm comm, size_t bytes, void **p);
void           ms_bigarray_free(void *p);

#endif
