// Event-driven products with a dense weight matrix on CPU, called through XLA's FFI (see
// dynax/ops/_dense.py). Both visit only the nonzero entries of the event vectors (spikes):
//
//   DynaxDenseEvent:  out[b, :] = init[b, :] + sum over i with e[b, i] != 0 of
//                     e[b, i] * W[i, :]                       (y = e W, the forward product)
//   DynaxDenseOuter:  out[i, :] = init[i, :] + sum over b, with e[b, i] != 0, of
//                     e[b, i] * g[b, :]                      (dW = e^T g, its weight gradient)
//
// out is aliased to init. Leading dimensions (jax.vmap, vmap_method="expand_dims") flatten
// to 1 (shared) or to those of the output: DynaxDenseEvent's events are (..., n_pre), W
// (..., n_pre * n_post), init (..., n_post); DynaxDenseOuter's events (..., rows, n_pre),
// g (..., rows, n_post) and init (..., n_pre, n_post), the `rows` summed over.
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using dynax_native::last;
using dynax_native::lead;
using dynax_native::nonzero;

template <typename T>
void find(const ffi::AnyBuffer& events, int64_t offset, int64_t n, std::vector<int64_t>& where,
          std::vector<T>& value) {
  switch (events.element_type()) {
    case ffi::PRED:
      return nonzero(static_cast<const uint8_t*>(events.untyped_data()) + offset, n, where, value);
    case ffi::F32:
      return nonzero(static_cast<const float*>(events.untyped_data()) + offset, n, where, value);
    default:
      return nonzero(static_cast<const double*>(events.untyped_data()) + offset, n, where, value);
  }
}

// o[j] += e * row[j] for j < n: one multiply and one add each (no fused multiply-add:
// built with -ffp-contract=off), vectorised by the compiler. A row at a time: holding a
// block of outputs in registers while several rows add into it ran 2-5 times slower
// (GCC 12, AVX-512), and the rows of a 256 x 256 matrix stay in the L2 cache anyway.
template <typename T>
inline void axpy(T e, const T* __restrict row, T* __restrict o, int64_t n) {
  for (int64_t j = 0; j < n; ++j) o[j] += e * row[j];
}

// The element types and ranks: events bool, float32 or float64 with at least `rank`
// axes; the other arrays all float32 or all float64 with at least `rank` axes.
ffi::Error check(const ffi::AnyBuffer& events, std::initializer_list<const ffi::AnyBuffer*> xs,
                 size_t rank) {
  const auto e = events.element_type();
  if (e != ffi::PRED && e != ffi::F32 && e != ffi::F64)
    return ffi::Error::InvalidArgument("events must be bool, float32 or float64");
  const auto t = (*xs.begin())->element_type();
  if (t != ffi::F32 && t != ffi::F64)
    return ffi::Error::InvalidArgument("weights, gradients and init must be float32 or float64");
  if (events.dimensions().size() < rank) return ffi::Error::InvalidArgument("events: too few axes");
  for (const ffi::AnyBuffer* x : xs) {
    if (x->element_type() != t)
      return ffi::Error::InvalidArgument("weights, gradients and init must have one dtype");
    if (x->dimensions().size() < rank) return ffi::Error::InvalidArgument("too few axes");
  }
  return ffi::Error::Success();
}

// Where member b of a batch of `batch` starts in an array of `l` members of `size` entries:
// shared (l == 1) or its own; false for any other l.
bool offset(int64_t l, int64_t batch, int64_t b, int64_t size, int64_t& at) {
  if (l != 1 && l != batch) return false;
  at = l == 1 ? 0 : b * size;
  return true;
}

ffi::Error mismatch() {
  return ffi::Error::InvalidArgument("batch dimensions do not match the output's");
}

