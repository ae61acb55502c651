/*
 * Pippenger multi-scalar multiplication over affine bases, included after group.h with the same G
 * and F. Scalars are 32-byte little-endian standard-form values (a .wtns's layout).
 *
 * - Zero scalars and infinite bases are skipped and scalars equal to 1 are summed directly (circuit
 *   witnesses hold many bits); only the rest go through the buckets.
 * - Signed digits in (-2^(c-1), 2^(c-1)]: half the buckets, a negative digit adds the negated base.
 * - Buckets are affine and filled by batched affine additions: one field inversion per batch
 *   (Montgomery's trick), about 6 multiplications per addition instead of a mixed addition's 11.
 *   A bucket already waiting in the batch defers its point to the next pass; when a pass queues
 *   few points (a window with few distinct digits), the rest go to Jacobian buckets by mixed
 *   additions instead of one inversion per handful of points. On the production circuit this made
 *   G1 about 1.4x faster than Jacobian buckets (it had been slower on the 14k-point tiny circuit
 *   only because its top window had a few buckets and stalled the batches).
 * - Threads split the ones by index range and the windows round-robin; the windows split the bits
 *   evenly (no near-empty top window) and their width comes from a cost model fitted to runs.
 */
#define GN(name) CAT(G, name)
#define FN(name) CAT(F_, name)
#ifndef MSM_FORCE_C_DEFINED
#define MSM_FORCE_C_DEFINED
/* A window width to use instead of the cost model's (2..14), 0 for the model: field_check's MSM
 * check sets it to reach every width's digit edge cases on a few points. */
static int msm_force_c = 0;
#endif
#ifndef MSM_BATCH
#define MSM_BATCH 512
#endif

typedef struct {
  const GN(_affine) * bases;
  const uint8_t *scalars;
  size_t n;
  const uint32_t *big; /* indices of scalars > 1 */
  const int16_t *digits; /* [windows][nBig] signed digits */
  size_t nBig;
  int c, windows, threads, tid;
  GN(_jac) * windowSums; /* [windows] */
  GN(_jac) ones;         /* this thread's sum of bases whose scalar is 1 */
} GN(_msm_task);

static inline int GN(_scalar_kind)(const uint8_t *s) {
  const u64 *k = (const u64 *)s;
  if ((k[1] | k[2] | k[3]) != 0) return 2;
  return k[0] > 1 ? 2 : (int)k[0];
}

typedef struct {
  GN(_affine) * buckets;
  uint8_t *used;
  uint32_t *stamp; /* batch number a bucket last joined */
  uint32_t epoch;
  int count;
  uint32_t bucket[MSM_BATCH];
  GN(_affine) point[MSM_BATCH];
  F den[MSM_BATCH], prefix[MSM_BATCH];
  uint8_t kind[MSM_BATCH]; /* 0 add, 1 double, 2 cancels to infinity */
} GN(_batch);

/* Apply the pending additions bucket[b] += point, sharing one inversion. */
static void GN(_batch_flush)(GN(_batch) * s) {
  if (s->count == 0) return;
  F acc = FN(_ONE_VALUE);
  for (int k = 0; k < s->count; k++) {
    GN(_affine) *B = &s->buckets[s->bucket[k]];
    const GN(_affine) *Q = &s->point[k];
    if (!FN(_eq)(&B->x, &Q->x)) {
      s->kind[k] = 0;
      FN(_sub)(&s->den[k], &Q->x, &B->x);
    } else if (FN(_eq)(&B->y, &Q->y)) {
      s->kind[k] = 1;
      FN(_dbl)(&s->den[k], &B->y);
    } else {
      s->kind[k] = 2;
      s->den[k] = FN(_ONE_VALUE);
    }
    s->prefix[k] = acc;
    FN(_mul)(&acc, &acc, &s->den[k]);
  }
  F inv;
  FN(_inv)(&inv, &acc);
  for (int k = s->count - 1; k >= 0; k--) {
    F dinv, lambda, t, x3;
    FN(_mul)(&dinv, &inv, &s->prefix[k]); /* 1 / den[k] */
    FN(_mul)(&inv, &inv, &s->den[k]);
    GN(_affine) *B = &s->buckets[s->bucket[k]];
    const GN(_affine) *Q = &s->point[k];
    if (s->kind[k] == 2) {
      s->used[s->bucket[k]] = 0;
      continue;
    }
    if (s->kind[k] == 0) {
      FN(_sub)(&t, &Q->y, &B->y);
    } else {
      FN(_sqr)(&t, &B->x);
      F t3;
      FN(_dbl)(&t3, &t);
      FN(_add)(&t, &t3, &t); /* 3 x^2 */
    }
    FN(_mul)(&lambda, &t, &dinv);
    FN(_sqr)(&x3, &lambda);
    FN(_sub)(&x3, &x3, &B->x);
    FN(_sub)(&x3, &x3, &Q->x);
    FN(_sub)(&t, &B->x, &x3);
    FN(_mul)(&t, &lambda, &t);
    FN(_sub)(&B->y, &t, &B->y);
    B->x = x3;
  }
  s->count = 0;
  s->epoch++;
}

