/* cmd_vae_transfer.c - `matscreen vae transfer`: a trained VAE's frozen encoder + a dense head
 * against the same network from scratch, repeated (library: ml/vae/ms_vae_transfer.h). */
#include "cmd_vae.h"
#include "ms_dnn.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_provenance.h"
#include "ms_report.h"
#include "ms_vae_transfer.h"
#include <string.h>

PetscErrorCode ms_cmd_vae_transfer(MPI_Comm comm)
{
  char                   model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", dataset[PETSC_MAX_PATH_LEN] = "/structures";
  char                   labels[PETSC_MAX_PATH_LEN] = "", target[256] = "tau_mean", idcol[256] = "", out[PETSC_MAX_PATH_LEN] = "", csv[PETSC_MAX_PATH_LEN] = "";
  const char *const      layouts[] = {"plain", "blocked"};
  PetscInt               layout = 0, chunk = 8, repeats, n_train, epochs, batch, hidden, seed = 0;
  PetscBool              help, has_csv;
  ms_vae_transfer_params p;
  ms_vae_transfer_data   d;
  ms_vae_transfer_result res;
  ms_h5_file             f;
  hid_t                  g;
  ms_vae                 v;
  int64_t                skipped;

  PetscFunctionBeginUser;
  ms_vae_transfer_params_default(&p);
  repeats = (PetscInt)p.repeats; n_train = (PetscInt)p.n_train; epochs = (PetscInt)p.epochs; batch = (PetscInt)p.batch; hidden = (PetscInt)p.hidden;
  PetscOptionsBegin(comm, NULL, "matscreen vae transfer options", NULL);
  PetscCall(PetscOptionsString("-model", "trained VAE (output of vae train): its encoder is reused", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-data", "HDF5 file of structures (the labelled ones are used)", NULL, data, data, sizeof data, NULL));
  PetscCall(PetscOptionsString("-dataset", "group or 4-D dataset of the structures in -data", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsString("-labels", "labels: a label campaign (labels.h5:/labels) or a CSV with a structure id column", NULL, labels, labels, sizeof labels, NULL));
  PetscCall(PetscOptionsString("-target", "label column to predict (tau_mean: mean of tau_x, tau_y, tau_z)", NULL, target, target, sizeof target, NULL));
  PetscCall(PetscOptionsString("-id_column", "column holding the structure index in -data (default: index, then id, else the row number)", NULL, idcol, idcol, sizeof idcol, NULL));
  PetscCall(PetscOptionsString("-output", "results (HDF5: /transfer)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-csv", "summary table (default: OUTPUT stem + .csv)", NULL, csv, csv, sizeof csv, &has_csv));
  PetscCall(PetscOptionsInt("-repeats", "repeats of both strategies with different seeds (seed: 20)", NULL, repeats, &repeats, NULL));
  PetscCall(PetscOptionsInt("-n_train", "labelled training structures per repeat; the others are the test set (seed: 250 of 300)", NULL, n_train, &n_train, NULL));
  PetscCall(PetscOptionsInt("-epochs", "training epochs (seed: 100)", NULL, epochs, &epochs, NULL));
  PetscCall(PetscOptionsInt("-batch", "mini-batch size (seed: 64)", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsInt("-hidden", "units of each of the two dense ReLU layers of the head (seed: 64)", NULL, hidden, &hidden, NULL));
  PetscCall(PetscOptionsReal("-lr", "Adam learning rate (seed: 1e-5)", NULL, p.lr, &p.lr, NULL));
  PetscCall(PetscOptionsReal("-beta1", "Adam beta1", NULL, p.beta1, &p.beta1, NULL));
  PetscCall(PetscOptionsReal("-beta2", "Adam beta2", NULL, p.beta2, &p.beta2, NULL));
  PetscCall(PetscOptionsReal("-adam_eps", "Adam epsilon", NULL, p.eps, &p.eps, NULL));
  PetscCall(PetscOptionsReal("-l2", "L2 penalty on the head's weights (seed: 1e-5)", NULL, p.l2, &p.l2, NULL));
  PetscCall(PetscOptionsInt("-seed", "seed of the splits, initial weights and batches (repeat r: stream (seed, r))", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-chunk", "structures per oneDNN call", NULL, chunk, &chunk, NULL));
  PetscCall(PetscOptionsEList("-vae_layout", "convolution layouts: plain (ncdhw, no reorders) or blocked (oneDNN's choice, reorders per call)", NULL, layouts, 2,
                              layouts[layout], &layout, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0] && data[0] && labels[0] && out[0], comm, MS_ERR_USER, "vae transfer: missing required option %s",
             !model[0] ? "-model" : !data[0] ? "-data" : !labels[0] ? "-labels" : "-output");
  PetscCheck(chunk >= 1, comm, MS_ERR_USER, "option -chunk: %d is out of range (expected >= 1)", (int)chunk);
  PetscCheck(repeats >= 1 && epochs >= 1 && batch >= 1 && hidden >= 1 && seed >= 0, comm, MS_ERR_USER,
             "vae transfer: -repeats %d, -epochs %d, -batch %d, -hidden %d must be >= 1 and -seed %d >= 0", (int)repeats, (int)epochs, (int)batch, (int)hidden,
             (int)seed);
  if (!has_csv) PetscCall(ms_cmd_stem_path(out, ".csv", csv, sizeof csv));
  p.repeats = repeats; p.n_train = n_train; p.epochs = epochs; p.batch = batch; p.hidden = hidden; p.seed = (uint64_t)seed;

  ms_dnn_set_layout(layout ? MS_DNN_LAYOUT_BLOCKED : MS_DNN_LAYOUT_PLAIN); /* before any layer exists */
  PetscCall(ms_h5_open_read(comm, model, &f));
  g = H5Gopen2(f->fid, "/vae", H5P_DEFAULT);
  MS_H5CHK(g, comm, "vae transfer: %s has no group /vae (write one with `matscreen vae train`)", model);
  PetscCall(ms_vae_load_h5(comm, g, model, chunk, &v));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscCall(ms_vae_transfer_data_load(comm, data, dataset, ms_vae_get_arch(v)->size, labels, target, idcol, &d, &skipped));
  PetscCall(ms_output_check(comm, out)); /* before the work: never replace an input */
  PetscCall(ms_output_check(comm, csv));
  PetscCall(ms_log(comm, "vae transfer: %lld labelled structures (%lld rows without a finite %s skipped), %lld train / %lld test, %lld repeats x 2 strategies\n",
                   (long long)d.n, (long long)skipped, target, (long long)p.n_train, (long long)(d.n - p.n_train), (long long)p.repeats));
  PetscCall(ms_vae_transfer_run(comm, v, &d, &p, &res));

  {
    char   *inputs[3] = {model, data, labels};
    char    lab_file[PETSC_MAX_PATH_LEN], *colon;
    ms_text rows = {0};
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(PetscStrncpy(lab_file, labels, sizeof lab_file));
    if ((colon = strstr(lab_file, ".h5:")) != NULL) colon[3] = 0; /* file.h5:/group -> file.h5 */
    inputs[2] = lab_file;
    for (int s = 0; s < 2 && !rank; s++)
      PetscCall(ms_text_printf(&rows, "%s,%.9g,%.9g,%.9g,%.9g,%lld,%lld,%lld\n", ms_vae_transfer_strategy_names[s], res.mean[s][0], res.std[s][0], res.mean[s][1],
                               res.std[s][1], (long long)res.repeats, (long long)res.n_train, (long long)res.n_test));
    PetscCall(ms_h5_create(comm, out, &f));
    for (int i = 0; i < 3; i++) PetscCall(ms_h5_add_input(f, inputs[i]));
    PetscCall(ms_h5_group_ensure(f->fid, "/transfer", &g));
    {
      const char *nm[2][2] = {{"transfer_mse_train", "transfer_mse_test"}, {"scratch_mse_train", "scratch_mse_test"}};
      for (int s = 0; s < 2; s++)
        for (int k = 0; k < 2; k++) {
          PetscCall(ms_h5_write_rows_double(g, nm[s][k], res.repeats, 0, rank ? 0 : res.repeats, 0, res.mse[s][k]));
          PetscCall(ms_h5_set_units(g, nm[s][k], "label units squared"));
        }
    }
    PetscCall(ms_h5_attr_set_strings(g, "strategies", 2, (char *const *)ms_vae_transfer_strategy_names));
    PetscCall(ms_h5_attr_set_string(g, "target", target));
    PetscCall(ms_h5_attr_set_string(g, "rows", "repeat r (seed stream (seed, 2^60 + r)); MSE without the L2 term"));
    PetscCall(ms_h5_attr_set_int(g, "n_train", res.n_train));
    PetscCall(ms_h5_attr_set_int(g, "n_test", res.n_test));
    PetscCall(ms_h5_attr_set_int(g, "n_skipped_labels", skipped));
    for (int s = 0; s < 2; s++) {
      char a[64];
      const char *kk[2] = {"train", "test"};
      for (int k = 0; k < 2; k++) {
        PetscCall(PetscSNPrintf(a, sizeof a, "%s_mse_%s_mean", s ? "scratch" : "transfer", kk[k]));
        PetscCall(ms_h5_attr_set_double(g, a, res.mean[s][k]));
        PetscCall(PetscSNPrintf(a, sizeof a, "%s_mse_%s_std", s ? "scratch" : "transfer", kk[k]));
        PetscCall(ms_h5_attr_set_double(g, a, res.std[s][k]));
      }
    }
    H5Gclose(g);
    PetscCall(ms_report_write_csv(comm, csv, "strategy,mse_train_mean,mse_train_std,mse_test_mean,mse_test_std,repeats,n_train,n_test", &rows, 3, inputs));
    PetscCall(ms_h5_commit(&f));
    PetscCall(ms_text_free(&rows));
  }
  PetscCall(ms_log(comm, "%-18s %14s %14s %14s %14s\n", "strategy", "mse_train_mean", "mse_train_std", "mse_test_mean", "mse_test_std"));
  for (int s = 0; s < 2; s++)
    PetscCall(ms_log(comm, "%-18s %14.6g %14.6g %14.6g %14.6g\n", ms_vae_transfer_strategy_names[s], res.mean[s][0], res.std[s][0], res.mean[s][1], res.std[s][1]));
  PetscCall(ms_log(comm, "vae transfer: %lld repeats in %.3g s; wrote %s (/transfer) and %s\n", (long long)res.repeats, res.seconds, out, csv));
  ms_vae_transfer_result_free(&res);
  PetscCall(ms_vae_transfer_data_free(&d));
  PetscCall(ms_vae_destroy(&v));
  PetscFunctionReturn(0);
}
