// RUN: aiopt-opt %s -split-input-file -convert-aiopt-to-linalg | FileCheck %s

// One axis: a reduction to the smallest and largest index, compared with
// [-d, d); a bad one goes to the runtime with the site's name.
// CHECK: llvm.mlir.global internal constant @aiopt_check_site_0("node 'embed' (Gather)\00")
// CHECK-LABEL: func @axis
// CHECK-SAME: (%[[T:[a-z0-9]+]]: tensor<10x4xf32>{{.*}}, %[[IDS:[a-z0-9]+]]: tensor<3x2xi32>
// CHECK-DAG: %[[MAXI:.*]] = arith.constant 2147483647 : i32
// CHECK-DAG: %[[MINI:.*]] = arith.constant -2147483648 : i32
// CHECK: %[[MM:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[IDS]] : tensor<3x2xi32>) outs(%{{.*}}, %{{.*}} : tensor<i32>, tensor<i32>)
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[LO:.*]] = tensor.extract %[[MM]]#0[] : tensor<i32>
// CHECK: %[[LO64:.*]] = arith.extsi %[[LO]] : i32 to i64
// CHECK: %[[HI:.*]] = tensor.extract %[[MM]]#1[] : tensor<i32>
// CHECK: %[[HI64:.*]] = arith.extsi %[[HI]] : i32 to i64
// CHECK: %[[D:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[NEG:.*]] = arith.subi %{{.*}}, %[[D]] : i64
// CHECK: %[[BELOW:.*]] = arith.cmpi slt, %[[LO64]], %[[NEG]] : i64
// CHECK: %[[ABOVE:.*]] = arith.cmpi sge, %[[HI64]], %[[D]] : i64
// CHECK: %[[BAD:.*]] = arith.ori %[[BELOW]], %[[ABOVE]] : i1
// CHECK: %[[WHICH:.*]] = arith.select %[[BELOW]], %[[LO64]], %[[HI64]] : i64
// CHECK: scf.if %[[BAD]] {
// CHECK:   llvm.mlir.addressof @aiopt_check_site_0
// CHECK:   llvm.call @aiopt_rt_index_error(%{{.*}}, %[[WHICH]], %[[D]]) : (!llvm.ptr, i64, i64) -> ()
// CHECK: }
// CHECK: linalg.generic
// CHECK: llvm.func @aiopt_rt_index_error(!llvm.ptr, i64, i64)
func.func @axis(%t: tensor<10x4xf32>, %ids: tensor<3x2xi32>) -> tensor<3x2x4xf32> {
  %i = aiopt.check_indices %t, %ids {axis = 0 : i64, site = "node 'embed' (Gather)"} : tensor<10x4xf32>, tensor<3x2xi32>
  %0 = aiopt.gather %t, %i {axis = 0 : i64} : tensor<10x4xf32>, tensor<3x2xi32>
  return %0 : tensor<3x2x4xf32>
}

// -----

// Index tuples: one minimum and maximum per coordinate (the tuple
// dimension is the parallel loop), each checked against its own dimension.
// CHECK-LABEL: func @tuple
// CHECK: %[[MM:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<5x2xi64>) outs(%{{.*}}, %{{.*}} : tensor<2xi64>, tensor<2xi64>)
// CHECK: tensor.extract %[[MM]]#0[%{{.*}}] : tensor<2xi64>
// CHECK: %[[D1:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: scf.if
// CHECK:   llvm.call @aiopt_rt_index_error(%{{.*}}, %{{.*}}, %[[D1]])
// CHECK: tensor.extract %[[MM]]#0[%{{.*}}] : tensor<2xi64>
// CHECK: %[[D2:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: scf.if
// CHECK:   llvm.mlir.addressof @aiopt_check_site_0
// CHECK:   llvm.call @aiopt_rt_index_error(%{{.*}}, %{{.*}}, %[[D2]])
// CHECK-NOT: scf.if
func.func @tuple(%x: tensor<4x3x2xf32>, %ids: tensor<5x2xi64>) -> tensor<5x2xi64> {
  %i = aiopt.check_indices %x, %ids {axis = 1 : i64, tuple, site = "a GatherND"} : tensor<4x3x2xf32>, tensor<5x2xi64>
  return %i : tensor<5x2xi64>
}
