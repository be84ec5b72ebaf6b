// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-reductions --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-reductions="tile-memory=alloc workgroup-size=4" | FileCheck %s --check-prefix=ALLOC
// RUN: not aiopt-opt %s --aiopt-gpu-tile-reductions="workgroup-size=96" 2>&1 | FileCheck %s --check-prefix=BADSIZE

// A variance-like row statistic (128 rows of 768; the mean broadcast along
// the row): one workgroup of 128 per row. Each invocation folds every
// 128th element from the sum's identity, the partial sums combine in a
// tree (64, 32, ... 1 active invocations between barriers), and the first
// invocation adds the output's value and stores.
// CHECK-LABEL: func.func @rows
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) workgroup(%[[P:.*]] : memref<128xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ROW:.*]] = arith.remui %{{.*}}, %c128
// CHECK: %[[S:.*]] = scf.for %[[R:.*]] = %[[T]] to %c768 step %c128 iter_args(%[[ACC:.*]] = %cst)
// CHECK: memref.load %arg0[%{{.*}}, %[[ROW]], %[[R]]]
// CHECK: memref.load %arg1[%{{.*}}, %[[ROW]]]
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf %[[ACC]]
// CHECK: memref.store %[[S]], %[[P]][%[[T]]]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[A:.*]] = arith.cmpi ult, %[[T]], %c64
// CHECK-NEXT: scf.if %[[A]]
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: arith.cmpi ult, %[[T]], %c1 :
// CHECK: gpu.barrier
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK: scf.if %[[FIRST]]
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[%{{.*}}, %[[ROW]]] : memref<1x128xf32>
// CHECK: %[[TOT:.*]] = memref.load %[[P]][%c0]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[TOT]]
// CHECK: memref.store %[[NEW]]
// CHECK-NOT: linalg.generic
// ALLOC-LABEL: func.func @rows
// ALLOC: threads({{.*}}) in ({{.*}} = %c4{{[_0-9]*}},
// ALLOC-NOT: workgroup(
// ALLOC: memref.alloc() : memref<4xf32, 3>
func.func @rows(%x: memref<1x128x768xf32>, %m: memref<1x128xf32>) -> memref<1x128xf32> {
  %o = memref.alloc() : memref<1x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %m : memref<1x128x768xf32>, memref<1x128xf32>) outs(%o : memref<1x128xf32>) {
  ^bb0(%a: f32, %mean: f32, %acc: f32):
    %d = arith.subf %a, %mean : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  return %o : memref<1x128xf32>
}

// -----

// A maximum over a whole tensor (no parallel dimension: one workgroup)
// starts from the maximum's identity (-inf) and combines with maximumf.
// CHECK-LABEL: func.func @whole
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1)
// CHECK: scf.for {{.*}} to %c3000 step %c128 iter_args(%{{.*}} = %cst)
// CHECK: arith.remui %{{.*}}, %c1000
// CHECK: arith.maximumf
// CHECK: arith.maximumf
func.func @whole(%x: memref<3x1000xf32>) -> memref<f32> {
  %o = memref.alloc() : memref<f32>
  linalg.reduce ins(%x : memref<3x1000xf32>) outs(%o : memref<f32>) dimensions = [0, 1]
    (%a: f32, %acc: f32) {
      %m = arith.maximumf %a, %acc : f32
      linalg.yield %m : f32
    }
  return %o : memref<f32>
}

// -----

// Left to the loop path: reductions shorter than min-reduction (256), a
// payload that is not a combination of the output (a running difference),
// more outputs than a grid axis holds, and an output that may be an
// input's buffer (two function arguments).
// CHECK-LABEL: func.func @left
// CHECK-NOT: gpu.launch
// CHECK: linalg.reduce
// CHECK: linalg.generic
// CHECK: linalg.reduce
// CHECK: linalg.reduce
func.func @left(%short: memref<64x100xf32>, %o1: memref<64xf32>, %x: memref<4x1000xf32>,
                %o2: memref<4xf32>, %wide: memref<70000x300xf32>, %o3: memref<70000xf32>) {
  linalg.reduce ins(%short : memref<64x100xf32>) outs(%o1 : memref<64xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1000xf32>) outs(%o2 : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.subf %a, %acc : f32
    linalg.yield %s : f32
  }
  linalg.reduce ins(%wide : memref<70000x300xf32>) outs(%o3 : memref<70000xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%x : memref<4x1000xf32>) outs(%o2 : memref<4xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// BADSIZE: error: workgroup-size must be a power of two of at least 2, not 96

// -----

// A sum whose output a zero fill wrote just before: the kernel starts
// from the constant (no load of the output) and the fill goes; a fill
// that something reads before the reduction stays, and is loaded.
// CHECK-LABEL: func.func @filled
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK: %[[FIRST:.*]] = arith.cmpi eq
// CHECK: scf.if %[[FIRST]]
// CHECK-NOT: memref.load %{{.*}} : memref<4xf32>
// CHECK: %[[TOT:.*]] = memref.load %{{.*}}[%c0]
// CHECK: arith.addf %[[TOT]], %cst
// CHECK: memref.store
// CHECK-LABEL: func.func @read_between
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: gpu.launch
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<4xf32>
func.func @filled(%x: memref<4x1000xf32>) -> memref<4xf32> {
  %zero = arith.constant 0.0 : f32
  %o = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1000xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return %o : memref<4xf32>
}
func.func @read_between(%x: memref<4x1000xf32>, %keep: memref<4xf32>) -> memref<4xf32> {
  %zero = arith.constant 0.0 : f32
  %o = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<4xf32>)
  memref.copy %o, %keep : memref<4xf32> to memref<4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1000xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return %o : memref<4xf32>
}
