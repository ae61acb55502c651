/*
 * Inverse FFT over curve points (the Lagrange basis of a powers-of-tau section), written once and
 * included after group.h for G1 and for G2 with the same G / F / F_ defines. Needs parallel_for,
 * fr (field.h) and the includer's THREADS. Points are Jacobian while they are combined and leave
 * as affine Montgomery coordinates, infinity as (0, 0), which is how snarkjs writes them.
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(F_, name)
#define GN(name) CAT(G, name)

#ifndef POA_WNAF5
#define POA_WNAF5
/* Width-5 NAF of a standard-form scalar k < 2^255: digits in {0, +-1, +-3, ..., +-15}, least
 * significant first, at most one nonzero in any 5 consecutive; returns the digit count. */
static int wnaf5(int8_t *digits, const u64 *k) {
  u64 t[4] = {k[0], k[1], k[2], k[3]};
  int len = 0;
  while (t[0] | t[1] | t[2] | t[3]) {
    int d = 0;
    if (t[0] & 1) {
      d = (int)(t[0] & 31);
      if (d >= 16) d -= 32;
      if (d > 0) { /* t -= d: t's low 5 bits are d, so no borrow beyond the low limb */
        t[0] -= (u64)d;
      } else { /* t += -d, carrying up (t < 2^255, so no overflow) */
        u64 c = (u64)(-d);
        for (int l = 0; l < 4 && c; l++) {
          t[l] += c;
          c = t[l] < c;
        }
      }
    }
    digits[len++] = (int8_t)d;
    for (int l = 0; l < 4; l++) t[l] = (t[l] >> 1) | (l < 3 ? t[l + 1] << 63 : 0);
  }
  return len;
}
#endif

/* k * p for a standard-form scalar k by width-5 NAF: about 254 doublings and 42 additions, against
 * 254 + 127 for double-and-add (o may alias p). */
static void GN(_mul_window)(GN(_jac) * o, const GN(_jac) * p, const u64 *k) {
  GN(_jac) odd[8], p2; /* odd[i] = (2i + 1) p */
  odd[0] = *p;
  GN(_double)(&p2, p);
  for (int i = 1; i < 8; i++) GN(_add)(&odd[i], &odd[i - 1], &p2);
  int8_t digits[260];
  int len = wnaf5(digits, k);
  GN(_jac) r;
  GN(_set_inf)(&r);
  for (int i = len - 1; i >= 0; i--) {
    GN(_double)(&r, &r);
    int d = digits[i];
    if (d > 0) GN(_add)(&r, &r, &odd[(d - 1) / 2]);
    else if (d < 0) {
      GN(_jac) q = odd[(-d - 1) / 2];
      FN(_neg)(&q.Y, &q.Y);
      GN(_add)(&r, &r, &q);
    }
  }
  *o = r;
}

/* tw: the layer's twiddles w^(-i); in the last layer uScale = 1/n and tw[i] = w^(-i) / n, so the
 * butterfly also applies the inverse FFT's 1/n (n products where a separate pass took 1.5 n). */
typedef struct { GN(_jac) * a; const u64 (*tw)[4]; const u64 *uScale; size_t half, step; } GN(_fft_stage);

/* One butterfly layer of a decimation-in-time FFT; butterfly k is in block k / half. */
static void GN(_fft_layer)(void *ctx, size_t from, size_t to) {
  GN(_fft_stage) *s = ctx;
  for (size_t k = from; k < to; k++) {
    size_t j = k % s->half, i = (k / s->half) * 2 * s->half + j;
    GN(_jac) u = s->a[i], v = s->a[i + s->half];
    if (s->uScale) {
      GN(_mul_window)(&u, &u, s->uScale);
      GN(_mul_window)(&v, &v, s->tw[j * s->step]);
    } else if (j != 0) {
      GN(_mul_window)(&v, &v, s->tw[j * s->step]); /* twiddle w^0 = 1 needs no product */
    }
    GN(_add)(&s->a[i], &u, &v);
    FN(_neg)(&v.Y, &v.Y);
    GN(_add)(&s->a[i + s->half], &u, &v);
  }
}

typedef struct { const GN(_jac) * in; GN(_affine) * out; F *scratch; } GN(_affine_ctx);
/* Batch conversion to affine: one inversion per range (Montgomery's trick), infinity -> (0, 0). */
static void GN(_affine_range)(void *ctx, size_t from, size_t to) {
  GN(_affine_ctx) *c = ctx;
  F acc = FN(_ONE_VALUE);
  for (size_t i = from; i < to; i++) {
    c->scratch[i] = acc;
    if (!GN(_is_inf)(&c->in[i])) FN(_mul)(&acc, &acc, &c->in[i].Z);
  }
  F inv;
  FN(_inv)(&inv, &acc);
  for (size_t i = to; i-- > from;) {
    const GN(_jac) *p = &c->in[i];
    if (GN(_is_inf)(p)) { memset(&c->out[i], 0, sizeof c->out[i]); continue; }
    F zi, zi2, zi3;
    FN(_mul)(&zi, &inv, &c->scratch[i]); /* 1 / Z_i */
    FN(_mul)(&inv, &inv, &p->Z);         /* now the inverse of the product before i */
    FN(_sqr)(&zi2, &zi);
    FN(_mul)(&zi3, &zi2, &zi);
    FN(_mul)(&c->out[i].x, &p->X, &zi2);
    FN(_mul)(&c->out[i].y, &p->Y, &zi3);
  }
}

/*
 * out[i] = (1/n) sum_j in[j] w^(-ij) for n = 2^log2n: the inverse DFT that snarkjs's
 * G.lagrangeEvaluations (G.ifft) computes for n <= 2^28. Scalars in standard form, for i < n/2:
 * invTw[i] = w^(-i), lastTw[i] = w^(-i) / n; nInv = 1/n. a is the work array (Jacobian, n
 * entries), scratch n Fs.
 */
static void GN(_ifft_affine)(const GN(_affine) * in, size_t n, int log2n, const u64 (*invTw)[4], const u64 (*lastTw)[4], const u64 *nInv, GN(_jac) * a, F *scratch, GN(_affine) * out) {
  for (size_t i = 0; i < n; i++) {
    size_t r = 0;
    for (int b = 0; b < log2n; b++) r |= ((i >> b) & 1) << (log2n - 1 - b);
    GN(_from_affine)(&a[r], &in[i]);
  }
  for (size_t half = 1; half < n; half <<= 1) {
    int last = 2 * half == n;
    GN(_fft_stage) s = {a, last ? lastTw : invTw, last ? nInv : NULL, half, n / (2 * half)};
    parallel_for(GN(_fft_layer), &s, n / 2, 64);
  }
  GN(_affine_ctx) ac = {a, out, scratch};
  parallel_for(GN(_affine_range), &ac, n, 64);
}

#undef FN
#undef GN
