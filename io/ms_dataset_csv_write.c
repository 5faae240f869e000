/* ms_dataset_csv_write.c - parallel, atomic CSV export; provenance in the PATH.meta.json
 * sidecar (ms_provenance.h), so the CSV itself is a plain table.
 * Column order: id (if any), features, target or class label. Numbers use %.17g so that
 * a CSV -> HDF5 -> CSV round trip is exact. */
#include "ms_csv.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_options.h"
#include "ms_provenance.h"
#include <errno.h>
#include <string.h>

typedef struct { char *p; size_t len, cap; } sbuf;

static PetscErrorCode sb_reserve(sbuf *b, size_t more)
{
  PetscFunctionBegin;
  if (b->len + more + 1 > b->cap) {
    size_t nc = PetscMax(2 * b->cap, b->len + more + 4096);
    char  *np = (char *)realloc(b->p, nc);
    PetscCheck(np, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory formatting CSV");
    b->p   = np;
    b->cap = nc;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode sb_field(sbuf *b, const char *s, int first)
{
  PetscFunctionBegin;
  size_t n = ms_csv_format_field(s, NULL);
  PetscCall(sb_reserve(b, n + 1));
  if (!first) b->p[b->len++] = ',';
  b->len += ms_csv_format_field(s, b->p + b->len);
  PetscFunctionReturn(0);
}

static PetscErrorCode sb_number(sbuf *b, double v, int first)
{
  PetscFunctionBegin;
  PetscCall(sb_reserve(b, 32));
  if (!first) b->p[b->len++] = ',';
  b->len += (size_t)snprintf(b->p + b->len, 32, "%.17g", v);
  PetscFunctionReturn(0);
}

static PetscErrorCode sb_text(sbuf *b, const char *s)
{
  PetscFunctionBegin;
  size_t n = strlen(s);
  PetscCall(sb_reserve(b, n));
  memcpy(b->p + b->len, s, n);
  b->len += n;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_write_csv(ms_dataset ds, const char *path)
{
  return ms_dataset_write_csv_inputs(ds, path, 0, NULL);
}

PetscErrorCode ms_dataset_write_csv_inputs(ms_dataset ds, const char *path, int n_inputs, char *const *inputs)
{
  PetscMPIInt rank, size;
  sbuf        b = {0};
  char        partial[PETSC_MAX_PATH_LEN + 16];
  PetscFunctionBegin;
  PetscCall(ms_output_check(ds->comm, path)); /* never replace an input */
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  snprintf(partial, sizeof partial, "%s.partial", path);
  if (!rank) { /* header */
    int first = 1;
    if (ds->ids) { PetscCall(sb_field(&b, ds->id_name, first)); first = 0; }
    for (int64_t j = 0; j < ds->n_features; j++) { PetscCall(sb_field(&b, ds->feature_names[j], first)); first = 0; }
    if (ds->target_name && (ds->y || ds->labels)) PetscCall(sb_field(&b, ds->target_name, first));
    PetscCall(sb_text(&b, "\n"));
  }
  for (int64_t i = 0; i < ds->n_local; i++) {
    int first = 1;
    if (ds->ids) { PetscCall(sb_field(&b, ds->ids[i], first)); first = 0; }
    for (int64_t j = 0; j < ds->n_features; j++) { PetscCall(sb_number(&b, ds->X[i * ds->n_features + j], first)); first = 0; }
    if (ds->labels) PetscCall(sb_field(&b, ds->class_names[ds->labels[i]], first));
    else if (ds->y) PetscCall(sb_number(&b, ds->y[i], first));
    PetscCall(sb_reserve(&b, 1));
    b.p[b.len++] = '\n';
  }

  long long mine = (long long)b.len, off = 0;
  PetscCallMPI(MPI_Exscan(&mine, &off, 1, MPI_LONG_LONG, MPI_SUM, ds->comm));
  if (!rank) off = 0;
  PetscCall(ms_output_register(partial));
  MPI_File fh;
  int      rc = MPI_File_open(ds->comm, partial, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
  PetscCheck(rc == MPI_SUCCESS, ds->comm, MS_ERR_FILE, "cannot create output file '%s' (does the directory exist and is it writable?)",
             partial);
  PetscCallMPI(MPI_File_set_size(fh, 0));
  /* MPI counts are int: write in pieces of at most 1 GiB. */
  for (size_t done = 0; done < b.len;) {
    int chunk = (int)PetscMin(b.len - done, (size_t)1 << 30);
    PetscCallMPI(MPI_File_write_at(fh, (MPI_Offset)(off + (long long)done), b.p + done, chunk, MPI_CHAR, MPI_STATUS_IGNORE));
    done += (size_t)chunk;
  }
  PetscCallMPI(MPI_File_close(&fh));
  free(b.p);
  PetscCall(ms_provenance_sidecar_begin(ds->comm, path, n_inputs, inputs));
  PetscCall(ms_provenance_sidecar_commit(ds->comm, path));
  int err = 0;
  if (!rank) err = rename(partial, path) ? errno : 0;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, ds->comm));
  PetscCheck(!err, ds->comm, MS_ERR_FILE, "cannot rename '%s' to '%s': %s", partial, path, strerror(err));
  PetscCall(ms_output_unregister(partial));
  PetscCall(ms_provenance_sidecar_done(ds->comm, path));
  PetscFunctionReturn(0);
}
