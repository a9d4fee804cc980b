/* in progress (issue 20) */
#include "qnn/qcircuit.h"
#include "qnn/dataset.h"
#include "qnn/qasm.h"
#include "qnn/ansatz.h"
typedef int qnn_placeholder_ansatz;
