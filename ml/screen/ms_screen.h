/* ms_screen.h - high-throughput screening: stream candidates through saved models, keep the
 * exact global top-K (or the Pareto front of two models), with filters, an applicability
 * check, a score histogram and restartable checkpoints.
 *
 * Candidates come from a *source* (ms_screen_source): a random-access table of n_total rows
 * with named numeric columns and optional string ids. Sources here: a feature table (CSV,
 * read whole on every rank; HDF5 `features`, read chunk by chunk) and a parameter space
 * (grids, ranges, lists per dimension; enumerated as a full grid by mixed-radix decoding of
 * the candidate index, or sampled uniformly / quasi-randomly (Halton) from the index). A
 * source of chemical formulas featurized on the fly per chunk (ms_screen_formula.c). Adding a source: write ms_screen_source_create_<name> that fills ops, n_total,
 * columns and data; read_rows must be a pure function of the row range (any rank may read
 * any chunk, and a resumed screen re-reads nothing it had done).
 *
 * Streaming and sharding: the candidates are cut into chunks of `chunk` rows; chunk c goes to
 * rank c mod P (round-robin, so the ranks stay in step and each round of P chunks ends with
 * one small collective: global progress, SIGTERM agreement, checkpoint decision). Memory per
 * rank is O(chunk * columns + K * columns + front), independent of n_total.
 *
 * Models are used on PETSC_COMM_SELF (each rank loads its own copy; the ranks never wait on
 * each other while predicting). Prediction goes through ms_model_predict / predict_std /
 * predict_proba one chunk at a time. The std of the top-K (or front) rows is always reported:
 * when neither ranking nor filters need it for every candidate, it is computed at the end for
 * the K winners only (a forest's std costs as much as its mean).
 *   GPR std: the posterior std of the latent function plus the white noise (sklearn's).
 *   Forest std: the standard deviation of the T tree predictions (the ensemble's spread, not
 *   a calibrated predictive interval).
 *
 * Scores (opts.rank): mean = prediction; ucb = mean + kappa std; lcb = mean - kappa std;
 * prob = P(Y > threshold) (goal max) or P(Y < threshold) (goal min) under N(mean, std^2),
 * always maximised; for a classifier only prob, the model's probability of class `class_name`.
 * Ranking key: score for goal max (and prob), -score for goal min; ties go to the lower global
 * candidate index, so the result is the same on any number of ranks.
 *
 * Applicability (needs the training summary saved with models since this module): the
 * standardized Euclidean distance from the candidate to the training data's bounding box,
 * sqrt(sum_j (max(lo_j - x_j, 0, x_j - hi_j) / std_j)^2) (0 inside the box; std_j = 0 counts
 * as 1); in_domain = distance <= domain_tol (default 0.5: half a training std beyond the box).
 *
 * Filters: ranges lo <= v <= hi on any column: source columns, prediction, std, prediction2,
 * std2, score, distance, in_domain (the targets' names work as aliases of prediction and
 * prediction2). A filter on std makes std computed for every candidate.
 *
 * Histogram: counts of the scores of every candidate with a finite score (before filters),
 * `hist_bins` bins over [hist_lo, hist_hi] plus under- and overflow; default range: [0, 1] for
 * prob, else the training target range widened by 25 % on each side.
 *
 * Checkpoints: every `checkpoint_interval` seconds (0: every round) and on SIGTERM/SIGINT, the
 * ranks merge their state on rank 0 (top-K or front, histogram, counts) and rank 0 writes
 * checkpoint atomically (PATH.tmp, fsync, rename): a binary header (magic "MSSCRCK1", version,
 * a 64-bit FNV-1a hash of the screen's definition, n_total, chunk, the next chunk index), the
 * merged state, and an FNV-1a checksum of all bytes before it. All chunks below `next chunk`
 * are done and merged, so the state does not depend on the rank count: a checkpoint resumes
 * on any number of ranks. A checkpoint whose definition hash differs is refused.
 *
 * Collectiveness: ms_screen_run is collective over comm; sources are rank-local.
 */
#ifndef MS_SCREEN_H
#define MS_SCREEN_H

#include "ms_model.h"

#define MS_SCREEN_ID_LEN 64 /* ids longer than 63 bytes are cut (noted once) */

