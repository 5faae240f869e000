/* cmd_vae.c - `matscreen vae train|encode|decode`: the 3-D convolutional VAE (library: ml/vae/ms_vae.h). */
#include "cmd_vae.h"
#include "ms_commands.h"
#include "ms_dnn.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_report.h"
#include "ms_vae.h"
#include <math.h>
#include <string.h>
#include <sys/resource.h>

const char ms_cmd_vae_help[] =
  "usage: matscreen vae train -data structures.h5 [-dataset /structures] -output vae.h5 [-vae_size 32] [-vae_layers 4]\n"
  "                           [-vae_channels 16,32,64,128] [-vae_hidden 2048] [-vae_latent 256] [-epochs 1000] [-batch 64]\n"
  "                           [-lr 1e-5] [-beta1 0.9] [-beta2 0.999] [-adam_eps 1e-8] [-seed 0] [-chunk 8]\n"
  "                           [-checkpoint vae.h5.ckpt] [-resume] [-plot vae_loss.png|none] [-vae_layout plain|blocked]\n"
  "       matscreen vae encode -model vae.h5 -data structures.h5 [-dataset /structures] -output latent.h5\n"
  "       matscreen vae decode -model vae.h5 -latent latent.h5 [-dataset /latent/mu] -output volumes.h5\n"
  "  train: the VAE of dissertation Table 4.3 (Conv3d k4 s2 + ReLU x layers, Dense hidden + ReLU, Dense mu|logvar;\n"
  "  mirrored transposed convolutions, sigmoid), loss BCE (sum over voxels) + KL, Adam with the seed's settings,\n"
  "  80/10/10 split by -seed, mini-batches over all ranks (each rank reads its shard of the structures and computes\n"
  "  floor or ceil(batch/ranks) members of each batch, moving the voxels of the few it does not hold; one gradient\n"
  "  Allreduce per step). Input: a group of volumes 000000, 000001, ... (`generate -batch N -resize S` writes\n"
  "  /structures) or one 4-D uint8 dataset (n, S, S, S); 0 = pore, 1 = solid; S = -vae_size. A checkpoint is\n"
  "  written after every epoch; after a kill, the same command with -resume continues bit for bit (same ranks).\n"
  "  vae.h5: /vae (architecture attributes, parameters), /history (losses per epoch, test loss). -chunk bounds\n"
  "  the structures per oneDNN call on a rank (memory). encode: latent mean and log-variance of every structure,\n"
  "  /latent/mu and /latent/logvar (n x latent, structure order of the input). decode: the decoder's voxel\n"
  "  probabilities /probability (n, S, S, S) and the volumes /volumes = probability >= 0.5 (input to vae train\n"
  "  with -dataset volumes).\n" MS_CMD_VAE_TRANSFER_HELP;

PetscErrorCode ms_cmd_stem_path(const char *out, const char *suffix, char *buf, size_t len)
{
  size_t n = strlen(out);
  PetscFunctionBegin;
  if (n > 3 && !strcmp(out + n - 3, ".h5")) n -= 3;
  PetscCheck(n + strlen(suffix) < len, PETSC_COMM_SELF, MS_ERR_USER, "output path '%s' too long", out);
  memcpy(buf, out, n);
  strcpy(buf + n, suffix);
  PetscFunctionReturn(0);
}

