// poseidon_tree: circomlib-compatible Poseidon(2) over BN254 and fixed-depth Merkle levels, in C.
//
// Why: the WebAssembly Poseidon costs ~45 us per hash here; a 2^20-leaf tree is a million hashes.
// This is plain 4x64-bit Montgomery arithmetic (unsigned __int128, no assembly), threaded with
// pthreads over the nodes of a level. prover/merkle/nativeHasher.ts compiles it on first use and
// checks it against the JS Poseidon before trusting it.
//
// Protocol (stdin -> stdout, all integers little-endian u32, field elements 32-byte big-endian):
//   request header: mode, depth, count, threads
//   mode 1 (pairs):  count pairs (a, b)            -> count hashes Poseidon(a, b)
//   mode 2 (tree):   count >= 1 leaves, depth >= 1 -> levels 1..depth, level l+1 holding
//                    ceil(len_l / 2) nodes, node i = Poseidon(level_l[2i], level_l[2i+1] or zero_l)
// Inputs must be below p (the caller checks); the program exits non-zero on a short read.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constants.h"

typedef unsigned __int128 u128;
typedef struct { uint64_t v[4]; } fe;

// Round constants and matrices in Montgomery form, converted once at start-up.
static fe OC[sizeof OPT_C / sizeof OPT_C[0]];
static fe OS[sizeof OPT_S / sizeof OPT_S[0]];
static fe OM[3][3], OP[3][3];

// a >= p ? a - p : a, for a < 2p (a fits 256 bits plus `hi`).
static inline void reduce_once(fe *a, uint64_t hi) {
  uint64_t d[4];
  u128 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 s = (u128)a->v[i] - FR_P[i] - (uint64_t)borrow;
    d[i] = (uint64_t)s;
    borrow = (s >> 64) & 1;
  }
  if (hi || !borrow) memcpy(a->v, d, sizeof d);
}

static inline void fe_add(fe *r, const fe *a, const fe *b) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c = (u128)a->v[i] + b->v[i] + (uint64_t)(c >> 64);
    r->v[i] = (uint64_t)c;
  }
  reduce_once(r, (uint64_t)(c >> 64));
}

// Montgomery product a * b / 2^256 mod p (CIOS). Each partial sum is at most (2^64-1)^2 + 2(2^64-1) < 2^128.
static inline void fe_mul(fe *r, const fe *a, const fe *b) {
  uint64_t t[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    u128 c = 0;
    for (int j = 0; j < 4; j++) {
      c = (u128)a->v[j] * b->v[i] + t[j] + (uint64_t)(c >> 64);
      t[j] = (uint64_t)c;
    }
    c = (u128)t[4] + (uint64_t)(c >> 64);
    t[4] = (uint64_t)c;
    t[5] = (uint64_t)(c >> 64);
    uint64_t m = t[0] * FR_PINV;
    c = (u128)m * FR_P[0] + t[0];
    for (int j = 1; j < 4; j++) {
      c = (u128)m * FR_P[j] + t[j] + (uint64_t)(c >> 64);
      t[j - 1] = (uint64_t)c;
    }
    c = (u128)t[4] + (uint64_t)(c >> 64);
    t[3] = (uint64_t)c;
    t[4] = t[5] + (uint64_t)(c >> 64);
  }
  memcpy(r->v, t, 4 * sizeof(uint64_t));
  reduce_once(r, t[4]);
}

static inline void pow5(fe *a) {
  fe s;
  fe_mul(&s, a, a);
  fe_mul(&s, &s, &s);
  fe_mul(a, a, &s);
}

static void to_mont(fe *r, const uint64_t plain[4]) {
  fe a, r2;
  memcpy(a.v, plain, sizeof a.v);
  memcpy(r2.v, FR_R2, sizeof r2.v);
  fe_mul(r, &a, &r2);
}

static void from_mont(fe *r, const fe *a) {
  fe one = {{1, 0, 0, 0}};
  fe_mul(r, a, &one);
}

