/* ms_micro.h - classical microstructure descriptors of a z-slab volume (issue 11 item 1).
 *
 * The pore phase is voxel value 0 (io/ms_volume.h); every other value is solid. All functions
 * are collective over v->comm and leave the results replicated on every rank. Lengths are in
 * voxels; multiply by v->voxel_size (micrometres, 0 = unknown) for physical units.
 *
 * Boundary (ms_micro_boundary):
 *   PERIODIC  the volume is one period of an infinite structure: lags, faces and chords wrap.
 *   PADDED    the volume is a window of a larger structure: nothing wraps. S2 is the
 *             non-periodic estimator: the pore volume is zero-padded to (2nz, 2ny, 2nx) so the
 *             FFT correlation has no wrap-around, and each lag's pair count is divided by the
 *             number of voxel pairs at that lag inside the window,
 *             (nx - |rx|)(ny - |ry|)(nz - |rz|), not by N.
 *
 * Two-point correlation S2(r) = P(x pore and x + r pore), by FFT (FFTW 3, its MPI interface):
 * the indicator is moved from ms_volume's balanced z-slabs to FFTW's own slab split
 * (fftw_mpi_local_size_3d_transposed; one MPI_Alltoallv of uint8 planes), r2c forward with
 * FFTW_MPI_TRANSPOSED_OUT, |F|^2, c2r backward with FFTW_MPI_TRANSPOSED_IN. The inverse
 * transform gives pair counts C(r), integers in exact arithmetic; they are rounded to the
 * nearest integer (the largest rounding residual is kept in s2_round_residual; a residual
 * above 0.25 is an error, never seen below ~10^12 voxels). So S2 = C / (pairs at r) is exact,
 * and the same on any number of ranks bit for bit.
 *   along each axis:  S2(r e_a) for r = 0 .. n_a / 2 (lag r and -r are equal).
 *   radial average:   shell k = round(|r|), k = 0 .. min(n) / 2, over lags with every
 *                     |r_a| <= n_a / 2 (minimum image); the shell value pools the pairs:
 *                     sum C(r) / sum pairs(r) (periodic: the plain mean of S2 over the shell).
 *   S2(0) = porosity; for a structure without long-range order S2(r) -> porosity^2.
 *
 * Specific surface area (face-count estimator): the number of pore-solid voxel faces per
 * voxel of volume, S_V = F / N in 1/voxel (divide by voxel_size for 1/um). It counts the
 * staircase area: for a smooth isotropic interface its expectation is 3/2 of the true area
 * (Cauchy-Crofton), so it ranks structures of one resolution but is not a converged area.
 *
 * Chord lengths along axis a: maximal runs of pore voxels along lines parallel to a. PERIODIC:
 * runs wrap across the faces; a line that is pore from end to end has no chord (counted in
 * spanning_lines). PADDED: runs that touch either face are cut by the window and are left out
 * (counted in cut_chords). The histogram counts chords of each length 1..n_a exactly.
 *
 * Sets of volumes, the two-point feature vector used by the PCA embedding (apps/cmd_describe.c):
 * ms_micro_s2_features() concatenates S2 along x, y and z (the anisotropic two-point
 * statistics; names s2_x_0.., s2_y_0.., s2_z_0..).
 */
#ifndef MS_MICRO_H
#define MS_MICRO_H

#include "ms_core.h"
#include "ms_volume.h"

typedef enum { MS_MICRO_PERIODIC = 0, MS_MICRO_PADDED = 1 } ms_micro_boundary;
/* PetscOptionsEnum list: "periodic", "padded", then type name, prefix, NULL. */
extern const char *const ms_micro_boundary_names[];

typedef struct {
  int64_t n_axis[3];   /* lags 0..n_axis[a]-1 along x, y, z (n_a / 2 + 1) */
  double *axis[3];     /* S2 along each axis (owned) */
  int64_t n_radial;    /* shells 0..n_radial-1 */
  double *radial;      /* S2 per shell (owned) */
  int64_t *shell_lags; /* lags (voxel offsets) per shell (owned) */
  double  round_residual; /* max |C - round(C)| over the lags used */
  double  fft_seconds;    /* wall time of the transforms: forward, |F|^2, backward (max over ranks) */
  double  setup_seconds;  /* move to FFTW's slabs + fill of the FFT buffer (its first touch) */
} ms_micro_s2;

