/* ms_bo_inverse.h - inverse design of membrane structures (issue 11 item 4; dissertation
 * Table 4.5 / Figure 4.12): find the generator parameters (solvers/ms_membrane.h) whose
 * structure is closest to a target volume in a descriptor space, by Bayesian optimisation
 * (ms_bo.h) with the generator in the loop.
 *
 * Descriptor space. PCA (-descriptor pca): the two-point statistics of ms_micro.h (S2 of the
 * pore phase along x, y and z, ms_micro_s2_features) projected on the components of a PCA
 * fitted by `matscreen describe -fit_pca K` (its /pca group). VAE latent (-descriptor vae) is
 * the seed's choice; it is named in ms_bo_inverse_descriptor so that an encoder can be added
 * here (a describe function per descriptor), and refused until one exists.
 *
 * Objective (minimised):
 *   f(x) = || z(x) - z_target ||_2 + w |phi(x) - phi_target|
 * z = descriptor vector (PCA scores), phi = porosity (pore fraction), w = porosity_weight
 * (default 0: the Euclidean distance in descriptor space, as in the seed). With replicates
 * R > 1, z(x) and phi(x) are the means over R structures of parameters x with structure seeds
 * ms_membrane_structure_seed(gen_seed, r), r = 0..R-1 (less generator noise per evaluation).
 * Replicates run on groups of ranks_per_structure consecutive ranks (0: one group of all ranks),
 * replicate r on group r mod G; each group's rank 0 contributes its replicate's scores to a
 * zero-filled R-row table summed with MPI_Allreduce (exact: one non-zero per entry), and the
 * replicates are averaged in index order, so the grouping does not change a bit.
 *
 * Search space: an ms_bo_space whose dimension names are generator parameters: n_points,
 * radius, stretch_x, stretch_y, stretch_z (levels, int or real); parameters without a
 * dimension keep the base values.
 *
 * Loop (ms_bo_inverse_run): the same schedule as ms_bo_run with batch 1 (n_init uniform points
 * from ms_rng(seed, 0), then GP fit with seed + i and one suggestion per iteration), run one
 * evaluation at a time so that a checkpoint can be written after each. Every evaluation
 * generates the structure distributed over all ranks of comm in z-slabs and computes S2 with
 * FFTW MPI; both are bit-identical for any number of ranks (ms_membrane.h, ms_micro.h), and the
 * GP steps are identical on any number of ranks (ms_bo.h), so the history is the same on 1 and
 * P ranks bit for bit.
 *
 * Checkpoint: an HDF5 file (ms_h5_create/commit: PATH.partial renamed, so PATH is always
 * complete) holding the history so far and the run's definition string (everything that
 * changes the history, the budget excepted: a larger budget continues a finished run). It is
 * rewritten after every evaluation; a run with another definition is refused.
 *
 * Ownership: the context borrows pca; the history owns its arrays. Collective over comm.
 */
#ifndef MS_BO_INVERSE_H
#define MS_BO_INVERSE_H

#include "ms_bo.h"
#include "ms_membrane.h"
#include "ms_micro.h"
#include "ms_pca.h"

typedef enum { MS_BO_INVERSE_PCA = 0, MS_BO_INVERSE_VAE } ms_bo_inverse_descriptor;
extern const char *const ms_bo_inverse_descriptor_names[]; /* "pca","vae" (PETSc enum list) */

/* Generator parameters a search dimension may name, in the order of ms_bo_inverse_param_names. */
#define MS_BO_INVERSE_NPARAMS 5
extern const char *const ms_bo_inverse_param_names[MS_BO_INVERSE_NPARAMS]; /* n_points radius stretch_x stretch_y stretch_z */

