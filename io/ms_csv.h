/* ms_csv.h - CSV tokenizer (RFC 4180 quotes, '#' comment lines, empty lines skipped).
 *
 * Works on a byte range of a memory-mapped file so that ranks parse disjoint ranges in
 * parallel: ms_csv_split() (one rank) finds record boundaries that respect quoted newlines
 * and cuts the data records into P balanced ranges, each with its first line number.
 * Fields are unquoted into a buffer owned by the record; pointers stay valid until the
 * next call on that record.
 */
#ifndef MS_CSV_H
#define MS_CSV_H

#include "ms_core.h"

typedef struct {
  const char *path;           /* for messages */
  const char *p, *end;        /* unread bytes */
  int64_t     line;           /* line number of *p (1-based) */
} ms_csv_reader;

typedef struct {
  int      n, cap;            /* fields in this record */
  char   **field;             /* unquoted, NUL-terminated */
  char    *buf;
  size_t   buf_cap;
  int64_t  line;              /* line where the record starts */
} ms_csv_record;

/* Next data record; *have = PETSC_FALSE at the end of the range. Errors (unterminated
 * quote, text after a closing quote) name path:line. */
PetscErrorCode ms_csv_next(ms_csv_reader *r, ms_csv_record *rec, PetscBool *have);
void           ms_csv_record_free(ms_csv_record *rec);

/* Split [data, data+len) into the header record and `parts` ranges of whole data records.
 * header_end: offset just after the header record. starts[k], lines[k] for k = 0..parts:
 * byte offset and line number where range k begins (starts[parts] = len). *n_records:
 * data records (comments and empty lines excluded). */
PetscErrorCode ms_csv_split(const char *path, const char *data, size_t len, int parts, size_t *header_end,
                            int64_t *n_records, size_t *starts, int64_t *lines);

/* Parse a number: the whole field (spaces around allowed) must be a decimal number
 * ([+-]digits[.digits][e[+-]digits]); "nan", "inf", "infinity" (any case, signed) and "" are
 * *finite = PETSC_FALSE (value NaN/Inf); anything else (hex floats, "nan(1)", "1,5")
 * returns PETSC_FALSE. A UTF-8 byte order mark at the start of the file is skipped; a NUL
 * byte in a field is an error naming path:line and column. */
PetscBool ms_csv_parse_double(const char *s, double *v, PetscBool *finite);

/* Quote a field for output when it needs it (comma, quote, newline, '#' at the start, outer
 * spaces). Returns the number of bytes written to out (out may be NULL to measure). */
size_t ms_csv_format_field(const char *s, char *out);

#endif
