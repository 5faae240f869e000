/* ms_tortuosity_mem.c - the finest level's arrays and vectors on transparent huge pages.
 *
 * Why: on the 2-core VM of benchmarks/RESULTS.md ("Tortuosity at the floor") first-touch page
 * faults of 4 KiB pages were most of the set-up: 25% of a whole `-axis all` run's CPU in the
 * kernel (clear_page, paravirtual IRQ handling), the first axis' set-up 1.8-2.0 CPU s on one
 * rank; with 2 MiB pages 0.3-0.8 s. The kernel gives huge pages only to ranges marked with
 * madvise(MADV_HUGEPAGE) unless THP is "always", so every array of the finest level (the
 * stencil coefficients and each vector PETSc makes for the KSP and PCMG) is allocated here:
 * 2 MiB-aligned, marked, zeroed. Vectors carry their array in a container (freed with the
 * vector) and a duplicate operation that allocates the same way, so KSP and PCMG work
 * vectors (VecDuplicate, MatCreateVecs of the shell) inherit it. Small arrays use malloc. */
#include "ms_tortuosity_impl.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

PetscErrorCode ms_tort_huge_calloc(MPI_Comm comm, size_t bytes, void **p)
{
  PetscFunctionBeginUser;
  *p = NULL;
  if (bytes < 2 * HUGE_PAGE) {
    *p = calloc(1, bytes ? bytes : 1);
  } else {
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    if (posix_memalign(p, HUGE_PAGE, rounded)) *p = NULL;
#ifdef MADV_HUGEPAGE
    if (*p) (void)madvise(*p, rounded, MADV_HUGEPAGE); /* advice only: 4 KiB pages if refused */
#endif
    if (*p) memset(*p, 0, bytes);
  }
  PetscCheck(*p, comm, PETSC_ERR_MEM, "tortuosity: cannot allocate %.3g MB for the finest grid", (double)bytes / 1e6);
  PetscFunctionReturn(0);
}

void ms_tort_huge_free(void *p) { free(p); }

static PetscErrorCode array_destroy(void *p)
{
  ms_tort_huge_free(p);
  return 0;
}

static PetscErrorCode vec_duplicate(Vec x, Vec *y);

PetscErrorCode ms_tort_vec_create(MPI_Comm comm, PetscInt n, Vec *v)
{
  void          *a;
  PetscContainer box;

  PetscFunctionBeginUser;
  PetscCall(ms_tort_huge_calloc(comm, (size_t)n * sizeof(PetscScalar), &a));
  PetscCall(VecCreateMPIWithArray(comm, 1, n, PETSC_DECIDE, (PetscScalar *)a, v));
  PetscCall(PetscContainerCreate(comm, &box));
  PetscCall(PetscContainerSetPointer(box, a));
  PetscCall(PetscContainerSetUserDestroy(box, array_destroy));
  PetscCall(PetscObjectCompose((PetscObject)*v, "ms_tort_array", (PetscObject)box));
  PetscCall(PetscContainerDestroy(&box));
  PetscCall(VecSetOperation(*v, VECOP_DUPLICATE, (void (*)(void))vec_duplicate));
  PetscFunctionReturn(0);
}

static PetscErrorCode vec_duplicate(Vec x, Vec *y)
{
  PetscInt n;
  MPI_Comm comm;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(x, &n));
  PetscCall(PetscObjectGetComm((PetscObject)x, &comm));
  PetscCall(ms_tort_vec_create(comm, n, y));
  PetscFunctionReturn(0);
}
