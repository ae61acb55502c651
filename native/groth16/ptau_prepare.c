/*
 * snarkjs's `powersoftau prepare phase2` for BN254, natively: reads a ptau with the raw powers
 * (sections 1-7) and writes the same file snarkjs 0.7 writes, byte for byte:
 *
 *   ptau_prepare <in.ptau> <out.ptau> [threads]
 *
 * Output: magic "ptau", version 1, 11 sections: 1 (header, ceremonyPower = power), 2-7 copied
 * unchanged, then 12-15 = the Lagrange forms of 2 (tauG1), 3 (tauG2), 4 (alphaTauG1), 5 (betaTauG1):
 * for every p in 0..power the inverse DFT of the section's first 2^p points over the 2^p-th roots
 * of unity ffjavascript uses, and for tauG1 also p = power + 1 on its 2^(power+1) - 1 points plus
 * the point at infinity (snarkjs powersoftau_preparephase2.js, ffjavascript engine_fft.js). Points
 * are affine, Montgomery little-endian, infinity (0, 0): affine coordinates are unique, so equal
 * group elements give equal bytes whatever order the additions ran in.
 *
 * stderr: "section <name>" as each section starts and "power <p>/<last>" as each size finishes
 * (progress), or one "ptau_prepare: <file>: ..." line. Exit 0 ok, 3 bad input, 70+ internal failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "field.h"
#define PROGRAM_NAME "ptau_prepare"
#include "program.h"
#include "iden3_file.h"

#define fq_ONE_VALUE fq_ONE
#define fq2_ONE_VALUE ((fq2){fq_ONE, {{0, 0, 0, 0}}})
#define G g1
#define F fq
#define F_ fq
#include "group.h"
#include "group_fft.h"
#undef G
#undef F
#undef F_
#define G g2
#define F fq2
#define F_ fq2
#include "group.h"
#include "group_fft.h"
#undef G
#undef F
#undef F_

/* ---------- the input ptau: magic, version, then typed sections ---------- */

static const char *SECTION_NAMES[16] = {"", "1 (header)", "2 (tauG1)", "3 (tauG2)", "4 (alphaTauG1)", "5 (betaTauG1)", "6 (betaG2)", "7 (contributions)"};

static void open_ptau(binfile *f, const char *path) {
  // Sections 12-15 of an already prepared file are ignored (they are written again).
  open_binfile(f, path, "ptau", 1, 1, 7, SECTION_NAMES);
  for (int s = 1; s <= 7; s++)
    if (!f->section[s]) fail(3, "%s: section %s is missing", path, SECTION_NAMES[s]);
}

static void need_size(const binfile *f, int s, u64 expected) {
  if (f->sectionSize[s] != expected)
    fail(3, "%s: section %s is %llu bytes, expected %llu", f->path, SECTION_NAMES[s], (unsigned long long)f->sectionSize[s], (unsigned long long)expected);
}

/* ---------- output ---------- */

static FILE *OUT;
static const char *OUT_PATH;
static void put(const void *p, size_t n) {
  if (n && fwrite(p, 1, n, OUT) != n) fail(74, "%s: cannot write (%s)", OUT_PATH, strerror(errno));
}
static void put32(uint32_t v) { put(&v, 4); }
static void put64(u64 v) { put(&v, 8); }
static void put_section_header(uint32_t id, u64 size) {
  put32(id);
  put64(size);
}

/* ---------- roots of unity, exactly as ffjavascript picks them ---------- */

/* w[k] = nqr^((r-1)/2^28) squared down to order 2^k, nqr the first non-residue counting from 2
 * (the same derivation as groth16_prove.c: the zkeys' H points assume these roots). */
static void roots_of_unity(fr w[29]) {
  u64 half[4], t28[4];
  memcpy(half, fr_P.v, 32);
  half[0] -= 1;
  memcpy(t28, half, 32);
  for (int i = 0; i < 28; i++)
    for (int l = 0; l < 4; l++) t28[l] = (t28[l] >> 1) | (l < 3 ? t28[l + 1] << 63 : 0);
  for (int l = 0; l < 4; l++) half[l] = (half[l] >> 1) | (l < 3 ? half[l + 1] << 63 : 0);
  fr nqr, two = {{2, 0, 0, 0}}, minusOne, e;
  fr_to_mont(&nqr, &two);
  fr_neg(&minusOne, &fr_ONE);
  for (;;) {
    fr_pow(&e, &nqr, half);
    if (fr_eq(&e, &minusOne)) break;
    fr_add(&nqr, &nqr, &fr_ONE);
  }
  fr_pow(&w[28], &nqr, t28);
  for (int k = 27; k >= 0; k--) fr_sqr(&w[k], &w[k + 1]);
  if (!fr_eq(&w[0], &fr_ONE)) fail(70, "roots of unity are inconsistent");
}

/* For i < 2^(k-1): invTw[i] = w_k^(-i), lastTw[i] = w_k^(-i) / 2^k; nInv = 2^-k. All in standard
 * form (scalars). */
