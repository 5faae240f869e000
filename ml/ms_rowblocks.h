/* ms_rowblocks.h - reductions over a row-sharded dataset that give the same bits on any
 * number of ranks.
 *
 * MPI_Allreduce of per-rank sums rounds differently on 1 and 2 ranks, and an optimiser fed
 * with slightly different values ends at a slightly different point of its convergence ball.
 * Here the global rows are cut into fixed blocks of `block` consecutive rows (the size
 * depends on n_global and width only, never on the rank count); each block belongs to the
 * rank owning its first row, which receives the block's remaining rows from its successor(s)
 * once at create time (at most block - 1 rows per rank boundary). A model computes one
 * partial result per block (width numbers, the rows of a block in order), and
 * ms_rowblocks_sum gathers all block partials and adds them in block order on every rank:
 * identical totals on 1, 2 or P ranks.
 *
 * A replicated dataset (ds->replicated) is reduced locally, every rank holding all blocks.
 *
 * Ownership: the block pointers point into the dataset (which must outlive the object) or
 * into the object's own copy of the last, boundary-straddling block.
 */
#ifndef MS_ROWBLOCKS_H
#define MS_ROWBLOCKS_H

#include "ms_core.h"
#include "ms_dataset.h"

typedef struct {
  MPI_Comm        comm;              /* dataset's comm (PETSC_COMM_SELF when replicated) */
  int64_t         block;             /* rows per block */
  int64_t         width;             /* numbers in one block partial */
  int64_t         n_blocks;          /* blocks held by this rank */
  int64_t         n_blocks_global;
  int64_t         n_features;
  const double  **X;                 /* per block: rows x n_features, row-major */
  const int64_t **labels;            /* per block, or NULL when the dataset has no labels */
  const double  **target;            /* per block, or NULL when the dataset has no target */
  int64_t        *n_rows;            /* per block */
  /* private */
  double         *edge_X, *edge_target, *gathered;
  int64_t        *edge_labels;
  int            *counts, *displs;
} ms_rowblocks;

/* Collective over ds->comm. width > 0 is the length of one block partial. */
PetscErrorCode ms_rowblocks_create(ms_dataset ds, int64_t width, ms_rowblocks *rb);
/* Collective: total[0..width) = sum over all blocks, in block order, of
 * partials[j * width + ..] (j = this rank's blocks). Same total on every rank. */
PetscErrorCode ms_rowblocks_sum(ms_rowblocks *rb, const double *partials, double *total);
/* Collective: the same for the first len <= width numbers of every partial (a model whose
 * object serves several reductions of different widths sums only what it filled; the block
 * order, and so the bits, are those of ms_rowblocks_sum). */
PetscErrorCode ms_rowblocks_sum_len(ms_rowblocks *rb, const double *partials, int64_t len, double *total);
PetscErrorCode ms_rowblocks_destroy(ms_rowblocks *rb);

#endif
