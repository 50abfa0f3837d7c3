// XNOR + popcount convolution / GEMM for binary (+1/-1) weights and sign activations.
//
// Bit convention: a 1 bit stands for -1, a 0 bit for +1. A product of two signs is +1 when the bits agree,
// so over the bits that count, dot = valid - 2 * popcount(a XOR w). Activations carry a second bit plane,
// the mask: 1 where the value counts, 0 where the float reference contributes nothing (zero padding, and
// inputs that are exactly 0, since ONNX Sign(0) = 0). `valid` is the number of mask bits of a row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace xnor {

enum Isa { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

// Reusable work memory of one worker thread.
struct ChunkBuffers {
  std::vector<uint64_t> bits, mask;
  std::vector<int32_t> tile;  // [MB*8][rows]: mismatch counts, channel-major
  std::vector<int32_t> valid;
  std::vector<uint8_t> full;
  std::vector<int64_t> base;
};

// Work memory kept between calls (a layer runs one call at a time: N-API calls are synchronous).
struct Scratch {
  std::vector<uint64_t> abits, anz;  // sign / nonzero planes of the packed input
  std::vector<uint8_t> zeros;        // per image: has an exact zero
  std::vector<ChunkBuffers> workers;
};

// Binary weights of one layer, prepared for the kernels.
struct Layer {
  int M = 0;                       // output channels
  int K = 0;                       // reduction length in bits (C * kh * kw)
  int Kw = 0;                      // 64-bit words per row: ceil(K / 64)
  int MB = 0;                      // 8-channel blocks: ceil(M / 8)
  std::vector<uint64_t> rows;      // [M][Kw], the packed format itself
  std::vector<uint64_t> blocked;   // [MB][Kw][8]: word k of channels 8*mb .. 8*mb+7 side by side
  std::vector<float> alpha, beta;  // [MB*8]: out = alpha * dot + beta (zero-padded)
  // Optional per-input-channel affine taken before the sign: sign(preScale[c] * x + preShift[c])
  // (a BatchNormalization in front of the Sign). Empty = identity.
  std::vector<float> preScale, preShift;
  Scratch scratch;
};

// NCHW convolution geometry, groups = 1. A GEMM is the 1x1 case on a 1x1 image with C = K.
struct ConvShape {
  int N, C, H, W, kh, kw, sh, sw, dh, dw, padTop, padLeft, OH, OW;
};

// A chunk of im2col rows on bits.
struct Rows {
  int count = 0;
  const uint64_t* bits = nullptr;  // [count][Kw]
  const uint64_t* mask = nullptr;  // [count][Kw]
  const int32_t* valid = nullptr;  // [count]
  const uint8_t* full = nullptr;   // [count]: 1 when every one of the K bits counts (mask can be skipped)
  const int64_t* base = nullptr;   // [count]: output offset of channel 0; channel m is at base + m * strideM
  int64_t strideM = 0;
};

void build_layer(Layer& L, const uint32_t* halves, int M, int K, const float* alpha, const float* beta);

// Sign bits and nonzero mask of x [N][C][HW], channels packed per position: out[(n*HW + pos)*Cw + c/64].
// Writes every word of images n0 .. n1-1 (no zeroing needed); zeros[n] = 1 when image n has an exact 0.
// With pa / pb (length C, or null) the sign is taken of pa[c] * x + pb[c].
void pack_signs(const float* x, int n0, int n1, int C, int HW, const float* pa, const float* pb, uint64_t* bits,
                uint64_t* nz, uint8_t* zeros);

// im2col on bits for global output rows r0 .. r0+count-1 (row r = image r / (OH*OW), position r % (OH*OW)).
// The mask comes from the nonzero plane only for images with exact zeros; otherwise from the geometry.
void im2col_bits(const ConvShape& s, int M, const uint64_t* abits, const uint64_t* anz, const uint8_t* zeros,
                 int64_t r0, int count, int Kw, uint64_t* bits, uint64_t* mask, int32_t* valid, uint8_t* full,
                 int64_t* base);

// Mismatch counts of a chunk: count(m, r) at p[m * sm + r * sr]. Channel-major (sr = 1) when the output
// has several positions per image, so the epilogue writes each channel's run contiguously; row-major
// (sm = 1) for a GEMM, whose outputs are contiguous across channels.
struct Tile {
  int32_t* p;
  int sm, sr;
};

// Dot kernels: count(m, r) = popcount((a_r XOR w_m) AND mask_r) for every row r of R and channel m < MB*8
// (the scalar kernel stops at M; channels past M are never read).
void dot_scalar(const Layer& L, const Rows& R, Tile T);
void dot_avx2(const Layer& L, const Rows& R, Tile T);
void dot_avx512(const Layer& L, const Rows& R, Tile T);

// out[i] = alpha[m] * (valid[r] - 2 * count(m, r)) + beta[m] (+ residual[i]), i = base[r] + m * strideM.
void finish_rows(const Layer& L, const Rows& R, Tile T, const float* residual, float* out);

// The whole convolution; `threads` >= 1 splits rows between threads; residual (or null) is added to out.
void conv(Layer& L, const ConvShape& s, const float* x, float* out, Isa isa, int threads, const float* residual);

// Best instruction set this CPU runs.
Isa best_isa();

inline int words_for(int bits) { return (bits + 63) / 64; }

}  // namespace xnor
