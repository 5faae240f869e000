/* ms_commands.c - the table of subcommands (one row per command). */
#include "ms_commands.h"

const ms_command ms_commands[] = {
  {"version", "print versions of matscreen and its libraries", ms_cmd_version_help, ms_cmd_version},
  {"convert", "convert a table between CSV and HDF5 (sharded over ranks)", ms_cmd_convert_help, ms_cmd_convert},
  {"generate", "generate Voronoi membrane structures (one volume or a batch)", ms_cmd_generate_help, ms_cmd_generate},
  {"segment", "segment a CT grey stack by porosity-matched threshold", ms_cmd_segment_help, ms_cmd_segment},
  {NULL, NULL, NULL, NULL},
};
