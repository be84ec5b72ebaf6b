/*===- VulkanRuntime.c - runs the compute kernels of --target=vulkan models ===*\
|*                                                                            *|
|* Models compiled for Vulkan keep their host code on the CPU and call        *|
|* aiopt_vk_dispatch for each kernel: the SPIR-V module embedded in the       *|
|* object, its entry point, the workgroup count and the buffers it uses (see  *|
|* GPURuntime.h; a scalar argument is a buffer of its own).                   *|
|* This file loads the Vulkan loader at run time (dlopen, so programs link    *|
|* and start without one), picks the first device with a compute queue,       *|
|* builds one pipeline per kernel (cached), and records dispatches into a     *|
|* batch it submits when the host needs their results. Buffers of resident   *|
|* launches stay in device mirrors (DeviceMirrors.h; aiopt_vk_host_access);   *|
|* others are copied in and back. Device buffers are pooled, constant ones    *|
|* copied once and kept; where the device maps no device-local memory they   *|
|* are reached through staging buffers.                                       *|
|* Errors (no loader, no device, a failed call) fail the model's run          *|
|* with AIOPT_ERROR_DEVICE and a message naming the kernel.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "DeviceMirrors.h"
#include "GPURuntime.h"

void aiopt_vk_dispatch(const void *image, int64_t spirv_bytes, const char *entry,
                       int64_t groups_x, int64_t groups_y, int64_t groups_z, int64_t block_x,
                       int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                       const int64_t *arg_bytes, const int32_t *arg_kinds);
void aiopt_vk_host_access(uintptr_t ptr, int64_t bytes, int32_t mode);

/* The dispatches and buffers a batch's descriptor pool holds. */
enum { kBatchSets = 512, kBatchDescriptors = 8192 };

/* The Vulkan functions used, loaded from the instance (I) or device (D). */
#define AIOPT_VK_INSTANCE_FUNCTIONS(X)                                                        \
  X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)          \
  X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkGetPhysicalDeviceMemoryProperties)           \
  X(vkGetPhysicalDeviceFeatures2) X(vkCreateDevice) X(vkGetDeviceProcAddr)                   \
  X(vkEnumerateDeviceExtensionProperties)
#define AIOPT_VK_DEVICE_FUNCTIONS(X)                                                          \
  X(vkGetDeviceQueue) X(vkCreateCommandPool) X(vkAllocateCommandBuffers)                     \
  X(vkResetCommandBuffer) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdBindPipeline)  \
  X(vkCmdBindDescriptorSets) X(vkCmdDispatch) X(vkQueueSubmit) X(vkCreateFence)               \
  X(vkResetFences) X(vkWaitForFences) X(vkCreateBuffer) X(vkDestroyBuffer)                    \
  X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory)  \
  X(vkMapMemory) X(vkUnmapMemory) X(vkCreateShaderModule) X(vkDestroyShaderModule)            \
  X(vkCreateDescriptorSetLayout) X(vkCreatePipelineLayout) X(vkCreateComputePipelines)        \
  X(vkCreateDescriptorPool) X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets)             \
  X(vkResetDescriptorPool) X(vkCmdPipelineBarrier) X(vkCmdUpdateBuffer)                      \
  X(vkCreateQueryPool) X(vkCmdResetQueryPool) X(vkCmdWriteTimestamp) X(vkGetQueryPoolResults) \
  X(vkCmdCopyBuffer)

#define AIOPT_VK_DECLARE(name) static PFN_##name name;
AIOPT_VK_INSTANCE_FUNCTIONS(AIOPT_VK_DECLARE)
AIOPT_VK_DEVICE_FUNCTIONS(AIOPT_VK_DECLARE)
static PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
static PFN_vkCreateInstance vkCreateInstance;

/* One kernel's pipeline, built on its first dispatch, and its dispatches'
 * count and device time when profiling. */
typedef struct kernel {
  const uint32_t *spirv;
  const char *entry;
  int32_t num_args;
  long long dispatches;
  double kernel_ms;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  struct kernel *next;
} kernel;

/* A buffer of `bytes` (at least 4) and its mapping, when it is in
 * host-visible memory (NULL in device-local memory the host reaches
 * through staging buffers). */
typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  void *mapped;
  VkDeviceSize size; /* of `memory` */
} device_buffer;

/* A buffer kept across dispatches: a pooled one (free when not `busy`),
 * or the device copy of the constant buffer at `host`. */
typedef struct {
  device_buffer b;
  int64_t bytes;
  const void *host;
  int busy;
} kept_buffer;
typedef struct {
  kept_buffer *items;
  size_t count, capacity;
} kept_buffers;

/* The optional device features the generated SPIR-V may use (the
 * capabilities the compiler's target environment allows beyond Shader). */
enum {
  kFloat16,
  kFloat64,
  kInt64,
  kInt16,
  kInt8,
  kStorage16,
  kStorage8,
  kAtomicFloatAdd,
  kFeatureCount
};

/* The Vulkan side of the mirrors (defined below). */
static const aiopt_mirror_device vulkan_mirror_device;

static struct {
  pthread_once_t once;
  char init_error[256]; /* non-empty when no device could be set up */
  VkInstance instance;
  VkPhysicalDevice physical;
  char device_name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
  /* The optional features the device was created with (feature_names'
   * order), which kernels' SPIR-V capabilities need. */
  int features[kFeatureCount];
  VkPhysicalDeviceLimits limits;
  VkPhysicalDeviceMemoryProperties memory;
  VkDevice device;
  VkQueue queue;
  VkCommandPool pool;
  /* The batch: the command buffer the dispatches are recorded into
   * (`recording` while one is open), the pool of their descriptor sets,
   * and the fence its submission signals. */
  VkCommandBuffer cmd;
  int recording;
  VkDescriptorPool sets;
  VkFence fence;
  kernel *kernels;
  /* Buffers reused by later dispatches, and constants copied once. */
  kept_buffers buffers, constants;
  /* With `staging`, kernels' buffers live in device-local memory the host
   * does not map, and copies go through host-visible staging buffers (a
   * pool of their own); those the batch copies from are given back when
   * it has run. */
  int staging;
  kept_buffers staging_buffers;
  VkBuffer *batch_staging;
  size_t batch_staging_count, batch_staging_capacity;
  /* Device copies of host buffers that resident launches use. */
  aiopt_mirrors mirrors;
  /* The bytes of memory the runtime's buffers hold, and with
   * AIOPT_VULKAN_MEMORY_LIMIT the most they may (0: the device's). */
  VkDeviceSize live_bytes, memory_limit;
  /* AIOPT_VULKAN_PROFILE: two timestamps around each dispatch of the
   * batch (`timed` holds its kernels), and the host's side. */
  int profile;
  uint32_t timestamp_bits; /* valid bits of the compute queue's timestamps */
  VkQueryPool timestamps;
  kernel *timed[kBatchSets];
  uint32_t timed_count;
  long long batches;
  double wait_ms, copy_in_ms, copy_out_ms, bytes_in, bytes_out;
  /* Dispatches are serialized: one queue, one command pool. */
  pthread_mutex_t lock;
} vk = {.once = PTHREAD_ONCE_INIT, .mirrors = {.device = &vulkan_mirror_device}};

