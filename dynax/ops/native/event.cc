// Event-driven propagation on CPU, called through XLA's FFI (see dynax/ops/_native.py):
//   out[b] = init[b] + sum over i with events[b, i] != 0 of events[b, i] * W_b[i, :],
// with out aliased to init, so the weights are added in place. Each array may carry
// leading batch dimensions (from jax.vmap, vmap_method="expand_dims"): they flatten to
// 1 (shared by the batch) or to the batch size of the output.
// The ring variants (DynaxEventCsrRing, DynaxEventFanOutRing) add connection c instead
// into entry ((head + delay[c]) mod L) * n + j of a ring of L future steps of the n
// postsynaptic neurons (per-connection delays, dynax/connect/_delayed.py).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using dynax_native::last;
using dynax_native::lead;
using dynax_native::nonzero;

// The rows of successive events are far apart in memory: the loops prefetch the row
// pointer of the event 2 * kAhead ahead and the first targets of the event kAhead ahead,
// which halved the time of 672 rows of 64 connections into 320 000 neurons (480 -> 240
// us per call, 2-core EPYC).
constexpr size_t kAhead = 8;

void prefetch_targets(const int32_t* p) {  // the first 64 (four cache lines); never faults
  __builtin_prefetch(p);
  __builtin_prefetch(p + 16);
  __builtin_prefetch(p + 32);
  __builtin_prefetch(p + 48);
}

// The ring of per-connection delays: connection s adds into out[slot * n_post + j] with
// slot = (head + delay[s]) mod length, head already in [0, length).
struct Ring {
  const int32_t* delay = nullptr;
  int64_t head = 0, length = 1;
};

inline int64_t floor_mod(int64_t x, int64_t m) {  // in [0, m) for m > 0, as jnp's %
  const int64_t r = x % m;
  return r < 0 ? r + m : r;
}

// out[j] += e * weight[s] (or e * weight[0] for all, `scalar`) over the connections s of
// the active rows; row i holds the connections [begin[i], end[i]) of `targets` (CSR:
// begin = indptr, end = indptr + 1; a table: stride `width`), and targets outside
// [0, n_post) are padding. Whatever the arrays hold, nothing outside them is read or
// written: a CSR row's bounds are read as unsigned and capped at `n_conn` (the
// connections that `targets`, and `weight` and `ring.delay` when per connection, hold),
// so a negative or too large bound gives an empty or shortened row, and targets are
// checked; a ring slot is reduced modulo the ring's length, whatever the delay. The caps
// cost one `min` per bound, per active row (see benchmarks/README.md, "Safety checks").
// The loops are written out for each case: a version with lambdas for the row span and
// the weight ran 40 % slower (672 rows of 64 into 320 000).
template <bool kCsr, bool kScalar, bool kRing>
void add_rows(const std::vector<int64_t>& where, const std::vector<float>& value,
              const int32_t* indptr, int64_t width, const int32_t* targets, int64_t n_conn,
              const float* weight, float* out, int64_t n_post, const Ring& ring) {
  const size_t m = where.size();
  const uint64_t cap = static_cast<uint64_t>(n_conn);
  auto bound = [cap](int32_t b) {  // a CSR row bound, in [0, n_conn]
    return static_cast<int64_t>(std::min<uint64_t>(static_cast<uint32_t>(b), cap));
  };
  for (size_t k = 0; k < m; ++k) {
    if constexpr (kCsr) {
      if (k + 2 * kAhead < m) __builtin_prefetch(indptr + where[k + 2 * kAhead]);
      if (k + kAhead < m) {
        const int64_t ahead = bound(indptr[where[k + kAhead]]);
        prefetch_targets(targets + ahead);
        if constexpr (kRing) prefetch_targets(ring.delay + ahead);
      }
    } else if (k + kAhead < m) {
      prefetch_targets(targets + where[k + kAhead] * width);
      if constexpr (kRing) prefetch_targets(ring.delay + where[k + kAhead] * width);
    }
    const int64_t i = where[k];
    const float e = kScalar ? value[k] * weight[0] : value[k];
    const int64_t begin = kCsr ? bound(indptr[i]) : i * width;
    const int64_t end = kCsr ? bound(indptr[i + 1]) : (i + 1) * width;
    for (int64_t s = begin; s < end; ++s) {
      const uint32_t j = static_cast<uint32_t>(targets[s]);
      if (j >= static_cast<uint32_t>(n_post)) continue;
      int64_t at = j;
      if constexpr (kRing) {
        int64_t slot = ring.head + ring.delay[s];
        if (static_cast<uint64_t>(slot) >= static_cast<uint64_t>(ring.length))
          slot = floor_mod(slot, ring.length);  // only for delays outside [0, length)
        at += slot * n_post;
      }
      out[at] += kScalar ? e : e * weight[s];
    }
  }
}