/* Queue bucket[b] += q; returns 0 when b already waits in this batch (the caller retries later). */
static inline int GN(_batch_add)(GN(_batch) * s, uint32_t b, const GN(_affine) * q) {
  if (!s->used[b]) {
    s->buckets[b] = *q;
    s->used[b] = 1;
    return 1;
  }
  if (s->stamp[b] == s->epoch) return 0;
  s->stamp[b] = s->epoch;
  s->bucket[s->count] = b;
  s->point[s->count] = *q;
  if (++s->count == MSM_BATCH) GN(_batch_flush)(s);
  return 1;
}

/* Bases ahead of the one being queued are prefetched: the base array is read once per window and
 * does not fit in cache, and the load stalled the queueing loop. */
#define MSM_PREFETCH 16

static inline void GN(_msm_prefetch)(const GN(_affine) * p) {
  __builtin_prefetch(p);
  __builtin_prefetch((const char *)(p + 1) - 1);
}

static void *GN(_msm_worker)(void *arg) {
  GN(_msm_task) *t = arg;
  size_t from = t->n * t->tid / t->threads, to = t->n * (t->tid + 1) / t->threads;
  GN(_set_inf)(&t->ones);
  for (size_t i = from; i < to; i++) {
    if (GN(_scalar_kind)(t->scalars + 32 * i) == 1 && !GN(_affine_is_inf)(&t->bases[i])) GN(_add_mixed)(&t->ones, &t->ones, &t->bases[i]);
  }
  size_t nBuckets = (size_t)1 << (t->c - 1);
  GN(_batch) *s = calloc(1, sizeof *s);
  uint32_t *pending = malloc((t->nBig ? t->nBig : 1) * sizeof *pending);
  GN(_jac) *jac = NULL; /* Jacobian buckets for points a stalled batch could not take; allocated when first needed */
  int jacUsed = 0;
  if (s) {
    s->buckets = malloc(nBuckets * sizeof *s->buckets);
    s->used = malloc(nBuckets);
    s->stamp = malloc(nBuckets * sizeof *s->stamp);
  }
  if (!s || !pending || !s->buckets || !s->used || !s->stamp) { fprintf(stderr, "groth16: out of memory for MSM buckets\n"); exit(70); }
  for (int w = t->tid; w < t->windows; w += t->threads) {
    const int16_t *digits = t->digits + (size_t)w * t->nBig;
    memset(s->used, 0, nBuckets);
    memset(s->stamp, 0xff, nBuckets * sizeof *s->stamp);
    s->epoch = 0;
    s->count = 0;
    /* First pass over every point; deferred ones (bucket busy in the batch) go round again. */
    size_t nPending = 0;
    for (size_t j = 0; j < t->nBig; j++) {
      if (j + MSM_PREFETCH < t->nBig) GN(_msm_prefetch)(&t->bases[t->big[j + MSM_PREFETCH]]);
      int d = digits[j];
      if (d == 0) continue;
      GN(_affine) q = t->bases[t->big[j]];
      if (d < 0) FN(_neg)(&q.y, &q.y);
      if (!GN(_batch_add)(s, (uint32_t)(d < 0 ? -d : d) - 1, &q)) pending[nPending++] = (uint32_t)j;
    }
    while (nPending) {
      GN(_batch_flush)(s);
      size_t again = 0;
      for (size_t p = 0; p < nPending; p++) {
        if (p + MSM_PREFETCH < nPending) GN(_msm_prefetch)(&t->bases[t->big[pending[p + MSM_PREFETCH]]]);
        size_t j = pending[p];
        int d = digits[j];
        GN(_affine) q = t->bases[t->big[j]];
        if (d < 0) FN(_neg)(&q.y, &q.y);
        if (!GN(_batch_add)(s, (uint32_t)(d < 0 ? -d : d) - 1, &q)) pending[again++] = (uint32_t)j;
      }
      if (again && nPending - again < MSM_BATCH / 2) {
        /* This pass queued few points: the rest share a few buckets (a top window whose bits the
         * scalars barely reach), and a pass per handful of them would cost a pass over all. */
        if (!jac) {
          jac = malloc(nBuckets * sizeof *jac);
          if (!jac) { fprintf(stderr, "groth16: out of memory for MSM buckets\n"); exit(70); }
        }
        if (!jacUsed) for (size_t b = 0; b < nBuckets; b++) GN(_set_inf)(&jac[b]);
        jacUsed = 1;
        for (size_t p = 0; p < again; p++) {
          size_t j = pending[p];
          int d = digits[j];
          GN(_affine) q = t->bases[t->big[j]];
          if (d < 0) FN(_neg)(&q.y, &q.y);
          uint32_t b = (uint32_t)(d < 0 ? -d : d) - 1;
          GN(_add_mixed)(&jac[b], &jac[b], &q);
        }
        again = 0;
      }
      nPending = again;
    }
    GN(_batch_flush)(s);
    GN(_jac) running, sum;
    GN(_set_inf)(&running);
    GN(_set_inf)(&sum);
    for (size_t b = nBuckets; b-- > 0;) {
      if (s->used[b]) GN(_add_mixed)(&running, &running, &s->buckets[b]);
      if (jacUsed) GN(_add)(&running, &running, &jac[b]);
      GN(_add)(&sum, &sum, &running);
    }
    jacUsed = 0;
    t->windowSums[w] = sum;
  }
  free(jac);
  free(s->buckets);
  free(s->used);
  free(s->stamp);
  free(s);
  free(pending);
  return NULL;
}

