// RUN: aiopt-opt %s --aiopt-cpu-vectorize-reductions="vector-size=16" -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-vectorize-reductions="vector-size=16" --aiopt-cpu-vectorize-elementwise="vector-size=16" -split-input-file | FileCheck %s --check-prefix=VEC
// RUN: not aiopt-opt %s -split-input-file --aiopt-cpu-vectorize-reductions="rows=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-vectorize-reductions: vector-size and rows must be positive

// Softmax's row maximum: rows in groups of 8, each row reduced 16 elements
// at a time into an 8x16 partial result that starts at -inf, then one
// vector reduction per row, combined with the initial value.
// CHECK-LABEL: func @row_max
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK:   linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK:   scf.for %{{.*}} = %c0 to %c128 step %c16 {{.*}} -> (tensor<8x16xf32>)
// CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME:  ins(%{{.*}} : tensor<8x16xf32>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK:       arith.maximumf
// CHECK-COUNT-8: vector.reduction <maximumf>, %{{.*}}, %{{.*}} : vector<16xf32> into f32
// The elementwise pass then vectorizes the partial steps.
// VEC-LABEL: func @row_max
// VEC: scf.for %{{.*}} = %c0 to %c128 step %c16
// VEC:   arith.maximumf {{.*}} : vector<16xf32>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @row_max(%x: tensor<64x128xf32>) -> tensor<64xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<64xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x128xf32>) outs(%f : tensor<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %acc, %a : f32
    linalg.yield %m : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// A sum of exp(x - m) over 100 elements: 12 rows in groups of 6 (a divisor
// of 12), six pieces of 16 and a peeled last piece of 4, whose partial
// results go to the first 4 lanes. The per-row operand is broadcast.
// CHECK-LABEL: func @row_exp_sum
// CHECK: scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK:   linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<6x16xf32>)
// CHECK:   scf.for %{{.*}} = %c0 to %c96 step %c16
// CHECK:     math.exp
// CHECK:   tensor.extract_slice %{{.*}}[0, 0] [6, 4] [1, 1] : tensor<6x16xf32> to tensor<6x4xf32>
// CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<6xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK-COUNT-6: vector.reduction <add>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @row_exp_sum(%x: tensor<12x100xf32>, %m: tensor<12xf32>) -> tensor<12xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<12xf32>) -> tensor<12xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %m : tensor<12x100xf32>, tensor<12xf32>) outs(%f : tensor<12xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %d = arith.subf %a, %b : f32
    %x2 = math.exp %d : f32
    %s = arith.addf %acc, %x2 : f32
    linalg.yield %s : f32
  } -> tensor<12xf32>
  return %r : tensor<12xf32>
}

// -----

// Several outer dimensions (heads, rows): the outer ones one at a time,
// the last in groups (here all 5 rows at once); integers too (a sum of i32
// starting at 0).
// CHECK-LABEL: func @heads_int_sum
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:   tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 5, 64] [1, 1, 1]
// CHECK:     linalg.fill ins(%c0_i32 : i32) outs(%{{.*}} : tensor<1x5x16xi32>)
// CHECK:     arith.addi
// CHECK-COUNT-5: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<16xi32> into i32
#id3 = affine_map<(h, i, j) -> (h, i, j)>
#row3 = affine_map<(h, i, j) -> (h, i)>
func.func @heads_int_sum(%x: tensor<3x5x64xi32>, %init: tensor<3x5xi32>) -> tensor<3x5xi32> {
  %r = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<3x5x64xi32>) outs(%init : tensor<3x5xi32>) {
  ^bb0(%a: i32, %acc: i32):
    %s = arith.addi %acc, %a : i32
    linalg.yield %s : i32
  } -> tensor<3x5xi32>
  return %r : tensor<3x5xi32>
}

// -----

// A whole tensor reduced to one value: no rows to group.
// CHECK-LABEL: func @total
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c16 {{.*}} -> (tensor<16xf32>)
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<16xf32> into f32
func.func @total(%x: tensor<256xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<256xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Left alone: fewer than two vectors' worth of elements, a reduction that
// is not the innermost loop, an input read across the reduction (a
// transposed read), dynamic shapes, a body with two combiners (a running
// maximum of sums is no single reduction), and a transposed result.
// CHECK-LABEL: func @untouched
// CHECK-NOT: scf.for
// CHECK-NOT: vector.
// CHECK-COUNT-6: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>
#red3 = affine_map<(i, j, k) -> (i, k)>
#in3 = affine_map<(i, j, k) -> (i, j, k)>
func.func @untouched(%short: tensor<8x24xf32>, %acc8: tensor<8xf32>, %x: tensor<64x64xf32>,
                     %acc64: tensor<64xf32>, %d: tensor<?x64xf32>, %accd: tensor<?xf32>,
                     %y: tensor<4x64x4xf32>, %acc4: tensor<4x4xf32>)
    -> (tensor<8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?xf32>, tensor<64xf32>, tensor<4x4xf32>) {
  %0 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%short : tensor<8x24xf32>) outs(%acc8 : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<64x64xf32>) outs(%acc64 : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %2 = linalg.generic {indexing_maps = [#t, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x64xf32>) outs(%acc64 : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %3 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%d : tensor<?x64xf32>) outs(%accd : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %4 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x64xf32>) outs(%acc64 : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    %m = arith.maximumf %s, %o : f32
    linalg.yield %m : f32
  } -> tensor<64xf32>
  %5 = linalg.generic {indexing_maps = [#in3, #red3], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%y : tensor<4x64x4xf32>) outs(%acc4 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?xf32>, tensor<64xf32>, tensor<4x4xf32>
}
