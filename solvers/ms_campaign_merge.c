/* ms_campaign_merge.c - one table from the files of a job array (ms_campaign.h).
 *
 * Every array task writes a full-length file of the same campaign with done = 1 on its own
 * rows only, so merging is row selection: row i comes from the one file that has it done.
 * Every rank reads every (small) table; rank 0 writes the merged file collectively. */
#include "ms_campaign_impl.h"
#include "ms_log.h"

/* Append "a, b, c-d, ..." style row list (at most `max` items) of rows with count[i] == want. */
static PetscErrorCode list_rows(const int *count, int64_t n, int want, char *buf, size_t len, int64_t *total)
{
  size_t k   = 0;
  int    max = 20, items = 0;
  PetscFunctionBegin;
  buf[0] = 0;
  *total = 0;
  for (int64_t i = 0; i < n; i++) {
    if (count[i] != want && !(want == 2 && count[i] > 2)) continue;
    int64_t j = i;
    while (j + 1 < n && (count[j + 1] == want || (want == 2 && count[j + 1] > 2))) j++;
    *total += j - i + 1;
    if (items++ < max && k < len) {
      if (j > i) k += (size_t)snprintf(buf + k, len - k, "%s%lld-%lld", k ? ", " : "", (long long)i, (long long)j);
      else k += (size_t)snprintf(buf + k, len - k, "%s%lld", k ? ", " : "", (long long)i);
    } else if (items == max + 1 && k < len) k += (size_t)snprintf(buf + k, len - k, ", ...");
    i = j;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_merge(MPI_Comm comm, int n_inputs, char *const *inputs, const char *output, int64_t *n_rows)
{
  char            *def0 = NULL, *def;
  int64_t          n0 = 0, n;
  ms_campaign_row *merged = NULL, *rows;
  int             *count;
  char             list[1024];
  int64_t          total;

  PetscFunctionBegin;
  PetscCheck(n_inputs >= 1, comm, MS_ERR_USER, "-inputs: give at least one campaign file (a.h5,b.h5,...)");
  for (int f = 0; f < n_inputs; f++) {
    PetscCheck(strcmp(inputs[f], output), comm, MS_ERR_USER, "-output %s is also an input: write the merged table to a new file", output);
    PetscCall(ms_campaign_file_read(comm, inputs[f], &def, &n, &rows));
    if (f == 0) {
      def0   = def;
      n0     = n;
      merged = rows;
      PetscCall(PetscCalloc1(n + 1, &count));
      for (int64_t i = 0; i < n; i++) count[i] = rows[i].done ? 1 : 0;
      continue;
    }
    PetscCheck(!strcmp(def, def0) && n == n0, comm, MS_ERR_USER,
               "-inputs: %s and %s are from different campaigns (only tasks of one campaign definition merge)\n  %s: %s\n  %s: %s",
               inputs[0], inputs[f], inputs[0], def0, inputs[f], def);
    for (int64_t i = 0; i < n; i++)
      if (rows[i].done) {
        if (!count[i]) merged[i] = rows[i];
        count[i]++;
      }
    PetscCall(PetscFree(def));
    PetscCall(PetscFree(rows));
  }
  PetscCall(list_rows(count, n0, 2, list, sizeof list, &total));
  PetscCheck(!total, comm, MS_ERR_USER,
             "-inputs: %lld row(s) are done in more than one file (overlapping -rows ranges?): rows %s. Merge files of disjoint row ranges",
             (long long)total, list);
  PetscCall(list_rows(count, n0, 0, list, sizeof list, &total));
  PetscCheck(!total, comm, MS_ERR_USER,
             "-inputs: %lld of %lld row(s) are done in none of the files: rows %s. Finish them (rerun the array task covering them) "
             "or add the missing file",
             (long long)total, (long long)n0, list);
  ms_campaign_def shape; /* the file layer takes N from a definition */
  PetscCall(ms_campaign_def_init(&shape));
  shape.n_rows = n0;
  {
    /* user_seed is recorded as an attribute: take it from the definition line */
    const char *s = strstr(def0, "user_seed=");
    if (s) shape.user_seed = strtoull(s + 10, NULL, 10);
  }
  PetscCall(ms_campaign_file_create(comm, output, def0, &shape, merged, inputs, n_inputs));
  *n_rows = n0;
  PetscCall(PetscFree(count));
  PetscCall(PetscFree(def0));
  PetscCall(PetscFree(merged));
  PetscFunctionReturn(0);
}
