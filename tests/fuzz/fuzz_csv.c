/* fuzz_csv.c - the CSV reader on arbitrary bytes.
 *
 * The input is the file. The first byte (kept in the file: it is just more CSV) picks the
 * reading options, so one corpus covers every role a column can take: target or not, task
 * (auto/regression/classification), id column, ignored column, NaN policy, -features.
 * Runs the tokenizer on the raw bytes (ms_csv_split + ms_csv_next, the rank-0 split and a
 * 3-way split as three ranks would parse it), the table reader (ms_dataset_read_csv +
 * -features selection via ms_dataset_load) and the membrane parameter-table reader
 * (`label -params`), all on one rank.
 */
#include "ms_fuzz.h"
#include "ms_csv.h"
#include "ms_dataset.h"
#include "ms_membrane.h"

static void tokenize(const char *path, const uint8_t *data, size_t size)
{
  size_t  header_end, starts[4];
  int64_t n_records, lines[4];
  if (ms_csv_split(path, (const char *)data, size, 3, &header_end, &n_records, starts, lines)) return;
  for (int k = 0; k < 3; k++) {
    ms_csv_reader r   = {.path = path, .p = (const char *)data + starts[k], .end = (const char *)data + starts[k + 1], .line = lines[k]};
    ms_csv_record rec = {0};
    PetscBool     have = PETSC_TRUE;
    while (have && !ms_csv_next(&r, &rec, &have))
      for (int j = 0; have && j < rec.n; j++) {
        double    v;
        PetscBool finite;
        (void)ms_csv_parse_double(rec.field[j], &v, &finite);
        (void)ms_csv_format_field(rec.field[j], NULL);
      }
    ms_csv_record_free(&rec);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char      *path   = ms_fuzz_file(".csv", data, size);
  const unsigned   sel    = size ? data[0] : 0;
  const char      *ignore[] = {"x2", NULL}, *features[] = {"x1", "x3", NULL};
  ms_csv_read_opts o      = {0};
  ms_dataset       ds     = NULL;

  tokenize(path, data, size);
  o.target     = (sel & 3) == 0 ? NULL : (sel & 3) == 1 ? "y" : (sel & 3) == 2 ? "phase" : "x1";
  o.task       = (ms_task)((sel >> 2) % 3); /* auto, regression, classification */
  o.id_column  = (sel & 16) ? "id" : NULL;
  o.ignore     = (sel & 32) ? ignore : NULL;
  o.nan_policy = (ms_nan_policy)((sel >> 6) % 3);
  if (!ms_dataset_read_csv(PETSC_COMM_SELF, path, &o, &ds)) {
    double lo[64], hi[64];
    if (ds->n_features <= 64) (void)ms_dataset_column_range(ds, lo, hi);
    (void)ms_dataset_check_finite(ds, "fuzz");
  }
  (void)ms_dataset_destroy(&ds);
  if (sel & 128) {
    o.features = features;
    if (!ms_dataset_load(PETSC_COMM_SELF, path, &o, &ds)) (void)ms_dataset_destroy(&ds);
  } else {
    ms_membrane_params base = ms_membrane_params_default();
    int64_t            n;
    double            *rows = NULL;
    if (!ms_membrane_params_read_csv(PETSC_COMM_SELF, path, &base, &n, &rows)) (void)PetscFree(rows);
  }
  return 0;
}
