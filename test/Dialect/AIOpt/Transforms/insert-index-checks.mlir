// RUN: aiopt-opt %s -split-input-file -aiopt-insert-index-checks -verify-diagnostics | FileCheck %s

// Computed indices get a check naming the node; the gather reads the
// checked indices.
// CHECK-LABEL: func @gather
func.func @gather(%t: tensor<10x4xf32>, %ids: tensor<3xi64>) -> tensor<3x4xf32> {
  // CHECK: %[[I:.*]] = aiopt.check_indices %{{.*}}, %{{.*}} {axis = 0 : i64, site = "node 'embed' (Gather)"} : tensor<10x4xf32>, tensor<3xi64>
  // CHECK: aiopt.gather %{{.*}}, %[[I]] {axis = 0 : i64}
  %0 = aiopt.gather %t, %ids {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi64> loc("embed"("m.onnx":0:0))
  return %0 : tensor<3x4xf32>
}

// -----

// Index tuples: GatherND from its batch dimensions, ScatterND from 0;
// GatherElements and ScatterElements by their axis. An op without a node
// name is named by its op type.
// CHECK-LABEL: func @tuples_and_elements
func.func @tuples_and_elements(%x: tensor<2x3x4xf32>, %i: tensor<2x5x1xi64>, %j: tensor<6x2xi32>,
                               %e: tensor<2x3x1xi64>, %u: tensor<6x4xf32>)
    -> (tensor<2x5x4xf32>, tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x4xf32>) {
  // CHECK: %[[A:.*]] = aiopt.check_indices %{{.*}}, %{{.*}} {axis = 1 : i64, site = "node 'gnd' (GatherND)", tuple}
  // CHECK: aiopt.gather_nd %{{.*}}, %[[A]] {batch_dims = 1 : i64}
  %0 = aiopt.gather_nd %x, %i {batch_dims = 1 : i64} : tensor<2x3x4xf32>, tensor<2x5x1xi64> -> tensor<2x5x4xf32> loc("gnd"("m.onnx":0:0))
  // CHECK: %[[B:.*]] = aiopt.check_indices %{{.*}}, %{{.*}} {axis = 0 : i64, site = "a ScatterND", tuple}
  // CHECK: aiopt.scatter_nd %{{.*}}, %[[B]], %{{.*}}
  %1 = aiopt.scatter_nd %x, %j, %u {reduction = 0 : i32} : tensor<2x3x4xf32>, tensor<6x2xi32>, tensor<6x4xf32>
  // CHECK: %[[C:.*]] = aiopt.check_indices %{{.*}}, %{{.*}} {axis = 2 : i64, site = "node 'ge' (GatherElements)"}
  // CHECK: aiopt.gather_elements %{{.*}}, %[[C]]
  %2 = aiopt.gather_elements %x, %e {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x1xi64> loc("ge"("m.onnx":0:0))
  // CHECK: %[[D:.*]] = aiopt.check_indices %{{.*}}, %{{.*}} {axis = 2 : i64, site = "node 'se' (ScatterElements)"}
  // CHECK: aiopt.scatter_elements %{{.*}}, %[[D]], %{{.*}}
  %z = aiopt.constant dense<1.0> : tensor<2x3x1xf32>
  %3 = aiopt.scatter_elements %x, %e, %z {axis = 2 : i64, reduction = 0 : i32} : tensor<2x3x4xf32>, tensor<2x3x1xi64>, tensor<2x3x1xf32> loc("se"("m.onnx":0:0))
  return %0, %1, %2, %3 : tensor<2x5x4xf32>, tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x4xf32>
}

// -----

// Constant indices in range need no check.
// CHECK-LABEL: func @constant_in_range
func.func @constant_in_range(%t: tensor<10x4xf32>) -> tensor<2x4xf32> {
  // CHECK-NOT: aiopt.check_indices
  %ids = aiopt.constant dense<[-10, 9]> : tensor<2xi64>
  %0 = aiopt.gather %t, %ids {axis = 0 : i64} : tensor<10x4xf32>, tensor<2xi64>
  return %0 : tensor<2x4xf32>
}

// -----

// Constant indices out of range are an error at compile time.
func.func @constant_out_of_range(%t: tensor<10x4xf32>) -> tensor<2x4xf32> {
  %ids = aiopt.constant dense<[3, 10]> : tensor<2xi64>
  // A node name alone has no line: the error is at an unknown location.
  // expected-error @unknown {{[E202] node 'lookup' (Gather): index 10 is out of range for dimension 0 of extent 10}}
  %0 = aiopt.gather %t, %ids {axis = 0 : i64} : tensor<10x4xf32>, tensor<2xi64> loc("lookup")
  return %0 : tensor<2x4xf32>
}

// -----

func.func @constant_tuple_out_of_range(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %ids = aiopt.constant dense<[[1, 2], [1, -4]]> : tensor<2x2xi64>
  // expected-error @+1 {{[E202] a GatherND: index -4 is out of range for dimension 1 of extent 3}}
  %0 = aiopt.gather_nd %x, %ids : tensor<2x3xf32>, tensor<2x2xi64> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
