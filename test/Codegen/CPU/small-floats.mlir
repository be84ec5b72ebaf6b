// RUN: aiopt-compile %s --name m --emit=llvm -o - | FileCheck %s
// RUN: aiopt-compile %s --name m --compile-to=linalg --emit=mlir -o - | FileCheck %s --check-prefix=LINALG

// bf16 arithmetic is computed in f32 and rounded back with integer
// operations: the object calls no compiler-rt conversion. Casts to float8
// round in integer arithmetic (no LLVM float8 type is needed); casts from
// float8 read a table of the 256 codes (fusion joins the cast pair into
// one loop and folds the code bitcasts away).
// CHECK-NOT: __truncsfbf2
// CHECK-NOT: __extendbfsf2
// CHECK: define void @m_entry

// LINALG-LABEL: func.func @m
// LINALG: %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<256xf32>
// LINALG: math.roundeven %{{.*}} : f32
// LINALG: arith.cmpf ogt
// LINALG: arith.cmpf uno
// LINALG: tensor.extract %[[TABLE]][%{{.*}}] : tensor<256xf32>
func.func @m(%a: tensor<4xbf16>, %b: tensor<4xbf16>, %x: tensor<4xf32>) -> (tensor<4xbf16>, tensor<4xf32>) {
  %0 = aiopt.mul %a, %b : tensor<4xbf16>, tensor<4xbf16>
  %1 = aiopt.add %0, %a : tensor<4xbf16>, tensor<4xbf16>
  %2 = aiopt.cast %x : tensor<4xf32> to tensor<4xf8E4M3FN>
  %3 = aiopt.cast %2 : tensor<4xf8E4M3FN> to tensor<4xf32>
  return %1, %3 : tensor<4xbf16>, tensor<4xf32>
}