typedef struct {
  MPI_Comm                 comm;
  ms_bo_inverse_descriptor descriptor;
  ms_membrane_params       base;      /* box = the target's; values of parameters not searched */
  ms_micro_boundary        boundary;
  ms_pca                   pca;       /* borrowed */
  double                   porosity_weight;
  int64_t                  replicates;
  MPI_Comm                 group;     /* ranks generating one replicate (a split of comm, owned) */
  int                      n_groups, group_id, group_rank;
  int64_t                  d;         /* search dimensions */
  int                      param[64]; /* dimension k -> index in ms_bo_inverse_param_names */
  int64_t                  k;         /* descriptor length */
  double                  *target_z;  /* k (owned) */
  double                   target_porosity;
  /* last evaluation (for the history) */
  double                   last_porosity, last_descriptor_distance;
  double                   eval_seconds; /* sum over evaluations (generator + descriptor) */
  int64_t                  n_evals;
} ms_bo_inverse;

/* Set up: check the space's dimension names, refuse the VAE descriptor (not available yet),
 * describe the target volume (its shape becomes the box of base) and check that the PCA was
 * fitted on two-point features of that shape. */
PetscErrorCode ms_bo_inverse_setup(MPI_Comm comm, ms_bo_inverse_descriptor desc, ms_pca pca, ms_volume target, ms_micro_boundary b,
                                   const ms_membrane_params *base, ms_bo_space s, double porosity_weight, int64_t replicates,
                                   PetscInt ranks_per_structure, ms_bo_inverse *inv);
PetscErrorCode ms_bo_inverse_destroy(ms_bo_inverse *inv);
/* Descriptor z (k) and porosity of a volume. Collective over v->comm. */
PetscErrorCode ms_bo_inverse_describe(ms_bo_inverse *inv, ms_volume v, double *z, double *porosity);
/* Generator parameters of a search point x (original units). */
void           ms_bo_inverse_params(const ms_bo_inverse *inv, const double *x, ms_membrane_params *p);
/* The objective f(x) above (generator + descriptor on all ranks); ms_bo_objective-compatible. */
PetscErrorCode ms_bo_inverse_eval(void *ctx, const double *x, double *y);

typedef struct {
  int64_t     n_init, budget;
  const char *checkpoint;  /* NULL: none */
  const char *definition;  /* compared with the checkpoint's */
} ms_bo_inverse_run_opts;

typedef struct {
  int64_t n, d;
  double *X;            /* n x d, original units */
  double *objective;    /* n: f(x) */
  double *distance;     /* n: descriptor distance alone */
  double *porosity;     /* n */
  double *best;         /* n: best f so far */
  int64_t best_index;
  int64_t n_resumed;    /* evaluations read from the checkpoint */
  int     signal;       /* stopped by this signal before the budget (checkpoint kept) */
  double  seconds_eval, seconds_bo, seconds_ckpt; /* wall time of evaluations / GP fit + suggest / checkpoints (this run) */
  int64_t n_eval_run, n_bo_run;     /* counts of the two in this run */
} ms_bo_inverse_history;

/* The run's definition string (for the checkpoint): target path and dataset, PCA path, descriptor,
 * boundary, box, porosity weight, replicates, n_init, BO options, and an FNV-1a hash of the base
 * generator parameters, target descriptor, PCA components and search space. Not collective. */
PetscErrorCode ms_bo_inverse_definition(const ms_bo_inverse *inv, ms_bo_space s, const ms_bo_opts *o, int64_t n_init, const char *target,
                                        const char *dataset, const char *pca_path, char *buf, size_t len);
PetscErrorCode ms_bo_inverse_run(ms_bo_inverse *inv, ms_bo_space s, const ms_bo_opts *o, const ms_bo_inverse_run_opts *ro,
                                 ms_bo_inverse_history *h);
PetscErrorCode ms_bo_inverse_history_free(ms_bo_inverse_history *h);
/* Output file: /inverse/history (table: dimensions, objective, descriptor_distance, porosity,
 * best_objective, initial), /inverse/best_parameters, /inverse/target_descriptor, attributes.
 * Atomic with provenance; inputs recorded. */
PetscErrorCode ms_bo_inverse_write(ms_bo_inverse *inv, ms_bo_space s, const ms_bo_inverse_history *h, int64_t n_init, const char *path,
                                   int n_inputs, char *const *inputs);
/* Convergence PNG like Figure 4.12: objective per evaluation and best so far (gnuplot). */
PetscErrorCode ms_bo_inverse_plot(MPI_Comm comm, const ms_bo_inverse_history *h, int64_t n_init, const char *png);

#endif
