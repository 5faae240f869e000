/* ms_bo.h - Bayesian optimisation: acquisitions, search spaces, suggestions and the
 * "virtual experiment" benchmark (dissertation Section 4.1; spec.md 1.7 and 2(a)).
 *
 * The surrogate is the GPR of ml/ms_gpr.h (kernel c * r + white noise, LML fit with TAO,
 * ScaLAPACK above its size threshold): observation noise is the kernel's white-noise term,
 * fitted with the other hyperparameters. Inputs are scaled to [0, 1] by the search space's
 * bounds (not the data's), so the data and every candidate share one scaling.
 *
 * Internal target. The engine always maximises t = s * g(y): g = identity or log10 (ionic
 * conductivity spans decades), s = +1 (maximise) or -1 (minimise, so UCB becomes LCB).
 * Means and standard deviations reported to the user are of g(y) (sign restored).
 *
 * Acquisitions, with mu, sd the GP's latent mean and std of t (the white noise removed:
 * sd^2 = var(new observation) - noise), best = max observed t:
 *   UCB  mu + kappa_i sd,   kappa_i = kappa * kappa_decay^i (i = BO iteration; decay 1: constant)
 *   EI   (mu - best - xi) Phi(z) + sd phi(z),  z = (mu - best - xi) / sd;  sd = 0: max(mu - best - xi, 0)
 *   PI   Phi(z);  sd = 0: 1 if mu > best + xi else 0
 *   EHVI two objectives, independent GPs, exact 2-D formula (ms_bo_ehvi2 below).
 *
 * Search spaces (ms_bo_space): one entry per dimension: a list of levels (Table 4.1), an
 * integer range, or a real interval; or an explicit list of candidate points (a pool). A
 * finite space (no real dimension) is scored exhaustively: candidate index -> point by
 * mixed-radix decoding (the last dimension runs fastest), every rank scores its contiguous
 * share of the indices in chunks, nothing of size N is ever allocated, so 10^7 points need
 * only a chunk of memory per rank. A space with a real dimension is searched by multi-start
 * NLopt BOBYQA (derivative free, bound constrained) in the unit box; levels and integers are
 * relaxed to their range and snapped to the nearest allowed value.
 *
 * Batches of q: Kriging believer (append the pick with y = its posterior mean) or constant
 * liar (y = min, mean or max of the observed t), refactor with the same hyperparameters,
 * pick again. Picks of one batch never repeat (finite spaces exclude them).
 *
 * Reproducibility: ties of the acquisition go to the lowest candidate index (or start
 * index); multi-start points, GP restarts and benchmark repeats draw from ms_rng(seed,
 * task index), and every task's work is done by one rank with no reduction inside, so
 * suggestions and benchmark tables are identical on any number of ranks. (Exception: from
 * -bo_scalapack_min_n GP rows on, >1 rank, the factor is distributed and its rounding depends
 * on the grid; picks stay the same unless two acquisitions tie to ~1e-12, as tested.)
 *
 * Space file (CSV, '#' comments; spec format of Table 4.1):
 *   [stage,]dimension[,unit][,type],values
 *   type: levels (default) | int | real.  levels: values separated by spaces ("800 850 900");
 *   int / real: "lo hi". With a stage column, -stage picks the rows (required when the file
 *   has more than one stage). Extra text columns are ignored.
 * Data file (CSV): a header, one column per dimension (by name) and the target column(s);
 *   other columns (text too) are ignored.
 *
 * Objectives: ms_bo_objective is a function pointer + context evaluating one point (a
 * simulation, a generator + encoder, a lookup in a table of measured points), used by
 * ms_bo_run for closed-loop optimisation.
 *
 * Ownership: every create/read has a matching destroy; result arrays belong to the result.
 * Collectiveness: functions taking a comm or a model are collective over it.
 */
#ifndef MS_BO_H
#define MS_BO_H

#include "ms_core.h"
#include "ms_gpr.h"

