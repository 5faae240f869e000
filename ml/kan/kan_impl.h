/* kan_impl.h - private to ml/kan: the pieces of the forward and backward pass that the
 * training (kan_train.c) shares with kan_net.c. Not installed, not for other modules. */
#ifndef MS_KAN_IMPL_H
#define MS_KAN_IMPL_H

#include "ms_kan.h"
#include <math.h>

#define MS_KAN_MAX_KNOTS 65
#define edge_offset      ms_kan_edge_offset
#define grid_offset      ms_kan_node_offset
#define layer_offset     ms_kan_layer_offset
#define forward_all      ms_kan_forward_all
#define row_gradient     ms_kan_row_gradient

/* Offset of layer l's parameters in net->params. */
int64_t ms_kan_layer_offset(const ms_kan *net, int l);
/* Activations of every layer for one row: act + offs[l] holds layer l's input; adds each
 * edge's |phi| to absphi (per edge) when given. */
void    ms_kan_forward_all(const ms_kan *net, const double *x, double *act, const int *offs, double *absphi);
/* Gradient of 1/2 (f(x) - y)^2 * wgt for one row added to g (spline parameters), with the
 * sparsity term reg (per edge, or NULL); returns the squared error. */
double  ms_kan_row_gradient(const ms_kan *net, const double *x, double y, double wgt, double *g, double *act, const int *offs, const double *reg);

#endif
