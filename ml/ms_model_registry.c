/* ms_model_registry.c - the table of models by name.
 *
 * Adding a model: one line `X(name)` in MS_MODEL_TABLE below, for a file
 * ml/models/<name>.c that defines `PetscErrorCode ms_model_create_<name>(ms_model)`.
 * The line declares the create function and registers it; nothing else changes.
 */
#include "ms_model.h"
#include <string.h>

#define MS_MODEL_TABLE(X) \
  X(linear)               \
  X(ridge)                \
  X(logreg)               \
  X(gpr)                  \
  X(tree)                 \
  X(rf)                   \
  X(knn)                  \
  X(gnb)                  \
  X(svm)                  \
  X(xgb)                  \
  X(adaboost)             \
  X(mlp)                  \
  X(sisso)                \
  X(kan)                  \
  /* one line per model above this comment */

#define MS_MODEL_DECLARE(name) PetscErrorCode ms_model_create_##name(ms_model);
MS_MODEL_TABLE(MS_MODEL_DECLARE)

#define MS_MODEL_NAME(name) #name,
static const char *const ms_model_names[] = {MS_MODEL_TABLE(MS_MODEL_NAME) NULL};

#define MS_MODEL_FN(name) ms_model_create_##name,
static const ms_model_create_fn ms_model_fns[] = {MS_MODEL_TABLE(MS_MODEL_FN) NULL};

PetscErrorCode ms_model_list(const char *const **names, int *n)
{
  PetscFunctionBegin;
  *names = ms_model_names;
  for (*n = 0; ms_model_names[*n]; (*n)++) {}
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_registry_find(const char *type, ms_model_create_fn *fn)
{
  PetscFunctionBegin;
  *fn = NULL;
  for (int i = 0; ms_model_names[i]; i++)
    if (!strcmp(type, ms_model_names[i])) *fn = ms_model_fns[i];
  PetscFunctionReturn(0);
}
