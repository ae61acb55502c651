/*
 * Montgomery arithmetic on 4 x 64-bit limbs (little-endian) for BN254's base field Fq and scalar
 * field Fr, with unsigned __int128 products (CIOS). Both moduli are below 2^254, so a sum of two
 * reduced values never overflows 256 bits. Elements are kept in Montgomery form (x * 2^256 mod p),
 * the same bytes snarkjs writes for curve points in a .zkey.
 */
#ifndef POA_FIELD_H
#define POA_FIELD_H
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef uint64_t u64;

#if defined(__x86_64__) && defined(__ADX__) && defined(__BMI2__) && !defined(POA_FIELD_NO_ADX)
/*
 * Montgomery product o = a b / 2^256 mod p with mulx and the two carry chains of adcx (CF) and
 * adox (OF), selected when the compiler targets a CPU that has them (-march=native, and the binary
 * is cached per CPU). CIOS with a fifth word per row: T stays below 2p, so after the last row one
 * branchless subtraction reduces it. pinv = {p0, p1, p2, p3, -1/p mod 2^64}; a below p; o may
 * alias a or b (both are read before o is written). About 2x the rate of the __int128 loop here.
 */
#define POA_FIELD_ADX 1
#define POA_ADX_ROW(I)                                                                          \
  "movq " #I "*8(%[b]), %%rdx\n\t"                                                              \
  "xorl %%eax, %%eax\n\t" /* clears CF and OF */                                                \
  "mulxq 0(%[a]), %%rax, %[hi]\n\t"                                                             \
  "adoxq %%rax, %[t0]\n\t"                                                                      \
  "adcxq %[hi], %[t1]\n\t"                                                                      \
  "mulxq 8(%[a]), %%rax, %[hi]\n\t"                                                             \
  "adoxq %%rax, %[t1]\n\t"                                                                      \
  "adcxq %[hi], %[t2]\n\t"                                                                      \
  "mulxq 16(%[a]), %%rax, %[hi]\n\t"                                                            \
  "adoxq %%rax, %[t2]\n\t"                                                                      \
  "adcxq %[hi], %[t3]\n\t"                                                                      \
  "mulxq 24(%[a]), %%rax, %[t4]\n\t"                                                            \
  "adoxq %%rax, %[t3]\n\t"                                                                      \
  "movl $0, %%eax\n\t" /* mov keeps the flags */                                                \
  "adcxq %%rax, %[t4]\n\t"                                                                      \
  "adoxq %%rax, %[t4]\n\t"                                                                      \
  /* m = t0 * inv; (T + m p) / 2^64: the low word cancels, its carry goes on */                 \
  "movq 32(%[p]), %%rdx\n\t"                                                                    \
  "imulq %[t0], %%rdx\n\t"                                                                      \
  "xorl %%eax, %%eax\n\t"                                                                       \
  "mulxq 0(%[p]), %%rax, %[hi]\n\t"                                                             \
  "adcxq %%rax, %[t0]\n\t"                                                                      \
  "adoxq %[hi], %[t1]\n\t"                                                                      \
  "mulxq 8(%[p]), %%rax, %[hi]\n\t"                                                             \
  "adcxq %%rax, %[t1]\n\t"                                                                      \
  "adoxq %[hi], %[t2]\n\t"                                                                      \
  "mulxq 16(%[p]), %%rax, %[hi]\n\t"                                                            \
  "adcxq %%rax, %[t2]\n\t"                                                                      \
  "adoxq %[hi], %[t3]\n\t"                                                                      \
  "mulxq 24(%[p]), %%rax, %[hi]\n\t"                                                            \
  "adcxq %%rax, %[t3]\n\t"                                                                      \
  "adoxq %[hi], %[t4]\n\t"                                                                      \
  "movl $0, %%eax\n\t"                                                                          \
  "adcxq %%rax, %[t4]\n\t" /* the total is below 2^320: no carry leaves t4 */                   \
  "movq %[t1], %[t0]\n\t"                                                                       \
  "movq %[t2], %[t1]\n\t"                                                                       \
  "movq %[t3], %[t2]\n\t"                                                                       \
  "movq %[t4], %[t3]\n\t"

