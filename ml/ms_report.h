/* ms_report.h - the CSV reports of the ML layer: predictions and cross-validation tables.
 *
 * Tables that are not datasets (string columns such as class names or metric names): each
 * rank formats its own rows and writes them with MPI-IO at its offset (an exclusive scan of
 * the lengths) into PATH.partial, so the rows appear in rank order and no rank holds the
 * whole table; rank 0 writes the header, registers PATH.partial as pending output
 * (ms_error.h) and renames it to PATH when every rank is done. The CSV is a plain table (a
 * header row, then data: pandas.read_csv(path) reads it); how it was made (version, command
 * line, resolved options, input files) goes to the sidecar PATH.meta.json, written and
 * renamed with it (ms_provenance.h). Inputs are given as n_inputs paths (may be 0).
 */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include "ms_model.h"
#include <stdio.h>
#include "ms_validation.h"

/* A growable text buffer. */
typedef struct {
  char  *s;
  size_t len, cap;
} ms_text;

PetscErrorCode ms_text_printf(ms_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a CSV field (quoted when it holds a comma, quote or newline), preceded by a comma
 * unless first. */
PetscErrorCode ms_text_field(ms_text *t, const char *field, PetscBool first);
PetscErrorCode ms_text_free(ms_text *t);

/* Collective over comm: header line (without newline) plus every rank's rows, atomically. */
PetscErrorCode ms_report_write_csv(MPI_Comm comm, const char *path, const char *header, const ms_text *local_rows, int n_inputs,
                                   char *const *inputs);

/* Predictions of X's local rows as a CSV table: the id column (when X has ids), then
 * `prediction` (the value, or the class name for classifiers), `std` when given, and
 * `p_<class>` per class when P is given. Collective over X->comm. */
PetscErrorCode ms_report_predictions(ms_model m, ms_dataset X, const double *y, const double *std, const double *P, const char *path,
                                     int n_inputs, char *const *inputs);

/* Cross-validation table: model,metric,repeat,fold,value rows for every fold, then rows
 * with fold = mean and fold = std (repeat = all); with test scores (NULL: none), rows
 * fold = test for the best candidate refitted on the training part. Collective over comm. */
PetscErrorCode ms_report_cv(MPI_Comm comm, const ms_cv_result *res, const double *test, const char *path, int n_inputs, char *const *inputs);
/* Out-of-fold predictions (ms_cv_opts.keep_oof): columns row (0-based position in the
 * cross-validated table), the id column when the table has one, repeat, fold, model,
 * y_true, y_pred (values, or class names), std (when a candidate gives one; empty where it
 * does not). Every row appears once per candidate and repeat. Collective over comm. */
PetscErrorCode ms_report_oof(MPI_Comm comm, const ms_cv_result *res, const char *path, int n_inputs, char *const *inputs);
/* Parity plot of the out-of-fold predictions (regression): PNG drawn by gnuplot on rank 0,
 * written atomically. Collective over comm. */
PetscErrorCode ms_report_parity_plot(MPI_Comm comm, const ms_cv_result *res, const char *target, const char *path);
/* MS_ERR_USER naming `option` unless gnuplot is on PATH (checked by rank 0). Collective. */
PetscErrorCode ms_report_gnuplot_available(MPI_Comm comm, const char *option);
/* A PNG of width x height pixels drawn by gnuplot on rank 0 (ms_report_plot.c): the script
 * sets the terminal and the output PATH.partial, body(gp, ctx) writes the rest (title, data
 * blocks, plot), and the PNG is renamed to PATH when gnuplot succeeded. Otherwise every rank
 * fails with MS_ERR_FILE "what: cause" and no file is left. Collective over comm. */
typedef PetscErrorCode (*ms_report_gnuplot_body)(FILE *gp, void *ctx);
PetscErrorCode ms_report_gnuplot(MPI_Comm comm, const char *path, int width, int height, const char *what, ms_report_gnuplot_body body,
                                 void *ctx);
/* s as a gnuplot string literal in single quotes ('' is a quote; newlines dropped). */
void ms_report_gnuplot_quoted(FILE *gp, const char *s);
/* A model's named parameters (ms_model_terms) as CSV: kind,class,feature,value. */
PetscErrorCode ms_report_terms(MPI_Comm comm, ms_model_terms t, const char *path, int n_inputs, char *const *inputs);
/* Human-readable summary table (mean +/- std per candidate and metric) on rank 0. */
PetscErrorCode ms_report_cv_table(MPI_Comm comm, const ms_cv_result *res);

#endif