template <typename T>
const T* member(const ffi::AnyBuffer& x, int64_t trailing, int64_t b, int64_t row_size) {
  const int64_t l = lead(x, trailing);
  return static_cast<const T*>(x.untyped_data()) + (l == 1 ? 0 : b * row_size);
}

ffi::Error check_batch(std::initializer_list<const ffi::AnyBuffer*> xs,
                       std::initializer_list<int64_t> trailing, int64_t batch) {
  auto t = trailing.begin();
  for (const ffi::AnyBuffer* x : xs) {
    const int64_t l = lead(*x, *t++);
    if (l != 1 && l != batch)
      return ffi::Error::InvalidArgument("batch dimensions of " + std::to_string(l) +
                                         " entries do not match the output's " +
                                         std::to_string(batch));
  }
  return ffi::Error::Success();
}

enum class Format { kCsr, kFanOut };

// a, b: CSR indptr and indices, or the fan-out table and (unused) a. With `delays`
// (one int32 per connection) and `head` ((..., 1) int32), the output is a ring of
// `ring_length` slots of n_post entries each (see Ring).
template <Format F>
ffi::Error Run(ffi::AnyBuffer events, ffi::AnyBuffer a, ffi::AnyBuffer b, ffi::AnyBuffer weight,
               const ffi::AnyBuffer* delays, const ffi::AnyBuffer* head, int64_t ring_length,
               ffi::Result<ffi::AnyBuffer> out) {
  const bool ring = delays != nullptr;
  const size_t conn_rank = F == Format::kCsr ? 1 : 2;
  if (events.dimensions().size() < 1 || a.dimensions().size() < conn_rank ||
      b.dimensions().size() < conn_rank || weight.dimensions().size() < 1 ||
      out->dimensions().size() < 1 ||
      (ring && (delays->dimensions().size() < 1 || head->dimensions().size() < 1)))
    return ffi::Error::InvalidArgument("an argument has too few dimensions");
  if (ring && (ring_length < 1 || last(*out) % ring_length != 0))
    return ffi::Error::InvalidArgument("init has " + std::to_string(last(*out)) +
                                       " entries, not a whole number of " +
                                       std::to_string(ring_length) + " ring slots");
  const int64_t n_pre = last(events), n_out = last(*out), batch = lead(*out, 1);
  const int64_t n_post = ring ? n_out / ring_length : n_out;
  const int conn_dims = F == Format::kCsr ? 1 : 2;  // trailing dimensions of a and b
  const int64_t conn_size = F == Format::kCsr ? last(b) : last(a) * last(a, 2);
  const int64_t width = F == Format::kFanOut ? last(a) : 0;
  if (events.element_type() != ffi::PRED && events.element_type() != ffi::F32)
    return ffi::Error::InvalidArgument("events must be bool or float32");
  if (a.element_type() != ffi::S32 || b.element_type() != ffi::S32)
    return ffi::Error::InvalidArgument("connectivity arrays must be int32");
  if (weight.element_type() != ffi::F32 || out->element_type() != ffi::F32)
    return ffi::Error::InvalidArgument("weight and init must be float32");
  if (auto e = check_batch({&events, &a, &b, &weight}, {1, conn_dims, conn_dims, 1}, batch);
      e.failure())
    return e;
  if (ring) {
    if (delays->element_type() != ffi::S32 || head->element_type() != ffi::S32)
      return ffi::Error::InvalidArgument("delays and head must be int32");
    if (last(*delays) != conn_size)
      return ffi::Error::InvalidArgument("delays has " + std::to_string(last(*delays)) +
                                         " entries for " + std::to_string(conn_size) +
                                         " connections");
    if (last(*head) != 1) return ffi::Error::InvalidArgument("head must be a scalar");
    if (auto e = check_batch({delays, head}, {1, 1}, batch); e.failure()) return e;
  }
  // The sizes that place the batch members and bound the rows: all static, checked once
  // per call (the values are clamped in add_rows).
  if (F == Format::kCsr && last(a) != n_pre + 1)
    return ffi::Error::InvalidArgument("indptr has " + std::to_string(last(a)) +
                                       " entries for " + std::to_string(n_pre) +
                                       " rows (expected n_pre + 1)");
  if (F == Format::kFanOut && last(a, 2) != n_pre)
    return ffi::Error::InvalidArgument("the table has " + std::to_string(last(a, 2)) +
                                       " rows for " + std::to_string(n_pre) + " events");
  const bool scalar = last(weight) == 1;
  if (!scalar && last(weight) != conn_size)
    return ffi::Error::InvalidArgument("weight has " + std::to_string(last(weight)) +
                                       " entries for " + std::to_string(conn_size) +
                                       " connections");
  std::vector<int64_t> where;
  std::vector<float> value;
  for (int64_t k = 0; k < batch; ++k) {
    if (events.element_type() == ffi::PRED)
      nonzero(member<uint8_t>(events, 1, k, n_pre), n_pre, where, value);
    else
      nonzero(member<float>(events, 1, k, n_pre), n_pre, where, value);
    const float* w = member<float>(weight, 1, k, scalar ? 1 : conn_size);
    float* o = static_cast<float*>(out->untyped_data()) + k * n_out;
    const int32_t* indptr = F == Format::kCsr ? member<int32_t>(a, 1, k, n_pre + 1) : nullptr;
    const int32_t* targets = member<int32_t>(F == Format::kCsr ? b : a, conn_dims, k, conn_size);
    constexpr bool kCsr = F == Format::kCsr;
    if (ring) {
      Ring r;
      r.delay = member<int32_t>(*delays, 1, k, conn_size);
      r.length = ring_length;
      r.head = floor_mod(*member<int32_t>(*head, 1, k, 1), ring_length);
      if (scalar)
        add_rows<kCsr, true, true>(where, value, indptr, width, targets, conn_size, w, o,
                                   n_post, r);
      else
        add_rows<kCsr, false, true>(where, value, indptr, width, targets, conn_size, w, o,
                                    n_post, r);
    } else if (scalar) {
      add_rows<kCsr, true, false>(where, value, indptr, width, targets, conn_size, w, o, n_post,
                                  Ring());
    } else {
      add_rows<kCsr, false, false>(where, value, indptr, width, targets, conn_size, w, o, n_post,
                                   Ring());
    }
  }
  return ffi::Error::Success();
}

