/* ms_campaign_impl.h - private to ms_campaign*.c: the campaign file opened for update. */
#ifndef MS_CAMPAIGN_IMPL_H
#define MS_CAMPAIGN_IMPL_H

#include "ms_campaign.h"
#include "ms_h5.h"

typedef struct {
  ms_h5_file f;
  hid_t      group;
  hid_t      dset[MS_CAMPAIGN_NCOLS];
  hid_t      xfer; /* independent transfers: one group's rank 0 writes its row alone */
  hid_t      last_run;     /* /labels/last_run, or -1 in files written before it existed */
  int64_t    rows_written; /* by this rank in this run */
} ms_campaign_file;

/* Open `path` read-write and every column dataset. Collective. */
PetscErrorCode ms_campaign_file_open_rw(MPI_Comm comm, const char *path, ms_campaign_file *cf);
/* Write row->index's result columns, then done = 1 (raw data only). Not collective: called
 * by the one rank that owns the row. */
PetscErrorCode ms_campaign_file_write_row(ms_campaign_file *cf, const ms_campaign_row *row);
/* Record this run in /labels/last_run (raw data in place, if it wrote rows) and close; no
 * HDF5 metadata is changed, so a kill at any moment leaves an openable file. Collective. */
PetscErrorCode ms_campaign_file_close(ms_campaign_file *cf);

#endif
