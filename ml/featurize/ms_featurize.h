/* ms_featurize.h - descriptors of materials (spec.md 1.10): composition, electronic
 * (this part), structure and graph (their own section).
 *
 * Every featurizer maps one input (a formula, a set of DFT output files, ...) to a fixed
 * vector of named columns with units, so that a table of inputs becomes an ms_dataset. The
 * per-row functions are pure (no MPI, no PETSc error stack in the hot path) and return a
 * status code with a message, so that a caller featurizing a million rows decides per row
 * what a failure does (`-on_error fail|skip|nan`); the setup functions (table loading,
 * file parsing) use PETSc's error style.
 */
#ifndef MS_FEATURIZE_H
#define MS_FEATURIZE_H

#include "ms_core.h"
#include "ms_dataset.h"

/* ====================================================================================
 * Composition
 * ==================================================================================== */

#define MS_N_ELEMENTS 118

/* Atomic number of the element symbol s[0..len) (case-sensitive: "Co" cobalt, "CO" is not a
 * symbol), or 0 when it is not one of the 118 elements. */
int         ms_element_z(const char *s, size_t len);
const char *ms_element_symbol(int z); /* "H".."Og"; NULL outside 1..118 */

/* ---- Formula parser (ms_formula.c) -------------------------------------------------
 * Grammar (spaces between tokens are allowed and ignored):
 *   formula := part { sep part } [charge]
 *   sep     := '*' | U+00B7 (middle dot) | U+2022 (bullet) | U+22C5 (dot operator) | '.' (see below)
 *   part    := [amount] { element [amount] | open part close [amount] }
 *   open/close := ( ) | [ ] | { }   nested to any depth up to 32 levels
 *   amount  := digits ['.' digits] | '.' digits | digits '/' digits  ("Li1/2La1/2TiO3")
 * A leading amount multiplies its whole part ("CuSO4*5H2O", "2NaCl").
 * The dot: '.' between two digits is a decimal point ("Li0.33La0.56TiO3", "Li4.5La"),
 * EXCEPT when what follows the dot is an integer then "H2O" ending the part
 * ("CuSO4.5H2O", "Na2SO4.10H2O": water of crystallisation, as chemists write it). A '.'
 * not followed by a digit is a separator ("CuSO4.H2O"). To mean S O4.5 H2 O write
 * "CuSO4.5(H2O)"; to be unambiguous about hydrates use '*' or the middle dot.
 * Charges are ignored with a note (f->charge set): a trailing "+"/"-" run with an optional
 * magnitude, "^2-", "^{2-}", "(3+)" or a space-separated "2-" ends the formula ("Fe3+",
 * "SO4^2-", "[NH4]+", "O2-"). Digits directly before a trailing sign are the charge, not an
 * amount ("Fe3+" is one Fe); write "SO4^2-" or "SO4 2-" for polyatomic ions.
 * Elements with a zero total amount are dropped; an empty result is an error. */
typedef struct {
  int    n;                           /* distinct elements, in order of first appearance */
  int    z[MS_N_ELEMENTS];            /* atomic numbers */
  double amount[MS_N_ELEMENTS];       /* atoms per formula unit as written */
  double fraction[MS_N_ELEMENTS];     /* amount / sum of amounts */
  double total;                       /* sum of amounts */
  int    charge;                      /* 1 when a charge was seen (and ignored) */
} ms_formula;

typedef struct {
  int  column;                        /* 1-based character (not byte) column of the bad spot */
  char message[160];
} ms_formula_error;

/* 0 on success; otherwise 1 with err filled. Thread-safe, allocation-free. */
int ms_formula_parse(const char *s, ms_formula *f, ms_formula_error *err);
/* "what at column C:\n  <formula>\n  <spaces>^" into buf. */
void ms_formula_error_format(const char *s, const ms_formula_error *err, char *buf, size_t len);

/* ---- Element property tables (ms_elements.c) ----------------------------------------
 * The Magpie tables (inputs/magpie/<Property>.table, from matminer): line k holds the value
 * of element Z = k; 'Missing', an empty line or a line past the end of the file (tables have
 * 103 to 118 lines) is a missing value (NaN here); CRLF and LF both accepted. A line with
 * several numbers (IonizationEnergies, OxidationStates) is an error naming file:line: only
 * scalar properties give statistics. Loaded once per rank (a few kB). */
