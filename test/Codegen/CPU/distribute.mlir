// RUN: aiopt-opt %s --aiopt-cpu-distribute="min-iterations=64 chunks=4" -split-input-file | FileCheck %s
// RUN: not aiopt-opt %s --aiopt-cpu-distribute="chunks=1" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-distribute: min-iterations must be at least 1 and chunks at least 2

// 1 x 10 x 16 = 160 iterations: the first parallel loop of extent two or
// more (10) splits into at most 4 chunks; 3 would leave a last chunk of 1
// (a dynamic size), so the chunks are 2 of 5, a divisor. A loop of 13 has
// no divisor that makes two chunks or more: 4 chunks of 4, the last one 1.
// CHECK-LABEL: func @elementwise
// CHECK: scf.forall (%[[I:.*]]) = (0) to (10) step (5)
// CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<1x5x16xf32>)
// CHECK: scf.forall (%{{.*}}) = (0) to (13) step (4)
// CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<1x?x16xf32>)
#id = affine_map<(a, b, c) -> (a, b, c)>
func.func @elementwise(%x: tensor<1x10x16xf32>, %y: tensor<1x13x16xf32>) -> (tensor<1x10x16xf32>, tensor<1x13x16xf32>) {
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x10x16xf32>) outs(%x : tensor<1x10x16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<1x10x16xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x13x16xf32>) outs(%y : tensor<1x13x16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<1x13x16xf32>
  return %0, %1 : tensor<1x10x16xf32>, tensor<1x13x16xf32>
}

// -----

// Row reductions split along the rows, never along the reduction.
// CHECK-LABEL: func @rows
// CHECK: scf.forall ({{.*}}) = (0) to (8) step (2)
// CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
#in = affine_map<(i, j) -> (i, j)>
#out = affine_map<(i, j) -> (i)>
func.func @rows(%x: tensor<8x32xf32>, %acc: tensor<8xf32>) -> tensor<8xf32> {
  %0 = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x32xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Work is counted with the innermost loop in whole cache lines (16 f32):
// 8 rows of 2 floats (the side borders of a padded image) are 8 lines,
// 128 iterations' worth, and split; 2 rows of 4 floats above are 32, left
// alone.
// CHECK-LABEL: func @thin
// CHECK: scf.forall (%{{.*}}) = (0) to (8) step (2)
// CHECK:   linalg.fill {{.*}} tensor<2x2xf32>
func.func @thin(%x: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %c = arith.constant 0.0 : f32
  %0 = linalg.fill ins(%c : f32) outs(%x : tensor<8x2xf32>) -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}

// -----

// Left alone: small nests, dynamic shapes, a loop nest with no parallel
// loop of extent two, and ops already inside a forall.
// CHECK-LABEL: func @untouched
// CHECK-NOT: scf.forall ({{.*}}) = (0)
// CHECK: linalg.fill {{.*}} tensor<2x4xf32>
// CHECK: linalg.fill {{.*}} tensor<?x64xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK:   linalg.fill {{.*}} tensor<64x64xf32>
#rin = affine_map<(i, j) -> (i, j)>
#rout = affine_map<(i, j) -> (i)>
func.func @untouched(%a: tensor<2x4xf32>, %d: tensor<?x64xf32>, %r: tensor<1x128xf32>, %acc: tensor<1xf32>,
                     %big: tensor<2x64x64xf32>) -> (tensor<2x4xf32>, tensor<?x64xf32>, tensor<1xf32>, tensor<2x64x64xf32>) {
  %c = arith.constant 1.0 : f32
  %0 = linalg.fill ins(%c : f32) outs(%a : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = linalg.fill ins(%c : f32) outs(%d : tensor<?x64xf32>) -> tensor<?x64xf32>
  %2 = linalg.generic {indexing_maps = [#rin, #rout], iterator_types = ["parallel", "reduction"]}
      ins(%r : tensor<1x128xf32>) outs(%acc : tensor<1xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<1xf32>
  %3 = scf.forall (%i) in (2) shared_outs(%o = %big) -> (tensor<2x64x64xf32>) {
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%c : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %f into %o[%i, 0, 0] [1, 64, 64] [1, 1, 1] : tensor<64x64xf32> into tensor<2x64x64xf32>
    }
  }
  return %0, %1, %2, %3 : tensor<2x4xf32>, tensor<?x64xf32>, tensor<1xf32>, tensor<2x64x64xf32>
}
