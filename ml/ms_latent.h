/* ms_latent.h - latent-space diagnostics of a set of generated structures and the nearest-
 * neighbour property estimate of new volumes (dissertation Section 4.2, Appendix A, Table 4.4;
 * spec.md "Latent analysis" and "Nearest-neighbour property estimation").
 *
 * Descriptors: one row per structure, any dimension d: the VAE latent means (`vae encode`,
 * /latent/mu) or the two-point PCA scores of `describe` (PC1..PCk of /describe/summary).
 * Properties of the generated (training) structures come from the generator: porosity (pore
 * fraction) and the stretch factors e_x, e_y, e_z in (0, 1] (1 = none). Their stretch axis is
 * the axis of the smallest factor when it is below 1 (none otherwise) and their stretch
 * intensity is that smallest factor (the seed's "P" intensity: 0.98 = weak stretch).
 *
 * Diagnostics (ms_latent_fit): a PCA of the descriptors with every component kept (ms_pca.h,
 * scikit-learn's definitions), the number of components whose cumulative explained variance
 * ratio first reaches `variance` (0.95: the seed's 228 of 256), and the Pearson correlation of
 * each of the `n_lead` leading components' scores with porosity, e_x, e_y, e_z and the
 * intensity. The porosity component is the leading one with the largest |r| with porosity
 * (the seed's PC3) unless given; the stretch plane is spanned by the two other leading
 * components with the largest r_x^2 + r_y^2 + r_z^2 (correlations with the stretch factors; the
 * seed's PC1-PC2), in component order, unless given.
 *
 * Estimate (ms_latent_nearest, Table 4.4): a new row's scores s; porosity_P = porosity of the
 * training row minimising |s_p - t_p| on the porosity component; direction_P and intensity_P
 * = stretch axis and intensity of the training row minimising the Euclidean distance in the
 * stretch plane. Ties go to the lowest global row index, so the result does not depend on the
 * rank count. From the tortuosities of a new volume (ms_latent_tau_anisotropy): direction_C =
 * argmin tau, intensity_C = mean(tau_min / tau_other) over the two other axes.
 *
 * Parallelism: training rows are sharded (any contiguous blocks); sums are MPI_Allreduce'd
 * and the nearest neighbour is an MPI_MINLOC reduction of (distance, global index), then the
 * owner's properties are summed to every rank. New rows are replicated (a few CT crops).
 * Ownership: the result owns its arrays and the PCA.
 */
#ifndef MS_LATENT_H
#define MS_LATENT_H

#include "ms_core.h"
#include "ms_pca.h"

/* Property columns of a training row (props: n x MS_LATENT_NPROP). */
enum { MS_LATENT_POROSITY = 0, MS_LATENT_EX, MS_LATENT_EY, MS_LATENT_EZ, MS_LATENT_INTENSITY, MS_LATENT_NPROP };
extern const char *const ms_latent_prop_names[MS_LATENT_NPROP]; /* porosity, stretch_x|y|z, intensity */
/* "x", "y", "z" for 0..2, "no" for -1 (the seed's Table 4.4 spelling). */
const char *ms_latent_axis_name(int axis);

typedef struct {
  double  variance;      /* cumulative explained variance threshold, (0, 1] */
  int64_t n_lead;        /* leading components reported and searched (>= 2) */
  int64_t porosity_pc;   /* 1-based; 0 = automatic */
  int64_t stretch_pc[2]; /* 1-based; 0,0 = automatic */
} ms_latent_opts;
ms_latent_opts ms_latent_opts_default(void); /* 0.95, 6, auto, auto */

typedef struct {
  ms_pca  pca;
  int64_t n_variance;    /* components reaching opts.variance */
  int64_t n_lead;        /* min(opts.n_lead, pca->k) */
  double *corr;          /* n_lead x MS_LATENT_NPROP Pearson r (NaN for a constant property) */
  int64_t porosity_pc;   /* 0-based */
  int64_t stretch_pc[2]; /* 0-based */
} ms_latent_result;

