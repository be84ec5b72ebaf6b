// RUN: aiopt-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_mismatch(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{operand shapes [2, 3] and [4] are not broadcast-compatible}}
  %0 = aiopt.add %a, %b : tensor<2x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @element_type_mismatch(%a: tensor<3xf32>, %b: tensor<3xf64>) {
  // expected-error@+1 {{operand element types differ: 'f32' vs 'f64'}}
  %0 = aiopt.mul %a, %b : tensor<3xf32>, tensor<3xf64>
  return
}

// -----

func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{contracting dimensions differ: 3 vs 4}}
  %0 = aiopt.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<3xf32>, %b: tensor<3x5xf32>) {
  // expected-error@+1 {{operands must have rank >= 2}}
  %0 = aiopt.matmul %a, %b : tensor<3xf32>, tensor<3x5xf32>
  return
}

// -----

func.func @gemm_c(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<3xf32>) {
  // expected-error@+1 {{C of shape [3] does not broadcast to [2, 4]}}
  %0 = aiopt.gemm %a, %b, %c : tensor<2x3xf32>, tensor<3x4xf32>, tensor<3xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{input channels 3 != filter channels 2 x group 1}}
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error@+1 {{group 4 does not divide the output channels 6}}
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64} : tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'pads' has 2 entries, expected 4}}
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_missing_attr(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{missing attribute 'strides'}}
  %0 = aiopt.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @pool_pads(%x: tensor<1x3x8x8xf32>) {
  // expected-error@+1 {{pads must be smaller than the kernel}}
  %0 = aiopt.pool max %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 2, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x3x8x8xf32>
  return
}

// -----

func.func @batch_norm_params(%x: tensor<1x3x8x8xf32>, %p: tensor<4xf32>) {
  // expected-error@+1 {{parameters must be 1-D with one entry per channel (3)}}
  %0 = aiopt.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f32} : tensor<1x3x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axes must be sorted, unique and in [0, 2)}}
  %0 = aiopt.reduce sum %x {axes = array<i64: 2>} : tensor<2x3xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'aiopt.softmax' op axis 2 out of range}}
  %0 = aiopt.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'aiopt.reshape' op element count changes from 6 to 8}}
  %0 = aiopt.reshape %x : tensor<2x3xf32> to tensor<8xf32>
  return
}

// -----

func.func @reshape_two_dynamic(%x: tensor<?x?xf32>) {
  // expected-error@+1 {{'aiopt.reshape' op at most one result dimension may be dynamic}}
  %0 = aiopt.reshape %x : tensor<?x?xf32> to tensor<?x2x?xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{perm is not a permutation}}
  %0 = aiopt.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error@+1 {{operands differ in dimension 1}}
  %0 = aiopt.concat %a, %b {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<4xf32>) {
  // expected-error@+1 {{bounds of dimension 0 are not normalized to its extent 4}}
  %0 = aiopt.slice %x {starts = array<i64: 0>, ends = array<i64: 9>, steps = array<i64: 1>} : tensor<4xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<4xf32>, %i: tensor<2xi64>) {
  // expected-error@+1 {{axis 1 out of range}}
  %0 = aiopt.gather %x, %i {axis = 1 : i64} : tensor<4xf32>, tensor<2xi64>
  return
}

// -----

func.func @clip_bounds(%x: tensor<4xf32>) {
  // expected-error@+1 {{'aiopt.clip' op min 6.000000e+00 exceeds max 0.000000e+00}}
  %0 = aiopt.clip %x {min = 6.0 : f64, max = 0.0 : f64} : tensor<4xf32>
  return
}

// -----

func.func @cast_shape(%x: tensor<4xf32>) {
  // expected-error@+1 {{'aiopt.cast' op all non-scalar operands/results must have the same shape}}
  %0 = aiopt.cast %x : tensor<4xf32> to tensor<3xi64>
  return
}

// -----

func.func @relu_int(%x: tensor<4xi64>) {
  // expected-error@+1 {{'aiopt.relu' op operand #0 must be ranked tensor of floating-point values}}
  %0 = aiopt.relu %x : tensor<4xi64>
  return
}

// -----

func.func @conv_negative_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{pads must be non-negative}}
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @pool_zero_stride(%x: tensor<1x3x8x8xf32>) {
  // expected-error@+1 {{strides and dilations must be positive}}
  %0 = aiopt.pool max %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x3x8x8xf32>
  return
}