static inline __attribute__((always_inline)) void mont_mul_adx(u64 *o, const u64 *a, const u64 *b, const u64 *pinv) {
  u64 t0, t1, t2, t3, t4, hi, rax, rdx;
  __asm__("xorl %k[t0], %k[t0]\n\t"
          "xorl %k[t1], %k[t1]\n\t"
          "xorl %k[t2], %k[t2]\n\t"
          "xorl %k[t3], %k[t3]\n\t"
          POA_ADX_ROW(0) POA_ADX_ROW(1) POA_ADX_ROW(2) POA_ADX_ROW(3)
          /* T - p without a borrow means T >= p: keep the difference */
          "movq %[t0], %%rax\n\t"
          "subq 0(%[p]), %%rax\n\t"
          "movq %[t1], %%rdx\n\t"
          "sbbq 8(%[p]), %%rdx\n\t"
          "movq %[t2], %[hi]\n\t"
          "sbbq 16(%[p]), %[hi]\n\t"
          "movq %[t3], %[t4]\n\t"
          "sbbq 24(%[p]), %[t4]\n\t"
          "cmovncq %%rax, %[t0]\n\t"
          "cmovncq %%rdx, %[t1]\n\t"
          "cmovncq %[hi], %[t2]\n\t"
          "cmovncq %[t4], %[t3]\n\t"
          : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [hi] "=&r"(hi), "=&a"(rax), "=&d"(rdx)
          : [a] "r"(a), [b] "r"(b), [p] "r"(pinv), "m"(*(const u64(*)[4])a), "m"(*(const u64(*)[4])b), "m"(*(const u64(*)[5])pinv)
          : "cc");
  o[0] = t0;
  o[1] = t1;
  o[2] = t2;
  o[3] = t3;
}
#else
#define POA_FIELD_ADX 0
static inline void mont_mul_adx(u64 *o, const u64 *a, const u64 *b, const u64 *pinv) { (void)o; (void)a; (void)b; (void)pinv; }
#endif

