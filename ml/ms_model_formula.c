/* ms_model_formula.c - the formula of a symbolic model (ms_model_ops.formula). */
#include "ms_model.h"

PetscErrorCode ms_model_formula(ms_model m, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCheck(m->fitted, m->comm, MS_ERR_USER, "model '%s' is not fitted", m->type);
  PetscCheck(m->ops.formula, m->comm, MS_ERR_USER, "model type '%s' has no formula; symbolic models (sisso) have one", m->type);
  PetscCall(m->ops.formula(m, viewer));
  PetscFunctionReturn(0);
}
