// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions --canonicalize --cse | FileCheck %s

// A padded 3x3 convolution as the CPU leaves it: the padded buffer filled
// with zeros (linalg.map), the input copied into its interior, and the
// product reading it through an expand_shape. The kernel stages the input
// itself, 0 outside the interior; the fill, the copy and their views go.
// CHECK-LABEL: func.func @conv3x3
// CHECK-NOT: linalg.map
// CHECK-NOT: memref.copy
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: memref.load %arg0[
// CHECK: } else {
// CHECK-NEXT: scf.yield %cst
// CHECK-NOT: memref.load %alloc[
// CHECK: gpu.terminator
#input = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 + d5, d7 + d6)>
#filter = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
#output = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
func.func @conv3x3(%x: memref<1x4x8x8xf32>, %w: memref<1x16x4x3x3xf32>) -> memref<1x1x16x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x4x10x10xf32>
  linalg.map outs(%p : memref<1x4x10x10xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %box = memref.subview %p[0, 0, 1, 1] [1, 4, 8, 8] [1, 1, 1, 1] : memref<1x4x10x10xf32> to memref<1x4x8x8xf32, strided<[400, 100, 10, 1], offset: 11>>
  memref.copy %x, %box : memref<1x4x8x8xf32> to memref<1x4x8x8xf32, strided<[400, 100, 10, 1], offset: 11>>
  %v = memref.expand_shape %p [[0], [1, 2], [3], [4]] output_shape [1, 1, 4, 10, 10] : memref<1x4x10x10xf32> into memref<1x1x4x10x10xf32>
  %y = memref.alloc() : memref<1x1x16x8x8xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x1x16x8x8xf32>)
  linalg.generic {indexing_maps = [#input, #filter, #output],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
      ins(%v, %w : memref<1x1x4x10x10xf32>, memref<1x16x4x3x3xf32>) outs(%y : memref<1x1x16x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x4x10x10xf32>
  return %y : memref<1x1x16x8x8xf32>
}

// -----

// The padded buffer is also read after the product: the kernel still reads
// around the padding, which stays for that reader.
// CHECK-LABEL: func.func @read_later
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: memref.load %arg0[
// CHECK: gpu.terminator
// CHECK: memref.load %alloc[
func.func @read_later(%x: memref<64x32xf32>, %w: memref<40x64xf32>) -> (memref<40x40xf32>, f32) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %p = memref.alloc() : memref<64x40xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<64x40xf32>)
  %box = memref.subview %p[0, 4] [64, 32] [1, 1] : memref<64x40xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  memref.copy %x, %box : memref<64x32xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  %y = memref.alloc() : memref<40x40xf32>
  linalg.matmul ins(%w, %p : memref<40x64xf32>, memref<64x40xf32>) outs(%y : memref<40x40xf32>)
  %e = memref.load %p[%c0, %c0] : memref<64x40xf32>
  return %y, %e : memref<40x40xf32>, f32
}

// -----

// The source is written after the copy: the padded buffer holds the old
// values, and the kernel reads it.
// CHECK-LABEL: func.func @source_written
// CHECK: memref.copy
// CHECK: linalg.fill
// CHECK: gpu.launch
// CHECK-NOT: memref.load %arg0[
// CHECK: memref.load %alloc[
func.func @source_written(%x: memref<64x32xf32>, %w: memref<40x64xf32>) -> memref<40x40xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = memref.alloc() : memref<64x40xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<64x40xf32>)
  %box = memref.subview %p[0, 4] [64, 32] [1, 1] : memref<64x40xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  memref.copy %x, %box : memref<64x32xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  linalg.fill ins(%one : f32) outs(%x : memref<64x32xf32>)
  %y = memref.alloc() : memref<40x40xf32>
  linalg.matmul ins(%w, %p : memref<40x64xf32>, memref<64x40xf32>) outs(%y : memref<40x40xf32>)
  return %y : memref<40x40xf32>
}

// -----

// The kernel reads the padded buffer's source (part of %x), which the
// elementwise op after the product overwrites: run in the kernel, it would
// change inputs that other workgroups have still to read. It stays apart.
// CHECK-LABEL: func.func @epilogue_writes_source
// CHECK: gpu.launch
// CHECK: memref.load %subview[
// CHECK: gpu.terminator
// CHECK: linalg.generic
memref.global "private" constant @w : memref<40x40xf32> = dense<1.0>
func.func @epilogue_writes_source(%arg: memref<40x40xf32>) -> memref<40x40xf32> {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<40x40xf32>
  %x = memref.alloc() : memref<40x40xf32>
  memref.copy %arg, %x : memref<40x40xf32> to memref<40x40xf32>
  %p = memref.alloc() : memref<40x40xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<40x40xf32>)
  %src = memref.subview %x[0, 0] [40, 32] [1, 1] : memref<40x40xf32> to memref<40x32xf32, strided<[40, 1]>>
  %box = memref.subview %p[0, 4] [40, 32] [1, 1] : memref<40x40xf32> to memref<40x32xf32, strided<[40, 1], offset: 4>>
  memref.copy %src, %box : memref<40x32xf32, strided<[40, 1]>> to memref<40x32xf32, strided<[40, 1], offset: 4>>
  %y = memref.alloc() : memref<40x40xf32>
  linalg.matmul ins(%w, %p : memref<40x40xf32>, memref<40x40xf32>) outs(%y : memref<40x40xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y : memref<40x40xf32>) outs(%x : memref<40x40xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return %x : memref<40x40xf32>
}

// -----

// The product writes a buffer that may be the real input (both function
// arguments): the kernel reads the padded buffer, not the input.
// CHECK-LABEL: func.func @result_may_be_source
// CHECK: %[[P:.*]] = memref.alloc() : memref<64x40xf32>
// CHECK: gpu.launch
// CHECK-NOT: memref.load %arg0[
// CHECK: memref.load %[[P]][
func.func @result_may_be_source(%x: memref<64x32xf32>, %warg: memref<40x64xf32>, %y: memref<40x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.alloc() : memref<40x64xf32>
  memref.copy %warg, %w : memref<40x64xf32> to memref<40x64xf32>
  %p = memref.alloc() : memref<64x40xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<64x40xf32>)
  %box = memref.subview %p[0, 4] [64, 32] [1, 1] : memref<64x40xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  memref.copy %x, %box : memref<64x32xf32> to memref<64x32xf32, strided<[40, 1], offset: 4>>
  linalg.matmul ins(%w, %p : memref<40x64xf32>, memref<64x40xf32>) outs(%y : memref<40x40xf32>)
  return
}
