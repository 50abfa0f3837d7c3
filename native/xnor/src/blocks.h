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

// Stores the mismatch counts of row r for channels c0 .. c0+7.
inline void store_counts(const int64_t* counts, int c0, int r, Tile T) {
  for (int l = 0; l < 8; l++) T.p[static_cast<size_t>(c0 + l) * T.sm + static_cast<size_t>(r) * T.sr] = static_cast<int32_t>(counts[l]);
}

}  // namespace xnor