// circomlib Poseidon with t = 3, in the optimised form of circomlibjs/src/poseidon_opt.js (from
// filecoin's neptune): the 57 partial rounds use a sparse matrix, 5 products instead of 9, which
// cuts the products per hash from about 830 to 600 with the same output (checked against the
// WebAssembly Poseidon by prover/merkle/nativeHasher.ts before use).
static inline void full_mix(fe s[3], fe (*mat)[3]) {
  fe n[3];
  for (int i = 0; i < 3; i++) {
    fe acc, prod;
    fe_mul(&acc, &mat[0][i], &s[0]);
    fe_mul(&prod, &mat[1][i], &s[1]);
    fe_add(&acc, &acc, &prod);
    fe_mul(&prod, &mat[2][i], &s[2]);
    fe_add(&n[i], &acc, &prod);
  }
  memcpy(s, n, sizeof n);
}

static void poseidon2(fe *out, const fe *a, const fe *b) {
  enum { T = 3, HALF_F = 4 };
  fe s[3] = {{{0, 0, 0, 0}}, *a, *b};
  for (int i = 0; i < T; i++) fe_add(&s[i], &s[i], &OC[i]);
  for (int r = 0; r < HALF_F - 1; r++) {
    for (int i = 0; i < T; i++) pow5(&s[i]);
    for (int i = 0; i < T; i++) fe_add(&s[i], &s[i], &OC[(r + 1) * T + i]);
    full_mix(s, OM);
  }
  for (int i = 0; i < T; i++) pow5(&s[i]);
  for (int i = 0; i < T; i++) fe_add(&s[i], &s[i], &OC[HALF_F * T + i]);
  full_mix(s, OP);
  for (int r = 0; r < OPT_PARTIAL_ROUNDS; r++) {
    pow5(&s[0]);
    fe_add(&s[0], &s[0], &OC[(HALF_F + 1) * T + r]);
    const fe *row = &OS[(2 * T - 1) * r];
    fe s0, prod;
    fe_mul(&s0, &row[0], &s[0]);
    fe_mul(&prod, &row[1], &s[1]);
    fe_add(&s0, &s0, &prod);
    fe_mul(&prod, &row[2], &s[2]);
    fe_add(&s0, &s0, &prod);
    for (int k = 1; k < T; k++) {
      fe_mul(&prod, &s[0], &row[T + k - 1]);
      fe_add(&s[k], &s[k], &prod);
    }
    s[0] = s0;
  }
  for (int r = 0; r < HALF_F - 1; r++) {
    for (int i = 0; i < T; i++) pow5(&s[i]);
    for (int i = 0; i < T; i++) fe_add(&s[i], &s[i], &OC[(HALF_F + 1) * T + OPT_PARTIAL_ROUNDS + r * T + i]);
    full_mix(s, OM);
  }
  for (int i = 0; i < T; i++) pow5(&s[i]);
  full_mix(s, OM);
  *out = s[0];
}

static void read_be(fe *r, const uint8_t *in) {
  uint64_t plain[4];
  for (int i = 0; i < 4; i++) {
    uint64_t w = 0;
    for (int k = 0; k < 8; k++) w = (w << 8) | in[(3 - i) * 8 + k];
    plain[i] = w;
  }
  to_mont(r, plain);
}

static void write_be(uint8_t *out, const fe *a) {
  fe plain;
  from_mont(&plain, a);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 8; k++) out[(3 - i) * 8 + k] = (uint8_t)(plain.v[i] >> (56 - 8 * k));
}

typedef struct {
  const fe *below;
  fe *above;
  size_t below_len, from, to;
  const fe *zero;
} job;

static void *hash_range(void *arg) {
  job *j = arg;
  for (size_t i = j->from; i < j->to; i++) {
    const fe *right = 2 * i + 1 < j->below_len ? &j->below[2 * i + 1] : j->zero;
    poseidon2(&j->above[i], &j->below[2 * i], right);
  }
  return NULL;
}

