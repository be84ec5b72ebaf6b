// RUN: aiopt-opt --aiopt-cpu-bufferize -split-input-file %s | FileCheck %s
// RUN: aiopt-opt --aiopt-cpu-bufferize="parallel=true" -split-input-file %s | FileCheck %s --check-prefix=PAR

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed), posWidth = 32, crdWidth = 32 }>

// A kernel with a sparse operand becomes loops over its stored nonzeros:
// rows of W^T, their nonzeros (positions and coordinates are the constant
// arrays it was assembled from), then the dense rows of x^T. With
// parallel, the outer loop is an scf.parallel.
// CHECK-LABEL: func.func @spmm(%arg0: memref<4x6xf32>) -> memref<2x6xf32>
// CHECK-DAG: %[[POS:.*]] = memref.get_global @{{.*}} : memref<3xi32>
// CHECK: scf.for %[[N:.*]] = %c0 to %c2
// CHECK: %[[LO:.*]] = memref.load %{{.*}}[%[[N]]] : memref<?xi32>
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK: %[[K:.*]] = memref.load %{{.*}}[%[[J]]] : memref<?xi32>
// CHECK: %[[V:.*]] = memref.load %{{.*}}[%[[J]]] : memref<?xf32>
// CHECK: scf.for %[[M:.*]] = %c0 to %c6
// CHECK: memref.load %arg0[%{{.*}}, %[[M]]] : memref<4x6xf32>
// CHECK: arith.mulf %[[V]]
// CHECK: memref.store
// PAR-LABEL: func.func @spmm
// PAR: scf.parallel
func.func @spmm(%xT: tensor<4x6xf32>) -> tensor<2x6xf32> {
  %pos = arith.constant dense<[0, 2, 3]> : tensor<3xi32>
  %crd = arith.constant dense<[0, 3, 2]> : tensor<3xi32>
  %val = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %w = sparse_tensor.assemble (%pos, %crd), %val : (tensor<3xi32>, tensor<3xi32>), tensor<3xf32> to tensor<2x4xf32, #CSR>
  %z = arith.constant 0.0 : f32
  %e = bufferization.alloc_tensor() : tensor<2x6xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<2x6xf32>) -> tensor<2x6xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n, k, m) -> (n, k)>, affine_map<(n, k, m) -> (k, m)>, affine_map<(n, k, m) -> (n, m)>],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%w, %xT : tensor<2x4xf32, #CSR>, tensor<4x6xf32>) outs(%init : tensor<2x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

// Without sparse tensors: one-shot bufferization, identity layouts at the
// function boundary.
// CHECK-LABEL: func.func @dense(%arg0: memref<4xf32>) -> memref<4xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0 : memref<4xf32>)
func.func @dense(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = bufferization.alloc_tensor() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d) -> (d)>, affine_map<(d) -> (d)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}
