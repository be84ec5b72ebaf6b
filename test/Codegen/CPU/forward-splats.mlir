// RUN: aiopt-opt %s --aiopt-cpu-forward-splats -split-input-file | FileCheck %s
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=8,32 vector-size=16" --loop-invariant-subset-hoisting --aiopt-cpu-forward-splats --canonicalize -split-input-file | FileCheck %s --check-prefix=PIPE

// A register tile as aiopt-cpu-tile-and-vectorize and
// loop-invariant-subset-hoisting leave it: zeros written over the tile,
// the tile inserted into its block, read back as the first accumulators,
// and the result written over the whole tile. The read becomes the zeros,
// the final write goes to the block's slice, and the zeros' write and
// insertion are gone.
// CHECK-LABEL: func @register_tile
// CHECK-SAME: (%[[BLOCK:.*]]: tensor<1x8x32xf32>, %[[X:.*]]: vector<8x32xf32>)
// CHECK-DAG: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<1x8x32xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[SUM:.*]] = arith.addf %{{.*}}, %[[ZEROS]] : vector<1x8x32xf32>
// CHECK: %[[W:.*]] = vector.transfer_write %[[SUM]], %[[BLOCK]][%c0, %c0, %c0]
// CHECK: return %[[W]]
func.func @register_tile(%block: tensor<1x8x32xf32>, %x: vector<8x32xf32>) -> tensor<1x8x32xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : vector<8x32xf32>
  %tile = tensor.extract_slice %block[0, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<1x8x32xf32> to tensor<8x32xf32>
  %filled = vector.transfer_write %zeros, %tile[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x32xf32>
  %inserted = tensor.insert_slice %filled into %block[0, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<8x32xf32> into tensor<1x8x32xf32>
  %acc = vector.transfer_read %inserted[%c0, %c0, %c0], %pad {in_bounds = [true, true, true]} : tensor<1x8x32xf32>, vector<1x8x32xf32>
  %xb = vector.broadcast %x : vector<8x32xf32> to vector<1x8x32xf32>
  %sum = arith.addf %acc, %xb : vector<1x8x32xf32>
  %out = vector.transfer_write %sum, %inserted[%c0, %c0, %c0] {in_bounds = [true, true, true]} : vector<1x8x32xf32>, tensor<1x8x32xf32>
  return %out : tensor<1x8x32xf32>
}

// -----

// Left alone: a read of another box than the inserted one, a splat that
// covers only part of its tile, a value that is no constant, and a final
// write of part of the box (the inserted values outside it stay).
// CHECK-LABEL: func @left_alone
// CHECK: %[[I1:.*]] = tensor.insert_slice %{{.*}} into %arg0[0, 0] [8, 32]
// CHECK: vector.transfer_read %[[I1]][%c0, %c8]
// CHECK: %[[I2:.*]] = tensor.insert_slice %{{.*}} into %arg0[0, 8] [8, 32]
// CHECK: vector.transfer_read %[[I2]][%c0, %c8]
// CHECK: %[[I3:.*]] = tensor.insert_slice %{{.*}} into %arg0[0, 8] [8, 32]
// CHECK: vector.transfer_read %[[I3]][%c0, %c8]
// CHECK: %[[I4:.*]] = tensor.insert_slice %{{.*}} into %arg0[0, 8] [8, 32]
// CHECK: vector.transfer_write %arg3, %[[I4]][%c0, %c8]
func.func @left_alone(%big: tensor<8x40xf32>, %t: tensor<8x32xf32>, %v: vector<8x32xf32>, %h: vector<8x16xf32>)
    -> (vector<8x32xf32>, vector<8x32xf32>, vector<8x32xf32>, tensor<8x40xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : vector<8x32xf32>
  %half = arith.constant dense<0.0> : vector<8x16xf32>
  // Inserted at column 0, read at column 8.
  %w1 = vector.transfer_write %zeros, %t[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x32xf32>
  %i1 = tensor.insert_slice %w1 into %big[0, 0] [8, 32] [1, 1] : tensor<8x32xf32> into tensor<8x40xf32>
  %r1 = vector.transfer_read %i1[%c0, %c8], %pad {in_bounds = [true, true]} : tensor<8x40xf32>, vector<8x32xf32>
  // The splat covers 16 of the tile's 32 columns.
  %w2 = vector.transfer_write %half, %t[%c0, %c0] {in_bounds = [true, true]} : vector<8x16xf32>, tensor<8x32xf32>
  %i2 = tensor.insert_slice %w2 into %big[0, 8] [8, 32] [1, 1] : tensor<8x32xf32> into tensor<8x40xf32>
  %r2 = vector.transfer_read %i2[%c0, %c8], %pad {in_bounds = [true, true]} : tensor<8x40xf32>, vector<8x32xf32>
  // Not a constant.
  %w3 = vector.transfer_write %v, %t[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x32xf32>
  %i3 = tensor.insert_slice %w3 into %big[0, 8] [8, 32] [1, 1] : tensor<8x32xf32> into tensor<8x40xf32>
  %r3 = vector.transfer_read %i3[%c0, %c8], %pad {in_bounds = [true, true]} : tensor<8x40xf32>, vector<8x32xf32>
  // The final write covers half of the inserted box.
  %w4 = vector.transfer_write %v, %t[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x32xf32>
  %i4 = tensor.insert_slice %w4 into %big[0, 8] [8, 32] [1, 1] : tensor<8x32xf32> into tensor<8x40xf32>
  %o4 = vector.transfer_write %h, %i4[%c0, %c8] {in_bounds = [true, true]} : vector<8x16xf32>, tensor<8x40xf32>
  return %r1, %r2, %r3, %o4 : vector<8x32xf32>, vector<8x32xf32>, vector<8x32xf32>, tensor<8x40xf32>
}

// -----

// The box at an offset of a wider block: read at the same offset, the
// splat; written at it, the block.
// CHECK-LABEL: func @offset_box
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : vector<8x32xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[W:.*]] = vector.transfer_write %arg2, %arg0[%c0, %c8]
// CHECK: return %[[ONES]], %[[W]]
func.func @offset_box(%big: tensor<8x40xf32>, %t: tensor<8x32xf32>, %v: vector<8x32xf32>)
    -> (vector<8x32xf32>, tensor<8x40xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : vector<8x32xf32>
  %w = vector.transfer_write %ones, %t[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x32xf32>
  %i = tensor.insert_slice %w into %big[0, 8] [8, 32] [1, 1] : tensor<8x32xf32> into tensor<8x40xf32>
  %r = vector.transfer_read %i[%c0, %c8], %pad {in_bounds = [true, true]} : tensor<8x40xf32>, vector<8x32xf32>
  %o = vector.transfer_write %v, %i[%c0, %c8] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x40xf32>
  return %r, %o : vector<8x32xf32>, tensor<8x40xf32>
}

// -----

// A block's fill whose every element an insertion replaces: the insertion
// goes into the fill's destination, and the fill is gone. A fill that an
// insertion covers in part stays.
// CHECK-LABEL: func @fill_replaced
// CHECK-SAME: (%[[DEST:.*]]: tensor<1x8x32xf32>, %[[PART:.*]]: tensor<1x8x40xf32>, %[[T:.*]]: tensor<8x32xf32>)
// CHECK: %[[WHOLE:.*]] = tensor.insert_slice %[[T]] into %[[DEST]][0, 0, 0] [1, 8, 32]
// CHECK: %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[PART]] : tensor<1x8x40xf32>)
// CHECK: tensor.insert_slice %[[T]] into %[[FILL]][0, 0, 0] [1, 8, 32]
// CHECK-NOT: linalg.fill
func.func @fill_replaced(%dest: tensor<1x8x32xf32>, %part: tensor<1x8x40xf32>, %t: tensor<8x32xf32>)
    -> (tensor<1x8x32xf32>, tensor<1x8x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%dest : tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  %i = tensor.insert_slice %t into %f[0, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<8x32xf32> into tensor<1x8x32xf32>
  %g = linalg.fill ins(%zero : f32) outs(%part : tensor<1x8x40xf32>) -> tensor<1x8x40xf32>
  %j = tensor.insert_slice %t into %g[0, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<8x32xf32> into tensor<1x8x40xf32>
  return %i, %j : tensor<1x8x32xf32>, tensor<1x8x40xf32>
}

// -----

// Two batched products (Winograd's, lowered) sharing one fill of their
// accumulators: in each block the fill, sliced to the block's matrix, is
// the accumulator's initializer, so each register tile starts from the
// zeros in registers; no fill, and no read of the accumulator, remains.
// CHECK-LABEL: func @batched_products
// PIPE-LABEL: func @batched_products
// PIPE-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// PIPE-NOT: linalg.fill
// PIPE: scf.forall
// PIPE: scf.for {{.*}} iter_args(%{{.*}} = %[[Z]]) -> (vector<8x32xf32>)
// PIPE: scf.forall
// PIPE: scf.for {{.*}} iter_args(%{{.*}} = %[[Z]]) -> (vector<8x32xf32>)
// PIPE-NOT: linalg.fill
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhs = affine_map<(b, m, n, k) -> (b, k, n)>
#acc = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched_products(%x: tensor<4x64x64xf32>, %y: tensor<4x64x64xf32>)
    -> (tensor<4x64x64xf32>, tensor<4x64x64xf32>) {
  %w = arith.constant dense<0.5> : tensor<4x64x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %p = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x64x64xf32>, tensor<4x64x64xf32>) outs(%f : tensor<4x64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x64x64xf32>
  %q = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%y, %w : tensor<4x64x64xf32>, tensor<4x64x64xf32>) outs(%f : tensor<4x64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x64x64xf32>
  return %p, %q : tensor<4x64x64xf32>, tensor<4x64x64xf32>
}
