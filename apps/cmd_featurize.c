/* cmd_featurize.c - `matscreen featurize <kind> [options]`: a table of featurizer kinds, each
 * a thin command of its own (cmd_featurize_<kind>.c). The kind is the first word after
 * `featurize` (PETSc skips words that are not options). */
#include "ms_commands.h"
#include <string.h>

typedef struct {
  const char *kind, *summary;
  PetscErrorCode (*run)(MPI_Comm);
} featurize_kind;

static const featurize_kind kinds[] = {
  {"structure", "crystal structures (CIF, POSCAR, XYZ): density, packing, lattice, space group, bonds, CN", ms_cmd_featurize_structure},
  {"graph", "graphs (neighbour graph of a structure, or CSV edge lists): Wiener, Randic, clustering, betweenness, degree",
   ms_cmd_featurize_graph},
  {NULL, NULL, NULL},
};

const char ms_cmd_featurize_help[] =
  "usage: matscreen featurize <kind> [options]     (matscreen featurize <kind> -help for the options)\n"
  "  kinds:\n"
  "    structure  crystal structures (CIF, POSCAR, XYZ) -> density, packing fraction, lattice, space group, bonds, CN\n"
  "    graph      neighbour graphs of structures or CSV edge lists -> Wiener, Randic, clustering, betweenness, degree\n";

PetscErrorCode ms_cmd_featurize(MPI_Comm comm)
{
  int    argc;
  char **argv;
  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  const char *kind = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  if (!kind) {
    PetscBool help;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-help", &help));
    if (help) PetscFunctionReturn(0); /* the usage above was printed by PETSc's -help */
  }
  PetscCheck(kind, comm, MS_ERR_USER, "featurize: missing the kind (matscreen featurize structure|graph [options])");
  for (const featurize_kind *k = kinds; k->kind; k++)
    if (!strcmp(k->kind, kind)) {
      PetscCall(k->run(comm));
      PetscFunctionReturn(0);
    }
  SETERRQ(comm, MS_ERR_USER, "featurize: unknown kind '%s' (allowed: structure, graph)", kind);
}