typedef struct ms_element_table_s *ms_element_table;

/* The directory searched when elements_dir is NULL or "": the source tree's inputs/magpie
 * (baked in by CMake), then ../share/matscreen/magpie beside the loaded libmatscreen (an
 * install tree, wherever it was moved), then the configured install prefix's. */
PetscErrorCode ms_elements_default_dir(char *dir, size_t len);
PetscErrorCode ms_element_table_load(const char *dir, int n_props, const char *const *props, ms_element_table *t);
PetscErrorCode ms_element_table_destroy(ms_element_table *t);
double         ms_element_table_value(ms_element_table t, int prop, int z); /* NaN: missing */
double         ms_element_table_mean(ms_element_table t, int prop);         /* over known values */
const char    *ms_element_table_dir(ms_element_table t);
/* Unit of a Magpie property ("K", "pm", "eV", ...; "" for counts and indices). */
const char    *ms_element_property_unit(const char *prop);

/* ---- Composition featurizer (ms_composition.c) --------------------------------------
 * For each property P and statistic, over the fraction-weighted distribution of P over the
 * formula's elements (x_i = atomic fraction):
 *   minimum, maximum, range = max - min     (over the elements present, unweighted)
 *   mean     = sum x_i P_i                  (Z-bar, M-bar, chi-bar of the slides for
 *                                            P = Number, AtomicWeight, Electronegativity)
 *   avg_dev  = sum x_i |P_i - mean|         (mean absolute deviation)
 *   variance = sum x_i (P_i - mean)^2       (the slides' sigma_P^2), std_dev = its root
 *   mode     = P of the most abundant element; ties (fractions within 1e-8) take the
 *              smallest P, as matminer does.
 * Column names follow matminer's ElementProperty: "MagpieData <stat> <Property>", so the
 * "magpie" preset reproduces its 132 columns in its order (22 properties x minimum, maximum,
 * range, mean, avg_dev, mode). Presets: "magpie"; "magpie_extended" (magpie + variance of
 * the 22 properties, 154 columns); "slides" (mean and variance of Number, AtomicWeight,
 * Electronegativity: Z-bar, M-bar, chi-bar and their variances).
 * Missing property values (policy):
 *   error  (default) the row fails, naming formula, element and property;
 *   impute the missing value is the property's mean over all known elements of the table
 *          (matminer's impute_nan);
 *   drop   the element is left out of that property's statistics (fractions renormalised
 *          over the elements that have a value); no element with a value fails the row;
 *   nan    the property's columns are NaN (matminer's default). */
typedef enum { MS_MISSING_ERROR = 0, MS_MISSING_IMPUTE, MS_MISSING_DROP, MS_MISSING_NAN } ms_missing_policy;
extern const char *const ms_missing_policy_names[]; /* PETSc enum list: error, impute, drop, nan */

typedef enum {
  MS_STAT_MINIMUM = 0, MS_STAT_MAXIMUM, MS_STAT_RANGE, MS_STAT_MEAN, MS_STAT_AVG_DEV,
  MS_STAT_MODE, MS_STAT_VARIANCE, MS_STAT_STD_DEV, MS_STAT_COUNT
} ms_composition_stat;
extern const char *const ms_composition_stat_names[]; /* "minimum", ..., "std_dev" */

/* Row status of the featurizers (0 = ok). */
enum { MS_FEAT_OK = 0, MS_FEAT_BAD_INPUT = 1, MS_FEAT_MISSING_VALUE = 2 };

typedef struct ms_composition_featurizer_s *ms_composition_featurizer;

/* preset: "magpie", "magpie_extended", "slides". elements_dir NULL/"": the default dir. */
PetscErrorCode ms_composition_featurizer_create(const char *preset, const char *elements_dir, ms_missing_policy policy,
                                                ms_composition_featurizer *f);
/* Any properties (Magpie table names) x any statistics, in the order given (property-major). */
PetscErrorCode ms_composition_featurizer_create_custom(int n_props, const char *const *props, int n_stats,
                                                       const ms_composition_stat *stats, const char *elements_dir,
                                                       ms_missing_policy policy, ms_composition_featurizer *f);
