/*===- digits_demo.c - the bundled model through the aiopt C API ----------===*\
|*                                                                            *|
|* Classifies scikit-learn's digits test set with the compiled CNN (linked    *|
|* by CMake's aiopt_add_model), prints a few predictions, the accuracy and    *|
|* the latency. Input file: int32 n, float images[n][1][8][8], int32 labels[n]*|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 199309L
#include "digits_cnn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int argmax(const float *v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best])
      best = i;
  return best;
}

/* Runs the model on `n` images; logits go to `out` (n x 10 floats). */
static int classify(float *images, int32_t n, float *out) {
  aiopt_tensor input = {images, AIOPT_F32, 4, {n, 1, 8, 8}, 0};
  aiopt_tensor logits;
  memset(&logits, 0, sizeof logits);
  logits.data = out;
  logits.capacity = sizeof(float) * 10 * (size_t)n;
  aiopt_status s = digits_cnn_run(&input, &logits);
  if (s != AIOPT_OK) {
    fprintf(stderr, "digits_cnn_run failed (%d): %s\n", s, aiopt_last_error());
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TEST_SET.bin\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  int32_t n = 0;
  if (!f || fread(&n, 4, 1, f) != 1 || n <= 0 || n > 100000) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  float *images = malloc(sizeof(float) * 64 * (size_t)n);
  int32_t *labels = malloc(sizeof(int32_t) * (size_t)n);
  float *logits = malloc(sizeof(float) * 10 * (size_t)n);
  if (fread(images, sizeof(float) * 64, (size_t)n, f) != (size_t)n ||
      fread(labels, sizeof(int32_t), (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "short read from %s\n", argv[1]);
    return 2;
  }
  fclose(f);

  if (classify(images, n, logits))
    return 1;
  int correct = 0;
  for (int32_t i = 0; i < n; ++i)
    correct += argmax(logits + 10 * i, 10) == labels[i];
  printf("model %s: inputs '%s' [batch,1,8,8] -> outputs '%s' [batch,10]\n",
         digits_cnn_model.name, digits_cnn_model.inputs[0].name,
         digits_cnn_model.outputs[0].name);
  for (int i = 0; i < 5 && i < n; ++i) {
    printf("image %d: label %d, predicted %d, logits [", i, labels[i],
           argmax(logits + 10 * i, 10));
    for (int j = 0; j < 10; ++j)
      printf("%s%.2f", j ? " " : "", logits[10 * i + j]);
    printf("]\n");
  }
  printf("aiopt test accuracy: %.4f (%d/%d)\n", (double)correct / n, correct, n);

  /* Latency: one image at a time, and the whole test set as one batch. */
  enum { WARMUP = 50, SINGLE = 1000, BATCH = 30 };
  double *t = malloc(sizeof(double) * SINGLE);
  for (int r = 0; r < WARMUP; ++r)
    classify(images + 64 * (r % n), 1, logits);
  for (int r = 0; r < SINGLE; ++r) {
    double t0 = now_us();
    classify(images + 64 * (r % n), 1, logits);
    t[r] = now_us() - t0;
  }
  qsort(t, SINGLE, sizeof(double), cmp_double);
  printf("aiopt latency, batch 1: median %.1f us, p90 %.1f us (%d runs)\n",
         t[SINGLE / 2], t[SINGLE * 9 / 10], SINGLE);
  for (int r = 0; r < BATCH; ++r) {
    double t0 = now_us();
    classify(images, n, logits);
    t[r] = now_us() - t0;
  }
  qsort(t, BATCH, sizeof(double), cmp_double);
  printf("aiopt latency, batch %d: median %.1f us (%d runs)\n", n, t[BATCH / 2], BATCH);
  free(t);
  free(images);
  free(labels);
  free(logits);
  return 0;
}
