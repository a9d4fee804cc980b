/* The toy model class of tests/toy_model.c (linear least squares). */
#ifndef QNN_TOY_MODEL_H
#define QNN_TOY_MODEL_H
#include "qnn/model.h"
extern const qnn_model_class toy_model_class;
#endif