PetscErrorCode ms_composition_featurizer_destroy(ms_composition_featurizer *f);
/* Column names and units (owned by f, valid until destroy). */
PetscErrorCode ms_composition_featurizer_columns(ms_composition_featurizer f, int *n_columns, const char *const **names,
                                                 const char *const **units);
/* One formula -> x[n_columns]. Returns a status; on failure msg (may be NULL) says why
 * (with a caret under the bad character for parse errors) and x is NaN. Thread-safe. */
int ms_composition_featurizer_row(ms_composition_featurizer f, const char *formula, double *x, char *msg, size_t msglen);
/* How many formulas featurized by f so far carried a charge (ignored): the "note" to print. */
int64_t ms_composition_featurizer_charged(ms_composition_featurizer f);
/* n formulas -> X (n x n_columns, row-major) and status[n] (OpenMP over rows). Failed rows
 * are NaN; call _row again for a message. */
PetscErrorCode ms_composition_featurizer_apply(ms_composition_featurizer f, int64_t n, const char *const *formulas, double *X,
                                               int *status);

/* ---- Tables of inputs (ms_featurize_table.c; shared by every featurizer) -------------
 * `matscreen featurize` reads a CSV with one input per row (a formula, a directory of DFT
 * outputs, ...): rank 0 cuts the file into balanced ranges of whole records (quote-aware,
 * ms_csv_split), each rank parses its own range, so rows are sharded by contiguous blocks and
 * the output is the same on any number of ranks. */
typedef struct {
  MPI_Comm  comm;
  char     *path;
  int64_t   n_local, n_global, row_start;
  char    **input;     /* the input column of each local row */
  char    **ids;       /* the id column, or "line N" when there is none */
  int64_t  *line;      /* line of the record in the file */
  char     *id_name;   /* "id" when there is no id column */
  char     *target_name;
  double   *target;    /* the optional numeric target column (NaN when empty), or NULL */
  int64_t   n_bounds;  /* local target values written as bounds ("<1E-10" -> 1e-10) */
} ms_featurize_rows;

/* input_col is required; id_col and target_col may be NULL. A target field "<x" or ">x" (a
 * censored measurement) is read as x and counted in n_bounds; other non-numbers are errors
 * naming file:line. target_log10: store log10 of the target (positive values required). */
PetscErrorCode ms_featurize_rows_read_csv(MPI_Comm comm, const char *path, const char *input_col, const char *id_col,
                                          const char *target_col, PetscBool target_log10, ms_featurize_rows *rows);
/* HDF5 input, "file.h5[:/group]": the columns are 1-D datasets of the group (strings, fixed or
 * variable length, for the input and id; numbers for the target); each rank reads its block of
 * rows; "line" in messages is the 1-based row. */
PetscErrorCode ms_featurize_rows_read_h5(MPI_Comm comm, const char *spec, const char *input_col, const char *id_col,
                                         const char *target_col, PetscBool target_log10, ms_featurize_rows *rows);
PetscErrorCode ms_featurize_rows_free(ms_featurize_rows *rows);

/* What a row that cannot be featurized does: fail the run (naming file, line, id and why),
 * skip it (listed on stderr, counted in the HDF5 output's `failed_rows` attribute) or keep it
 * with NaN features (listed the same way). */
typedef enum { MS_ON_ERROR_FAIL = 0, MS_ON_ERROR_SKIP, MS_ON_ERROR_NAN } ms_on_error;
extern const char *const ms_on_error_names[]; /* PETSc enum list: fail, skip, nan */

/* A featurizer of one row: fills x[n_cols] and returns MS_FEAT_OK or a failure status with
 * a message. Must be thread-safe (rows run under OpenMP). */
typedef int (*ms_featurize_row_fn)(void *ctx, const char *input, double *x, char *msg, size_t msglen);

/* Featurize the local rows into a dataset on rows->comm (ids, target carried over) and apply
 * the row policy; *n_skipped = global number of rows that failed. Collective. */
PetscErrorCode ms_featurize_table(const ms_featurize_rows *rows, int n_cols, const char *const *names,
                                  ms_featurize_row_fn fn, void *ctx, ms_on_error on_error, ms_dataset *ds,
                                  int64_t *n_skipped);