static void twiddles(const fr w[29], int k, u64 (*invTw)[4], u64 (*lastTw)[4], u64 *nInv) {
  fr wInv, acc = fr_ONE, std, scaled;
  fr n = {{(u64)1 << k, 0, 0, 0}}, nm, ni;
  fr_to_mont(&nm, &n);
  fr_inv(&ni, &nm);
  fr_from_mont(&std, &ni);
  memcpy(nInv, std.v, 32);
  fr_inv(&wInv, &w[k]);
  size_t halfN = ((size_t)1 << k) / 2;
  for (size_t i = 0; i < halfN; i++) {
    fr_from_mont(&std, &acc);
    memcpy(invTw[i], std.v, 32);
    fr_mul(&scaled, &acc, &ni);
    fr_from_mont(&std, &scaled);
    memcpy(lastTw[i], std.v, 32);
    fr_mul(&acc, &acc, &wInv);
  }
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: ptau_prepare <in.ptau> <out.ptau> [threads]\n");
    return 2;
  }
  if (argc == 4) {
    THREADS = atoi(argv[3]);
    if (THREADS < 1 || THREADS > 64) fail(2, "threads must be 1..64, got %s", argv[3]);
  }
  if (!fq_init() || !fr_init()) fail(70, "field constants are inconsistent");
  const char *inPath = argv[1];
  binfile in;
  open_ptau(&in, inPath);

  /* Header: n8q = 32, q, power, ceremonyPower. */
  if (in.sectionSize[1] != 4 + 32 + 4 + 4) need_size(&in, 1, 4 + 32 + 4 + 4);
  if (rd32(in.section[1]) != 32) fail(3, "%s: section 1 (header): field size %u bytes, expected 32 (BN254)", inPath, rd32(in.section[1]));
  if (memcmp(in.section[1] + 4, fq_P.v, 32) != 0) fail(3, "%s: section 1 (header): the curve is not BN254 (its base field modulus differs)", inPath);
  uint32_t power = rd32(in.section[1] + 36);
  if (power < 1 || power > 27) fail(3, "%s: section 1 (header): power %u outside 1..27", inPath, power);
  u64 N = (u64)1 << power;
  need_size(&in, 2, (2 * N - 1) * 64);
  need_size(&in, 3, N * 128);
  need_size(&in, 4, N * 64);
  need_size(&in, 5, N * 64);

  OUT_PATH = argv[2];
  OUT = fopen(OUT_PATH, "wb");
  if (!OUT) fail(74, "%s: cannot create (%s)", OUT_PATH, strerror(errno));
  setvbuf(OUT, NULL, _IOFBF, 1 << 22);
  put("ptau", 4);
  put32(1);
  put32(11);
  put_section_header(1, 44);
  put(in.section[1], 40); /* n8q, q, power */
  put32(power);           /* ceremonyPower: snarkjs's writePTauHeader sets it to power */
  for (int s = 2; s <= 7; s++) {
    put_section_header((uint32_t)s, in.sectionSize[s]);
    put(in.section[s], in.sectionSize[s]);
  }

  fr w[29];
  roots_of_unity(w);
  size_t maxN = (size_t)2 * N; /* tauG1 goes one power further */
  u64(*invTw)[4] = malloc(maxN / 2 * sizeof *invTw);
  u64(*lastTw)[4] = malloc(maxN / 2 * sizeof *lastTw);
  g2_jac *work = malloc(maxN * sizeof(g2_jac)); /* shared by both groups: G2 is the larger */
  fq2 *scratch = malloc(maxN * sizeof(fq2));
  g2_affine *outBuf = malloc(maxN * sizeof(g2_affine));
  uint8_t *padded = malloc(maxN * sizeof(g2_affine)); /* an aligned copy of the input points */
  if (!invTw || !lastTw || !work || !scratch || !outBuf || !padded) fail(70, "out of memory for 2^%u points", power + 1);

  static const struct { int from, to, g2; const char *name; } SECTIONS[4] = {
      {2, 12, 0, "tauG1"}, {3, 13, 1, "tauG2"}, {4, 14, 0, "alphaTauG1"}, {5, 15, 0, "betaTauG1"}};
  for (int s = 0; s < 4; s++) {
    fprintf(stderr, "section %s\n", SECTIONS[s].name);
    fflush(stderr);
    uint32_t last = SECTIONS[s].from == 2 ? power + 1 : power;
    size_t pointSize = SECTIONS[s].g2 ? 128 : 64;
    put_section_header((uint32_t)SECTIONS[s].to, (((u64)2 << last) - 1) * pointSize);
    for (uint32_t p = 0; p <= last; p++) {
      size_t n = (size_t)1 << p;
      u64 nInv[4];
      twiddles(w, (int)p, invTw, lastTw, nInv);
      const uint8_t *src = padded;
      if (p == power + 1) { /* 2^(power+1) - 1 powers, then the point at infinity */
        memcpy(padded, in.section[SECTIONS[s].from], (n - 1) * pointSize);
        memset(padded + (n - 1) * pointSize, 0, pointSize);
      } else {
        memcpy(padded, in.section[SECTIONS[s].from], n * pointSize);
      }
      if (SECTIONS[s].g2) {
        g2_ifft_affine((const g2_affine *)src, n, (int)p, (const u64(*)[4])invTw, (const u64(*)[4])lastTw, nInv, work, scratch, outBuf);
      } else {
        g1_ifft_affine((const g1_affine *)src, n, (int)p, (const u64(*)[4])invTw, (const u64(*)[4])lastTw, nInv, (g1_jac *)work, (fq *)scratch, (g1_affine *)outBuf);
      }
      put(outBuf, n * pointSize);
      fprintf(stderr, "power %s %u/%u\n", SECTIONS[s].name, p, last);
      fflush(stderr);
    }
  }
  if (fclose(OUT) != 0) fail(74, "%s: cannot write (%s)", OUT_PATH, strerror(errno));
  return 0;
}
