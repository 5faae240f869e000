/* ms_scaler.h - preprocessing objects: fit on training rows only, transform, inverse.
 *
 * Types (option -scaler, default none):
 *   none             identity
 *   standard         (x - mean_j) / std_j per column (population std; constant column -> 1)
 *   minmax           (x - min_j) / (max_j - min_j) per column (constant column -> 0)
 *   log1p            ln(1 + x) (x > -1 required)
 *   normalize_max    per row: x_ij / max_j |x_ij| (one spectrum scaled to its maximum;
 *                    scikit-learn Normalizer(norm='max'); all-zero rows unchanged)
 *   normalize_total  per row: x_ij / sum_j |x_ij| (Normalizer(norm='l1'))
 *   poisson          Keenan-Kotula: x_ij / sqrt(g_i h_j), g_i = row mean (of the row being
 *                    transformed), h_j = training column mean (zero mean -> column unscaled)
 *   truncate         clip each column to its training [min, max] ("maximum truncation")
 * Row-wise, clipping and Poisson maps have no inverse (ms_scaler_inverse fails).
 * Column statistics are reduced over the training dataset's communicator. A fitted scaler
 * is saved with the model (group "scaler" inside the model group).
 */
#ifndef MS_SCALER_H
#define MS_SCALER_H

#include "ms_core.h"
#include "ms_dataset.h"

typedef struct ms_scaler_s *ms_scaler;

PetscErrorCode ms_scaler_create(const char *type, ms_scaler *s);
PetscErrorCode ms_scaler_destroy(ms_scaler *s);
const char    *ms_scaler_type(ms_scaler s);
/* Collective over train->comm. */
PetscErrorCode ms_scaler_fit(ms_scaler s, ms_dataset train);
/* In place on n rows of d columns (local, not collective). */
PetscErrorCode ms_scaler_transform(ms_scaler s, int64_t n, int64_t d, double *X);
PetscErrorCode ms_scaler_inverse(ms_scaler s, int64_t n, int64_t d, double *X);
PetscErrorCode ms_scaler_save(ms_scaler s, hid_t group);
PetscErrorCode ms_scaler_load(hid_t group, ms_scaler *s);
extern const char *const ms_scaler_types[]; /* NULL-terminated */

#endif
