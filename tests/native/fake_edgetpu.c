/*
 * fake_edgetpu.c: a test double of libedgetpu.so.1 (Coral Edge TPU runtime) for machines without a TPU.
 *
 * It exports the six functions of libedgetpu's public C API (tflite/public/edgetpu_c.h) with the same
 * ABI, and behaves like the real library where Dipper depends on it:
 *   - edgetpu_list_devices returns NULL and *num = 0 when no device is present; otherwise ONE heap
 *     block holding the device array followed by the path strings, freed with edgetpu_free_devices.
 *   - edgetpu_create_delegate validates options like the real one: an unknown "Performance" value (or
 *     a bad "Usb.MaxBulkInQueueLength" / "Usb.AlwaysDfu") gives a NULL delegate, and num_options > 0
 *     with a NULL name calls abort(), as the real library's CHECK(name) does.
 *   - a device is open while a delegate for it lives. As in the real library (one open per device per process,
 *     tflite/edgetpu_manager_direct.cc), a second edgetpu_create_delegate for an open device returns a delegate
 *     on the already-open device that runs with the first one's "Performance", its own options ignored; the
 *     create log says so (" -> delegate (device already open: options ignored, ...)") and
 *     fake_edgetpu_ignored_options counts it.
 *   - the delegate is a real TfLiteDelegate (TF 2.9 layout). Its Prepare claims every CUSTOM node named
 *     "edgetpu-custom-op", as the real delegate does, and runs it as an identity copy from the node's
 *     input to its output (the fake's stand-in for the compiled TPU program). Models without that op
 *     run entirely on TFLite's CPU kernels, with the delegate claiming nothing.
 *
 * Devices and failures come from a text file named by the environment variable
 * DIPPER_FAKE_EDGETPU_CONFIG, re-read on every call so a test can "unplug" a TPU while it is in use:
 *   device usb /sys/bus/usb/devices/2-1   a device of type usb|pci with that path
 *   fail create                           edgetpu_create_delegate returns NULL (device cannot be opened)
 *   version <text>                        the string edgetpu_version returns
 *   invoke delay <ms>                     each invoke of a claimed node takes that long (a slow TPU, so
 *                                         a test can act while a batch is running)
 * A device whose line is removed is "pulled": delegates for it keep existing, but the next invoke of a
 * claimed node fails inside TFLite (the kernel reports an error and returns kTfLiteError, so
 * TfLiteInterpreterInvoke itself fails), and new delegates for it cannot be created.
 *
 * Test-only exports (prefixed fake_edgetpu_) count live objects and misuse (a free of a pointer this
 * library did not hand out, i.e. a double free), describe the last create call and keep a log of the
 * recent create calls (for marshalling and re-creation tests; a test may empty it), and count invokes by the "Performance" option of
 * the delegate they ran on (so a test can tell which delegate computed a batch).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

#include "tflite_abi.h"

/* ---- libedgetpu's public types (tflite/public/edgetpu_c.h). ---- */

enum edgetpu_device_type { EDGETPU_APEX_PCI = 0, EDGETPU_APEX_USB = 1 };
struct edgetpu_device { enum edgetpu_device_type type; const char *path; };
struct edgetpu_option { const char *name; const char *value; };

_Static_assert(sizeof(struct edgetpu_device) == 16, "edgetpu_device is 16 bytes on LP64");

/* ---- The fake's state. ---- */

#define MAX_DEVICES 16
#define MAX_PATH_LEN 256

typedef struct {
  enum edgetpu_device_type type;
  char path[MAX_PATH_LEN];
} FakeDevice;

typedef struct {
  FakeDevice devices[MAX_DEVICES];
  int device_count;
  bool fail_create;
  long invoke_delay_ms;
  char version[MAX_PATH_LEN];
} FakeConfig;

/* The "Performance" values libedgetpu accepts, plus the default when the option is absent. */
static const char *const performance_names[] = {"Low", "Medium", "High", "Max", "(default)"};
#define PERFORMANCE_DEFAULT 4
#define PERFORMANCE_LEVELS 5

/* One per delegate handed out; data_ of the TfLiteDelegate points at it. */
typedef struct FakeDelegate {
  TfLiteDelegate base; /* first, so a TfLiteDelegate* is also a FakeDelegate* */
  FakeDevice device;
  int performance; /* index into performance_names */
  struct FakeDelegate *next_live;
} FakeDelegate;

