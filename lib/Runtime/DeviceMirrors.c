/*===- DeviceMirrors.c - device copies of host memory for the GPU runtimes ===*\
|*                                                                            *|
|* The list of mirrors and what the host-access calls do to it (see          *|
|* DeviceMirrors.h).                                                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "DeviceMirrors.h"

#include "GPURuntime.h"

int aiopt_mirror_list_add(aiopt_mirror_list *list, aiopt_mirror m) {
  aiopt_mirror *items = aiopt_gpu_grow(list->items, list->count, &list->capacity, sizeof m);
  if (!items)
    return 0;
  list->items = items;
  list->items[list->count++] = m;
  return 1;
}

aiopt_mirror *aiopt_mirror_list_find(const aiopt_mirror_list *list, uintptr_t lo, uintptr_t hi) {
  for (size_t i = 0; i < list->count; ++i)
    if (list->items[i].lo <= lo && hi <= list->items[i].hi)
      return &list->items[i];
  return NULL;
}

int aiopt_mirrors_to_host(aiopt_mirrors *mirrors, aiopt_mirror *m) {
  if (m->state != AIOPT_MIRROR_DEVICE)
    return 0;
  int r = mirrors->device->to_host((void *)m->lo, m->dev, m->hi - m->lo);
  if (r == 0)
    m->state = AIOPT_MIRROR_BOTH;
  return r;
}

void aiopt_mirrors_drop(aiopt_mirrors *mirrors, size_t i) {
  aiopt_mirror_list *list = &mirrors->list;
  if (!list->items[i].borrowed)
    mirrors->device->give_back(list->items[i].dev);
  list->items[i] = list->items[--list->count];
}

int aiopt_mirrors_add_borrowed(aiopt_mirrors *mirrors, aiopt_mirror m) {
  m.borrowed = 1;
  return aiopt_mirror_list_add(&mirrors->list, m);
}

/* A new mirror of [lo, hi), given the host's bytes (`copy`) or none (the
 * memory was just allocated). */
static int add_mirror(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, int copy) {
  aiopt_mirror m = {lo, hi, 0, AIOPT_MIRROR_BOTH, 0};
  int r = mirrors->device->take(hi - lo, &m.dev);
  if (r != 0)
    return r;
  if (copy)
    r = mirrors->device->to_device(m.dev, (const void *)lo, hi - lo);
  if (r == 0 && !aiopt_mirror_list_add(&mirrors->list, m))
    r = mirrors->device->out_of_memory;
  if (r != 0)
    mirrors->device->give_back(m.dev);
  return r;
}

int aiopt_mirrors_resident(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, double *copied) {
  aiopt_mirror_list *list = &mirrors->list;
  aiopt_mirror *held = aiopt_mirror_list_find(list, lo, hi);
  if (held) {
    if (held->state != AIOPT_MIRROR_HOST)
      return 0;
    int r = mirrors->device->to_device(held->dev, (const void *)held->lo, held->hi - held->lo);
    if (r == 0)
      held->state = AIOPT_MIRROR_BOTH;
    *copied += (double)(held->hi - held->lo);
    return r;
  }
  uintptr_t new_lo = lo, new_hi = hi;
  for (size_t i = 0; i < list->count;) {
    aiopt_mirror *m = &list->items[i];
    if (m->hi <= lo || m->lo >= hi) {
      ++i;
      continue;
    }
    int r = aiopt_mirrors_to_host(mirrors, m);
    if (r != 0)
      return r;
    new_lo = m->lo < new_lo ? m->lo : new_lo;
    new_hi = m->hi > new_hi ? m->hi : new_hi;
    aiopt_mirrors_drop(mirrors, i);
  }
  *copied += (double)(new_hi - new_lo);
  return add_mirror(mirrors, new_lo, new_hi, 1);
}

/* A mirror of [lo, hi) with no copy: the memory was just allocated, its
 * contents undefined on both sides. Mirrors it overlaps (of memory freed
 * since) go. */
static int fresh_range(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi) {
  aiopt_mirror_list *list = &mirrors->list;
  for (size_t i = 0; i < list->count;)
    if (list->items[i].hi <= lo || list->items[i].lo >= hi)
      ++i;
    else
      aiopt_mirrors_drop(mirrors, i);
  return add_mirror(mirrors, lo, hi, 0);
}

int aiopt_mirrors_access(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, int mode) {
  if (mode == AIOPT_ACCESS_FRESH)
    return fresh_range(mirrors, lo, hi);
  aiopt_mirror_list *list = &mirrors->list;
  int r = 0;
  for (size_t i = 0; i < list->count && r == 0;) {
    aiopt_mirror *m = &list->items[i];
    if (m->hi <= lo || m->lo >= hi ||
        (m->borrowed && (mode == AIOPT_ACCESS_ENTRY || mode == AIOPT_ACCESS_ARGUMENT_OUT))) {
      ++i;
      continue;
    }
    if (mode == AIOPT_ACCESS_HOST_WROTE || mode == AIOPT_ACCESS_ENTRY) {
      m->state = AIOPT_MIRROR_HOST;
      ++i;
      continue;
    }
    if (mode == AIOPT_ACCESS_FORGET && lo <= m->lo && m->hi <= hi) {
      aiopt_mirrors_drop(mirrors, i);
      continue;
    }
    r = aiopt_mirrors_to_host(mirrors, m);
    if (r == 0 && (mode == AIOPT_ACCESS_FORGET || mode == AIOPT_ACCESS_ARGUMENT_OUT ||
                   mode == AIOPT_ACCESS_RESULT))
      aiopt_mirrors_drop(mirrors, i);
    else
      ++i;
  }
  return r;
}
