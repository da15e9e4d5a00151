/*
 * tflite_abi.h: the TensorFlow Lite 2.9 C ABI (tensorflow/lite/c/common.h, c_api_types.h) that a delegate
 * sees, for LP64 Linux (x86-64, aarch64). Used by fake_edgetpu.c, the libedgetpu test double.
 */
#ifndef DIPPER_TFLITE_ABI_H
#define DIPPER_TFLITE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- TensorFlow Lite 2.9 ABI (tensorflow/lite/c/common.h, c_api_types.h), LP64. ----
 * Written out member by member. Structs this library only reaches through pointers stop after the last
 * member it uses; structs it indexes or passes by value are complete and size-checked below. */

typedef enum { kTfLiteOk = 0, kTfLiteError = 1, kTfLiteDelegateError = 2 } TfLiteStatus;

typedef struct {
  int size;
  int data[];
} TfLiteIntArray;

typedef struct {
  int type;
  void *data;
  TfLiteIntArray *dims;
  struct { float scale; int32_t zero_point; } params;
  int allocation_type;
  size_t bytes;
  const void *allocation;
  const char *name;
  struct TfLiteDelegate *delegate;
  int buffer_handle;
  bool data_is_stale;
  bool is_variable;
  struct { int type; void *params; } quantization;
  void *sparsity;
  const TfLiteIntArray *dims_signature;
} TfLiteTensor;

typedef struct TfLiteNode {
  TfLiteIntArray *inputs;
  TfLiteIntArray *outputs;
  TfLiteIntArray *intermediates;
  TfLiteIntArray *temporaries;
  void *user_data; /* what the kernel's init returned */
  /* ... further members are never read here. */
} TfLiteNode;

struct TfLiteContext;

typedef struct TfLiteRegistration {
  void *(*init)(struct TfLiteContext *context, const char *buffer, size_t length);
  void (*free)(struct TfLiteContext *context, void *buffer);
  TfLiteStatus (*prepare)(struct TfLiteContext *context, TfLiteNode *node);
  TfLiteStatus (*invoke)(struct TfLiteContext *context, TfLiteNode *node);
  const char *(*profiling_string)(const struct TfLiteContext *context, const TfLiteNode *node);
  int32_t builtin_code;
  const char *custom_name;
  int version;
} TfLiteRegistration;

typedef struct TfLiteDelegate {
  void *data_;
  TfLiteStatus (*Prepare)(struct TfLiteContext *context, struct TfLiteDelegate *delegate);
  TfLiteStatus (*CopyFromBufferHandle)(struct TfLiteContext *context, struct TfLiteDelegate *delegate,
                                       int buffer_handle, TfLiteTensor *tensor);
  TfLiteStatus (*CopyToBufferHandle)(struct TfLiteContext *context, struct TfLiteDelegate *delegate,
                                     int buffer_handle, TfLiteTensor *tensor);
  void (*FreeBufferHandle)(struct TfLiteContext *context, struct TfLiteDelegate *delegate, int *handle);
  int64_t flags;
} TfLiteDelegate;

typedef struct TfLiteDelegateParams {
  TfLiteDelegate *delegate;
  TfLiteIntArray *nodes_to_replace;
  TfLiteIntArray *input_tensors;
  TfLiteIntArray *output_tensors;
} TfLiteDelegateParams;

typedef struct TfLiteContext {
  size_t tensors_size;
  TfLiteStatus (*GetExecutionPlan)(struct TfLiteContext *context, TfLiteIntArray **execution_plan);
  TfLiteTensor *tensors;
  void *impl_;
  TfLiteStatus (*ResizeTensor)(struct TfLiteContext *, TfLiteTensor *tensor, TfLiteIntArray *new_size);
  void (*ReportError)(struct TfLiteContext *, const char *msg, ...);
  TfLiteStatus (*AddTensors)(struct TfLiteContext *, int tensors_to_add, int *first_new_tensor_index);
  TfLiteStatus (*GetNodeAndRegistration)(struct TfLiteContext *, int node_index, TfLiteNode **node,
                                         TfLiteRegistration **registration);
  TfLiteStatus (*ReplaceNodeSubsetsWithDelegateKernels)(struct TfLiteContext *, TfLiteRegistration registration,
                                                        const TfLiteIntArray *nodes_to_replace,
                                                        TfLiteDelegate *delegate);
  /* ... further members are never read here. */
} TfLiteContext;

_Static_assert(sizeof(void *) == 8, "LP64 only (x86-64, aarch64)");
_Static_assert(sizeof(TfLiteTensor) == 112, "TfLiteTensor layout of TF 2.9");
_Static_assert(offsetof(TfLiteTensor, bytes) == 40, "TfLiteTensor.bytes offset of TF 2.9");
_Static_assert(sizeof(TfLiteRegistration) == 64, "TfLiteRegistration layout of TF 2.9");
_Static_assert(sizeof(TfLiteDelegate) == 48, "TfLiteDelegate layout of TF 2.9");

enum { kTfLiteBuiltinCustom = 32, kTfLiteBuiltinDelegate = 51 };
enum { kTfLiteDelegateFlagsAllowDynamicTensors = 1 };

#endif
