/* ms_text.h - a growable text buffer (printf-style appends, CSV fields): the CSV reports of
 * the ML layer and the provenance sidecars format their text with it. Not collective; the
 * buffer owns its memory (ms_text_free). Zero-initialise: ms_text t = {0}. */
#ifndef MS_TEXT_H
#define MS_TEXT_H

#include "ms_core.h"

/* A growable text buffer. */
typedef struct {
  char  *s;
  size_t len, cap;
} ms_text;

PetscErrorCode ms_text_printf(ms_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a CSV field (quoted when it holds a comma, quote or newline), preceded by a comma
 * unless first. */
PetscErrorCode ms_text_field(ms_text *t, const char *field, PetscBool first);
PetscErrorCode ms_text_free(ms_text *t);

#endif
