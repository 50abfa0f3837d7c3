// N-API binding (plain C node_api.h, no node-addon-api):
//   prepare(halves: Uint32Array, M, K, alpha: Float32Array, beta: Float32Array[, preScale, preShift: Float32Array])
//     -> layer handle (preScale / preShift: per-input-channel affine before the sign, length C)
//   conv(layer, x: Float32Array, geometry: Int32Array(14), out: Float32Array, isa, threads[, residual: Float32Array])
//     -> undefined (residual, same length as out, is added to the output)
//   bestIsa() -> 0 scalar | 1 avx2 | 2 avx512
// geometry = [N, C, H, W, kh, kw, sh, sw, dh, dw, padTop, padLeft, OH, OW]. Bad arguments throw a JS Error
// whose code is 'INVALID_ARGUMENT'; the kernel never reads or writes outside the arrays it was given.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "xnor.h"

namespace {

bool fail(napi_env env, const std::string& msg) {
  napi_throw_error(env, "INVALID_ARGUMENT", ("xnor addon: " + msg).c_str());
  return false;
}

bool get_number(napi_env env, napi_value v, const char* what, double* out) {
  if (napi_get_value_double(env, v, out) != napi_ok) return fail(env, std::string(what) + " must be a number");
  return true;
}

bool get_int(napi_env env, napi_value v, const char* what, int64_t lo, int64_t hi, int* out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < lo || d > hi)
    return fail(env, std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  *out = static_cast<int>(d);
  return true;
}

template <typename T>
bool get_array(napi_env env, napi_value v, napi_typedarray_type want, const char* what, T** data, size_t* length) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (!is || napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok || type != want)
    return fail(env, std::string(what) + " has the wrong typed-array type");
  *data = static_cast<T*>(ptr);
  return true;
}

void finalize_layer(napi_env, void* data, void*) { delete static_cast<xnor::Layer*>(data); }

napi_value prepare(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5 && argc != 7) return fail(env, "prepare expects 5 or 7 arguments"), nullptr;
  uint32_t* halves = nullptr;
  float *alpha = nullptr, *beta = nullptr;
  size_t nh, na, nb;
  int M, K;
  if (!get_array(env, argv[0], napi_uint32_array, "weight bits", &halves, &nh) ||
      !get_int(env, argv[1], "M", 1, 1 << 24, &M) || !get_int(env, argv[2], "K", 1, 1 << 24, &K) ||
      !get_array(env, argv[3], napi_float32_array, "alpha", &alpha, &na) ||
      !get_array(env, argv[4], napi_float32_array, "beta", &beta, &nb))
    return nullptr;
  const size_t words = static_cast<size_t>(M) * xnor::words_for(K);
  if (nh != 2 * words) return fail(env, "weight bits: expected " + std::to_string(2 * words) + " uint32, got " + std::to_string(nh)), nullptr;
  if (na != static_cast<size_t>(M) || nb != static_cast<size_t>(M)) return fail(env, "alpha and beta need M values"), nullptr;
  float *pa = nullptr, *pb = nullptr;
  size_t npa = 0, npb = 0;
  if (argc == 7) {
    if (!get_array(env, argv[5], napi_float32_array, "preScale", &pa, &npa) ||
        !get_array(env, argv[6], napi_float32_array, "preShift", &pb, &npb))
      return nullptr;
    if (npa != npb || npa == 0 || K % static_cast<int>(npa) != 0)
      return fail(env, "preScale and preShift need C values (C divides K)"), nullptr;
  }
  auto* layer = new xnor::Layer();
  xnor::build_layer(*layer, halves, M, K, alpha, beta);
  if (argc == 7) {
    layer->preScale.assign(pa, pa + npa);
    layer->preShift.assign(pb, pb + npb);
  }
  napi_value handle;
  if (napi_create_external(env, layer, finalize_layer, nullptr, &handle) != napi_ok) {
    delete layer;
    return fail(env, "could not create the layer handle"), nullptr;
  }
  return handle;
}

napi_value conv(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 6 && argc != 7) return fail(env, "conv expects 6 or 7 arguments"), nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  void* lp = nullptr;
  if (t != napi_external || napi_get_value_external(env, argv[0], &lp) != napi_ok || lp == nullptr)
    return fail(env, "the first argument must be a layer handle from prepare()"), nullptr;
  xnor::Layer& L = *static_cast<xnor::Layer*>(lp);
  float *x = nullptr, *out = nullptr;
  int32_t* g = nullptr;
  size_t nx, ng, no;
  int isa, threads;
  if (!get_array(env, argv[1], napi_float32_array, "input", &x, &nx) ||
      !get_array(env, argv[2], napi_int32_array, "geometry", &g, &ng) ||
      !get_array(env, argv[3], napi_float32_array, "output", &out, &no) ||
      !get_int(env, argv[4], "isa", 0, 2, &isa) || !get_int(env, argv[5], "threads", 1, 256, &threads))
    return nullptr;
  if (ng != 14) return fail(env, "geometry needs 14 values"), nullptr;
  for (size_t i = 0; i < 14; i++) {
    const bool padding = i == 10 || i == 11;
    if (g[i] < (padding ? 0 : 1)) return fail(env, "geometry value #" + std::to_string(i) + " out of range"), nullptr;
  }
  const xnor::ConvShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]};
  if (static_cast<int64_t>(s.C) * s.kh * s.kw != L.K) return fail(env, "C * kh * kw does not match the layer's K"), nullptr;
  if (!L.preScale.empty() && L.preScale.size() != static_cast<size_t>(s.C))
    return fail(env, "the layer's input affine has " + std::to_string(L.preScale.size()) + " channels, the input " + std::to_string(s.C)), nullptr;
  if (nx != static_cast<size_t>(s.N) * s.C * s.H * s.W) return fail(env, "input length does not match N*C*H*W"), nullptr;
  if (no != static_cast<size_t>(s.N) * L.M * s.OH * s.OW) return fail(env, "output length does not match N*M*OH*OW"), nullptr;
  if (isa > xnor::best_isa()) return fail(env, "this CPU does not support the requested instruction set"), nullptr;
  float* residual = nullptr;
  if (argc == 7) {
    size_t nr = 0;
    if (!get_array(env, argv[6], napi_float32_array, "residual", &residual, &nr)) return nullptr;
    if (nr != no) return fail(env, "residual length does not match the output"), nullptr;
  }
  xnor::conv(L, s, x, out, static_cast<xnor::Isa>(isa), threads, residual);
  return nullptr;
}

napi_value best_isa(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, xnor::best_isa(), &v);
  return v;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"prepare", nullptr, prepare, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv", nullptr, conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bestIsa", nullptr, best_isa, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
