/* ms_featurize.h - the featurizers of spec.md 1.10: numbers that describe a material, one
 * row per input, for the ML layer.
 *
 * Units: lengths in Angstrom, volumes in Angstrom^3, masses in u, densities in g/cm^3,
 * angles in degrees. Every feature table names its columns with their unit
 * (ms_featurize_columns).
 *
 * Errors: a malformed input raises MS_ERR_READ (or MS_ERR_FILE when it cannot be opened)
 * on PETSC_COMM_SELF with "file:line: what was found, what was expected". Readers and
 * featurizers are rank-local: the commands shard the inputs (input i on rank i mod P) and
 * collect the rows with ms_featurize_rows_* below.
 */
#ifndef MS_FEATURIZE_H
#define MS_FEATURIZE_H

#include "ms_dataset.h"

/* ======================================================================================
 * Structure
 * ====================================================================================== */

/* A crystal (or molecule) as read from a file. Owns every array.
 *   lattice[i] is the i-th lattice vector (a, b, c) in Cartesian Angstrom (rows);
 *   frac is n x 3 fractional coordinates wrapped to [0, 1) (periodic only);
 *   cart is n x 3 Cartesian Angstrom (always set);
 *   Z[i] the atomic number of site i. */
typedef struct ms_crystal_s {
  char      *id;          /* the source file name */
  PetscBool  periodic;    /* PETSC_FALSE: a molecule (XYZ without Lattice=) */
  double     lattice[3][3];
  int64_t    n;
  int       *Z;
  double    *frac, *cart;
} *ms_crystal;

/* Reader options. species: element symbols for a VASP 4 POSCAR (no species line), NULL-
 * terminated, or NULL. cif_symprec: two symmetry images of a CIF site closer than this
 * (Angstrom) are one site. */
typedef struct {
  const char *const *species;
  double             cif_symprec;
} ms_crystal_read_opts;

PetscErrorCode ms_crystal_create(int64_t n, PetscBool periodic, ms_crystal *c);
PetscErrorCode ms_crystal_destroy(ms_crystal *c);
/* By file name: *.cif -> CIF, *.xyz -> XYZ, anything else (POSCAR, CONTCAR, *.vasp) -> POSCAR. */
PetscErrorCode ms_crystal_read(const char *path, const ms_crystal_read_opts *o, ms_crystal *c);
/* CIF 1.1: P1 or symmetry-expanded from _symmetry_equivalent_pos_as_xyz or
 * _space_group_symop_operation_xyz. A site with _atom_site_occupancy below 1 is rejected
 * (partial occupancy / disorder is not featurized); "5.431(2)" uncertainties are read. */
PetscErrorCode ms_crystal_read_cif(const char *path, const ms_crystal_read_opts *o, ms_crystal *c);
/* VASP 5 (species line) or VASP 4 (o->species); Direct/Cartesian; a negative scale factor is
 * the cell volume; Selective dynamics flags are read and ignored. */
PetscErrorCode ms_crystal_read_poscar(const char *path, const ms_crystal_read_opts *o, ms_crystal *c);
/* XYZ: a molecule, or extended XYZ with Lattice="ax ay az bx by bz cx cy cz" in the comment line. */
PetscErrorCode ms_crystal_read_xyz(const char *path, ms_crystal *c);
/* frac from cart (wrapped to [0,1)) and cart from frac. */
PetscErrorCode ms_crystal_cart_to_frac(ms_crystal c);
PetscErrorCode ms_crystal_frac_to_cart(ms_crystal c);
double ms_crystal_volume(const ms_crystal c); /* |det lattice|, Angstrom^3 */

/* Element table (inputs/featurize/elements.csv; Z = 1..103). */
typedef enum { MS_RADII_ATOMIC = 0, MS_RADII_COVALENT } ms_radii;
extern const char *const ms_radii_names[]; /* "atomic","covalent" (PetscOptionsEnum format) */
int         ms_element_z(const char *symbol); /* 0 when unknown; "Fe", "FE", "fe" and "Fe2+" accepted */
const char *ms_element_symbol(int Z);
double      ms_element_mass(int Z);             /* u */
double      ms_element_radius(int Z, ms_radii t); /* Angstrom, NaN when not tabulated */