// -----

func.func @l2_int(%x: tensor<4xi32>) {
  // expected-error@+1 {{'aiopt.reduce' op reduction 'l2' needs a float element type}}
  %0 = aiopt.reduce l2 %x {axes = array<i64: 0>} : tensor<4xi32>
  return
}

// -----

func.func @arg_axis(%x: tensor<4xf32>) {
  // expected-error@+1 {{axis 1 out of range}}
  %0 = aiopt.arg_reduce max %x {axis = 1 : i64} : tensor<4xf32>
  return
}

// -----

func.func @arg_kind(%x: tensor<4xf32>) {
  // expected-error@+1 {{'aiopt.arg_reduce' op kind must be max or min}}
  %0 = aiopt.arg_reduce sum %x {axis = 0 : i64} : tensor<4xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error@+1 {{scale and bias must broadcast to the input [2, 8], got [4]}}
  %0:3 = aiopt.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : tensor<2x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @expand_bad(%x: tensor<3xf32>) {
  // expected-error@+1 {{'aiopt.expand' op cannot broadcast [3] to [4]}}
  %0 = aiopt.expand %x : tensor<3xf32> to tensor<4xf32>
  return
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) {
  // expected-error@+1 {{'aiopt.trilu' op input must have rank >= 2}}
  %0 = aiopt.trilu %x {upper = true} : tensor<4xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<2x5xf32>, %i: tensor<3xi64>) {
  // expected-error@+1 {{indices have rank 1, data has rank 2}}
  %0 = aiopt.gather_elements %x, %i {axis = 1 : i64} : tensor<2x5xf32>, tensor<3xi64>
  return
}

// -----

func.func @gather_elements_extent(%x: tensor<2x5xf32>, %i: tensor<3x1xi64>) {
  // expected-error@+1 {{indices extent 3 exceeds data extent 2 in dimension 0}}
  %0 = aiopt.gather_elements %x, %i {axis = 1 : i64} : tensor<2x5xf32>, tensor<3x1xi64>
  return
}

// -----

func.func @and_float(%a: tensor<3xf32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of signless integer or unsigned integer values}}
  %0 = aiopt.and %a, %a : tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @einsum_rank(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{term 'ijk' does not match rank 2}}
  %0 = aiopt.einsum %a {equation = "ijk->i"} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @einsum_extent(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{letter 'j' has extents 3 and 4}}
  %0 = aiopt.einsum %a, %b {equation = "ij,jk->ik"} : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @top_k_too_many(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{k = 5 exceeds the extent along the axis}}
  %v, %i = aiopt.top_k %x {axis = 1 : i64, k = 5 : i64} : tensor<3x4xf32> -> tensor<3x5xf32>, tensor<3x5xi64>
  return
}

// -----

func.func @gather_nd_shape(%x: tensor<2x3xf32>, %i: tensor<4x1xi64>) {
  // expected-error@+1 {{result must have shape indices.shape[:-1] ++ data.shape[batch_dims + k:]}}
  %0 = aiopt.gather_nd %x, %i : tensor<2x3xf32>, tensor<4x1xi64> -> tensor<4x2xf32>
  return
}

// -----

func.func @scatter_shapes(%x: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<3xf32>) {
  // expected-error@+1 {{indices and updates must have one shape}}
  %0 = aiopt.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = 0 : i32} : tensor<4xf32>, tensor<2xi64>, tensor<3xf32>
  return
}

// -----

func.func @cumulative_kind(%x: tensor<4xf32>) {
  // expected-error@+1 {{kind must be sum or prod}}
  %0 = aiopt.cumulative max %x {axis = 0 : i64} : tensor<4xf32>
  return
}

// -----

func.func @bitcast_width(%x: tensor<4xf32>) {
  // expected-error@+1 {{element types 'f32' and 'i16' differ in width}}
  %0 = aiopt.bitcast %x : tensor<4xf32> to tensor<4xi16>
  return
}

// -----

func.func @resize_params(%x: tensor<1x2xf32>) {
  // expected-error@+1 {{needs one coordinate scale and offset per dimension}}
  %0 = aiopt.resize %x {mode = 4 : i32, coord_scale = array<f64: 1.0>, coord_offset = array<f64: 0.0, 0.0>} : tensor<1x2xf32> to tensor<1x4xf32>
  return
}

// -----

