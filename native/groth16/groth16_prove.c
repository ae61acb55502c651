/*
 * A Groth16 prover for BN254 that reads snarkjs's files and writes snarkjs's proof JSON, so the
 * same .zkey, verification key and on-chain verifier serve both provers.
 *
 *   groth16_prove <circuit.zkey> <witness.wtns> [threads]
 *
 * stdout: {"proof":{...},"publicSignals":[...],"timingsMs":{...}}
 * stderr: one "stage <name>" line as each stage starts (progress), or one error line naming the
 *         file and section. Exit 0 ok, 3 bad input, 70+ internal failure.
 *
 * The steps follow snarkjs 0.7 groth16_prove.js: A, B evaluations from the zkey's coefficient
 * section (its coefficients are stored times R^2, so one Montgomery product with a standard-form
 * witness value gives the Montgomery form of their product), C = A * B, then for each of A, B, C an
 * inverse NTT, a shift by the 2n-th root of unity and an NTT (evaluations on the odd coset), then
 * H = A * B - C pointwise, and MSMs against sections 5-9 (section 9 already folds in 1/Z).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "field.h"
#define PROGRAM_NAME "groth16"
#include "program.h"
#include "iden3_file.h"

#define fq_ONE_VALUE fq_ONE
#define fq2_ONE_VALUE ((fq2){fq_ONE, {{0, 0, 0, 0}}})
#define G g1
#define F fq
#define F_ fq
#include "group.h"
#include "msm.h"
#undef G
#undef F
#undef F_
#define G g2
#define F fq2
#define F_ fq2
#include "group.h"
#include "msm.h"
#undef G
#undef F
#undef F_

/* ---------- timing ---------- */

static double nowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void stage(const char *name) {
  fprintf(stderr, "stage %s\n", name);
  fflush(stderr);
}

/* ---------- iden3 binary files (.zkey, .wtns): magic, version, then typed sections ---------- */

static const char *SECTION_NAMES_ZKEY[16] = {"", "1 (protocol)", "2 (Groth16 header)", "3 (IC points)", "4 (coefficients)", "5 (A points)", "6 (B1 points)", "7 (B2 points)", "8 (C points)", "9 (H points)", "10 (contributions)"};
static const char *SECTION_NAMES_WTNS[16] = {"", "1 (header)", "2 (witness values)"};

static const uint8_t *need_section(const binfile *f, int type, u64 expectedSize, const char **names) {
  if (!f->section[type]) fail(3, "%s: section %s is missing", f->path, names[type]);
  if (expectedSize != (u64)-1 && f->sectionSize[type] != expectedSize)
    fail(3, "%s: section %s is %llu bytes, expected %llu", f->path, names[type], (unsigned long long)f->sectionSize[type], (unsigned long long)expectedSize);
  return f->section[type];
}

/* ---------- radix-2 NTT over Fr (Montgomery form) ---------- */

