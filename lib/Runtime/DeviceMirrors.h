/*===- DeviceMirrors.h - device copies of host memory for the GPU runtimes ===*\
|*                                                                            *|
|* The host code of a GPU model keeps the buffers its kernels use on the     *|
|* device between launches (aiopt-gpu-device-residency): each runtime keeps  *|
|* a list of mirrors, device copies of host ranges, and says which side      *|
|* holds their current bytes. The host code calls the runtime's host-access  *|
|* function around its own reads and writes (aiopt_cuda_host_access,         *|
|* aiopt_vk_host_access), which hands the calls to aiopt_mirrors_access.      *|
|* The runtime supplies its device memory and copies (aiopt_mirror_device);  *|
|* this file keeps the list. Private to lib/Runtime; not thread safe (the    *|
|* runtimes call it under their lock).                                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef AIOPT_RUNTIME_DEVICEMIRRORS_H
#define AIOPT_RUNTIME_DEVICEMIRRORS_H

#include <stddef.h>
#include <stdint.h>

/* Each GPU runtime archive holds a copy (see lib/Runtime/CMakeLists.txt). */
#define AIOPT_MIRRORS_HIDDEN __attribute__((visibility("hidden")))

/* Which side holds the current bytes of a mirror. */
enum { AIOPT_MIRROR_HOST = 0, AIOPT_MIRROR_BOTH = 1, AIOPT_MIRROR_DEVICE = 2 };

/* The host-access calls' modes, as aiopt-gpu-device-residency emits them:
 *   BEFORE (0): the host is about to read or write the range: its host
 *     bytes are brought up to date;
 *   HOST_WROTE (1): the host wrote it: the device copy is stale;
 *   FORGET (2): the memory is about to be freed: the mirror goes without a
 *     copy, its bytes being dead (a mirror reaching past the range, merged
 *     with other memory, is copied back first);
 *   FRESH (3): the memory was just allocated: a mirror without a copy;
 *   ENTRY (4): the model's argument at its entry: as HOST_WROTE, except
 *     for a borrowed mirror (a device input), which is current;
 *   ARGUMENT_OUT (5): an argument before the model returns: as BEFORE
 *     then FORGET (the caller's array may never come back, and the next
 *     run copies it in anyway), except for a borrowed mirror, which the
 *     kernels wrote in place;
 *   RESULT (6): a buffer the model returns: as BEFORE then FORGET (the
 *     runtime may keep it on the device first, for device outputs). */
enum {
  AIOPT_ACCESS_BEFORE = 0,
  AIOPT_ACCESS_HOST_WROTE = 1,
  AIOPT_ACCESS_FORGET = 2,
  AIOPT_ACCESS_FRESH = 3,
  AIOPT_ACCESS_ENTRY = 4,
  AIOPT_ACCESS_ARGUMENT_OUT = 5,
  AIOPT_ACCESS_RESULT = 6,
};

/* The device copy `dev` (the runtime's handle: a device address, a buffer)
 * of the host bytes [lo, hi). A borrowed mirror's device memory is the
 * caller's (a device input of aiopt_run_on), not the runtime's pool. */
typedef struct aiopt_mirror {
  uintptr_t lo, hi;
  uint64_t dev;
  int state;
  int borrowed;
} aiopt_mirror;

/* A list's mirrors never overlap and are kept in address order, so that a
 * range's mirrors are found by bisection: a model's host code makes a few
 * host-access calls per buffer and its launches look up each argument,
 * with hundreds of buffers alive (BERT-base). */
typedef struct aiopt_mirror_list {
  aiopt_mirror *items;
  size_t count, capacity;
} aiopt_mirror_list;

/* A runtime's device memory: each function returns 0 or the runtime's
 * error code (a CUresult, a VkResult). Copies cover whole mirrors. */
typedef struct aiopt_mirror_device {
  int (*take)(size_t bytes, uint64_t *dev); /* from the runtime's pool */
  void (*give_back)(uint64_t dev, size_t bytes); /* bytes: as taken */
  int (*to_device)(uint64_t dev, const void *host, size_t bytes);
  int (*to_host)(void *host, uint64_t dev, size_t bytes);
  int out_of_memory; /* the error code for a lack of host memory */
} aiopt_mirror_device;

typedef struct aiopt_mirrors {
  aiopt_mirror_list list;
  const aiopt_mirror_device *device;
} aiopt_mirrors;

/* Adds `m` (overlapping none of `list`) to `list`; 0 without host memory. */
AIOPT_MIRRORS_HIDDEN int aiopt_mirror_list_add(aiopt_mirror_list *list, aiopt_mirror m);

/* Removes mirror `i` of `list` (the later ones move down one). */
AIOPT_MIRRORS_HIDDEN void aiopt_mirror_list_remove(aiopt_mirror_list *list, size_t i);

/* The mirror of `list` holding all of [lo, hi), or NULL. */
AIOPT_MIRRORS_HIDDEN aiopt_mirror *aiopt_mirror_list_find(const aiopt_mirror_list *list, uintptr_t lo, uintptr_t hi);

/* Brings the host bytes of `m` up to date. */
AIOPT_MIRRORS_HIDDEN int aiopt_mirrors_to_host(aiopt_mirrors *mirrors, aiopt_mirror *m);

/* Drops mirror `i` (its host bytes must be current), giving its device
 * memory back unless borrowed. */
AIOPT_MIRRORS_HIDDEN void aiopt_mirrors_drop(aiopt_mirrors *mirrors, size_t i);

/* Adds `m` (a borrowed mirror) to the list, dropping the mirrors of freed
 * memory it overlaps; 0 without host memory. */
AIOPT_MIRRORS_HIDDEN int aiopt_mirrors_add_borrowed(aiopt_mirrors *mirrors, aiopt_mirror m);

/* Makes a mirror hold [lo, hi) with current device bytes: the one that
 * holds it, else a new one merging the mirrors it overlaps (whose host
 * bytes are first brought up to date). Adds the bytes copied to the device
 * to `*copied`. A later call may merge that mirror into another: find
 * the mirrors of a launch's buffers once all of them are resident. */
AIOPT_MIRRORS_HIDDEN int aiopt_mirrors_resident(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, double *copied);

/* The host-access call `mode` on [lo, hi) (lo 0 and hi UINTPTR_MAX: all
 * memory), after whatever the runtime does first (waiting for its
 * kernels, keeping a result on the device). */
AIOPT_MIRRORS_HIDDEN int aiopt_mirrors_access(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, int mode);

#endif /* AIOPT_RUNTIME_DEVICEMIRRORS_H */
