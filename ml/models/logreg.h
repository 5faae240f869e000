/* logreg.h - multinomial logistic regression (registry name "logreg").
 *
 * The model itself is used through ms_model.h; this header only exposes the create
 * function for the registry and two read-only accessors for tests and diagnostics.
 * See logreg.c for the options, the objective and the optimiser.
 */
#ifndef MS_LOGREG_H
#define MS_LOGREG_H

#include "ms_model.h"

/* Fill m->ops and m->data (the registry calls it; not collective). */
PetscErrorCode ms_model_create_logreg(ms_model m);

/* Fitted parameters, owned by the model (do not free): n_rows = n_classes, or 1 for a
 * binary problem (scikit-learn's coef_ layout); coef is n_rows x n_features row-major,
 * intercept has n_rows entries (zeros with -logreg_fit_intercept false). Not collective. */
PetscErrorCode ms_logreg_get_coefficients(ms_model m, int64_t *n_rows, const double **coef,
                                          const double **intercept);

/* TAO iterations of the last fit (0 for a loaded model whose file lacks them). Not collective. */
PetscErrorCode ms_logreg_get_iterations(ms_model m, PetscInt *n_iter);

/* The fitted model's objective on train (scaled as the optimiser sees it: divided by
 * C * n_global) and the 2-norm of its gradient (projected onto the feasible directions
 * for l1/elastic net). Collective over train->comm. For checking optimality conditions. */
PetscErrorCode ms_logreg_objective(ms_model m, ms_dataset train, double *f, double *grad_norm);

#endif
