// RUN: aiopt-opt %s --aiopt-cpu-plan-memory -split-input-file | FileCheck %s
// RUN: not aiopt-opt %s --aiopt-cpu-plan-memory="alignment=48" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aiopt-cpu-plan-memory: alignment must be a power of two

// Three buffers freed at the end of the function (as ownership-based
// deallocation leaves them): %a is last used (through a view) by op 4 and
// %c allocated at op 5, so %c reuses %a's bytes; %b overlaps both. The
// returned buffer stays an allocation.
// CHECK: module attributes {aiopt.memory_plan = {arena_bytes = 128 : i64, buffers = [
// CHECK-SAME: {bytes = 64 : i64, first = 0 : i64, function = "chain", last = 4 : i64, offset = 0 : i64, type = memref<16xf32>}
// CHECK-SAME: {bytes = 64 : i64, first = 2 : i64, function = "chain", last = 7 : i64, offset = 64 : i64, type = memref<4x4xf32>}
// CHECK-SAME: {bytes = 64 : i64, first = 5 : i64, function = "chain", last = 9 : i64, offset = 0 : i64, type = memref<16xf32>}
// CHECK-SAME: planned_bytes = 192 : i64, unplanned_allocations = 1 : i64
// CHECK-LABEL: func @chain
// CHECK: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
// CHECK: memref.view %[[ARENA]][%c0{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[ARENA]][%c64{{.*}}][] : memref<128xi8> to memref<4x4xf32>
// CHECK: memref.view %[[ARENA]][%c0{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NOT: memref.dealloc %{{.*}} : memref<16xf32>
// CHECK: memref.dealloc %[[ARENA]] : memref<128xi8>
// CHECK-NEXT: return %[[R]]
func.func @chain(%x: memref<16xf32>) -> memref<16xf32> {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<4x4xf32>
  %ae = memref.expand_shape %a [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  memref.copy %ae, %b : memref<4x4xf32> to memref<4x4xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  %bc = memref.collapse_shape %b [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  memref.copy %bc, %c : memref<16xf32> to memref<16xf32>
  %r = memref.alloc() : memref<16xf32>
  memref.copy %c, %r : memref<16xf32> to memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<4x4xf32>
  memref.dealloc %c : memref<16xf32>
  return %r : memref<16xf32>
}

// -----

// A use inside a loop keeps the buffer live to the end of the loop (%a);
// a buffer the loop carries lives as long as the loop's result is used
// (%b), and so does one a region yields (%d, through scf.if). Sizes that
// are not whole 64-byte lines are padded; %c reuses %a's bytes and %d
// %b's.
// CHECK: arena_bytes = 128 : i64
// CHECK-SAME: {bytes = 40 : i64, first = 1 : i64, function = "loops", last = 3 : i64, offset = 0 : i64
// CHECK-SAME: {bytes = 40 : i64, first = 2 : i64, function = "loops", last = 5 : i64, offset = 64 : i64
// CHECK-SAME: {bytes = 40 : i64, first = 4 : i64, function = "loops", last = 8 : i64, offset = 0 : i64
// CHECK-SAME: {bytes = 40 : i64, first = 6 : i64, function = "loops", last = 8 : i64, offset = 64 : i64
func.func @loops(%x: memref<10xf32>, %out: memref<10xf32>, %p: i1) {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<10xf32>
  %b = memref.alloc() : memref<10xf32>
  %r = scf.for %i = %c0 to %c0 step %c0 iter_args(%v = %b) -> (memref<10xf32>) {
    memref.copy %a, %v : memref<10xf32> to memref<10xf32>
    scf.yield %v : memref<10xf32>
  }
  %c = memref.alloc() : memref<10xf32>
  memref.copy %r, %c : memref<10xf32> to memref<10xf32>
  %d = memref.alloc() : memref<10xf32>
  %s = scf.if %p -> (memref<10xf32>) {
    scf.yield %d : memref<10xf32>
  } else {
    scf.yield %c : memref<10xf32>
  }
  memref.copy %s, %out : memref<10xf32> to memref<10xf32>
  memref.dealloc %a : memref<10xf32>
  memref.dealloc %b : memref<10xf32>
  memref.dealloc %c : memref<10xf32>
  memref.dealloc %d : memref<10xf32>
  return
}

// -----

// Left to the runtime: a returned view, a dynamic size, an allocation
// inside a loop, a buffer freed conditionally, one never freed, one taken
// apart for its base pointer, and one asking for more alignment than the
// arena's 64 bytes.
// CHECK: {arena_bytes = 0 : i64, buffers = [], planned_bytes = 0 : i64, unplanned_allocations = 7 : i64}
// CHECK-LABEL: func @unplanned
// CHECK-NOT: memref.view
func.func @unplanned(%n: index, %p: i1) -> memref<4x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ret = memref.alloc() : memref<16xf32>
  %view = memref.expand_shape %ret [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  %dyn = memref.alloc(%n) : memref<?xf32>
  scf.for %i = %c0 to %c1 step %c1 {
    %t = memref.alloc() : memref<8xf32>
    memref.dealloc %t : memref<8xf32>
  }
  %cond = memref.alloc() : memref<8xf32>
  scf.if %p {
    memref.dealloc %cond : memref<8xf32>
  }
  %leak = memref.alloc() : memref<8xf32>
  %base = memref.alloc() : memref<8xf32>
  %b, %o, %s, %st = memref.extract_strided_metadata %base : memref<8xf32> -> memref<f32>, index, index, index
  memref.dealloc %base : memref<8xf32>
  %wide = memref.alloc() {alignment = 128 : i64} : memref<8xf32>
  memref.dealloc %wide : memref<8xf32>
  memref.dealloc %dyn : memref<?xf32>
  return %view : memref<4x4xf32>
}