template <typename T>
ffi::Error event(const ffi::AnyBuffer& events, const ffi::AnyBuffer& weight, ffi::AnyBuffer& out) {
  const int64_t n_pre = last(events), n_post = last(out), batch = lead(out, 1);
  if (last(weight) != n_pre * n_post)
    return ffi::Error::InvalidArgument("weight has " + std::to_string(last(weight)) +
                                       " entries for " + std::to_string(n_pre) + " x " +
                                       std::to_string(n_post));
  const int64_t l_events = lead(events, 1), l_weight = lead(weight, 1);
  const T* w = static_cast<const T*>(weight.untyped_data());
  T* o = static_cast<T*>(out.untyped_data());
  std::vector<int64_t> where;
  std::vector<T> value;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t e_at, w_at;
    if (!offset(l_events, batch, b, n_pre, e_at) ||
        !offset(l_weight, batch, b, n_pre * n_post, w_at))
      return mismatch();
    find(events, e_at, n_pre, where, value);
    T* ob = o + b * n_post;
    for (size_t k = 0; k < where.size(); ++k)
      axpy(value[k], w + w_at + where[k] * n_post, ob, n_post);
  }
  return ffi::Error::Success();
}

// Row by row of the events, each event's row of `grad` added into the gradient's row of
// its neuron: every entry of the gradient receives its terms in the order of the rows.
template <typename T>
ffi::Error outer(const ffi::AnyBuffer& events, const ffi::AnyBuffer& grad, ffi::AnyBuffer& out) {
  const int64_t rows = last(events, 2), n_pre = last(events), n_post = last(out);
  if (last(grad, 2) != rows || last(grad) != n_post || last(out, 2) != n_pre)
    return ffi::Error::InvalidArgument(
        "events (..., rows, n_pre), grad (..., rows, n_post) and init (..., n_pre, n_post) "
        "do not match");
  const int64_t batch = lead(out, 2), l_events = lead(events, 2), l_grad = lead(grad, 2);
  const T* g = static_cast<const T*>(grad.untyped_data());
  T* o = static_cast<T*>(out.untyped_data());
  std::vector<int64_t> where;
  std::vector<T> value;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t e_at, g_at;
    if (!offset(l_events, batch, b, rows * n_pre, e_at) ||
        !offset(l_grad, batch, b, rows * n_post, g_at))
      return mismatch();
    T* ob = o + b * n_pre * n_post;
    for (int64_t r = 0; r < rows; ++r) {
      find(events, e_at + r * n_pre, n_pre, where, value);
      const T* gr = g + g_at + r * n_post;
      for (size_t k = 0; k < where.size(); ++k) axpy(value[k], gr, ob + where[k] * n_post, n_post);
    }
  }
  return ffi::Error::Success();
}

// init is aliased to out (out already holds it) in both.
ffi::Error EventImpl(ffi::AnyBuffer events, ffi::AnyBuffer weight, ffi::AnyBuffer init,
                     ffi::Result<ffi::AnyBuffer> out) {
  (void)init;
  if (auto e = check(events, {&weight, &*out}, 1); e.failure()) return e;
  return weight.element_type() == ffi::F32 ? event<float>(events, weight, *out)
                                           : event<double>(events, weight, *out);
}

ffi::Error OuterImpl(ffi::AnyBuffer events, ffi::AnyBuffer grad, ffi::AnyBuffer init,
                     ffi::Result<ffi::AnyBuffer> out) {
  (void)init;
  if (auto e = check(events, {&grad, &*out}, 2); e.failure()) return e;
  return grad.element_type() == ffi::F32 ? outer<float>(events, grad, *out)
                                         : outer<double>(events, grad, *out);
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxDenseEvent, EventImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., n_pre)
                                  .Arg<ffi::AnyBuffer>()  // weight (..., n_pre * n_post)
                                  .Arg<ffi::AnyBuffer>()  // init (..., n_post)
                                  .Ret<ffi::AnyBuffer>());

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxDenseOuter, OuterImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // events (..., rows, n_pre)
                                  .Arg<ffi::AnyBuffer>()  // grad (..., rows, n_post)
                                  .Arg<ffi::AnyBuffer>()  // init (..., n_pre, n_post)
                                  .Ret<ffi::AnyBuffer>());
