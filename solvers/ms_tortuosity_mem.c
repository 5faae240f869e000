/* ms_tortuosity_mem.c - the finest level's arrays and vectors on transparent huge pages.
 *
 * Why: on the 2-core VM of benchmarks/RESULTS.md ("Tortuosity at the floor") first-touch page
 * faults of 4 KiB pages were most of the set-up: 25% of a whole `-axis all` run's CPU in the
 * kernel (clear_page, paravirtual IRQ handling), the first axis' set-up 1.8-2.0 CPU s on one
 * rank; with 2 MiB pages 0.3-0.8 s. The kernel gives huge pages only to ranges marked with
 * madvise(MADV_HUGEPAGE) unless THP is "always", so every array of the finest level (the
 * stencil coefficients and each vector PETSc makes for the KSP and PCMG) is allocated here:
 * 2 MiB-aligned, marked (when at least 4 MiB), zeroed by the kernel on first touch. Vectors
 * carry their array in a container (freed with the vector) and a duplicate operation that
 * allocates the same way, so KSP and PCMG work vectors (VecDuplicate, MatCreateVecs of the
 * shell) inherit it. */
#include "ms_tortuosity_impl.h"
#include "ms_bigarray.h"
#include "ms_log.h"
#include <stdio.h>
#include <stdlib.h>

/* The arrays are mappings of their own (ms_bigarray.h): a vector that PETSc creates but never
 * uses (KSPRICHARDSON's work vectors under the in-place sweeps of ms_tortuosity_op.c) costs
 * address space but no memory, and a destroyed one gives its memory back. */
PetscErrorCode ms_tort_huge_calloc(MPI_Comm comm, size_t bytes, void **p) { return ms_bigarray_alloc(comm, bytes, p); }

void ms_tort_huge_free(void *p) { ms_bigarray_free(p); }

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

/* Resident and peak resident bytes of this process (VmRSS, VmHWM of /proc/self/status; 0
 * where that file does not exist). */
static void rss_now(long long *rss, long long *hwm)
{
  FILE *f = fopen("/proc/self/status", "r");
  char  line[256];

  *rss = *hwm = 0;
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    long long kb;
    if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) *rss = kb * 1024;
    else if (sscanf(line, "VmHWM: %lld kB", &kb) == 1) *hwm = kb * 1024;
  }
  fclose(f);
}

PetscErrorCode ms_tort_mem_probe(MPI_Comm comm, PetscBool on, const char *where, double nvox)
{
  long long loc[2], sum[2], max[2];

  PetscFunctionBeginUser;
  if (!on) PetscFunctionReturn(0);
  rss_now(&loc[0], &loc[1]);
  PetscCallMPI(MPI_Allreduce(loc, sum, 2, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(loc, max, 2, MPI_LONG_LONG, MPI_MAX, comm));
  PetscCall(ms_log(comm, "tortuosity memory %-28s RSS %8.1f MB (%6.1f B/voxel, busiest rank %8.1f MB)  peak %8.1f MB (%6.1f B/voxel)\n",
                   where, (double)sum[0] / 1e6, (double)sum[0] / nvox, (double)max[0] / 1e6, (double)sum[1] / 1e6, (double)sum[1] / nvox));
  PetscFunctionReturn(0);
}