// Hash one level with up to `threads` threads; small levels stay on one thread (thread start ~20 us).
static void hash_level(const fe *below, size_t below_len, fe *above, size_t above_len, const fe *zero, int threads) {
  if (threads < 1) threads = 1;
  if (above_len < 256) threads = 1;
  pthread_t tid[64];
  job jobs[64];
  if (threads > 64) threads = 64;
  size_t per = (above_len + threads - 1) / threads;
  for (int t = 0; t < threads; t++) {
    size_t from = t * per, to = from + per > above_len ? above_len : from + per;
    jobs[t] = (job){below, above, below_len, from < above_len ? from : above_len, to, zero};
    if (t == threads - 1) hash_range(&jobs[t]);
    else pthread_create(&tid[t], NULL, hash_range, &jobs[t]);
  }
  for (int t = 0; t < threads - 1; t++) pthread_join(tid[t], NULL);
}

static void read_all(void *buf, size_t len) {
  if (len && fread(buf, 1, len, stdin) != len) {
    fprintf(stderr, "poseidon_tree: short read (wanted %zu bytes)\n", len);
    exit(2);
  }
}

static void write_level(const fe *nodes, size_t len) {
  uint8_t *out = malloc(len * 32 + 1);
  for (size_t i = 0; i < len; i++) write_be(out + 32 * i, &nodes[i]);
  fwrite(out, 32, len, stdout);
  free(out);
}

int main(void) {
  for (size_t i = 0; i < sizeof OC / sizeof OC[0]; i++) to_mont(&OC[i], OPT_C[i]);
  for (size_t i = 0; i < sizeof OS / sizeof OS[0]; i++) to_mont(&OS[i], OPT_S[i]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      to_mont(&OM[i][j], OPT_M[i][j]);
      to_mont(&OP[i][j], OPT_P[i][j]);
    }
  uint32_t header[4];
  // Several requests may follow each other on one pipe; EOF between requests ends the program.
  while (fread(header, sizeof(uint32_t), 4, stdin) == 4) {
    uint32_t mode = header[0], depth = header[1], count = header[2];
    int threads = (int)header[3];
    uint8_t *raw = malloc((size_t)count * 64 + 1);
    if (mode == 1) {
      read_all(raw, (size_t)count * 64);
      fe *a = malloc(sizeof(fe) * (count + 1)), *out = malloc(sizeof(fe) * (count + 1));
      for (size_t i = 0; i < count; i++) {
        read_be(&a[i], raw + 64 * i);
        read_be(&out[i], raw + 64 * i + 32);
      }
      // Pairs reuse the level hasher: below = interleaved (a_i, b_i).
      fe *below = malloc(sizeof(fe) * (2 * (size_t)count + 1));
      for (size_t i = 0; i < count; i++) { below[2 * i] = a[i]; below[2 * i + 1] = out[i]; }
      fe zero = {{0, 0, 0, 0}};
      hash_level(below, 2 * (size_t)count, out, count, &zero, threads);
      write_level(out, count);
      free(a); free(out); free(below);
    } else if (mode == 2 && count >= 1 && depth >= 1 && depth <= 32) {
      read_all(raw, (size_t)count * 32);
      fe *level = malloc(sizeof(fe) * count);
      for (size_t i = 0; i < count; i++) read_be(&level[i], raw + 32 * i);
      fe zero = {{0, 0, 0, 0}};
      size_t len = count;
      for (uint32_t l = 0; l < depth; l++) {
        size_t up = (len + 1) / 2;
        fe *above = malloc(sizeof(fe) * up);
        hash_level(level, len, above, up, &zero, threads);
        write_level(above, up);
        fe next_zero;
        poseidon2(&next_zero, &zero, &zero);
        zero = next_zero;
        free(level);
        level = above;
        len = up;
      }
      free(level);
    } else {
      fprintf(stderr, "poseidon_tree: bad request (mode %u, depth %u, count %u)\n", mode, depth, count);
      return 2;
    }
    free(raw);
    fflush(stdout);
  }
  return 0;
}
