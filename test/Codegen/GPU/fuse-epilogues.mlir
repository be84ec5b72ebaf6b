// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions --canonicalize --cse | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="fuse-epilogues=false" --canonicalize --cse | FileCheck %s --check-prefix=OFF
// RUN: aiopt-opt %s --split-input-file --aiopt-gpu-tile-contractions="split-k=true split-k-workgroups=128" --canonicalize --cse | FileCheck %s --check-prefix=SPLIT

// A 1x1 convolution as the CPU leaves it: the bias broadcast into the
// output, the product, then a ReLU reading the result through a view into
// a new buffer. The kernel starts each accumulator from the bias element
// (the broadcast goes), and stores the ReLU of each result into the
// ReLU's buffer (allocated before the kernel now); the result itself is
// read by nothing later and is not stored. Without fuse-epilogues only the
// broadcast goes.
// CHECK-LABEL: func.func @conv1x1
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x32x8x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch
// CHECK: memref.load %arg2[
// CHECK-COUNT-16: arith.maximumf
// CHECK-NOT: memref.store {{.*}}, %alloc :
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]]
// OFF-LABEL: func.func @conv1x1
// OFF: gpu.launch
// OFF: memref.load %arg2[
// OFF: gpu.terminator
// OFF: linalg.generic
// OFF: arith.maximumf
func.func @conv1x1(%w: memref<32x16xf32>, %x: memref<1x16x64xf32>, %bias: memref<32xf32>) -> memref<1x32x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<1x32x64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<32xf32>) outs(%c : memref<1x32x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<32x16xf32>, memref<1x16x64xf32>) outs(%c : memref<1x32x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  %v = memref.expand_shape %c [[0], [1], [2, 3]] output_shape [1, 32, 8, 8] : memref<1x32x64xf32> into memref<1x32x8x8xf32>
  %y = memref.alloc() : memref<1x32x8x8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : memref<1x32x8x8xf32>) outs(%y : memref<1x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<1x32x64xf32>
  return %y : memref<1x32x8x8xf32>
}

// -----

// A residual addition of another input written in place over the result
// (as bufferization leaves it), with an unrelated op in between that the
// epilogue may run before. Each invocation loads the residual at its
// element, adds, and stores once (16 stores) into the result. (%other is allocated
// here: a fill of an argument might write the product's operands.)
// CHECK-LABEL: func.func @residual
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: memref.load %arg2[
// CHECK-COUNT-16: memref.store {{.*}}, %alloc_0[
// CHECK-NOT: memref.store {{.*}}, %alloc_0[
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: linalg.fill
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @residual(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %r: memref<64x64xf32>) -> (memref<64x64xf32>, memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %other = memref.alloc() : memref<8xf32>
  %c = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.fill ins(%zero : f32) outs(%other : memref<8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %r : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return %c, %other : memref<64x64xf32>, memref<8xf32>
}

// -----

// The result is also returned: it is stored as well as its epilogue's
// output.
// CHECK-LABEL: func.func @both
// CHECK: gpu.launch
// CHECK: memref.store {{.*}}, %[[C:alloc]][
// CHECK: math.tanh
// CHECK: memref.store {{.*}}, %[[Y:alloc_0]][
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK: return %[[C]], %[[Y]]
func.func @both(%a: memref<64x32xf32>, %b: memref<32x64xf32>) -> (memref<64x64xf32>, memref<64x64xf32>) {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  %y = memref.alloc() : memref<64x64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %t = math.tanh %x : f32
    linalg.yield %t : f32
  }
  return %c, %y : memref<64x64xf32>, memref<64x64xf32>
}

// -----

// Left apart: an epilogue that writes the product's input (other
// workgroups still read it), one that reads the result transposed into
// the result itself (other invocations' elements would be overwritten
// before they are read), and one after an op that writes what the
// epilogue reads.
// CHECK-LABEL: func.func @writes_input
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-LABEL: func.func @transposed_in_place
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-LABEL: func.func @clobbered
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.fill
// CHECK: linalg.generic
func.func @writes_input(%a: memref<64x64xf32>, %b: memref<64x64xf32>) {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%a : memref<64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  return
}
func.func @transposed_in_place(%a: memref<64x32xf32>, %b: memref<32x64xf32>) -> memref<64x64xf32> {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  return %c : memref<64x64xf32>
}
func.func @clobbered(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %r: memref<64x64xf32>, %y: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.fill ins(%zero : f32) outs(%r : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %r : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%x: f32, %z: f32, %out: f32):
    %s = arith.addf %x, %z : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// With K split over workgroups (atomic partial sums) no epilogue runs in
// the kernel: no part holds a whole sum.
// SPLIT-LABEL: func.func @split
// SPLIT: gpu.launch
// SPLIT: memref.atomic_rmw addf
// SPLIT: gpu.terminator
// SPLIT: linalg.generic
func.func @split(%a: memref<64x4096xf32>, %b: memref<4096x64xf32>, %y: memref<64x64xf32>) {
  %c = memref.alloc() : memref<64x64xf32>
  linalg.matmul ins(%a, %b : memref<64x4096xf32>, memref<4096x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %t = math.tanh %x : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// The product writes an argument and the elementwise op after it reads
// another, which may be the same buffer: it would be read before the
// product wrote it, so the op stays apart.
// CHECK-LABEL: func.func @input_may_be_result
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
func.func @input_may_be_result(%aarg: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>, %r: memref<64x64xf32>) -> memref<64x64xf32> {
  %a = memref.alloc() : memref<64x32xf32>
  memref.copy %aarg, %a : memref<64x32xf32> to memref<64x32xf32>
  %bb = memref.alloc() : memref<32x64xf32>
  memref.copy %b, %bb : memref<32x64xf32> to memref<32x64xf32>
  linalg.matmul ins(%a, %bb : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  %y = memref.alloc() : memref<64x64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %r : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%x: f32, %z: f32, %out: f32):
    %s = arith.addf %x, %z : f32
    linalg.yield %s : f32
  }
  return %y : memref<64x64xf32>
}

// -----

// An epilogue that reads the result transposed into another buffer (the
// heads of attention's output back into rows): the kernel stores each
// output's epilogue value at the transposed place, and the result, read
// by nothing else, is not stored. Its loops run over the transposed
// shape (48 x 64), so the element at the result's (m, n) is the
// epilogue's (n, m).
// CHECK-LABEL: func.func @transposed
// CHECK: %[[Y:.*]] = memref.alloc() : memref<48x64xf32>
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch
// CHECK-NOT: memref.store {{.*}} : memref<64x48xf32>
// CHECK: memref.store {{.*}}, %[[Y]][%{{.*}}, %{{.*}}] : memref<48x64xf32>
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @transposed(%a: memref<64x32xf32>, %b: memref<32x48xf32>) -> memref<48x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<64x48xf32>
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x48xf32>) outs(%c : memref<64x48xf32>)
  %y = memref.alloc() : memref<48x64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x48xf32>) outs(%y : memref<48x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<64x48xf32>
  return %y : memref<48x64xf32>
}