static void init_failed(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(vk.init_error, sizeof(vk.init_error), fmt, args);
  va_end(args);
}

/* The SPIR-V capabilities the generated SPIR-V may use beyond Shader, by
 * the Vulkan feature that each needs. */
static const struct {
  const char *name;   /* the Vulkan feature */
  uint32_t capability; /* the SPIR-V capability's number */
  const char *capability_name;
} feature_names[kFeatureCount] = {
    [kFloat16] = {"shaderFloat16", 9, "Float16"},
    [kFloat64] = {"shaderFloat64", 10, "Float64"},
    [kInt64] = {"shaderInt64", 11, "Int64"},
    [kInt16] = {"shaderInt16", 22, "Int16"},
    [kInt8] = {"shaderInt8", 39, "Int8"},
    [kStorage16] = {"storageBuffer16BitAccess", 4433, "StorageBuffer16BitAccess"},
    [kStorage8] = {"storageBuffer8BitAccess", 4448, "StorageBuffer8BitAccess"},
    /* VK_EXT_shader_atomic_float: split products' atomic additions. */
    [kAtomicFloatAdd] = {"shaderBufferFloat32AtomicAdd", 6033, "AtomicFloat32AddEXT"},
};

/* Whether the device has the extension `name`. */
static int has_device_extension(const char *name) {
  uint32_t count = 0;
  if (vkEnumerateDeviceExtensionProperties(vk.physical, NULL, &count, NULL) != VK_SUCCESS)
    return 0;
  VkExtensionProperties *all = calloc(count ? count : 1, sizeof *all);
  int found = 0;
  if (all && vkEnumerateDeviceExtensionProperties(vk.physical, NULL, &count, all) == VK_SUCCESS)
    for (uint32_t i = 0; i < count && !found; ++i)
      found = strcmp(all[i].extensionName, name) == 0;
  free(all);
  return found;
}

/* Whether AIOPT_VULKAN_DISABLE_FEATURES (comma-separated feature names)
 * names `name`: the device is then created without it, as one that lacks
 * it would be (to check what a smaller device does). */
static int disabled_feature(const char *name) {
  const char *list = getenv("AIOPT_VULKAN_DISABLE_FEATURES");
  size_t n = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0)
      return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

/* The optional features, enabled where the device has them (and
 * AIOPT_VULKAN_DISABLE_FEATURES does not name them): the chain `enabled`
 * -> `f11` -> `f12` (-> `atomics`, with VK_EXT_shader_atomic_float, whose
 * name goes to `*extension`) for vkCreateDevice, and vk.features. */