typedef struct LiveBlock {
  void *block;
  struct LiveBlock *next;
} LiveBlock;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FakeDelegate *live_delegates;
static LiveBlock *live_device_lists;
static long live_delegate_count, live_device_list_count, misuse_count, delegates_created, kernel_invokes, ignored_options_count;
static int verbosity;
static char version_buffer[MAX_PATH_LEN];
static char last_create[4096];
static char create_log[16384];
static size_t create_log_length;
static long invokes_at[PERFORMANCE_LEVELS];

static const char default_version[] =
    "BuildLabel(COMPILER=fake_edgetpu.c,DATE=redacted,TIME=redacted,CL_NUMBER=0), RuntimeVersion(14)";

static void trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
}

/* Copies text, cutting it to fit (config lines longer than a path are a test's mistake, not a crash). */
static void copy_text(char *destination, size_t size, const char *source) {
  size_t n = strlen(source);
  if (n >= size) n = size - 1;
  memcpy(destination, source, n);
  destination[n] = '\0';
}

/* Reads DIPPER_FAKE_EDGETPU_CONFIG; a missing variable or file means "no devices, no failures". */
static void read_config(FakeConfig *config) {
  memset(config, 0, sizeof(*config));
  copy_text(config->version, sizeof(config->version), default_version);
  const char *file_name = getenv("DIPPER_FAKE_EDGETPU_CONFIG");
  if (file_name == NULL) return;
  FILE *f = fopen(file_name, "r");
  if (f == NULL) return;
  char line[512];
  while (fgets(line, sizeof(line), f) != NULL) {
    trim(line);
    if (strncmp(line, "device ", 7) == 0 && config->device_count < MAX_DEVICES) {
      FakeDevice *d = &config->devices[config->device_count];
      const char *rest = line + 7;
      if (strncmp(rest, "usb ", 4) == 0) d->type = EDGETPU_APEX_USB;
      else if (strncmp(rest, "pci ", 4) == 0) d->type = EDGETPU_APEX_PCI;
      else continue;
      copy_text(d->path, sizeof(d->path), rest + 4);
      config->device_count++;
    } else if (strcmp(line, "fail create") == 0) {
      config->fail_create = true;
    } else if (strncmp(line, "invoke delay ", 13) == 0) {
      config->invoke_delay_ms = strtol(line + 13, NULL, 10);
    } else if (strncmp(line, "version ", 8) == 0) {
      copy_text(config->version, sizeof(config->version), line + 8);
    }
  }
  fclose(f);
}

static bool device_present(const FakeDevice *device) {
  FakeConfig config;
  read_config(&config);
  for (int i = 0; i < config.device_count; i++)
    if (config.devices[i].type == device->type && strcmp(config.devices[i].path, device->path) == 0) return true;
  return false;
}

/* ---- The delegate kernel: runs the claimed edgetpu-custom-op nodes (identity copy). ---- */

typedef struct {
  FakeDelegate *delegate;
  TfLiteIntArray *inputs;  /* copies of the subset's tensor lists */
  TfLiteIntArray *outputs;
} KernelState;

static TfLiteIntArray *copy_int_array(const TfLiteIntArray *a) {
  TfLiteIntArray *copy = malloc(sizeof(int) * (size_t)(a->size + 1));
  if (copy == NULL) return NULL;
  copy->size = a->size;
  memcpy(copy->data, a->data, sizeof(int) * (size_t)a->size);
  return copy;
}

static void *kernel_init(TfLiteContext *context, const char *buffer, size_t length) {
  (void)context;
  (void)length;
  const TfLiteDelegateParams *params = (const TfLiteDelegateParams *)buffer;
  KernelState *state = calloc(1, sizeof(KernelState));
  if (state == NULL) return NULL;
  state->delegate = (FakeDelegate *)params->delegate;
  state->inputs = copy_int_array(params->input_tensors);
  state->outputs = copy_int_array(params->output_tensors);
  return state;
}

static void kernel_free(TfLiteContext *context, void *buffer) {
  (void)context;
  KernelState *state = buffer;
  if (state == NULL) return;
  free(state->inputs);
  free(state->outputs);
  free(state);
}

static TfLiteStatus kernel_prepare(TfLiteContext *context, TfLiteNode *node) {
  KernelState *state = node->user_data;
  if (state == NULL || state->inputs == NULL || state->outputs == NULL || state->inputs->size < 1 ||
      state->inputs->size != state->outputs->size) {
    context->ReportError(context, "fake edgetpu: the claimed subgraph needs one input per output");
    return kTfLiteError;
  }
  return kTfLiteOk;
}

