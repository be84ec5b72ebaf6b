/*===- VulkanRuntime.c - runs the compute kernels of --target=vulkan models ===*\
|*                                                                            *|
|* Models compiled for Vulkan keep their host code on the CPU and call        *|
|* aiopt_vk_dispatch for each kernel: the SPIR-V module embedded in the       *|
|* object, its entry point, the workgroup count and the buffers it uses (see  *|
|* GPURuntime.h; a scalar argument is a buffer of its own).                   *|
|* This file loads the Vulkan loader at run time (dlopen, so programs link    *|
|* and start without one), picks the first device with a compute queue,       *|
|* builds one pipeline and descriptor set per kernel (cached), and runs each  *|
|* dispatch, recorded into one reused command buffer, with its buffers copied *|
|* into device-visible memory (pooled across dispatches; constant buffers     *|
|* copied once and kept) and the written ones copied back.                    *|
|* Errors (no loader, no device, a failed call) fail the model's run          *|
|* with AIOPT_ERROR_DEVICE and a message naming the kernel.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "GPURuntime.h"

void aiopt_vk_dispatch(const void *image, int64_t spirv_bytes, const char *entry,
                       int64_t groups_x, int64_t groups_y, int64_t groups_z, int64_t block_x,
                       int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                       const int64_t *arg_bytes, const int32_t *arg_kinds);

/* The Vulkan functions used, loaded from the instance (I) or device (D). */
#define AIOPT_VK_INSTANCE_FUNCTIONS(X)                                                        \
  X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)          \
  X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkGetPhysicalDeviceMemoryProperties)           \
  X(vkGetPhysicalDeviceFeatures2) X(vkCreateDevice) X(vkGetDeviceProcAddr)
#define AIOPT_VK_DEVICE_FUNCTIONS(X)                                                          \
  X(vkGetDeviceQueue) X(vkCreateCommandPool) X(vkAllocateCommandBuffers)                     \
  X(vkResetCommandBuffer) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdBindPipeline)  \
  X(vkCmdBindDescriptorSets) X(vkCmdDispatch) X(vkQueueSubmit) X(vkCreateFence)               \
  X(vkResetFences) X(vkWaitForFences) X(vkCreateBuffer) X(vkDestroyBuffer)                    \
  X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory)  \
  X(vkMapMemory) X(vkUnmapMemory) X(vkCreateShaderModule) X(vkDestroyShaderModule)            \
  X(vkCreateDescriptorSetLayout) X(vkCreatePipelineLayout) X(vkCreateComputePipelines)        \
  X(vkCreateDescriptorPool) X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets)

#define AIOPT_VK_DECLARE(name) static PFN_##name name;
AIOPT_VK_INSTANCE_FUNCTIONS(AIOPT_VK_DECLARE)
AIOPT_VK_DEVICE_FUNCTIONS(AIOPT_VK_DECLARE)
static PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
static PFN_vkCreateInstance vkCreateInstance;

/* One kernel's pipeline and descriptor set (rewritten by each of its
 * dispatches, which run one at a time), built on its first dispatch. */
typedef struct kernel {
  const uint32_t *spirv;
  const char *entry;
  int32_t num_args;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  VkDescriptorPool pool;
  VkDescriptorSet set;
  struct kernel *next;
} kernel;

/* A host-visible buffer of `bytes` (at least 4) and its mapping. */
typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  void *mapped;
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

static struct {
  pthread_once_t once;
  char init_error[256]; /* non-empty when no device could be set up */
  VkInstance instance;
  VkPhysicalDevice physical;
  VkPhysicalDeviceLimits limits;
  VkPhysicalDeviceMemoryProperties memory;
  VkDevice device;
  VkQueue queue;
  VkCommandPool pool;
  /* The command buffer and fence every dispatch records into and waits
   * on (dispatches are serialized). */
  VkCommandBuffer cmd;
  VkFence fence;
  kernel *kernels;
  /* Buffers reused by later dispatches, and constants copied once. */
  kept_buffers buffers, constants;
  /* Dispatches are serialized: one queue, one command pool. */
  pthread_mutex_t lock;
} vk = {PTHREAD_ONCE_INIT, "", 0};

static void init_failed(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(vk.init_error, sizeof(vk.init_error), fmt, args);
  va_end(args);
}

/* The device features the generated SPIR-V may use (the capabilities in the
 * compiler's target environment), enabled where the device has them: the
 * chain `enabled` -> `f11` -> `f12` for vkCreateDevice. */
