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

/* k * p for a standard-form scalar k, with a fixed 4-bit window: 252 doublings and at most 64
 * additions, against 254 + 127 on average for double-and-add. o may alias p. */
static void GN(_mul_window)(GN(_jac) * o, const GN(_jac) * p, const u64 *k) {
  GN(_jac) table[16];
  GN(_set_inf)(&table[0]);
  table[1] = *p;
  for (int i = 2; i < 16; i++) GN(_add)(&table[i], &table[i - 1], p);
  GN(_jac) r;
  GN(_set_inf)(&r);
  for (int w = 63; w >= 0; w--) {
    if (w != 63) {
      GN(_double)(&r, &r);
      GN(_double)(&r, &r);
      GN(_double)(&r, &r);
      GN(_double)(&r, &r);
    }
    unsigned nib = (unsigned)((k[w >> 4] >> ((w & 15) * 4)) & 15);
    if (nib) GN(_add)(&r, &r, &table[nib]);
  }
  *o = r;
}

typedef struct { GN(_jac) * a; const u64 (*tw)[4]; size_t half, step; } GN(_fft_stage);

/* One butterfly layer of a decimation-in-time FFT; butterfly k is in block k / half. */
static void GN(_fft_layer)(void *ctx, size_t from, size_t to) {
  GN(_fft_stage) *s = ctx;
  for (size_t k = from; k < to; k++) {
    size_t j = k % s->half, i = (k / s->half) * 2 * s->half + j;
    GN(_jac) u = s->a[i], v = s->a[i + s->half];
    if (j != 0) GN(_mul_window)(&v, &v, s->tw[j * s->step]); /* twiddle w^0 = 1 needs no product */
    GN(_add)(&s->a[i], &u, &v);
    FN(_neg)(&v.Y, &v.Y);
    GN(_add)(&s->a[i + s->half], &u, &v);
  }
}

typedef struct { GN(_jac) * a; const u64 *k; } GN(_scale_ctx);
static void GN(_scale_range)(void *ctx, size_t from, size_t to) {
  GN(_scale_ctx) *c = ctx;
  for (size_t i = from; i < to; i++) GN(_mul_window)(&c->a[i], &c->a[i], c->k);
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
 * G.lagrangeEvaluations (G.ifft) computes for n <= 2^28. invTw[i] = w^(-i) in standard form for
 * i < n/2, nInv = 1/n in standard form. a is the work array (Jacobian, n entries), scratch n Fs.
 */
static void GN(_ifft_affine)(const GN(_affine) * in, size_t n, int log2n, const u64 (*invTw)[4], const u64 *nInv, GN(_jac) * a, F *scratch, GN(_affine) * out) {
  for (size_t i = 0; i < n; i++) {
    size_t r = 0;
    for (int b = 0; b < log2n; b++) r |= ((i >> b) & 1) << (log2n - 1 - b);
    GN(_from_affine)(&a[r], &in[i]);
  }
  for (size_t half = 1; half < n; half <<= 1) {
    GN(_fft_stage) s = {a, invTw, half, n / (2 * half)};
    parallel_for(GN(_fft_layer), &s, n / 2);
  }
  if (n > 1) {
    GN(_scale_ctx) sc = {a, nInv};
    parallel_for(GN(_scale_range), &sc, n);
  }
  GN(_affine_ctx) ac = {a, out, scratch};
  parallel_for(GN(_affine_range), &ac, n);
}

#undef FN
#undef GN