static TfLiteStatus kernel_invoke(TfLiteContext *context, TfLiteNode *node) {
  KernelState *state = node->user_data;
  pthread_mutex_lock(&lock);
  kernel_invokes++;
  invokes_at[state->delegate->performance]++;
  pthread_mutex_unlock(&lock);
  FakeConfig config;
  read_config(&config);
  if (config.invoke_delay_ms > 0) {
    struct timespec delay = {config.invoke_delay_ms / 1000, (config.invoke_delay_ms % 1000) * 1000000L};
    nanosleep(&delay, NULL);
  }
  if (!device_present(&state->delegate->device)) {
    context->ReportError(context, "fake edgetpu: Failed to execute: device %s was removed",
                         state->delegate->device.path);
    return kTfLiteError;
  }
  for (int i = 0; i < state->inputs->size; i++) {
    const TfLiteTensor *in = &context->tensors[state->inputs->data[i]];
    TfLiteTensor *out = &context->tensors[state->outputs->data[i]];
    if (in->bytes != out->bytes || in->data == NULL || out->data == NULL) {
      context->ReportError(context, "fake edgetpu: input %zu bytes, output %zu bytes", in->bytes, out->bytes);
      return kTfLiteError;
    }
    memmove(out->data, in->data, in->bytes);
  }
  return kTfLiteOk;
}

/* ---- TfLiteDelegate callbacks. ---- */

static TfLiteStatus delegate_prepare(TfLiteContext *context, TfLiteDelegate *delegate) {
  TfLiteIntArray *plan = NULL;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return kTfLiteError;
  TfLiteIntArray *claimed = malloc(sizeof(int) * (size_t)(plan->size + 1));
  if (claimed == NULL) return kTfLiteError;
  claimed->size = 0;
  for (int i = 0; i < plan->size; i++) {
    TfLiteNode *node = NULL;
    TfLiteRegistration *registration = NULL;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    if (registration->builtin_code == kTfLiteBuiltinCustom && registration->custom_name != NULL &&
        strcmp(registration->custom_name, "edgetpu-custom-op") == 0)
      claimed->data[claimed->size++] = plan->data[i];
  }
  TfLiteStatus status = kTfLiteOk;
  if (claimed->size > 0) {
    TfLiteRegistration kernel = {0};
    kernel.init = kernel_init;
    kernel.free = kernel_free;
    kernel.prepare = kernel_prepare;
    kernel.invoke = kernel_invoke;
    kernel.builtin_code = kTfLiteBuiltinDelegate;
    kernel.custom_name = "FakeEdgeTpuDelegate";
    kernel.version = 1;
    status = context->ReplaceNodeSubsetsWithDelegateKernels(context, kernel, claimed, delegate);
  }
  free(claimed);
  return status;
}

static TfLiteStatus copy_buffer_handle(TfLiteContext *context, TfLiteDelegate *delegate, int handle,
                                       TfLiteTensor *tensor) {
  (void)context;
  (void)delegate;
  (void)handle;
  (void)tensor;
  return kTfLiteError; /* this delegate never hands out buffer handles */
}

static void free_buffer_handle(TfLiteContext *context, TfLiteDelegate *delegate, int *handle) {
  (void)context;
  (void)delegate;
  (void)handle;
}

/* ---- Option validation, mirroring tflite/edgetpu_context_direct.cc. ---- */

static bool valid_option(const struct edgetpu_option *option) {
  if (option->name == NULL || option->value == NULL) return false;
  if (strcmp(option->name, "Performance") == 0) {
    return strcmp(option->value, "Low") == 0 || strcmp(option->value, "Medium") == 0 ||
           strcmp(option->value, "High") == 0 || strcmp(option->value, "Max") == 0;
  }
  if (strcmp(option->name, "Usb.MaxBulkInQueueLength") == 0) {
    char *end = NULL;
    long n = strtol(option->value, &end, 10);
    return end != option->value && *end == '\0' && n >= 0 && n <= 256;
  }
  if (strcmp(option->name, "Usb.AlwaysDfu") == 0) {
    return strcmp(option->value, "True") == 0 || strcmp(option->value, "False") == 0;
  }
  return true; /* other keys are accepted and ignored */
}

/* The level a delegate created with these (already validated) options runs at. */
static int performance_of(const struct edgetpu_option *options, size_t num_options) {
  int level = PERFORMANCE_DEFAULT;
  for (size_t i = 0; i < num_options; i++) {
    if (strcmp(options[i].name, "Performance") != 0) continue;
    for (int p = 0; p < PERFORMANCE_DEFAULT; p++)
      if (strcmp(options[i].value, performance_names[p]) == 0) level = p;
  }
  return level;
}

