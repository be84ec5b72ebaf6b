// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-row-kernels --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-row-kernels="tile-memory=alloc workgroup-size=4" | FileCheck %s --check-prefix=ALLOC
// RUN: not aiopt-opt %s --split-input-file --aiopt-gpu-row-kernels="workgroup-size=96" 2>&1 | FileCheck %s --check-prefix=BADSIZE

// A variance-like row statistic (128 rows of 768; the mean broadcast along
// the row): one workgroup of 128 per row. Every invocation reads the
// output's starting value, folds every 128th element from the sum's
// identity, the partial sums combine in a tree (64, 32, ... 1 active
// invocations between barriers), every invocation adds the total, and the
// first stores.
// CHECK-LABEL: func.func @rows
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) workgroup(%[[P:.*]] : memref<128xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ROW:.*]] = arith.remui %{{.*}}, %c128
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[%{{.*}}, %[[ROW]]] : memref<1x128xf32>
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
// CHECK-NEXT: %[[TOT:.*]] = memref.load %[[P]][%c0]
// CHECK-NEXT: %[[NEW:.*]] = arith.addf %[[OLD]], %[[TOT]]
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK-NEXT: scf.if %[[FIRST]]
// CHECK-NEXT: memref.store %[[NEW]]
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

// Left to the loop path: a lone reduction shorter than min-reduction
// (256), a payload that is not a combination of the output (a running
// difference), and an output that may be an input's buffer (two function
// arguments).
// CHECK-LABEL: func.func @left
// CHECK-NOT: gpu.launch
// CHECK: linalg.reduce
// CHECK: linalg.generic
// CHECK: linalg.reduce
func.func @left(%short: memref<64x100xf32>, %o1: memref<64xf32>, %x: memref<4x1000xf32>,
                %o2: memref<4xf32>) {
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
// CHECK-NOT: memref.load %{{.*}} : memref<4xf32>
// CHECK: %[[TOT:.*]] = memref.load %{{.*}}[%c0]
// CHECK-NEXT: arith.addf %[[TOT]], %cst
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
// A fill apart from the reduction, with an op that leaves its buffer alone
// between (a copy of others): the kernel still starts from its constant,
// and the fill goes.
// CHECK-LABEL: func.func @filled_apart
// CHECK-NOT: linalg.fill
// CHECK: memref.copy
// CHECK: gpu.launch
// CHECK-NOT: memref.load %{{.*}} : memref<4xf32>
// CHECK: arith.addf %{{.*}}, %cst
func.func @filled_apart(%x: memref<4x1000xf32>, %a: memref<8xf32>, %b: memref<8xf32>) -> memref<4xf32> {
  %zero = arith.constant 0.0 : f32
  %o = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<4xf32>)
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1000xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return %o : memref<4xf32>
}

// -----

