// RUN: aiopt-opt --convert-aiopt-to-linalg -split-input-file %s | FileCheck %s

// NonZero: a first loop nest counts the nonzero elements, the result is
// allocated [rank, count], a second nest writes each one's coordinates at
// the running count.
// CHECK-LABEL: func.func @nonzero
// CHECK: %[[CNT:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (index)
// CHECK:   scf.for
// CHECK:     arith.cmpf une
// CHECK:     scf.if %{{.*}} -> (index)
// CHECK: %[[E:.*]] = tensor.empty(%[[CNT]]) : tensor<2x?xi64>
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[E]], %{{.*}} = %{{.*}}) -> (tensor<2x?xi64>, index)
// CHECK:   scf.for
// CHECK:     scf.if %{{.*}} -> (tensor<2x?xi64>, index)
// CHECK-COUNT-2: tensor.insert
func.func @nonzero(%x: tensor<2x3xf32>) -> tensor<2x?xi64> {
  %0 = aiopt.nonzero %x : tensor<2x3xf32> -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// Compress along axis 1 of an unsigned tensor: the condition entries up to
// the axis extent select columns, copied as slices at the running count.
// CHECK-LABEL: func.func @compress
// CHECK: %[[N:.*]] = arith.minui
// CHECK: %[[CNT:.*]] = scf.for %{{.*}} = %{{.*}} to %[[N]]
// CHECK: %[[E:.*]] = tensor.empty(%[[CNT]]) : tensor<2x?xi8>
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[N]] {{.*}} iter_args(%[[ACC:.*]] = %[[E]], %[[POS:.*]] = %{{.*}})
// CHECK:   %[[COL:.*]] = tensor.extract_slice %arg0[0, %[[J]]] [2, 1] [1, 1] : tensor<2x3xi8> to tensor<2x1xi8>
// CHECK:   tensor.insert_slice %[[COL]] into %[[ACC]][0, %[[POS]]] [2, 1] [1, 1]
func.func @compress(%x: tensor<2x3xui8>, %c: tensor<4xi1>) -> tensor<2x?xui8> {
  %0 = aiopt.compress %x, %c {axis = 1 : i64} : tensor<2x3xui8>, tensor<4xi1> -> tensor<2x?xui8>
  return %0 : tensor<2x?xui8>
}
