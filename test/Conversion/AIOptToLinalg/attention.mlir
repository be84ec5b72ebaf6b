// RUN: aiopt-opt --convert-aiopt-to-linalg -split-input-file %s | FileCheck %s
// RUN: aiopt-opt --convert-aiopt-to-linalg=blocked-attention=false -split-input-file %s | FileCheck %s --check-prefix=WHOLE

// Static shapes: a forall over (batch, heads, blocks of query rows); each
// block of 64 query rows has scores [64, 16] that are scaled and masked (the mask's row of the
// batch), go through the row softmax and multiply the values, and the
// block is inserted into the result.
// CHECK-LABEL: func.func @attention
// CHECK: %[[OUT:.*]] = scf.forall (%[[B:.*]], %[[H:.*]], %[[R:.*]]) = (0, 0, 0) to (2, 3, 128) step (1, 1, 64) shared_outs(%[[S:.*]] = %{{.*}}) -> (tensor<2x3x128x32xf32>)
// CHECK-DAG: %[[Q:.*]] = tensor.extract_slice %arg0[%[[B]], %[[H]], %[[R]], 0] [1, 1, 64, 64] [1, 1, 1, 1] : tensor<2x3x128x64xf32> to tensor<64x64xf32>
// CHECK-DAG: %[[KT:.*]] = tensor.extract_slice %arg1[%[[B]], %[[H]], 0, 0] [1, 1, 64, 16] [1, 1, 1, 1] : tensor<2x3x64x16xf32> to tensor<64x16xf32>
// CHECK-DAG: %[[V:.*]] = tensor.extract_slice %arg2[%[[B]], %[[H]], 0, 0] [1, 1, 16, 32] [1, 1, 1, 1] : tensor<2x3x16x32xf32> to tensor<16x32xf32>
// CHECK-DAG: %[[M:.*]] = tensor.extract_slice %arg3[%[[B]], 0, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<2x1x1x16xf32> to tensor<1x16xf32>
// CHECK: %[[SC:.*]] = linalg.matmul ins(%[[Q]], %[[KT]] : tensor<64x64xf32>, tensor<64x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SC]], %[[M]] : tensor<64x16xf32>, tensor<1x16xf32>)
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: math.exp
// CHECK: %[[O:.*]] = linalg.matmul ins(%{{.*}}, %[[V]] : tensor<64x16xf32>, tensor<16x32xf32>)
// CHECK: scf.forall.in_parallel
// CHECK:   tensor.parallel_insert_slice %[[O]] into %[[S]][%[[B]], %[[H]], %[[R]], 0] [1, 1, 64, 32] [1, 1, 1, 1] : tensor<64x32xf32> into tensor<2x3x128x32xf32>
// CHECK: return %[[OUT]]
// For GPUs (blocked-attention=false), static shapes too take the whole
// tensors: the scores of every head at once, scaled and masked, the row
// softmax, the product with the values.
// WHOLE-LABEL: func.func @attention
// WHOLE-NOT: scf.forall
// WHOLE: %[[SC:.*]] = linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<2x3x128x64xf32>, tensor<2x3x64x16xf32>) outs(%{{.*}} : tensor<2x3x128x16xf32>)
// WHOLE: linalg.generic {{.*}} ins(%[[SC]], %arg3 : tensor<2x3x128x16xf32>, tensor<2x1x1x16xf32>)
// WHOLE: math.exp
// WHOLE: linalg.generic {{.*}} ins(%{{.*}}, %arg2 : tensor<2x3x128x16xf32>, tensor<2x3x16x32xf32>) outs(%{{.*}} : tensor<2x3x128x32xf32>)
func.func @attention(%q: tensor<2x3x128x64xf32>, %kt: tensor<2x3x64x16xf32>, %v: tensor<2x3x16x32xf32>,
                     %mask: tensor<2x1x1x16xf32>) -> tensor<2x3x128x32xf32> {
  %0 = aiopt.attention %q, %kt, %v, %mask {scale = 0.125 : f32} : tensor<2x3x128x64xf32>, tensor<2x3x64x16xf32>, tensor<2x3x16x32xf32>, tensor<2x1x1x16xf32> -> tensor<2x3x128x32xf32>
  return %0 : tensor<2x3x128x32xf32>
}

// -----

// Dynamic shapes: the same computation on whole tensors. The keys' and
// values' lengths are unrelated in the types: the second product requires
// them equal at run time.
// CHECK-LABEL: func.func @attention_dynamic
// CHECK-NOT: scf.forall
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<2x?x16xf32>, tensor<2x16x?xf32>)
// CHECK: arith.mulf
// CHECK: math.exp
// CHECK: %[[V:.*]] = scf.if
// CHECK: scf.yield %arg2
// CHECK: llvm.call @aiopt_rt_shape_error
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[V]] : tensor<2x?x?xf32>, tensor<2x?x8xf32>)
func.func @attention_dynamic(%q: tensor<2x?x16xf32>, %kt: tensor<2x16x?xf32>, %v: tensor<2x?x8xf32>) -> tensor<2x?x8xf32> {
  %0 = aiopt.attention %q, %kt, %v {scale = 0.25 : f32} : tensor<2x?x16xf32>, tensor<2x16x?xf32>, tensor<2x?x8xf32> -> tensor<2x?x8xf32>
  return %0 : tensor<2x?x8xf32>
}
