// scoring.c: the Node-API face of score_kernel.h, loaded by prover/influence/nativeScoring.ts in
// the main thread (self-check) and in every scoring worker thread.
//
// Context-aware (NAPI_MODULE_INIT, no mutable globals): each worker thread loads its own instance.
// Exports:
//   scoreShard(features, k, start, end, queries, topK, sampleStride)
//     features: an Int16Array (over an ArrayBuffer or a SharedArrayBuffer) or a mapping from
//     openFeatures; queries: an Int32Array of Q * k values within +-(2^15 - 1). Returns, for each
//     query, { positions, scores (Float64Array, best first), positive, min, max, sum, positiveSum
//     (BigInt, exact), sample (Float64Array: scores at positions that are multiples of sampleStride) }.
//   openFeatures(path) -> { handle, byteLength }: the file mapped read-only (unmapped when the
//     handle is collected). Never exposed as an ArrayBuffer, so JS cannot write to the mapping.
//   isa: the widest path the kernel was compiled with ("avx512vnni", "avxvnni", "avx2", "scalar").
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "score_kernel.h"

#define FEATURE_BOUND 32767

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, "POA_NATIVE_SCORING", #call " failed"); \
      return NULL;                                               \
    }                                                            \
  } while (0)

typedef struct { void *base; size_t length; } mapping_t;

static void unmap(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  mapping_t *m = data;
  if (m->length) munmap(m->base, m->length);
  free(m);
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "POA_NATIVE_SCORING", message);
  return NULL;
}

static int get_int64(napi_env env, napi_value v, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != (double)(int64_t)d) return 0;
  *out = (int64_t)d;
  return 1;
}

static napi_value make_bigint(napi_env env, i128 x) {
  int sign = x < 0;
  unsigned __int128 u = sign ? -(unsigned __int128)x : (unsigned __int128)x;
  uint64_t words[2] = { (uint64_t)u, (uint64_t)(u >> 64) };
  napi_value out;
  if (napi_create_bigint_words(env, sign, words[1] ? 2 : 1, words, &out) != napi_ok) return NULL;
  return out;
}

static napi_value make_f64(napi_env env, size_t n, double **data) {
  napi_value ab, arr;
  void *p;
  if (napi_create_arraybuffer(env, n * sizeof(double), &p, &ab) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_float64_array, n, ab, 0, &arr) != napi_ok) return NULL;
  *data = p;
  return arr;
}

static int set_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value x;
  return napi_create_double(env, v, &x) == napi_ok && napi_set_named_property(env, obj, name, x) == napi_ok;
}

// The feature bytes: an Int16Array, or an openFeatures handle.
static int feature_bytes(napi_env env, napi_value v, const int16_t **data, size_t *bytes) {
  bool is_typed;
  napi_valuetype type;
  if (napi_is_typedarray(env, v, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type t;
    size_t length, offset;
    void *p;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &t, &length, &p, &ab, &offset) != napi_ok || t != napi_int16_array) return 0;
    *data = p;
    *bytes = length * sizeof(int16_t);
    return 1;
  }
  if (napi_typeof(env, v, &type) == napi_ok && type == napi_object) {
    napi_value h;
    if (napi_get_named_property(env, v, "handle", &h) != napi_ok || napi_typeof(env, h, &type) != napi_ok || type != napi_external) return 0;
    mapping_t *m;
    if (napi_get_value_external(env, h, (void **)&m) != napi_ok) return 0;
    *data = m->base;
    *bytes = m->length;
    return 1;
  }
  return 0;
}

