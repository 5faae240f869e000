/* ms_commands.c - the table of subcommands (one row per command). */
#include "ms_commands.h"

const ms_command ms_commands[] = {
  {"version", "print versions of matscreen and its libraries", ms_cmd_version_help, ms_cmd_version},
  {"convert", "convert a table between CSV and HDF5 (sharded over ranks)", ms_cmd_convert_help, ms_cmd_convert},
  {"pca", "principal components of a table: loadings, explained variance, scores", ms_cmd_pca_help, ms_cmd_pca},
  {NULL, NULL, NULL, NULL},
};
