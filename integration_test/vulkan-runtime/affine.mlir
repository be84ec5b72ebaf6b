// The kernel of vulkan-runtime.test: y = 2x + 1 over 256 floats, one
// kernel taking (x, y), launched as 4 workgroups of 64.
#id = affine_map<(d0) -> (d0)>
func.func @affine(%a: tensor<256xf32>) -> tensor<256xf32> {
  %c2 = arith.constant 2.0 : f32
  %c1 = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<256xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.mulf %x, %c2 : f32
    %s = arith.addf %m, %c1 : f32
    linalg.yield %s : f32
  } -> tensor<256xf32>
  return %r : tensor<256xf32>
}
