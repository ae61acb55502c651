// score_kernel.h: exact int16 dot products of a shard of records against Q queries in one pass,
// with each query's streaming top-K and exact shard statistics. Pure C (no Node-API), included by
// scoring.c. prover/influence/nativeScoring.ts compiles it and checks it against scoreReference.
//
// Exactness. Features are int16 (|f| <= 2^15), queries within +-(2^15 - 1) (checked by the
// caller). Each query value is split q = 256 qh + ql with ql in [0, 255] and qh in [-128, 127], so
// one pmaddwd pair sum is below 2 * 2^15 * 255 < 2^24 (lo half) or 2 * 2^15 * 128 = 2^23 (hi half).
// A segment of SEG = 128 elements keeps every int32 lane and every int32 horizontal sum below
// 128 * 2^23 = 2^30: no int32 ever wraps. The halves are widened to int64 once per record
// (score = 256 hi + lo), and segments are summed in int64 (|score| < k 2^30 < 2^53 for k < 2^23).
// Shard sums are carried in __int128, so count * max|score| cannot wrap either.
//
// Order: score descending, ties by lower position. A shard is scanned in ascending position, so
// a record that ties the current K-th score is never better than it and is not inserted.
#ifndef POA_SCORE_KERNEL_H
#define POA_SCORE_KERNEL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define SEG 128
// Records per block: a block (up to 16 KiB of features) is read from memory once and scored
// against every query of a batch while it sits in L1; this is what makes Q queries one pass.
#define BLOCK_BYTES 16384
// Software prefetch distance for the first query of a block: the hardware prefetcher alone left the
// one-query kernel at 17 ms of CPU for 256 MiB here (15 GB/s, loads and arithmetic taking turns);
// prefetching 4 KiB ahead brought it to 10.5 ms (25.5 GB/s, the C streaming read's rate).
#define PREFETCH_BYTES 4096

typedef __int128 i128;
typedef struct { int64_t score; int64_t position; } scored_t;

typedef struct {
  // Top-K as a min-heap on (score, -position): heap[0] is the worst entry kept.
  scored_t *heap;
  int64_t size, cap;
  int64_t positive;
  i128 positive_sum, sum;
  int64_t min, max;
  double *sample;       // scores at positions that are multiples of sample_stride
  int64_t sample_count;
} query_state_t;

// a is worse than b in the output order.
static inline int worse(scored_t a, scored_t b) {
  return a.score < b.score || (a.score == b.score && a.position > b.position);
}

static void heap_sift_down(scored_t *h, int64_t n, int64_t i) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && worse(h[l], h[m])) m = l;
    if (r < n && worse(h[r], h[m])) m = r;
    if (m == i) return;
    scored_t t = h[i]; h[i] = h[m]; h[m] = t;
    i = m;
  }
}

static void heap_push(scored_t *h, int64_t *n, scored_t x) {
  int64_t i = (*n)++;
  h[i] = x;
  while (i > 0) {
    int64_t p = (i - 1) / 2;
    if (!worse(h[i], h[p])) return;
    scored_t t = h[i]; h[i] = h[p]; h[p] = t;
    i = p;
  }
}

static int best_first(const void *a, const void *b) {
  const scored_t *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->position < y->position ? -1 : x->position > y->position;
}

// Scalar reference path: any k, int64 accumulation (used for k % 16 != 0 and for the last < 4
// records of a block).
static inline int64_t dot_scalar(const int16_t *f, const int32_t *q, int64_t k) {
  int64_t s = 0;
  for (int64_t t = 0; t < k; t++) s += (int64_t)f[t] * q[t];
  return s;
}

#if defined(__AVX2__)
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define DPWSSD(acc, a, b) _mm256_dpwssd_epi32((acc), (a), (b))
#define KERNEL_ISA_256 "avx512vnni-256"
#elif defined(__AVXVNNI__)
#define DPWSSD(acc, a, b) _mm256_dpwssd_avx_epi32((acc), (a), (b))
#define KERNEL_ISA_256 "avxvnni"
#else
#define DPWSSD(acc, a, b) _mm256_add_epi32((acc), _mm256_madd_epi16((a), (b)))
#define KERNEL_ISA_256 "avx2"
#endif