// init is aliased to out (out already holds it), in all four.
ffi::Error CsrImpl(ffi::AnyBuffer events, ffi::AnyBuffer indptr, ffi::AnyBuffer indices,
                   ffi::AnyBuffer weight, ffi::AnyBuffer init, ffi::Result<ffi::AnyBuffer> out) {
  (void)init;
  return Run<Format::kCsr>(events, indptr, indices, weight, nullptr, nullptr, 1, out);
}

ffi::Error FanOutImpl(ffi::AnyBuffer events, ffi::AnyBuffer table, ffi::AnyBuffer weight,
                      ffi::AnyBuffer init, ffi::Result<ffi::AnyBuffer> out) {
  (void)init;
  return Run<Format::kFanOut>(events, table, table, weight, nullptr, nullptr, 1, out);
}

ffi::Error CsrRingImpl(ffi::AnyBuffer events, ffi::AnyBuffer indptr, ffi::AnyBuffer indices,
                       ffi::AnyBuffer weight, ffi::AnyBuffer delays, ffi::AnyBuffer head,
                       ffi::AnyBuffer init, ffi::Result<ffi::AnyBuffer> out,
                       int64_t ring_length) {
  (void)init;
  return Run<Format::kCsr>(events, indptr, indices, weight, &delays, &head, ring_length, out);
}

ffi::Error FanOutRingImpl(ffi::AnyBuffer events, ffi::AnyBuffer table, ffi::AnyBuffer weight,
                          ffi::AnyBuffer delays, ffi::AnyBuffer head, ffi::AnyBuffer init,
                          ffi::Result<ffi::AnyBuffer> out, int64_t ring_length) {
  (void)init;
  return Run<Format::kFanOut>(events, table, table, weight, &delays, &head, ring_length, out);
}

// Just-in-time connectivity (dynax/ops/_jitconn.py): each active row is regenerated from
// (seed, row) with the same integer hash and integer logarithm as the XLA and Pallas
// paths, so the columns are bit-identical; the weights too for "homo" and "uniform"
// (float products and sums in the same order, no fused multiply-add: built with
// -ffp-contract=off), while "normal" weights (logf, cosf, sqrtf) may differ in the last
// bit from XLA's.
constexpr uint32_t kGolden = 0x9E3779B9u, kRow = 0x85EBCA77u, kStream = 0xC2B2AE3Du,
                   kTile = 0x27D4EB2Fu;
constexpr int kFrac = 26, kHi = 13;

inline uint32_t fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  return h ^ (h >> 16);
}

