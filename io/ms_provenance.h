/* ms_provenance.h - how an output was made: the resolved options, the input files, units.
 *
 * Every output records the options the run actually used, as PETSc's options database holds
 * them after parsing: the command line, every -options_file and the PETSC_OPTIONS variable
 * (not argv alone), and its input files (path, size in bytes, modification time UTC).
 *
 * HDF5 outputs: ms_h5_commit()/ms_h5_write_provenance() (ms_h5.h) call
 * ms_provenance_write_h5() on the root group, which adds the attributes
 *   option_names, option_values   string arrays of equal length ("-model", "ridge"; a flag
 *                                  without value has the value "")
 *   petsc_options_env             the PETSC_OPTIONS variable as it was ("" when unset)
 *   input_files (strings), input_sizes (int64, bytes), input_mtimes_utc (strings)
 *   units                          "see the units attribute of each dataset"
 * CSV outputs are plain tables (a header row, no comment lines, so pandas.read_csv(path)
 * reads them); their provenance goes to a JSON sidecar PATH.meta.json, written as
 * PATH.meta.json.partial and renamed together with the CSV (ms_provenance_sidecar_*), and
 * removed with it on failure.
 *
 * Units: a `units` attribute on a dataset names the unit of its values: "1" for
 * dimensionless quantities (porosity, tau, relative conductivities), "s", "um" (micrometres),
 * "voxel", "byte"; an attribute holding a physical quantity has a sibling `<name>_units`.
 */
#ifndef MS_PROVENANCE_H
#define MS_PROVENANCE_H

#include "ms_core.h"
#include <hdf5.h>

/* The options database as resolved now: n names (with the leading '-') and their values
 * ("" for flags). Not collective; does not change which options count as used. Free both
 * with ms_strings_free (ms_h5.h). */
PetscErrorCode ms_provenance_options(int *n, char ***names, char ***values);

/* Root provenance attributes listed above on obj (a file or group). Collective as every
 * HDF5 attribute write. */
PetscErrorCode ms_provenance_write_h5(hid_t obj, int n_inputs, char *const *inputs);

/* Write PATH.meta.json.partial on rank 0 (registered as pending output, so a failure removes
 * it): the same facts as the HDF5 root attributes, as JSON. Collective over comm. */
PetscErrorCode ms_provenance_sidecar_begin(MPI_Comm comm, const char *path, int n_inputs, char *const *inputs);
/* Rename PATH.meta.json.partial to PATH.meta.json (rank 0). Call just before the CSV's own
 * rename; the sidecar stays a pending output (removed on failure) until
 * ms_provenance_sidecar_done, called after the CSV's rename. Collective over comm. */
PetscErrorCode ms_provenance_sidecar_commit(MPI_Comm comm, const char *path);
PetscErrorCode ms_provenance_sidecar_done(MPI_Comm comm, const char *path);

/* Set the `units` attribute of dataset `name` under loc (collective like any attribute). */
PetscErrorCode ms_h5_set_units(hid_t loc, const char *name, const char *units);

#endif
