/* ms_tortuosity_impl.h - private pieces of the tortuosity solver shared by its files
 * (ms_tortuosity.c: percolation, assembly, results; ms_tortuosity_ksp.c: the KSP set-up and
 * the current-balance convergence test). Not installed. */
#ifndef MS_TORTUOSITY_IMPL_H
#define MS_TORTUOSITY_IMPL_H

#include "ms_tortuosity.h"

/* The voxels whose Dirichlet face conductance (2*sigma) carries the inlet or outlet current,
 * as local indices into the solution vector; enough to evaluate both currents from any
 * iterate at the cost of two face sums and one Allreduce. */
typedef struct {
  MPI_Comm   comm;
  PetscInt   n_in, n_out;
  PetscInt  *idx_in, *idx_out;
  PetscReal *g_in, *g_out;
  PetscReal  tol;              /* current mismatch tolerance (0 = off) */
  PetscReal  bnorm;            /* ||b||_2, scale of the residual guard */
  PetscReal  I_in, I_out, mismatch;
  PetscBool  on_current;       /* the current test (not the residual) ended the solve */
  void      *default_ctx;      /* KSPConvergedDefault's context, the residual safeguard */
} ms_tort_currents;

PetscErrorCode ms_tort_currents_eval(ms_tort_currents *c, Vec x);

/* Create the KSP on comm for operator A: CG, the default or user preconditioner, the current
 * test; da is attached (inactive) so that PCMG can coarsen it. The KSP takes ownership of c. */
PetscErrorCode ms_tort_ksp_create(MPI_Comm comm, Mat A, DM da, const char *prefix, PetscInt max_it,
                                  ms_tort_currents *c, KSP *ksp);

/* Number of PCMG levels the DMDA allows: halve while every size and every rank's z-slab
 * stays even, down to at least 4 cells per direction. */
PetscInt ms_tort_mg_levels(DM da);

#endif
