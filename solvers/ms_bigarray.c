/* ms_bigarray.c - large arrays as anonymous mappings (see ms_bigarray.h). */
#include "ms_bigarray.h"
#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* The mapping's base and length, in the 64 bytes before the 2 MiB-aligned array. */
typedef struct {
  void  *base;
  size_t len;
} map_head;

PetscErrorCode ms_bigarray_alloc(MPI_Comm comm, size_t bytes, void **p)
{
  size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, len = (rounded ? rounded : HUGE_PAGE) + 2 * HUGE_PAGE;
  char  *base    = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  PetscFunctionBeginUser;
  *p = NULL;
  if (base != MAP_FAILED) {
    char *a = (char *)(((uintptr_t)base + HUGE_PAGE) / HUGE_PAGE * HUGE_PAGE); /* >= 64 bytes past base */
    ((map_head *)a)[-1] = (map_head){base, len};
#ifdef MADV_HUGEPAGE
    /* Advice only (4 KiB pages if refused); not for small arrays, whose first touch would
     * otherwise fault in a whole 2 MiB page. */
    if (bytes >= 2 * HUGE_PAGE) (void)madvise(a, rounded, MADV_HUGEPAGE);
#endif
    *p = a;
  }
  PetscCheck(*p, comm, PETSC_ERR_MEM, "cannot map %.3g MB of memory for a per-voxel array", (double)bytes / 1e6);
  PetscFunctionReturn(0);
}

void ms_bigarray_free(void *p)
{
  if (!p) return;
  map_head h = ((map_head *)p)[-1];
  (void)munmap(h.base, h.len);
}
