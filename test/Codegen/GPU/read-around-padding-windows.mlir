// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-read-around-padding --canonicalize --cse | FileCheck %s

// A window of three taps (views one row apart of a buffer padded by one
// row above and below) with a weight per tap, as the depthwise
// convolutions come: a parallel nest that loads the input itself, at the
// tap's row less the padding, clamped into the input, and selects the
// fill outside it. The fill, the copy and the views go.
// CHECK-LABEL: func.func @taps
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.subview
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1)
// CHECK: %[[ROW:.*]] = affine.apply #{{.*}}(%[[I]])
// CHECK: %[[SHIFTED:.*]] = arith.subi %[[ROW]], %c1
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[SHIFTED]], %c8
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[SHIFTED]], %c7
// CHECK: %[[X:.*]] = memref.load %arg0[%[[CLAMPED]], %[[J]]] : memref<8x16xf32>
// CHECK: arith.select %[[IN]], %[[X]], %cst
// CHECK-NOT: scf.if
// CHECK: memref.store %{{.*}}, %[[OUT:.*]][%[[I]], %[[J]]] : memref<8x16xf32>
// CHECK-NOT: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
#tap = affine_map<(i, j) -> ()>
func.func @taps(%x: memref<8x16xf32>, %w0: memref<f32>, %w1: memref<f32>) -> memref<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<10x16xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<10x16xf32>)
  %box = memref.subview %p[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  memref.copy %x, %box : memref<8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  %t0 = memref.subview %p[0, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  %t2 = memref.subview %p[2, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 32>>
  %out = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #tap, #id, #tap, #id], iterator_types = ["parallel", "parallel"]}
      ins(%t0, %w0, %t2, %w1 : memref<8x16xf32, strided<[16, 1]>>, memref<f32>, memref<8x16xf32, strided<[16, 1], offset: 32>>, memref<f32>)
      outs(%out : memref<8x16xf32>) {
  ^bb0(%a: f32, %wa: f32, %b: f32, %wb: f32, %o: f32):
    %pa = arith.mulf %a, %wa : f32
    %pb = arith.mulf %b, %wb : f32
    %s = arith.addf %pa, %pb : f32
    linalg.yield %s : f32
  }
  return %out : memref<8x16xf32>
}

// -----

// Strided taps (a stride-2 window) read rows 2i and 2i + 2 of the padded
// buffer; the padding stays where something else reads the padded buffer
// too (here the function's result).
// CHECK-LABEL: func.func @strided_and_kept
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: scf.parallel
// CHECK: affine.apply #[[MAP:.*]](%
// CHECK: memref.load %arg0[
// CHECK: arith.select
// CHECK-NOT: linalg.generic
#half = affine_map<(i, j) -> (i, j)>
func.func @strided_and_kept(%x: memref<8x16xf32>) -> (memref<4x16xf32>, memref<10x16xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %p = memref.alloc() : memref<10x16xf32>
  linalg.fill ins(%ninf : f32) outs(%p : memref<10x16xf32>)
  %box = memref.subview %p[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  memref.copy %x, %box : memref<8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  %t0 = memref.subview %p[0, 0] [4, 16] [2, 1] : memref<10x16xf32> to memref<4x16xf32, strided<[32, 1]>>
  %t2 = memref.subview %p[2, 0] [4, 16] [2, 1] : memref<10x16xf32> to memref<4x16xf32, strided<[32, 1], offset: 32>>
  %out = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [#half, #half, #half], iterator_types = ["parallel", "parallel"]}
      ins(%t0, %t2 : memref<4x16xf32, strided<[32, 1]>>, memref<4x16xf32, strided<[32, 1], offset: 32>>)
      outs(%out : memref<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.maximumf %a, %b : f32
    linalg.yield %m : f32
  }
  return %out, %p : memref<4x16xf32>, memref<10x16xf32>
}

// -----

// Left alone: a window with a reduction (the loop path's convolutions),
// and one whose input is not padded.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: linalg.generic
// CHECK: linalg.generic
#row = affine_map<(i, j) -> (i, j)>
#sum = affine_map<(i, j) -> (i)>
func.func @left_alone(%x: memref<8x16xf32>) -> (memref<8xf32>, memref<8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<10x16xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<10x16xf32>)
  %box = memref.subview %p[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  memref.copy %x, %box : memref<8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  %t0 = memref.subview %p[0, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  %sums = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%t0 : memref<8x16xf32, strided<[16, 1]>>) outs(%sums : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  %out = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x16xf32>) outs(%out : memref<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return %sums, %out : memref<8xf32>, memref<8x16xf32>
}

// -----

// Left alone: a window that writes the real input (the padded copy's
// source): other invocations would read it changed.
// CHECK-LABEL: func.func @writes_its_input
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: linalg.generic
#rows = affine_map<(i, j) -> (i, j)>
func.func @writes_its_input(%x: memref<8x16xf32>) -> memref<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<10x16xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<10x16xf32>)
  %box = memref.subview %p[1, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  memref.copy %x, %box : memref<8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 16>>
  %t0 = memref.subview %p[0, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1]>>
  %t2 = memref.subview %p[2, 0] [8, 16] [1, 1] : memref<10x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 32>>
  linalg.generic {indexing_maps = [#rows, #rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%t0, %t2 : memref<8x16xf32, strided<[16, 1]>>, memref<8x16xf32, strided<[16, 1], offset: 32>>)
      outs(%x : memref<8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return %x : memref<8x16xf32>
}