// -log2 u in units of 2^-26 for u = ((bits >> 8) + 1) 2^-24 (see _jitconn._neg_log2).
inline int32_t neg_log2(uint32_t bits, const int32_t* table) {
  const uint32_t m = (bits >> 8) + 1u;
  const float mf = static_cast<float>(m);  // exact: m <= 2^24
  uint32_t f;
  std::memcpy(&f, &mf, 4);
  const int32_t exponent = static_cast<int32_t>(f >> 23) - 127;
  const int32_t hi = static_cast<int32_t>((f >> 10) & 0x1FFFu);
  const uint32_t lo = f & 0x3FFu;
  const uint32_t linear = (lo * static_cast<uint32_t>(table[2 * hi + 1])) >> 16;
  const int32_t log2m = table[2 * hi] + static_cast<int32_t>(linear);
  return std::max(((24 - exponent) << kFrac) - log2m, 0);
}

inline float uniform01(uint32_t bits) {  // (0, 1], as _jitconn._uniform
  return static_cast<float>((bits >> 8) + 1u) * 0x1p-24f;
}

struct JitParams {
  int64_t n_post, k, tile, cap;  // k: the cap of a row's connections in one tile
  float scale;
};

// out[c - lo] += e * w over the connections of the active rows `where` whose column c
// lies in [lo, lo + m) (a block of columns, as a device of a sharded network keeps; the
// whole matrix is lo = 0, m = n_post). A row is drawn tile by tile (p.tile columns each,
// p.tile = n_post without tiles), from the tile holding column lo: each tile restarts
// the skipping at its first column with keys of its own (those of the row for tile 0,
// see _jitconn._tile_keys) and ends at its last column or its p.k-th draw. The skips
// are computed kBlock draws at a time (see JitImpl). Not inlined: inlined into JitImpl
// (six instances), the loop over the rows ran 1.3x slower.
template <int kDist, int64_t kBlock>
__attribute__((noinline)) void add_jit_rows(const std::vector<int64_t>& where, const std::vector<float>& value,
                  uint32_t seed, float a, float b, const int32_t* table, const JitParams& p,
                  int64_t lo, int64_t m, float* out) {
  const int64_t end = std::min(p.n_post, lo + m);
  uint32_t base[3];
  for (int s = 0; s < 3; ++s) base[s] = fmix(seed + static_cast<uint32_t>(s) * kStream);
  const float cap = static_cast<float>(p.cap);
  for (size_t r = 0; r < where.size(); ++r) {
    const uint32_t row = static_cast<uint32_t>(where[r]) * kRow;
    uint32_t row_key[3];
    for (int s = 0; s <= kDist; ++s) row_key[s] = fmix(base[s] ^ row);
    const float e = value[r];
    const float homo = e * a;
    for (int64_t tile = lo / p.tile; tile * p.tile < end; ++tile) {
      uint32_t key[3];
      const uint32_t mix = static_cast<uint32_t>(tile) * kTile;
      for (int s = 0; s <= kDist; ++s) key[s] = tile ? fmix(row_key[s] ^ mix) : row_key[s];
      const int64_t stop = std::min(end, (tile + 1) * p.tile);
      int64_t col = tile * p.tile - 1;
      // The skips of a block of draws first (a loop without branches), then their
      // columns one after another until the tile ends.
      int32_t skips[kBlock];
      for (int64_t t0 = 0; t0 < p.k; t0 += kBlock) {
        const int64_t n = std::min(kBlock, p.k - t0);
        for (int64_t j = 0; j < kBlock; ++j) {
          const uint32_t step = static_cast<uint32_t>(t0 + j) * kGolden;
          const float units = static_cast<float>(neg_log2(fmix(key[0] + step), table));
          skips[j] = static_cast<int32_t>(std::min(std::floor(units * p.scale), cap));
        }
        bool done = false;
        for (int64_t j = 0; j < n; ++j) {
          col += static_cast<int64_t>(skips[j]) + 1;
          if (col >= stop) {
            done = true;
            break;
          }
          if (col < lo) continue;
          if constexpr (kDist == 0) {
            out[col - lo] += homo;
          } else {
            const uint32_t step = static_cast<uint32_t>(t0 + j) * kGolden;
            const float u = uniform01(fmix(key[1] + step));
            float x;
            if constexpr (kDist == 1) {
              x = u - 0x1p-24f;
            } else {
              const float angle = static_cast<float>(2 * M_PI) * uniform01(fmix(key[2] + step));
              x = std::sqrt(-2.0f * std::log(u)) * std::cos(angle);
            }
            const float w = a + b * x;
            out[col - lo] += e * w;
          }
        }
        if (done) break;
      }
    }
  }
}

