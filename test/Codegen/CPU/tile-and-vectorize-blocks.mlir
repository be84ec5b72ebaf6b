// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=8,32 read-in-place=false" -split-input-file | FileCheck %s --check-prefix=ONE
// RUN: aiopt-opt %s --aiopt-cpu-tile-and-vectorize="register-tile=8,32 min-blocks=8 read-in-place=false" -split-input-file | FileCheck %s --check-prefix=EIGHT
// RUN: not aiopt-opt %s --aiopt-cpu-tile-and-vectorize="min-blocks=0" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-tile-and-vectorize: min-blocks must be at least 1, not 0

// 64 x 512 x 128 (4 M multiply-adds): the default blocks of 256 columns
// (8 panels of 32) make two blocks; asked for eight, the blocks shrink to
// two panels each, every block keeping 2^19 multiply-adds.
// ONE-LABEL: func @wide
// ONE: scf.forall (%{{.*}}) = (0) to (16) step (8) shared_outs({{.*}}) -> (tensor<64x16x32xf32>)
// EIGHT-LABEL: func @wide
// EIGHT: scf.forall (%{{.*}}) = (0) to (16) step (2) shared_outs({{.*}}) -> (tensor<64x16x32xf32>)
// EIGHT:   scf.for %{{.*}} = %c0 to %c2 step %c1
func.func @wide(%a: tensor<64x128xf32>, %b: tensor<128x512xf32>, %c: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x128xf32>, tensor<128x512xf32>) outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %0 : tensor<64x512xf32>
}

// -----

// 16 x 64 x 64 (64 K multiply-adds) is too small to share: one block
// either way (the forall of one iteration folds away).
// EIGHT-LABEL: func @small
// EIGHT-NOT: scf.forall
// EIGHT: scf.for %{{.*}} = %c0 to %c2 step %c1
func.func @small(%a: tensor<16x64xf32>, %b: tensor<64x64xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x64xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// -----

// 40 columns are not a whole number of register tiles (no panels, one
// block of columns that cannot be halved): the rows are split instead,
// in whole register tiles. 256 x 40 x 512: four blocks of 64 rows by
// default, eight of 32 when asked for.
// ONE-LABEL: func @rows
// ONE: scf.forall (%{{.*}}) = (0) to (256) step (64)
// EIGHT-LABEL: func @rows
// EIGHT: scf.forall (%{{.*}}) = (0) to (256) step (32)
func.func @rows(%a: tensor<256x512xf32>, %b: tensor<512x40xf32>, %c: tensor<256x40xf32>) -> tensor<256x40xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<256x512xf32>, tensor<512x40xf32>) outs(%c : tensor<256x40xf32>) -> tensor<256x40xf32>
  return %0 : tensor<256x40xf32>
}

// -----

// 576 rows make nine blocks of 64 (eight are asked for), an odd count that
// leaves one of two threads idle for a block's time: with min-blocks the
// rows are halved once more, eighteen blocks of 32 (each 655 K
// multiply-adds, above half of 2^19). Without, nine.
// ONE-LABEL: func @odd
// ONE: scf.forall (%{{.*}}) = (0) to (576) step (64)
// EIGHT-LABEL: func @odd
// EIGHT: scf.forall (%{{.*}}) = (0) to (576) step (32)
func.func @odd(%a: tensor<576x512xf32>, %b: tensor<512x40xf32>, %c: tensor<576x40xf32>) -> tensor<576x40xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<576x512xf32>, tensor<512x40xf32>) outs(%c : tensor<576x40xf32>) -> tensor<576x40xf32>
  return %0 : tensor<576x40xf32>
}

// -----

// Five blocks of 32-column panels (24 x 160 x 960, 3.7 M multiply-adds):
// too little work to halve them for min-blocks, enough (369 K each) to
// double an odd count; but the panels do not halve, and 24 rows halve
// into three blocks of 8, fifteen blocks in all, an odd count again: the
// five blocks stay.
// EIGHT-LABEL: func @five
// EIGHT: scf.forall (%{{.*}}) in (5) shared_outs
func.func @five(%a: tensor<24x960xf32>, %b: tensor<5x960x32xf32>, %c: tensor<24x5x32xf32>) -> tensor<24x5x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(p, i, j, k) -> (i, k)>, affine_map<(p, i, j, k) -> (p, k, j)>, affine_map<(p, i, j, k) -> (i, p, j)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<24x960xf32>, tensor<5x960x32xf32>) outs(%c : tensor<24x5x32xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<24x5x32xf32>
  return %0 : tensor<24x5x32xf32>
}
