/* ms_campaign.h - label campaigns: generate and solve N membranes (tortuosity along x, y, z),
 * many at once, restartable at any moment (issue 3 point 4, issue 4).
 *
 * Output layout (one HDF5 file, h5py: f["labels/tau_x"][i] is row i):
 *   /labels/<column>  1-D datasets of length N, contiguous, allocated when the file is created.
 *     parameters: index, seed (uint64, the structure seed), n_points, radius, stretch_x,
 *                 stretch_y, stretch_z, nx, ny, nz               (written at creation)
 *     results:    porosity, percolating_porosity_x/_y/_z, tau_x, tau_y, tau_z (inf when the
 *                 axis does not percolate: a result, not an error), iterations_x/_y/_z,
 *                 seconds (generation + three solves, wall time of the group)
 *     done:       int8, 1 once the row's results are on disk
 *   /labels attributes: campaign_definition (one exact line: N, user seed, size and every base
 *     parameter, ranges or the -params table's hash, tortuosity options; compared as a whole
 *     on restart and by merge), n_rows, user_seed, feature_columns (generator parameters: the
 *     default features of train/cv/predict), target_columns (measured results); every column
 *     has a `units` attribute.
 *   /labels/last_run: fixed-length string (4096 bytes) naming the run that last wrote rows
 *     (version, start/end UTC, ranks, rows written, command line).
 *   Root attributes: provenance (ms_h5.h) of the run that created the file.
 *
 * Why it survives a kill at any moment: the file is created complete (all datasets; results
 * NaN, iterations -1, done 0; parameter columns) as OUT.partial and renamed
 * (ms_h5_create/commit), so a kill during creation leaves no OUT. After that, a run only
 * overwrites raw data in place (independent MPI-IO writes of single elements, no HDF5
 * metadata change): first a row's result columns, then its done flag. A row with done = 0
 * is redone on the next run; a row with done = 1 has all its results. The end-of-run record
 * (/labels/last_run) is raw data in place too: no HDF5 metadata changes after creation
 * (tests/cli/kill_writes.sh kills the run before each of its writes in turn).
 *
 * Parallelism: the P ranks are split into G = P / ranks_per_structure groups (consecutive
 * ranks). The unfinished rows of the requested range, in order, are dealt in rounds: in round
 * r group g takes todo[r*G + g]. Each group generates its structure on its own communicator
 * (ms_membrane_generate: bit-identical for any group size) and solves the three axes
 * (ms_tortuosity_solve); the group's rank 0 writes the row. After each round all ranks agree
 * (one small MPI_Allreduce) on the global done count (progress with ETA) and on whether a
 * termination signal arrived (ms_signal_received): then every group stops taking work.
 * A row's results depend only on its parameters and the group size (bit-identical for the
 * same ranks_per_structure; to solver tolerance otherwise).
 */
#ifndef MS_CAMPAIGN_H
#define MS_CAMPAIGN_H

#include "ms_core.h"
#include "ms_membrane_sample.h"
#include "ms_tortuosity.h"

/* What defines a campaign (stored in the file and checked on restart). */
typedef struct {
  int64_t             n_rows;    /* N structures */
  uint64_t            user_seed; /* structure i: ms_membrane_sample(ranges, base, user_seed, i) */
  ms_membrane_params  base;     /* size and every parameter not sampled */
  ms_membrane_sampler ranges;   /* parameter ranges (ms_membrane_sample.h) ... */
  const double       *table;    /* ... or n_rows x MS_MEMBRANE_NCOLS parameter rows (a -params table,
                                   ms_membrane_params_read_csv; not owned), NULL to sample */
  const char         *table_path; /* recorded as an input in the provenance, may be NULL */
  ms_tortuosity_opts  tort;     /* phase / conductivities, mismatch_tol, max_it */
} ms_campaign_def;

/* How this run works on it (not part of the definition). */
typedef struct {
  PetscInt ranks_per_structure; /* group size; must divide the number of ranks; default 1 */
  int64_t  row_begin, row_end;  /* rows solved by this run: [row_begin, row_end); default [0, N) */
} ms_campaign_opts;

