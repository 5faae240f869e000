/* ms_h5.h - parallel HDF5 files as matscreen writes them: atomic, collective, with
 * provenance.
 *
 * Output files are created as NAME.partial with the MPI-IO driver on a communicator and
 * registered as pending (ms_error.h); ms_h5_commit() writes the provenance root
 * attributes, closes the file and renames it to NAME (rank 0, between barriers). On any
 * failure the .partial file is removed. A file opened for update in place (campaigns that
 * append rows) uses ms_h5_open_rw() instead and stays consistent by flushing after every
 * finished row.
 *
 * Provenance root attributes (all strings unless noted): matscreen_version, git_commit,
 * command_line, n_ranks (int), n_threads (int), start_utc, end_utc, and inputs
 * ("path (bytes); ..." for every file registered with ms_h5_add_input), and those of
 * ms_provenance.h: the resolved options (option_names/option_values, from the command line,
 * options files and PETSC_OPTIONS), input_files/input_sizes/input_mtimes_utc.
 *
 * All functions taking a file are collective over the file's communicator unless noted.
 */
#ifndef MS_H5_H
#define MS_H5_H

#include "ms_core.h"
#include <hdf5.h>

typedef struct ms_h5_file_s {
  MPI_Comm comm;
  hid_t    fid;
  char    *path;      /* final name */
  char    *partial;   /* NAME.partial while writing, NULL when opened in place */
  char    *inputs;    /* "a.csv (1234); b.h5 (99)" */
  int      n_inputs;  /* the same paths, one by one (ms_provenance_write_h5) */
  char   **input_paths;
  char     start_utc[32];
} *ms_h5_file;

PetscErrorCode ms_h5_create(MPI_Comm comm, const char *path, ms_h5_file *f);
PetscErrorCode ms_h5_commit(ms_h5_file *f);     /* provenance, close, rename; frees f   */
PetscErrorCode ms_h5_discard(ms_h5_file *f);    /* close and delete the partial file     */
PetscErrorCode ms_h5_open_read(MPI_Comm comm, const char *path, ms_h5_file *f);
PetscErrorCode ms_h5_open_rw(MPI_Comm comm, const char *path, ms_h5_file *f);
PetscErrorCode ms_h5_close(ms_h5_file *f);      /* for files opened read or rw           */
PetscErrorCode ms_h5_add_input(ms_h5_file f, const char *path);
/* Write the provenance attributes now (ms_h5_commit does it; rw files call it on update). */
PetscErrorCode ms_h5_write_provenance(ms_h5_file f);

/* One writer at a time for a file updated in place (label campaigns): rank 0 takes an
 * exclusive flock() on the sidecar PATH.lock (created if needed; it holds the holder's pid and
 * host for the message). A second run is refused with MS_ERR_FILE naming the holder. The lock
 * dies with the process, so a kill -9 never leaves a stale lock (the file stays, harmlessly).
 * flock works on local file systems and on NFS (Linux maps it to NFS byte-range locks);
 * Lustre needs the `flock` mount option: where the file system refuses locks (ENOLCK,
 * EOPNOTSUPP) the run warns and goes on unlocked. Collective; *fd is -1 on ranks > 0. */
PetscErrorCode ms_h5_lock(MPI_Comm comm, const char *path, int *fd);
/* Release: remove PATH.lock and close (after the file is closed). Collective. */
PetscErrorCode ms_h5_unlock(MPI_Comm comm, const char *path, int *fd);

/* Current UTC time as ISO 8601 ("2026-11-21T17:49:01Z"). Not collective. */
void ms_utc_now(char buf[32]);

/* Attribute helpers on any object (file, group, dataset). Collective for writes. */
PetscErrorCode ms_h5_attr_set_string(hid_t obj, const char *name, const char *value);
PetscErrorCode ms_h5_attr_set_double(hid_t obj, const char *name, double value);
PetscErrorCode ms_h5_attr_set_int(hid_t obj, const char *name, int64_t value);
PetscErrorCode ms_h5_attr_set_strings(hid_t obj, const char *name, int n, char *const *values);
/* Reads; a missing attribute is an error naming it unless the *_opt variant is used. */
PetscErrorCode ms_h5_attr_get_string(hid_t obj, const char *name, char **value); /* caller frees */
PetscErrorCode ms_h5_attr_get_double(hid_t obj, const char *name, double *value);
PetscErrorCode ms_h5_attr_get_int(hid_t obj, const char *name, int64_t *value);
PetscErrorCode ms_h5_attr_get_strings(hid_t obj, const char *name, int *n, char ***values); /* free with ms_strings_free */
PetscErrorCode ms_h5_attr_exists(hid_t obj, const char *name, PetscBool *exists);
void ms_strings_free(int n, char ***values);

/* Create every missing group along path ("/a/b/c"); returns the last one (H5Gclose it). */
PetscErrorCode ms_h5_group_ensure(hid_t loc, const char *path, hid_t *group);
PetscErrorCode ms_h5_link_exists(hid_t loc, const char *path, PetscBool *exists);

/* Scalar datasets (rank 0's value is written; collective). */
PetscErrorCode ms_h5_write_scalar_double(hid_t loc, const char *name, double value);
PetscErrorCode ms_h5_write_scalar_int(hid_t loc, const char *name, int64_t value);
PetscErrorCode ms_h5_read_scalar_double(hid_t loc, const char *name, double *value);
PetscErrorCode ms_h5_read_scalar_int(hid_t loc, const char *name, int64_t *value);

/* Row-sharded 2-D double matrix (n_global x ncols; this rank writes rows
 * [row_start, row_start + n_local)). ncols = 0 writes a 1-D dataset of n_global. */
PetscErrorCode ms_h5_write_rows_double(hid_t loc, const char *name, int64_t n_global, int64_t row_start,
                                       int64_t n_local, int64_t ncols, const double *data);
PetscErrorCode ms_h5_read_rows_double(hid_t loc, const char *name, int64_t row_start, int64_t n_local,
                                      int64_t ncols, double *data);
PetscErrorCode ms_h5_write_rows_int(hid_t loc, const char *name, int64_t n_global, int64_t row_start,
                                    int64_t n_local, const int64_t *data);
PetscErrorCode ms_h5_read_rows_int(hid_t loc, const char *name, int64_t row_start, int64_t n_local, int64_t *data);
/* Select the block start/count (rank dims) in the file space fs and all of the memory space
 * ms, or nothing in both when the block is empty (a rank that owns no rows still takes part
 * in a collective transfer). Not collective. */
void ms_h5_select_block(hid_t fs, hid_t ms, int rank, const hsize_t *start, const hsize_t *count);
/* Opaque byte blobs (a library's serialised model) as 1-D uint8 datasets; every rank holds
 * the same bytes (ms_h5_bytes.c). The read NUL-terminates the buffer (caller frees). */
PetscErrorCode ms_h5_write_bytes(hid_t loc, const char *name, size_t n, const void *data);
PetscErrorCode ms_h5_read_bytes(hid_t loc, const char *name, size_t *n, unsigned char **data);
/* Shape of a dataset: rank and dims (up to 3). */
PetscErrorCode ms_h5_dataset_shape(hid_t loc, const char *name, int *rank, int64_t dims[3]);

/* Open/close an HDF5 error report: HDF5's own stack printing is silenced; failures are
 * reported through PETSc with the file and object name. */
#define MS_H5CHK(expr, comm, ...) \
  do { if ((expr) < 0) SETERRQ((comm), MS_ERR_READ, __VA_ARGS__); } while (0)

#endif
