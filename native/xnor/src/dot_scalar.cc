// Portable kernel: 64-bit XOR (AND mask) + popcount, 4 rows at a time so each weight word is loaded once.
#include "blocks.h"

namespace xnor {

template <int RB, bool MASKED>
static void rows_scalar(const Layer& L, const Rows& R, int r, Tile T) {
  const int Kw = L.Kw;
  const uint64_t* a[RB];
  const uint64_t* mk[RB];
  for (int j = 0; j < RB; j++) {
    a[j] = R.bits + static_cast<size_t>(r + j) * Kw;
    mk[j] = R.mask + static_cast<size_t>(r + j) * Kw;
  }
  for (int m = 0; m < L.M; m++) {  // channels past M are never read: skip them
    const uint64_t* w = &L.rows[static_cast<size_t>(m) * Kw];
    int64_t acc[RB] = {};
    for (int k = 0; k < Kw; k++) {
      const uint64_t wk = w[k];
      for (int j = 0; j < RB; j++) {
        uint64_t x = a[j][k] ^ wk;
        if (MASKED) x &= mk[j][k];
        acc[j] += __builtin_popcountll(x);
      }
    }
    for (int j = 0; j < RB; j++) T.p[static_cast<size_t>(m) * T.sm + static_cast<size_t>(r + j) * T.sr] = static_cast<int32_t>(acc[j]);
  }
}

void dot_scalar(const Layer& L, const Rows& R, Tile T) {
  for_row_blocks(
      R, [&](int r) { rows_scalar<4, false>(L, R, r, T); },
      [&](int r) { rows_scalar<4, true>(L, R, r, T); }, [&](int r) { rows_scalar<1, false>(L, R, r, T); },
      [&](int r) { rows_scalar<1, true>(L, R, r, T); });
}

}  // namespace xnor