func.func @grid_sample_grid(%x: tensor<1x2x4x5xf32>, %g: tensor<1x3x6x3xf32>) {
  // expected-error@+1 {{needs an input [N, C, D1..Dk] and a grid [N, O1..Ok, k]}}
  %0 = aiopt.grid_sample %x, %g {mode = 4 : i32, padding_mode = 0 : i32, align_corners = false} : tensor<1x2x4x5xf32>, tensor<1x3x6x3xf32> -> tensor<1x2x3x6xf32>
  return
}

// -----

func.func @grid_sample_result(%x: tensor<1x2x4x5xf32>, %g: tensor<1x3x6x2xf32>) {
  // expected-error@+1 {{result must be [N, C, O1..Ok] of the input's element type}}
  %0 = aiopt.grid_sample %x, %g {mode = 4 : i32, padding_mode = 0 : i32, align_corners = false} : tensor<1x2x4x5xf32>, tensor<1x3x6x2xf32> -> tensor<1x2x6x3xf32>
  return
}

// -----

func.func @nonzero_rank0(%x: tensor<f32>) {
  // expected-error@+1 {{needs an input of rank 1 or more}}
  %0 = aiopt.nonzero %x : tensor<f32> -> tensor<0x?xi64>
  return
}

// -----

func.func @compress_static(%x: tensor<3x2xf32>, %c: tensor<3xi1>) {
  // expected-error@+1 {{result must be the input with a dynamic extent along the axis}}
  %0 = aiopt.compress %x, %c {axis = 0 : i64} : tensor<3x2xf32>, tensor<3xi1> -> tensor<2x2xf32>
  return
}

// -----

func.func @avg_pool_int(%x: tensor<1x1x4x4xi8>) {
  // expected-error@+1 {{average pooling needs a float element type}}
  %0 = aiopt.pool average %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xi8>
  return
}

// -----

func.func @resize_antialias_range(%x: tensor<1x8xf32>) {
  // expected-error@+1 {{antialias scales must be in (0, 1]}}
  %0 = aiopt.resize %x {mode = 4 : i32, coord_scale = array<f64: 1.0, 2.0>, coord_offset = array<f64: 0.0, 0.5>, antialias_scale = array<f64: 1.0, 2.0>} : tensor<1x8xf32> to tensor<1x4xf32>
  return
}

// -----

func.func @clip_epilogue_params(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{activation clip takes 2 parameters, not 1}}
  %0 = aiopt.matmul %a, %b {activation = 1 : i32, activation_params = array<f64: 0.0>} : tensor<3x4xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @int_epilogue(%a: tensor<3x4xi32>, %b: tensor<4x5xi32>) {
  // expected-error@+1 {{activation needs a float result}}
  %0 = aiopt.matmul %a, %b {activation = 0 : i32} : tensor<3x4xi32>, tensor<4x5xi32>
  return
}

// -----

func.func @matmul_bias_shape(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>, %bias: tensor<3xf32>) {
  // expected-error@+1 {{bias of shape [3] does not broadcast to the result}}
  %0 = aiopt.matmul %a, %b, %bias : tensor<3x4xf32>, tensor<4x5xf32>, tensor<3xf32>
  return
}

// -----

