// stream_read.c: the memory-bandwidth limit for scoring, measured on the same bytes the kernel
// scores. bench/scoringKernel.bench.ts compiles it like the kernel (cc -O3 -march=native) and runs
//   stream_read <features file> <threads> <repeats>
// which loads the file into memory, touches it once, then times `repeats` passes in which each of
// `threads` pthreads sums its contiguous share of the bytes with 256-bit loads and the kernel's
// software prefetch (4 KiB ahead): the kernel's own access pattern, minus the arithmetic. Prints one
// JSON line: bytes, threads, best and median seconds per pass, GB/s of the best pass (10^9 B/s).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

typedef struct { const uint8_t *p; size_t n; uint64_t out; } job_t;

static void *sum_bytes(void *arg) {
  job_t *j = arg;
  uint64_t acc = 0;
  size_t i = 0;
#if defined(__AVX2__)
  __m256i a = _mm256_setzero_si256(), b = a;
  for (; i + 64 <= j->n; i += 64) {
    _mm_prefetch((const char *)(j->p + i + 4096), _MM_HINT_T0);
    a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(j->p + i)));
    b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(j->p + i + 32)));
  }
  a = _mm256_add_epi64(a, b);
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, a);
  acc = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
  for (; i < j->n; i++) acc += j->p[i];
  j->out = acc;
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <file> <threads> <repeats>\n", argv[0]);
    return 2;
  }
  int threads = atoi(argv[2]), repeats = atoi(argv[3]);
  if (threads < 1 || threads > 256 || repeats < 1 || repeats > 10000) {
    fprintf(stderr, "threads in [1, 256], repeats in [1, 10000]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  size_t n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = aligned_alloc(64, (n + 63) / 64 * 64);
  if (!buf || fread(buf, 1, n, f) != n) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  fclose(f);
  pthread_t tid[256];
  job_t jobs[256];
  double *secs = malloc(sizeof(double) * (size_t)repeats);
  uint64_t check = 0;
  for (int r = -1; r < repeats; r++) { // r = -1: warm-up pass
    double t0 = now();
    size_t share = (n / (size_t)threads + 63) / 64 * 64;
    for (int t = 0; t < threads; t++) {
      size_t a = share * (size_t)t < n ? share * (size_t)t : n, b = a + share < n ? a + share : n;
      jobs[t] = (job_t){ buf + a, b - a, 0 };
      pthread_create(&tid[t], NULL, sum_bytes, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
      pthread_join(tid[t], NULL);
      check += jobs[t].out;
    }
    if (r >= 0) secs[r] = now() - t0;
  }
  qsort(secs, (size_t)repeats, sizeof(double), by_value);
  printf("{\"bytes\":%zu,\"threads\":%d,\"repeats\":%d,\"bestSeconds\":%.6f,\"medianSeconds\":%.6f,\"gbPerSecond\":%.3f,\"check\":%llu}\n",
         n, threads, repeats, secs[0], secs[repeats / 2], (double)n / secs[0] / 1e9, (unsigned long long)(check & 0xffff));
  free(secs);
  free(buf);
  return 0;
}
