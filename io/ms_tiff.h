/* ms_tiff.h - 8-bit greyscale multi-page TIFF stacks (CT scans) <-> z-slab volumes, via
 * Debian's libtiff.
 *
 * A stack is one page (directory) per z-slice, all pages the same width x height, one
 * sample of 8 bits per pixel, stored in strips (tiled pages are rejected), any libtiff
 * compression. Page k becomes plane z = k; row y of a page is y of the volume. Greyscale is
 * read as stored (PHOTOMETRIC_MINISBLACK: 0 = black); a MINISWHITE page is inverted so that
 * 0 is always black. libtiff's own messages are captured and reported through PETSc errors
 * naming the file and page, never printed by libtiff.
 */
#ifndef MS_TIFF_H
#define MS_TIFF_H

#include "ms_core.h"
#include "ms_volume.h"

/* Validate every page of the stack and return its shape (width, height, pages). Rank-local
 * (each rank may call it; the checks are deterministic, so all ranks fail alike). Errors:
 * MS_ERR_FILE (missing/unreadable), MS_ERR_READ (not 8-bit greyscale, tiled, pages of
 * different size, no page). */
PetscErrorCode ms_tiff_info(MPI_Comm comm, const char *path, int64_t *nx, int64_t *ny, int64_t *nz);

/* Collective on comm: read the stack into a new z-slab volume (each rank reads only the
 * pages of its slab). Records "source" in the volume's metadata. */
PetscErrorCode ms_tiff_read(MPI_Comm comm, const char *path, ms_volume *v);

/* Rank-local: write nz pages of nx x ny 8-bit greyscale (data in C order [z][y][x]),
 * uncompressed, to path (for tests and export). */
PetscErrorCode ms_tiff_write(const char *path, int64_t nx, int64_t ny, int64_t nz, const uint8_t *data);

#endif
