// An 8-bit matmul with constant weights, at the linalg phase.
func.func @qmm(%a: tensor<8x64xi8>) -> tensor<8x64xi32> {
  %w = arith.constant dense<3> : tensor<64x64xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<8x64xi32>) -> tensor<8x64xi32>
  %y = linalg.matmul ins(%a, %w : tensor<8x64xi8>, tensor<64x64xi8>) outs(%f : tensor<8x64xi32>) -> tensor<8x64xi32>
  return %y : tensor<8x64xi32>
}