/* ---- acquisitions ---------------------------------------------------------------------- */
typedef enum { MS_BO_UCB = 0, MS_BO_EI, MS_BO_PI, MS_BO_EHVI, MS_BO_RANDOM } ms_bo_acq_type;
extern const char *const ms_bo_acq_names[]; /* "ucb","ei","pi","ehvi","random" (PETSc enum list) */

typedef struct {
  ms_bo_acq_type type;
  double         xi;          /* EI / PI margin (default 0, as the seed) */
  double         kappa;       /* UCB exploration weight (default 2.576, bayes_opt's) */
  double         kappa_decay; /* kappa_i = kappa * kappa_decay^i (default 1) */
} ms_bo_acq;

double ms_bo_norm_pdf(double z);
double ms_bo_norm_cdf(double z);
/* Acquisition of one candidate (UCB, EI, PI) at BO iteration iter. */
double ms_bo_acq_value(const ms_bo_acq *a, int64_t iter, double mu, double sd, double best);
/* E[(Y - c)^+] for Y ~ N(mu, sd^2): the EI integral. */
double ms_bo_expected_excess(double mu, double sd, double c);
/* Exact expected hypervolume improvement (both objectives maximised, reference point ref)
 * of a candidate with independent N(mu_k, sd_k^2), over the front (nf x 2, row-major) sorted
 * by the first objective descending (as ms_bo_pareto_front returns it). Strip decomposition:
 * HVI(y) = sum_i (min(y1, a_i) - a_{i+1})^+ (y2 - h_i)^+, a_0 = inf, a_{nf} = r1, h_0 = r2,
 * h_i = b_i, so EHVI = sum_i [E(Y1-a_{i+1})^+ - E(Y1-a_i)^+] E(Y2-h_i)^+. */
double ms_bo_ehvi2(int64_t nf, const double *front, const double ref[2], const double mu[2], const double sd[2]);
/* Non-dominated rows of Y (n x 2, both maximised; ties: a duplicate point is kept once, the
 * lowest index). idx receives nf row indices sorted by Y[.,0] descending. idx holds n. */
PetscErrorCode ms_bo_pareto_front(int64_t n, const double *Y, int64_t *nf, int64_t *idx);
/* Hypervolume dominated by a front (sorted as above) above ref. */
double ms_bo_hypervolume2(int64_t nf, const double *front, const double ref[2]);

/* ---- search spaces --------------------------------------------------------------------- */
typedef enum { MS_BO_DIM_LEVELS = 0, MS_BO_DIM_INT, MS_BO_DIM_REAL } ms_bo_dim_kind;
extern const char *const ms_bo_dim_kind_names[]; /* "levels","int","real" */

typedef struct {
  char          *name, *unit;
  ms_bo_dim_kind kind;
  int64_t        n_levels;   /* levels: count; int: hi - lo + 1; real: 0 */
  double        *levels;     /* sorted ascending (levels only) */
  double         lo, hi;     /* bounds (all kinds) */
} ms_bo_dim;

typedef struct ms_bo_space_s {
  int64_t    d;
  ms_bo_dim *dim;
  char      *stage;          /* the stage read, or NULL */
  int64_t    n_list;         /* > 0: the space is these points (a pool) */
  double    *list;           /* n_list x d */
} *ms_bo_space;

/* Read a space file (format above). stage may be NULL. Collective (every rank parses the
 * small file; errors name file, line and column). */
