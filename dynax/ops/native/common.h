// Helpers shared by the CPU kernels (event.cc, dense.cc): the nonzero entries of an event
// vector and the shape of a buffer with leading batch dimensions.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace dynax_native {

// The entries with events[i] != 0 of one event vector and their values (as T); boolean
// events are skipped eight zero bytes at a time.
template <typename E, typename T>
void nonzero(const E* events, int64_t n, std::vector<int64_t>& where, std::vector<T>& value) {
  where.clear();
  value.clear();
  int64_t k = 0;
  if constexpr (sizeof(E) == 1) {
    for (; k + 8 <= n; k += 8) {
      uint64_t word;
      std::memcpy(&word, events + k, 8);
      if (word == 0) continue;
      for (int64_t m = k; m < k + 8; ++m)
        if (events[m]) where.push_back(m), value.push_back(T(1));
    }
  }
  for (; k < n; ++k)
    if (events[k] != E(0)) where.push_back(k), value.push_back(static_cast<T>(events[k]));
}

// The product of a buffer's dimensions but the last `trailing` (leading batch axes
// flattened: 1 for none).
inline int64_t lead(const xla::ffi::AnyBuffer& x, int64_t trailing) {
  auto dims = x.dimensions();
  int64_t n = 1;
  for (int64_t d = 0; d + trailing < static_cast<int64_t>(dims.size()); ++d) n *= dims[d];
  return n;
}

// A buffer's dimension `from_end` places from the end (1: the last).
inline int64_t last(const xla::ffi::AnyBuffer& x, size_t from_end = 1) {
  auto dims = x.dimensions();
  return dims[dims.size() - from_end];
}

}  // namespace dynax_native
