// Event-driven propagation on CPU: y[j] += e[i] * W[i, j] over the rows i with e[i] != 0.
#include <cstdint>
#include <cstring>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// Calls visit(i, b, value) for each nonzero events[i, b] of a row-major (n_pre, batch)
// array, skipping eight zero bytes at a time for boolean events.
template <typename E, typename F>
void each_event(const E* events, int64_t n_pre, int64_t batch, F visit) {
  const int64_t n = n_pre * batch;
  int64_t k = 0;
  if constexpr (sizeof(E) == 1) {
    for (; k + 8 <= n; k += 8) {
      uint64_t word;
      std::memcpy(&word, events + k, 8);
      if (word == 0) continue;
      for (int64_t m = k; m < k + 8; ++m)
        if (events[m]) visit(m / batch, m % batch, 1.0f);
    }
  }
  for (; k < n; ++k)
    if (events[k] != E(0)) visit(k / batch, k % batch, static_cast<float>(events[k]));
}

template <typename E>
void csr(const E* events, int64_t n_pre, int64_t batch, const int32_t* indptr,
         const int32_t* indices, const float* weight, float* out, int64_t n_post) {
  std::memset(out, 0, sizeof(float) * n_post * batch);
  each_event(events, n_pre, batch, [&](int64_t i, int64_t b, float e) {
    for (int32_t s = indptr[i]; s < indptr[i + 1]; ++s) {
      const uint32_t j = static_cast<uint32_t>(indices[s]);
      if (j < static_cast<uint32_t>(n_post)) out[j * batch + b] += weight ? e * weight[s] : e;
    }
  });
}

template <typename E>
void fan_out(const E* events, int64_t n_pre, int64_t batch, const int32_t* table, int64_t width,
             const float* weight, float* out, int64_t n_post) {
  std::memset(out, 0, sizeof(float) * n_post * batch);
  each_event(events, n_pre, batch, [&](int64_t i, int64_t b, float e) {
    const int64_t row = i * width;
    for (int64_t s = row; s < row + width; ++s) {
      const uint32_t j = static_cast<uint32_t>(table[s]);
      if (j < static_cast<uint32_t>(n_post)) out[j * batch + b] += weight ? e * weight[s] : e;
    }
  });
}

ffi::Error CsrImpl(ffi::AnyBuffer events, ffi::Buffer<ffi::S32> indptr,
                   ffi::Buffer<ffi::S32> indices, ffi::Buffer<ffi::F32> weight,
                   ffi::ResultBuffer<ffi::F32> out) {
  auto dims = events.dimensions();
  const int64_t n_pre = dims[0], batch = dims[1], n_post = out->dimensions()[0];
  const float* w = weight.element_count() ? weight.typed_data() : nullptr;
  switch (events.element_type()) {
    case ffi::PRED:
      csr(static_cast<const uint8_t*>(events.untyped_data()), n_pre, batch, indptr.typed_data(),
          indices.typed_data(), w, out->typed_data(), n_post);
      break;
    case ffi::F32:
      csr(static_cast<const float*>(events.untyped_data()), n_pre, batch, indptr.typed_data(),
          indices.typed_data(), w, out->typed_data(), n_post);
      break;
    default:
      return ffi::Error::InvalidArgument("events must be bool or float32");
  }
  return ffi::Error::Success();
}

ffi::Error FanOutImpl(ffi::AnyBuffer events, ffi::Buffer<ffi::S32> table,
                      ffi::Buffer<ffi::F32> weight, ffi::ResultBuffer<ffi::F32> out) {
  auto dims = events.dimensions();
  const int64_t n_pre = dims[0], batch = dims[1], n_post = out->dimensions()[0];
  const int64_t width = table.dimensions()[1];
  const float* w = weight.element_count() ? weight.typed_data() : nullptr;
  switch (events.element_type()) {
    case ffi::PRED:
      fan_out(static_cast<const uint8_t*>(events.untyped_data()), n_pre, batch,
              table.typed_data(), width, w, out->typed_data(), n_post);
      break;
    case ffi::F32:
      fan_out(static_cast<const float*>(events.untyped_data()), n_pre, batch, table.typed_data(),
              width, w, out->typed_data(), n_post);
      break;
    default:
      return ffi::Error::InvalidArgument("events must be bool or float32");
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventCsr, CsrImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>());

XLA_FFI_DEFINE_HANDLER_SYMBOL(DynaxEventFanOut, FanOutImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>());