PetscErrorCode ms_bo_space_read(MPI_Comm comm, const char *path, const char *stage, ms_bo_space *s);
/* A space of d dimensions to be filled by ms_bo_space_set_* (programmatic use). */
PetscErrorCode ms_bo_space_create(int64_t d, ms_bo_space *s);
PetscErrorCode ms_bo_space_set_levels(ms_bo_space s, int64_t k, const char *name, int64_t n, const double *levels);
PetscErrorCode ms_bo_space_set_range(ms_bo_space s, int64_t k, const char *name, ms_bo_dim_kind kind, double lo, double hi);
/* A pool space: the n points X (n x d) are the candidates; bounds from their ranges. */
PetscErrorCode ms_bo_space_set_list(ms_bo_space s, char *const *names, int64_t n, const double *X);
PetscErrorCode ms_bo_space_destroy(ms_bo_space *s);
/* PETSC_TRUE when every dimension is finite (levels / int) or the space is a list. */
PetscBool      ms_bo_space_is_finite(ms_bo_space s);
/* Number of candidates of a finite space; error when it exceeds 2^62. */
PetscErrorCode ms_bo_space_size(ms_bo_space s, int64_t *n);
/* Candidate idx -> point (mixed radix, last dimension fastest; list: row idx). */
void           ms_bo_space_decode(ms_bo_space s, int64_t idx, double *x);
/* Point -> candidate index when x is a candidate (levels matched to 1e-9 relative). */
PetscBool      ms_bo_space_encode(ms_bo_space s, const double *x, int64_t *idx);
/* Unit scaling by the bounds (a zero-width dimension maps to 0) and its inverse. */
void           ms_bo_space_to_unit(ms_bo_space s, const double *x, double *u);
void           ms_bo_space_from_unit(ms_bo_space s, const double *u, double *x);
/* Snap levels and integers to the nearest allowed value, clip to bounds. */
void           ms_bo_space_snap(ms_bo_space s, double *x);

/* ---- data, settings, model ------------------------------------------------------------- */
typedef struct {
  int64_t n, d, n_obj;       /* rows, dimensions, objectives (1 or 2) */
  double *X;                 /* n x d, original units */
  double *Y;                 /* n x n_obj, original units */
  char   *target[2];
} ms_bo_data;

/* Read dimension columns (named as the space's) and target columns from a CSV; other
 * columns are ignored. Collective (each rank parses the small file). */
PetscErrorCode ms_bo_data_read(MPI_Comm comm, const char *path, ms_bo_space s, int n_obj, const char *const *targets, ms_bo_data *data);
PetscErrorCode ms_bo_data_free(ms_bo_data *data);

typedef enum { MS_BO_BATCH_KB = 0, MS_BO_BATCH_CL } ms_bo_batch_type;
extern const char *const ms_bo_batch_names[]; /* "kb","cl" */
typedef enum { MS_BO_LIAR_MIN = 0, MS_BO_LIAR_MEAN, MS_BO_LIAR_MAX } ms_bo_liar;
extern const char *const ms_bo_liar_names[];  /* "min","mean","max" (of observed t) */

typedef struct {
  ms_bo_acq        acq;
  PetscBool        minimize[2];   /* per objective */
  PetscBool        log10[2];      /* per objective: model log10(y) */
  PetscBool        allow_measured;/* finite spaces: may suggest measured points again */
  int64_t          batch;         /* q */
  ms_bo_batch_type batch_type;
  ms_bo_liar       liar;
  int64_t          iter;          /* BO iteration (kappa schedule) */
  uint64_t         seed;
  double           ref[2];        /* EHVI reference point in original units */
  PetscBool        ref_set;       /* else: worst observed minus 10 % of the range */
  /* GP */
  char             kernel[32];
  int64_t          restarts;      /* extra LML optimiser starts */
  double           bounds[2];     /* hyperparameter bounds (log-space search) */
  double           noise0;        /* initial white-noise level (normalised target units) */
  PetscBool        optimize;      /* fit hyperparameters (else keep the initial ones) */
  int64_t          scalapack_min_n; /* GP rows from which factorizations use ScaLAPACK over all ranks */
  /* continuous spaces */
  int64_t          n_starts, max_evals;
  int64_t          chunk;         /* candidates scored per chunk */
} ms_bo_opts;

void           ms_bo_opts_default(ms_bo_opts *o);
/* -acquisition, -kappa, -kappa_decay, -xi, -minimize, -target_transform, -batch, -batch_mode,
 * -liar, -allow_measured, -iteration, -seed, -ref_point, -bo_kernel, -bo_restarts,
 * -bo_bounds, -bo_noise, -bo_optimize, -bo_starts, -bo_max_evals, -bo_chunk, -bo_scalapack_min_n. */