/* Periodic neighbour list: every pair (i, j, image) with 0 < |r_j + image - r_i| <= cutoff,
 * found with a cell list over the periodic images needed for the cutoff (the number of
 * images in each direction follows from the perpendicular widths of the cell, so skewed
 * cells are handled). Pairs are sorted by (i, distance, j, image). For a molecule, no images. */
typedef struct {
  int64_t n_sites, n_pairs;
  int64_t *start;        /* n_sites + 1: pairs of site i are start[i]..start[i+1]-1 */
  int64_t *j;            /* n_pairs */
  int     *image;        /* n_pairs x 3 */
  double  *d;            /* n_pairs, Angstrom */
} ms_neighbors;
PetscErrorCode ms_neighbors_build(const ms_crystal c, double cutoff, ms_neighbors *nb);
PetscErrorCode ms_neighbors_free(ms_neighbors *nb);

/* Solid-angle weighted Voronoi coordination number of every site (pymatgen VoronoiNN with
 * weight='solid_angle', as matminer): cn[i] = sum over faces of the Voronoi cell of site i
 * of (face solid angle / largest face solid angle). Cells from qhull's Delaunay
 * triangulation of the site and its periodic images; the image radius grows until every
 * cell vertex is certified (no image outside the radius can cut the cell). */
PetscErrorCode ms_voronoi_cn(const ms_crystal c, double *cn);

/* Structure features: one row per crystal. */
typedef struct {
  double   cutoff;        /* neighbour cutoff, Angstrom (default 3.5) */
  ms_radii radii;         /* radius table for the packing fraction (default atomic) */
  double   symprec;       /* spglib tolerance, Angstrom (default 0.01, as pymatgen's SpacegroupAnalyzer) */
  PetscBool voronoi;      /* compute the Voronoi CN (default true) */
} ms_structure_opts;
extern const int ms_structure_n_features;
/* Column names (with units) of the structure features, ms_structure_n_features of them. */
extern const char *const ms_structure_feature_names[];
extern const char *const ms_structure_feature_units[];  /* "A", "A^3", "g/cm^3", "deg", "1" */
PetscErrorCode ms_structure_opts_default(ms_structure_opts *o);
/* row: ms_structure_n_features values. Molecules get NaN for lattice and density features. */
PetscErrorCode ms_structure_featurize(const ms_crystal c, const ms_structure_opts *o, double *row);
/* spglib: space group number (0 when spglib finds none) and Hermann-Mauguin symbol. */
PetscErrorCode ms_structure_spacegroup(const ms_crystal c, double symprec, int *number, char symbol[16]);

/* ======================================================================================
 * Graph
 * ====================================================================================== */

/* A simple undirected graph: n vertices, m edges (u < v, no self loops, no duplicates:
 * repeated edges and periodic multi-edges are collapsed into one, self loops dropped),
 * optional positive edge weights (lengths for shortest paths; NULL = 1). */
typedef struct {
  char    *id;
  int64_t  n, m;
  int64_t *edges;        /* m x 2 */
  double  *w;            /* m or NULL */
} ms_graph;
PetscErrorCode ms_graph_free(ms_graph *g);
/* Neighbour graph of a crystal: sites are vertices, pairs within cutoff edges (unweighted). */
PetscErrorCode ms_graph_from_neighbors(const ms_crystal c, const ms_neighbors *nb, ms_graph *g);
/* Edge list CSV: header with source,target[,weight][,graph_id] (any order; other columns are
 * an error). Vertex names are strings. One graph per file, or one per graph_id value (in
 * order of first appearance). *graphs is an array of *n_graphs graphs the caller frees. */
PetscErrorCode ms_graph_read_edgelist(const char *path, ms_graph **graphs, int64_t *n_graphs);

extern const int          ms_graph_n_features;
extern const char *const  ms_graph_feature_names[];
extern const char *const  ms_graph_feature_units[];
/* igraph: wiener (sum of shortest-path lengths over unordered pairs; +Inf when the graph is
 * disconnected), randic (sum over edges of 1/sqrt(d_u d_v)), transitivity (global),
 * avg_clustering (mean local coefficient, 0 for degree < 2, as NetworkX), betweenness
 * mean/max/std (normalised as NetworkX: 2 B / ((n-1)(n-2)) for undirected graphs),
 * degree mean/max/min/std, n_vertices, n_edges. */
