/*
 * field_check: checks the Montgomery product that the provers use (mont_mul_adx where the CPU has
 * mulx/adcx/adox) against the portable __int128 one, on edge values (0, 1, p - 1, p - 2, R, R^2
 * mod p) and pseudo-random reduced values, for Fq and Fr, in place and not; then prints the rate of
 * each (latency: a chain of dependent products; throughput: 8 independent chains).
 *   field_check [count]     stdout: one JSON line; exit 1 on the first mismatch (named on stderr)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "field.h"

static u64 rng = 88172645463325252ULL;
static u64 next_random(void) { /* xorshift64: reproducible, and enough to reach every limb pattern */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static double cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

#define DEFINE_CHECK(F)                                                                           \
  static int F##_check(long count) {                                                              \
    F edge[6] = {{{0}}};                                                                          \
    edge[1].v[0] = 1;                                                                             \
    edge[2] = F##_P;                                                                              \
    edge[2].v[0] -= 1;                                                                            \
    edge[3] = F##_P;                                                                              \
    edge[3].v[0] -= 2;                                                                            \
    edge[4] = F##_ONE;                                                                            \
    edge[5] = F##_R2;                                                                             \
    for (long i = 0; i < count; i++) {                                                            \
      F a, b, x, y;                                                                               \
      if (i < 36) {                                                                               \
        a = edge[i % 6];                                                                          \
        b = edge[i / 6];                                                                          \
      } else {                                                                                    \
        for (int k = 0; k < 4; k++) a.v[k] = next_random(), b.v[k] = next_random();               \
        a.v[3] >>= 2; /* below 2^254, then reduced */                                             \
        b.v[3] >>= 2;                                                                             \
        while (F##_geq_p(a.v)) F##_sub_p(a.v);                                                    \
        while (F##_geq_p(b.v)) F##_sub_p(b.v);                                                    \
      }                                                                                           \
      F##_mul(&x, &a, &b);                                                                        \
      F##_mul_c(&y, &a, &b);                                                                      \
      if (!F##_eq(&x, &y) || F##_geq_p(x.v)) {                                                    \
        fprintf(stderr, "field_check: " #F " product %ld differs from the portable one\n", i);    \
        return 0;                                                                                 \
      }                                                                                           \
      x = a;                                                                                      \
      F##_mul(&x, &x, &x);                                                                        \
      F##_mul_c(&y, &a, &a);                                                                      \
      if (!F##_eq(&x, &y)) {                                                                      \
        fprintf(stderr, "field_check: " #F " square %ld in place differs\n", i);                  \
        return 0;                                                                                 \
      }                                                                                           \
    }                                                                                             \
    return 1;                                                                                     \
  }

DEFINE_CHECK(fq)
DEFINE_CHECK(fr)

typedef void (*mul_fn)(fq *, const fq *, const fq *);
/* ns per product: a dependent chain (latency) and 8 independent ones (throughput). */
static void rate(mul_fn mul, double *latency, double *throughput) {
  const long N = 4000000;
  fq a = fq_R2, b = fq_R2, c[8];
  for (int k = 0; k < 8; k++) c[k] = a, c[k].v[0] += (u64)k;
  double t = cpu_ns();
  for (long i = 0; i < N; i++) mul(&a, &a, &b);
  *latency = (cpu_ns() - t) / N;
  t = cpu_ns();
  for (long i = 0; i < N / 8; i++)
    for (int k = 0; k < 8; k++) mul(&c[k], &c[k], &b);
  *throughput = (cpu_ns() - t) / N;
  volatile u64 sink = a.v[0] ^ c[3].v[1];
  (void)sink;
}
static void fq_mul_fn(fq *o, const fq *a, const fq *b) { fq_mul(o, a, b); }
static void fq_mul_c_fn(fq *o, const fq *a, const fq *b) { fq_mul_c(o, a, b); }

int main(int argc, char **argv) {
  long count = argc > 1 ? atol(argv[1]) : 1000000;
  if (!fq_init() || !fr_init()) { fprintf(stderr, "field_check: a Montgomery constant is wrong\n"); return 1; }
  if (!fq_check(count) || !fr_check(count)) return 1;
  double lat, thr, latC, thrC;
  rate(fq_mul_fn, &lat, &thr);
  rate(fq_mul_c_fn, &latC, &thrC);
  printf("{\"adx\":%d,\"checked\":%ld,\"fqMulNs\":{\"latency\":%.2f,\"throughput\":%.2f},\"fqMulPortableNs\":{\"latency\":%.2f,\"throughput\":%.2f}}\n", POA_FIELD_ADX, count, lat, thr, latC, thrC);
  return 0;
}