#define DEFINE_FIELD(NAME, P0, P1, P2, P3, INV)                                                   \
  typedef struct { u64 v[4]; } NAME;                                                              \
  static const NAME NAME##_P = {{P0, P1, P2, P3}};                                                \
  static const u64 NAME##_PINV[5] = {P0, P1, P2, P3, INV}; /* for mont_mul_adx */                 \
  static NAME NAME##_R2, NAME##_ONE; /* 2^512 mod p and 2^256 mod p, set by NAME##_init */        \
  static inline int NAME##_geq_p(const u64 *a) {                                                  \
    for (int i = 3; i >= 0; i--) {                                                                \
      if (a[i] != NAME##_P.v[i]) return a[i] > NAME##_P.v[i];                                     \
    }                                                                                             \
    return 1;                                                                                     \
  }                                                                                               \
  static inline void NAME##_sub_p(u64 *a) {                                                       \
    u128 b = 0;                                                                                   \
    for (int i = 0; i < 4; i++) {                                                                 \
      u128 d = (u128)a[i] - NAME##_P.v[i] - b;                                                    \
      a[i] = (u64)d;                                                                              \
      b = (d >> 64) & 1;                                                                          \
    }                                                                                             \
  }                                                                                               \
  /* add and sub are branchless: a data-dependent branch on a random carry mispredicted half the  \
   * time, and the MSM's additions are as many as its products. */                               \
  static inline __attribute__((always_inline)) void NAME##_add(NAME *o, const NAME *a, const NAME *b) { \
    u64 s[4], d[4];                                                                               \
    u128 c = 0, br = 0;                                                                           \
    for (int i = 0; i < 4; i++) {                                                                 \
      c += (u128)a->v[i] + b->v[i];                                                               \
      s[i] = (u64)c;                                                                              \
      c >>= 64;                                                                                   \
    }                                                                                             \
    for (int i = 0; i < 4; i++) {                                                                 \
      u128 t = (u128)s[i] - NAME##_P.v[i] - br;                                                   \
      d[i] = (u64)t;                                                                              \
      br = (t >> 64) & 1;                                                                         \
    }                                                                                             \
    u64 keep = 0 - (u64)br; /* all ones when s < p: keep the sum */                               \
    for (int i = 0; i < 4; i++) o->v[i] = (s[i] & keep) | (d[i] & ~keep);                         \
  }                                                                                               \
  static inline __attribute__((always_inline)) void NAME##_sub(NAME *o, const NAME *a, const NAME *b) { \
    u128 br = 0, c = 0;                                                                           \
    u64 t[4];                                                                                     \
    for (int i = 0; i < 4; i++) {                                                                 \
      u128 d = (u128)a->v[i] - b->v[i] - br;                                                      \
      t[i] = (u64)d;                                                                              \
      br = (d >> 64) & 1;                                                                         \
    }                                                                                             \
    u64 mask = 0 - (u64)br; /* add p back when a < b */                                          \
    for (int i = 0; i < 4; i++) {                                                                 \
      c += (u128)t[i] + (NAME##_P.v[i] & mask);                                                   \
      o->v[i] = (u64)c;                                                                           \
      c >>= 64;                                                                                   \
    }                                                                                             \
  }                                                                                               \
  static inline void NAME##_dbl(NAME *o, const NAME *a) { NAME##_add(o, a, a); }                  \
  static inline void NAME##_neg(NAME *o, const NAME *a) {                                         \
    if ((a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0) { *o = *a; return; }                        \
    NAME z = {{0, 0, 0, 0}};                                                                      \
    NAME##_sub(o, &z, a);                                                                         \
  }                                                                                               \
  /* CIOS without the extra carry words (gnark's "no-carry" variant): valid because the top limb \
   * of p is below 2^63 - 1, so each row's sum fits 4 limbs. */                                  \
  static inline void NAME##_mul_c(NAME *o, const NAME *a, const NAME *b);                        \
  static inline __attribute__((always_inline)) void NAME##_mul(NAME *o, const NAME *a, const NAME *b) { \
    if (POA_FIELD_ADX) { mont_mul_adx(o->v, a->v, b->v, NAME##_PINV); return; }                   \
    NAME##_mul_c(o, a, b);                                                                        \
  }                                                                                               \
  /* The portable product, and the reference the ADX one is tested against. */                   \
  static inline void NAME##_mul_c(NAME *o, const NAME *a, const NAME *b) {                        \
    u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0;                                                           \
    const u64 p0 = NAME##_P.v[0], p1 = NAME##_P.v[1], p2 = NAME##_P.v[2], p3 = NAME##_P.v[3];     \
    const u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3];                             \
    for (int i = 0; i < 4; i++) {                                                                 \
      u64 bi = b->v[i];                                                                           \
      u128 A = (u128)a0 * bi + t0;                                                                \
      t0 = (u64)A;                                                                                \
      u64 m = t0 * (u64)(INV);                                                                    \
      u128 C = (u128)m * p0 + t0;                                                                 \
      A = (u128)a1 * bi + t1 + (A >> 64);                                                         \
      C = (u128)m * p1 + (u64)A + (C >> 64);                                                      \
      t0 = (u64)C;                                                                                \
      A = (u128)a2 * bi + t2 + (A >> 64);                                                         \
      C = (u128)m * p2 + (u64)A + (C >> 64);                                                      \
      t1 = (u64)C;                                                                                \
      A = (u128)a3 * bi + t3 + (A >> 64);                                                         \
      C = (u128)m * p3 + (u64)A + (C >> 64);                                                      \
      t2 = (u64)C;                                                                                \
      t3 = (u64)(C >> 64) + (u64)(A >> 64);                                                       \
    }                                                                                             \
    u64 t[4] = {t0, t1, t2, t3};                                                                  \
    if (NAME##_geq_p(t)) NAME##_sub_p(t);                                                         \
    memcpy(o->v, t, 32);                                                                          \
  }                                                                                               \
  static inline void NAME##_sqr(NAME *o, const NAME *a) { NAME##_mul(o, a, a); }                  \
  static inline int NAME##_is_zero(const NAME *a) { return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0; } \
  static inline int NAME##_eq(const NAME *a, const NAME *b) { return memcmp(a->v, b->v, 32) == 0; } \
  /* Montgomery form of a standard-form value below p, and back. */                              \
  static inline void NAME##_to_mont(NAME *o, const NAME *a) { NAME##_mul(o, a, &NAME##_R2); }     \
  static inline void NAME##_from_mont(NAME *o, const NAME *a) {                                   \
    NAME one = {{1, 0, 0, 0}};                                                                    \
    NAME##_mul(o, a, &one);                                                                       \
  }                                                                                               \
  /* a^e for a standard-form exponent e (Montgomery in, Montgomery out). */                       \
  static inline void NAME##_pow(NAME *o, const NAME *a, const u64 *e) {                           \
    NAME r = NAME##_ONE, b = *a;                                                                  \
    for (int i = 0; i < 256; i++) {                                                               \
      if ((e[i >> 6] >> (i & 63)) & 1) NAME##_mul(&r, &r, &b);                                    \
      NAME##_sqr(&b, &b);                                                                         \
    }                                                                                             \
    *o = r;                                                                                       \
  }                                                                                               \
  static inline void NAME##_inv(NAME *o, const NAME *a) {                                         \
    u64 e[4];                                                                                     \
    memcpy(e, NAME##_P.v, 32);                                                                    \
    e[0] -= 2; /* p - 2: p is odd and its low limb is > 2 */                                      \
    NAME##_pow(o, a, e);                                                                          \
  }                                                                                               \
  /* Computes R mod p and R^2 mod p by doubling, so no constant can be mistyped; checks INV. */    \
  static int NAME##_init(void) {                                                                  \
    if ((u64)(NAME##_P.v[0] * (u64)(INV)) != (u64)-1) return 0;                                   \
    NAME x = {{1, 0, 0, 0}};                                                                      \
    for (int i = 0; i < 512; i++) {                                                               \
      NAME##_add(&x, &x, &x);                                                                     \
      if (i == 255) NAME##_ONE = x;                                                               \
    }                                                                                             \
    NAME##_R2 = x;                                                                                \
    return 1;                                                                                     \
  }

DEFINE_FIELD(fq, 0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL, 0x87d20782e4866389ULL)
DEFINE_FIELD(fr, 0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL, 0xc2e1f593efffffffULL)

/* Fq2 = Fq[u] / (u^2 + 1), BN254's G2 coordinate field. */
typedef struct { fq c0, c1; } fq2;
static inline void fq2_add(fq2 *o, const fq2 *a, const fq2 *b) { fq_add(&o->c0, &a->c0, &b->c0); fq_add(&o->c1, &a->c1, &b->c1); }
static inline void fq2_sub(fq2 *o, const fq2 *a, const fq2 *b) { fq_sub(&o->c0, &a->c0, &b->c0); fq_sub(&o->c1, &a->c1, &b->c1); }
static inline void fq2_dbl(fq2 *o, const fq2 *a) { fq2_add(o, a, a); }
static inline void fq2_neg(fq2 *o, const fq2 *a) { fq_neg(&o->c0, &a->c0); fq_neg(&o->c1, &a->c1); }
static inline void fq2_mul(fq2 *o, const fq2 *a, const fq2 *b) {
  fq t0, t1, s0, s1, m;
  fq_mul(&t0, &a->c0, &b->c0);
  fq_mul(&t1, &a->c1, &b->c1);
  fq_add(&s0, &a->c0, &a->c1);
  fq_add(&s1, &b->c0, &b->c1);
  fq_mul(&m, &s0, &s1); /* Karatsuba: (a0+a1)(b0+b1) - a0b0 - a1b1 = a0b1 + a1b0 */
  fq_sub(&m, &m, &t0);
  fq_sub(&o->c1, &m, &t1);
  fq_sub(&o->c0, &t0, &t1);
}
static inline void fq2_sqr(fq2 *o, const fq2 *a) {
  fq s, d, m;
  fq_add(&s, &a->c0, &a->c1);
  fq_sub(&d, &a->c0, &a->c1);
  fq_mul(&m, &a->c0, &a->c1);
  fq_mul(&o->c0, &s, &d); /* (a0+a1)(a0-a1) = a0^2 - a1^2 */
  fq_dbl(&o->c1, &m);
}
static inline int fq2_is_zero(const fq2 *a) { return fq_is_zero(&a->c0) && fq_is_zero(&a->c1); }
static inline int fq2_eq(const fq2 *a, const fq2 *b) { return fq_eq(&a->c0, &b->c0) && fq_eq(&a->c1, &b->c1); }
static inline void fq2_inv(fq2 *o, const fq2 *a) {
  fq n, t, i;
  fq_sqr(&n, &a->c0);
  fq_sqr(&t, &a->c1);
  fq_add(&n, &n, &t); /* norm a0^2 + a1^2, since u^2 = -1 */
  fq_inv(&i, &n);
  fq_mul(&o->c0, &a->c0, &i);
  fq_mul(&t, &a->c1, &i);
  fq_neg(&o->c1, &t);
}
#endif