// events (..., n_pre), seed (..., 1) int32, a and b (..., 1) float32, the table of
// _jitconn._log_table, lo (..., 1) int32: the first column kept, init (..., m) aliased to
// out: the m columns from lo on.
ffi::Error JitImpl(ffi::AnyBuffer events, ffi::AnyBuffer seed, ffi::AnyBuffer a,
                   ffi::AnyBuffer b, ffi::AnyBuffer table, ffi::AnyBuffer lo,
                   ffi::AnyBuffer init, ffi::Result<ffi::AnyBuffer> out, int64_t n_post,
                   int64_t k, int64_t cap, float scale, int64_t dist, int64_t cols,
                   int64_t tile) {
  (void)init;
  for (const ffi::AnyBuffer* x : {&events, &seed, &a, &b, &table, &lo})
    if (x->dimensions().size() < 1)
      return ffi::Error::InvalidArgument("an argument has too few dimensions");
  if (out->dimensions().size() < 1 || last(*out) != cols || cols < 0 || cols > n_post)
    return ffi::Error::InvalidArgument("init must have m <= n_post entries in its last dimension");
  if (lo.element_type() != ffi::S32 || last(lo) != 1)
    return ffi::Error::InvalidArgument("lo must be an int32 scalar");
  if (events.element_type() != ffi::PRED && events.element_type() != ffi::F32)
    return ffi::Error::InvalidArgument("events must be bool or float32");
  if (seed.element_type() != ffi::S32 || table.element_type() != ffi::S32)
    return ffi::Error::InvalidArgument("seed and table must be int32");
  if (a.element_type() != ffi::F32 || b.element_type() != ffi::F32 ||
      out->element_type() != ffi::F32)
    return ffi::Error::InvalidArgument("a, b and init must be float32");
  if (last(table) != 2 << kHi || lead(table, 1) != 1)
    return ffi::Error::InvalidArgument("the table must have 3 * 2^11 entries");
  if (last(seed) != 1 || last(a) != 1 || last(b) != 1)
    return ffi::Error::InvalidArgument("seed, a and b must be scalars");
  if (dist < 0 || dist > 2 || k < 0 || cap < 0 || tile < 1)
    return ffi::Error::InvalidArgument("bad static parameters");
  const int64_t n_pre = last(events), batch = lead(*out, 1);
  if (auto e = check_batch({&events, &seed, &a, &b, &lo}, {1, 1, 1, 1, 1}, batch); e.failure())
    return e;
  const JitParams p{n_post, k, tile, cap, scale};
  const int32_t* tab = static_cast<const int32_t*>(table.untyped_data());
  std::vector<int64_t> where;
  std::vector<float> value;
  for (int64_t m = 0; m < batch; ++m) {
    if (events.element_type() == ffi::PRED)
      nonzero(member<uint8_t>(events, 1, m, n_pre), n_pre, where, value);
    else
      nonzero(member<float>(events, 1, m, n_pre), n_pre, where, value);
    const uint32_t s = static_cast<uint32_t>(*member<int32_t>(seed, 1, m, 1));
    const float am = *member<float>(a, 1, m, 1), bm = *member<float>(b, 1, m, 1);
    const int64_t first = *member<int32_t>(lo, 1, m, 1);
    float* o = static_cast<float*>(out->untyped_data()) + m * cols;
    // Blocks of 32 draws for whole rows; of 16 for tiles capped at 64 draws (a mean of
    // at most 12 connections, as k = mu + 10 sqrt(mu) + 16): a tile draws at least one
    // block, and for the last of 8 column blocks of 4 000 000 (8 000 active rows) blocks
    // of 16 took 0.70x the time of 32 with tiles of 10 connections, 0.52x with tiles of
    // 2.6, while a whole row of 80 ran 1.3-1.5x slower in blocks of 16 or 8 than of 32.
    if (tile < n_post && k <= 64) {
      if (dist == 0)
        add_jit_rows<0, 16>(where, value, s, am, bm, tab, p, first, cols, o);
      else if (dist == 1)
        add_jit_rows<1, 16>(where, value, s, am, bm, tab, p, first, cols, o);
      else
        add_jit_rows<2, 16>(where, value, s, am, bm, tab, p, first, cols, o);
    } else if (dist == 0) {
      add_jit_rows<0, 32>(where, value, s, am, bm, tab, p, first, cols, o);
    } else if (dist == 1) {
      add_jit_rows<1, 32>(where, value, s, am, bm, tab, p, first, cols, o);
    } else {
      add_jit_rows<2, 32>(where, value, s, am, bm, tab, p, first, cols, o);
    }
  }
  return ffi::Error::Success();
}