/* The 64 bits of x in reverse order (swaps of halves, quarters, ... down to bits). */
static inline u64 bit_reverse64(u64 x) {
  x = __builtin_bswap64(x);
  x = ((x >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((x & 0x0f0f0f0f0f0f0f0fULL) << 4);
  x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
  return ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
}

typedef struct { fr *a; const fr *roots; size_t n, half, step; int log2half; } ntt_stage;
/* One butterfly layer: butterfly k in [0, n/2) works on block k / half, offset k % half (by shift
 * and mask: a 64-bit division per butterfly cost about a third of a field product). */
static void ntt_layer(void *ctx, size_t from, size_t to) {
  ntt_stage *s = ctx;
  for (size_t k = from; k < to; k++) {
    size_t block = k >> s->log2half, j = k & (s->half - 1);
    size_t i = block * 2 * s->half + j;
    fr v, u = s->a[i];
    fr_mul(&v, &s->a[i + s->half], &s->roots[j * s->step]);
    fr_add(&s->a[i], &u, &v);
    fr_sub(&s->a[i + s->half], &u, &v);
  }
}

#define NTT_LOG2_BLOCK 12
typedef struct { fr *a; const fr *roots; size_t n; int layers; } ntt_block_ctx;
/* Layers 0..layers-1 of the blocks [from, to) of 2^layers elements each. */
static void ntt_blocks(void *ctx, size_t from, size_t to) {
  ntt_block_ctx *c = ctx;
  size_t size = (size_t)1 << c->layers;
  for (size_t blk = from; blk < to; blk++) {
    for (int l = 0; l < c->layers; l++) {
      ntt_stage s = {c->a + blk * size, c->roots, c->n, (size_t)1 << l, c->n >> (l + 1), l};
      ntt_layer(&s, 0, size / 2);
    }
  }
}

typedef struct { fr *a; int log2n; } bitrev_ctx;
/* Swaps a[i] and a[reverse(i)] for the i of [from, to) below their reverse: each pair is swapped by
 * the thread owning its smaller index, so threads never touch the same pair. */
static void bitrev_range(void *ctx, size_t from, size_t to) {
  bitrev_ctx *b = ctx;
  for (size_t i = from; i < to; i++) {
    size_t r = (size_t)(bit_reverse64(i) >> (64 - b->log2n));
    if (r > i) {
      fr t = b->a[i];
      b->a[i] = b->a[r];
      b->a[r] = t;
    }
  }
}

/* In-place NTT: a[k] <- sum_j a[j] w^(jk), where roots[i] = w^i for i < n/2. */
static void ntt(fr *a, size_t n, int log2n, const fr *roots) {
  if (log2n == 0) return;
  bitrev_ctx br = {a, log2n};
  parallel_for(bitrev_range, &br, n, 1024);
  /* The first layers stay inside blocks of NTT_BLOCK elements (128 KB, in L2): each block runs all
   * of them before the next, instead of one pass over the whole array per layer. */
  int inBlock = log2n < NTT_LOG2_BLOCK ? log2n : NTT_LOG2_BLOCK;
  ntt_block_ctx bc = {a, roots, n, inBlock};
  parallel_for(ntt_blocks, &bc, n >> inBlock, 1);
  for (int l = inBlock; l < log2n; l++) {
    size_t half = (size_t)1 << l;
    ntt_stage s = {a, roots, n, half, n / (2 * half), l};
    parallel_for(ntt_layer, &s, n / 2, 1024);
  }
}

typedef struct { fr *a; const fr *shift; } scale_ctx;
/* a[j] <- a[j] * shift[j] (shift = n^-1 * g^j: finishes the inverse NTT and moves to the coset) */
static void scale_range(void *ctx, size_t from, size_t to) {
  scale_ctx *c = ctx;
  for (size_t j = from; j < to; j++) fr_mul(&c->a[j], &c->a[j], &c->shift[j]);
}

typedef struct { fr *a; const fr *b; const fr *c; } join_ctx;
/* a[i] <- standard form of a[i] * b[i] - c[i]: H's evaluations as MSM scalars */
static void join_range(void *ctx, size_t from, size_t to) {
  join_ctx *j = ctx;
  for (size_t i = from; i < to; i++) {
    fr t;
    fr_mul(&t, &j->a[i], &j->b[i]);
    fr_sub(&t, &t, &j->c[i]);
    fr_from_mont(&j->a[i], &t);
  }
}

typedef struct { fr *c; const fr *a; const fr *b; } mul_ctx;
static void mul_range(void *ctx, size_t from, size_t to) {
  mul_ctx *m = ctx;
  for (size_t i = from; i < to; i++) fr_mul(&m->c[i], &m->a[i], &m->b[i]);
}

/* ---------- output ---------- */

/* Decimal digits of a standard-form 256-bit value. */
static void to_decimal(char *out, const u64 *v) {
  u64 t[4];
  memcpy(t, v, 32);
  char buf[90];
  int len = 0;
  do {
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
      u128 cur = (rem << 64) | t[i];
      t[i] = (u64)(cur / 10);
      rem = cur % 10;
    }
    buf[len++] = (char)('0' + (int)rem);
  } while (t[0] | t[1] | t[2] | t[3]);
  for (int i = 0; i < len; i++) out[i] = buf[len - 1 - i];
  out[len] = 0;
}

static void print_fq(const fq *m) {
  fq s;
  fq_from_mont(&s, m);
  char d[90];
  to_decimal(d, s.v);
  printf("\"%s\"", d);
}

/* Standard-form scalar below r from the system's CSPRNG (rejection sampling on 254 bits). */
static void random_fr(u64 *out) {
  for (;;) {
    uint8_t buf[32];
    size_t got = 0;
    while (got < sizeof buf) {
      ssize_t k = getrandom(buf + got, sizeof buf - got, 0);
      if (k < 0) {
        if (errno == EINTR) continue;
        fail(72, "getrandom failed (%s)", strerror(errno));
      }
      got += (size_t)k;
    }
    memcpy(out, buf, 32);
    out[3] &= 0x3fffffffffffffffULL;
    if (!fr_geq_p(out)) return;
  }
}

static int is_bn254(const uint8_t *q, const u64 *p) { return memcmp(q, p, 32) == 0; }

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) fail(2, "usage: groth16_prove <circuit.zkey> <witness.wtns> [threads]");
  if (argc == 4) {
    THREADS = atoi(argv[3]);
    if (THREADS < 1 || THREADS > 64) fail(2, "threads must be 1..64, got \"%s\"", argv[3]);
  } else {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    THREADS = n < 1 ? 1 : n > 64 ? 64 : (int)n;
  }
  if (!fq_init() || !fr_init()) fail(70, "Montgomery constants are inconsistent");
  double t0 = nowMs();
  stage("read");
  binfile z, w;
  open_binfile(&z, argv[1], "zkey", 0, 1, 15, NULL);
  open_binfile(&w, argv[2], "wtns", 0, 2, 15, NULL);

  const uint8_t *p1 = need_section(&z, 1, 4, SECTION_NAMES_ZKEY);
  if (rd32(p1) != 1) fail(3, "%s: section %s: protocol %u is not Groth16 (1)", z.path, SECTION_NAMES_ZKEY[1], rd32(p1));
  const uint8_t *h = need_section(&z, 2, 4 + 32 + 4 + 32 + 12 + 64 * 3 + 128 * 3, SECTION_NAMES_ZKEY);
  if (rd32(h) != 32 || !is_bn254(h + 4, fq_P.v) || rd32(h + 36) != 32 || !is_bn254(h + 40, fr_P.v))
    fail(3, "%s: section %s: the curve is not BN254", z.path, SECTION_NAMES_ZKEY[2]);
  uint32_t nVars = rd32(h + 72), nPublic = rd32(h + 76), domainSize = rd32(h + 80);
  int log2n = 0;
  while (((size_t)1 << log2n) < domainSize) log2n++;
  if (domainSize == 0 || ((size_t)1 << log2n) != domainSize || log2n > 27)
    fail(3, "%s: section %s: domain size %u is not a power of two below 2^28", z.path, SECTION_NAMES_ZKEY[2], domainSize);
  if (nPublic + 1 > nVars) fail(3, "%s: section %s: %u public signals but %u variables", z.path, SECTION_NAMES_ZKEY[2], nPublic, nVars);
  const uint8_t *hp = h + 84;
  g1_affine alpha1, beta1, delta1;
  g2_affine beta2, delta2;
  memcpy(&alpha1, hp, 64);
  memcpy(&beta1, hp + 64, 64);
  memcpy(&beta2, hp + 128, 128);
  memcpy(&delta1, hp + 384, 64);
  memcpy(&delta2, hp + 448, 128);

  const uint8_t *wh = need_section(&w, 1, (u64)-1, SECTION_NAMES_WTNS);
  if (w.sectionSize[1] != 40 || rd32(wh) != 32 || !is_bn254(wh + 4, fr_P.v))
    fail(3, "%s: section %s: not a BN254 witness (n8 = %u, %llu bytes)", w.path, SECTION_NAMES_WTNS[1], w.sectionSize[1] >= 4 ? rd32(wh) : 0, (unsigned long long)w.sectionSize[1]);
  uint32_t nWitness = rd32(wh + 36);
  if (nWitness != nVars) fail(3, "%s: section %s: %u witness values, the circuit in %s has %u", w.path, SECTION_NAMES_WTNS[1], nWitness, z.path, nVars);
  const uint8_t *witness = need_section(&w, 2, (u64)nVars * 32, SECTION_NAMES_WTNS);
  const uint8_t *coeffs = need_section(&z, 4, (u64)-1, SECTION_NAMES_ZKEY);
  if (z.sectionSize[4] < 4) fail(3, "%s: section %s is %llu bytes, too short", z.path, SECTION_NAMES_ZKEY[4], (unsigned long long)z.sectionSize[4]);
  uint32_t nCoef = rd32(coeffs);
  need_section(&z, 4, 4 + (u64)nCoef * 44, SECTION_NAMES_ZKEY);
  need_section(&z, 3, (u64)(nPublic + 1) * 64, SECTION_NAMES_ZKEY);
  const g1_affine *basesA = (const g1_affine *)need_section(&z, 5, (u64)nVars * 64, SECTION_NAMES_ZKEY);
  const g1_affine *basesB1 = (const g1_affine *)need_section(&z, 6, (u64)nVars * 64, SECTION_NAMES_ZKEY);
  const g2_affine *basesB2 = (const g2_affine *)need_section(&z, 7, (u64)nVars * 128, SECTION_NAMES_ZKEY);
  const g1_affine *basesC = (const g1_affine *)need_section(&z, 8, (u64)(nVars - nPublic - 1) * 64, SECTION_NAMES_ZKEY);
  const g1_affine *basesH = (const g1_affine *)need_section(&z, 9, (u64)domainSize * 64, SECTION_NAMES_ZKEY);
  double tRead = nowMs();

  /* A and B evaluations from the coefficients, then C = A * B (all Montgomery). */
  stage("qap");
  size_t n = domainSize;
  fr *polys = calloc(3 * n, sizeof(fr));
  fr *roots = malloc((n / 2 + 1) * sizeof(fr));
  fr *shift = malloc(n * sizeof(fr));
  if (!polys || !roots || !shift) fail(70, "out of memory for %zu-point polynomials", n);
  fr *A = polys, *B = polys + n, *C = polys + 2 * n;
  fr *AB[2] = {A, B};
  const uint8_t *cp = coeffs + 4;
  for (uint32_t i = 0; i < nCoef; i++, cp += 44) {
    uint32_t m = rd32(cp), c = rd32(cp + 4), s = rd32(cp + 8);
    if (m > 1 || c >= domainSize || s >= nVars)
      fail(3, "%s: section %s: coefficient %u has matrix %u, constraint %u, signal %u (expected matrix 0..1, constraint < %u, signal < %u)", z.path, SECTION_NAMES_ZKEY[4], i, m, c, s, domainSize, nVars);
    const fr *wv = (const fr *)(witness + 32 * (size_t)s);
    if (fr_is_zero(wv)) continue;
    fr coef, t;
    memcpy(&coef, cp + 12, 32);
    fr_mul(&t, &coef, wv);
    fr_add(&AB[m][c], &AB[m][c], &t);
  }
  mul_ctx mc = {C, A, B};
  parallel_for(mul_range, &mc, n, 1024);
  double tQap = nowMs();

  /* Roots: w_k = nqr^((r-1)/2^28) squared down to order 2^k, nqr the first non-residue from 2,
   * exactly as ffjavascript picks them (the zkey's H points were computed with the same roots). */
  stage("ntt");
  u64 rMinus1Half[4], t28[4];
  memcpy(rMinus1Half, fr_P.v, 32);
  rMinus1Half[0] -= 1;
  memcpy(t28, rMinus1Half, 32);
  for (int i = 0; i < 28; i++) { /* t = (r - 1) >> 28 */
    for (int l = 0; l < 4; l++) t28[l] = (t28[l] >> 1) | (l < 3 ? t28[l + 1] << 63 : 0);
  }
  for (int l = 0; l < 4; l++) rMinus1Half[l] = (rMinus1Half[l] >> 1) | (l < 3 ? rMinus1Half[l + 1] << 63 : 0);
  fr nqr, two = {{2, 0, 0, 0}}, minusOne, e;
  fr_to_mont(&nqr, &two);
  fr_neg(&minusOne, &fr_ONE);
  for (;;) {
    fr_pow(&e, &nqr, rMinus1Half);
    if (fr_eq(&e, &minusOne)) break;
    fr_add(&nqr, &nqr, &fr_ONE);
  }
  fr wk[29];
  fr_pow(&wk[28], &nqr, t28);
  for (int k = 27; k >= 0; k--) fr_sqr(&wk[k], &wk[k + 1]);
  if (!fr_eq(&wk[0], &fr_ONE)) fail(70, "roots of unity are inconsistent");
  fr wn = wk[log2n], wnInv, inc = wk[log2n + 1], nInv, nMont;
  fr_inv(&wnInv, &wn);
  fr nStd = {{n, 0, 0, 0}};
  fr_to_mont(&nMont, &nStd);
  fr_inv(&nInv, &nMont);
  /* shift[j] = n^-1 * inc^j */
  shift[0] = nInv;
  for (size_t j = 1; j < n; j++) fr_mul(&shift[j], &shift[j - 1], &inc);
  double tNtt0 = nowMs();
  for (int p = 0; p < 3; p++) {
    fr *a = polys + p * n;
    roots[0] = fr_ONE;
    for (size_t j = 1; j < n / 2 + 1; j++) fr_mul(&roots[j], &roots[j - 1], &wnInv);
    ntt(a, n, log2n, roots);
    scale_ctx sc = {a, shift};
    parallel_for(scale_range, &sc, n, 1024);
    roots[0] = fr_ONE;
    for (size_t j = 1; j < n / 2 + 1; j++) fr_mul(&roots[j], &roots[j - 1], &wn);
    ntt(a, n, log2n, roots);
  }
  join_ctx jc = {A, B, C};
  parallel_for(join_range, &jc, n, 1024);
  free(roots);
  free(shift);
  double tNtt = nowMs();
  (void)tNtt0;

  stage("msm-g1");
  g1_jac piA, pib1, piC, resH;
  g1_msm(&piA, basesA, witness, nVars, THREADS);
  g1_msm(&pib1, basesB1, witness, nVars, THREADS);
  g1_msm(&piC, basesC, witness + 32 * (size_t)(nPublic + 1), nVars - nPublic - 1, THREADS);
  g1_msm(&resH, basesH, (const uint8_t *)A, n, THREADS);
  double tG1 = nowMs();
  stage("msm-g2");
  g2_jac piB;
  g2_msm(&piB, basesB2, witness, nVars, THREADS);
  double tG2 = nowMs();
  free(polys);

  /* Blinding, as snarkjs: r, s uniform in Fr. */
  u64 r[4], s[4], rs[4];
  random_fr(r);
  random_fr(s);
  {
    fr rm, sm, prod, std, neg;
    fr_to_mont(&rm, (const fr *)r);
    fr_to_mont(&sm, (const fr *)s);
    fr_mul(&prod, &rm, &sm);
    fr_neg(&neg, &prod);
    fr_from_mont(&std, &neg);
    memcpy(rs, std.v, 32); /* -(r s) */
  }
  g1_jac j, t;
  g2_jac j2, t2;
  g1_jac d1;
  g1_from_affine(&d1, &delta1);
  g1_from_affine(&j, &alpha1);
  g1_add(&piA, &piA, &j);
  g1_mul_scalar(&t, &d1, r);
  g1_add(&piA, &piA, &t);

  g2_from_affine(&j2, &beta2);
  g2_add(&piB, &piB, &j2);
  g2_from_affine(&j2, &delta2);
  g2_mul_scalar(&t2, &j2, s);
  g2_add(&piB, &piB, &t2);

  g1_from_affine(&j, &beta1);
  g1_add(&pib1, &pib1, &j);
  g1_mul_scalar(&t, &d1, s);
  g1_add(&pib1, &pib1, &t);

  g1_add(&piC, &piC, &resH);
  g1_mul_scalar(&t, &piA, s);
  g1_add(&piC, &piC, &t);
  g1_mul_scalar(&t, &pib1, r);
  g1_add(&piC, &piC, &t);
  g1_mul_scalar(&t, &d1, rs);
  g1_add(&piC, &piC, &t);

  g1_affine a, c;
  g2_affine b;
  g1_to_affine(&a, &piA);
  g2_to_affine(&b, &piB);
  g1_to_affine(&c, &piC);
  /* snarkjs writes infinity as (0, 1, 0); a valid proof never has it, but print it the same way. */
  int aInf = g1_is_inf(&piA), bInf = g2_is_inf(&piB), cInf = g1_is_inf(&piC);
  double tEnd = nowMs();

  printf("{\"proof\":{\"pi_a\":[");
  if (aInf) printf("\"0\",\"1\",\"0\"");
  else { print_fq(&a.x); printf(","); print_fq(&a.y); printf(",\"1\""); }
  printf("],\"pi_b\":[");
  if (bInf) printf("[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]");
  else {
    printf("["); print_fq(&b.x.c0); printf(","); print_fq(&b.x.c1); printf("],[");
    print_fq(&b.y.c0); printf(","); print_fq(&b.y.c1); printf("],[\"1\",\"0\"]");
  }
  printf("],\"pi_c\":[");
  if (cInf) printf("\"0\",\"1\",\"0\"");
  else { print_fq(&c.x); printf(","); print_fq(&c.y); printf(",\"1\""); }
  printf("],\"protocol\":\"groth16\",\"curve\":\"bn128\"},\"publicSignals\":[");
  for (uint32_t i = 1; i <= nPublic; i++) {
    char d[90];
    to_decimal(d, (const u64 *)(witness + 32 * (size_t)i));
    printf("%s\"%s\"", i > 1 ? "," : "", d);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpuMs = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
  printf("],\"peakRssKb\":%ld,\"cpuMs\":%.1f,\"timingsMs\":{\"read\":%.1f,\"qap\":%.1f,\"ntt\":%.1f,\"msmG1\":%.1f,\"msmG2\":%.1f,\"finish\":%.1f,\"total\":%.1f},\"threads\":%d}\n", ru.ru_maxrss, cpuMs,
         tRead - t0, tQap - tRead, tNtt - tQap, tG1 - tNtt, tG2 - tG1, tEnd - tG2, tEnd - t0, THREADS);
  fflush(stdout);
  return 0;
}
