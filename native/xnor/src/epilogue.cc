// The epilogue: mismatch counts -> alpha * (valid - 2 * count) + beta, written in NCHW order. Rows of one
// image are consecutive output positions, so each channel's values go out as one contiguous run.
#include "xnor.h"

#if defined(__x86_64__)
#define XNOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define XNOR_CLONES
#endif

namespace xnor {

template <bool RESIDUAL>
__attribute__((always_inline)) static inline void finish(const Layer& L, const Rows& R, Tile T, const float* residual, float* out) {
  if (R.strideM == 1) {  // one position per image (GEMM): channels are contiguous instead
    for (int r = 0; r < R.count; r++) {
      float* o = out + R.base[r];
      const float* res = RESIDUAL ? residual + R.base[r] : nullptr;
      const float v = static_cast<float>(R.valid[r]);
      for (int m = 0; m < L.M; m++) {
        const float y = L.alpha[m] * (v - 2.0f * static_cast<float>(T.p[static_cast<size_t>(r) * T.sr + m])) + L.beta[m];
        o[m] = RESIDUAL ? y + res[m] : y;
      }
    }
    return;
  }
  int i0 = 0;
  while (i0 < R.count) {
    int i1 = i0 + 1;
    while (i1 < R.count && R.base[i1] == R.base[i1 - 1] + 1) i1++;
    for (int m = 0; m < L.M; m++) {
      const float a = L.alpha[m];
      const float b = L.beta[m];
      const int32_t* t = T.p + static_cast<size_t>(m) * T.sm;
      const int64_t at = R.base[i0] + static_cast<int64_t>(m) * R.strideM - i0;
      float* o = out + at;
      const float* res = RESIDUAL ? residual + at : nullptr;
      for (int i = i0; i < i1; i++) {
        const float y = a * static_cast<float>(R.valid[i] - 2 * t[i]) + b;
        o[i] = RESIDUAL ? y + res[i] : y;
      }
    }
    i0 = i1;
  }
}

XNOR_CLONES void finish_rows(const Layer& L, const Rows& R, Tile T, const float* residual, float* out) {
  if (residual != nullptr) finish<true>(L, R, T, residual, out);
  else finish<false>(L, R, T, residual, out);
}

}  // namespace xnor