// Four int32x8 accumulators -> their four horizontal sums (each < 2^30, see above).
static inline __m128i hsum4(__m256i a, __m256i b, __m256i c, __m256i d) {
  __m256i ab = _mm256_hadd_epi32(a, b), cd = _mm256_hadd_epi32(c, d);
  __m256i abcd = _mm256_hadd_epi32(ab, cd);
  return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

// Four records' lo and hi accumulators -> their four int64 scores (256 hi + lo), added to total.
static inline __m256i combine(__m256i total, __m256i l0, __m256i l1, __m256i l2, __m256i l3, __m256i h0, __m256i h1, __m256i h2, __m256i h3) {
  __m256i lo = _mm256_cvtepi32_epi64(hsum4(l0, l1, l2, l3)), hi = _mm256_cvtepi32_epi64(hsum4(h0, h1, h2, h3));
  return _mm256_add_epi64(total, _mm256_add_epi64(_mm256_slli_epi64(hi, 8), lo));
}

// A prefetch past the end of the features is harmless: it is a hint and never faults. Written as
// volatile asm because GCC 12 deleted the _mm_prefetch loop once the block functions were inlined
// with a constant k (a loop of side-effect-free builtins is dead code to it), silently: one query
// went back from 10.7 to 15-17 ms of CPU for 2^20 records.
static inline void prefetch_group(const int16_t *r0, int64_t k) {
  for (int64_t b = 0; b < 8 * k; b += 64) __asm__ volatile("prefetcht0 %0" : : "m"(*((const char *)r0 + b + PREFETCH_BYTES)));
}

// Scores of n records (k % 16 == 0) against one query split into lo/hi halves; out[i] is set.
// `prefetch`: the block is read from memory now (first query), so fetch ahead.
static inline __attribute__((always_inline)) void score_block_256(const int16_t *f, int64_t n, int64_t k, const int16_t *ql,
                                                                  const int16_t *qh, const int32_t *q, int64_t *out, int prefetch) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int16_t *r0 = f + i * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;
    if (prefetch) prefetch_group(r0, k);
    __m256i total = _mm256_setzero_si256();
    for (int64_t s0 = 0; s0 < k; s0 += SEG) {
      int64_t s1 = s0 + SEG < k ? s0 + SEG : k;
      __m256i l0 = _mm256_setzero_si256(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
      for (int64_t t = s0; t < s1; t += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(ql + t)), b = _mm256_loadu_si256((const __m256i *)(qh + t));
        __m256i f0 = _mm256_loadu_si256((const __m256i *)(r0 + t)), f1 = _mm256_loadu_si256((const __m256i *)(r1 + t));
        __m256i f2 = _mm256_loadu_si256((const __m256i *)(r2 + t)), f3 = _mm256_loadu_si256((const __m256i *)(r3 + t));
        l0 = DPWSSD(l0, f0, a); h0 = DPWSSD(h0, f0, b);
        l1 = DPWSSD(l1, f1, a); h1 = DPWSSD(h1, f1, b);
        l2 = DPWSSD(l2, f2, a); h2 = DPWSSD(h2, f2, b);
        l3 = DPWSSD(l3, f3, a); h3 = DPWSSD(h3, f3, b);
      }
      total = combine(total, l0, l1, l2, l3, h0, h1, h2, h3);
    }
    _mm256_storeu_si256((__m256i *)(out + i), total);
  }
  for (; i < n; i++) out[i] = dot_scalar(f + i * k, q, k);
}

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define KERNEL_ISA "avx512vnni"
// The same with 512-bit vectors (k % 32 == 0): half the instructions of the 256-bit path, measured
// 20-25% faster here on data in cache (7 vs 9 ns a record for one query at k = 128). A 512-bit lane
// holds SEG / 32 pair sums; folding to 256 bits gives the same bounds as the 256-bit path.
static inline __m256i fold512(__m512i a) {
  return _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
}

static inline __attribute__((always_inline)) void score_block_512(const int16_t *f, int64_t n, int64_t k, const int16_t *ql,
                                                                  const int16_t *qh, const int32_t *q, int64_t *out, int prefetch) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int16_t *r0 = f + i * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;
    if (prefetch) prefetch_group(r0, k);
    __m256i total = _mm256_setzero_si256();
    for (int64_t s0 = 0; s0 < k; s0 += SEG) {
      int64_t s1 = s0 + SEG < k ? s0 + SEG : k;
      __m512i l0 = _mm512_setzero_si512(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
      for (int64_t t = s0; t < s1; t += 32) {
        __m512i a = _mm512_loadu_si512((const void *)(ql + t)), b = _mm512_loadu_si512((const void *)(qh + t));
        __m512i f0 = _mm512_loadu_si512((const void *)(r0 + t)), f1 = _mm512_loadu_si512((const void *)(r1 + t));
        __m512i f2 = _mm512_loadu_si512((const void *)(r2 + t)), f3 = _mm512_loadu_si512((const void *)(r3 + t));
        l0 = _mm512_dpwssd_epi32(l0, f0, a); h0 = _mm512_dpwssd_epi32(h0, f0, b);
        l1 = _mm512_dpwssd_epi32(l1, f1, a); h1 = _mm512_dpwssd_epi32(h1, f1, b);
        l2 = _mm512_dpwssd_epi32(l2, f2, a); h2 = _mm512_dpwssd_epi32(h2, f2, b);
        l3 = _mm512_dpwssd_epi32(l3, f3, a); h3 = _mm512_dpwssd_epi32(h3, f3, b);
      }
      total = combine(total, fold512(l0), fold512(l1), fold512(l2), fold512(l3), fold512(h0), fold512(h1), fold512(h2), fold512(h3));
    }
    _mm256_storeu_si256((__m256i *)(out + i), total);
  }
  for (; i < n; i++) out[i] = dot_scalar(f + i * k, q, k);
}
#else
#define KERNEL_ISA KERNEL_ISA_256
#endif
#else
#define KERNEL_ISA "scalar"
#endif