// More rows than a grid axis takes (70001): a second axis, and the
// workgroups past the last row do nothing.
// CHECK-LABEL: func.func @many_rows
// CHECK: gpu.launch blocks(%[[BX:[^,]*]], %[[BY:[^,]*]], {{.*}}) in ({{.*}} = %c35001, {{.*}} = %c2, {{.*}} = %c1)
// CHECK: %[[HIGH:.*]] = arith.muli %[[BY]], %c35001
// CHECK: %[[ROW:.*]] = arith.addi %[[BX]], %[[HIGH]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[ROW]], %c70001
// CHECK: scf.if %[[IN]]
// CHECK: scf.for
// CHECK: memref.load %arg0[%[[ROW]], %{{.*}}]
func.func @many_rows(%wide: memref<70001x300xf32>) -> memref<70001xf32> {
  %o = memref.alloc() : memref<70001xf32>
  linalg.reduce ins(%wide : memref<70001x300xf32>) outs(%o : memref<70001xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %o : memref<70001xf32>
}

// -----

#full = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2) -> (d0, d1)>
#col = affine_map<(d0, d1, d2) -> (d2)>

// A softmax over rows of 128 (2 x 12 of them): the maximum, the sum of
// exponentials and the division are one kernel of a workgroup per row.
// Both fills go (the reductions start from their constants); the sum and
// the division read the row's maximum, and the division the row's sum,
// from the trees rather than from memory; the second tree waits until
// every invocation has read the first's total.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c24, {{.*}} = %c1, {{.*}} = %c1) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c128, {{.*}}) workgroup(%[[P:[^ ]*]] :
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[NINF:[^)]*]])
// CHECK: arith.maximumf
// CHECK: %[[MAX:.*]] = memref.load %[[P]][%c0]
// CHECK-NOT: memref.load %{{.*}} : memref<2x12xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO:[^)]*]])
// CHECK: arith.subf %{{.*}}, %[[MAX]]
// CHECK: math.exp
// CHECK: gpu.barrier
// CHECK-NEXT: memref.store %{{.*}}, %[[P]][%[[T]]]
// CHECK-NEXT: gpu.barrier
// CHECK: %[[TOT:.*]] = memref.load %[[P]][%c0]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[TOT]], %[[ZERO]]
// CHECK-NOT: memref.load %{{.*}} : memref<2x12xf32>
// CHECK: scf.for %[[E:.*]] = %[[T]] to %c128 step %c128 {
// CHECK: arith.subf %{{.*}}, %[[MAX]]
// CHECK: %[[X:.*]] = math.exp
// CHECK: %[[Q:.*]] = arith.divf %[[X]], %[[SUM]]
// CHECK: memref.store %[[Q]], %{{.*}}[%{{.*}}, %{{.*}}, %[[E]]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
func.func @softmax(%s: memref<2x12x128xf32>) -> memref<2x12x128xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() : memref<2x12xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<2x12xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : memref<2x12x128xf32>) outs(%m : memref<2x12xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %acc, %a : f32
    linalg.yield %r : f32
  }
  %z = memref.alloc() : memref<2x12xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<2x12xf32>)
  linalg.generic {indexing_maps = [#full, #row, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s, %m : memref<2x12x128xf32>, memref<2x12xf32>) outs(%z : memref<2x12xf32>) {
  ^bb0(%a: f32, %max: f32, %acc: f32):
    %d = arith.subf %a, %max : f32
    %e = math.exp %d : f32
    %r = arith.addf %acc, %e : f32
    linalg.yield %r : f32
  }
  %p = memref.alloc() : memref<2x12x128xf32>
  linalg.generic {indexing_maps = [#full, #row, #row, #full], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %m, %z : memref<2x12x128xf32>, memref<2x12xf32>, memref<2x12xf32>) outs(%p : memref<2x12x128xf32>) {
  ^bb0(%a: f32, %max: f32, %sum: f32, %o: f32):
    %d = arith.subf %a, %max : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %sum : f32
    linalg.yield %r : f32
  }
  return %p : memref<2x12x128xf32>
}

// -----

#full = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// A layer normalization after a residual add, as the GPU pipelines see it
// (rows of 768, workgroups of 128): the add, the mean's sum, the variance's
// sum and the normalization are one kernel. Each invocation stores its
// elements of the sum and reads back the same ones; the statistics are
// the rows' values; the scale is read at the element.
// CHECK-LABEL: func.func @layer_norm
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c16, {{.*}}) threads(%[[T:[^,]*]], {{.*}}) in ({{.*}} = %c128,
// CHECK: scf.for %[[E:.*]] = %[[T]] to %c768 step %c128 {
// CHECK: %[[A:.*]] = memref.load %arg0[%[[ROW:[^,]*]], %[[E]]]
// CHECK: %[[B:.*]] = memref.load %arg1[%[[ROW]], %[[E]]]
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: memref.store %[[S]], %[[X:[a-z_0-9]+]][%[[ROW]], %[[E]]]
// CHECK: scf.for %[[E2:.*]] = %[[T]] to %c768 step %c128 iter_args
// CHECK: memref.load %[[X]][%[[ROW]], %[[E2]]]
// CHECK: %[[TOT:.*]] = memref.load %{{.*}}[%c0]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[TOT]]
// CHECK-NOT: memref.load %{{.*}} : memref<16xf32>
// CHECK: scf.for
// CHECK: arith.divf %[[SUM]]
// CHECK: gpu.barrier
// CHECK: scf.for %[[E3:.*]] = %[[T]] to %c768 step %c128 {
// CHECK: memref.load %arg2[%[[E3]]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
func.func @layer_norm(%a: memref<16x768xf32>, %b: memref<16x768xf32>, %gamma: memref<768xf32>) -> memref<16x768xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 768.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %x = memref.alloc() : memref<16x768xf32>
  linalg.generic {indexing_maps = [#full, #full, #full], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<16x768xf32>, memref<16x768xf32>) outs(%x : memref<16x768xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %r = arith.addf %u, %v : f32
    linalg.yield %r : f32
  }
  %sum = memref.alloc() : memref<16xf32>
  linalg.fill ins(%zero : f32) outs(%sum : memref<16xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x768xf32>) outs(%sum : memref<16xf32>) {
  ^bb0(%u: f32, %acc: f32):
    %r = arith.addf %acc, %u : f32
    linalg.yield %r : f32
  }
  %var = memref.alloc() : memref<16xf32>
  linalg.fill ins(%zero : f32) outs(%var : memref<16xf32>)
  linalg.generic {indexing_maps = [#full, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %sum : memref<16x768xf32>, memref<16xf32>) outs(%var : memref<16xf32>) {
  ^bb0(%u: f32, %s: f32, %acc: f32):
    %mean = arith.divf %s, %n : f32
    %d = arith.subf %u, %mean : f32
    %sq = arith.mulf %d, %d : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  %y = memref.alloc() : memref<16x768xf32>
  linalg.generic {indexing_maps = [#full, #row, #row, #col, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum, %var, %gamma : memref<16x768xf32>, memref<16xf32>, memref<16xf32>, memref<768xf32>) outs(%y : memref<16x768xf32>) {
  ^bb0(%u: f32, %s: f32, %v: f32, %g: f32, %o: f32):
    %mean = arith.divf %s, %n : f32
    %d = arith.subf %u, %mean : f32
    %vm = arith.divf %v, %n : f32
    %ve = arith.addf %vm, %eps : f32
    %r = math.rsqrt %ve : f32
    %nd = arith.mulf %d, %r : f32
    %out = arith.mulf %nd, %g : f32
    linalg.yield %out : f32
  }
  return %y : memref<16x768xf32>
}

// -----

#full = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>

// Where a member would read another invocation's element (a transposed
// read of what the group wrote), the group ends before it: the sum and
// the scaling are one kernel, the transposed copy keeps its loop nest.
// A fill of a buffer no member touches, between members, runs before the
// kernel.
// CHECK-LABEL: func.func @transposed_read
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[U:.*]] : memref<8xf32>)
// CHECK-NOT: memref.load
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[T:.*]] : memref<64x64xf32>)
func.func @transposed_read(%x: memref<64x64xf32>) -> (memref<64x64xf32>, memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %s = memref.alloc() : memref<64xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<64xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%u: f32, %acc: f32):
    %r = arith.addf %acc, %u : f32
    linalg.yield %r : f32
  }
  %u8 = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%u8 : memref<8xf32>)
  %t = memref.alloc() : memref<64x64xf32>
  linalg.generic {indexing_maps = [#full, #row, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<64x64xf32>, memref<64xf32>) outs(%t : memref<64x64xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %r = arith.divf %u, %v : f32
    linalg.yield %r : f32
  }
  %y = memref.alloc() : memref<64x64xf32>
  linalg.generic {indexing_maps = [#tr, #full], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%u: f32, %o: f32):
    linalg.yield %u : f32
  }
  return %y, %u8 : memref<64x64xf32>, memref<8xf32>
}

// -----

#full = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Groups end at buffers that may be shared (a function argument written,
// another read: they may be one buffer), at ops with effects between
// members (a copy), and rows shorter than min-row-length (32) keep the
// loop path: no kernel here.
// CHECK-LABEL: func.func @apart
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: memref.copy
// CHECK: linalg.generic
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: gpu.launch
func.func @apart(%x: memref<64x64xf32>, %w: memref<64x64xf32>, %r: memref<64x64xf32>,
                 %keep: memref<64xf32>) -> memref<64x64xf32> {
  linalg.generic {indexing_maps = [#full, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x64xf32>) outs(%w : memref<64x64xf32>) {
  ^bb0(%u: f32, %o: f32):
    %e = math.exp %u : f32
    linalg.yield %e : f32
  }
  %s = memref.alloc() : memref<64xf32>
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%r : memref<64x64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%u: f32, %acc: f32):
    %a = arith.addf %acc, %u : f32
    linalg.yield %a : f32
  }
  memref.copy %s, %keep : memref<64xf32> to memref<64xf32>
  %y = memref.alloc() : memref<64x64xf32>
  linalg.generic {indexing_maps = [#full, #row, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<64x64xf32>, memref<64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %d = arith.divf %u, %v : f32
    linalg.yield %d : f32
  }
  return %y : memref<64x64xf32>
}
func.func @short_rows(%x: memref<64x16xf32>) -> memref<64x16xf32> {
  %s = memref.alloc() : memref<64xf32>
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x16xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%u: f32, %acc: f32):
    %a = arith.addf %acc, %u : f32
    linalg.yield %a : f32
  }
  %y = memref.alloc() : memref<64x16xf32>
  linalg.generic {indexing_maps = [#full, #row, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<64x16xf32>, memref<64xf32>) outs(%y : memref<64x16xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %d = arith.divf %u, %v : f32
    linalg.yield %d : f32
  }
  return %y : memref<64x16xf32>
}