/* Axis (0..2, -1 none) and intensity of generator stretch factors e[3]. */
void ms_latent_stretch(const double e[3], int *axis, double *intensity);
/* Axis of the smallest tau and mean(tau_min / tau_other); -1 and NaN when any tau is not finite. */
void ms_latent_tau_anisotropy(const double tau[3], int *axis, double *intensity);
/* Training rows: n_local x d descriptors X and n_local x MS_LATENT_NPROP properties on each rank.
 * Collective over comm. Fills r (free with ms_latent_result_free). */
PetscErrorCode ms_latent_fit(MPI_Comm comm, int64_t n_local, int64_t d, const double *X, const double *props, const ms_latent_opts *o,
                             ms_latent_result *r);
PetscErrorCode ms_latent_result_free(ms_latent_result *r);

typedef struct {
  int64_t porosity_row, stretch_row; /* global training row indices of the neighbours */
  double  porosity;                  /* porosity_P */
  int     axis;                      /* direction_P (-1 none) */
  double  intensity;                 /* intensity_P */
} ms_latent_estimate;
/* For n_new replicated rows of new scores (n_new x pca->k), the neighbours among the training
 * scores (n_local x pca->k, global rows row_start + i) with their props. Collective. */
PetscErrorCode ms_latent_nearest(MPI_Comm comm, const ms_latent_result *r, int64_t n_local, int64_t row_start, const double *scores,
                                 const double *props, int64_t n_new, const double *new_scores, ms_latent_estimate *est);

/* PC(stretch_pc[0]) vs PC(stretch_pc[1]) scores coloured by stretch axis, PNG drawn by gnuplot
 * on rank 0 (training rows sharded; gathered to rank 0 for the plot only); new rows, when
 * given (replicated), as black crosses. Collective. */
PetscErrorCode ms_latent_plot(MPI_Comm comm, const ms_latent_result *r, int64_t n_local, const double *scores, const double *props,
                              int64_t n_new, const double *new_scores, const char *png);

#endif

/* Reading (ms_latent_io.c). Descriptor rows from SPEC:
 *   file.h5                 /latent/mu when present (`vae encode`), else /describe/summary
 *   file.h5:/path/dataset   a 2-D float dataset (n x d), rows = structures in batch order
 *   file.h5:/group | t.csv  a table (ms_dataset.h): its columns PC1, PC2, ... when it has any
 *                           (`describe -fit_pca` / `-pca_model` summaries), else every feature
 * Rows are sharded over comm (contiguous blocks); ids are the table's sample ids (NULL for a
 * bare matrix). Collective; errors name SPEC and `what` (the option). */
typedef struct {
  int64_t n_global, n_local, row_start, d;
  double *X;   /* n_local x d */
  char  **ids; /* n_local, or NULL */
  char  **names; /* d column names */
} ms_latent_rows;
PetscErrorCode ms_latent_rows_load(MPI_Comm comm, const char *spec, const char *what, ms_latent_rows *rows);
/* Every rank gets all rows (for the few new volumes). Collective. */
PetscErrorCode ms_latent_rows_replicate(MPI_Comm comm, ms_latent_rows *rows);
PetscErrorCode ms_latent_rows_free(ms_latent_rows *rows);
/* Generator properties of the training rows from a `generate -batch` file's /parameters
 * (porosity, stretch_x|y|z, done). Row i is structure row_start + i when rows has no ids, else
 * the structure NNNNNN its id ends with ("...:/structures/000012", as `describe` names them);
 * the row count must equal the batch's, every structure must be done and appear once.
 * props: n_local x MS_LATENT_NPROP (caller frees). Collective. */
PetscErrorCode ms_latent_props_load(MPI_Comm comm, const char *batch, const ms_latent_rows *rows, double **props);
/* Tortuosity of n_new new volumes (replicated): one CSV/HDF5 table with columns tau_x, tau_y,
 * tau_z (and optionally porosity; ids, when both the table and the new rows have them, must
 * equal the new rows' ids in order), or n_files `tortuosity -axis all` outputs, one per new
 * volume in order (/tortuosity/<axis>/tau and porosity). tau: n_new x 3, porosity: n_new (NaN
 * when unknown). Collective. */
PetscErrorCode ms_latent_tau_load(MPI_Comm comm, int n_files, char *const *files, const ms_latent_rows *new_rows, double *tau,
                                  double *porosity);
