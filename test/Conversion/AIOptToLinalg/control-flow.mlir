// RUN: aiopt-opt --convert-aiopt-to-linalg -split-input-file %s | FileCheck %s

// Imported Scan bodies keep their scf.for and slices; unsigned element
// types become signless in the loop's carried values, the slices and the
// lowered body alike.
// CHECK-LABEL: func.func @scan_max
// CHECK-SAME: (%[[INIT:.*]]: tensor<3xi8> {{.*}}, %[[X:.*]]: tensor<4x3xi8> {{.*}}) -> tensor<3xi8>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %[[INIT]]) -> (tensor<3xi8>)
// CHECK:   %[[ROW:.*]] = tensor.extract_slice %[[X]][%{{.*}}, 0] [1, 3] [1, 1] : tensor<4x3xi8> to tensor<3xi8>
// CHECK:   linalg.generic
// CHECK:     arith.maxui
// CHECK:   scf.yield %{{.*}} : tensor<3xi8>
func.func @scan_max(%init: tensor<3xui8>, %x: tensor<4x3xui8>) -> tensor<3xui8> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%s = %init) -> (tensor<3xui8>) {
    %row = tensor.extract_slice %x[%i, 0] [1, 3] [1, 1] : tensor<4x3xui8> to tensor<3xui8>
    %m = aiopt.max %s, %row : tensor<3xui8>, tensor<3xui8>
    scf.yield %m : tensor<3xui8>
  }
  return %r : tensor<3xui8>
}

// -----

// An If whose branches are lowered in place.
// CHECK-LABEL: func.func @select_branch
// CHECK: scf.if %{{.*}} -> (tensor<2xi16>)
// CHECK:   linalg.generic
// CHECK:   scf.yield %{{.*}} : tensor<2xi16>
// CHECK: } else {
// CHECK:   scf.yield %{{.*}} : tensor<2xi16>
func.func @select_branch(%c: i1, %x: tensor<2xui16>) -> tensor<2xui16> {
  %r = scf.if %c -> (tensor<2xui16>) {
    %n = aiopt.add %x, %x : tensor<2xui16>, tensor<2xui16>
    scf.yield %n : tensor<2xui16>
  } else {
    scf.yield %x : tensor<2xui16>
  }
  return %r : tensor<2xui16>
}
