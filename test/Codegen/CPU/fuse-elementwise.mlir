// RUN: aiopt-opt %s --split-input-file --aiopt-cpu-fuse-elementwise | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --aiopt-cpu-fuse-elementwise --aiopt-gpu-fuse-producers | FileCheck %s --check-prefix=GPU
// RUN: aiopt-opt %s --split-input-file --aiopt-cpu-fuse-elementwise --aiopt-gpu-fuse-producers=max-recompute=1 | FileCheck %s --check-prefix=ONE

#id2 = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>
#col = affine_map<(m, n) -> (n)>

// A chain of elementwise ops, each read once: one loop nest on every
// target.
// CHECK-LABEL: func.func @chain
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// GPU-LABEL: func.func @chain
// GPU-COUNT-1: linalg.generic
// GPU-NOT: linalg.generic
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %0 = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<4x8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %1 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%0 : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

#id2 = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>

// A row's mean (one division), read by the variance's reduction (the same
// element all along each row) and by the normalization: CPUs keep it (two
// uses, read through broadcasts); GPUs compute it again in both, and it
// is never stored. With max-recompute=1 a two-op producer stays.
// CHECK-LABEL: func.func @row_mean
// CHECK: arith.divf
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK-NOT: arith.divf
// CHECK: linalg.yield
// GPU-LABEL: func.func @row_mean
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// GPU: arith.divf
// GPU: arith.subf
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// GPU: arith.divf
// GPU: arith.subf
// GPU-NOT: linalg.generic
func.func @row_mean(%x: tensor<4x8xf32>, %sum: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x8xf32>) {
  %n = arith.constant 8.0 : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(m) -> (m)>, affine_map<(m) -> (m)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%s: f32, %o: f32):
    %d = arith.divf %s, %n : f32
    linalg.yield %d : f32
  } -> tensor<4xf32>
  %var = linalg.generic {indexing_maps = [#id2, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : tensor<4x8xf32>, tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%a: f32, %m: f32, %acc: f32):
    %c = arith.subf %a, %m : f32
    %sq = arith.mulf %c, %c : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %centered = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<4x8xf32>, tensor<4xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %c = arith.subf %a, %m : f32
    linalg.yield %c : f32
  } -> tensor<4x8xf32>
  return %var, %centered : tensor<4xf32>, tensor<4x8xf32>
}

// -----

#id2 = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>

// ONE-LABEL: func.func @two_ops
// ONE: arith.divf
// ONE: arith.addf
// ONE: linalg.yield
// ONE: linalg.generic
// ONE-NEXT: ^bb0
// ONE-NEXT: arith.mulf
// GPU-LABEL: func.func @two_ops
// GPU-COUNT-1: linalg.generic
// GPU-NOT: linalg.generic
func.func @two_ops(%x: tensor<4x8xf32>, %sum: tensor<4xf32>) -> tensor<4x8xf32> {
  %n = arith.constant 8.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %scale = linalg.generic {indexing_maps = [affine_map<(m) -> (m)>, affine_map<(m) -> (m)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%s: f32, %o: f32):
    %d = arith.divf %s, %n : f32
    %a = arith.addf %d, %eps : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %scale : tensor<4x8xf32>, tensor<4xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#id3 = affine_map<(b, m, n) -> (b, m, n)>
#row3 = affine_map<(b, m, n) -> (b, m)>

// Softmax's exponentials, read by the sum (once each, along the
// reduction) and by the division: GPUs compute them in both.
// CHECK-LABEL: func.func @softmax
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// GPU-LABEL: func.func @softmax
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// GPU: math.exp
// GPU: arith.addf
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// GPU: math.exp
// GPU: arith.divf
// GPU-NOT: linalg.generic
func.func @softmax(%x: tensor<2x4x8xf32>, %max: tensor<2x4xf32>) -> tensor<2x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<2x4x8xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %exp = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %max : tensor<2x4x8xf32>, tensor<2x4xf32>) outs(%e3 : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  } -> tensor<2x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%exp : tensor<2x4x8xf32>) outs(%init : tensor<2x4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%exp, %sum : tensor<2x4x8xf32>, tensor<2x4xf32>) outs(%e3 : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %q = arith.divf %a, %s : f32
    linalg.yield %q : f32
  } -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// Attention's heads: a transpose of the projection feeds the product of
