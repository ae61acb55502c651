// poseidon_tree: circomlib-compatible Poseidon(1..16) over BN254, Merkle levels (binary and 4-ary)
// and attribution-index leaves, in C.
//
// Why: the WebAssembly Poseidon costs ~45 us per 2-input hash here; a 2^20-record index is a
// million feature hashes, a million leaf hashes and 350,000 4-ary nodes. This is plain 4x64-bit
// Montgomery arithmetic (unsigned __int128, no assembly), threaded with pthreads over the items of
// a request. prover/merkle/nativeHasher.ts generates constants.h (every width t = 2..17), compiles
// this on first use and checks it against the JS Poseidon, every mode, before trusting it.
//
// Protocol (stdin -> stdout, all integers little-endian u32, field elements 32-byte big-endian):
//   request header: mode, param, count, threads
//   mode 1 (pairs):   count pairs (a, b)          -> count hashes Poseidon(a, b)
//   mode 2 (tree):    count >= 1 leaves, param = depth >= 1 -> levels 1..depth, level l+1 holding
//                     ceil(len_l / 2) nodes, node i = Poseidon(level_l[2i], level_l[2i+1] or zero_l)
//   mode 3 (tuples):  param = n in 1..16, count tuples of n elements -> count hashes Poseidon(n)
//   mode 4 (4-ary):   count >= 1 leaves, param = levels >= 1 -> levels 1..levels, level l+1 holding
//                     ceil(len_l / 4) nodes, node i = Poseidon(c0..c3), missing children zero_l,
//                     zero_{l+1} = Poseidon(zero_l x 4)
//   mode 5 (index leaves): param = k >= 1, count records of (record leaf, k int16 little-endian
//                     features) -> count hashes Poseidon(recordLeaf, featureHash(phi)), where
//                     featureHash packs u = phi + 2^15 fifteen to an element, little-endian, and
//                     chains Poseidon over the packed elements (prover/index/featureHash.ts; a
//                     feature of -2^15 is refused, as FEATURE_BOUND there refuses it).
// Inputs must be below p (the caller checks); the program exits 2 with a message on a short read or
// a bad request.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constants.h"

typedef unsigned __int128 u128;
typedef struct { uint64_t v[4]; } fe;

// All widths' constants in Montgomery form, converted once at start-up.
static fe MONT[sizeof OPT_ALL / sizeof OPT_ALL[0]];

static void fail(const char *what, long long a, long long b) {
  fprintf(stderr, "poseidon_tree: ");
  fprintf(stderr, what, a, b);
  fprintf(stderr, "\n");
  exit(2);
}

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

// s <- s * mat (mat[j][i] row-major at `mat`, t x t): n_i = sum_j mat[j][i] s_j. Only the first
// `outs` outputs are computed: the last mix needs state[0] alone.
static inline void mix(fe *s, const fe *mat, int t, int outs) {
  fe n[POSEIDON_MAX_T];
  for (int i = 0; i < outs; i++) {
    fe acc, prod;
    fe_mul(&acc, &mat[i], &s[0]);
    for (int j = 1; j < t; j++) {
      fe_mul(&prod, &mat[j * t + i], &s[j]);
      fe_add(&acc, &acc, &prod);
    }
    n[i] = acc;
  }
  memcpy(s, n, outs * sizeof(fe));
}

