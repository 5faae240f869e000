/* cmd_vae.h - private to `matscreen vae`: the subcommands in files of their own
 * (apps/cmd_vae.c dispatches). */
#ifndef CMD_VAE_H
#define CMD_VAE_H

#include "ms_core.h"

/* OUT less a trailing ".h5", then suffix, into buf (len bytes). */
PetscErrorCode ms_cmd_stem_path(const char *out, const char *suffix, char *buf, size_t len);

/* Usage lines of `vae transfer`, part of ms_cmd_vae_help. */
#define MS_CMD_VAE_TRANSFER_HELP \
  "       matscreen vae transfer -model vae.h5 -data structures.h5 [-dataset /structures] -labels labels.h5:/labels|labels.csv\n" \
  "                              [-target tau_mean] [-id_column index] -output transfer.h5 [-csv transfer.csv] [-repeats 20]\n" \
  "                              [-n_train 250] [-epochs 100] [-batch 64] [-hidden 64] [-lr 1e-5] [-l2 1e-5] [-seed 0] [-chunk 8]\n" \
  "                              [-vae_layout plain|blocked]\n" \
  "  transfer: dissertation Figure 4.13. The trained VAE's encoder, frozen (latent mean, no sampling), + Dense\n" \
  "  hidden ReLU + Dense hidden ReLU + linear head (Xavier init, L2 on the head's weights, MSE, Adam), against the\n" \
  "  same network with the encoder trained from random weights, -repeats times (repeat r on rank r mod P; its split\n" \
  "  of the labelled structures into -n_train train and the rest test, initial weights and batches from (-seed, r),\n" \
  "  so the results do not depend on the rank count). Labels: a `label` campaign (structure i = column index) or a\n" \
  "  CSV whose -id_column (default index, then id, else the row number) holds the structure's index in -data; rows\n" \
  "  with NaN/inf labels are skipped; tau_mean = mean of tau_x, tau_y, tau_z. Writes the per-repeat train/test MSE\n" \
  "  and their mean and std per strategy (/transfer in -output; -csv: strategy,mse_train_mean,mse_train_std,\n" \
  "  mse_test_mean,mse_test_std,repeats,n_train,n_test) and prints the table.\n"

PetscErrorCode    ms_cmd_vae_transfer(MPI_Comm comm); /* cmd_vae_transfer.c */

#endif
