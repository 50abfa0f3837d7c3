{
  "targets": [
    {
      "target_name": "xnor",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/pack.cc",
        "src/dot_scalar.cc",
        "src/dot_avx2.cc",
        "src/dot_avx512.cc",
        "src/epilogue.cc"
      ],
      "cflags_cc": ["-O3", "-std=c++17"],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-mpopcnt"] }]
      ]
    }
  ]
}
