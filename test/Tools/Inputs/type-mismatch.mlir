func.func @main(%x: tensor<2xf32>) -> tensor<3xf32> {
  %0 = aiopt.relu %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