static void enable_features(VkPhysicalDeviceFeatures2 *enabled,
                            VkPhysicalDeviceVulkan11Features *f11,
                            VkPhysicalDeviceVulkan12Features *f12,
                            VkPhysicalDeviceShaderAtomicFloatFeaturesEXT *atomics,
                            const char **extension) {
  int atomic_floats = has_device_extension(VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT hasAtomics = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
  VkPhysicalDeviceVulkan12Features has12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  if (atomic_floats)
    has12.pNext = &hasAtomics;
  VkPhysicalDeviceVulkan11Features has11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  has11.pNext = &has12;
  VkPhysicalDeviceFeatures2 has = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  has.pNext = &has11;
  vkGetPhysicalDeviceFeatures2(vk.physical, &has);
  const VkBool32 available[kFeatureCount] = {
      [kFloat16] = has12.shaderFloat16,          [kFloat64] = has.features.shaderFloat64,
      [kInt64] = has.features.shaderInt64,       [kInt16] = has.features.shaderInt16,
      [kInt8] = has12.shaderInt8,                [kStorage16] = has11.storageBuffer16BitAccess,
      [kStorage8] = has12.storageBuffer8BitAccess,
      [kAtomicFloatAdd] = hasAtomics.shaderBufferFloat32AtomicAdd};
  for (int f = 0; f < kFeatureCount; ++f)
    vk.features[f] = available[f] && !disabled_feature(feature_names[f].name);

  *f12 = (VkPhysicalDeviceVulkan12Features){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12->storageBuffer8BitAccess = (VkBool32)vk.features[kStorage8];
  f12->shaderInt8 = (VkBool32)vk.features[kInt8];
  f12->shaderFloat16 = (VkBool32)vk.features[kFloat16];
  *f11 = (VkPhysicalDeviceVulkan11Features){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11->storageBuffer16BitAccess = (VkBool32)vk.features[kStorage16];
  f11->pNext = f12;
  *atomics = (VkPhysicalDeviceShaderAtomicFloatFeaturesEXT){
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
  atomics->shaderBufferFloat32AtomicAdd = (VkBool32)vk.features[kAtomicFloatAdd];
  *extension = NULL;
  if (vk.features[kAtomicFloatAdd]) {
    f12->pNext = atomics;
    *extension = VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME;
  }
  *enabled = (VkPhysicalDeviceFeatures2){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  enabled->features.shaderInt64 = (VkBool32)vk.features[kInt64];
  enabled->features.shaderInt16 = (VkBool32)vk.features[kInt16];
  enabled->features.shaderFloat64 = (VkBool32)vk.features[kFloat64];
  enabled->pNext = f11;
}

/* The first optional feature the SPIR-V module needs (by its OpCapability
 * instructions, which open the module after its 5-word header) that the
 * device was created without; -1 when it has them all. */
static int missing_feature(const uint32_t *spirv, int64_t bytes) {
  int64_t words = bytes / 4;
  for (int64_t w = 5; w < words;) {
    uint32_t count = spirv[w] >> 16, opcode = spirv[w] & 0xffff;
    if (count == 0 || opcode != 17 /* OpCapability */)
      break;
    for (int f = 0; f < kFeatureCount && w + 1 < words; ++f)
      if (spirv[w + 1] == feature_names[f].capability && !vk.features[f])
        return f;
    w += count;
  }
  return -1;
}

/* Whether kernels' buffers go in device-local memory the host reaches
 * through staging buffers: when the largest device-local heap has no
 * host-visible, coherent memory type (a discrete GPU without resizable
 * BAR), or AIOPT_VULKAN_STAGING=1 asks for it (=0: never). Integrated
 * GPUs, lavapipe and resizable-BAR GPUs map their device memory. */
static int needs_staging(void) {
  const char *forced = getenv("AIOPT_VULKAN_STAGING");
  if (forced && *forced)
    return strcmp(forced, "0") != 0;
  uint32_t heap = UINT32_MAX;
  for (uint32_t h = 0; h < vk.memory.memoryHeapCount; ++h)
    if ((vk.memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
        (heap == UINT32_MAX || vk.memory.memoryHeaps[h].size > vk.memory.memoryHeaps[heap].size))
      heap = h;
  const VkMemoryPropertyFlags mapped =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t t = 0; t < vk.memory.memoryTypeCount; ++t)
    if (vk.memory.memoryTypes[t].heapIndex == heap &&
        (vk.memory.memoryTypes[t].propertyFlags & mapped) == mapped)
      return 0;
  return heap != UINT32_MAX;
}

static void init(void) {
  pthread_mutex_init(&vk.lock, NULL);
  const char *library = getenv("AIOPT_VULKAN_LIBRARY");
  void *loader = dlopen(library ? library : "libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!loader)
    return init_failed("cannot load the Vulkan loader (%s): install a Vulkan driver, e.g. "
                       "Debian's libvulkan1 and mesa-vulkan-drivers",
                       library ? library : "libvulkan.so.1");
  vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)dlsym(loader, "vkGetInstanceProcAddr");
  if (!vkGetInstanceProcAddr)
    return init_failed("the Vulkan loader has no vkGetInstanceProcAddr");
  vkCreateInstance = (PFN_vkCreateInstance)vkGetInstanceProcAddr(NULL, "vkCreateInstance");

  VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "aiopt";
  app.apiVersion = VK_API_VERSION_1_2;
  VkInstanceCreateInfo instance_info = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  instance_info.pApplicationInfo = &app;
  VkResult r = vkCreateInstance(&instance_info, NULL, &vk.instance);
  if (r != VK_SUCCESS)
    return init_failed("vkCreateInstance failed (VkResult %d): no Vulkan 1.2 driver", r);
#define AIOPT_VK_LOAD_INSTANCE(name)                                                        \
  name = (PFN_##name)vkGetInstanceProcAddr(vk.instance, #name);                             \
  if (!name)                                                                                \
    return init_failed("the Vulkan driver has no %s", #name);
  AIOPT_VK_INSTANCE_FUNCTIONS(AIOPT_VK_LOAD_INSTANCE)

  uint32_t count = 0;
  vkEnumeratePhysicalDevices(vk.instance, &count, NULL);
  if (count == 0)
    return init_failed("no Vulkan device");
  VkPhysicalDevice *devices = calloc(count, sizeof *devices);
  if (!devices)
    return init_failed("out of memory");
  vkEnumeratePhysicalDevices(vk.instance, &count, devices);
  /* A device with a compute queue; the first one, unless
   * AIOPT_VULKAN_DEVICE names another by index. */
  const char *wanted = getenv("AIOPT_VULKAN_DEVICE");
  uint32_t first = wanted ? (uint32_t)atoi(wanted) : 0;
  uint32_t family = UINT32_MAX;
  for (uint32_t d = first; d < count && family == UINT32_MAX; ++d) {
    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(devices[d], &nq, NULL);
    VkQueueFamilyProperties props[16];
    if (nq > 16)
      nq = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(devices[d], &nq, props);
    for (uint32_t q = 0; q < nq; ++q)
      if (props[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        family = q;
        vk.timestamp_bits = props[q].timestampValidBits;
        vk.physical = devices[d];
        break;
      }
  }
  free(devices);
  if (family == UINT32_MAX)
    return init_failed("no Vulkan device with a compute queue");
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(vk.physical, &props);
  vk.limits = props.limits;
  memcpy(vk.device_name, props.deviceName, sizeof vk.device_name);
  vkGetPhysicalDeviceMemoryProperties(vk.physical, &vk.memory);
  vk.staging = needs_staging();

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures2 features;
  VkPhysicalDeviceVulkan11Features f11;
  VkPhysicalDeviceVulkan12Features f12;
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomics;
  const char *extension;
  enable_features(&features, &f11, &f12, &atomics, &extension);
  VkDeviceCreateInfo device_info = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.pNext = &features;
  device_info.enabledExtensionCount = extension ? 1 : 0;
  device_info.ppEnabledExtensionNames = extension ? &extension : NULL;
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  r = vkCreateDevice(vk.physical, &device_info, NULL, &vk.device);
  if (r != VK_SUCCESS)
    return init_failed("vkCreateDevice failed on %s (VkResult %d)", props.deviceName, r);
#define AIOPT_VK_LOAD_DEVICE(name)                                                          \
  name = (PFN_##name)vkGetDeviceProcAddr(vk.device, #name);                                 \
  if (!name)                                                                                \
    return init_failed("the Vulkan driver has no %s", #name);
  AIOPT_VK_DEVICE_FUNCTIONS(AIOPT_VK_LOAD_DEVICE)
  vkGetDeviceQueue(vk.device, family, 0, &vk.queue);
  VkCommandPoolCreateInfo pool_info = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = family;
  r = vkCreateCommandPool(vk.device, &pool_info, NULL, &vk.pool);
  if (r != VK_SUCCESS)
    return init_failed("vkCreateCommandPool failed (VkResult %d)", r);
  VkCommandBufferAllocateInfo cmd_info = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cmd_info.commandPool = vk.pool;
  cmd_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cmd_info.commandBufferCount = 1;
  r = vkAllocateCommandBuffers(vk.device, &cmd_info, &vk.cmd);
  if (r != VK_SUCCESS)
    return init_failed("vkAllocateCommandBuffers failed (VkResult %d)", r);
  VkFenceCreateInfo fence_info = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  r = vkCreateFence(vk.device, &fence_info, NULL, &vk.fence);
  if (r != VK_SUCCESS)
    return init_failed("vkCreateFence failed (VkResult %d)", r);
  /* The descriptor sets of a batch (a full pool ends it). */
  VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kBatchDescriptors};
  VkDescriptorPoolCreateInfo sets_info = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  sets_info.maxSets = kBatchSets;
  sets_info.poolSizeCount = 1;
  sets_info.pPoolSizes = &size;
  r = vkCreateDescriptorPool(vk.device, &sets_info, NULL, &vk.sets);
  if (r != VK_SUCCESS)
    return init_failed("vkCreateDescriptorPool failed (VkResult %d)", r);
  const char *profile = getenv("AIOPT_VULKAN_PROFILE");
  if (profile && *profile && strcmp(profile, "0") != 0) {
    VkQueryPoolCreateInfo query_info = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    query_info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    query_info.queryCount = 2 * kBatchSets;
    if (!vk.timestamp_bits)
      fprintf(stderr, "aiopt Vulkan profile: %s cannot time kernels (no timestamps on its "
                      "compute queue): host times only\n", props.deviceName);
    else if (vkCreateQueryPool(vk.device, &query_info, NULL, &vk.timestamps) != VK_SUCCESS)
      vk.timestamps = VK_NULL_HANDLE;
    vk.profile = 1;
  }
  const char *limit = getenv("AIOPT_VULKAN_MEMORY_LIMIT");
  if (limit && *limit) {
    char *end;
    unsigned long long bytes = strtoull(limit, &end, 10);
    if (*end || limit[0] == '-' || bytes == 0)
      return init_failed("AIOPT_VULKAN_MEMORY_LIMIT is not a positive number of bytes: '%s'",
                         limit);
    vk.memory_limit = (VkDeviceSize)bytes;
  }
}

/* Reports a failed dispatch of `entry` to the current run. */
static void dispatch_failed(const char *entry, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  aiopt_gpu_kernel_error("Vulkan", entry, fmt, args);
  va_end(args);
}

/* The pipeline of a kernel, created and cached on first use. Called with
 * vk.lock held. */
static kernel *get_kernel(const uint32_t *spirv, int64_t spirv_bytes, const char *entry,
                          int32_t num_args) {
  for (kernel *k = vk.kernels; k; k = k->next)
    if (k->spirv == spirv && strcmp(k->entry, entry) == 0)
      return k;
  int missing = missing_feature(spirv, spirv_bytes);
  if (missing >= 0) {
    dispatch_failed(entry, "needs the device feature %s (SPIR-V capability %s), which %s %s",
                    feature_names[missing].name, feature_names[missing].capability_name,
                    vk.device_name,
                    disabled_feature(feature_names[missing].name)
                        ? "was created without (AIOPT_VULKAN_DISABLE_FEATURES)"
                        : "lacks");
    return NULL;
  }
  kernel *k = calloc(1, sizeof *k);
  VkDescriptorSetLayoutBinding *bindings = calloc((size_t)num_args + 1, sizeof *bindings);
  if (!k || !bindings) {
    free(k);
    free(bindings);
    dispatch_failed(entry, "out of memory");
    return NULL;
  }
  for (int32_t i = 0; i < num_args; ++i) {
    bindings[i].binding = (uint32_t)i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set_info = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = (uint32_t)num_args;
  set_info.pBindings = bindings;
  VkResult r = vkCreateDescriptorSetLayout(vk.device, &set_info, NULL, &k->set_layout);
  free(bindings);
  VkShaderModule shader = VK_NULL_HANDLE;
  if (r == VK_SUCCESS) {
    VkPipelineLayoutCreateInfo layout_info = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &k->set_layout;
    r = vkCreatePipelineLayout(vk.device, &layout_info, NULL, &k->layout);
  }
  if (r == VK_SUCCESS) {
    VkShaderModuleCreateInfo shader_info = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    shader_info.codeSize = (size_t)spirv_bytes;
    shader_info.pCode = spirv;
    r = vkCreateShaderModule(vk.device, &shader_info, NULL, &shader);
  }
  if (r == VK_SUCCESS) {
    VkComputePipelineCreateInfo pipeline_info = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pipeline_info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pipeline_info.stage.module = shader;
    pipeline_info.stage.pName = entry;
    pipeline_info.layout = k->layout;
    r = vkCreateComputePipelines(vk.device, VK_NULL_HANDLE, 1, &pipeline_info, NULL, &k->pipeline);
    vkDestroyShaderModule(vk.device, shader, NULL);
  }
  if (r != VK_SUCCESS) {
    /* The layouts of a kernel that cannot be built are kept with it: it is
     * not retried, and the program is failing anyway. */
    free(k);
    dispatch_failed(entry, "creating its pipeline failed (VkResult %d)", r);
    return NULL;
  }
  k->spirv = spirv;
  k->entry = entry;
  k->num_args = num_args;
  k->next = vk.kernels;
  vk.kernels = k;
  return k;
}

static int find_memory_type(uint32_t type_bits, VkMemoryPropertyFlags flags) {
  for (uint32_t i = 0; i < vk.memory.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (vk.memory.memoryTypes[i].propertyFlags & flags) == flags)
      return (int)i;
  return -1;
}

/* A buffer of `bytes`: mapped host-visible memory (`host`), else
 * device-local memory. */
static VkResult create_buffer(int64_t bytes, int host, device_buffer *b) {
  VkBufferCreateInfo info = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = (VkDeviceSize)(bytes < 4 ? 4 : bytes);
  /* Transfers write the scalars (vkCmdUpdateBuffer) and copy between
   * staging and device buffers. */
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = vkCreateBuffer(vk.device, &info, NULL, &b->buffer);
  if (r != VK_SUCCESS)
    return r;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(vk.device, b->buffer, &req);
  int type = host ? find_memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                             VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)
                  : find_memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0 && !host)
    type = find_memory_type(req.memoryTypeBits, 0);
  if (type < 0)
    return VK_ERROR_FEATURE_NOT_PRESENT;
  /* AIOPT_VULKAN_MEMORY_LIMIT caps the runtime's memory as a smaller
   * device would. */
  if (vk.memory_limit && vk.live_bytes + req.size > vk.memory_limit)
    return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  VkMemoryAllocateInfo alloc = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = (uint32_t)type;
  r = vkAllocateMemory(vk.device, &alloc, NULL, &b->memory);
  if (r == VK_SUCCESS) {
    b->size = req.size;
    vk.live_bytes += req.size;
    r = vkBindBufferMemory(vk.device, b->buffer, b->memory, 0);
  }
  if (r == VK_SUCCESS && host)
    r = vkMapMemory(vk.device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
  return r;
}

static void destroy_buffer(device_buffer *b) {
  if (b->mapped)
    vkUnmapMemory(vk.device, b->memory);
  if (b->buffer)
    vkDestroyBuffer(vk.device, b->buffer, NULL);
  if (b->memory) {
    vkFreeMemory(vk.device, b->memory, NULL);
    vk.live_bytes -= b->size;
  }
}

/* Appends `b` to `list`; 0 without host memory. */
static int keep(kept_buffers *list, kept_buffer b) {
  kept_buffer *items = aiopt_gpu_grow(list->items, list->count, &list->capacity, sizeof b);
  if (!items)
    return 0;
  list->items = items;
  list->items[list->count++] = b;
  return 1;
}

static VkResult finish_batch(void);

/* Destroys the pooled buffers no dispatch holds, once the batch (which may
 * still use them) has run; whether any went. Called with vk.lock held,
 * when the device is out of memory. */
static int trim_pool(kept_buffers *pool) {
  if (finish_batch() != VK_SUCCESS)
    return 0;
  size_t kept = 0;
  for (size_t i = 0; i < pool->count; ++i) {
    if (pool->items[i].busy)
      pool->items[kept++] = pool->items[i];
    else
      destroy_buffer(&pool->items[i].b);
  }
  int freed = kept < pool->count;
  pool->count = kept;
  return freed;
}

/* create_buffer, and when memory runs out, again once `pool`'s idle
 * buffers are destroyed. Called with vk.lock held. */
static VkResult create_making_room(int64_t bytes, int host, kept_buffers *pool,
                                   device_buffer *b) {
  VkResult r = create_buffer(bytes, host, b);
  if ((r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) &&
      trim_pool(pool)) {
    destroy_buffer(b);
    *b = (device_buffer){0};
    r = create_buffer(bytes, host, b);
  }
  return r;
}

/* A free buffer of `pool` of at least `bytes` (the smallest, not more
 * than twice as large), else a new one (the pool's idle buffers destroyed
 * first when memory runs out: a model run at many sizes leaves buffers of
 * each); marked busy. Called with vk.lock held. */
static VkResult take_from(kept_buffers *pool, int64_t bytes, device_buffer *out) {
  int host = pool == &vk.staging_buffers || !vk.staging;
  kept_buffer *best = NULL;
  for (size_t i = 0; i < pool->count; ++i) {
    kept_buffer *b = &pool->items[i];
    if (!b->busy && b->bytes >= bytes && b->bytes <= 2 * bytes + 4 &&
        (!best || b->bytes < best->bytes))
      best = b;
  }
  if (!best) {
    kept_buffer fresh = {{0}, bytes < 4 ? 4 : bytes, NULL, 0};
    VkResult r = create_making_room(bytes, host, pool, &fresh.b);
    if (r == VK_SUCCESS && !keep(pool, fresh))
      r = VK_ERROR_OUT_OF_HOST_MEMORY;
    if (r != VK_SUCCESS) {
      destroy_buffer(&fresh.b);
      return r;
    }
    best = &pool->items[pool->count - 1];
  }
  best->busy = 1;
  *out = best->b;
  return VK_SUCCESS;
}

/* A buffer for kernels, from the pool. */
static VkResult take_buffer(int64_t bytes, device_buffer *out) {
  return take_from(&vk.buffers, bytes, out);
}

/* The buffer `buffer` of `pool`. */
static kept_buffer *find_kept(kept_buffers *pool, VkBuffer buffer) {
  for (size_t i = 0; i < pool->count; ++i)
    if (pool->items[i].b.buffer == buffer)
      return &pool->items[i];
  return NULL;
}

/* The pooled kernel buffer `buffer`. */
static kept_buffer *pooled(VkBuffer buffer) { return find_kept(&vk.buffers, buffer); }

/* Gives `buffer` back to `pool`. The commands recorded since are ordered
 * after the dispatches that used it, and the host writes into pooled
 * buffers only once those have run (finish_batch). */
static void release_from(kept_buffers *pool, VkBuffer buffer) {
  kept_buffer *b = find_kept(pool, buffer);
  if (b)
    b->busy = 0;
}

/* Gives a pooled kernel buffer back. */
static void release_buffer(VkBuffer buffer) { release_from(&vk.buffers, buffer); }

static VkResult upload(const device_buffer *to, const void *host, size_t bytes, int idle);

/* The device copy of the constant buffer `bytes` at `host`, made on first
 * use and kept. Called with vk.lock held. */
static VkResult constant_buffer(const void *host, int64_t bytes, device_buffer *out) {
  for (size_t i = 0; i < vk.constants.count; ++i)
    if (vk.constants.items[i].host == host && vk.constants.items[i].bytes == bytes) {
      *out = vk.constants.items[i].b;
      return VK_SUCCESS;
    }
  kept_buffer fresh = {{0}, bytes, host, 1};
  /* (Kept: idle pooled buffers make room for it.) */
  VkResult r = create_making_room(bytes, !vk.staging, &vk.buffers, &fresh.b);
  if (r == VK_SUCCESS && bytes > 0)
    r = upload(&fresh.b, host, (size_t)bytes, /*idle=*/1);
  if (r == VK_SUCCESS && !keep(&vk.constants, fresh))
    r = VK_ERROR_OUT_OF_HOST_MEMORY;
  if (r != VK_SUCCESS) {
    finish_batch(); /* a recorded upload may name the buffer */
    destroy_buffer(&fresh.b);
  }
  *out = fresh.b;
  return r;
}

/* The batch: dispatches recorded into vk.cmd, submitted together when the
 * host needs their results or writes memory they may use. */

/* Makes what the commands before it wrote visible to those after it (and
 * orders their reads before later writes): `to_host` for the host's reads
 * after the batch. */
static void barrier(int to_host) {
  VkMemoryBarrier b = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  b.dstAccessMask = to_host ? VK_ACCESS_HOST_READ_BIT
                            : VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                  VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(vk.cmd, stages, to_host ? VK_PIPELINE_STAGE_HOST_BIT : stages, 0, 1, &b, 0,
                       NULL, 0, NULL);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Adds the device time between each timed dispatch's two timestamps to
 * its kernel. */
static void read_timestamps(void) {
  uint64_t ticks[2 * kBatchSets];
  if (vkGetQueryPoolResults(vk.device, vk.timestamps, 0, 2 * vk.timed_count, sizeof ticks, ticks,
                            sizeof *ticks, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) !=
      VK_SUCCESS)
    return;
  uint64_t mask = vk.timestamp_bits >= 64 ? ~0ull : (1ull << vk.timestamp_bits) - 1;
  for (uint32_t i = 0; i < vk.timed_count; ++i)
    vk.timed[i]->kernel_ms +=
        (double)((ticks[2 * i + 1] - ticks[2 * i]) & mask) * vk.limits.timestampPeriod / 1e6;
}

/* memcpy between the host and device memory, timed when profiling
 * (`in`: to the device). */
static void copy_bytes(void *to, const void *from, size_t bytes, int in) {
  double t0 = vk.profile ? now_ms() : 0;
  memcpy(to, from, bytes);
  if (!vk.profile)
    return;
  *(in ? &vk.copy_in_ms : &vk.copy_out_ms) += now_ms() - t0;
  *(in ? &vk.bytes_in : &vk.bytes_out) += (double)bytes;
}

/* Gives back the staging buffers the batch copied from. */
static void release_batch_staging(void) {
  for (size_t i = 0; i < vk.batch_staging_count; ++i)
    release_from(&vk.staging_buffers, vk.batch_staging[i]);
  vk.batch_staging_count = 0;
}

/* Submits the batch and waits for it; its descriptor sets go. Called with
 * vk.lock held. */
static VkResult finish_batch(void) {
  if (!vk.recording) {
    release_batch_staging(); /* those of uploads that failed to record */
    return VK_SUCCESS;
  }
  vk.recording = 0;
  barrier(1);
  VkResult r = vkEndCommandBuffer(vk.cmd);
  if (r == VK_SUCCESS)
    r = vkResetFences(vk.device, 1, &vk.fence);
  double t0 = vk.profile ? now_ms() : 0;
  if (r == VK_SUCCESS) {
    VkSubmitInfo submit = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &vk.cmd;
    r = vkQueueSubmit(vk.queue, 1, &submit, vk.fence);
  }
  if (r == VK_SUCCESS)
    r = vkWaitForFences(vk.device, 1, &vk.fence, VK_TRUE, UINT64_MAX);
  if (vk.profile) {
    vk.batches += 1;
    vk.wait_ms += now_ms() - t0;
  }
  if (r == VK_SUCCESS && vk.timed_count)
    read_timestamps();
  vk.timed_count = 0;
  release_batch_staging();
  VkResult reset = vkResetDescriptorPool(vk.device, vk.sets, 0);
  return r != VK_SUCCESS ? r : reset;
}

/* Opens the batch if none is. Called with vk.lock held. */
static VkResult open_batch(void) {
  if (vk.recording)
    return VK_SUCCESS;
  VkResult r = vkResetCommandBuffer(vk.cmd, 0);
  if (r == VK_SUCCESS) {
    VkCommandBufferBeginInfo begin = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    r = vkBeginCommandBuffer(vk.cmd, &begin);
  }
  if (r == VK_SUCCESS && vk.timestamps)
    vkCmdResetQueryPool(vk.cmd, vk.timestamps, 0, 2 * kBatchSets);
  vk.recording = r == VK_SUCCESS;
  return r;
}

/* Records a copy of `bytes` from `from` to `to` into the batch, after
 * what it holds. */
static VkResult record_copy(VkBuffer from, VkBuffer to, size_t bytes) {
  int first = !vk.recording;
  VkResult r = open_batch();
  if (r != VK_SUCCESS)
    return r;
  if (!first)
    barrier(0);
  VkBufferCopy region = {0, 0, (VkDeviceSize)bytes};
  vkCmdCopyBuffer(vk.cmd, from, to, 1, &region);
  return VK_SUCCESS;
}

/* Writes `bytes` of `host` at the start of `to`: into its mapping once
 * the batch has run (unless `idle`: the batch does not use `to`), or into
 * a staging buffer the batch then copies from (nothing waits). Called
 * with vk.lock held. */
static VkResult upload(const device_buffer *to, const void *host, size_t bytes, int idle) {
  if (to->mapped) {
    VkResult r = idle ? VK_SUCCESS : finish_batch();
    if (r == VK_SUCCESS)
      copy_bytes(to->mapped, host, bytes, 1);
    return r;
  }
  VkBuffer *list = aiopt_gpu_grow(vk.batch_staging, vk.batch_staging_count,
                                  &vk.batch_staging_capacity, sizeof *list);
  if (!list)
    return VK_ERROR_OUT_OF_HOST_MEMORY;
  vk.batch_staging = list;
  device_buffer staging;
  VkResult r = take_from(&vk.staging_buffers, (int64_t)bytes, &staging);
  if (r != VK_SUCCESS)
    return r;
  /* Given back when the batch has run, also if recording fails. */
  vk.batch_staging[vk.batch_staging_count++] = staging.buffer;
  copy_bytes(staging.mapped, host, bytes, 1);
  return record_copy(staging.buffer, to->buffer, bytes);
}

/* Reads `bytes` at the start of `from` into `host`, once the batch has
 * run (through a staging buffer when `from` is not mapped). Called with
 * vk.lock held. */
static VkResult download(void *host, const device_buffer *from, size_t bytes) {
  if (from->mapped) {
    VkResult r = finish_batch();
    if (r == VK_SUCCESS)
      copy_bytes(host, from->mapped, bytes, 0);
    return r;
  }
  device_buffer staging = {0};
  VkResult r = take_from(&vk.staging_buffers, (int64_t)bytes, &staging);
  if (r == VK_SUCCESS)
    r = record_copy(from->buffer, staging.buffer, bytes);
  if (r == VK_SUCCESS)
    r = finish_batch();
  if (r == VK_SUCCESS)
    copy_bytes(host, staging.mapped, bytes, 0);
  release_from(&vk.staging_buffers, staging.buffer);
  return r;
}

/* A descriptor set of `k` for the batch; a full pool ends the batch. */
static VkResult batch_set(kernel *k, VkDescriptorSet *set) {
  VkDescriptorSetAllocateInfo alloc = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  alloc.descriptorPool = vk.sets;
  alloc.descriptorSetCount = 1;
  alloc.pSetLayouts = &k->set_layout;
  VkResult r = vkAllocateDescriptorSets(vk.device, &alloc, set);
  if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL)
    return r;
  r = finish_batch();
  return r == VK_SUCCESS ? vkAllocateDescriptorSets(vk.device, &alloc, set) : r;
}

/* A scalar argument: `bytes` at `value`, written into `buffer` by the
 * batch before its dispatch. */
typedef struct {
  VkBuffer buffer;
  uint32_t words[2];
  uint32_t bytes;
} scalar_update;

/* Records a dispatch of `k` on the buffers `infos` into the batch, after
 * the writes of its scalars. Called with vk.lock held. */
static VkResult record_dispatch(kernel *k, const VkDescriptorBufferInfo *infos,
                                const scalar_update *scalars, int32_t num_scalars,
                                const uint32_t groups[3]) {
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkResult r = batch_set(k, &set);
  VkWriteDescriptorSet *writes = calloc((size_t)k->num_args + 1, sizeof *writes);
  if (r == VK_SUCCESS && !writes)
    r = VK_ERROR_OUT_OF_HOST_MEMORY;
  if (r == VK_SUCCESS) {
    for (int32_t i = 0; i < k->num_args; ++i) {
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = set;
      writes[i].dstBinding = (uint32_t)i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(vk.device, (uint32_t)k->num_args, writes, 0, NULL);
  }
  free(writes);
  int first = !vk.recording;
  if (r == VK_SUCCESS)
    r = open_batch();
  if (r != VK_SUCCESS)
    return r;
  if (!first)
    barrier(0);
  for (int32_t i = 0; i < num_scalars; ++i)
    vkCmdUpdateBuffer(vk.cmd, scalars[i].buffer, 0, scalars[i].bytes, scalars[i].words);
  if (num_scalars)
    barrier(0);
  vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
  vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->layout, 0, 1, &set, 0, NULL);
  /* Timestamps once the work before has finished and once the dispatch
   * has (each batch holds at most kBatchSets dispatches: one set each). */
  uint32_t slot = 2 * vk.timed_count;
  if (vk.timestamps)
    vkCmdWriteTimestamp(vk.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk.timestamps, slot);
  vkCmdDispatch(vk.cmd, groups[0], groups[1], groups[2]);
  if (vk.timestamps) {
    vkCmdWriteTimestamp(vk.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, vk.timestamps, slot + 1);
    vk.timed[vk.timed_count++] = k;
  }
  k->dispatches += 1;
  return VK_SUCCESS;
}

/* The mirrors' device memory: pooled buffers, written and read through
 * upload and download. */
static int mirror_take(size_t bytes, uint64_t *dev) {
  device_buffer b;
  VkResult r = take_buffer((int64_t)bytes, &b);
  *dev = r == VK_SUCCESS ? (uint64_t)(uintptr_t)b.buffer : 0;
  return r;
}
static void mirror_give_back(uint64_t dev, size_t bytes) {
  (void)bytes;
  release_buffer((VkBuffer)(uintptr_t)dev);
}
static int mirror_to_device(uint64_t dev, const void *host, size_t bytes) {
  kept_buffer *b = pooled((VkBuffer)(uintptr_t)dev);
  return b && bytes ? upload(&b->b, host, bytes, /*idle=*/0) : VK_SUCCESS;
}
static int mirror_to_host(void *host, uint64_t dev, size_t bytes) {
  kept_buffer *b = pooled((VkBuffer)(uintptr_t)dev);
  return b && bytes ? download(host, &b->b, bytes) : VK_SUCCESS;
}
static const aiopt_mirror_device vulkan_mirror_device = {
    mirror_take, mirror_give_back, mirror_to_device, mirror_to_host,
    VK_ERROR_OUT_OF_HOST_MEMORY};

/* Fails the current aiopt_run with "Vulkan: <what> failed (VkResult r)". */
static void run_failed(const char *what, VkResult r) {
  char message[200];
  snprintf(message, sizeof message, "Vulkan: %s failed (VkResult %d)", what, r);
  aiopt_rt_device_error(message);
}

/* What the host code of a model with resident launches calls around its
 * own accesses to memory that kernels use (ptr 0: all of it), `mode` as
 * DeviceMirrors.h says (Vulkan models take no device inputs). Modes 5 and
 * 6, before the model returns, run the batch, so that its failures fail
 * the run that made them. */
void aiopt_vk_host_access(uintptr_t ptr, int64_t bytes, int32_t mode) {
  pthread_once(&vk.once, init);
  if (vk.init_error[0] || bytes < 0 || (mode == AIOPT_ACCESS_FRESH && (!ptr || !bytes)))
    return; /* no device: no launch made a mirror */
  uintptr_t lo = ptr, hi = ptr ? ptr + (uintptr_t)bytes : UINTPTR_MAX;
  pthread_mutex_lock(&vk.lock);
  VkResult r = VK_SUCCESS;
  if (mode == AIOPT_ACCESS_ARGUMENT_OUT || mode == AIOPT_ACCESS_RESULT)
    r = finish_batch();
  if (r == VK_SUCCESS)
    r = aiopt_mirrors_access(&vk.mirrors, lo, hi, mode);
  pthread_mutex_unlock(&vk.lock);
  if (r != VK_SUCCESS)
    run_failed("a kernel or copying its results back", r);
}

/* The buffers of one dispatch: what each argument binds, and which host
 * buffers are copied in (`staged`) and back. */
typedef struct {
  VkDescriptorBufferInfo *infos;
  VkBuffer *staged;        /* pooled buffers holding host copies */
  aiopt_mirror **unaligned; /* resident buffers passed as copies */
  scalar_update *scalars;
  int32_t num_scalars;
} bindings;

/* Binds argument `i` to a copy of its host bytes in a pooled buffer.
 * Called with vk.lock held. */
static VkResult stage(bindings *b, int32_t i, void *host, int64_t bytes) {
  device_buffer d;
  VkResult r = take_buffer(bytes, &d);
  if (r != VK_SUCCESS)
    return r;
  b->staged[i] = d.buffer;
  b->infos[i].buffer = d.buffer;
  return bytes > 0 ? upload(&d, host, (size_t)bytes, /*idle=*/0) : VK_SUCCESS;
}

/* Fills `b` for the arguments of a dispatch. Called with vk.lock held. */
static VkResult bind_arguments(bindings *b, int32_t num_args, void *const *args,
                               const int64_t *arg_bytes, const int32_t *arg_kinds) {
  VkResult r = VK_SUCCESS;
  double copied = 0;
  /* The mirrors first: a later buffer may merge an earlier one's. */
  for (int32_t i = 0; i < num_args && r == VK_SUCCESS; ++i)
    if ((arg_kinds[i] & AIOPT_ARG_RESIDENT) && arg_bytes[i] > 0)
      r = aiopt_mirrors_resident(&vk.mirrors, (uintptr_t)args[i],
                                 (uintptr_t)args[i] + (uintptr_t)arg_bytes[i], &copied);
  /* Kernels read 16-byte vectors from their buffers' starts: a view binds
   * at its offset only where that is a multiple of 16 too. */
  VkDeviceSize align = vk.limits.minStorageBufferOffsetAlignment;
  if (align < 16)
    align = 16;
  for (int32_t i = 0; i < num_args && r == VK_SUCCESS; ++i) {
    int32_t kind = arg_kinds[i] & ~AIOPT_ARG_RESIDENT;
    int64_t bytes = arg_bytes[i];
    VkDescriptorBufferInfo *info = &b->infos[i];
    /* Pooled buffers may be larger: the kernel sees its own size. */
    info->range = (VkDeviceSize)(bytes < 4 ? 4 : bytes);
    if (kind == AIOPT_ARG_CONSTANT) {
      device_buffer d;
      r = constant_buffer(args[i], bytes, &d);
      info->buffer = d.buffer;
    } else if (kind == AIOPT_ARG_SCALAR) {
      /* Written in the batch, in whole words. */
      device_buffer d;
      if ((r = take_buffer(8, &d)) != VK_SUCCESS)
        break;
      scalar_update *u = &b->scalars[b->num_scalars++];
      b->staged[i] = info->buffer = u->buffer = d.buffer;
      memset(u->words, 0, sizeof u->words);
      memcpy(u->words, args[i], (size_t)(bytes < 8 ? bytes : 8));
      u->bytes = bytes > 4 ? 8 : 4;
    } else if ((arg_kinds[i] & AIOPT_ARG_RESIDENT) && bytes > 0) {
      uintptr_t lo = (uintptr_t)args[i];
      aiopt_mirror *m = aiopt_mirror_list_find(&vk.mirrors.list, lo, lo + (uintptr_t)bytes);
      if (!m)
        return VK_ERROR_UNKNOWN; /* cannot happen after aiopt_mirrors_resident */
      info->offset = (VkDeviceSize)(lo - m->lo);
      if (info->offset % align == 0) {
        info->buffer = (VkBuffer)(uintptr_t)m->dev;
        continue;
      }
      /* A view the device cannot bind at its offset: a copy, from the
       * mirror's current bytes. */
      info->offset = 0;
      b->unaligned[i] = m;
      r = aiopt_mirrors_to_host(&vk.mirrors, m);
      if (r == VK_SUCCESS)
        r = stage(b, i, args[i], bytes);
    } else {
      r = stage(b, i, args[i], bytes);
    }
  }
  return r;
}

void aiopt_vk_dispatch(const void *image, int64_t spirv_bytes, const char *entry,
                       int64_t groups_x, int64_t groups_y, int64_t groups_z, int64_t block_x,
                       int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                       const int64_t *arg_bytes, const int32_t *arg_kinds) {
  /* The workgroup size is part of the SPIR-V module. */
  (void)block_x, (void)block_y, (void)block_z;
  const uint32_t *spirv = image;
  pthread_once(&vk.once, init);
  if (vk.init_error[0])
    return dispatch_failed(entry, "%s", vk.init_error);
  if (groups_x == 0 || groups_y == 0 || groups_z == 0)
    return; /* an empty iteration space */
  const int64_t counts[3] = {groups_x, groups_y, groups_z};
  uint32_t groups[3];
  for (int d = 0; d < 3; ++d) {
    if (counts[d] < 0 || counts[d] > (int64_t)vk.limits.maxComputeWorkGroupCount[d])
      return dispatch_failed(entry, "%lld workgroups in dimension %d, more than the device's %u",
                             (long long)counts[d], d, vk.limits.maxComputeWorkGroupCount[d]);
    groups[d] = (uint32_t)counts[d];
  }
  if ((uint32_t)num_args > vk.limits.maxPerStageDescriptorStorageBuffers)
    return dispatch_failed(entry, "%d buffers, more than the device's %u per kernel", num_args,
                           vk.limits.maxPerStageDescriptorStorageBuffers);
  for (int32_t i = 0; i < num_args; ++i)
    if (arg_bytes[i] < 0 || (uint64_t)arg_bytes[i] > vk.limits.maxStorageBufferRange)
      return dispatch_failed(entry, "buffer %d holds %lld bytes, more than the device's %u", i,
                             (long long)arg_bytes[i], vk.limits.maxStorageBufferRange);

  size_t n = (size_t)num_args + 1;
  bindings b = {calloc(n, sizeof *b.infos), calloc(n, sizeof *b.staged),
                calloc(n, sizeof *b.unaligned), calloc(n, sizeof *b.scalars), 0};
  pthread_mutex_lock(&vk.lock);
  kernel *k = get_kernel(spirv, spirv_bytes, entry, num_args);
  VkResult r = k && b.infos && b.staged && b.unaligned && b.scalars
                   ? VK_SUCCESS
                   : VK_ERROR_OUT_OF_HOST_MEMORY;
  if (r == VK_SUCCESS)
    r = bind_arguments(&b, num_args, args, arg_bytes, arg_kinds);
  if (r == VK_SUCCESS)
    r = record_dispatch(k, b.infos, b.scalars, b.num_scalars, groups);
  /* Written copies go back to the host (download runs the batch); the
   * mirrors of resident buffers now hold the results. */
  for (int32_t i = 0; i < num_args && r == VK_SUCCESS; ++i) {
    int64_t bytes = arg_bytes[i];
    if ((arg_kinds[i] & ~AIOPT_ARG_RESIDENT) != AIOPT_ARG_WRITTEN || bytes == 0)
      continue;
    if (b.staged[i]) {
      r = download(args[i], &pooled(b.staged[i])->b, (size_t)bytes);
      if (b.unaligned[i])
        b.unaligned[i]->state = AIOPT_MIRROR_HOST;
    } else {
      uintptr_t lo = (uintptr_t)args[i];
      aiopt_mirror *m = aiopt_mirror_list_find(&vk.mirrors.list, lo, lo + (uintptr_t)bytes);
      if (m)
        m->state = AIOPT_MIRROR_DEVICE;
    }
  }
  for (int32_t i = 0; b.staged && i < num_args; ++i)
    if (b.staged[i])
      release_buffer(b.staged[i]);
  pthread_mutex_unlock(&vk.lock);
  free(b.infos);
  free(b.staged);
  free(b.unaligned);
  free(b.scalars);
  if (k && r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
    dispatch_failed(entry, "out of device memory (the runtime holds %llu bytes%s)",
                    (unsigned long long)vk.live_bytes,
                    vk.memory_limit ? ", AIOPT_VULKAN_MEMORY_LIMIT" : "");
  else if (k && r != VK_SUCCESS)
    dispatch_failed(entry, "the dispatch failed (VkResult %d)", r);
}

static int by_kernel_time(const void *a, const void *b) {
  const kernel *x = *(kernel *const *)a, *y = *(kernel *const *)b;
  return (x->kernel_ms < y->kernel_ms) - (x->kernel_ms > y->kernel_ms);
}

/* AIOPT_VULKAN_PROFILE: one line per kernel, the most device time first,
 * then the totals and the host's side, on stderr at exit (a destructor, as
 * in the CUDA runtime, for shared libraries too). */
__attribute__((destructor)) static void print_profile(void) {
  if (!vk.profile)
    return;
  size_t n = 0;
  for (kernel *k = vk.kernels; k; k = k->next)
    ++n;
  kernel **list = calloc(n + 1, sizeof *list);
  if (!list)
    return;
  n = 0;
  for (kernel *k = vk.kernels; k; k = k->next)
    list[n++] = k;
  qsort(list, n, sizeof *list, by_kernel_time);
  long long dispatches = 0;
  double device_ms = 0, constant_bytes = 0;
  fprintf(stderr, "aiopt Vulkan profile: %-28s %10s %11s\n", "kernel", "dispatches", "kernel ms");
  for (size_t i = 0; i < n; ++i) {
    fprintf(stderr, "aiopt Vulkan profile: %-28s %10lld %11.3f\n",
            aiopt_gpu_kernel_label(list[i]->entry), list[i]->dispatches, list[i]->kernel_ms);
    dispatches += list[i]->dispatches;
    device_ms += list[i]->kernel_ms;
  }
  for (size_t i = 0; i < vk.constants.count; ++i)
    constant_bytes += (double)vk.constants.items[i].bytes;
  fprintf(stderr, "aiopt Vulkan profile: %-28s %10lld %11.3f\n", "total", dispatches, device_ms);
  fprintf(stderr,
          "aiopt Vulkan profile: %lld batches, %.3f ms submitting and waiting; copies in %.2f MB "
          "in %.3f ms, out %.2f MB in %.3f ms; constants kept on the device: %.2f MB\n",
          vk.batches, vk.wait_ms, vk.bytes_in / 1e6, vk.copy_in_ms, vk.bytes_out / 1e6,
          vk.copy_out_ms, constant_bytes / 1e6);
  free(list);
}
