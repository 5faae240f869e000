/* ms_svm.h - what the "svm" model (ml/models/svm.c) offers beyond ms_model.
 *
 * Decision values in scikit-learn's convention (SVC.decision_function with
 * decision_function_shape="ovo"): for K > 2 classes, one value per class pair (i, j), i < j in
 * sorted class order, positive for class i; for two classes one value, positive for class 1.
 * For regression the prediction. *n_values is set even when D is NULL (ask for the size
 * first); D holds X->n_local * n_values values. Collective like ms_model_predict.
 */
#ifndef MS_SVM_H
#define MS_SVM_H

#include "ms_model.h"

PetscErrorCode ms_svm_decision_function(ms_model m, ms_dataset X, int64_t *n_values, double *D);

#endif