// queries and keys. GPUs fuse it, so the product reads the projection
// through a permuted map; CPUs keep the transpose.
// CHECK-LABEL: func.func @heads
// CHECK: linalg.transpose
// GPU-LABEL: func.func @heads
// GPU-SAME: (%[[Q:.*]]: tensor<4x2x8xf32>, %[[K:.*]]: tensor<2x8x4xf32>)
// GPU-NOT: linalg.transpose
// GPU: linalg.generic {indexing_maps = [#[[QMAP:.*]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// GPU-SAME: ins(%[[Q]], %[[K]] : tensor<4x2x8xf32>, tensor<2x8x4xf32>)
// GPU-NOT: linalg.generic
func.func @heads(%q: tensor<4x2x8xf32>, %k: tensor<2x8x4xf32>) -> tensor<2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<2x4x8xf32>
  %qt = linalg.transpose ins(%q : tensor<4x2x8xf32>) outs(%et : tensor<2x4x8xf32>) permutation = [1, 0, 2]
  %e = tensor.empty() : tensor<2x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>, affine_map<(h, m, n, k) -> (h, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%qt, %k : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%init : tensor<2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  return %s : tensor<2x4x4xf32>
}

// -----

// Attention's context: the product of probabilities and values is
// transposed back (heads inside rows) and collapsed into the next
// projection's rows. No reader takes the transpose (a reshape reads it),
// so on GPUs the product writes the transposed layout itself, from a fill
// of the transposed shape; CPUs keep the transpose.
// CHECK-LABEL: func.func @context
// CHECK: linalg.transpose
// GPU: #[[OUT:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2)>
// GPU-LABEL: func.func @context
// GPU: %[[E:.*]] = tensor.empty() : tensor<4x2x8xf32>
// GPU: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4x2x8xf32>)
// GPU: %[[C:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[OUT:[^ ]*]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// GPU-SAME: outs(%[[F]] : tensor<4x2x8xf32>)
// GPU-NOT: linalg.generic
// GPU: tensor.collapse_shape %[[C]]
func.func @context(%p: tensor<2x4x4xf32>, %v: tensor<2x4x8xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>, affine_map<(h, m, n, k) -> (h, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%init : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8xf32>
  %et = tensor.empty() : tensor<4x2x8xf32>
  %t = linalg.transpose ins(%c : tensor<2x4x8xf32>) outs(%et : tensor<4x2x8xf32>) permutation = [1, 0, 2]
  %r = tensor.collapse_shape %t [[0], [1, 2]] : tensor<4x2x8xf32> into tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

#id2 = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>

// A bias added to a product's operand stays a loop nest of its own on
// every target: fused, it would be computed again for each of the
// product's columns (its operand varies along the reduction).
// CHECK-LABEL: func.func @operand_bias
// CHECK-COUNT-2: linalg.generic
// GPU-LABEL: func.func @operand_bias
// GPU: arith.addf
// GPU: linalg.yield
// GPU: linalg.generic
// GPU-NEXT: ^bb0
// GPU-NEXT: arith.mulf
func.func @operand_bias(%a: tensor<4x8xf32>, %bias: tensor<8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %biased = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %bias : tensor<4x8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %eo = tensor.empty() : tensor<4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%eo : tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%biased, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %p : tensor<4x4xf32>
}

// -----

#id2 = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>
#col = affine_map<(m, n) -> (n)>

// A residual sum after a product's bias (the product kernel's epilogue on
// GPUs), read by a normalization's sum and by its centering: it stays,
// and joins the bias, rather than leave the product's kernel.
// GPU-LABEL: func.func @epilogue_stays
// GPU: linalg.matmul
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// GPU: arith.addf
// GPU: arith.addf
// GPU: linalg.yield
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// GPU-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// GPU-NEXT: arith.addf
// GPU-NEXT: linalg.yield
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// GPU-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// GPU-NEXT: arith.subf
func.func @epilogue_stays(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>, %bias: tensor<4xf32>, %res: tensor<4x4xf32>, %mean: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  %biased = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%p, %bias : tensor<4x4xf32>, tensor<4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%biased, %res : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%x: f32, %r: f32, %o: f32):
    %s = arith.addf %x, %r : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %rows = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sum : tensor<4x4xf32>) outs(%z1 : tensor<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %centered = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sum, %mean : tensor<4x4xf32>, tensor<4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %c = arith.subf %x, %m : f32
    linalg.yield %c : f32
  } -> tensor<4x4xf32>
  return %rows, %centered : tensor<4xf32>, tensor<4x4xf32>
}

// -----

// A broadcast feeding a product's operand stays on every target: fused,
// the product's operand would lose its M dimension (and read the row
// once per K step anyway).
// CHECK-LABEL: func.func @operand_broadcast
// CHECK-COUNT-2: linalg.generic
// GPU-LABEL: func.func @operand_broadcast
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// GPU: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// GPU-SAME: ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x4xf32>)
func.func @operand_broadcast(%row: tensor<8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(m, k) -> (k)>, affine_map<(m, k) -> (m, k)>], iterator_types = ["parallel", "parallel"]}
      ins(%row : tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<4x8xf32>
  %eo = tensor.empty() : tensor<4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%eo : tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %p : tensor<4x4xf32>
}