// The block functions are inlined with k as a constant for the common k: the compiler then unrolls
// the segment loop and keeps the accumulators in registers. With k known only at run time it moved
// every accumulator between registers on each step, and a batch of 8 at k = 128 took 1.7 to 2x the
// CPU time (50-60 vs 29 ms for 2^20 records here).
#define SPECIALISE(fn, ...)                                  \
  switch (k) {                                               \
    case 32: fn(f, n, 32, ql, qh, q, out, prefetch); break;   \
    case 64: fn(f, n, 64, ql, qh, q, out, prefetch); break;   \
    case 128: fn(f, n, 128, ql, qh, q, out, prefetch); break; \
    case 256: fn(f, n, 256, ql, qh, q, out, prefetch); break; \
    default: fn(f, n, k, ql, qh, q, out, prefetch);          \
  }

static void score_block(const int16_t *f, int64_t n, int64_t k, const int16_t *ql, const int16_t *qh,
                        const int32_t *q, int64_t *out, int prefetch) {
#if defined(__AVX2__)
#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
  if (k % 32 == 0) {
    SPECIALISE(score_block_512)
    return;
  }
#endif
  if (k % 16 == 0) {
    SPECIALISE(score_block_256)
    return;
  }
#endif
  (void)ql; (void)qh; (void)prefetch;
  for (int64_t i = 0; i < n; i++) out[i] = dot_scalar(f + i * k, q, k);
}

// Fold one block of scores (records first..first+n-1) into a query's state.
static void absorb_block(query_state_t *st, const int64_t *s, int64_t n, int64_t first, int64_t sample_stride) {
  // Vectorisable: sums of at most BLOCK_BYTES / 2 scores below 2^53 each stay in int64.
  int64_t sum = 0, psum = 0, pos = 0, mn = st->min, mx = st->max;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = s[i];
    sum += v;
    psum += v > 0 ? v : 0;
    pos += v > 0;
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  st->sum += sum;
  st->positive_sum += psum;
  st->positive += pos;
  st->min = mn;
  st->max = mx;
  // Streaming top-K: one compare per record against the K-th best; equal scores come later in
  // position order, so they lose the tie.
  int64_t threshold = st->size < st->cap ? INT64_MIN : st->heap[0].score;
  for (int64_t i = 0; i < n; i++) {
    if (s[i] <= threshold && st->size == st->cap) continue;
    scored_t x = { s[i], first + i };
    if (st->size < st->cap) {
      heap_push(st->heap, &st->size, x);
    } else {
      st->heap[0] = x;
      heap_sift_down(st->heap, st->size, 0);
    }
    if (st->size == st->cap) threshold = st->heap[0].score;
  }
  if (st->sample) {
    int64_t p = (first + sample_stride - 1) / sample_stride * sample_stride;
    for (; p < first + n; p += sample_stride) st->sample[st->sample_count++] = (double)s[p - first];
  }
}

// Score records [start, end) of `features` (row-major, k per record) against Q queries (q: Q * k
// int32, each within +-(2^15 - 1)). states[j] must have heap (cap entries), sample (or NULL) set.
// Returns 0, or -1 when out of memory.
static int score_shard(const int16_t *features, int64_t k, int64_t start, int64_t end, const int32_t *q, int64_t Q,
                       query_state_t *states, int64_t sample_stride) {
  int64_t block = BLOCK_BYTES / (2 * k);
  block = block < 4 ? 4 : block & ~(int64_t)3;
  int16_t *split = aligned_alloc(32, ((size_t)(2 * Q * k * sizeof(int16_t)) + 31) / 32 * 32);
  int64_t *scores = malloc((size_t)block * sizeof(int64_t));
  if (!split || !scores) {
    free(split);
    free(scores);
    return -1;
  }
  for (int64_t j = 0; j < Q * k; j++) {
    int32_t lo = q[j] & 255;
    split[j] = (int16_t)lo;                      // ql
    split[Q * k + j] = (int16_t)((q[j] - lo) / 256); // qh, exact: q - lo is a multiple of 256
  }
  for (int64_t j = 0; j < Q; j++) {
    states[j].min = INT64_MAX;
    states[j].max = INT64_MIN;
  }
  for (int64_t b = start; b < end; b += block) {
    int64_t n = end - b < block ? end - b : block;
    const int16_t *f = features + b * k;
    for (int64_t j = 0; j < Q; j++) {
      score_block(f, n, k, split + j * k, split + Q * k + j * k, q + j * k, scores, j == 0);
      absorb_block(&states[j], scores, n, b, sample_stride);
    }
  }
  for (int64_t j = 0; j < Q; j++) qsort(states[j].heap, (size_t)states[j].size, sizeof(scored_t), best_first);
  free(split);
  free(scores);
  return 0;
}

#endif
