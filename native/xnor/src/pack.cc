// Bit packing: weights into the kernel's layouts, activations into sign / mask bit planes, im2col on bits.
#include <cstring>
#include <vector>

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

#if defined(__x86_64__)
#define XNOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define XNOR_CLONES
#endif

// 16 positions x up to 64 channels per step, accumulated in registers (vectorised across positions).
constexpr int PB = 16;

template <bool FULL, bool AFFINE>
static inline void pack_block(const float* x, const float* pa, const float* pb, int c0, int c1, int HW, int p0, int pn,
                              uint64_t* sb, uint64_t* zb) {
  for (int j = 0; j < PB; j++) sb[j] = zb[j] = 0;
  for (int c = c0; c < c1; c++) {
    const float* xc = x + static_cast<size_t>(c) * HW + p0;
    const int s = c - c0;
    const float a = AFFINE ? pa[c] : 1.0f;
    const float b = AFFINE ? pb[c] : 0.0f;
    for (int j = 0; j < (FULL ? PB : pn); j++) {
      const float v = AFFINE ? a * xc[j] + b : xc[j];
      sb[j] |= static_cast<uint64_t>(v < 0.0f) << s;
      // NaN counts as nonzero, so only exact zeros are masked out.
      zb[j] |= static_cast<uint64_t>(v != 0.0f) << s;
    }
  }
}

XNOR_CLONES void pack_signs(const float* x, int n0, int n1, int C, int HW, const float* pa, const float* pb,
                            uint64_t* bits, uint64_t* nz, uint8_t* zeros) {
  const int Cw = words_for(C);
  uint64_t sb[PB], zb[PB];
  for (int n = n0; n < n1; n++) {
    uint64_t missing = 0;  // nonzero bits absent from some position: the image has exact zeros
    const float* xn = x + static_cast<size_t>(n) * C * HW;
    uint64_t* b = bits + static_cast<size_t>(n) * HW * Cw;
    uint64_t* z = nz + static_cast<size_t>(n) * HW * Cw;
    for (int cw = 0; cw < Cw; cw++) {
      const int c0 = cw * 64;
      const int c1 = C < c0 + 64 ? C : c0 + 64;
      const uint64_t all = c1 - c0 == 64 ? ~uint64_t{0} : (uint64_t{1} << (c1 - c0)) - 1;
      for (int p0 = 0; p0 < HW; p0 += PB) {
        const int pn = HW - p0 < PB ? HW - p0 : PB;
        if (pa != nullptr) {
          if (pn == PB) pack_block<true, true>(xn, pa, pb, c0, c1, HW, p0, pn, sb, zb);
          else pack_block<false, true>(xn, pa, pb, c0, c1, HW, p0, pn, sb, zb);
        } else {
          if (pn == PB) pack_block<true, false>(xn, pa, pb, c0, c1, HW, p0, pn, sb, zb);
          else pack_block<false, false>(xn, pa, pb, c0, c1, HW, p0, pn, sb, zb);
        }
        for (int j = 0; j < pn; j++) {
          b[static_cast<size_t>(p0 + j) * Cw + cw] = sb[j];
          z[static_cast<size_t>(p0 + j) * Cw + cw] = zb[j];
          missing |= all & ~zb[j];
        }
      }
    }
    zeros[n] = missing != 0 ? 1 : 0;
  }
}