/* ---------------------------------------------------------------- candidate sources */
typedef struct ms_screen_source_s *ms_screen_source;
typedef struct {
  /* Rows [start, start + n) into X (n x n_columns, row-major) and, when the source has ids,
     into ids (n x MS_SCREEN_ID_LEN bytes). Rank-local. Non-finite values are an error
     naming the row (1-based global candidate number) and column. */
  PetscErrorCode (*read_rows)(ms_screen_source s, int64_t start, int64_t n, double *X, char *ids);
  PetscErrorCode (*describe)(ms_screen_source s, char *buf, size_t len); /* for the definition hash */
  PetscErrorCode (*destroy)(ms_screen_source s);
} ms_screen_source_ops;

struct ms_screen_source_s {
  ms_screen_source_ops ops;
  int64_t   n_total;
  int64_t   n_columns;
  char    **columns;      /* n_columns, owned */
  PetscBool has_ids;
  char     *id_name;      /* owned, or NULL */
  void     *data;
};

PetscErrorCode ms_screen_source_destroy(ms_screen_source *s);
/* Index of a column by name, or -1. */
int64_t ms_screen_source_column(ms_screen_source s, const char *name);

/* A feature table: CSV (parsed whole on this rank) or HDF5 "file.h5[:/group]" with a
 * `features` dataset (n x d, column_names) and optional `ids` (read chunk by chunk). id_column
 * names the CSV id column (NULL: none); ignore drops CSV columns (NULL-terminated or NULL). */
PetscErrorCode ms_screen_source_create_table(const char *spec, const char *id_column, const char **ignore, ms_screen_source *s);

/* Chemical formulas, one per line of a text file ('#' comments, blank lines and a first line
 * "formula" skipped), featurized per chunk by the composition featurizer with the given preset
 * ("magpie", "magpie_extended", "slides"; elements_dir NULL: the default tables). The formula
 * is the candidate id. */
PetscErrorCode ms_screen_source_create_formulas(const char *path, const char *preset, const char *elements_dir, ms_screen_source *s);

/* Parameter spaces. A dimension is one of
 *   grid  lo:hi:n      n equally spaced values from lo to hi (n >= 1)
 *   range lo:hi:step   lo, lo + step, ... up to hi (within step * 1e-9)
 *   int   lo:hi[:step] integers (step default 1)
 *   list  v1;v2;...    the given values (also separated by spaces, or commas in a quoted CSV field)
 * A space file is CSV with header `name,kind,values` ('#' comments); -space on the command line
 * is `name=lo:hi:step` (range), `name=lo:hi:n` is not accepted there (use a file for grids),
 * `name=v` (one value), `name=v1;v2` (list), comma-separated.
 * Enumeration: MS_SCREEN_GRID visits the full Cartesian product (n_total = product of the
 * sizes; the last dimension varies fastest); UNIFORM draws n_total points, dimension k of
 * point i uniform in [lo, hi] (int: uniform integer; list: uniform choice) from
 * ms_rng(seed, i); HALTON uses the radical inverse of i + 1 in the k-th prime (scrambled by
 * nothing: deterministic and low-discrepancy) mapped the same way. */
typedef enum { MS_SCREEN_DIM_GRID, MS_SCREEN_DIM_RANGE, MS_SCREEN_DIM_INT, MS_SCREEN_DIM_LIST } ms_screen_dim_kind;
typedef enum { MS_SCREEN_SPACE_GRID, MS_SCREEN_SPACE_UNIFORM, MS_SCREEN_SPACE_HALTON } ms_screen_space_mode;
extern const char *const ms_screen_space_mode_names[]; /* PETSc enum list: grid, uniform, halton */
typedef struct {
  char               name[64];
  ms_screen_dim_kind kind;
  double             lo, hi;   /* bounds (sampling) */
  int64_t            n;        /* number of values on the grid */
  double            *values;   /* n values, owned */
} ms_screen_dim;
typedef struct ms_screen_space_s *ms_screen_space;
struct ms_screen_space_s {
  int            n_dims;
  ms_screen_dim *dims;
};
/* Parse a space file (errors name file:line) or an inline -space string (errors name the
 * option). Dimensions may repeat across calls: a later one replaces an earlier one of the
 * same name, so an inline -space overrides a file. */
PetscErrorCode ms_screen_space_create(ms_screen_space *sp);
PetscErrorCode ms_screen_space_read_file(ms_screen_space sp, const char *path);
PetscErrorCode ms_screen_space_parse(ms_screen_space sp, const char *spec, const char *option);
/* Add (or replace) one dimension with explicit values. Copies values. */
PetscErrorCode ms_screen_space_add(ms_screen_space sp, const char *name, ms_screen_dim_kind kind, double lo, double hi, int64_t n,
                                   const double *values);