/* A live delegate for this device (the device is open while one lives); call with the lock held. */
static const FakeDelegate *find_open(const FakeDevice *device) {
  for (const FakeDelegate *d = live_delegates; d != NULL; d = d->next_live)
    if (d->device.type == device->type && strcmp(d->device.path, device->path) == 0) return d;
  return NULL;
}

/* Appends last_create and the outcome to the create log, one line per call; when full, the oldest lines go. */
static void log_create(const char *outcome) {
  char line[sizeof(last_create) + 16];
  int n = snprintf(line, sizeof(line), "%s%s\n", last_create, outcome);
  if (n <= 0 || (size_t)n >= sizeof(line)) return;
  pthread_mutex_lock(&lock);
  while (create_log_length + (size_t)n >= sizeof(create_log) && create_log_length > 0) {
    char *second = strchr(create_log, '\n');
    size_t drop = second == NULL ? create_log_length : (size_t)(second - create_log) + 1;
    memmove(create_log, create_log + drop, create_log_length - drop + 1);
    create_log_length -= drop;
  }
  memcpy(create_log + create_log_length, line, (size_t)n + 1);
  create_log_length += (size_t)n;
  pthread_mutex_unlock(&lock);
}

/* ---- libedgetpu's public API. ---- */

EXPORT struct edgetpu_device *edgetpu_list_devices(size_t *num_devices) {
  FakeConfig config;
  read_config(&config);
  *num_devices = 0;
  if (config.device_count <= 0) return NULL;
  size_t count = (size_t)config.device_count;
  size_t strings = 0;
  for (size_t i = 0; i < count; i++) strings += strlen(config.devices[i].path) + 1;
  size_t array_bytes = sizeof(struct edgetpu_device) * count;
  char *block = malloc(array_bytes + strings);
  if (block == NULL) return NULL;
  struct edgetpu_device *devices = (struct edgetpu_device *)block;
  char *text = block + array_bytes;
  for (size_t i = 0; i < count; i++) {
    size_t n = strlen(config.devices[i].path) + 1;
    memcpy(text, config.devices[i].path, n);
    devices[i].type = config.devices[i].type;
    devices[i].path = text;
    text += n;
  }
  LiveBlock *entry = malloc(sizeof(LiveBlock));
  if (entry == NULL) {
    free(block);
    return NULL;
  }
  pthread_mutex_lock(&lock);
  entry->block = block;
  entry->next = live_device_lists;
  live_device_lists = entry;
  live_device_list_count++;
  pthread_mutex_unlock(&lock);
  *num_devices = count;
  return devices;
}

EXPORT void edgetpu_free_devices(struct edgetpu_device *dev) {
  if (dev == NULL) return;
  pthread_mutex_lock(&lock);
  for (LiveBlock **p = &live_device_lists; *p != NULL; p = &(*p)->next) {
    if ((*p)->block == dev) {
      LiveBlock *entry = *p;
      *p = entry->next;
      live_device_list_count--;
      pthread_mutex_unlock(&lock);
      free(entry);
      free(dev);
      return;
    }
  }
  misuse_count++; /* not ours, or already freed: count it instead of corrupting the heap */
  pthread_mutex_unlock(&lock);
}

