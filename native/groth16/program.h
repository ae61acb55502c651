/*
 * What both native programs (groth16_prove, ptau_prepare) need around their arithmetic: one way to
 * fail (a line on stderr naming the program, then exit) and a parallel for over [0, n) on pthreads.
 * The includer defines PROGRAM_NAME first.
 */
#ifndef POA_PROGRAM_H
#define POA_PROGRAM_H
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void fail(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(PROGRAM_NAME ": ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

typedef void (*range_fn)(void *ctx, size_t from, size_t to);
typedef struct { range_fn fn; void *ctx; size_t from, to; } range_task;
static void *range_run(void *arg) {
  range_task *t = arg;
  t->fn(t->ctx, t->from, t->to);
  return NULL;
}
/** Threads of parallel_for (at most 64); the program sets it from its command line. */
static int THREADS = 1;
/** fn over [0, n) split into THREADS equal ranges, or in this thread when n < grain (threads cost more than the work). */
static void parallel_for(range_fn fn, void *ctx, size_t n, size_t grain) {
  int T = THREADS;
  if (n < grain || T <= 1) { fn(ctx, 0, n); return; }
  range_task tasks[64];
  pthread_t ids[64];
  for (int t = 0; t < T; t++) tasks[t] = (range_task){fn, ctx, n * t / T, n * (t + 1) / T};
  for (int t = 1; t < T; t++)
    if (pthread_create(&ids[t], NULL, range_run, &tasks[t]) != 0) fail(71, "cannot start a thread");
  range_run(&tasks[0]);
  for (int t = 1; t < T; t++) pthread_join(ids[t], NULL);
}
#endif
