// Walks a chunk of rows in blocks of 4 (then single rows), choosing the mask-free variant of a kernel
// when every row of the block has all K bits valid.
#pragma once
#include "xnor.h"

namespace xnor {

template <typename Block4, typename Block4Masked, typename Block1, typename Block1Masked>
inline void for_row_blocks(const Rows& R, Block4 b4, Block4Masked b4m, Block1 b1, Block1Masked b1m) {
  int r = 0;
  for (; r + 4 <= R.count; r += 4) {
    if (R.full[r] & R.full[r + 1] & R.full[r + 2] & R.full[r + 3]) b4(r);
    else b4m(r);
  }
  for (; r < R.count; r++) {
    if (R.full[r]) b1(r);
    else b1m(r);
  }
}

// Writes alpha * (valid - 2 * mismatches) + beta for channels c0 .. c0+n-1 of row r.
inline void write_channels(const Layer& L, const Rows& R, int r, int c0, int n, const int64_t* mismatches, float* out) {
  float* o = out + R.base[r];
  const int64_t v = R.valid[r];
  for (int l = 0; l < n; l++) {
    const int m = c0 + l;
    o[static_cast<int64_t>(m) * R.strideM] = L.alpha[m] * static_cast<float>(v - 2 * mismatches[l]) + L.beta[m];
  }
}

}  // namespace xnor
