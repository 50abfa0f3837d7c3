// The convolution driver: sign-pack the input, then for chunks of output rows build the bit rows
// (im2col on bits, or the packed input itself for a stride-1 unpadded 1x1 / GEMM) and run the dot kernel.
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "xnor.h"

namespace xnor {

Isa best_isa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vpopcntdq"))
    return ISA_AVX512;
  if (__builtin_cpu_supports("avx2")) return ISA_AVX2;
#endif
  return ISA_SCALAR;
}

// Runs fn(task, worker) for every task on min(threads, tasks) workers (worker 0 is the calling thread).
template <typename Fn>
static void parallel(int tasks, int threads, Fn fn) {
  const int t = std::max(1, std::min(threads, tasks));
  if (t == 1) {
    for (int i = 0; i < tasks; i++) fn(i, 0);
    return;
  }
  std::atomic<int> next{0};
  auto work = [&](int worker) {
    for (int i = next++; i < tasks; i = next++) fn(i, worker);
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < t; w++) pool.emplace_back(work, w);
  work(0);
  for (auto& th : pool) th.join();
}

template <typename T>
static T* sized(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Row bookkeeping of the direct case: the packed input rows are the bit rows.
static void direct_rows(const Layer& L, const uint64_t* mask, int64_t r0, int count, int64_t P, int32_t* valid,
                        uint8_t* full, int64_t* base) {
  const int Kw = L.Kw;
  for (int i = 0; i < count; i++) {
    int32_t v = 0;
    for (int k = 0; k < Kw; k++) v += __builtin_popcountll(mask[static_cast<size_t>(i) * Kw + k]);
    valid[i] = v;
    full[i] = v == L.K ? 1 : 0;
    const int64_t r = r0 + i;
    base[i] = (r / P) * L.M * P + r % P;
  }
}

void conv(Layer& L, const ConvShape& s, const float* x, float* out, Isa isa, int threads, const float* residual) {
  const int Cw = words_for(s.C);
  const int Kw = L.Kw;
  const int HW = s.H * s.W;
  Scratch& S = L.scratch;
  uint64_t* abits = sized(S.abits, static_cast<size_t>(s.N) * HW * Cw);
  uint64_t* anz = sized(S.anz, static_cast<size_t>(s.N) * HW * Cw);
  uint8_t* zeros = sized(S.zeros, static_cast<size_t>(s.N));
  const float* pa = L.preScale.empty() ? nullptr : L.preScale.data();
  const float* pb = L.preShift.empty() ? nullptr : L.preShift.data();
  parallel(s.N, threads, [&](int n, int) { pack_signs(x, n, n + 1, s.C, HW, pa, pb, abits, anz, zeros); });

  const int64_t P = static_cast<int64_t>(s.OH) * s.OW;
  const int64_t total = static_cast<int64_t>(s.N) * P;
  const bool direct = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.padTop == 0 && s.padLeft == 0 &&
                      s.OH == s.H && s.OW == s.W;
  // About 64 KiB of row bits and 128 KiB of counts per chunk.
  const int chunk = std::max(4, std::min(8192 / Kw, 32768 / (L.MB * 8)) & ~3);
  const int chunks = static_cast<int>((total + chunk - 1) / chunk);
  void (*dot)(const Layer&, const Rows&, Tile) =
      isa == ISA_AVX512 ? dot_avx512 : isa == ISA_AVX2 ? dot_avx2 : dot_scalar;

  const int t = std::max(1, std::min(threads, chunks));
  if (static_cast<int>(S.workers.size()) < t) S.workers.resize(t);
  parallel(chunks, t, [&](int c, int me) {
    ChunkBuffers& B = S.workers[me];
    const int64_t r0 = static_cast<int64_t>(c) * chunk;
    const int count = static_cast<int>(std::min<int64_t>(chunk, total - r0));
    Rows R;
    R.count = count;
    R.strideM = P;
    R.valid = sized(B.valid, chunk);
    R.full = sized(B.full, chunk);
    R.base = sized(B.base, chunk);
    if (direct) {
      R.bits = abits + static_cast<size_t>(r0) * Kw;
      R.mask = anz + static_cast<size_t>(r0) * Kw;
      direct_rows(L, R.mask, r0, count, P, B.valid.data(), B.full.data(), B.base.data());
    } else {
      uint64_t* bits = sized(B.bits, static_cast<size_t>(chunk) * Kw);
      uint64_t* mask = sized(B.mask, static_cast<size_t>(chunk) * Kw);
      im2col_bits(s, L.M, abits, anz, zeros, r0, count, Kw, bits, mask, B.valid.data(), B.full.data(), B.base.data());
      R.bits = bits;
      R.mask = mask;
    }
    const int MP = L.MB * 8;
    const Tile T = P == 1 ? Tile{sized(B.tile, static_cast<size_t>(MP) * chunk), 1, MP}
                          : Tile{sized(B.tile, static_cast<size_t>(MP) * chunk), chunk, 1};
    dot(L, R, T);
    finish_rows(L, R, T, residual, out);
  });
}

}  // namespace xnor
