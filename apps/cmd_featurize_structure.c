/* cmd_featurize_structure.c - `matscreen featurize structure`: one row of structure
 * descriptors per crystal file (library: ml/featurize/ms_featurize.h). */
#include "ms_commands.h"
#include "ms_featurize.h"
#include "ms_options.h"
#include <string.h>

const char ms_cmd_featurize_structure_help[] =
  "usage: matscreen featurize structure (-inputs a.cif,b.vasp,... | -list files.txt) -output feats.h5|feats.csv\n"
  "          [-cutoff 3.5] [-radii atomic|covalent] [-symprec 0.01] [-voronoi true] [-species A,B] [-cif_symprec 0.01]\n"
  "          [-on_error fail|skip|nan]\n"
  "  Inputs: CIF (*.cif; P1 or expanded from its symmetry operations; partial occupancy is rejected),\n"
  "  XYZ (*.xyz; a molecule, or periodic with extended-XYZ Lattice=\"...\"), anything else is a VASP\n"
  "  POSCAR (VASP 5, or VASP 4 with -species). Input i is featurized on rank i mod P; rows keep the\n"
  "  input order. Columns (units in the names; HDF5 also has a 'units' attribute): n_sites, volume_A3,\n"
  "  volume_per_atom_A3, density_g_cm3, packing_fraction (sum of 4/3 pi r^3 over the cell volume, -radii\n"
  "  table in inputs/featurize/elements.csv), a_A, b_A, c_A, alpha/beta/gamma_deg, c_over_a,\n"
  "  spacegroup_number (spglib, -symprec), nearest-neighbour distance min/max/mean/std over sites,\n"
  "  bond_length mean/std over all neighbour pairs within -cutoff, cn_cutoff mean/min/max (neighbours\n"
  "  within -cutoff, periodic images included), cn_voronoi mean/min/max (solid-angle weighted Voronoi CN\n"
  "  as pymatgen VoronoiNN/matminer; NaN for molecules). Molecules get NaN for cell features.\n"
  "  A file that cannot be read or featurized is reported by name and line; -on_error fail (default)\n"
  "  stops, skip leaves its row out, nan writes a row of NaN.\n";

typedef struct {
  ms_crystal_read_opts ro;
  ms_structure_opts    so;
} structure_ctx;

static PetscErrorCode featurize_file(const char *path, void *p, int64_t d, int64_t *n, double **rows, char ***ids)
{
  structure_ctx *c = (structure_ctx *)p;
  ms_crystal     x;
  PetscFunctionBegin;
  PetscCall(ms_crystal_read(path, &c->ro, &x));
  PetscCall(PetscMalloc1(d, rows));
  PetscErrorCode e = ms_structure_featurize(x, &c->so, *rows);
  PetscCall(ms_crystal_destroy(&x));
  if (e) PetscCall(PetscFree(*rows));
  PetscCall(e);
  PetscCall(PetscMalloc1(1, ids));
  PetscCall(PetscStrallocpy(path, &(*ids)[0]));
  *n = 1;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_featurize_structure(MPI_Comm comm)
{
  char          out[PETSC_MAX_PATH_LEN] = "", list[PETSC_MAX_PATH_LEN] = "";
  char         *inputs[MS_FEATURIZE_MAX_INPUTS], *species[128];
  PetscInt      n_in = MS_FEATURIZE_MAX_INPUTS, n_sp = 127;
  char          radii_s[32] = "atomic", on_error_s[32] = "fail";
  int           radii, on_error;
  PetscBool     set, help;
  structure_ctx ctx;
  PetscFunctionBeginUser;
  PetscCall(ms_structure_opts_default(&ctx.so));
  ctx.ro.cif_symprec = 1e-2;
  ctx.ro.species     = NULL;
  PetscOptionsBegin(comm, NULL, "matscreen featurize structure options", NULL);
  PetscCall(PetscOptionsStringArray("-inputs", "comma-separated structure files (CIF, POSCAR, XYZ)", NULL, inputs, &n_in, &set));
  if (!set) n_in = 0;
  PetscCall(PetscOptionsString("-list", "file listing structure files, one per line ('#' comments)", NULL, list, list, sizeof list, NULL));
  PetscCall(PetscOptionsString("-output", "output table: .h5/.hdf5 (group /features) or .csv", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsReal("-cutoff", "neighbour cutoff for bonds and cutoff CN (Angstrom)", NULL, ctx.so.cutoff, &ctx.so.cutoff, NULL));
  PetscCall(PetscOptionsString("-radii", "radius table for the packing fraction: atomic (Slater 1964) or covalent", NULL, radii_s, radii_s, sizeof radii_s, NULL));
  PetscCall(PetscOptionsReal("-symprec", "spglib symmetry tolerance (Angstrom)", NULL, ctx.so.symprec, &ctx.so.symprec, NULL));
  PetscCall(PetscOptionsBool("-voronoi", "compute the Voronoi (solid-angle) CN", NULL, ctx.so.voronoi, &ctx.so.voronoi, NULL));
  PetscCall(PetscOptionsStringArray("-species", "element symbols of a VASP 4 POSCAR (no species line), in order", NULL, species, &n_sp, &set));
  if (!set) n_sp = 0;
  PetscCall(PetscOptionsReal("-cif_symprec", "CIF: symmetry images closer than this are one site (Angstrom)", NULL, ctx.ro.cif_symprec, &ctx.ro.cif_symprec, NULL));
  PetscCall(PetscOptionsString("-on_error", "an input that cannot be featurized: fail (stop), skip (leave out) or nan (NaN row)", NULL, on_error_s, on_error_s,
                               sizeof on_error_s, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(PetscPrintf(comm, "%s", ms_cmd_featurize_structure_help));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCall(ms_featurize_choice(comm, "-on_error", on_error_s, ms_on_error_names, 3, &on_error));
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (feats.h5 or feats.csv)");
  PetscCheck(ctx.so.cutoff > 0, comm, MS_ERR_USER, "-cutoff must be positive, got %g", ctx.so.cutoff);
  PetscCheck(ctx.so.symprec > 0, comm, MS_ERR_USER, "-symprec must be positive, got %g", ctx.so.symprec);
  PetscCall(ms_featurize_choice(comm, "-radii", radii_s, ms_radii_names, 2, &radii));
  ctx.so.radii = (ms_radii)radii;
  species[n_sp] = NULL;
  if (n_sp) ctx.ro.species = (const char *const *)species;

  const ms_featurize_kind k = {"structure", featurize_file, ms_structure_n_features, ms_structure_feature_names, ms_structure_feature_units,
                                "NaN: not defined for the input (cell features of a molecule) or an input that failed with -on_error nan"};
  PetscCall(ms_featurize_run(comm, (int)n_in, inputs, list, out, &k, &ctx, (ms_on_error)on_error));
  for (PetscInt i = 0; i < n_in; i++) PetscCall(PetscFree(inputs[i]));
  for (PetscInt i = 0; i < n_sp; i++) PetscCall(PetscFree(species[i]));
  PetscFunctionReturn(0);
}
