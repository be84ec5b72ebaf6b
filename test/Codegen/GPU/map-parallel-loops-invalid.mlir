// RUN: aiopt-opt %s --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(aiopt-gpu-map-parallel-loops{workgroup-size=48}))'

// expected-error @below {{workgroup-size must be a power of two, not 48}}
func.func @f() {
  return
}
