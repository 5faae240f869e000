/* CSV <-> HDF5 round trips of a dataset with uneven row counts per rank: every value,
 * name, class and id comes back bit-identical; allgather/select agree with the source;
 * volumes round-trip through HDF5 slabs and boxes. Run on 1, 2 and 3 ranks. */
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_test.h"
#include "ms_volume.h"
#include <string.h>

#define NROWS 7 /* 7 rows over 2 or 3 ranks: uneven blocks */
#define NF 3

static double value(int64_t i, int64_t j)
{
  const double special[] = {1.0 / 3.0, -0.0, 1e-300, 1.25e300, -2.5e-7, 123456789.125, M_PI};
  return special[(i + j) % 7] * (double)(i + 1);
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  MPI_Comm comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  char dir[PETSC_MAX_PATH_LEN] = ".";
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof dir, NULL));

  int64_t    start = (NROWS / size) * rank + PetscMin(rank, NROWS % size);
  int64_t    nl    = NROWS / size + (rank < NROWS % size);
  ms_dataset ds;
  PetscCall(ms_dataset_create(comm, nl, NF, &ds));
  MS_CHECK(ds->n_global == NROWS && ds->row_start == start);
  char *names[NF] = {"alpha", "b,eta", "\"gamma\""};
  PetscCall(ms_dataset_set_feature_names(ds, names));
  char   *classes[3] = {"apple", "banana split", "cherry,pie"};
  int64_t lab[NROWS];
  for (int64_t i = 0; i < nl; i++) {
    for (int j = 0; j < NF; j++) ds->X[i * NF + j] = value(start + i, j);
    lab[i] = (start + i) % 3;
  }
  PetscCall(ms_dataset_set_labels(ds, "fruit", 3, classes, lab));
  ds->id_name = NULL;
  PetscCall(PetscStrallocpy("sample", &ds->id_name));
  PetscCall(PetscCalloc1(nl + 1, &ds->ids));
  for (int64_t i = 0; i < nl; i++) {
    char id[32];
    snprintf(id, sizeof id, "s-%lld,\"q\"", (long long)(start + i));
    PetscCall(PetscStrallocpy(id, &ds->ids[i]));
  }

  char csv[PETSC_MAX_PATH_LEN], h5[PETSC_MAX_PATH_LEN];
  snprintf(csv, sizeof csv, "%s/roundtrip_np%d.csv", dir, (int)size);
  snprintf(h5, sizeof h5, "%s/roundtrip_np%d.h5", dir, (int)size);
  PetscCall(ms_dataset_write_csv(ds, csv));
  ms_csv_read_opts o = {"fruit", MS_TASK_CLASSIFICATION, "sample", NULL, MS_NAN_ERROR, NULL, PETSC_FALSE};
  ms_dataset       back;
  PetscCall(ms_dataset_read_csv(comm, csv, &o, &back));
  ms_h5_file f;
  PetscCall(ms_h5_create(comm, h5, &f));
  PetscCall(ms_dataset_write_h5(back, f->fid, "/table"));
  PetscCall(ms_h5_commit(&f));
  ms_dataset back2;
  PetscCall(ms_h5_open_read(comm, h5, &f));
  PetscCall(ms_dataset_read_h5(comm, f->fid, "/table", &back2));
  PetscCall(ms_h5_close(&f));

  ms_dataset got[2] = {back, back2};
  for (int k = 0; k < 2; k++) {
    ms_dataset g = got[k];
    MS_CHECK(g->n_global == NROWS && g->n_features == NF && g->n_classes == 3);
    MS_CHECK(g->n_local == nl && g->row_start == start); /* both splits follow PETSc's rule */
    for (int j = 0; j < NF; j++) MS_CHECK(!strcmp(g->feature_names[j], names[j]));
    for (int c = 0; c < 3; c++) MS_CHECK(!strcmp(g->class_names[c], classes[c]));
    MS_CHECK(!strcmp(g->target_name, "fruit") && !strcmp(g->id_name, "sample"));
    for (int64_t i = 0; i < g->n_local; i++) {
      for (int j = 0; j < NF; j++) MS_CHECK(memcmp(&g->X[i * NF + j], &ds->X[i * NF + j], sizeof(double)) == 0);
      MS_CHECK(g->labels[i] == ds->labels[i]);
      MS_CHECK(!strcmp(g->ids[i], ds->ids[i]));
    }
  }

  /* Replicate, then select every other row in reverse onto the same communicator. */
  ms_dataset rep, sub;
  PetscCall(ms_dataset_allgather(back2, &rep));
  MS_CHECK(rep->n_local == NROWS && rep->replicated);
  for (int64_t i = 0; i < NROWS; i++) {
    MS_CHECK(rep->X[i * NF + 1] == value(i, 1));
    MS_CHECK(rep->labels[i] == i % 3);
  }
  int64_t idx[4] = {6, 4, 2, 0};
  PetscCall(ms_dataset_select(rep, comm, 4, idx, &sub));
  MS_CHECK(sub->n_global == 4);
  for (int64_t i = 0; i < sub->n_local; i++) {
    int64_t src = idx[sub->row_start + i];
    MS_CHECK(sub->X[i * NF] == value(src, 0));
    MS_CHECK(sub->labels[i] == src % 3);
  }

  /* Volumes: write by z-slabs, read back whole and as an arbitrary box. */
  ms_volume v, w;
  PetscCall(ms_volume_create(comm, 5, 4, 7, &v));
  for (int64_t z = 0; z < v->nz_local; z++)
    for (int64_t y = 0; y < 4; y++)
      for (int64_t x = 0; x < 5; x++) v->data[(z * 4 + y) * 5 + x] = (uint8_t)((x + 3 * y + 7 * (z + v->z_start)) % 256);
  v->voxel_size = 0.15;
  PetscCall(ms_volume_set_meta(v, "generator", "test n=%d", 3));
  char vh5[PETSC_MAX_PATH_LEN];
  snprintf(vh5, sizeof vh5, "%s/volume_np%d.h5", dir, (int)size);
  PetscCall(ms_volume_save(v, vh5, "/volume"));
  PetscCall(ms_volume_load(comm, vh5, "/volume", &w));
  MS_CHECK(w->nx == 5 && w->ny == 4 && w->nz == 7 && w->z_start == v->z_start && w->voxel_size == 0.15);
  MS_CHECK(w->n_meta == 1 && !strcmp(ms_volume_get_meta(w, "generator"), "test n=3"));
  MS_CHECK(memcmp(w->data, v->data, (size_t)(v->nz_local * 20)) == 0);
  uint8_t box[2 * 2 * 3];
  int64_t bs[3] = {1, 2, 4}, bc[3] = {3, 2, 2};
  PetscCall(ms_h5_open_read(comm, vh5, &f));
  PetscCall(ms_volume_read_box(f->fid, "/volume", bs, bc, box));
  PetscCall(ms_h5_close(&f));
  for (int z = 0; z < 2; z++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 3; x++) MS_CHECK(box[(z * 2 + y) * 3 + x] == (x + 1 + 3 * (y + 2) + 7 * (z + 4)) % 256);
  double frac;
  PetscCall(ms_volume_fraction(w, 0, &frac));
  int zeros = 0;
  for (int z = 0; z < 7; z++)
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 5; x++) zeros += (x + 3 * y + 7 * z) % 256 == 0;
  MS_CHECK_CLOSE(frac, zeros / 140.0, 0, 1e-15);

  PetscCall(ms_volume_destroy(&v));
  PetscCall(ms_volume_destroy(&w));
  PetscCall(ms_dataset_destroy(&sub));
  PetscCall(ms_dataset_destroy(&rep));
  PetscCall(ms_dataset_destroy(&back));
  PetscCall(ms_dataset_destroy(&back2));
  PetscCall(ms_dataset_destroy(&ds));
  MS_TEST_END("test_dataset_roundtrip");
}
