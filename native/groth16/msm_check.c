/*
 * msm_check: checks the G1 multi-scalar multiplication of the prover (msm.h) against a sum of
 * double-and-add products, for every window width 2..14 and 1..3 threads, on 700 multiples of the
 * generator with edge scalars: 0, 1, 2, r - 1, r - 2, 2^k - 1 (all-ones digits, whose top window
 * meets a carry), 2^k, small and random ones; with an infinite base, repeated bases (the batch's
 * doubling case) and a base next to its negation (the cancelling case).
 *   msm_check     stdout: one JSON line; exit 1 on the first mismatch (named on stderr)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "field.h"

#define fq_ONE_VALUE fq_ONE
#define G g1
#define F fq
#define F_ fq
#include "group.h"
#include "msm.h"
#undef G
#undef F
#undef F_

#define N 700

static u64 rng = 0x9e3779b97f4a7c15ULL;
static u64 next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int same_point(const g1_jac *a, const g1_jac *b) {
  g1_affine x, y;
  g1_to_affine(&x, a);
  g1_to_affine(&y, b);
  return fq_eq(&x.x, &y.x) && fq_eq(&x.y, &y.y);
}

/* The MSM of the first n points for every width and 1..3 threads against the sum of products;
 * the number of MSMs checked, or -1 on the first mismatch. */
static int check_set(const char *name, const g1_affine *bases, const u64 (*scalars)[4]) {
  int checked = 0;
  g1_jac want;
  g1_set_inf(&want);
  for (int i = 0; i < N; i++) {
    g1_jac p, q;
    g1_from_affine(&p, &bases[i]);
    g1_mul_scalar(&q, &p, scalars[i]);
    g1_add(&want, &want, &q);
  }
  for (int c = 0; c <= 14; c++) {
    if (c == 1) continue;
    msm_force_c = c; /* 0: the cost model's width */
    for (int threads = 1; threads <= 3; threads++) {
      for (size_t n = N - 3; n <= N; n += 3) { /* a suffix of points changes which windows stall */
        g1_jac got, expect = want;
        g1_msm(&got, bases, (const uint8_t *)scalars, n, threads);
        for (size_t i = n; i < N; i++) {
          g1_jac p, q;
          g1_from_affine(&p, &bases[i]);
          g1_mul_scalar(&q, &p, scalars[i]);
          fq_neg(&q.Y, &q.Y);
          g1_add(&expect, &expect, &q);
        }
        if (!same_point(&got, &expect)) {
          fprintf(stderr, "msm_check: %s scalars, window width %d (0: the model's), %d threads, %zu points: the MSM differs from the sum of products\n", name, c, threads, n);
          return -1;
        }
        checked++;
      }
    }
  }
  return checked;
}

int main(void) {
  if (!fq_init() || !fr_init()) { fprintf(stderr, "msm_check: a Montgomery constant is wrong\n"); return 1; }
  static g1_affine bases[N];
  static u64 scalars[N][4];
  fq one = {{1, 0, 0, 0}}, two = {{2, 0, 0, 0}};
  g1_jac gen, acc;
  fq_to_mont(&gen.X, &one);
  fq_to_mont(&gen.Y, &two);
  gen.Z = fq_ONE;
  acc = gen;
  for (int i = 0; i < N; i++) { /* bases[i] = (i + 1) G */
    g1_to_affine(&bases[i], &acc);
    g1_add(&acc, &acc, &gen);
  }
  memset(&bases[5], 0, sizeof bases[5]); /* infinity */
  bases[7] = bases[6];                   /* repeated */
  bases[9] = bases[8];
  fq_neg(&bases[9].y, &bases[9].y); /* the negation of bases[8] */
  for (int i = 0; i < N; i++) {
    u64 *k = scalars[i];
    memset(k, 0, 32);
    int kind = i % 10;
    if (i < 10 || kind == 0) { /* random below r */
      for (int l = 0; l < 4; l++) k[l] = next_random();
      k[3] >>= 2;
      while (fr_geq_p(k)) fr_sub_p(k);
    } else if (kind == 1) { /* 2^b - 1: every digit all ones */
      int b = 1 + (int)(next_random() % 253);
      for (int l = 0; l < 4; l++) k[l] = b >= 64 * (l + 1) ? ~0ULL : b > 64 * l ? (1ULL << (b - 64 * l)) - 1 : 0;
    } else if (kind == 2) {
      int b = (int)(next_random() % 253);
      k[b / 64] = 1ULL << (b % 64);
    } else if (kind == 3) { /* r - 1 - small */
      memcpy(k, fr_P.v, 32);
      k[0] -= 1 + next_random() % 3;
    } else if (kind == 4) {
      k[0] = next_random() % 3; /* 0, 1, 2 */
    } else if (kind == 5) {
      k[0] = next_random() & 0xffff;
    } else {
      for (int l = 0; l < 4; l++) k[l] = next_random();
      k[3] &= 0x0fffffffffffffffULL; /* below 2^252 < r */
    }
  }
  memset(scalars[6], 0, 32); /* bases[6] = bases[7]: make the pair land in one bucket */
  scalars[6][0] = 12345;
  scalars[7][0] = 12345;
  scalars[8][0] = 777; /* bases[8] + bases[9] = infinity in one bucket */
  scalars[9][0] = 777;

  int wide = check_set("wide", bases, (const u64(*)[4])scalars);
  if (wide < 0) return 1;
  /* Narrow scalars, all below 2^64 and some 2^64 - 1: with widths where windows * c = 65 (5, 13),
   * the top window holds c - 1 ones and receives a carry, the digit 2^(c-1). */
  for (int i = 0; i < N; i++) {
    memset(scalars[i], 0, 32);
    scalars[i][0] = i % 4 == 1 ? ~0ULL : next_random();
  }
  int narrow = check_set("narrow", bases, (const u64(*)[4])scalars);
  if (narrow < 0) return 1;
  printf("{\"msmsChecked\":%d,\"points\":%d}\n", wide + narrow, N);
  return 0;
}
