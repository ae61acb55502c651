/*
 * Jacobian arithmetic for y^2 = x^3 + b (a = 0), written once and included twice: for G1 over Fq
 * and for G2 over Fq2. The includer defines G (the prefix), F (the coordinate field type) and F_
 * (its function prefix). Infinity is Z = 0 in Jacobian form and (0, 0) in affine form, as snarkjs
 * writes it in a .zkey. b is never needed: doubling and addition on a = 0 curves do not use it.
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(F_, name)
#define GN(name) CAT(G, name)

typedef struct { F x, y; } GN(_affine);
typedef struct { F X, Y, Z; } GN(_jac);

static inline int GN(_is_inf)(const GN(_jac) * p) { return FN(_is_zero)(&p->Z); }
static inline void GN(_set_inf)(GN(_jac) * p) { memset(p, 0, sizeof *p); }
static inline int GN(_affine_is_inf)(const GN(_affine) * p) { return FN(_is_zero)(&p->x) && FN(_is_zero)(&p->y); }

/* dbl-2009-l */
static inline void GN(_double)(GN(_jac) * o, const GN(_jac) * p) {
  if (GN(_is_inf)(p)) { *o = *p; return; }
  F A, B, C, D, E, Fs, t, Z3;
  FN(_sqr)(&A, &p->X);
  FN(_sqr)(&B, &p->Y);
  FN(_sqr)(&C, &B);
  FN(_add)(&t, &p->X, &B);
  FN(_sqr)(&t, &t);
  FN(_sub)(&t, &t, &A);
  FN(_sub)(&t, &t, &C);
  FN(_dbl)(&D, &t);
  FN(_dbl)(&E, &A);
  FN(_add)(&E, &E, &A);
  FN(_sqr)(&Fs, &E);
  FN(_mul)(&Z3, &p->Y, &p->Z);
  FN(_dbl)(&o->Z, &Z3);
  FN(_dbl)(&t, &D);
  FN(_sub)(&o->X, &Fs, &t);
  FN(_sub)(&t, &D, &o->X);
  FN(_mul)(&t, &E, &t);
  FN(_dbl)(&C, &C);
  FN(_dbl)(&C, &C);
  FN(_dbl)(&C, &C);
  FN(_sub)(&o->Y, &t, &C);
}

/* madd-2007-bl: p (Jacobian) + q (affine, not infinity). o may alias p. */
static inline void GN(_add_mixed)(GN(_jac) * o, const GN(_jac) * p, const GN(_affine) * q) {
  if (GN(_is_inf)(p)) {
    o->X = q->x;
    o->Y = q->y;
    o->Z = FN(_ONE_VALUE);
    return;
  }
  F Z1Z1, U2, S2, H, HH, I, J, r, V, t;
  FN(_sqr)(&Z1Z1, &p->Z);
  FN(_mul)(&U2, &q->x, &Z1Z1);
  FN(_mul)(&S2, &q->y, &p->Z);
  FN(_mul)(&S2, &S2, &Z1Z1);
  FN(_sub)(&H, &U2, &p->X);
  FN(_sub)(&r, &S2, &p->Y);
  if (FN(_is_zero)(&H)) {
    if (FN(_is_zero)(&r)) GN(_double)(o, p);
    else GN(_set_inf)(o);
    return;
  }
  FN(_dbl)(&r, &r);
  FN(_sqr)(&HH, &H);
  FN(_dbl)(&I, &HH);
  FN(_dbl)(&I, &I);
  FN(_mul)(&J, &H, &I);
  FN(_mul)(&V, &p->X, &I);
  F Y1J, Z3;
  FN(_mul)(&Y1J, &p->Y, &J);
  FN(_add)(&Z3, &p->Z, &H);
  FN(_sqr)(&Z3, &Z3);
  FN(_sub)(&Z3, &Z3, &Z1Z1);
  FN(_sub)(&o->Z, &Z3, &HH);
  FN(_sqr)(&t, &r);
  FN(_sub)(&t, &t, &J);
  FN(_sub)(&t, &t, &V);
  FN(_sub)(&o->X, &t, &V);
  FN(_sub)(&t, &V, &o->X);
  FN(_mul)(&t, &r, &t);
  FN(_dbl)(&Y1J, &Y1J);
  FN(_sub)(&o->Y, &t, &Y1J);
}

