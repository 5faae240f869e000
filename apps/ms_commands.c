/* ms_commands.c - the table of subcommands (one row per command). */
#include "ms_commands.h"

const ms_command ms_commands[] = {
  {"version", "print versions of matscreen and its libraries", ms_cmd_version_help, ms_cmd_version},
  {"convert", "convert a table between CSV and HDF5 (sharded over ranks)", ms_cmd_convert_help, ms_cmd_convert},
  {"generate", "generate Voronoi membrane structures (one volume or a batch)", ms_cmd_generate_help, ms_cmd_generate},
  {"segment", "segment a CT grey stack by porosity-matched threshold", ms_cmd_segment_help, ms_cmd_segment},
  {"tortuosity", "tortuosity and effective conductivity of a voxel volume (PETSc CG + multigrid)", ms_cmd_tortuosity_help, ms_cmd_tortuosity},
  {"train", "fit a model on a table and save it (.h5)", ms_cmd_train_help, ms_cmd_train},
  {"predict", "apply a saved model to a table (predictions CSV)", ms_cmd_predict_help, ms_cmd_predict},
  {"cv", "cross-validate models (k-fold, stratified, repeated, grid) in parallel", ms_cmd_cv_help, ms_cmd_cv},
  {"pca", "principal components of a table: loadings, explained variance, scores", ms_cmd_pca_help, ms_cmd_pca},
  {"label", "restartable label campaign: generate + tortuosity x/y/z of N structures (groups of ranks)", ms_cmd_label_help, ms_cmd_label},
  {"merge", "merge label campaign files of a job array into one table", ms_cmd_merge_help, ms_cmd_merge},
  {"inspect", "print a saved model: coefficients, importances, kernel hyperparameters by feature; CV score", ms_cmd_inspect_help, ms_cmd_inspect},
  {"nmf", "non-negative matrix factorisation of a table: components and weights", ms_cmd_nmf_help, ms_cmd_nmf},
  {"featurize", "featurize inputs into a feature table: composition, electronic, structure, graph", ms_cmd_featurize_help, ms_cmd_featurize},
  {"screen", "screen candidates with saved models: exact top-K or Pareto front, filters, checkpoints", ms_cmd_screen_help, ms_cmd_screen},
  {"bo", "Bayesian optimisation: suggest the next experiments (GP + UCB/EI/PI/EHVI), benchmark strategies", ms_cmd_bo_help, ms_cmd_bo},
  {"formula", "print the formula a symbolic model (sisso, kan with -kan_snap) learned", ms_cmd_formula_help, ms_cmd_formula},
  {"sims", "ToF-SIMS peak tables: preprocess, pca, classify (-compare), nmf, mixtures", ms_cmd_sims_help, ms_cmd_sims},
  {"describe", "microstructure descriptors of volumes: porosity, surface area, S2 by FFT (FFTW MPI), chords, two-point PCA", ms_cmd_describe_help, ms_cmd_describe},
  {"latent", "latent-space PCA diagnostics (porosity, stretch) and the Table 4.4 nearest-neighbour estimate of new volumes", ms_cmd_latent_help, ms_cmd_latent},
  {"vae", "3-D convolutional VAE of voxel structures (oneDNN, data-parallel): train, encode, decode, transfer", ms_cmd_vae_help, ms_cmd_vae},
  {NULL, NULL, NULL, NULL},
};
