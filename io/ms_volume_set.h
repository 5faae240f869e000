/* ms_volume_set.h - a list of volumes named on the command line, resolved to single volumes.
 *
 * An input entry is one of
 *   file.tif | file.tiff      an 8-bit TIFF stack (ms_tiff.h): one volume
 *   file.h5                   the dataset `default_dataset` (e.g. /volume, as `generate` and
 *                             `segment` write it) when present, else the group /structures of a
 *                             `generate -batch` file: all its volumes in name order, skipping
 *                             those that /parameters/done marks unfinished
 *   file.h5:/path             that dataset, or every 3-D dataset of that group in name order
 *   a glob pattern (*, ?, [)  every matching file, sorted, each resolved as above
 * Each volume gets a name "file" or "file:/path" (the sample id of its output row).
 * Why a `generate -batch` file is the natural set: it is where matscreen stores many structures
 * (/structures/NNNNNN, parameters in /parameters); a `label` campaign file keeps only each
 * structure's parameters and seed (/labels), not its voxels, so its structures are described by
 * regenerating them (`generate -params` from the same table) and passing that batch file.
 *
 * Resolution opens every file (collective over comm; errors name the entry and what the file
 * holds); volumes are read one at a time with ms_volume_set_load (z-slabs over comm). The set
 * owns every string.
 */
#ifndef MS_VOLUME_SET_H
#define MS_VOLUME_SET_H

#include "ms_core.h"
#include "ms_volume.h"

typedef struct ms_volume_set_s {
  int64_t n;
  char  **names;    /* "file" or "file:/dataset" */
  char  **files;
  char  **datasets; /* NULL entry for TIFF */
  int64_t *shape;   /* nx, ny, nz of volume i at 3 i (read at resolution, so shapes are known before any work) */
  int     n_files;
  char  **file_list; /* distinct files, in order (provenance inputs) */
} *ms_volume_set;

PetscErrorCode ms_volume_set_resolve(MPI_Comm comm, int n_inputs, char *const *inputs, const char *default_dataset, ms_volume_set *set);
PetscErrorCode ms_volume_set_load(MPI_Comm comm, ms_volume_set set, int64_t i, ms_volume *v);
PetscErrorCode ms_volume_set_destroy(ms_volume_set *set);

#endif
