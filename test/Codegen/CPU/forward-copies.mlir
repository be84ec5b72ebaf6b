// RUN: aiopt-opt %s --aiopt-cpu-forward-copies -split-input-file | FileCheck %s

// One loop nest fills two temporaries, each then copied into its slice of
// one buffer (a Winograd transform's row of tiles after bufferization): the
// loop writes the slices, taken before it, and the temporaries go.
// CHECK-LABEL: func @two_slices
// CHECK-SAME: (%[[X:.*]]: memref<4x16xf32>, %[[I:.*]]: index)
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<2x8x4x16xf32>
// CHECK: %[[S0:.*]] = memref.subview %[[BUF]][0, %[[I]], 0, 0] [1, 1, 4, 16] [1, 1, 1, 1]
// CHECK: %[[S1:.*]] = memref.subview %[[BUF]][1, %[[I]], 0, 0] [1, 1, 4, 16] [1, 1, 1, 1]
// CHECK: scf.for %[[R:.*]] =
// CHECK: vector.store %{{.*}}, %[[S0]][%[[R]], %{{.*}}] : memref<4x16xf32, strided<[16, 1], offset: ?>>, vector<16xf32>
// CHECK: %[[ROW:.*]] = memref.subview %[[S1]][%[[R]], 0] [1, 16] [1, 1] : memref<4x16xf32, strided<[16, 1], offset: ?>> to memref<16xf32, strided<[1], offset: ?>>
// CHECK: vector.store %{{.*}}, %[[ROW]][%{{.*}}] : memref<16xf32, strided<[1], offset: ?>>, vector<16xf32>
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.dealloc
// CHECK: return %[[BUF]]
func.func @two_slices(%x: memref<4x16xf32>, %i: index) -> memref<2x8x4x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buf = memref.alloc() : memref<2x8x4x16xf32>
  %t0 = memref.alloc() : memref<4x16xf32>
  %t1 = memref.alloc() : memref<4x16xf32>
  scf.for %r = %c0 to %c4 step %c1 {
    %v = vector.load %x[%r, %c0] : memref<4x16xf32>, vector<16xf32>
    %w = arith.negf %v : vector<16xf32>
    vector.store %v, %t0[%r, %c0] : memref<4x16xf32>, vector<16xf32>
    %row = memref.subview %t1[%r, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    vector.store %w, %row[%c0] : memref<16xf32, strided<[1], offset: ?>>, vector<16xf32>
  }
  %s0 = memref.subview %buf[0, %i, 0, 0] [1, 1, 4, 16] [1, 1, 1, 1] : memref<2x8x4x16xf32> to memref<4x16xf32, strided<[16, 1], offset: ?>>
  memref.copy %t0, %s0 : memref<4x16xf32> to memref<4x16xf32, strided<[16, 1], offset: ?>>
  %s1 = memref.subview %buf[1, %i, 0, 0] [1, 1, 4, 16] [1, 1, 1, 1] : memref<2x8x4x16xf32> to memref<4x16xf32, strided<[16, 1], offset: ?>>
  memref.copy %t1, %s1 : memref<4x16xf32> to memref<4x16xf32, strided<[16, 1], offset: ?>>
  memref.dealloc %t0 : memref<4x16xf32>
  memref.dealloc %t1 : memref<4x16xf32>
  return %buf : memref<2x8x4x16xf32>
}

// -----

// A temporary copied into a buffer allocated after it: the buffer's
// allocation moves up and takes the temporary's writes.
// CHECK-LABEL: func @later_alloc
// CHECK: %[[B:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: memref.copy %arg0, %[[B]]
// CHECK-NOT: memref.copy
// CHECK: return %[[B]]
func.func @later_alloc(%x: memref<16xf32>) -> memref<16xf32> {
  %t = memref.alloc() : memref<16xf32>
  memref.copy %x, %t : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %t, %b : memref<16xf32> to memref<16xf32>
  memref.dealloc %t : memref<16xf32>
  return %b : memref<16xf32>
}

// -----