func.func @params_without_activation(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{has activation parameters but no activation}}
  %0 = aiopt.matmul %a, %b {activation_params = array<f64: 0.0>} : tensor<3x4xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @clip_bounds(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{clip minimum exceeds its maximum}}
  %0 = aiopt.gemm %a, %b {activation = 1 : i32, activation_params = array<f64: 6.0, 0.0>} : tensor<3x4xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @attention_depth(%q: tensor<2x4x16xf32>, %kt: tensor<2x8x4xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error@+1 {{query depth 16 differs from key depth 8}}
  %0 = aiopt.attention %q, %kt, %v {scale = 1.0 : f32} : tensor<2x4x16xf32>, tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x4x16xf32>, %kt: tensor<3x16x4xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error@+1 {{batch dimension 0 differs between operands}}
  %0 = aiopt.attention %q, %kt, %v {scale = 1.0 : f32} : tensor<2x4x16xf32>, tensor<3x16x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @attention_mask(%q: tensor<2x4x16xf32>, %kt: tensor<2x16x4xf32>, %v: tensor<2x4x8xf32>, %m: tensor<4x3xf32>) {
  // expected-error@+1 {{mask of shape [4, 3] does not broadcast to the scores [2, 4, 4]}}
  %0 = aiopt.attention %q, %kt, %v, %m {scale = 1.0 : f32} : tensor<2x4x16xf32>, tensor<2x16x4xf32>, tensor<2x4x8xf32>, tensor<4x3xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @attention_result(%q: tensor<2x4x16xf32>, %kt: tensor<2x16x4xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error@+1 {{result must be [batch..., Lq, Dv]}}
  %0 = aiopt.attention %q, %kt, %v {scale = 1.0 : f32} : tensor<2x4x16xf32>, tensor<2x16x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x16xf32>
  return
}

// -----

// Quantized convolutions take 8-bit input and filter together.
func.func @conv_mixed_int8(%x: tensor<1x2x4x4xi8>, %w: tensor<2x2x1x1xf32>) {
  // expected-error @+1 {{input and filter must be of one float type, 8-bit integers or i32}}
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x2x4x4xi8>, tensor<2x2x1x1xf32>
  return
}

// -----

// An 8-bit matmul accumulates in i32; the activation epilogue is float.
func.func @int8_matmul_activation(%a: tensor<2x4xi8>, %b: tensor<4x3xi8>) {
  // expected-error @+1 {{activation needs a float result}}
  %0 = aiopt.matmul %a, %b {activation = 0 : i32} : tensor<2x4xi8>, tensor<4x3xi8>
  return
}

// -----

func.func @check_indices_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{axis 2 is out of range for data of rank 2}}
  %0 = aiopt.check_indices %x, %i {axis = 2 : i64, site = "g"} : tensor<2x3xf32>, tensor<4xi64>
  return
}

// -----

func.func @check_indices_tuple_dynamic(%x: tensor<2x3xf32>, %i: tensor<4x?xi64>) {
  // expected-error @+1 {{index tuples need a static last dimension}}
  %0 = aiopt.check_indices %x, %i {axis = 0 : i64, tuple, site = "g"} : tensor<2x3xf32>, tensor<4x?xi64>
  return
}

// -----

func.func @check_indices_tuple_rank(%x: tensor<2x3xf32>, %i: tensor<4x2xi64>) {
  // expected-error @+1 {{tuples of 2 from axis 1 do not fit data of rank 2}}
  %0 = aiopt.check_indices %x, %i {axis = 1 : i64, tuple, site = "g"} : tensor<2x3xf32>, tensor<4x2xi64>
  return
}

// -----

// Mixed precision (accumulate = f32) takes f16 or bf16 operands only.
func.func @accumulate_f32_operands(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{accumulate = 'f32' needs f16 or bf16 operands and f32 (got 'f32')}}
  %0 = aiopt.matmul %a, %b {accumulate = f32} : tensor<3x4xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @accumulate_f64(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>) {
  // expected-error@+1 {{accumulate = 'f64' needs f16 or bf16 operands and f32 (got 'f16')}}
  %0 = aiopt.matmul %a, %b {accumulate = f64} : tensor<3x4xf16>, tensor<4x5xf16>
  return
}

// -----

func.func @accumulate_int8(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  // expected-error@+1 {{accumulate = 'f32' needs f16 or bf16 operands and f32 (got 'i32')}}
  %0 = aiopt.conv %x, %w {accumulate = f32, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>
  return
}

// -----

func.func @conv_bias_type(%x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<4xf16>) {
  // expected-error@+1 {{bias must be 1-D of size 4 and of the result type}}
  %0 = aiopt.conv %x, %w, %b {accumulate = f32, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf16>
  return
}

// -----

func.func @matmul_bias_type(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>, %bias: tensor<5xf16>) {
  // expected-error@+1 {{bias element type 'f16' is not the result's, 'f32'}}
  %0 = aiopt.matmul %a, %b, %bias {accumulate = f32} : tensor<3x4xf16>, tensor<4x5xf16>, tensor<5xf16>
  return
}

// -----

func.func @gemm_c_type(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>, %c: tensor<5xf16>) {
  // expected-error@+1 {{C element type 'f16' is not the result's, 'f32'}}
  %0 = aiopt.gemm %a, %b, %c {accumulate = f32} : tensor<3x4xf16>, tensor<4x5xf16>, tensor<5xf16>
  return
}

// -----

func.func @gemm_mixed_operands(%a: tensor<3x4xf16>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{A and B element types differ}}
  %0 = aiopt.gemm %a, %b : tensor<3x4xf16>, tensor<4x5xf32>
  return
}