static napi_value score_shard_js(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) return throw_range(env, "scoreShard(features, k, start, end, queries, topK, sampleStride): 7 arguments expected");
  const int16_t *features;
  size_t bytes;
  if (!feature_bytes(env, argv[0], &features, &bytes)) return throw_range(env, "features: expected an Int16Array or an openFeatures mapping");
  int64_t k, start, end, top_k, stride;
  if (!get_int64(env, argv[1], &k) || k < 1 || k >= (1 << 23)) return throw_range(env, "k: expected an integer in [1, 2^23)");
  if (!get_int64(env, argv[2], &start) || !get_int64(env, argv[3], &end) || start < 0 || end < start || (uint64_t)end * (uint64_t)k * 2 > bytes)
    return throw_range(env, "start, end: expected 0 <= start <= end <= records in features");
  if (!get_int64(env, argv[5], &top_k) || top_k < 1) return throw_range(env, "topK: expected a positive integer");
  if (!get_int64(env, argv[6], &stride) || stride < 1) return throw_range(env, "sampleStride: expected a positive integer");
  bool is_typed;
  napi_typedarray_type qt;
  size_t qlen, qoff;
  void *qp;
  napi_value qab;
  CHECK(napi_is_typedarray(env, argv[4], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[4], &qt, &qlen, &qp, &qab, &qoff) != napi_ok || qt != napi_int32_array || qlen == 0 || qlen % k)
    return throw_range(env, "queries: expected an Int32Array of Q * k values, Q >= 1");
  const int32_t *q = qp;
  // The exactness argument in score_kernel.h needs |q| <= 2^15 - 1: re-checked here, it is cheap.
  for (size_t j = 0; j < qlen; j++)
    if (q[j] > FEATURE_BOUND || q[j] < -FEATURE_BOUND) return throw_range(env, "queries: a value is outside +-(2^15 - 1)");
  int64_t Q = (int64_t)qlen / k, n = end - start;
  int64_t cap = top_k < n ? top_k : n;
  int64_t samples = n ? (end - 1) / stride - (start + stride - 1) / stride + 1 : 0;
  if (samples < 0) samples = 0;

  query_state_t *states = calloc((size_t)Q, sizeof(query_state_t));
  scored_t *heaps = malloc((size_t)(Q * (cap ? cap : 1)) * sizeof(scored_t));
  double *sample_buf = malloc((size_t)(Q * (samples ? samples : 1)) * sizeof(double));
  if (!states || !heaps || !sample_buf) {
    free(states); free(heaps); free(sample_buf);
    napi_throw_error(env, "POA_NATIVE_SCORING", "out of memory");
    return NULL;
  }
  for (int64_t j = 0; j < Q; j++) {
    states[j].heap = heaps + j * cap;
    states[j].cap = cap;
    states[j].sample = sample_buf + j * samples;
  }
  int rc = n ? score_shard(features, k, start, end, q, Q, states, stride) : 0;
  napi_value result = NULL;
  if (rc != 0) {
    napi_throw_error(env, "POA_NATIVE_SCORING", "out of memory");
    goto done;
  }
  if (napi_create_array_with_length(env, (size_t)Q, &result) != napi_ok) goto fail;
  for (int64_t j = 0; j < Q; j++) {
    query_state_t *st = &states[j];
    napi_value obj, positions, scores, sample, sum, psum;
    double *pp, *sp, *smp;
    if (napi_create_object(env, &obj) != napi_ok) goto fail;
    if (!(positions = make_f64(env, (size_t)st->size, &pp)) || !(scores = make_f64(env, (size_t)st->size, &sp))) goto fail;
    for (int64_t i = 0; i < st->size; i++) {
      pp[i] = (double)st->heap[i].position;
      sp[i] = (double)st->heap[i].score;
    }
    if (!(sample = make_f64(env, (size_t)st->sample_count, &smp))) goto fail;
    if (st->sample_count) memcpy(smp, st->sample, (size_t)st->sample_count * sizeof(double));
    if (!(sum = make_bigint(env, st->sum)) || !(psum = make_bigint(env, st->positive_sum))) goto fail;
    if (napi_set_named_property(env, obj, "positions", positions) != napi_ok || napi_set_named_property(env, obj, "scores", scores) != napi_ok ||
        napi_set_named_property(env, obj, "sample", sample) != napi_ok || napi_set_named_property(env, obj, "sum", sum) != napi_ok ||
        napi_set_named_property(env, obj, "positiveSum", psum) != napi_ok || !set_number(env, obj, "count", (double)n) ||
        !set_number(env, obj, "positive", (double)st->positive) || !set_number(env, obj, "min", n ? (double)st->min : 0) ||
        !set_number(env, obj, "max", n ? (double)st->max : 0))
      goto fail;
    if (napi_set_element(env, result, (uint32_t)j, obj) != napi_ok) goto fail;
  }
  goto done;
fail:
  result = NULL;
  napi_throw_error(env, "POA_NATIVE_SCORING", "cannot build the result object");
done:
  free(states); free(heaps); free(sample_buf);
  return result;
}

static napi_value open_features_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1)
    return throw_range(env, "openFeatures(path): expected a path string");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    char message[4200];
    snprintf(message, sizeof message, "cannot open %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    napi_throw_error(env, "POA_NATIVE_SCORING", message);
    return NULL;
  }
  mapping_t *m = calloc(1, sizeof *m);
  if (!m) { close(fd); napi_throw_error(env, "POA_NATIVE_SCORING", "out of memory"); return NULL; }
  if (st.st_size > 0) {
    m->base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m->base == MAP_FAILED) {
      char message[4200];
      snprintf(message, sizeof message, "cannot map %s: %s", path, strerror(errno));
      close(fd); free(m);
      napi_throw_error(env, "POA_NATIVE_SCORING", message);
      return NULL;
    }
    m->length = (size_t)st.st_size;
    // Scoring streams the file front to back.
    madvise(m->base, m->length, MADV_SEQUENTIAL);
  }
  close(fd);
  napi_value handle, obj;
  if (napi_create_external(env, m, unmap, NULL, &handle) != napi_ok) { unmap(env, m, NULL); return NULL; }
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_set_named_property(env, obj, "handle", handle));
  if (!set_number(env, obj, "byteLength", (double)m->length)) return NULL;
  return obj;
}

NAPI_MODULE_INIT() {
  napi_value fn, isa;
  if (napi_create_function(env, "scoreShard", NAPI_AUTO_LENGTH, score_shard_js, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "scoreShard", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "openFeatures", NAPI_AUTO_LENGTH, open_features_js, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "openFeatures", fn) != napi_ok)
    return NULL;
  if (napi_create_string_utf8(env, KERNEL_ISA, NAPI_AUTO_LENGTH, &isa) != napi_ok || napi_set_named_property(env, exports, "isa", isa) != napi_ok)
    return NULL;
  return exports;
}
