/* ms_text.c - a growable text buffer (ms_text.h). */
#include "ms_text.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

PetscErrorCode ms_text_printf(ms_text *t, const char *fmt, ...)
{
  va_list ap;
  int     n;

  PetscFunctionBegin;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t cap = PetscMax(2 * t->cap, t->len + (size_t)n + 256);
    char  *s;
    PetscCall(PetscMalloc1(cap, &s));
    if (t->len) PetscCall(PetscMemcpy(s, t->s, t->len));
    PetscCall(PetscFree(t->s));
    t->s   = s;
    t->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_text_field(ms_text *t, const char *field, PetscBool first)
{
  PetscFunctionBegin;
  if (!first) PetscCall(ms_text_printf(t, ","));
  if (!strpbrk(field, ",\"\n\r")) PetscCall(ms_text_printf(t, "%s", field));
  else {
    PetscCall(ms_text_printf(t, "\""));
    for (const char *c = field; *c; c++) {
      if (*c == '"') PetscCall(ms_text_printf(t, "\"\""));
      else PetscCall(ms_text_printf(t, "%c", *c));
    }
    PetscCall(ms_text_printf(t, "\""));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_text_free(ms_text *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->s));
  t->len = t->cap = 0;
  PetscFunctionReturn(0);
}