PetscErrorCode ms_bo_opts_set_from_options(MPI_Comm comm, ms_bo_opts *o);

typedef struct ms_bo_model_s {
  MPI_Comm    comm;
  ms_bo_space space;          /* borrowed */
  int64_t     n, d, n_obj;
  double     *U;              /* n x d, unit-scaled inputs */
  double     *T;              /* n x n_obj, internal targets (maximised) */
  ms_gpr      gp[2];
  double      best[2];        /* max observed t */
  double      ref_t[2];       /* EHVI reference in t units */
  int64_t     nf;             /* Pareto front of the data (two objectives) */
  double     *front;          /* nf x 2 in t units, sorted by t1 descending */
  int64_t    *front_idx;      /* data rows */
  ms_bo_opts  opts;
} *ms_bo_model;

/* Transform, scale and fit the GP(s) (hyperparameters by LML with restarts). */
PetscErrorCode ms_bo_model_fit(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_opts *o, ms_bo_model *m);
PetscErrorCode ms_bo_model_destroy(ms_bo_model *m);
/* Latent mean and std of objective k (t units) at nq unit-scaled points. Local unless the
 * GP factor is distributed (then collective, see ms_gpr_predict_std). */
PetscErrorCode ms_bo_model_predict(ms_bo_model m, int k, int64_t nq, const double *U, double *mu, double *sd);
/* Acquisition values at nq unit-scaled points (mu, sd: nq x n_obj, may be NULL). */
PetscErrorCode ms_bo_model_acq(ms_bo_model m, int64_t nq, const double *U, double *acq, double *mu, double *sd);
/* Append a (fantasy) observation in t units and refactor with the same hyperparameters. */
PetscErrorCode ms_bo_model_append(ms_bo_model m, const double *u, const double *t);
/* Print kernel hyperparameters and LML per objective (rank 0). */
PetscErrorCode ms_bo_model_view(ms_bo_model m, char *const *names);

/* Leave-one-out check at the fitted hyperparameters (task i on rank i mod P): per objective,
 * in g(y) units: rmse, mae, r2, mean |z| and the fraction of |z| <= 1.96. NaN when n < 2 or
 * n > 1000 (n refactorizations cost n^4/3). */
typedef struct { double rmse, mae, r2, mean_abs_z, coverage95; } ms_bo_loo;
PetscErrorCode ms_bo_model_loo(ms_bo_model m, ms_bo_loo *loo);

/* ---- suggestions ----------------------------------------------------------------------- */
typedef struct {
  int64_t q, d, n_obj;
  double *X;                  /* q x d, original units */
  int64_t *index;             /* candidate index (finite spaces) or -1 */
  double *mean, *std;         /* q x n_obj in g(y) units, sign of the user's objective */
  double *acq;                /* q */
} ms_bo_result;

/* q suggestions (opts batch / batch_type); the model receives the fantasies (refit it to
 * discard them). exclude: n_ex sorted candidate indices never suggested (may be NULL). */
PetscErrorCode ms_bo_suggest(ms_bo_model m, int64_t n_ex, const int64_t *exclude, ms_bo_result *r);
PetscErrorCode ms_bo_result_free(ms_bo_result *r);
/* Best candidate of a finite space (ties: lowest index), excluding the sorted list ex. */
PetscErrorCode ms_bo_argmax_finite(ms_bo_model m, int64_t n_ex, const int64_t *ex, int64_t *best_idx, double *best_acq);
/* Best point of a space with real dimensions: multi-start BOBYQA (start r on rank r mod P). */
PetscErrorCode ms_bo_argmax_box(ms_bo_model m, uint64_t stream, double *x, double *best_acq);

/* ---- closed loop on an objective callback ---------------------------------------------- */
typedef struct {
  int            n_obj;
  PetscErrorCode (*eval)(void *ctx, const double *x, double *y); /* x in original units */
  void          *ctx;
} ms_bo_objective;

