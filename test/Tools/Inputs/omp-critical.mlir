// A parallel region with a critical section, marked for the aiopt thread pool
// (which has no critical sections): thread-pool.test.
module attributes {aiopt.thread_pool} {
  omp.critical.declare @guard
  func.func @model(%buf: memref<4xf32>) {
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    omp.parallel {
      omp.critical(@guard) {
        memref.store %one, %buf[%c0] : memref<4xf32>
        omp.terminator
      }
      omp.terminator
    }
    return
  }
}
