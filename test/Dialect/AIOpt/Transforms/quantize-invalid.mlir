// RUN: aiopt-opt --aiopt-quantize="mode=static" -split-input-file -verify-diagnostics %s
// RUN: not aiopt-opt --aiopt-quantize="mode=fast" %s 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not aiopt-opt --aiopt-quantize="activation-type=int4" %s 2>&1 | FileCheck %s --check-prefix=TYPE

// MODE: mode 'fast' is not dynamic or static
// TYPE: activation-type 'int4' is not int8 or uint8

// Static quantization needs the calibrated range of every candidate.
func.func @uncalibrated(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %k = aiopt.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{static quantization of a MatMul needs a calibrated activation range}}
  %y = aiopt.matmul %x, %k : tensor<2x2xf32>, tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @bad_range(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %k = aiopt.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{needs a calibrated activation range}}
  %y = aiopt.matmul %x, %k {aiopt.activation_range = array<f64: 2.0, 1.0>} : tensor<2x2xf32>, tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