static PetscErrorCode vae_train(MPI_Comm comm)
{
  char                data[PETSC_MAX_PATH_LEN] = "", dataset[PETSC_MAX_PATH_LEN] = "/structures", out[PETSC_MAX_PATH_LEN] = "";
  char                plot[PETSC_MAX_PATH_LEN] = "";
  ms_vae_arch         a;
  ms_vae_train_params p;
  PetscInt            size = 32, layers = 4, hidden = 2048, latent = 256, epochs = 1000, batch = 64, seed = 0, chunk = 8, stop_after = 0;
  PetscInt            channels[MS_VAE_MAX_CONV] = {16, 32, 64, 128, 256, 512, 1024, 2048}, nch = MS_VAE_MAX_CONV;
  PetscBool           help, set_ch, has_ckpt, has_plot;
  const char *const   layouts[] = {"plain", "blocked"};
  PetscInt            layout    = 0;
  ms_vae_data         d;
  ms_vae              v;
  ms_vae_history      h;

  PetscFunctionBeginUser;
  ms_vae_train_params_default(&p);
  PetscOptionsBegin(comm, NULL, "matscreen vae train options", NULL);
  PetscCall(PetscOptionsString("-data", "HDF5 file of structures (group of volumes or one 4-D uint8 dataset)", NULL, data, data, sizeof data, NULL));
  PetscCall(PetscOptionsString("-dataset", "group or 4-D dataset of the structures in -data", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsString("-output", "trained model and loss history (HDF5)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsInt("-vae_size", "input edge in voxels (structures are size^3; Table 4.3: 128)", NULL, size, &size, NULL));
  PetscCall(PetscOptionsInt("-vae_layers", "convolution layers (each halves the edge)", NULL, layers, &layers, NULL));
  PetscCall(PetscOptionsIntArray("-vae_channels", "channel widths of the convolutions (one per layer)", NULL, channels, &nch, &set_ch));
  PetscCall(PetscOptionsInt("-vae_hidden", "dense units after the flatten (0: none)", NULL, hidden, &hidden, NULL));
  PetscCall(PetscOptionsInt("-vae_latent", "latent dimension", NULL, latent, &latent, NULL));
  PetscCall(PetscOptionsInt("-epochs", "training epochs (seed: 1000)", NULL, epochs, &epochs, NULL));
  PetscCall(PetscOptionsInt("-batch", "mini-batch size over all ranks (seed: 64)", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsReal("-lr", "Adam learning rate (seed: 1e-5)", NULL, p.lr, &p.lr, NULL));
  PetscCall(PetscOptionsReal("-beta1", "Adam beta1 (seed: 0.9)", NULL, p.beta1, &p.beta1, NULL));
  PetscCall(PetscOptionsReal("-beta2", "Adam beta2 (seed: 0.999)", NULL, p.beta2, &p.beta2, NULL));
  PetscCall(PetscOptionsReal("-adam_eps", "Adam epsilon", NULL, p.eps, &p.eps, NULL));
  PetscCall(PetscOptionsInt("-seed", "seed of the split, the initial weights, the batches and the noise", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-chunk", "structures per oneDNN call on a rank (bounds activation memory)", NULL, chunk, &chunk, NULL));
  PetscCall(PetscOptionsEList("-vae_layout", "convolution layouts: plain (ncdhw, no reorders) or blocked (oneDNN's choice, reorders per call)", NULL, layouts, 2,
                              layouts[layout], &layout, NULL));
  PetscCall(PetscOptionsString("-checkpoint", "checkpoint written after every epoch (default: OUTPUT.ckpt)", NULL, p.checkpoint, p.checkpoint, sizeof p.checkpoint,
                               &has_ckpt));
  PetscCall(PetscOptionsBool("-resume", "continue the run stopped at -checkpoint (same options)", NULL, p.resume, &p.resume, NULL));
  PetscCall(PetscOptionsInt("-stop_after", "stop after this many epochs of this run, checkpoint kept (job slices; 0: run to -epochs)", NULL, stop_after,
                            &stop_after, NULL));
  PetscCall(PetscOptionsString("-plot", "PNG of the loss curves (default: OUTPUT stem + _loss.png; none: no plot)", NULL, plot, plot, sizeof plot, &has_plot));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(data[0], comm, MS_ERR_USER, "vae train: missing required option -data (HDF5 file of structures)");
  PetscCheck(out[0], comm, MS_ERR_USER, "vae train: missing required option -output (model HDF5 file)");
  PetscCheck(layers >= 1 && layers <= MS_VAE_MAX_CONV, comm, MS_ERR_USER, "option -vae_layers: %d is out of range (expected 1..%d)", (int)layers, MS_VAE_MAX_CONV);
  PetscCheck(!set_ch || nch == layers, comm, MS_ERR_USER, "option -vae_channels: %d widths given for -vae_layers %d (expected one per layer)", (int)nch,
             (int)layers);
  PetscCheck(seed >= 0 && chunk >= 1 && stop_after >= 0, comm, MS_ERR_USER, "options -seed (%d), -chunk (%d), -stop_after (%d): expected >= 0, >= 1, >= 0",
             (int)seed, (int)chunk, (int)stop_after);
  memset(&a, 0, sizeof a);
  a.size = size; a.n_conv = layers; a.hidden = hidden; a.latent = latent;
  for (int i = 0; i < layers; i++) a.channels[i] = channels[i];
  PetscCall(ms_vae_arch_check(comm, &a));
  p.epochs = epochs; p.batch = batch; p.seed = (uint64_t)seed; p.stop_after = stop_after;
  if (!has_ckpt) snprintf(p.checkpoint, sizeof p.checkpoint, "%s.ckpt", out);
  if (!has_plot) PetscCall(ms_cmd_stem_path(out, "_loss.png", plot, sizeof plot));
  if (!strcmp(plot, "none")) plot[0] = 0;
  if (plot[0]) PetscCall(ms_report_gnuplot_available(comm, "-plot"));
  PetscCall(ms_vae_data_load(comm, data, dataset, size, &d));
  /* after the load, which registers -data as an input: -output naming it fails now, not after training */
  PetscCall(ms_output_check(comm, out));
  if (p.checkpoint[0]) PetscCall(ms_output_check(comm, p.checkpoint));
  ms_dnn_set_layout(layout ? MS_DNN_LAYOUT_BLOCKED : MS_DNN_LAYOUT_PLAIN);
  PetscCall(ms_vae_create(&a, chunk, &v));
  {
    size_t      mem = ms_vae_memory(v) + (size_t)d.n_local * size * size * size;
    PetscMPIInt np;
    PetscCallMPI(MPI_Comm_size(comm, &np));
    PetscCall(ms_log(comm, "vae train: %lld structures of %lld^3 from %s:%s on %d ranks; %lld parameters; about %.1f MB per rank\n", (long long)d.n_global,
                     (long long)size, data, dataset, np, (long long)ms_vae_n_params(v), (double)mem / 1e6));
  }
  ms_vae_init_params(v, p.seed);
  PetscCall(ms_vae_train(v, &d, &p, &h));
  if (h.epochs_done < p.epochs) {
    PetscCall(ms_log(comm, "vae train: stopped after epoch %lld of %lld; continue with -resume (checkpoint %s)\n", (long long)h.epochs_done, (long long)p.epochs,
                     p.checkpoint));
    ms_vae_history_free(&h);
    PetscCall(ms_vae_destroy(&v));
    PetscCall(ms_vae_data_free(&d));
    PetscFunctionReturn(MS_CMD_EXIT_TEMPFAIL);
  }
  {
    ms_h5_file    f;
    hid_t         g;
    struct rusage ru;
    double        rss, rss_max;
    getrusage(RUSAGE_SELF, &ru); /* peak resident memory of this rank (Linux: kB) */
    rss = (double)ru.ru_maxrss / 1024.0;
    PetscCallMPI(MPI_Allreduce(&rss, &rss_max, 1, MPI_DOUBLE, MPI_MAX, comm));
    PetscCall(ms_log(comm, "vae train: peak memory %.1f MB per rank (largest rank)\n", rss_max));
    PetscCall(ms_h5_create(comm, out, &f));
    PetscCall(ms_h5_add_input(f, data));
    PetscCall(ms_h5_group_ensure(f->fid, "/vae", &g));
    PetscCall(ms_vae_save_h5(comm, v, g));
    PetscCall(ms_h5_attr_set_double(g, "lr", p.lr));
    PetscCall(ms_h5_attr_set_double(g, "beta1", p.beta1));
    PetscCall(ms_h5_attr_set_double(g, "beta2", p.beta2));
    PetscCall(ms_h5_attr_set_double(g, "adam_eps", p.eps));
    PetscCall(ms_h5_attr_set_int(g, "batch", p.batch));
    PetscCall(ms_h5_attr_set_int(g, "seed", (int64_t)p.seed));
    H5Gclose(g);
    PetscCall(ms_h5_group_ensure(f->fid, "/history", &g));
    PetscCall(ms_vae_history_write_h5(comm, &h, g));
    PetscCall(ms_h5_attr_set_double(g, "peak_rss_per_rank_mb", rss_max));
    H5Gclose(g);
    PetscCall(ms_h5_commit(&f));
  }
  if (plot[0]) PetscCall(ms_vae_history_plot(comm, &h, plot));
  PetscCall(ms_log(comm, "vae train: %lld epochs in %.1f s; loss %.6g -> %.6g (validation %.6g, test %.6g); wrote %s%s%s\n", (long long)h.epochs_done, h.seconds,
                   h.train_loss[0], h.train_loss[h.epochs_done - 1], h.val_loss[h.epochs_done - 1], h.test_loss, out, plot[0] ? " and " : "", plot));
  ms_vae_history_free(&h);
  PetscCall(ms_vae_destroy(&v));
  PetscCall(ms_vae_data_free(&d));
  PetscFunctionReturn(0);
}

/* The trained VAE of MODEL's /vae group (encode and decode), or an error naming the file. */
static PetscErrorCode vae_model_load(MPI_Comm comm, const char *model, const char *who, PetscInt chunk, ms_vae *v)
{
  ms_h5_file f;
  hid_t      g;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, model, &f));
  g = H5Gopen2(f->fid, "/vae", H5P_DEFAULT);
  MS_H5CHK(g, comm, "vae %s: %s has no group /vae (write one with `matscreen vae train`)", who, model);
  PetscCall(ms_vae_load_h5(comm, g, model, chunk, v));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode vae_encode(MPI_Comm comm)
{
  char        model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", dataset[PETSC_MAX_PATH_LEN] = "/structures", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt    chunk = 8;
  PetscBool   help;
  ms_h5_file  f;
  hid_t       g;
  ms_vae      v;
  ms_vae_data d;
  float      *mu, *lv;
  double     *buf;
  int64_t     L;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen vae encode options", NULL);
  PetscCall(PetscOptionsString("-model", "trained VAE (output of vae train)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-data", "HDF5 file of structures", NULL, data, data, sizeof data, NULL));
  PetscCall(PetscOptionsString("-dataset", "group or 4-D dataset of the structures in -data", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsString("-output", "latent codes (HDF5: /latent/mu, /latent/logvar)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsInt("-chunk", "structures per oneDNN call", NULL, chunk, &chunk, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0] && data[0] && out[0], comm, MS_ERR_USER, "vae encode: missing required option %s", !model[0] ? "-model" : !data[0] ? "-data" : "-output");
  PetscCheck(chunk >= 1, comm, MS_ERR_USER, "option -chunk: %d is out of range (expected >= 1)", (int)chunk);
  PetscCall(vae_model_load(comm, model, "encode", chunk, &v));
  L = ms_vae_get_arch(v)->latent;
  PetscCall(ms_vae_data_load(comm, data, dataset, ms_vae_get_arch(v)->size, &d));
  PetscCall(PetscMalloc3(PetscMax(1, d.n_local * L), &mu, PetscMax(1, d.n_local * L), &lv, PetscMax(1, d.n_local * L), &buf));
  PetscCall(ms_vae_encode_data(v, &d, mu, lv));
  PetscCall(ms_h5_create(comm, out, &f));
  PetscCall(ms_h5_add_input(f, model));
  PetscCall(ms_h5_add_input(f, data));
  PetscCall(ms_h5_group_ensure(f->fid, "/latent", &g));
  for (int64_t i = 0; i < d.n_local * L; i++) buf[i] = mu[i];
  PetscCall(ms_h5_write_rows_double(g, "mu", d.n_global, d.start, d.n_local, L, buf));
  for (int64_t i = 0; i < d.n_local * L; i++) buf[i] = lv[i];
  PetscCall(ms_h5_write_rows_double(g, "logvar", d.n_global, d.start, d.n_local, L, buf));
  PetscCall(ms_h5_attr_set_string(g, "rows", "structure i of the input, in order"));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_log(comm, "vae encode: %lld structures -> %lld-dimensional latent means; wrote %s:/latent\n", (long long)d.n_global, (long long)L, out));
  PetscCall(PetscFree3(mu, lv, buf));
  PetscCall(ms_vae_data_free(&d));
  PetscCall(ms_vae_destroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode vae_decode(MPI_Comm comm)
{
  char        model[PETSC_MAX_PATH_LEN] = "", lat[PETSC_MAX_PATH_LEN] = "", dataset[PETSC_MAX_PATH_LEN] = "/latent/mu", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt    chunk = 8;
  PetscBool   help;
  ms_h5_file  f;
  ms_vae      v;
  int         rank_ds;
  int64_t     dims[3], L, S, start, nloc, ng;
  PetscMPIInt rank, np;
  double     *zd;
  float      *z, *p;
  uint8_t    *vox;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen vae decode options", NULL);
  PetscCall(PetscOptionsString("-model", "trained VAE (output of vae train)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-latent", "HDF5 file of latent vectors (output of vae encode, or any n x latent matrix)", NULL, lat, lat, sizeof lat, NULL));
  PetscCall(PetscOptionsString("-dataset", "n x latent dataset in -latent", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsString("-output", "decoded volumes (HDF5: /probability float32, /volumes uint8 = probability >= 0.5)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsInt("-chunk", "latent vectors per oneDNN call", NULL, chunk, &chunk, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0] && lat[0] && out[0], comm, MS_ERR_USER, "vae decode: missing required option %s", !model[0] ? "-model" : !lat[0] ? "-latent" : "-output");
  PetscCheck(chunk >= 1, comm, MS_ERR_USER, "option -chunk: %d is out of range (expected >= 1)", (int)chunk);
  PetscCall(vae_model_load(comm, model, "decode", chunk, &v));
  L = ms_vae_get_arch(v)->latent;
  S = ms_vae_get_arch(v)->size;
  PetscCall(ms_h5_open_read(comm, lat, &f));
  PetscCall(ms_h5_dataset_shape(f->fid, dataset, &rank_ds, dims));
  PetscCheck(rank_ds == 2 && dims[1] == L && dims[0] >= 1, comm, MS_ERR_READ, "vae decode: %s:%s must be n x %lld (the model's latent size)", lat, dataset, (long long)L);
  ng = dims[0];
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &np));
  start = ng * rank / np;
  nloc  = ng * (rank + 1) / np - start;
  PetscCall(PetscMalloc4(PetscMax(1, nloc * L), &zd, PetscMax(1, nloc * L), &z, PetscMax(1, nloc * S * S * S), &p, PetscMax(1, nloc * S * S * S), &vox));
  PetscCall(ms_h5_read_rows_double(f->fid, dataset, start, nloc, L, zd));
  PetscCall(ms_h5_close(&f));
  for (int64_t i = 0; i < nloc * L; i++) {
    PetscCheck(isfinite(zd[i]), PETSC_COMM_SELF, MS_ERR_READ, "vae decode: %s:%s row %lld column %lld is %g (expected a finite number)", lat, dataset,
               (long long)(start + i / L), (long long)(i % L), zd[i]);
    z[i] = (float)zd[i];
  }
  PetscCall(ms_vae_decode_rows(v, nloc, z, p, vox));
  PetscCall(ms_h5_create(comm, out, &f));
  PetscCall(ms_h5_add_input(f, model));
  PetscCall(ms_h5_add_input(f, lat));
  PetscCall(ms_vae_write_volumes(comm, f->fid, "probability", H5T_NATIVE_FLOAT, ng, start, nloc, S, p));
  PetscCall(ms_vae_write_volumes(comm, f->fid, "volumes", H5T_NATIVE_UINT8, ng, start, nloc, S, vox));
  PetscCall(ms_h5_attr_set_string(f->fid, "layout", "probability, volumes: (n, nz, ny, nx), row i decoded from latent row i; volumes = probability >= 0.5 (1 = solid)"));
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_log(comm, "vae decode: %lld latent vectors -> %lld^3 volumes; wrote %s (/probability, /volumes)\n", (long long)ng, (long long)S, out));
  PetscCall(PetscFree4(zd, z, p, vox));
  PetscCall(ms_vae_destroy(&v));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_vae(MPI_Comm comm)
{
  const char *sub = ms_options_argv_word(2);
  PetscFunctionBeginUser;
  if (sub && !strcmp(sub, "train")) {
    PetscErrorCode rc = vae_train(comm); /* a run stopped by a signal or -stop_after says so */
    if (rc == MS_CMD_EXIT_TEMPFAIL) PetscFunctionReturn(rc);
    PetscCall(rc);
  }
  else if (sub && !strcmp(sub, "encode")) PetscCall(vae_encode(comm));
  else if (sub && !strcmp(sub, "decode")) PetscCall(vae_decode(comm));
  else if (sub && !strcmp(sub, "transfer")) PetscCall(ms_cmd_vae_transfer(comm));
  else {
    PetscBool help;
    PetscCall(ms_options_help_requested(&help));
    if (help) {
      PetscCall(ms_log(comm, "%s", ms_cmd_vae_help));
      PetscFunctionReturn(0);
    }
    SETERRQ(comm, MS_ERR_USER, "vae: unknown subcommand '%s'; use `matscreen vae train|encode|decode|transfer ...`", sub ? sub : "");
  }
  PetscFunctionReturn(0);
}