// The destination's slice is read between the temporary's write and the
// copy: it must still hold its old values there, so the copy stays.
// CHECK-LABEL: func @read_between
// CHECK: %[[T:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.copy %[[T]], %{{.*}}
func.func @read_between(%buf: memref<2x16xf32>, %v: vector<16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  %s = memref.subview %buf[0, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1]>>
  %old = vector.load %s[%c0] : memref<16xf32, strided<[1]>>, vector<16xf32>
  memref.copy %t, %s : memref<16xf32> to memref<16xf32, strided<[1]>>
  memref.dealloc %t : memref<16xf32>
  return %old : vector<16xf32>
}

// -----

// A write between the temporary's write and the copy to a slice of the
// same buffer that a dynamic offset may make overlap: the copy stays. A
// write to a slice that static offsets keep apart does not stop it.
// CHECK-LABEL: func @overlap
// CHECK: memref.copy %{{.*}}, %[[S:.*]] : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
// CHECK-LABEL: func @apart
// CHECK-NOT: memref.copy %{{.*}} : memref<16xf32> to
func.func @overlap(%buf: memref<4x16xf32>, %j: index, %v: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  vector.store %v, %buf[%j, %c0] : memref<4x16xf32>, vector<16xf32>
  %s = memref.subview %buf[%j, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: ?>>
  memref.copy %t, %s : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
  memref.dealloc %t : memref<16xf32>
  return
}
func.func @apart(%buf: memref<4x16xf32>, %v: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  %other = memref.subview %buf[3, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: 48>>
  vector.store %v, %other[%c0] : memref<16xf32, strided<[1], offset: 48>>, vector<16xf32>
  %s = memref.subview %buf[1, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: 16>>
  memref.copy %t, %s : memref<16xf32> to memref<16xf32, strided<[1], offset: 16>>
  memref.dealloc %t : memref<16xf32>
  return
}

// -----

// The destination is a function argument and another argument, which may
// be the same buffer, is written in between: the copy stays. Without that
// write, the temporary's write goes to the argument.
// CHECK-LABEL: func @argument_out
// CHECK-NOT: memref.alloc
// CHECK: vector.store %arg1, %arg0[%{{.*}}] : memref<16xf32>, vector<16xf32>
// CHECK-NOT: memref.copy
// CHECK-LABEL: func @arguments
// CHECK: memref.copy %{{.*}}, %arg1
func.func @argument_out(%out: memref<16xf32>, %v: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  memref.copy %t, %out : memref<16xf32> to memref<16xf32>
  memref.dealloc %t : memref<16xf32>
  return
}
func.func @arguments(%y: memref<16xf32>, %out: memref<16xf32>, %v: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  vector.store %v, %y[%c0] : memref<16xf32>, vector<16xf32>
  memref.copy %t, %out : memref<16xf32> to memref<16xf32>
  memref.dealloc %t : memref<16xf32>
  return
}

// -----

// The temporary is read after the copy, or handed to a call: it stays.
// CHECK-LABEL: func @used_after
// CHECK: %[[T:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.copy %[[T]], %arg0
// CHECK-LABEL: func @called
// CHECK: %[[T:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.copy %[[T]], %arg1
func.func @used_after(%out: memref<16xf32>, %v: vector<16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  memref.copy %t, %out : memref<16xf32> to memref<16xf32>
  %u = vector.load %t[%c0] : memref<16xf32>, vector<16xf32>
  memref.dealloc %t : memref<16xf32>
  return %u : vector<16xf32>
}
func.func private @fill(memref<16xf32>)
func.func @called(%x: memref<16xf32>, %out: memref<16xf32>) {
  %t = memref.alloc() : memref<16xf32>
  func.call @fill(%t) : (memref<16xf32>) -> ()
  memref.copy %t, %out : memref<16xf32> to memref<16xf32>
  memref.dealloc %t : memref<16xf32>
  return
}

// -----

// The destination is a subview at an offset computed after the
// temporary's writes: it cannot move up, so the copy stays.
// CHECK-LABEL: func @late_offset
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
func.func @late_offset(%buf: memref<4x16xf32>, %i: index, %v: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  vector.store %v, %t[%c0] : memref<16xf32>, vector<16xf32>
  %j = arith.addi %i, %i : index
  %s = memref.subview %buf[%j, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: ?>>
  memref.copy %t, %s : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
  memref.dealloc %t : memref<16xf32>
  return
}