typedef struct {
  int64_t  n_len[3];      /* histogram lengths 1..n_len[a] */
  int64_t *hist[3];       /* hist[a][l - 1] = number of chords of length l (owned) */
  int64_t  count[3];      /* chords per axis */
  double   mean[3], std[3]; /* voxels; population std; NaN without chords */
  int64_t  spanning_lines[3]; /* PERIODIC: lines entirely pore */
  int64_t  cut_chords[3];     /* PADDED: chords touching a face (left out) */
} ms_micro_chords;

/* Pore-solid faces per voxel (1/voxel) and the face count itself. */
PetscErrorCode ms_micro_surface(ms_volume v, ms_micro_boundary b, double *s_v, int64_t *faces);
PetscErrorCode ms_micro_chords_compute(ms_volume v, ms_micro_boundary b, ms_micro_chords *c);
void           ms_micro_chords_free(ms_micro_chords *c);
PetscErrorCode ms_micro_s2_compute(ms_volume v, ms_micro_boundary b, ms_micro_s2 *s);
void           ms_micro_s2_free(ms_micro_s2 *s);

/* Two-point feature vector: S2 along x, y, z concatenated. n = sum of s->n_axis. names
 * (optional) get n strings (free with ms_strings_free). */
int64_t        ms_micro_s2_n_features(const ms_micro_s2 *s);
PetscErrorCode ms_micro_s2_features(const ms_micro_s2 *s, double *f, char ***names);

/* ---- a set of volumes (ms_micro_set.c) ----
 * The ranks of comm form groups of ranks_per_volume consecutive ranks (<= 0 or >= size: one
 * group of all ranks); in round k group j describes volume k G + j (G groups), read over the
 * group in z-slabs. Every value is an integer count or a ratio of two, so the results do not
 * depend on the grouping; they end replicated on every rank. The volumes of a set must share
 * one shape (the S2 and chord tables have one column per lag / length), checked before any
 * work. Row i belongs to set->names[i]. */
#include "ms_dataset.h"
#include "ms_volume_set.h"

typedef struct {
  int64_t  n, nx, ny, nz;
  ms_micro_boundary boundary;
  double  *voxel_size;             /* n; 0 = unknown */
  double  *porosity, *surface;     /* n; surface = S_V in 1/voxel */
  int64_t *faces;                  /* n */
  double  *chord_mean[3], *chord_std[3]; /* n each, voxels */
  int64_t *chord_count[3], *chord_cut[3], *chord_spanning[3];
  int64_t  n_len[3];
  double  *chord_hist[3];          /* n x n_len[a] counts (exact integers) */
  int64_t  n_axis[3], n_radial;
  double  *s2_axis[3];             /* n x n_axis[a] */
  double  *s2_radial;              /* n x n_radial */
  int64_t *shell_lags;             /* n_radial (the same for every volume) */
  double   round_residual;         /* max over the set */
  double   fft_seconds, setup_seconds; /* sums over the set (each volume: max over its group) */
  double   seconds;                    /* wall time of the whole set */
} ms_micro_set_result;

PetscErrorCode ms_micro_describe_set(MPI_Comm comm, ms_volume_set set, ms_micro_boundary b, PetscInt ranks_per_volume, ms_micro_set_result *r);
void           ms_micro_set_result_free(ms_micro_set_result *r);
/* Summary table (porosity, specific_surface_area[, _per_um], chord_mean/std/count_x|y|z; ids =
 * volume names), rows sharded over comm. */
PetscErrorCode ms_micro_summary_dataset(MPI_Comm comm, const ms_micro_set_result *r, char *const *names, ms_dataset *ds);
/* Two-point features (ms_micro_s2_features) of every volume as a table, rows sharded. */
PetscErrorCode ms_micro_s2_dataset(MPI_Comm comm, const ms_micro_set_result *r, char *const *names, ms_dataset *ds);
/* Per-lag arrays under group g: s2_x, s2_y, s2_z, s2_radial, shell_radius, shell_lags,
 * chord_hist_x|y|z, with units; attributes boundary, nx, ny, nz, estimator notes. */
PetscErrorCode ms_micro_set_write_h5(MPI_Comm comm, const ms_micro_set_result *r, hid_t g);

#endif
