// AVX-512 VPOPCNTDQ kernel: one activation word broadcast against the same word of 8 output channels,
// (a XOR w) AND mask in one VPTERNLOGQ, VPOPCNTQ, 64-bit lane sums. 4 rows x 16 channels per block.
#include "blocks.h"

#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512dq,avx512vpopcntdq")
#include <immintrin.h>

namespace xnor {

template <int RB, int NB, bool MASKED>
static inline void block512(const Layer& L, const Rows& R, int r, int mb, float* out) {
  const int Kw = L.Kw;
  __m512i acc[RB][NB];
  for (int j = 0; j < RB; j++)
    for (int b = 0; b < NB; b++) acc[j][b] = _mm512_setzero_si512();
  const uint64_t* w0 = &L.blocked[static_cast<size_t>(mb) * Kw * 8];
  const uint64_t* a = R.bits + static_cast<size_t>(r) * Kw;
  const uint64_t* mk = R.mask + static_cast<size_t>(r) * Kw;
  for (int k = 0; k < Kw; k++) {
    __m512i w[NB];
    for (int b = 0; b < NB; b++) w[b] = _mm512_loadu_si512(w0 + (static_cast<size_t>(b) * Kw + k) * 8);
    for (int j = 0; j < RB; j++) {
      const __m512i av = _mm512_set1_epi64(static_cast<long long>(a[static_cast<size_t>(j) * Kw + k]));
      if (MASKED) {
        const __m512i mv = _mm512_set1_epi64(static_cast<long long>(mk[static_cast<size_t>(j) * Kw + k]));
        for (int b = 0; b < NB; b++)
          acc[j][b] = _mm512_add_epi64(acc[j][b], _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(av, w[b], mv, 0x28)));
      } else {
        for (int b = 0; b < NB; b++)
          acc[j][b] = _mm512_add_epi64(acc[j][b], _mm512_popcnt_epi64(_mm512_xor_si512(av, w[b])));
      }
    }
  }
  alignas(64) int64_t counts[8];
  for (int j = 0; j < RB; j++) {
    for (int b = 0; b < NB; b++) {
      _mm512_store_si512(counts, acc[j][b]);
      const int c0 = (mb + b) * 8;
      write_channels(L, R, r + j, c0, L.M - c0 < 8 ? L.M - c0 : 8, counts, out);
    }
  }
}

template <int RB, bool MASKED>
static void rows512(const Layer& L, const Rows& R, int r, float* out) {
  int mb = 0;
  for (; mb + 2 <= L.MB; mb += 2) block512<RB, 2, MASKED>(L, R, r, mb, out);
  if (mb < L.MB) block512<RB, 1, MASKED>(L, R, r, mb, out);
}

void dot_avx512(const Layer& L, const Rows& R, float* out) {
  for_row_blocks(
      R, [&](int r) { rows512<4, false>(L, R, r, out); }, [&](int r) { rows512<4, true>(L, R, r, out); },
      [&](int r) { rows512<1, false>(L, R, r, out); }, [&](int r) { rows512<1, true>(L, R, r, out); });
}

}  // namespace xnor

#else
namespace xnor {
void dot_avx512(const Layer& L, const Rows& R, float* out) { dot_scalar(L, R, out); }
}  // namespace xnor
#endif