/* add-2007-bl. o may alias p or q. */
static inline void GN(_add)(GN(_jac) * o, const GN(_jac) * p, const GN(_jac) * q) {
  if (GN(_is_inf)(p)) { *o = *q; return; }
  if (GN(_is_inf)(q)) { *o = *p; return; }
  F Z1Z1, Z2Z2, U1, U2, S1, S2, H, I, J, r, V, t;
  FN(_sqr)(&Z1Z1, &p->Z);
  FN(_sqr)(&Z2Z2, &q->Z);
  FN(_mul)(&U1, &p->X, &Z2Z2);
  FN(_mul)(&U2, &q->X, &Z1Z1);
  FN(_mul)(&S1, &p->Y, &q->Z);
  FN(_mul)(&S1, &S1, &Z2Z2);
  FN(_mul)(&S2, &q->Y, &p->Z);
  FN(_mul)(&S2, &S2, &Z1Z1);
  FN(_sub)(&H, &U2, &U1);
  FN(_sub)(&r, &S2, &S1);
  if (FN(_is_zero)(&H)) {
    if (FN(_is_zero)(&r)) GN(_double)(o, p);
    else GN(_set_inf)(o);
    return;
  }
  FN(_dbl)(&r, &r);
  FN(_dbl)(&I, &H);
  FN(_sqr)(&I, &I);
  FN(_mul)(&J, &H, &I);
  FN(_mul)(&V, &U1, &I);
  F Z3;
  FN(_add)(&Z3, &p->Z, &q->Z);
  FN(_sqr)(&Z3, &Z3);
  FN(_sub)(&Z3, &Z3, &Z1Z1);
  FN(_sub)(&Z3, &Z3, &Z2Z2);
  FN(_mul)(&o->Z, &Z3, &H);
  FN(_sqr)(&t, &r);
  FN(_sub)(&t, &t, &J);
  FN(_sub)(&t, &t, &V);
  FN(_sub)(&o->X, &t, &V);
  FN(_sub)(&t, &V, &o->X);
  FN(_mul)(&t, &r, &t);
  FN(_mul)(&S1, &S1, &J);
  FN(_dbl)(&S1, &S1);
  FN(_sub)(&o->Y, &t, &S1);
}

static inline void GN(_from_affine)(GN(_jac) * o, const GN(_affine) * a) {
  if (GN(_affine_is_inf)(a)) { GN(_set_inf)(o); return; }
  o->X = a->x;
  o->Y = a->y;
  o->Z = FN(_ONE_VALUE);
}

/* k * p for a standard-form scalar k (double-and-add: only used a few times per proof). */
static void GN(_mul_scalar)(GN(_jac) * o, const GN(_jac) * p, const u64 *k) {
  GN(_jac) r;
  GN(_set_inf)(&r);
  for (int i = 255; i >= 0; i--) {
    GN(_double)(&r, &r);
    if ((k[i >> 6] >> (i & 63)) & 1) GN(_add)(&r, &r, p);
  }
  *o = r;
}

/* Affine (x, y) of p; infinity becomes (0, 0). */
static void GN(_to_affine)(GN(_affine) * o, const GN(_jac) * p) {
  if (GN(_is_inf)(p)) { memset(o, 0, sizeof *o); return; }
  F zi, zi2, zi3;
  FN(_inv)(&zi, &p->Z);
  FN(_sqr)(&zi2, &zi);
  FN(_mul)(&zi3, &zi2, &zi);
  FN(_mul)(&o->x, &p->X, &zi2);
  FN(_mul)(&o->y, &p->Y, &zi3);
}

#undef FN
#undef GN