// Event-driven plasticity of trace rules (dynax/plasticity/_base.py): one call per step
// of a PlasticProjection. Each synapse of an arriving presynaptic spike's CSR row first
// delivers its weight into `inbox` (the weight before this step's change), then changes
//   w <- clip(w + c * x * s(w) + d, w_min, w_max),
// c, d the spiking neuron's coefficients, x one trace of the synapse's other neuron and
// s(w) = 1, w - w_min or w_max - w (SoftBound); then each postsynaptic spike changes the
// synapses of its column (the column index: entries naming the CSR position and the
// presynaptic neuron) the same way, with its own c, d and the presynaptic trace. The
// sums are evaluated in the order of the XLA path (TraceUpdate.apply): (w + (c x) s) + d.
enum SoftBound : int64_t { kNone = 0, kLower = 1, kUpper = 2 };

template <int64_t kBound>
inline float plastic(float w, float c, float x, float d, float lo, float hi) {
  float v;
  if constexpr (kBound == kNone)
    v = w + c * x;
  else if constexpr (kBound == kLower)
    v = w + c * x * (w - lo);
  else
    v = w + c * x * (hi - w);
  v = v + d;
  return std::min(std::max(v, lo), hi);
}

struct Side {  // the coefficients of the spiking neurons and the partner trace
  const float *c, *d, *x;
  int64_t c_step, d_step;  // 0 where one coefficient is shared by all neurons, else 1
};

template <int64_t kBound>
void plastic_rows(const std::vector<int64_t>& where, const std::vector<float>& value,
                  const int32_t* indptr, const int32_t* indices, int64_t nnz, int64_t n_post,
                  const Side& side, float lo, float hi, float* w, float* inbox) {
  const uint64_t cap = static_cast<uint64_t>(nnz);
  auto bound = [cap](int32_t b) {
    return static_cast<int64_t>(std::min<uint64_t>(static_cast<uint32_t>(b), cap));
  };
  for (size_t k = 0; k < where.size(); ++k) {
    const int64_t i = where[k];
    const float e = value[k], c = side.c[i * side.c_step], d = side.d[i * side.d_step];
    const int64_t end = bound(indptr[i + 1]);
    for (int64_t s = bound(indptr[i]); s < end; ++s) {
      const uint32_t j = static_cast<uint32_t>(indices[s]);
      if (j >= static_cast<uint64_t>(n_post)) continue;
      const float old = w[s];
      inbox[j] += old * e;
      w[s] = plastic<kBound>(old, c, side.x[j], d, lo, hi);
    }
  }
}

template <int64_t kBound>
void plastic_columns(const std::vector<int64_t>& where, const int32_t* col_ptr,
                     const int32_t* col_pre, const int32_t* col_pos, int64_t nnz, int64_t n_pre,
                     const Side& side, float lo, float hi, float* w) {
  const uint64_t cap = static_cast<uint64_t>(nnz);
  auto bound = [cap](int32_t b) {
    return static_cast<int64_t>(std::min<uint64_t>(static_cast<uint32_t>(b), cap));
  };
  for (const int64_t j : where) {
    const float c = side.c[j * side.c_step], d = side.d[j * side.d_step];
    const int64_t end = bound(col_ptr[j + 1]);
    for (int64_t e = bound(col_ptr[j]); e < end; ++e) {
      const uint32_t s = static_cast<uint32_t>(col_pos[e]);
      const uint32_t i = static_cast<uint32_t>(col_pre[e]);
      if (s >= cap || i >= static_cast<uint64_t>(n_pre)) continue;
      w[s] = plastic<kBound>(w[s], c, side.x[i], d, lo, hi);
    }
  }
}

template <typename F>
ffi::Error with_bound(int64_t kind, F&& f) {
  switch (kind) {
    case kNone:
      f(std::integral_constant<int64_t, kNone>());
      return ffi::Error::Success();
    case kLower:
      f(std::integral_constant<int64_t, kLower>());
      return ffi::Error::Success();
    case kUpper:
      f(std::integral_constant<int64_t, kUpper>());
      return ffi::Error::Success();
  }
  return ffi::Error::InvalidArgument("soft bound must be 0 (none), 1 (lower) or 2 (upper)");
}