PetscErrorCode ms_screen_space_destroy(ms_screen_space *sp);
/* Source over the space (takes ownership of sp). n_samples is used by UNIFORM/HALTON; GRID
 * ignores it (0) and refuses more than 2^62 points. */
PetscErrorCode ms_screen_source_create_space(ms_screen_space sp, ms_screen_space_mode mode, int64_t n_samples, uint64_t seed,
                                             ms_screen_source *s);

/* ---------------------------------------------------------------- the screen */
typedef enum { MS_SCREEN_RANK_MEAN, MS_SCREEN_RANK_UCB, MS_SCREEN_RANK_LCB, MS_SCREEN_RANK_PROB } ms_screen_rank_by;
extern const char *const ms_screen_rank_names[]; /* PETSc enum list: mean, ucb, lcb, prob */

typedef struct {
  char   column[64];
  double lo, hi;                       /* -inf / +inf when open */
} ms_screen_filter;

typedef struct {
  ms_model          model;             /* required; loaded on PETSC_COMM_SELF */
  ms_model          model2;            /* optional second model (column prediction2; Pareto) */
  ms_screen_rank_by rank;
  PetscBool         maximize;          /* goal of model (max/min) */
  PetscBool         maximize2;         /* goal of model2 in Pareto mode */
  PetscBool         pareto;            /* front of (prediction, prediction2) instead of top-K */
  double            kappa, threshold;
  char              class_name[256];   /* classifier + prob: the class */
  int64_t           top_k, chunk;
  ms_screen_filter *filters;
  int               n_filters;
  double            domain_tol;
  int               hist_bins;         /* 0: no histogram */
  double            hist_lo, hist_hi;  /* NaN: default range */
  const char       *checkpoint;        /* path, or NULL: no checkpoints */
  double            checkpoint_interval;
  PetscBool         resume;            /* require an existing checkpoint */
  const char       *definition;        /* extra text folded into the definition hash (model paths, ...) */
  PetscBool         progress;
} ms_screen_opts;

void ms_screen_opts_default(ms_screen_opts *o);
/* Parse "col=lo:hi,col2=:hi" into a newly allocated filter array (PetscFree). */
PetscErrorCode ms_screen_filters_parse(MPI_Comm comm, const char *spec, ms_screen_filter **f, int *n);

/* One result row. x holds the source row (n_columns values). */
typedef struct {
  int64_t index;                       /* global candidate index, 0-based */
  double  key, key2;                   /* ranking keys (larger = better) */
  double  score, pred, std, pred2, std2, distance;
  int     in_domain;                   /* 1, 0, or -1 when the model has no training summary */
  char    id[MS_SCREEN_ID_LEN];
  double *x;
} ms_screen_row;

typedef struct {
  int64_t        n_total, n_scored, n_passed, n_out_of_domain;
  int64_t        n_rows;               /* top-K rows best first, or the front by prediction */
  ms_screen_row *rows;                 /* rank 0 only (NULL elsewhere); x point into one block */
  int64_t        n_columns;
  int            hist_bins;
  double         hist_lo, hist_hi;
  int64_t       *hist;                 /* hist_bins + 2: underflow, bins, overflow (rank 0) */
  int            signal;               /* stopped by this signal after a checkpoint (0: complete) */
  int64_t        resumed_from;         /* candidates already done in the checkpoint (0: fresh) */
  double         seconds;
  PetscBool      has_std, has_domain;
} ms_screen_result;

/* Collective over comm. On return rank 0 holds the rows; every rank holds the counts. */
PetscErrorCode ms_screen_run(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, ms_screen_result *res);
PetscErrorCode ms_screen_result_free(ms_screen_result *res);

/* Outputs (collective; rank 0 writes). CSV: rank, index, id, the source columns, prediction,
 * std, [prediction2, std2,] score, distance, in_domain, with '#' provenance lines. HDF5
 * (group /screen): the same columns as datasets, the histogram (/screen/histogram/counts,
 * edges), counts and options as attributes, provenance at the root. PNG: the histogram via
 * gnuplot (a warning, not an error, when gnuplot is missing). */
PetscErrorCode ms_screen_write_csv(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, const ms_screen_result *res,
                                   const char *path, const char *const *inputs);
PetscErrorCode ms_screen_write_h5(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, const ms_screen_result *res,
                                  const char *path, const char *const *inputs);
PetscErrorCode ms_screen_plot_histogram(MPI_Comm comm, const ms_screen_opts *o, const ms_screen_result *res, const char *png);

#endif