// circomlib Poseidon over n = t - 1 inputs, in the optimised form of circomlibjs/src/poseidon_opt.js
// (from filecoin's neptune): the partial rounds use a sparse matrix, 2t - 1 products instead of t^2,
// with the same output (checked against the WebAssembly Poseidon by prover/merkle/nativeHasher.ts).
static void poseidon(fe *out, const fe *in, int n) {
  const width_info *w = &WIDTHS[n + 1 - POSEIDON_MIN_T];
  const int t = w->t, half = 4;
  const fe *C = &MONT[w->c], *S = &MONT[w->s], *M = &MONT[w->m], *P = &MONT[w->p];
  fe s[POSEIDON_MAX_T];
  memset(&s[0], 0, sizeof(fe));
  memcpy(&s[1], in, n * sizeof(fe));
  for (int i = 0; i < t; i++) fe_add(&s[i], &s[i], &C[i]);
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) pow5(&s[i]);
    for (int i = 0; i < t; i++) fe_add(&s[i], &s[i], &C[(r + 1) * t + i]);
    mix(s, M, t, t);
  }
  for (int i = 0; i < t; i++) pow5(&s[i]);
  for (int i = 0; i < t; i++) fe_add(&s[i], &s[i], &C[half * t + i]);
  mix(s, P, t, t);
  for (int r = 0; r < w->partial; r++) {
    pow5(&s[0]);
    fe_add(&s[0], &s[0], &C[(half + 1) * t + r]);
    const fe *row = &S[(2 * t - 1) * r];
    fe s0, prod;
    fe_mul(&s0, &row[0], &s[0]);
    for (int j = 1; j < t; j++) {
      fe_mul(&prod, &row[j], &s[j]);
      fe_add(&s0, &s0, &prod);
    }
    for (int k = 1; k < t; k++) {
      fe_mul(&prod, &s[0], &row[t + k - 1]);
      fe_add(&s[k], &s[k], &prod);
    }
    s[0] = s0;
  }
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) pow5(&s[i]);
    for (int i = 0; i < t; i++) fe_add(&s[i], &s[i], &C[(half + 1) * t + w->partial + r * t + i]);
    mix(s, M, t, t);
  }
  for (int i = 0; i < t; i++) pow5(&s[i]);
  mix(s, M, t, 1);
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

// One request's work, split over threads by item: each item writes only its own output slot.
typedef struct task task;
typedef void (*item_fn)(const task *, size_t);
struct task {
  item_fn fn;
  const fe *below;     // modes 1-4: the elements hashed (tuples, or the level below)
  size_t below_len;
  int arity;           // inputs per hash (modes 1-4)
  const fe *zero;      // missing children (modes 2 and 4)
  const uint8_t *raw;  // mode 5: the request body
  int k;
  fe *out;
};
typedef struct { const task *t; size_t from, to; } slice;

static void hash_group(const task *t, size_t i) {
  fe in[16];
  for (int c = 0; c < t->arity; c++) {
    size_t at = (size_t)t->arity * i + c;
    in[c] = at < t->below_len ? t->below[at] : *t->zero;
  }
  poseidon(&t->out[i], in, t->arity);
}

enum { FEATURE_BITS = 16, FEATURES_PER_ELEMENT = 15 };

// Index leaf i: packed feature elements, their Poseidon chain, then Poseidon(recordLeaf, chain).
static void index_leaf(const task *t, size_t i) {
  const uint8_t *rec = t->raw + i * (32 + 2 * (size_t)t->k);
  fe packed[POSEIDON_MAX_T];
  fe record, h = {{0, 0, 0, 0}};
  read_be(&record, rec);
  const uint8_t *phi = rec + 32;
  int elements = (t->k + FEATURES_PER_ELEMENT - 1) / FEATURES_PER_ELEMENT;
  int used = 0;  // elements in `packed` waiting to be hashed
  for (int e = 0; e < elements; e++) {
    // sum_t u_t 2^(16 t) over at most 15 features: 240 bits, so the limbs never carry past 2^256.
    uint64_t plain[4] = {0, 0, 0, 0};
    for (int q = 0; q < FEATURES_PER_ELEMENT && e * FEATURES_PER_ELEMENT + q < t->k; q++) {
      int idx = e * FEATURES_PER_ELEMENT + q;
      int16_t v = (int16_t)(phi[2 * idx] | (phi[2 * idx + 1] << 8));
      if (v == INT16_MIN) fail("record %lld feature %lld is -32768, outside the feature bound", (long long)i, idx);
      uint64_t u = (uint64_t)((int32_t)v + (1 << (FEATURE_BITS - 1)));
      int bit = FEATURE_BITS * q;
      plain[bit / 64] |= u << (bit % 64);
    }
    // The first hash takes up to 16 elements; each later one takes the running hash and 15 more.
    if (e == 16 || (e > 16 && (e - 16) % 15 == 0)) {
      poseidon(&h, packed, used);
      packed[0] = h;
      used = 1;
    }
    to_mont(&packed[used++], plain);
  }
  poseidon(&h, packed, used);
  fe pair[2] = {record, h};
  poseidon(&t->out[i], pair, 2);
}