typedef struct {
  int64_t n_range;       /* rows in [row_begin, row_end) */
  int64_t n_done;        /* rows of the range with done = 1 at the end of the run */
  int64_t n_done_before; /* ... at its start (rows kept from earlier runs) */
  int     signal;        /* termination signal that stopped the run, or 0 */
  int     n_groups;
  double  seconds;       /* wall time of this run */
  double  mean_porosity; /* over this range's done rows */
} ms_campaign_status;

/* Number of columns and their names, in file order. */
#define MS_CAMPAIGN_NCOLS 22
extern const char *const ms_campaign_column_names[MS_CAMPAIGN_NCOLS];

/* The generator parameters that vary between structures: the default features of a model
 * trained on the table (stored as the /labels attribute feature_columns). The size nx, ny, nz
 * is fixed per campaign and not a feature. */
#define MS_CAMPAIGN_NFEATURES 5
extern const char *const ms_campaign_feature_columns[MS_CAMPAIGN_NFEATURES];
/* Measured results (attribute target_columns). Porosity is one: it is measured on the generated
 * structure, so it is not a default feature; name it with -features to model tortuosity at a
 * given porosity. Bookkeeping columns (index, seed, iterations_*, seconds, done) are neither. */
#define MS_CAMPAIGN_NTARGETS 7
extern const char *const ms_campaign_target_columns[MS_CAMPAIGN_NTARGETS];

/* One row of the table (parameters + results + done flag). */
typedef struct {
  int64_t  index;
  uint64_t seed;
  int64_t  n_points;
  double   radius, stretch[3];
  int64_t  nx, ny, nz;
  double   porosity, percolating_porosity[3], tau[3];
  int64_t  iterations[3];
  double   seconds;
  int8_t   done;
} ms_campaign_row;

/* Defaults: N = 0, seed 1, membrane defaults, no ranges, tortuosity defaults. Not collective. */
PetscErrorCode ms_campaign_def_init(ms_campaign_def *def);
void           ms_campaign_opts_init(ms_campaign_opts *o);

/* The definition as one exact line (%.17g), as stored in campaign_definition. Not collective. */
PetscErrorCode ms_campaign_def_describe(const ms_campaign_def *def, char **line); /* caller PetscFree()s */

/* Membrane parameters of structure i (table row or sample). Not collective. */
void ms_campaign_structure(const ms_campaign_def *def, int64_t i, ms_membrane_params *p);

/* Parameter part of row i (results NaN, done 0). Not collective. */
void ms_campaign_row_params(const ms_campaign_def *def, int64_t i, ms_campaign_row *row);

/* Run (or continue) the campaign into `path`: create it if absent, else verify that it holds
 * the same definition (MS_ERR_USER "... exists from a different campaign" otherwise) and
 * solve only rows with done = 0 in the range. Returns normally after a termination signal
 * with st->signal set (the file is consistent; run again to continue). Collective on comm. */
PetscErrorCode ms_campaign_run(MPI_Comm comm, const ms_campaign_def *def, const ms_campaign_opts *o, const char *path,
                               ms_campaign_status *st);

/* Merge campaign files of one definition (array tasks over disjoint row ranges) into
 * `output` (same layout, written atomically). Errors name the files: different definitions,
 * a row done in two files, rows done in none (listed). Collective on comm. */
PetscErrorCode ms_campaign_merge(MPI_Comm comm, int n_inputs, char *const *inputs, const char *output, int64_t *n_rows);

/* File layer (ms_campaign_file.c), used by run and merge. All collective on the file's comm. */
/* Create `path` atomically with the full layout and rows[0..N) (every column written). */
PetscErrorCode ms_campaign_file_create(MPI_Comm comm, const char *path, const char *definition, const ms_campaign_def *def,
                                       const ms_campaign_row *rows, char *const *inputs, int n_inputs);
/* Read the definition line and all N rows (every rank gets all of them). */
PetscErrorCode ms_campaign_file_read(MPI_Comm comm, const char *path, char **definition, int64_t *n, ms_campaign_row **rows);

#endif