EXPORT TfLiteDelegate *edgetpu_create_delegate(enum edgetpu_device_type type, const char *name,
                                               const struct edgetpu_option *options, size_t num_options) {
  if (num_options > 0 && name == NULL) abort(); /* the real library: CHECK(name) */

  int used = snprintf(last_create, sizeof(last_create), "type=%d;name=%s;options=", (int)type,
                      name ? name : "(null)");
  for (size_t i = 0; i < num_options && used > 0 && (size_t)used < sizeof(last_create); i++)
    used += snprintf(last_create + used, sizeof(last_create) - (size_t)used, "%s%s=%s", i ? "," : "",
                     options[i].name ? options[i].name : "(null)", options[i].value ? options[i].value : "(null)");

  for (size_t i = 0; i < num_options; i++) {
    if (!valid_option(&options[i])) {
      if (verbosity > 0) fprintf(stderr, "fake edgetpu: invalid option %s\n", options[i].name ? options[i].name : "(null)");
      log_create(" -> NULL");
      return NULL;
    }
  }
  FakeConfig config;
  read_config(&config);
  const FakeDevice *chosen = NULL;
  for (int i = 0; i < config.device_count && chosen == NULL && !config.fail_create; i++) {
    if (config.devices[i].type != type) continue;
    if (name == NULL || strcmp(config.devices[i].path, name) == 0) chosen = &config.devices[i];
  }
  if (chosen == NULL) {
    log_create(" -> NULL");
    return NULL;
  }

  FakeDelegate *delegate = calloc(1, sizeof(FakeDelegate));
  if (delegate == NULL) return NULL;
  delegate->device = *chosen;
  delegate->performance = performance_of(options, num_options);
  delegate->base.data_ = delegate;
  delegate->base.Prepare = delegate_prepare;
  delegate->base.CopyFromBufferHandle = copy_buffer_handle;
  delegate->base.CopyToBufferHandle = copy_buffer_handle;
  delegate->base.FreeBufferHandle = free_buffer_handle;
  /* kTfLiteDelegateFlagsAllowDynamicTensors: without it TF 2.9 prepares every node before asking the delegate
   * what it claims, and fails on the still-unresolved edgetpu-custom-op ("Encountered unresolved custom op"). */
  delegate->base.flags = kTfLiteDelegateFlagsAllowDynamicTensors;
  pthread_mutex_lock(&lock);
  /* The real library opens a device once per process: while a delegate for it lives, a new delegate shares the
   * open device and runs with the options it was opened with, its own options ignored. */
  const FakeDelegate *open = find_open(&delegate->device);
  int asked = delegate->performance;
  if (open != NULL) {
    delegate->performance = open->performance;
    ignored_options_count++;
  }
  delegate->next_live = live_delegates;
  live_delegates = delegate;
  live_delegate_count++;
  delegates_created++;
  pthread_mutex_unlock(&lock);
  if (open != NULL) {
    char outcome[128];
    snprintf(outcome, sizeof(outcome), " -> delegate (device already open: options ignored, Performance=%s, not %s)",
             performance_names[delegate->performance], performance_names[asked]);
    log_create(outcome);
  } else {
    log_create(" -> delegate");
  }
  return &delegate->base;
}

EXPORT void edgetpu_free_delegate(TfLiteDelegate *delegate) {
  if (delegate == NULL) return;
  pthread_mutex_lock(&lock);
  for (FakeDelegate **p = &live_delegates; *p != NULL; p = &(*p)->next_live) {
    if (&(*p)->base == delegate) {
      FakeDelegate *found = *p;
      *p = found->next_live;
      live_delegate_count--;
      pthread_mutex_unlock(&lock);
      free(found);
      return;
    }
  }
  misuse_count++;
  pthread_mutex_unlock(&lock);
}

EXPORT void edgetpu_verbosity(int level) {
  pthread_mutex_lock(&lock);
  verbosity = level;
  pthread_mutex_unlock(&lock);
}

EXPORT const char *edgetpu_version(void) {
  FakeConfig config;
  read_config(&config);
  pthread_mutex_lock(&lock);
  copy_text(version_buffer, sizeof(version_buffer), config.version);
  pthread_mutex_unlock(&lock);
  return version_buffer;
}

/* ---- Test-only exports. ---- */

EXPORT long fake_edgetpu_live_delegates(void) { return live_delegate_count; }
EXPORT long fake_edgetpu_live_device_lists(void) { return live_device_list_count; }
EXPORT long fake_edgetpu_misuse_count(void) { return misuse_count; }
EXPORT long fake_edgetpu_delegates_created(void) { return delegates_created; }
EXPORT long fake_edgetpu_kernel_invokes(void) { return kernel_invokes; }
/* Delegates created for a device that was already open, whose options were therefore ignored. */
EXPORT long fake_edgetpu_ignored_options(void) { return ignored_options_count; }
EXPORT int fake_edgetpu_verbosity(void) { return verbosity; }
EXPORT const char *fake_edgetpu_last_create(void) { return last_create; }
EXPORT const char *fake_edgetpu_create_log(void) { return create_log; }

/* Empties the create log, so a test sees only its own calls. */
EXPORT void fake_edgetpu_clear_create_log(void) {
  pthread_mutex_lock(&lock);
  create_log[0] = '\0';
  create_log_length = 0;
  pthread_mutex_unlock(&lock);
}

/* Invokes of claimed nodes run on delegates created with this "Performance" value ("(default)" when absent). */
EXPORT long fake_edgetpu_invokes_at(const char *performance) {
  long count = 0;
  pthread_mutex_lock(&lock);
  for (int p = 0; p < PERFORMANCE_LEVELS; p++)
    if (performance != NULL && strcmp(performance, performance_names[p]) == 0) count = invokes_at[p];
  pthread_mutex_unlock(&lock);
  return count;
}