PetscErrorCode ms_graph_featurize(const ms_graph *g, double *row);

/* ======================================================================================
 * Feature tables shared by the commands
 * ====================================================================================== */

typedef enum { MS_ON_ERROR_FAIL = 0, MS_ON_ERROR_SKIP, MS_ON_ERROR_NAN } ms_on_error;
extern const char *const ms_on_error_names[]; /* "fail","skip","nan" */

/* Rows computed in any order on any rank: row r of this rank has key (item[r], sub[r])
 * (input file index, index within the file), id ids[r] and values X[r*d..]. Collective:
 * returns a dataset holding all rows sorted by key, in contiguous blocks, with ids. */
PetscErrorCode ms_featurize_rows_to_dataset(MPI_Comm comm, int64_t n, const int64_t *item, const int64_t *sub,
                                            char *const *ids, const double *X, int64_t d,
                                            const char *const *names, ms_dataset *ds);
/* Write ds to PATH (.h5/.hdf5: group /features with provenance root attributes; else CSV),
 * atomically. inputs are recorded as provenance (HDF5). */
PetscErrorCode ms_featurize_write(ms_dataset ds, const char *path, int n_inputs, char *const *inputs, const char *kind, char *const *units,
                                  const char *note);

/* value among names[0..n) -> *index, else MS_ERR_USER naming option and the allowed values. */
PetscErrorCode ms_featurize_choice(MPI_Comm comm, const char *option, const char *value, const char *const *names, int n, int *index);
/* Run f(ctx) with errors caught: *err is the error code (0 when it worked) and msg the first
 * message; nothing is printed. For -on_error skip|nan. */
PetscErrorCode ms_featurize_try(PetscErrorCode (*f)(void *), void *ctx, PetscErrorCode *err, char *msg, size_t len);
/* Capacity of -inputs (PETSc string arrays are fixed-size); more inputs go through -list. */
#define MS_FEATURIZE_MAX_INPUTS 1024
/* The list of inputs from -inputs a,b,c and/or -list FILE (one path per line, '#' comments;
 * relative paths are relative to the list's folder). Collective; *files freed with
 * ms_featurize_inputs_free. */
PetscErrorCode ms_featurize_inputs(MPI_Comm comm, int n_in, char *const *in, const char *list, int *n, char ***files);
PetscErrorCode ms_featurize_inputs_free(int n, char ***files);

/* Featurize one input file: *n rows of d values (*rows, n x d) with their ids (*ids); the
 * callee allocates both with PetscMalloc (ids strings too), the caller frees them. */
typedef PetscErrorCode (*ms_featurize_file_fn)(const char *path, void *ctx, int64_t d, int64_t *n, double **rows, char ***ids);
/* Collective: input i on rank i mod P, failures handled by policy (fail: the first failure
 * ends every rank with its message; skip: reported on stderr, no row; nan: reported, one row
 * of NaN with the file as id). Progress under label. *ds holds the rows in input order,
 * row-sharded; *n_failed counts the inputs that failed. */
PetscErrorCode ms_featurize_files(MPI_Comm comm, int n_files, char *const *files, ms_featurize_file_fn fn, void *ctx, int64_t d,
                                  const char *const *names, ms_on_error policy, const char *label, ms_dataset *ds, int64_t *n_failed);

/* One featurizer as the commands run it. */
typedef struct {
  const char          *name;   /* "structure", "graph": recorded in the output */
  ms_featurize_file_fn fn;
  int64_t              d;
  const char *const   *names, *const *units;
  const char          *note;   /* how to read special values; HDF5 attribute "note" and log */
} ms_featurize_kind;
/* The whole `matscreen featurize <kind>`: inputs from -inputs (n_in of at most
 * MS_FEATURIZE_MAX_INPUTS; a full array is an error, as PETSc drops the rest silently)/-list, ms_featurize_files,
 * ms_featurize_write to out, a summary on rank 0 (rows, failures, and which columns hold
 * non-finite values: NaN rows of -on_error nan, an infinite Wiener index). Collective. */
PetscErrorCode ms_featurize_run(MPI_Comm comm, int n_in, char *const *in, const char *list, const char *out, const ms_featurize_kind *k, void *ctx,
                                ms_on_error policy);

#endif
