// RUN: aiopt-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: aiopt-opt %s -split-input-file -verify-diagnostics --aiopt-cpu-lower-dot-bytes | FileCheck %s --check-prefix=LLVM

// aiopt.dot_bytes, the code generation's VNNI dot product, and its x86
// intrinsic.
// CHECK-LABEL: func @dot
// CHECK: aiopt.dot_bytes %arg0, %arg1, %arg2 : vector<64xi8> -> vector<16xi32>
// CHECK: aiopt.dot_bytes %arg3, %arg4, %arg5 : vector<32xi8> -> vector<8xi32>
// LLVM-LABEL: func @dot
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%arg3, %arg4, %arg5) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
func.func @dot(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
               %acc8: vector<8xi32>, %a8: vector<32xi8>, %b8: vector<32xi8>) -> (vector<16xi32>, vector<8xi32>) {
  %0 = aiopt.dot_bytes %acc, %a, %b : vector<64xi8> -> vector<16xi32>
  %1 = aiopt.dot_bytes %acc8, %a8, %b8 : vector<32xi8> -> vector<8xi32>
  return %0, %1 : vector<16xi32>, vector<8xi32>
}

// -----

func.func @lanes(%acc: vector<4xi32>, %a: vector<16xi8>) -> vector<4xi32> {
  // expected-error @+1 {{'aiopt.dot_bytes' op has 4 lanes; vpdpbusd has 8 or 16}}
  %0 = aiopt.dot_bytes %acc, %a, %a : vector<16xi8> -> vector<4xi32>
  return %0 : vector<4xi32>
}

// -----

func.func @bytes(%acc: vector<16xi32>, %a: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{'aiopt.dot_bytes' op takes four bytes per lane: 64, not 32}}
  %0 = aiopt.dot_bytes %acc, %a, %a : vector<32xi8> -> vector<16xi32>
  return %0 : vector<16xi32>
}