// ORs the low `count` bits of src (whole words, unused high bits zero) into dst starting at bit `at`.
static inline void put_bits(uint64_t* dst, size_t at, const uint64_t* src, int count) {
  const size_t w = at >> 6;
  const int s = static_cast<int>(at & 63);
  const int words = words_for(count);
  if (words == 1) {
    dst[w] |= src[0] << s;
    if (s != 0 && s + count > 64) dst[w + 1] |= src[0] >> (64 - s);
    return;
  }
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

// An interior row: tap t's C bits come from src + delta[t] and go to bit t * C.
static inline void gather_taps(uint64_t* row, const uint64_t* src, const int64_t* delta, int taps, int C) {
  if (C <= 64) {
    for (int t = 0; t < taps; t++) {
      const uint64_t v = src[delta[t]];
      const int at = t * C;
      const int sh = at & 63;
      row[at >> 6] |= v << sh;
      if (sh != 0 && sh + C > 64) row[(at >> 6) + 1] |= v >> (64 - sh);
    }
  } else {
    for (int t = 0; t < taps; t++) put_bits(row, static_cast<size_t>(t) * C, src + delta[t], C);
  }
}

// One bit row the careful way: bounds-checked taps, mask from the nonzero plane (exact) or from `ones`.
static void generic_row(const ConvShape& s, const uint64_t* abits, const uint64_t* anz, bool exact, const uint64_t* ones,
                        int64_t n, int y0, int x0, uint64_t* rb, uint64_t* rm) {
  const int Cw = words_for(s.C);
  for (int ky = 0; ky < s.kh; ky++) {
    const int iy = y0 + ky * s.dh;
    if (iy < 0 || iy >= s.H) continue;
    for (int kx = 0; kx < s.kw; kx++) {
      const int ix = x0 + kx * s.dw;
      if (ix < 0 || ix >= s.W) continue;
      const size_t src = ((static_cast<size_t>(n) * s.H + iy) * s.W + ix) * Cw;
      const size_t at = static_cast<size_t>(ky * s.kw + kx) * s.C;
      put_bits(rb, at, abits + src, s.C);
      put_bits(rm, at, exact ? anz + src : ones, s.C);
    }
  }
}

void im2col_bits(const ConvShape& s, int M, const uint64_t* abits, const uint64_t* anz, const uint8_t* zeros,
                 int64_t r0, int count, int Kw, uint64_t* bits, uint64_t* mask, int32_t* valid, uint8_t* full,
                 int64_t* base) {
  const int Cw = words_for(s.C);
  const int64_t P = static_cast<int64_t>(s.OH) * s.OW;
  const int K = s.C * s.kh * s.kw;
  // C one bits (the mask of an in-bounds tap when the image has no exact zeros), and a full row mask.
  std::vector<uint64_t> ones(Cw);
  for (int k = 0; k < Cw; k++) ones[k] = k < s.C / 64 ? ~uint64_t{0} : (uint64_t{1} << (s.C % 64)) - 1;
  // Interior rows read every tap at a fixed offset from the window's top-left input position.
  const int taps = s.kh * s.kw;
  std::vector<int64_t> delta(taps);
  for (int ky = 0; ky < s.kh; ky++)
    for (int kx = 0; kx < s.kw; kx++)
      delta[ky * s.kw + kx] = (static_cast<int64_t>(ky) * s.dh * s.W + static_cast<int64_t>(kx) * s.dw) * Cw;
  std::memset(bits, 0, sizeof(uint64_t) * count * Kw);
  int64_t n = r0 / P;
  int oy = static_cast<int>((r0 % P) / s.OW);
  int ox = static_cast<int>((r0 % P) % s.OW);
  for (int i = 0; i < count; i++) {
    uint64_t* rb = bits + static_cast<size_t>(i) * Kw;
    uint64_t* rm = mask + static_cast<size_t>(i) * Kw;
    const int y0 = oy * s.sh - s.padTop;
    const int x0 = ox * s.sw - s.padLeft;
    const bool inside = y0 >= 0 && y0 + (s.kh - 1) * s.dh < s.H && x0 >= 0 && x0 + (s.kw - 1) * s.dw < s.W;
    const bool exact = zeros[n] != 0;  // the mask must come from the input's nonzero plane
    if (inside) {
      const size_t at0 = ((static_cast<size_t>(n) * s.H + y0) * s.W + x0) * Cw;
      gather_taps(rb, abits + at0, delta.data(), taps, s.C);
      if (exact) {
        std::memset(rm, 0, sizeof(uint64_t) * Kw);
        gather_taps(rm, anz + at0, delta.data(), taps, s.C);
        int32_t v = 0;
        for (int k = 0; k < Kw; k++) v += __builtin_popcountll(rm[k]);
        valid[i] = v;
        full[i] = v == K ? 1 : 0;
      } else {
        for (int k = 0; k < Kw; k++) rm[k] = k < K / 64 ? ~uint64_t{0} : (uint64_t{1} << (K % 64)) - 1;
        valid[i] = K;
        full[i] = 1;
      }
    } else {
      std::memset(rm, 0, sizeof(uint64_t) * Kw);
      generic_row(s, abits, anz, exact, ones.data(), n, y0, x0, rb, rm);
      int32_t v = 0;
      for (int k = 0; k < Kw; k++) v += __builtin_popcountll(rm[k]);
      valid[i] = v;
      full[i] = v == K ? 1 : 0;
    }
    base[i] = n * M * P + static_cast<int64_t>(oy) * s.OW + ox;
    if (++ox == s.OW) {
      ox = 0;
      if (++oy == s.OH) {
        oy = 0;
        n++;
      }
    }
  }
}

}  // namespace xnor