/* The objective as a table of measured points: eval looks x up (to 1e-9 relative per
 * coordinate) and returns its row of Y; a point not in the table is an error naming it. The
 * table copies X (n x d) and Y (n x n_obj); free with ms_bo_objective_table_destroy. */
PetscErrorCode ms_bo_objective_table_create(int64_t n, int64_t d, int n_obj, const double *X, const double *Y, ms_bo_objective *f);
PetscErrorCode ms_bo_objective_table_destroy(ms_bo_objective *f);

/* n_init uniform random points (stream 0 of seed, snapped), then BO until n_total
 * evaluations; trace receives every x (n_total x d) and y (n_total x n_obj). */
PetscErrorCode ms_bo_run(MPI_Comm comm, ms_bo_space s, const ms_bo_opts *o, ms_bo_objective *f, int64_t n_init, int64_t n_total,
                         double *trace_x, double *trace_y);

/* ---- virtual-experiment benchmark (Section 4.1.2) ---------------------------------------- */
typedef struct {
  int64_t         n_strategies;
  ms_bo_acq_type  strategies[8];
  int64_t         n_n_init;
  int64_t         n_init[32];
  int64_t         repeats;
  int64_t         budget;       /* total evaluations (initial + extra); <= 0: pool size */
  PetscBool       replacement;  /* picks with replacement (the seed's choice) */
  double          noise_std;    /* observation noise added to every pick */
  PetscBool       noise_relative; /* noise_std is relative to |y| */
  double          goal;         /* 0: the pool optimum; q in (0,1): the top q of the pool */
  int64_t         refit_every;  /* refit hyperparameters every k picks (else refactor) */
} ms_bo_bench_opts;

typedef struct {
  int64_t  n_rows;             /* n_strategies x n_n_init */
  int64_t *successes;          /* per row */
  double  *mean_extra, *std_extra, *mean_total, *std_total; /* over successful repeats */
  int64_t *extra;              /* per row and repeat: extra tries, -1 = failure */
} ms_bo_bench_result;

/* Pool (n x d inputs, y; repeated inputs are averaged first). Task (strategy, n_init,
 * repeat) runs on rank task mod P; initial picks and noise come from ms_rng(seed, repeat
 * and n_init), the same for every strategy. A repeat whose initial picks already hold a goal
 * point counts as a success with 0 extra tries. */
PetscErrorCode ms_bo_bench_run(MPI_Comm comm, int64_t n, int64_t d, const double *X, const double *y, char *const *names,
                               const ms_bo_opts *o, const ms_bo_bench_opts *b, ms_bo_bench_result *r);
PetscErrorCode ms_bo_bench_result_free(ms_bo_bench_result *r);
/* Average rows with identical inputs: *m unique rows in order of first appearance. */
PetscErrorCode ms_bo_pool_unique(int64_t n, int64_t d, const double *X, const double *y, int64_t *m, double **Xu, double **yu);

/* ---- reports (ms_bo_report.c) -------------------------------------------------------------- */
/* next.csv: one column per dimension, then mean, std (per target: mean_<target>, std_<target>
 * with two targets) and acquisition; '#' provenance lines first. Atomic, collective. */
/* inputs: the files the result was computed from (NULL-terminated; recorded in PATH.meta.json). */
PetscErrorCode ms_bo_result_write(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_result *r, const char *path,
                                  char *const *inputs);
/* The suggestion table on rank 0's stdout. */
PetscErrorCode ms_bo_result_view(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_result *r);
/* bench.csv: strategy,n_init,repeats,successes,success_rate,mean_extra,std_extra,mean_total,std_total. */
PetscErrorCode ms_bo_bench_write(MPI_Comm comm, const ms_bo_bench_opts *b, const ms_bo_bench_result *r, const char *path);
/* A two-panel PNG like Figure 4.2 (successes and mean extra tries vs n_init), drawn by
 * ms_report_gnuplot (ml/ms_report.h: rank 0, atomic, every rank fails together if it cannot). */
PetscErrorCode ms_bo_bench_plot(MPI_Comm comm, const ms_bo_bench_opts *b, const ms_bo_bench_result *r, const char *png);

#endif