/* Write ds to path (.h5/.hdf5: the ms_dataset layout plus a `column_units` attribute on
 * /features and provenance; otherwise CSV with provenance comments), atomically. */
PetscErrorCode ms_featurize_write(ms_dataset ds, const char *const *units, const char *input_path, int64_t n_skipped,
                                  const char *path);

/* Adapter for ms_featurize_table: ctx is an ms_composition_featurizer. */
int ms_composition_featurizer_row_fn(void *ctx, const char *formula, double *x, char *msg, size_t msglen);

/* ====================================================================================
 * Electronic (ms_electronic_vasp.c: file parsers; ms_electronic.c: features)
 * ====================================================================================
 * Descriptors from the outputs of one DFT (VASP) calculation in a directory:
 *   band_gap, vbm, cbm [eV], direct_gap [1/0]     from EIGENVAL (or bands.csv, see
 *       ms_bands_read_table). Occupied states: occupations
 *       > 0.5 when the file has them (VASP >= 5.4), else E <= E_F when E_F is known, else
 *       the lowest NELECT/2 bands (ISPIN = 1). Spin-polarised files: both channels pooled.
 *       A metal (CBM <= VBM) has band_gap 0 and NaN masses.
 *   m_e_cbm, m_h_vbm [m_e]   parabolic least-squares fit E = a + b t + c t^2 (LAPACKE_dgels)
 *       over the band-edge k-point and up to mass_points neighbours on each side along the
 *       k-path, staying on the straight segment of the edge (a repeated point or a turn ends
 *       it); t is the signed Cartesian distance in 1/Angstrom, k_cart = k_frac B with the
 *       reciprocal lattice B = 2 pi A^-T (A from POSCAR or the lattice option). m* = hbar^2 /
 *       (2c) = 3.80998212 eV A^2 / c; the hole mass is reported positive (-hbar^2 / 2c).
 *   dos_at_fermi [states/eV/cell]  the total DOS of DOSCAR (spin channels summed) convolved
 *       with a Gaussian of width sigma at E_F (sigma = 0: linear interpolation).
 *   dos_at_fermi_eig [states/eV/cell]  spec.md 1.10's D(E_F) = sum_k w_k sum_b g_sigma(E_F -
 *       e_kb) from the EIGENVAL eigenvalues (weights normalised; x2 for ISPIN = 1).
 *   efermi [eV]      the option, else the last "E-fermi" of OUTCAR, else DOSCAR's header.
 *   vacuum_level, work_function [eV]  planar average of LOCPOT (electron potential energy, eV)
 *       over the planes normal to wf_axis; E_vac = its maximum (the vacuum plateau);
 *       work_function = E_vac - E_F (spec.md 1.10: the slides' "+E_F" is an erratum).
 * A file that is absent leaves its columns NaN; a directory with none of EIGENVAL, DOSCAR,
 * LOCPOT fails the row; a malformed file fails the row naming file:line. */
typedef struct {
  int     ispin, nk, nb;  /* spin channels (1 or 2), k-points, bands */
  double  nelect;
  double *kfrac;          /* nk x 3, fractional reciprocal coordinates */
  double *weight;         /* nk */
  double *e;              /* ispin x nk x nb [eV]: e[(s * nk + k) * nb + b] */
  double *occ;            /* same shape, or NULL when the file has no occupations */
} ms_bands;

/* Parsers: 0 on success, else MS_FEAT_BAD_INPUT with "path:line: what" in msg. Thread-safe. */
int  ms_bands_read_eigenval(const char *path, ms_bands *b, char *msg, size_t msglen);
/* The band table alternative, bands.csv: header k,kx,ky,kz,weight,spin,band,energy[,occupation]
 * (any order), one row per (k, spin, band), indices from 1; without occupations E_F is needed. */