static void *run_slice(void *arg) {
  slice *s = arg;
  for (size_t i = s->from; i < s->to; i++) s->t->fn(s->t, i);
  return NULL;
}

// Run fn over items 0..count-1 with up to `threads` threads; small requests stay on one thread
// (a thread start costs ~20 us, about half a hash).
static void parallel(const task *t, size_t count, int threads) {
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  if (count < 256) threads = 1;
  pthread_t tid[64];
  slice slices[64];
  size_t per = (count + threads - 1) / threads;
  for (int n = 0; n < threads; n++) {
    size_t from = n * per < count ? n * per : count, to = from + per > count ? count : from + per;
    slices[n] = (slice){t, from, to};
    if (n == threads - 1) run_slice(&slices[n]);
    else pthread_create(&tid[n], NULL, run_slice, &slices[n]);
  }
  for (int n = 0; n < threads - 1; n++) pthread_join(tid[n], NULL);
}

static void read_all(void *buf, size_t len) {
  if (len && fread(buf, 1, len, stdin) != len) fail("short read (wanted %lld bytes)%.0lld", (long long)len, 0);
}

static fe *read_elements(size_t count) {
  uint8_t *raw = malloc(count * 32 + 1);
  fe *out = malloc(sizeof(fe) * (count + 1));
  read_all(raw, count * 32);
  for (size_t i = 0; i < count; i++) read_be(&out[i], raw + 32 * i);
  free(raw);
  return out;
}

static void write_level(const fe *nodes, size_t len) {
  uint8_t *out = malloc(len * 32 + 1);
  for (size_t i = 0; i < len; i++) write_be(out + 32 * i, &nodes[i]);
  fwrite(out, 32, len, stdout);
  free(out);
}

// Levels of a tree of the given arity over `count` leaves, each level written as it is done.
static void tree_levels(size_t count, uint32_t depth, int arity, int threads) {
  fe *level = read_elements(count);
  fe zero = {{0, 0, 0, 0}};
  size_t len = count;
  for (uint32_t l = 0; l < depth; l++) {
    size_t up = (len + arity - 1) / arity;
    fe *above = malloc(sizeof(fe) * up);
    task t = {hash_group, level, len, arity, &zero, NULL, 0, above};
    parallel(&t, up, threads);
    write_level(above, up);
    fe zeros[4] = {zero, zero, zero, zero};
    poseidon(&zero, zeros, arity);
    free(level);
    level = above;
    len = up;
  }
  free(level);
}

int main(void) {
  for (size_t i = 0; i < sizeof MONT / sizeof MONT[0]; i++) to_mont(&MONT[i], OPT_ALL[i]);
  uint32_t header[4];
  // Several requests may follow each other on one pipe; EOF between requests ends the program.
  while (fread(header, sizeof(uint32_t), 4, stdin) == 4) {
    uint32_t mode = header[0], param = header[1], count = header[2];
    int threads = (int)header[3];
    if (mode == 1 || (mode == 3 && param >= 1 && param <= 16)) {
      int n = mode == 1 ? 2 : (int)param;
      fe *in = read_elements((size_t)count * n), *out = malloc(sizeof(fe) * (count + 1));
      fe zero = {{0, 0, 0, 0}};
      task t = {hash_group, in, (size_t)count * n, n, &zero, NULL, 0, out};
      parallel(&t, count, threads);
      write_level(out, count);
      free(in);
      free(out);
    } else if (mode == 2 && count >= 1 && param >= 1 && param <= 32) {
      tree_levels(count, param, 2, threads);
    } else if (mode == 4 && count >= 1 && param >= 1 && param <= 16) {
      tree_levels(count, param, 4, threads);
    } else if (mode == 5 && param >= 1 && param <= 1u << 16) {
      size_t bytes = (size_t)count * (32 + 2 * (size_t)param);
      uint8_t *raw = malloc(bytes + 1);
      read_all(raw, bytes);
      fe *out = malloc(sizeof(fe) * (count + 1));
      task t = {index_leaf, NULL, 0, 0, NULL, raw, (int)param, out};
      parallel(&t, count, threads);
      write_level(out, count);
      free(raw);
      free(out);
    } else {
      fprintf(stderr, "poseidon_tree: bad request (mode %u, param %u, count %u)\n", mode, param, count);
      return 2;
    }
    fflush(stdout);
  }
  return 0;
}
