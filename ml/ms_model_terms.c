/* ms_model_terms.c - the named parameters of a fitted model (ms_model.h, ops.terms): what
 * `train -model_view` and `matscreen inspect` print, so every coefficient, importance and
 * length scale is read next to the feature it belongs to. */
#include "ms_model.h"
#include <string.h>

PetscErrorCode ms_model_terms_add(ms_model_terms t, const char *kind, const char *cls, const char *feature, double value)
{
  PetscFunctionBegin;
  if (t->n == t->cap) {
    int64_t cap = t->cap ? 2 * t->cap : 32;
    char  **k, **c, **f;
    double *v;
    PetscCall(PetscMalloc4(cap, &k, cap, &c, cap, &f, cap, &v));
    if (t->n) {
      PetscCall(PetscArraycpy(k, t->kind, t->n));
      PetscCall(PetscArraycpy(c, t->cls, t->n));
      PetscCall(PetscArraycpy(f, t->feature, t->n));
      PetscCall(PetscArraycpy(v, t->value, t->n));
    }
    PetscCall(PetscFree4(t->kind, t->cls, t->feature, t->value));
    t->kind    = k;
    t->cls     = c;
    t->feature = f;
    t->value   = v;
    t->cap     = cap;
  }
  PetscCall(PetscStrallocpy(kind, &t->kind[t->n]));
  PetscCall(PetscStrallocpy(cls ? cls : "", &t->cls[t->n]));
  PetscCall(PetscStrallocpy(feature ? feature : "", &t->feature[t->n]));
  t->value[t->n++] = value;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_terms_get(ms_model m, ms_model_terms *t)
{
  PetscFunctionBegin;
  if (!m->fitted) SETERRQ(m->comm, PETSC_ERR_ORDER, "model '%s': parameters asked before fit", m->type);
  PetscCall(PetscNew(t));
  if (m->ops.terms) PetscCall(m->ops.terms(m, *t));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_terms_destroy(ms_model_terms *t)
{
  PetscFunctionBegin;
  if (!*t) PetscFunctionReturn(0);
  for (int64_t i = 0; i < (*t)->n; i++) {
    PetscCall(PetscFree((*t)->kind[i]));
    PetscCall(PetscFree((*t)->cls[i]));
    PetscCall(PetscFree((*t)->feature[i]));
  }
  PetscCall(PetscFree4((*t)->kind, (*t)->cls, (*t)->feature, (*t)->value));
  PetscCall(PetscFree(*t));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_terms_view(ms_model_terms t, PetscViewer v)
{
  int wk = 4, wc = 5, wf = 7;

  PetscFunctionBegin;
  if (!t->n) PetscFunctionReturn(0);
  for (int64_t i = 0; i < t->n; i++) {
    wk = PetscMax(wk, (int)strlen(t->kind[i]));
    wc = PetscMax(wc, (int)strlen(t->cls[i]));
    wf = PetscMax(wf, (int)strlen(t->feature[i]));
  }
  wc = PetscMax(wc, 5);
  PetscCall(PetscViewerASCIIPrintf(v, "%-*s %-*s %-*s %s\n", wk, "kind", wc, "class", wf, "feature", "value"));
  for (int64_t i = 0; i < t->n; i++)
    PetscCall(PetscViewerASCIIPrintf(v, "%-*s %-*s %-*s %.17g\n", wk, t->kind[i], wc, t->cls[i][0] ? t->cls[i] : "-", wf,
                                     t->feature[i][0] ? t->feature[i] : "-", t->value[i]));
  PetscFunctionReturn(0);
}