int  ms_bands_read_table(const char *path, ms_bands *b, char *msg, size_t msglen);
void ms_bands_free(ms_bands *b);
/* POSCAR/CONTCAR/LOCPOT header lattice (rows a1, a2, a3 in Angstrom, scale applied). */
int ms_vasp_read_lattice(const char *path, double A[9], char *msg, size_t msglen);
/* DOSCAR: energies, total DOS (spin summed) and the E_F of its header. Caller frees e, dos. */
int ms_doscar_read(const char *path, int *n, double **e, double **dos, double *efermi, char *msg, size_t msglen);
/* LOCPOT: planar average over the planes normal to axis (0, 1, 2): avg[n_planes]. */
int ms_locpot_planar_average(const char *path, int axis, int *n_planes, double **avg, char *msg, size_t msglen);
/* Last "E-fermi :" value in OUTCAR. */
int ms_outcar_efermi(const char *path, double *efermi, char *msg, size_t msglen);

typedef struct {
  double vbm, cbm, gap;
  int    direct, s_vbm, k_vbm, b_vbm, s_cbm, k_cbm, b_cbm;
} ms_band_edges;
int ms_bands_edges(const ms_bands *b, double efermi, ms_band_edges *e, char *msg, size_t msglen);
/* Effective mass [m_e] of band (s, bnd) at k-point k0 (sign as fitted: > 0 for a minimum).
 * A: lattice rows in Angstrom. NaN with a message when fewer than 3 points are usable. */
int ms_bands_effective_mass(const ms_bands *b, const double A[9], int s, int k0, int bnd, int points, double *mass, char *msg,
                            size_t msglen);
/* Gaussian-broadened DOS at E: sum_j dos_j g_sigma(E - e_j) dE (sigma = 0: interpolation). */
double ms_dos_at(int n, const double *e, const double *dos, double E, double sigma);

typedef struct {
  double sigma;        /* Gaussian width for the DOS at E_F [eV], default 0.05 */
  int    mass_points;  /* neighbours per side in the effective-mass fit, default 3 */
  double efermi;       /* NaN: from OUTCAR, then DOSCAR */
  double lattice[9];   /* lattice[0] NaN: from POSCAR (then CONTCAR) in the directory */
  int    wf_axis;      /* 0, 1, 2 (default 2: z) */
} ms_electronic_opts;
void ms_electronic_opts_default(ms_electronic_opts *o);
#define MS_ELECTRONIC_N_COLUMNS 11
extern const char *const ms_electronic_column_names[MS_ELECTRONIC_N_COLUMNS];
extern const char *const ms_electronic_column_units[MS_ELECTRONIC_N_COLUMNS];
/* One calculation directory -> x[MS_ELECTRONIC_N_COLUMNS]; an ms_featurize_row_fn with ctx =
 * const ms_electronic_opts *. */
int ms_electronic_row_fn(void *ctx, const char *dir, double *x, char *msg, size_t msglen);

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
/* 0 when unknown; "Fe", "FE", "fe" and "Fe2+" accepted (file readers; the formula parser uses
 * the case-sensitive ms_element_z above). Symbols: ms_element_symbol above. */
int         ms_element_z_loose(const char *symbol);
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
 * Feature tables of file inputs (structure, graph; ms_featurize_files.c)
 * ====================================================================================== */

/* ms_on_error and ms_on_error_names: see "Tables of inputs" above. */

/* Rows computed in any order on any rank: row r of this rank has key (item[r], sub[r])
 * (input file index, index within the file), id ids[r] and values X[r*d..]. Collective:
 * returns a dataset holding all rows sorted by key, in contiguous blocks, with ids. */
PetscErrorCode ms_featurize_rows_to_dataset(MPI_Comm comm, int64_t n, const int64_t *item, const int64_t *sub,
                                            char *const *ids, const double *X, int64_t d,
                                            const char *const *names, ms_dataset *ds);
/* Write ds to PATH (.h5/.hdf5: group /features with provenance root attributes; else CSV),
 * atomically. inputs are recorded as provenance (HDF5). */
PetscErrorCode ms_featurize_write_files(ms_dataset ds, const char *path, int n_inputs, char *const *inputs, const char *kind, char *const *units,
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
 * ms_featurize_write_files to out, a summary on rank 0 (rows, failures, and which columns hold
 * non-finite values: NaN rows of -on_error nan, an infinite Wiener index). Collective. */
PetscErrorCode ms_featurize_run(MPI_Comm comm, int n_in, char *const *in, const char *list, const char *out, const ms_featurize_kind *k, void *ctx,
                                ms_on_error policy);

#endif