static void enable_features(VkPhysicalDeviceFeatures2 *enabled,
                            VkPhysicalDeviceVulkan11Features *f11,
                            VkPhysicalDeviceVulkan12Features *f12) {
  VkPhysicalDeviceVulkan12Features has12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features has11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  has11.pNext = &has12;
  VkPhysicalDeviceFeatures2 has = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  has.pNext = &has11;
  vkGetPhysicalDeviceFeatures2(vk.physical, &has);

  *f12 = (VkPhysicalDeviceVulkan12Features){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12->storageBuffer8BitAccess = has12.storageBuffer8BitAccess;
  f12->shaderInt8 = has12.shaderInt8;
  f12->shaderFloat16 = has12.shaderFloat16;
  *f11 = (VkPhysicalDeviceVulkan11Features){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11->storageBuffer16BitAccess = has11.storageBuffer16BitAccess;
  f11->pNext = f12;
  *enabled = (VkPhysicalDeviceFeatures2){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  enabled->features.shaderInt64 = has.features.shaderInt64;
  enabled->features.shaderInt16 = has.features.shaderInt16;
  enabled->features.shaderFloat64 = has.features.shaderFloat64;
  enabled->pNext = f11;
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
  vkGetPhysicalDeviceMemoryProperties(vk.physical, &vk.memory);

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures2 features;
  VkPhysicalDeviceVulkan11Features f11;
  VkPhysicalDeviceVulkan12Features f12;
  enable_features(&features, &f11, &f12);
  VkDeviceCreateInfo device_info = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.pNext = &features;
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
  if (r == VK_SUCCESS) {
    VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, (uint32_t)num_args};
    VkDescriptorPoolCreateInfo pool_info = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pool_info.maxSets = 1;
    pool_info.poolSizeCount = num_args > 0 ? 1 : 0;
    pool_info.pPoolSizes = &size;
    r = vkCreateDescriptorPool(vk.device, &pool_info, NULL, &k->pool);
  }
  if (r == VK_SUCCESS) {
    VkDescriptorSetAllocateInfo alloc = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = k->pool;
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &k->set_layout;
    r = vkAllocateDescriptorSets(vk.device, &alloc, &k->set);
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

static VkResult create_buffer(int64_t bytes, device_buffer *b) {
  VkBufferCreateInfo info = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = (VkDeviceSize)(bytes < 4 ? 4 : bytes);
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = vkCreateBuffer(vk.device, &info, NULL, &b->buffer);
  if (r != VK_SUCCESS)
    return r;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(vk.device, b->buffer, &req);
  int type = find_memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                      VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type < 0)
    return VK_ERROR_FEATURE_NOT_PRESENT;
  VkMemoryAllocateInfo alloc = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = (uint32_t)type;
  r = vkAllocateMemory(vk.device, &alloc, NULL, &b->memory);
  if (r == VK_SUCCESS)
    r = vkBindBufferMemory(vk.device, b->buffer, b->memory, 0);
  if (r == VK_SUCCESS)
    r = vkMapMemory(vk.device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
  return r;
}

static void destroy_buffer(device_buffer *b) {
  if (b->mapped)
    vkUnmapMemory(vk.device, b->memory);
  if (b->buffer)
    vkDestroyBuffer(vk.device, b->buffer, NULL);
  if (b->memory)
    vkFreeMemory(vk.device, b->memory, NULL);
}

/* Appends `b` to `list`; NULL without host memory. */
static kept_buffer *keep(kept_buffers *list, kept_buffer b) {
  kept_buffer *items = aiopt_gpu_grow(list->items, list->count, &list->capacity, sizeof b);
  if (!items)
    return NULL;
  list->items = items;
  list->items[list->count] = b;
  return &list->items[list->count++];
}

/* A free pooled buffer of at least `bytes` (the smallest, not more than
 * twice as large), else a new one; marked busy. Called with vk.lock held. */
static VkResult take_buffer(int64_t bytes, kept_buffer **out) {
  kept_buffer *best = NULL;
  for (size_t i = 0; i < vk.buffers.count; ++i) {
    kept_buffer *b = &vk.buffers.items[i];
    if (!b->busy && b->bytes >= bytes && b->bytes <= 2 * bytes + 4 &&
        (!best || b->bytes < best->bytes))
      best = b;
  }
  if (!best) {
    kept_buffer fresh = {{0}, bytes, NULL, 0};
    VkResult r = create_buffer(bytes, &fresh.b);
    if (r == VK_SUCCESS && !(best = keep(&vk.buffers, fresh)))
      r = VK_ERROR_OUT_OF_HOST_MEMORY;
    if (r != VK_SUCCESS) {
      destroy_buffer(&fresh.b);
      return r;
    }
  }
  best->busy = 1;
  *out = best;
  return VK_SUCCESS;
}

/* The device copy of the constant buffer `bytes` at `host`, made on first
 * use and kept. Called with vk.lock held. */
static VkResult constant_buffer(const void *host, int64_t bytes, device_buffer *out) {
  for (size_t i = 0; i < vk.constants.count; ++i)
    if (vk.constants.items[i].host == host && vk.constants.items[i].bytes == bytes) {
      *out = vk.constants.items[i].b;
      return VK_SUCCESS;
    }
  kept_buffer fresh = {{0}, bytes, host, 1};
  VkResult r = create_buffer(bytes, &fresh.b);
  if (r == VK_SUCCESS && bytes > 0)
    memcpy(fresh.b.mapped, host, (size_t)bytes);
  if (r == VK_SUCCESS && !keep(&vk.constants, fresh))
    r = VK_ERROR_OUT_OF_HOST_MEMORY;
  if (r != VK_SUCCESS)
    destroy_buffer(&fresh.b);
  *out = fresh.b;
  return r;
}

/* Points `k`'s descriptor set at `buffers` (`bytes` each), records the
 * dispatch into the shared command buffer, runs it and waits for it.
 * Called with vk.lock held. */
static VkResult run_dispatch(kernel *k, device_buffer *buffers, const int64_t *bytes,
                             const uint32_t groups[3]) {
  VkDescriptorBufferInfo *infos = calloc((size_t)k->num_args + 1, sizeof *infos);
  VkWriteDescriptorSet *writes = calloc((size_t)k->num_args + 1, sizeof *writes);
  VkResult r = infos && writes ? VK_SUCCESS : VK_ERROR_OUT_OF_HOST_MEMORY;
  if (r == VK_SUCCESS) {
    for (int32_t i = 0; i < k->num_args; ++i) {
      /* Pooled buffers may be larger: the kernel sees its own size. */
      infos[i].buffer = buffers[i].buffer;
      infos[i].range = (VkDeviceSize)(bytes[i] < 4 ? 4 : bytes[i]);
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = k->set;
      writes[i].dstBinding = (uint32_t)i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(vk.device, (uint32_t)k->num_args, writes, 0, NULL);
    r = vkResetCommandBuffer(vk.cmd, 0);
  }
  if (r == VK_SUCCESS) {
    VkCommandBufferBeginInfo begin = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    r = vkBeginCommandBuffer(vk.cmd, &begin);
  }
  if (r == VK_SUCCESS) {
    vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
    vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->layout, 0, 1, &k->set, 0,
                            NULL);
    vkCmdDispatch(vk.cmd, groups[0], groups[1], groups[2]);
    r = vkEndCommandBuffer(vk.cmd);
  }
  if (r == VK_SUCCESS)
    r = vkResetFences(vk.device, 1, &vk.fence);
  if (r == VK_SUCCESS) {
    VkSubmitInfo submit = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &vk.cmd;
    r = vkQueueSubmit(vk.queue, 1, &submit, vk.fence);
  }
  if (r == VK_SUCCESS)
    r = vkWaitForFences(vk.device, 1, &vk.fence, VK_TRUE, UINT64_MAX);
  free(infos);
  free(writes);
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

  pthread_mutex_lock(&vk.lock);
  kernel *k = get_kernel(spirv, spirv_bytes, entry, num_args);
  device_buffer *buffers = calloc((size_t)num_args + 1, sizeof *buffers);
  kept_buffer **taken = calloc((size_t)num_args + 1, sizeof *taken);
  VkResult r = k && buffers && taken ? VK_SUCCESS : VK_ERROR_OUT_OF_HOST_MEMORY;
  /* Constants (weights) are copied once; the other buffers come from the
   * pool and are copied in. */
  for (int32_t i = 0; i < num_args && r == VK_SUCCESS; ++i) {
    if (arg_kinds[i] == AIOPT_ARG_CONSTANT) {
      r = constant_buffer(args[i], arg_bytes[i], &buffers[i]);
      continue;
    }
    r = take_buffer(arg_bytes[i], &taken[i]);
    if (r != VK_SUCCESS)
      break;
    buffers[i] = taken[i]->b;
    if (arg_bytes[i] > 0)
      memcpy(buffers[i].mapped, args[i], (size_t)arg_bytes[i]);
  }
  if (r == VK_SUCCESS)
    r = run_dispatch(k, buffers, arg_bytes, groups);
  for (int32_t i = 0; i < num_args && r == VK_SUCCESS; ++i)
    if (arg_kinds[i] == AIOPT_ARG_WRITTEN && arg_bytes[i] > 0)
      memcpy(args[i], buffers[i].mapped, (size_t)arg_bytes[i]);
  for (int32_t i = 0; taken && i < num_args; ++i)
    if (taken[i])
      taken[i]->busy = 0;
  free(buffers);
  free(taken);
  pthread_mutex_unlock(&vk.lock);
  if (k && r != VK_SUCCESS)
    dispatch_failed(entry, "the dispatch failed (VkResult %d)", r);
}