/* sum_i scalars[i] * bases[i] with `threads` threads. */
static void GN(_msm)(GN(_jac) * out, const GN(_affine) * bases, const uint8_t *scalars, size_t n, int threads) {
  uint32_t *big = malloc((n ? n : 1) * sizeof *big);
  if (!big) { fprintf(stderr, "groth16: out of memory for MSM indices\n"); exit(70); }
  size_t nBig = 0;
  int maxBits = 0;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *s = scalars + 32 * i;
    if (GN(_scalar_kind)(s) != 2 || GN(_affine_is_inf)(&bases[i])) continue;
    big[nBig++] = (uint32_t)i;
    const u64 *k = (const u64 *)s;
    for (int l = 3; l >= 0; l--) {
      if (k[l]) {
        int b = 64 * l + 64 - __builtin_clzll(k[l]);
        if (b > maxBits) maxBits = b;
        break;
      }
    }
  }
  /* Cost model in batched additions, over all threads (the machine is shared, so CPU time is what
   * counts): a window costs nBig of them plus about one per bucket to sum its 2^(c-1) buckets.
   * Windows are at most 14 bits: 2^13 G1 buckets fill 512 KB, and wider windows, whose buckets
   * leave the L2 cache, measured slower on the production circuit (c = 13..16 tried, 14 fastest
   * for the witness MSMs, H and G2). Signed digits need one more bit for the last carry; the bits
   * are split evenly over the windows, so c is the widest window's width. */
  int bits = maxBits + 1;
  int bestC = 2;
  double bestCost = -1;
  for (int c = 2; c <= 14; c++) {
    int windows = (bits + c - 1) / c;
    int width = (bits + windows - 1) / windows;
    double cost = (double)windows * ((double)nBig + (double)(1u << (width - 1)));
    if (bestCost < 0 || cost < bestCost) { bestCost = cost; bestC = width; }
  }
  int c = bestC < 2 ? 2 : bestC;
  if (msm_force_c) c = msm_force_c;
  int windows = maxBits == 0 ? 0 : (bits + c - 1) / c;
  int16_t *digits = malloc(nBig * (size_t)windows * sizeof *digits + 2);
  if (!digits) { fprintf(stderr, "groth16: out of memory for MSM digits\n"); exit(70); }
  for (size_t j = 0; j < nBig; j++) {
    const u64 *k = (const u64 *)(scalars + 32 * (size_t)big[j]);
    int carry = 0;
    for (int w = 0; w < windows; w++) {
      int bit = w * c, word = bit >> 6, off = bit & 63;
      u64 d = word < 4 ? k[word] >> off : 0;
      if (off + c > 64 && word < 3) d |= k[word + 1] << (64 - off);
      int v = (int)(d & (((u64)1 << c) - 1)) + carry;
      carry = v > (1 << (c - 1)); /* digits in (-2^(c-1), 2^(c-1)]: the top window (at most c - 1 bits
                                   * of the scalar) plus a carry never carries out */
      if (carry) v -= 1 << c;
      digits[(size_t)w * nBig + j] = (int16_t)v;
    }
  }
  GN(_jac) *windowSums = calloc(windows ? windows : 1, sizeof *windowSums);
  GN(_msm_task) *tasks = calloc(threads, sizeof *tasks);
  pthread_t *ids = calloc(threads, sizeof *ids);
  if (!windowSums || !tasks || !ids) { fprintf(stderr, "groth16: out of memory for MSM tasks\n"); exit(70); }
  for (int t = 0; t < threads; t++) {
    tasks[t] = (GN(_msm_task)){.bases = bases, .scalars = scalars, .n = n, .big = big, .digits = digits, .nBig = nBig, .c = c, .windows = windows, .threads = threads, .tid = t, .windowSums = windowSums};
    if (t > 0 && pthread_create(&ids[t], NULL, GN(_msm_worker), &tasks[t]) != 0) { fprintf(stderr, "groth16: cannot start a thread\n"); exit(71); }
  }
  GN(_msm_worker)(&tasks[0]);
  for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
  GN(_jac) acc;
  GN(_set_inf)(&acc);
  for (int w = windows - 1; w >= 0; w--) {
    for (int i = 0; i < c; i++) GN(_double)(&acc, &acc);
    GN(_add)(&acc, &acc, &windowSums[w]);
  }
  for (int t = 0; t < threads; t++) GN(_add)(&acc, &acc, &tasks[t].ones);
  *out = acc;
  free(windowSums);
  free(tasks);
  free(ids);
  free(big);
  free(digits);
}
#undef FN
#undef GN
