/*===- DeviceMirrors.c - device copies of host memory for the GPU runtimes ===*\
|*                                                                            *|
|* The list of mirrors and what the host-access calls do to it (see          *|
|* DeviceMirrors.h).                                                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "DeviceMirrors.h"

#include "GPURuntime.h"

#include <string.h>

/* The first mirror of `list` that ends after `lo` (list->count if none):
 * where the mirrors overlapping a range from `lo` start. */
static size_t first_after(const aiopt_mirror_list *list, uintptr_t lo) {
  size_t begin = 0, end = list->count;
  while (begin < end) {
    size_t mid = begin + (end - begin) / 2;
    if (list->items[mid].hi <= lo)
      begin = mid + 1;
    else
      end = mid;
  }
  return begin;
}

int aiopt_mirror_list_add(aiopt_mirror_list *list, aiopt_mirror m) {
  aiopt_mirror *items = aiopt_gpu_grow(list->items, list->count, &list->capacity, sizeof m);
  if (!items)
    return 0;
  list->items = items;
  size_t at = first_after(list, m.lo);
  memmove(&items[at + 1], &items[at], (list->count - at) * sizeof m);
  items[at] = m;
  list->count += 1;
  return 1;
}

void aiopt_mirror_list_remove(aiopt_mirror_list *list, size_t i) {
  memmove(&list->items[i], &list->items[i + 1], (list->count - i - 1) * sizeof *list->items);
  list->count -= 1;
}

aiopt_mirror *aiopt_mirror_list_find(const aiopt_mirror_list *list, uintptr_t lo, uintptr_t hi) {
  size_t i = first_after(list, lo);
  if (i < list->count && list->items[i].lo <= lo && hi <= list->items[i].hi)
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
    mirrors->device->give_back(list->items[i].dev, list->items[i].hi - list->items[i].lo);
  aiopt_mirror_list_remove(list, i);
}

/* Drops the mirrors overlapping [lo, hi), whose memory was freed since:
 * their bytes are dead. */
static void drop_overlapping(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi) {
  aiopt_mirror_list *list = &mirrors->list;
  for (size_t i = first_after(list, lo); i < list->count && list->items[i].lo < hi;)
    aiopt_mirrors_drop(mirrors, i);
}

int aiopt_mirrors_add_borrowed(aiopt_mirrors *mirrors, aiopt_mirror m) {
  m.borrowed = 1;
  drop_overlapping(mirrors, m.lo, m.hi);
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
    mirrors->device->give_back(m.dev, hi - lo);
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
  for (size_t i = first_after(list, lo); i < list->count && list->items[i].lo < hi;) {
    aiopt_mirror *m = &list->items[i];
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
  drop_overlapping(mirrors, lo, hi);
  return add_mirror(mirrors, lo, hi, 0);
}

int aiopt_mirrors_access(aiopt_mirrors *mirrors, uintptr_t lo, uintptr_t hi, int mode) {
  if (mode == AIOPT_ACCESS_FRESH)
    return fresh_range(mirrors, lo, hi);
  aiopt_mirror_list *list = &mirrors->list;
  int r = 0;
  for (size_t i = first_after(list, lo); i < list->count && list->items[i].lo < hi && r == 0;) {
    aiopt_mirror *m = &list->items[i];
    if (m->borrowed && (mode == AIOPT_ACCESS_ENTRY || mode == AIOPT_ACCESS_ARGUMENT_OUT)) {
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
