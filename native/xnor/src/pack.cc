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
__attribute__((always_inline)) static inline void pack_block(const float* x, const float* pa, const float* pb, int c0, int c1, int HW, int p0, int pn,
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

// One position per image (a GEMM input [N, K]): the channels of a word are 64 consecutive floats.
template <bool AFFINE>
__attribute__((always_inline)) static inline void pack_rows(const float* x, int n0, int n1, int C, const float* pa, const float* pb, uint64_t* bits,
                             uint64_t* nz, uint8_t* zeros) {
  const int Cw = words_for(C);
  for (int n = n0; n < n1; n++) {
    uint64_t missing = 0;
    const float* xn = x + static_cast<size_t>(n) * C;
    for (int cw = 0; cw < Cw; cw++) {
      const int c0 = cw * 64;
      const int c1 = C < c0 + 64 ? C : c0 + 64;
      uint64_t sb = 0, zb = 0;
      for (int c = c0; c < c1; c++) {
        const float v = AFFINE ? pa[c] * xn[c] + pb[c] : xn[c];
        sb |= static_cast<uint64_t>(v < 0.0f) << (c - c0);
        zb |= static_cast<uint64_t>(v != 0.0f) << (c - c0);
      }
      const uint64_t all = c1 - c0 == 64 ? ~uint64_t{0} : (uint64_t{1} << (c1 - c0)) - 1;
      bits[static_cast<size_t>(n) * Cw + cw] = sb;
      nz[static_cast<size_t>(n) * Cw + cw] = zb;
      missing |= all & ~zb;
    }
    zeros[n] = missing != 0 ? 1 : 0;
  }
}

XNOR_CLONES void pack_signs(const float* x, int n0, int n1, int C, int HW, const float* pa, const float* pb,
                            uint64_t* bits, uint64_t* nz, uint8_t* zeros) {
  if (HW == 1) {
    if (pa != nullptr) pack_rows<true>(x, n0, n1, C, pa, pb, bits, nz, zeros);
    else pack_rows<false>(x, n0, n1, C, pa, pb, bits, nz, zeros);
    return;
  }
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

// Appends bit fields to a row, one 64-bit word at a time, keeping the partly filled word in a register.
struct BitWriter {
  uint64_t* dst;
  uint64_t cur = 0;
  int fill = 0;

  explicit BitWriter(uint64_t* d) : dst(d) {}

  // v holds only its low n bits, 1 <= n <= 64.
  inline void put(uint64_t v, int n) {
    cur |= v << fill;
    const int total = fill + n;
    if (total < 64) {
      fill = total;
      return;
    }
    *dst++ = cur;
    cur = fill == 0 ? 0 : v >> (64 - fill);
    fill = total - 64;
  }

  // C channel bits of one position (Cw words, unused high bits zero).
  inline void put_channels(const uint64_t* src, int C) {
    for (; C >= 64; C -= 64) put(*src++, 64);
    if (C > 0) put(*src, C);
  }

  inline void put_zeros(int C) {
    for (; C >= 64; C -= 64) put(0, 64);
    if (C > 0) put(0, C);
  }

  inline void flush() {
    if (fill > 0) *dst++ = cur;
  }
};

void im2col_bits(const ConvShape& s, int M, const uint64_t* abits, const uint64_t* anz, const uint8_t* zeros,
                 int64_t r0, int count, int Kw, uint64_t* bits, uint64_t* mask, int32_t* valid, uint8_t* full,
                 int64_t* base) {
  const int Cw = words_for(s.C);
  const int64_t P = static_cast<int64_t>(s.OH) * s.OW;
  const int K = s.C * s.kh * s.kw;
  std::vector<uint64_t> ones(Cw), fullRow(Kw);
  for (int k = 0; k < Cw; k++) ones[k] = k < s.C / 64 ? ~uint64_t{0} : (uint64_t{1} << (s.C % 64)) - 1;
  for (int k = 0; k < Kw; k++) fullRow[k] = k < K / 64 ? ~uint64_t{0} : (uint64_t{1} << (K % 64)) - 1;
  // Interior rows read every tap at a fixed offset from the window's top-left input position.
  const int taps = s.kh * s.kw;
  std::vector<int64_t> delta(taps);
  for (int ky = 0; ky < s.kh; ky++)
    for (int kx = 0; kx < s.kw; kx++)
      delta[ky * s.kw + kx] = (static_cast<int64_t>(ky) * s.dh * s.W + static_cast<int64_t>(kx) * s.dw) * Cw;
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
    const size_t at0 = ((static_cast<size_t>(n) * s.H + y0) * s.W + x0) * Cw;  // may point outside: used when inside
    BitWriter wb(rb);
    if (inside) {
      if (Cw == 1) {
        for (int t = 0; t < taps; t++) wb.put(abits[at0 + delta[t]], s.C);
      } else {
        for (int t = 0; t < taps; t++) wb.put_channels(abits + at0 + delta[t], s.C);
      }
      wb.flush();
      if (exact) {
        BitWriter wm(rm);
        for (int t = 0; t < taps; t++) wm.put_channels(anz + at0 + delta[t], s.C);
        wm.flush();
      } else {
        for (int k = 0; k < Kw; k++) rm[k] = fullRow[k];
      }
    } else {
      BitWriter wm(rm);
      for (int ky = 0; ky < s.kh; ky++) {
        const int iy = y0 + ky * s.dh;
        for (int kx = 0; kx < s.kw; kx++) {
          const int ix = x0 + kx * s.dw;
          if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) {
            wb.put_zeros(s.C);
            wm.put_zeros(s.C);
            continue;
          }
          const size_t src = ((static_cast<size_t>(n) * s.H + iy) * s.W + ix) * Cw;
          wb.put_channels(abits + src, s.C);
          wm.put_channels(exact ? anz + src : ones.data(), s.C);
        }
      }
      wb.flush();
      wm.flush();
    }
    if (inside && !exact) {
      valid[i] = K;
      full[i] = 1;
    } else {
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
