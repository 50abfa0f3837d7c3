// Bit packing: weights into the kernel's layouts, activations into sign / mask bit planes, im2col on bits.
#include <cstring>

#include "xnor.h"

namespace xnor {

void build_layer(Layer& L, const uint32_t* halves, int M, int K, const float* alpha, const float* beta) {
  L.M = M;
  L.K = K;
  L.Kw = words_for(K);
  L.MB = (M + 7) / 8;
  const size_t Kw = static_cast<size_t>(L.Kw);
  L.rows.assign(static_cast<size_t>(M) * Kw, 0);
  for (size_t i = 0; i < L.rows.size(); i++) {
    L.rows[i] = static_cast<uint64_t>(halves[2 * i]) | (static_cast<uint64_t>(halves[2 * i + 1]) << 32);
  }
  // Bits past K must be 0: the mask-free kernels count every bit of a word.
  if (K % 64 != 0) {
    const uint64_t keep = (uint64_t{1} << (K % 64)) - 1;
    for (int m = 0; m < M; m++) L.rows[static_cast<size_t>(m) * Kw + Kw - 1] &= keep;
  }
  L.blocked.assign(static_cast<size_t>(L.MB) * Kw * 8, 0);
  for (int m = 0; m < M; m++) {
    for (size_t k = 0; k < Kw; k++) {
      L.blocked[(static_cast<size_t>(m / 8) * Kw + k) * 8 + m % 8] = L.rows[static_cast<size_t>(m) * Kw + k];
    }
  }
  L.alpha.assign(static_cast<size_t>(L.MB) * 8, 0.0f);
  L.beta.assign(static_cast<size_t>(L.MB) * 8, 0.0f);
  std::memcpy(L.alpha.data(), alpha, sizeof(float) * M);
  std::memcpy(L.beta.data(), beta, sizeof(float) * M);
}

void pack_signs(const float* x, int n0, int n1, int C, int HW, uint64_t* bits, uint64_t* nz) {
  const int Cw = words_for(C);
  for (int n = n0; n < n1; n++) {
    uint64_t* b = bits + static_cast<size_t>(n) * HW * Cw;
    uint64_t* z = nz + static_cast<size_t>(n) * HW * Cw;
    std::memset(b, 0, sizeof(uint64_t) * HW * Cw);
    std::memset(z, 0, sizeof(uint64_t) * HW * Cw);
    for (int c = 0; c < C; c++) {
      const float* xc = x + (static_cast<size_t>(n) * C + c) * HW;
      const int w = c >> 6;
      const int sh = c & 63;
      for (int p = 0; p < HW; p++) {
        const float v = xc[p];
        b[static_cast<size_t>(p) * Cw + w] |= static_cast<uint64_t>(v < 0.0f) << sh;
        // NaN counts as nonzero (its sign bit decides), so only exact zeros are masked out.
        z[static_cast<size_t>(p) * Cw + w] |= static_cast<uint64_t>(!(v == 0.0f)) << sh;
      }
    }
  }
}

// ORs the low `count` bits of src (whole words, unused high bits zero) into dst starting at bit `at`.
static inline void put_bits(uint64_t* dst, size_t at, const uint64_t* src, int count) {
  const size_t w = at >> 6;
  const int s = static_cast<int>(at & 63);
  const int words = words_for(count);
  if (s == 0) {
    for (int i = 0; i < words; i++) dst[w + i] |= src[i];
    return;
  }
  const size_t lastWord = (at + count - 1) >> 6;
  for (int i = 0; i < words; i++) {
    dst[w + i] |= src[i] << s;
    if (w + i + 1 <= lastWord) dst[w + i + 1] |= src[i] >> (64 - s);
  }
}

void im2col_bits(const ConvShape& s, int M, const uint64_t* abits, const uint64_t* anz, int64_t r0, int count,
                 int Kw, uint64_t* bits, uint64_t* mask, int32_t* valid, uint8_t* full, int64_t* base) {
  const int Cw = words_for(s.C);
  const int64_t P = static_cast<int64_t>(s.OH) * s.OW;
  const int K = s.C * s.kh * s.kw;
  std::memset(bits, 0, sizeof(uint64_t) * count * Kw);
  std::memset(mask, 0, sizeof(uint64_t) * count * Kw);
  for (int i = 0; i < count; i++) {
    const int64_t r = r0 + i;
    const int64_t n = r / P;
    const int64_t p = r % P;
    const int oy = static_cast<int>(p / s.OW);
    const int ox = static_cast<int>(p % s.OW);
    uint64_t* rb = bits + static_cast<size_t>(i) * Kw;
    uint64_t* rm = mask + static_cast<size_t>(i) * Kw;
    for (int ky = 0; ky < s.kh; ky++) {
      const int iy = oy * s.sh - s.padTop + ky * s.dh;
      if (iy < 0 || iy >= s.H) continue;
      for (int kx = 0; kx < s.kw; kx++) {
        const int ix = ox * s.sw - s.padLeft + kx * s.dw;
        if (ix < 0 || ix >= s.W) continue;
        const size_t src = ((static_cast<size_t>(n) * s.H + iy) * s.W + ix) * Cw;
        const size_t at = static_cast<size_t>(ky * s.kw + kx) * s.C;
        put_bits(rb, at, abits + src, s.C);
        put_bits(rm, at, anz + src, s.C);
      }
    }
    int32_t v = 0;
    for (int k = 0; k < Kw; k++) v += __builtin_popcountll(rm[k]);
    valid[i] = v;
    full[i] = v == K ? 1 : 0;
    base[i] = n * M * P + p;
  }
}

}  // namespace xnor
