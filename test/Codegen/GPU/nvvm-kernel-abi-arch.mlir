// RUN: aiopt-opt %s --verify-diagnostics --aiopt-gpu-nvvm-kernel-abi="chip=sm_91"

// An architecture neither LLVM nor ptxas knows is refused before any code
// is made for it.
// expected-error @below {{[E301] unknown GPU architecture 'sm_91'; known: sm_75 sm_80}}
module attributes {gpu.container_module} {
  gpu.module @k {
  }
}
