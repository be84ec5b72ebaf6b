// RUN: aiopt-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: aiopt-opt %s -split-input-file -verify-diagnostics --aiopt-cpu-lower-dot-bytes | FileCheck %s --check-prefix=LLVM

// aiopt.dot_pairs, the code generation's 16-bit pair dot product, and its
// x86 intrinsic plus the accumulator, at 512, 256 and 128 bits.
// CHECK-LABEL: func @pairs
// CHECK: aiopt.dot_pairs %arg0, %arg1, %arg2 : vector<32xi16> -> vector<16xi32>
// CHECK: aiopt.dot_pairs %arg3, %arg4, %arg4 : vector<16xi16> -> vector<8xi32>
// CHECK: aiopt.dot_pairs %arg5, %arg6, %arg6 : vector<8xi16> -> vector<4xi32>
// LLVM-LABEL: func @pairs
// LLVM: %[[P0:.*]] = llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%arg1, %arg2) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// LLVM: arith.addi %arg0, %[[P0]] : vector<16xi32>
// LLVM: %[[P1:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%arg4, %arg4) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// LLVM: arith.addi %arg3, %[[P1]] : vector<8xi32>
// LLVM: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"
func.func @pairs(%acc: vector<16xi32>, %a: vector<32xi16>, %b: vector<32xi16>,
                 %acc8: vector<8xi32>, %a8: vector<16xi16>,
                 %acc4: vector<4xi32>, %a4: vector<8xi16>) -> (vector<16xi32>, vector<8xi32>, vector<4xi32>) {
  %0 = aiopt.dot_pairs %acc, %a, %b : vector<32xi16> -> vector<16xi32>
  %1 = aiopt.dot_pairs %acc8, %a8, %a8 : vector<16xi16> -> vector<8xi32>
  %2 = aiopt.dot_pairs %acc4, %a4, %a4 : vector<8xi16> -> vector<4xi32>
  return %0, %1, %2 : vector<16xi32>, vector<8xi32>, vector<4xi32>
}

// -----

func.func @lanes(%acc: vector<2xi32>, %a: vector<4xi16>) -> vector<2xi32> {
  // expected-error @+1 {{'aiopt.dot_pairs' op has 2 lanes; vpmaddwd has 4, 8 or 16}}
  %0 = aiopt.dot_pairs %acc, %a, %a : vector<4xi16> -> vector<2xi32>
  return %0 : vector<2xi32>
}

// -----

func.func @elements(%acc: vector<16xi32>, %a: vector<16xi16>) -> vector<16xi32> {
  // expected-error @+1 {{'aiopt.dot_pairs' op takes two elements per lane: 32, not 16}}
  %0 = aiopt.dot_pairs %acc, %a, %a : vector<16xi16> -> vector<16xi32>
  return %0 : vector<16xi32>
}
