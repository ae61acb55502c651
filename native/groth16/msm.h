/*
 * Pippenger multi-scalar multiplication over affine bases, included after group.h with the same G
 * and F. Scalars are 32-byte little-endian standard-form values (a .wtns's layout). Circuit
 * witnesses are mostly 0 and 1: zero scalars and infinite bases are skipped, ones are summed
 * directly (one mixed add each), and only the rest go through the buckets. Threads split the ones
 * by index range and the windows round-robin; the window width is chosen so the windows divide
 * evenly among threads when that costs little.
 */
#define GN(name) CAT(G, name)

typedef struct {
  const GN(_affine) * bases;
  const uint8_t *scalars;
  size_t n;
  const uint32_t *big; /* indices of scalars > 1 */
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

static void *GN(_msm_worker)(void *arg) {
  GN(_msm_task) *t = arg;
  size_t from = t->n * t->tid / t->threads, to = t->n * (t->tid + 1) / t->threads;
  GN(_set_inf)(&t->ones);
  for (size_t i = from; i < to; i++) {
    if (GN(_scalar_kind)(t->scalars + 32 * i) == 1 && !GN(_affine_is_inf)(&t->bases[i])) GN(_add_mixed)(&t->ones, &t->ones, &t->bases[i]);
  }
  size_t nBuckets = ((size_t)1 << t->c) - 1;
  GN(_jac) *buckets = malloc(nBuckets * sizeof *buckets);
  if (!buckets && nBuckets) { fprintf(stderr, "groth16: out of memory for MSM buckets\n"); exit(70); }
  u64 mask = ((u64)1 << t->c) - 1;
  for (int w = t->tid; w < t->windows; w += t->threads) {
    for (size_t b = 0; b < nBuckets; b++) GN(_set_inf)(&buckets[b]);
    int bit = w * t->c, word = bit >> 6, off = bit & 63;
    for (size_t j = 0; j < t->nBig; j++) {
      uint32_t i = t->big[j];
      const u64 *k = (const u64 *)(t->scalars + 32 * (size_t)i);
      u64 d = k[word] >> off;
      if (off + t->c > 64 && word < 3) d |= k[word + 1] << (64 - off);
      d &= mask;
      if (d) GN(_add_mixed)(&buckets[d - 1], &buckets[d - 1], &t->bases[i]);
    }
    GN(_jac) running, sum;
    GN(_set_inf)(&running);
    GN(_set_inf)(&sum);
    for (size_t b = nBuckets; b-- > 0;) {
      GN(_add)(&running, &running, &buckets[b]);
      GN(_add)(&sum, &sum, &running);
    }
    t->windowSums[w] = sum;
  }
  free(buckets);
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
  /* Cost model in additions per thread: each window costs nBig bucket adds plus 2^(c+1) to sum. */
  int bestC = 1;
  double bestCost = -1;
  for (int c = 1; c <= 16; c++) {
    int windows = (maxBits + c - 1) / c;
    int perThread = (windows + threads - 1) / threads;
    double cost = (double)perThread * ((double)nBig + (double)(2u << c));
    if (bestCost < 0 || cost < bestCost) { bestCost = cost; bestC = c; }
  }
  int windows = maxBits == 0 ? 0 : (maxBits + bestC - 1) / bestC;
  GN(_jac) *windowSums = calloc(windows ? windows : 1, sizeof *windowSums);
  GN(_msm_task) *tasks = calloc(threads, sizeof *tasks);
  pthread_t *ids = calloc(threads, sizeof *ids);
  for (int t = 0; t < threads; t++) {
    tasks[t] = (GN(_msm_task)){.bases = bases, .scalars = scalars, .n = n, .big = big, .nBig = nBig, .c = bestC, .windows = windows, .threads = threads, .tid = t, .windowSums = windowSums};
    if (t > 0 && pthread_create(&ids[t], NULL, GN(_msm_worker), &tasks[t]) != 0) { fprintf(stderr, "groth16: cannot start a thread\n"); exit(71); }
  }
  GN(_msm_worker)(&tasks[0]);
  for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
  GN(_jac) acc;
  GN(_set_inf)(&acc);
  for (int w = windows - 1; w >= 0; w--) {
    for (int i = 0; i < bestC; i++) GN(_double)(&acc, &acc);
    GN(_add)(&acc, &acc, &windowSums[w]);
  }
  for (int t = 0; t < threads; t++) GN(_add)(&acc, &acc, &tasks[t].ones);
  *out = acc;
  free(windowSums);
  free(tasks);
  free(ids);
  free(big);
}
#undef GN
