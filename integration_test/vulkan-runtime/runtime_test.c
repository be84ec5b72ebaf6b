/* Drives the Vulkan runtime's host-access calls and resident dispatches
 * directly, with the kernel y = 2x + 1 over 256 floats (affine.mlir),
 * and checks what the host sees: results stay on the device until the
 * host asks for them, host writes reach the next dispatch, and buffers
 * bound at an offset (aligned, or not: then passed as a copy) read and
 * write the right elements. Prints "ok <case>" per case; exits 1 on the
 * first wrong value or runtime error.
 *
 * With a second argument, `trim` (run with AIOPT_VULKAN_MEMORY_LIMIT=7168):
 * copying dispatches take pooled buffers of their arguments' sizes, 1 KB
 * ones and then 3 KB ones, which fit only once the idle 1 KB ones are
 * destroyed; a 3 KB constant (kept) fits once the idle 3 KB ones are; then
 * 4 KB ones, of which the second cannot fit (an error). */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aiopt_vk_dispatch(const void *image, int64_t spirv_bytes, const char *entry,
                       int64_t groups_x, int64_t groups_y, int64_t groups_z, int64_t block_x,
                       int64_t block_y, int64_t block_z, int32_t num_args, void *const *args,
                       const int64_t *arg_bytes, const int32_t *arg_kinds);
void aiopt_vk_host_access(uintptr_t ptr, int64_t bytes, int32_t mode);

/* The runtime reports errors to aiopt_run's; here they end the test. */
void aiopt_rt_device_error(const char *message);
void aiopt_rt_device_error(const char *message) {
  printf("runtime error: %s\n", message);
  exit(1);
}

enum { N = 256, BYTES = N * 4, READ = 0, WRITTEN = 1, CONSTANT = 4, RESIDENT = 8 };
enum { BEFORE = 0, HOST_WROTE = 1, FORGET = 2, FRESH = 3 };

static uint32_t *spirv;
static long spirv_bytes;

static void affine(float *x, float *y) {
  void *args[2] = {x, y};
  int64_t bytes[2] = {BYTES, BYTES};
  int32_t kinds[2] = {READ | RESIDENT, WRITTEN | RESIDENT};
  aiopt_vk_dispatch(spirv, spirv_bytes, "affine_kernel\0affine_kernel", 4, 1, 1, 64, 1, 1, 2,
                    args, bytes, kinds);
}

/* The same kernel, copying (not resident) buffers of `bytes` each, x
 * read as a constant buffer with `constant`. */
static void affine_copying(float *x, float *y, int64_t bytes, int constant) {
  void *args[2] = {x, y};
  int64_t sizes[2] = {bytes, bytes};
  int32_t kinds[2] = {constant ? CONSTANT : READ, WRITTEN};
  aiopt_vk_dispatch(spirv, spirv_bytes, "affine_kernel\0affine_kernel", 4, 1, 1, 64, 1, 1, 2,
                    args, sizes, kinds);
}

static void host_access(void *p, int64_t bytes, int mode) {
  aiopt_vk_host_access((uintptr_t)p, bytes, mode);
}

/* Checks that y[i] == a * i + b for i in [0, n). */
static void expect(const char *what, const float *y, int n, float a, float b) {
  for (int i = 0; i < n; ++i)
    if (y[i] != a * (float)i + b) {
      printf("%s: element %d is %g, expected %g\n", what, i, y[i], a * (float)i + b);
      exit(1);
    }
}

int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!f)
    return printf("usage: runtime_test KERNEL.spv\n"), 1;
  fseek(f, 0, SEEK_END);
  spirv_bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  spirv = malloc((size_t)spirv_bytes);
  if (fread(spirv, 1, (size_t)spirv_bytes, f) != (size_t)spirv_bytes)
    return printf("cannot read %s\n", argv[1]), 1;
  fclose(f);

  if (argc > 2 && strcmp(argv[2], "trim") == 0) {
    float *a = malloc(4 * BYTES), *b = malloc(4 * BYTES);
    for (int i = 0; i < 4 * N; ++i)
      a[i] = (float)i, b[i] = -7;
    affine_copying(a, b, BYTES, 0);
    expect("1 KB buffers", b, N, 2, 1);
    affine_copying(a, b, 3 * BYTES, 0);
    expect("3 KB buffers", b, N, 2, 1);
    expect("3 KB buffers, past the kernel's", b + N, 2 * N, 0, -7);
    for (int i = 0; i < N; ++i)
      b[i] = -7;
    affine_copying(a, b, 3 * BYTES, 1);
    expect("a 3 KB constant", b, N, 2, 1);
    printf("ok trim\n");
    fflush(stdout);
    affine_copying(a, b, 4 * BYTES, 0);
    printf("4 KB buffers fitted\n");
    return 0;
  }

  float *x = malloc(BYTES), *y = malloc(BYTES), *z = malloc(BYTES);
  for (int i = 0; i < N; ++i)
    x[i] = (float)i, y[i] = z[i] = -7;
  host_access(y, BYTES, FRESH);
  host_access(z, BYTES, FRESH);
  /* Two dispatches in a row: the second reads the first's result on the
   * device; neither result comes back until asked for. */
  affine(x, y);
  affine(y, z);
  expect("y before access", y, N, 0, -7);
  expect("z before access", z, N, 0, -7);
  host_access(z, BYTES, BEFORE);
  expect("z", z, N, 4, 3);
  expect("y still on the device", y, N, 0, -7);
  host_access(y, BYTES, BEFORE);
  expect("y", y, N, 2, 1);
  printf("ok resident chain\n");

  /* The host writes x: the next dispatch reads the new values. */
  for (int i = 0; i < N; ++i)
    x[i] = (float)-i;
  host_access(x, BYTES, HOST_WROTE);
  affine(x, y);
  host_access(y, BYTES, BEFORE);
  expect("y after the host wrote x", y, N, -2, 1);
  printf("ok host write\n");

  /* Views of one mirror of N + 8 floats: at 16 bytes (a multiple of
   * every device's storage buffer offset alignment up to 16: bound at
   * the offset) and at 4 bytes (passed as a copy unless the device binds
   * any multiple of 4). */
  float *big = malloc(BYTES + 32);
  host_access(big, BYTES + 32, FRESH);
  for (int i = 0; i < N + 8; ++i)
    big[i] = (float)(i - 4);
  host_access(big, BYTES + 32, HOST_WROTE);
  affine(big + 4, y); /* big[4 + i] = i */
  host_access(y, BYTES, BEFORE);
  expect("read at 16 bytes", y, N, 2, 1);
  affine(big + 1, y); /* big[1 + i] = i - 3 */
  host_access(y, BYTES, BEFORE);
  expect("read at 4 bytes", y, N, 2, -5);
  affine(x, big + 4); /* big[4 + i] = -2i + 1 */
  affine(x, big + 1); /* big[1 + i] = -2i + 1, over the last one's first 3 */
  host_access(big, BYTES + 32, BEFORE);
  expect("big's head", big, 1, 0, -4);
  expect("written at 4 bytes", big + 1, N, -2, 1);
  expect("written at 16 bytes, tail", big + 1 + N, 3, -2, 7 - 2.0f * N);
  expect("big's tail", big + 4 + N, 4, 1, (float)N);
  printf("ok offsets\n");

  /* A freed buffer's mirror goes; a new allocation at the same address
   * gets a fresh one. */
  host_access(z, BYTES, FORGET);
  host_access(z, BYTES, FRESH);
  affine(x, z);
  host_access(z, BYTES, BEFORE);
  expect("z after a new mirror", z, N, -2, 1);
  printf("ok forget\n");
  return 0;
}
