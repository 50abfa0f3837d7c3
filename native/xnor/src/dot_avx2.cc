// AVX2 kernel (no popcount instruction): per-byte popcount by a 16-entry nibble table (VPSHUFB), byte sums
// for up to 31 words, then VPSADBW into 64-bit lanes. 8 output channels (two 256-bit vectors) per block.
#include "blocks.h"

#if defined(__x86_64__)
#pragma GCC target("avx2")
#include <immintrin.h>

namespace xnor {

static inline __m256i popcnt_bytes(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

template <int RB, bool MASKED>
static inline void block256(const Layer& L, const Rows& R, int r, int mb, Tile T) {
  const int Kw = L.Kw;
  const __m256i zero = _mm256_setzero_si256();
  __m256i acc[RB][2];
  for (int j = 0; j < RB; j++) acc[j][0] = acc[j][1] = zero;
  const uint64_t* w0 = &L.blocked[static_cast<size_t>(mb) * Kw * 8];
  const uint64_t* a = R.bits + static_cast<size_t>(r) * Kw;
  const uint64_t* mk = R.mask + static_cast<size_t>(r) * Kw;
  for (int k0 = 0; k0 < Kw; k0 += 31) {  // a byte holds at most 31 * 8 = 248
    const int k1 = k0 + 31 < Kw ? k0 + 31 : Kw;
    __m256i bytes[RB][2];
    for (int j = 0; j < RB; j++) bytes[j][0] = bytes[j][1] = zero;
    for (int k = k0; k < k1; k++) {
      const __m256i wa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + static_cast<size_t>(k) * 8));
      const __m256i wb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + static_cast<size_t>(k) * 8 + 4));
      for (int j = 0; j < RB; j++) {
        const __m256i av = _mm256_set1_epi64x(static_cast<long long>(a[static_cast<size_t>(j) * Kw + k]));
        __m256i xa = _mm256_xor_si256(av, wa);
        __m256i xb = _mm256_xor_si256(av, wb);
        if (MASKED) {
          const __m256i mv = _mm256_set1_epi64x(static_cast<long long>(mk[static_cast<size_t>(j) * Kw + k]));
          xa = _mm256_and_si256(xa, mv);
          xb = _mm256_and_si256(xb, mv);
        }
        bytes[j][0] = _mm256_add_epi8(bytes[j][0], popcnt_bytes(xa));
        bytes[j][1] = _mm256_add_epi8(bytes[j][1], popcnt_bytes(xb));
      }
    }
    for (int j = 0; j < RB; j++) {
      acc[j][0] = _mm256_add_epi64(acc[j][0], _mm256_sad_epu8(bytes[j][0], zero));
      acc[j][1] = _mm256_add_epi64(acc[j][1], _mm256_sad_epu8(bytes[j][1], zero));
    }
  }
  alignas(32) int64_t counts[8];
  const int c0 = mb * 8;
  for (int j = 0; j < RB; j++) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(counts), acc[j][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(counts + 4), acc[j][1]);
    store_counts(counts, c0, r + j, T);
  }
}

template <int RB, bool MASKED>
static void rows256(const Layer& L, const Rows& R, int r, Tile T) {
  for (int mb = 0; mb < L.MB; mb++) block256<RB, MASKED>(L, R, r, mb, T);
}

void dot_avx2(const Layer& L, const Rows& R, Tile T) {
  for_row_blocks(
      R, [&](int r) { rows256<2, false>(L, R, r, T); rows256<2, false>(L, R, r + 2, T); },
      [&](int r) { rows256<2, true>(L, R, r, T); rows256<2, true>(L, R, r + 2, T); },
      [&](int r) { rows256<1, false>(L, R, r, T); }, [&](int r) { rows256<1, true>(L, R, r, T); });
}

}  // namespace xnor

#else
namespace xnor {
void dot_avx2(const Layer& L, const Rows& R, Tile T) { dot_scalar(L, R, T); }
}  // namespace xnor
#endif
