/* ms_model_io.c - a fitted model as one HDF5 file.
 *
 * Layout (h5py: f["model"].attrs["type"], ...):
 *   /model            attributes type, task, seed, n_features, feature_names, target_name,
 *                     n_classes, class_names (classification only); the implementation's
 *                     own datasets and attributes (ops.save) live in this group too
 *                     and n_train_rows (rows of the fit)
 *   /model/scaler     the fitted scaler (ms_scaler_save)
 *   /model/cv         written by `cv -refit` (optional): attributes metric, mean, std (of the
 *                     CV scores over repeats x folds), folds, repeats, n_rows, candidate,
 *                     grid_option, grid_value (the chosen grid value as text) and
 *                     grid_value_number (the same as a number, when it is one)
 *   /                 provenance (ms_h5_commit)
 * The model state is replicated on m->comm, so every rank writes the same values.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include <stdlib.h>
#include <string.h>

PetscErrorCode ms_model_save(ms_model m, const char *path)
{
  return ms_model_save_inputs(m, path, 0, NULL);
}

static PetscErrorCode cv_save(ms_model m, hid_t g)
{
  hid_t cg;
  char *end;
  PetscFunctionBegin;
  PetscCall(ms_h5_group_ensure(g, "cv", &cg));
  PetscCall(ms_h5_attr_set_string(cg, "metric", m->cv.metric));
  PetscCall(ms_h5_attr_set_double(cg, "mean", m->cv.mean));
  PetscCall(ms_h5_attr_set_double(cg, "std", m->cv.std));
  PetscCall(ms_h5_attr_set_int(cg, "folds", m->cv.folds));
  PetscCall(ms_h5_attr_set_int(cg, "repeats", m->cv.repeats));
  PetscCall(ms_h5_attr_set_int(cg, "n_rows", m->cv.n_rows));
  PetscCall(ms_h5_attr_set_string(cg, "candidate", m->cv.candidate));
  PetscCall(ms_h5_attr_set_string(cg, "grid_option", m->cv.grid_option));
  PetscCall(ms_h5_attr_set_string(cg, "grid_value", m->cv.grid_value));
  if (m->cv.grid_value[0]) {
    double v = strtod(m->cv.grid_value, &end);
    if (!*end) PetscCall(ms_h5_attr_set_double(cg, "grid_value_number", v));
  }
  MS_H5CHK(H5Gclose(cg), m->comm, "closing group /model/cv");
  PetscFunctionReturn(0);
}

/* A string attribute into a fixed buffer (truncated to fit). */
static PetscErrorCode attr_get_into(hid_t obj, const char *name, char *buf, size_t len)
{
  char *s;
  PetscFunctionBegin;
  PetscCall(ms_h5_attr_get_string(obj, name, &s));
  PetscCall(PetscStrncpy(buf, s, len));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

static PetscErrorCode cv_load(ms_model m, hid_t g)
{
  PetscBool has;
  hid_t     cg;
  PetscFunctionBegin;
  PetscCall(ms_h5_link_exists(g, "cv", &has));
  if (!has) PetscFunctionReturn(0);
  cg = H5Gopen2(g, "cv", H5P_DEFAULT);
  MS_H5CHK(cg, m->comm, "cannot open group /model/cv");
  PetscCall(ms_h5_attr_get_double(cg, "mean", &m->cv.mean));
  PetscCall(ms_h5_attr_get_double(cg, "std", &m->cv.std));
  PetscCall(ms_h5_attr_get_int(cg, "folds", &m->cv.folds));
  PetscCall(ms_h5_attr_get_int(cg, "repeats", &m->cv.repeats));
  PetscCall(ms_h5_attr_get_int(cg, "n_rows", &m->cv.n_rows));
  PetscCall(attr_get_into(cg, "metric", m->cv.metric, sizeof m->cv.metric));
  PetscCall(attr_get_into(cg, "candidate", m->cv.candidate, sizeof m->cv.candidate));
  PetscCall(attr_get_into(cg, "grid_option", m->cv.grid_option, sizeof m->cv.grid_option));
  PetscCall(attr_get_into(cg, "grid_value", m->cv.grid_value, sizeof m->cv.grid_value));
  m->cv.set = PETSC_TRUE;
  MS_H5CHK(H5Gclose(cg), m->comm, "closing group /model/cv");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_save_inputs(ms_model m, const char *path, int n_inputs, char *const *inputs)
{
  ms_h5_file f;
  hid_t      g, sg;

  PetscFunctionBegin;
  if (!m->fitted) SETERRQ(m->comm, PETSC_ERR_ORDER, "model '%s' cannot be saved to %s before it is fitted", m->type, path);
  if (!m->ops.save) SETERRQ(m->comm, PETSC_ERR_SUP, "model '%s' cannot be saved (no save operation)", m->type);
  PetscCall(ms_h5_create(m->comm, path, &f));
  for (int i = 0; i < n_inputs; i++) PetscCall(ms_h5_add_input(f, inputs[i]));
  PetscCall(ms_h5_group_ensure(f->fid, "/model", &g));
  PetscCall(ms_h5_attr_set_string(g, "type", m->type));
  PetscCall(ms_h5_attr_set_string(g, "task", ms_task_names[m->task]));
  PetscCall(ms_h5_attr_set_int(g, "seed", (int64_t)m->seed));
  PetscCall(ms_h5_attr_set_int(g, "n_features", m->n_features));
  PetscCall(ms_h5_attr_set_strings(g, "feature_names", (int)m->n_features, m->feature_names));
  if (m->target_name) PetscCall(ms_h5_attr_set_string(g, "target_name", m->target_name));
  PetscCall(ms_h5_attr_set_int(g, "n_classes", m->n_classes));
  if (m->n_classes) PetscCall(ms_h5_attr_set_strings(g, "class_names", (int)m->n_classes, m->class_names));
  PetscCall(ms_h5_attr_set_int(g, "n_train_rows", m->n_train_rows));
  PetscCall(ms_h5_attr_set_string(g, "units", "parameters refer to the features after the scaler (/model/scaler); predictions and std are in the target's units"));
  if (m->cv.set) PetscCall(cv_save(m, g));
  if (m->train_summary) PetscCall(ms_h5_write_rows_double(g, "training_summary", 4, 0, 4, m->n_features, m->train_summary));
  PetscCall(ms_h5_attr_set_double(g, "target_min", m->target_min));
  PetscCall(ms_h5_attr_set_double(g, "target_max", m->target_max));
  PetscCall(ms_h5_group_ensure(g, "scaler", &sg));
  PetscCall(ms_scaler_save(m->scaler, sg));
  MS_H5CHK(H5Gclose(sg), m->comm, "closing group /model/scaler of %s", path);
  PetscCall(m->ops.save(m, g));
  MS_H5CHK(H5Gclose(g), m->comm, "closing group /model of %s", path);
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_load(MPI_Comm comm, const char *path, ms_model *mp)
{
  ms_h5_file f;
  hid_t      g, sg;
  PetscBool  exists;
  char      *type, *task;
  int64_t    seed, n;
  int        nn;
  ms_model   m;

  PetscFunctionBegin;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscCall(ms_h5_link_exists(f->fid, "/model", &exists));
  if (!exists) SETERRQ(comm, MS_ERR_READ, "%s is not a matscreen model file (no group /model; write one with `matscreen train`)", path);
  g = H5Gopen2(f->fid, "/model", H5P_DEFAULT);
  MS_H5CHK(g, comm, "cannot open group /model of %s", path);
  PetscCall(ms_h5_attr_get_string(g, "type", &type));
  PetscCall(ms_model_create(comm, type, &m));
  PetscCall(PetscFree(type));
  PetscCall(ms_h5_attr_get_string(g, "task", &task));
  for (int t = 0; t <= (int)MS_TASK_NONE; t++)
    if (!strcmp(task, ms_task_names[t])) m->task = (ms_task)t;
  PetscCall(PetscFree(task));
  PetscCall(ms_h5_attr_get_int(g, "seed", &seed));
  m->seed = (uint64_t)seed;
  PetscCall(ms_h5_attr_get_int(g, "n_features", &m->n_features));
  PetscCall(ms_h5_attr_get_strings(g, "feature_names", &nn, &m->feature_names));
  if (nn != m->n_features)
    SETERRQ(comm, MS_ERR_READ, "%s: /model has n_features %" PRId64 " but %d feature_names", path, m->n_features, nn);
  PetscCall(ms_h5_attr_exists(g, "target_name", &exists));
  if (exists) PetscCall(ms_h5_attr_get_string(g, "target_name", &m->target_name));
  PetscCall(ms_h5_attr_get_int(g, "n_classes", &n));
  if (n) {
    PetscCall(ms_h5_attr_get_strings(g, "class_names", &nn, &m->class_names));
    if (nn != n) SETERRQ(comm, MS_ERR_READ, "%s: /model has n_classes %" PRId64 " but %d class_names", path, n, nn);
  }
  m->n_classes = n;
  PetscCall(ms_h5_attr_exists(g, "n_train_rows", &exists));
  if (exists) PetscCall(ms_h5_attr_get_int(g, "n_train_rows", &m->n_train_rows));
  PetscCall(cv_load(m, g));
  /* optional: files written before the training summary existed have none */
  PetscCall(ms_h5_link_exists(g, "training_summary", &exists));
  if (exists) {
    int     rk;
    int64_t dims[3];
    PetscCall(ms_h5_dataset_shape(g, "training_summary", &rk, dims));
    if (rk != 2 || dims[0] != 4 || dims[1] != m->n_features)
      SETERRQ(comm, MS_ERR_READ, "%s: /model/training_summary must be 4 x %" PRId64 " (min, max, mean, std per feature)", path, m->n_features);
    PetscCall(PetscMalloc1(4 * m->n_features, &m->train_summary));
    PetscCall(ms_h5_read_rows_double(g, "training_summary", 0, 4, m->n_features, m->train_summary));
  }
  PetscCall(ms_h5_attr_exists(g, "target_min", &exists));
  if (exists) {
    PetscCall(ms_h5_attr_get_double(g, "target_min", &m->target_min));
    PetscCall(ms_h5_attr_get_double(g, "target_max", &m->target_max));
  }
  sg = H5Gopen2(g, "scaler", H5P_DEFAULT);
  MS_H5CHK(sg, comm, "cannot open group /model/scaler of %s", path);
  PetscCall(ms_scaler_destroy(&m->scaler));
  PetscCall(ms_scaler_load(sg, &m->scaler));
  MS_H5CHK(H5Gclose(sg), comm, "closing /model/scaler of %s", path);
  if (!m->ops.load) SETERRQ(comm, PETSC_ERR_SUP, "model '%s' cannot be loaded (no load operation)", m->type);
  PetscCall(m->ops.load(m, g));
  MS_H5CHK(H5Gclose(g), comm, "closing /model of %s", path);
  PetscCall(ms_h5_close(&f));
  m->comm   = comm;
  m->fitted = PETSC_TRUE;
  *mp       = m;
  PetscFunctionReturn(0);
}