void spiking(const ffi::AnyBuffer& events, int64_t b, std::vector<int64_t>& where,
             std::vector<float>& value) {
  const int64_t n = last(events);
  if (events.element_type() == ffi::PRED)
    nonzero(member<uint8_t>(events, 1, b, n), n, where, value);
  else
    nonzero(member<float>(events, 1, b, n), n, where, value);
}

// pre (..., n_pre), post (..., n_post): bool or float32 spikes; indptr, indices, col_ptr,
// col_pre, col_pos: the SynapseIndex (int32); c_pre, d_pre (..., n_pre) and y (..., n_post)
// the presynaptic side's coefficients and partner trace, c_post, d_post (..., n_post) and
// x (..., n_pre) the postsynaptic side's (a coefficient of size 1: shared by all); bounds (..., 2) = (w_min, w_max); w (..., nnz)
// and inbox (..., n_post) aliased to the two outputs.
ffi::Error PlasticImpl(ffi::AnyBuffer pre, ffi::AnyBuffer post, ffi::AnyBuffer indptr,
                       ffi::AnyBuffer indices, ffi::AnyBuffer col_ptr, ffi::AnyBuffer col_pre,
                       ffi::AnyBuffer col_pos, ffi::AnyBuffer c_pre, ffi::AnyBuffer d_pre,
                       ffi::AnyBuffer y, ffi::AnyBuffer c_post, ffi::AnyBuffer d_post,
                       ffi::AnyBuffer x, ffi::AnyBuffer bounds, ffi::AnyBuffer w_in,
                       ffi::AnyBuffer inbox_in, ffi::Result<ffi::AnyBuffer> w,
                       ffi::Result<ffi::AnyBuffer> inbox, int64_t bound_pre,
                       int64_t bound_post) {
  (void)w_in;
  (void)inbox_in;
  const std::initializer_list<const ffi::AnyBuffer*> all = {
      &pre, &post, &indptr, &indices, &col_ptr, &col_pre, &col_pos, &c_pre,
      &d_pre, &y,   &c_post, &d_post,  &x,       &bounds};
  for (const ffi::AnyBuffer* a : all)
    if (a->dimensions().size() < 1)
      return ffi::Error::InvalidArgument("an argument has too few dimensions");
  if (w->dimensions().size() < 1 || inbox->dimensions().size() < 1)
    return ffi::Error::InvalidArgument("w and inbox must have at least one dimension");
  const int64_t n_pre = last(pre), n_post = last(post), nnz = last(*w), batch = lead(*w, 1);
  if (lead(*inbox, 1) != batch || last(*inbox) != n_post)
    return ffi::Error::InvalidArgument("inbox must be (..., n_post), batched as w");
  for (const ffi::AnyBuffer* a : {&pre, &post})
    if (a->element_type() != ffi::PRED && a->element_type() != ffi::F32)
      return ffi::Error::InvalidArgument("spikes must be bool or float32");
  for (const ffi::AnyBuffer* a : {&indptr, &indices, &col_ptr, &col_pre, &col_pos})
    if (a->element_type() != ffi::S32)
      return ffi::Error::InvalidArgument("the synapse index must be int32");
  for (const ffi::AnyBuffer* a : {&c_pre, &d_pre, &y, &c_post, &d_post, &x, &bounds})
    if (a->element_type() != ffi::F32)
      return ffi::Error::InvalidArgument("coefficients, traces and bounds must be float32");
  if (w->element_type() != ffi::F32 || inbox->element_type() != ffi::F32)
    return ffi::Error::InvalidArgument("w and inbox must be float32");
  if (last(indptr) != n_pre + 1 || last(col_ptr) != n_post + 1 || last(indices) != nnz ||
      last(col_pre) != nnz || last(col_pos) != nnz)
    return ffi::Error::InvalidArgument("the synapse index does not match the sizes of "
                                       "the spikes and the weights");
  auto per = [](const ffi::AnyBuffer& a, int64_t n) { return last(a) == 1 || last(a) == n; };
  if (!per(c_pre, n_pre) || !per(d_pre, n_pre) || last(x) != n_pre || !per(c_post, n_post) ||
      !per(d_post, n_post) || last(y) != n_post || last(bounds) != 2)
    return ffi::Error::InvalidArgument("coefficients or traces of the wrong size");
  if (auto e = check_batch(all, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, batch);
      e.failure())
    return e;
  std::vector<int64_t> where;
  std::vector<float> value;
  for (int64_t b = 0; b < batch; ++b) {
    const float* lim = member<float>(bounds, 1, b, 2);
    const float lo = lim[0], hi = lim[1];
    float* wb = static_cast<float*>(w->untyped_data()) + b * nnz;
    float* ib = static_cast<float*>(inbox->untyped_data()) + b * n_post;
    auto side = [b](const ffi::AnyBuffer& c, const ffi::AnyBuffer& d, const ffi::AnyBuffer& x) {
      const int64_t nc = last(c), nd = last(d);
      return Side{member<float>(c, 1, b, nc), member<float>(d, 1, b, nd),
                  member<float>(x, 1, b, last(x)), nc == 1 ? 0 : 1, nd == 1 ? 0 : 1};
    };
    const Side rows = side(c_pre, d_pre, y), cols = side(c_post, d_post, x);
    const int32_t* ip = member<int32_t>(indptr, 1, b, n_pre + 1);
    const int32_t* ix = member<int32_t>(indices, 1, b, nnz);
    spiking(pre, b, where, value);
    auto e = with_bound(bound_pre, [&](auto kind) {
      plastic_rows<decltype(kind)::value>(where, value, ip, ix, nnz, n_post, rows, lo, hi, wb,
                                          ib);
    });
    if (e.failure()) return e;
    spiking(post, b, where, value);
    const int32_t* cp = member<int32_t>(col_ptr, 1, b, n_post + 1);
    const int32_t* cr = member<int32_t>(col_pre, 1, b, nnz);
    const int32_t* cs = member<int32_t>(col_pos, 1, b, nnz);
    e = with_bound(bound_post, [&](auto kind) {
      plastic_columns<decltype(kind)::value>(where, cp, cr, cs, nnz, n_pre, cols, lo, hi, wb);
    });
    if (e.failure()) return e;
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventCsr, CsrImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // indptr (..., n_pre + 1)
                                  .Arg<ffi::AnyBuffer>()  // indices (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // weight (..., nnz) or (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // init (..., n_post)
                                  .Ret<ffi::AnyBuffer>());

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventFanOut, FanOutImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // table (..., n_pre, width)
                                  .Arg<ffi::AnyBuffer>()  // weight (..., n_pre * width) or (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // init (..., n_post)
                                  .Ret<ffi::AnyBuffer>());

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventCsrRing, CsrRingImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // indptr (..., n_pre + 1)
                                  .Arg<ffi::AnyBuffer>()  // indices (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // weight (..., nnz) or (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // delays (..., nnz) int32
                                  .Arg<ffi::AnyBuffer>()  // head (..., 1) int32
                                  .Arg<ffi::AnyBuffer>()  // init (..., ring_length * n_post)
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("ring_length"));

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventFanOutRing, FanOutRingImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // table (..., n_pre, width)
                                  .Arg<ffi::AnyBuffer>()  // weight (..., n_pre * width) or (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // delays (..., n_pre * width) int32
                                  .Arg<ffi::AnyBuffer>()  // head (..., 1) int32
                                  .Arg<ffi::AnyBuffer>()  // init (..., ring_length * n_post)
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("ring_length"));

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventJit, JitImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // seed (..., 1) int32
                                  .Arg<ffi::AnyBuffer>()  // a (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // b (..., 1)
                                  .Arg<ffi::AnyBuffer>()  // table (3 * 2^11,) int32
                                  .Arg<ffi::AnyBuffer>()  // lo (..., 1) int32
                                  .Arg<ffi::AnyBuffer>()  // init (..., m)
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("n_post")
                                  .Attr<int64_t>("k")
                                  .Attr<int64_t>("cap")
                                  .Attr<float>("scale")
                                  .Attr<int64_t>("dist")
                                  .Attr<int64_t>("m")
                                  .Attr<int64_t>("tile"));

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxPlasticTrace, PlasticImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // pre (..., n_pre) spikes
                                  .Arg<ffi::AnyBuffer>()  // post (..., n_post) spikes
                                  .Arg<ffi::AnyBuffer>()  // indptr (..., n_pre + 1)
                                  .Arg<ffi::AnyBuffer>()  // indices (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // col_ptr (..., n_post + 1)
                                  .Arg<ffi::AnyBuffer>()  // col_pre (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // col_pos (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // c_pre (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // d_pre (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // y (..., n_post)
                                  .Arg<ffi::AnyBuffer>()  // c_post (..., n_post)
                                  .Arg<ffi::AnyBuffer>()  // d_post (..., n_post)
                                  .Arg<ffi::AnyBuffer>()  // x (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // bounds (..., 2)
                                  .Arg<ffi::AnyBuffer>()  // w (..., nnz)
                                  .Arg<ffi::AnyBuffer>()  // inbox (..., n_post)
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("bound_pre")
                                  .Attr<int64_t>("bound_post"));
