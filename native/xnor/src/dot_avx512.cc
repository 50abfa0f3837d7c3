// AVX-512 VPOPCNTDQ kernel: one activation word broadcast against the same word of 8 output channels,
// (a XOR w) AND mask in one VPTERNLOGQ, VPOPCNTQ, 64-bit lane sums. 4 rows x 16 channels per block.
#include "blocks.h"

#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512vpopcntdq,avx2")
#include <immintrin.h>

namespace xnor {

template <int RB, int NB, bool MASKED>
static inline void block512(const Layer& L, const Rows& R, int r, int mb, Tile T) {
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
  for (int b = 0; b < NB; b++) {
    const int c0 = (mb + b) * 8;
    if (T.sr != 1) {  // row-major: each row's 8 counts are contiguous
      for (int j = 0; j < RB; j++)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(T.p + static_cast<size_t>(r + j) * T.sr + c0), _mm512_maskz_cvtepi64_epi32(0xff, acc[j][b]));
    } else if (RB == 4) {
      // 4 rows x 8 channels -> 8 channels x 4 rows: each channel's 4 counts land side by side in the tile.
      const __m256i c[4] = {_mm512_maskz_cvtepi64_epi32(0xff, acc[0][b]), _mm512_maskz_cvtepi64_epi32(0xff, acc[RB > 1 ? 1 : 0][b]),
                            _mm512_maskz_cvtepi64_epi32(0xff, acc[RB > 2 ? 2 : 0][b]), _mm512_maskz_cvtepi64_epi32(0xff, acc[RB > 3 ? 3 : 0][b])};
      const __m256i t01lo = _mm256_unpacklo_epi32(c[0], c[1]), t01hi = _mm256_unpackhi_epi32(c[0], c[1]);
      const __m256i t23lo = _mm256_unpacklo_epi32(c[2], c[3]), t23hi = _mm256_unpackhi_epi32(c[2], c[3]);
      const __m256i u[4] = {_mm256_unpacklo_epi64(t01lo, t23lo), _mm256_unpackhi_epi64(t01lo, t23lo),
                            _mm256_unpacklo_epi64(t01hi, t23hi), _mm256_unpackhi_epi64(t01hi, t23hi)};
      for (int l = 0; l < 4; l++) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(T.p + static_cast<size_t>(c0 + l) * T.sm + r), _mm256_castsi256_si128(u[l]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(T.p + static_cast<size_t>(c0 + l + 4) * T.sm + r), _mm256_extracti128_si256(u[l], 1));
      }
    } else {
      alignas(64) int64_t counts[8];
      for (int j = 0; j < RB; j++) {
        _mm512_store_si512(counts, acc[j][b]);
        store_counts(counts, c0, r + j, T);
      }
    }
  }
}

template <int RB, bool MASKED>
static void rows512(const Layer& L, const Rows& R, int r, Tile T) {
  int mb = 0;
  for (; mb + 2 <= L.MB; mb += 2) block512<RB, 2, MASKED>(L, R, r, mb, T);
  if (mb < L.MB) block512<RB, 1, MASKED>(L, R, r, mb, T);
}

void dot_avx512(const Layer& L, const Rows& R, Tile T) {
  for_row_blocks(
      R, [&](int r) { rows512<4, false>(L, R, r, T); },
      [&](int r) { rows512<4, true>(L, R, r, T); }, [&](int r) { rows512<1, false>(L, R, r, T); },
      [&](int r) { rows512<1, true>(L, R, r, T); });
}

}  // namespace xnor

#else
namespace xnor {
void dot_avx512(const Layer& L, const Rows& R, Tile T) { dot_scalar(L, R, T); }
}  // namespace xnor
#endif
