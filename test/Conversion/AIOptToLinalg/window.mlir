// RUN: aiopt-opt %s --convert-aiopt-to-linalg -split-input-file | FileCheck %s

// Grouped, strided, padded conv: pad the input, split channels into
// (group, channel) on input, filter, bias and output, start from the bias
// and contract over (channel, kernel) with `out * stride + offset` access.
// The output's last position loop (d7) is innermost, after the reduction
// loops, so the inner loop walks consecutive outputs.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2)>
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
// CHECK-LABEL: func @conv_grouped
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: } : tensor<?x4x5x5xf32> to tensor<?x4x7x7xf32>
// CHECK: %[[X:.*]] = tensor.expand_shape %[[P]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.*}}, 2, 2, 7, 7]
// CHECK: %[[F:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.*}}]
// CHECK: %[[C:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[W]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%[[X]], %[[F]] : tensor<?x2x2x7x7xf32>, tensor<2x3x2x3x3xf32>) outs(%[[INIT]] : tensor<?x2x3x3x3xf32>)
// CHECK: tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x3x3x3xf32> into tensor<?x6x3x3xf32>
func.func @conv_grouped(%x: tensor<?x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x3x3xf32> {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : tensor<?x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>
  return %0 : tensor<?x6x3x3xf32>
}

// -----

// Average pooling without counting pads divides by a per-position count
// (4 in corners, 6 on edges, 9 inside for a 3x3 window over 4x4). The sum
// is over the window's taps: the padded input's slice at each offset (of
// the output's shape), added elementwise to the previous taps' sum.
// CHECK-LABEL: func @avgpool
// CHECK: %[[P:.*]] = tensor.pad
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK: %[[T1:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 1] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[T0]], %[[T1]] : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>)
// CHECK: arith.addf
// CHECK-COUNT-6: arith.addf
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK: arith.addf
// CHECK-NOT: reduction
// CHECK: %[[COUNT:.*]] = arith.constant dense<{{\[}}[4.000000e+00, 6.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[COUNT]] : tensor<1x2x4x4xf32>, tensor<4x4xf32>)
// CHECK: arith.divf
func.func @avgpool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %0 = aiopt.pool average %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Max pooling pads with -inf; ceil mode pads the end further so the last
// window is in bounds. The taps combine as a balanced tree: taps 0 and 1,
// taps 2 and 3, then the two maxima (not a chain of dependent maxima).
// CHECK-LABEL: func @maxpool_ceil
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: %[[T0:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: %[[T1:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: %[[T2:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: %[[T3:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: %[[M01:.*]] = linalg.generic {{.*}} ins(%[[T0]], %[[T1]] :
// CHECK: arith.maximumf
// CHECK: %[[M23:.*]] = linalg.generic {{.*}} ins(%[[T2]], %[[T3]] :
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} ins(%[[M01]], %[[M23]] :
// CHECK: arith.maximumf
func.func @maxpool_ceil(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = aiopt.pool max %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Max pooling of uint8: padded with 0 (the lowest uint8), unsigned max.
// CHECK-LABEL: func @max_pool_u8
// CHECK: tensor.pad
// CHECK:   tensor.yield %c0_i8 : i8
// CHECK: linalg.generic
// CHECK:   arith.maxui
func.func @max_pool_u8(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x4x4xui8> {
  %0 = aiopt.pool max %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xui8>
  return %0 : tensor<1x1x4x4xui8>
}

// -----

// A window of more than 16 elements (a global 5x5 average) stays one
// reduction over the window offsets, the output's last loop innermost.
// CHECK-LABEL: func @avgpool_large_window
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK: arith.divf
func.func @avgpool_large_window(%x: tensor<1x3x5x5xf32>) -> tensor<1x3x1x1xf32> {
  %0 = aiopt.pool average %x {kernel_shape = array<i64: 5, 5>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

// One group: im2col. The padded input's windows are gathered into
// [N, C*KH*KW, OH*OW] and the filter, as a [M, C*KH*KW] matrix, contracts
// with it into [N, M, OH*OW], which is the NCHW result reshaped.
// CHECK-DAG: #[[GATHER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @conv_im2col
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[GATHER]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]] : tensor<?x3x8x8xf32>) outs(%{{.*}} : tensor<?x3x3x3x3x3xf32>)
// CHECK: %[[COL:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<?x3x3x3x3x3xf32> into tensor<?x27x9xf32>
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[W]], %[[COL]] : tensor<4x27xf32>, tensor<?x27x9xf32>) outs(%{{.*}} : tensor<?x4x9xf32>)
// CHECK: tensor.expand_shape %[[R]] {{\[}}[0], [1], [2, 3]] output_shape [%{{.*}}, 4, 3, 3] : tensor<?x4x9xf32> into tensor<?x4x3x3xf32>
func.func @conv_im2col(%x: tensor<?x3x6x6xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x3x3xf32> {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  return %0 : tensor<?x4x3x3xf32>
}

// -----

// A 1x1 convolution with unit strides reads its input in place.
// CHECK-LABEL: func @conv_1x1
// CHECK-NOT: tensor.pad
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<1x8x5x5xf32> into tensor<1x8x25xf32>
// CHECK-NOT: linalg.generic {{.*}}ins(%arg0
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[X]] : tensor<16x8xf32>, tensor<1x8x25xf32>) outs(%{{.*}} : tensor<1x16x25xf32>)
func.func @conv_1x1(%x: tensor<1x8x5x5xf32>, %w: tensor<16x8x1x1xf32>) -> tensor<1x16x5x5xf32> {
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x8x5x5xf32>, tensor<16x8x1x1xf32>
  return %0 : tensor<1x16x5x5xf32>
}

// -----

// Depthwise: one elementwise multiply-add per window tap, reading the
// strided slice of the padded input that tap sees and the tap's weight per
// channel; the running sum (from the bias) is an input, so elementwise
// fusion can join the nine taps.
// CHECK-LABEL: func @conv_depthwise
// CHECK: %[[P:.*]] = tensor.pad
// CHECK: %[[SUM0:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<4xf32>)
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<4x1x3x3xf32> into tensor<4x9xf32>
// CHECK: %[[X0:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [1, 4, 3, 3] [1, 1, 2, 2]
// CHECK: %[[W0:.*]] = tensor.extract_slice %[[W]][0, 0] [4, 1] [1, 1]
// CHECK: %[[SUM1:.*]] = linalg.generic {{.*}} ins(%[[X0]], %[[W0]], %[[SUM0]] :
// CHECK: tensor.extract_slice %[[P]][0, 0, 0, 1] [1, 4, 3, 3] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[P]][0, 0, 2, 2] [1, 4, 3, 3] [1, 1, 2, 2]
// CHECK: %[[W8:.*]] = tensor.extract_slice %[[W]][0, 8] [4, 1] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[W8]], %{{.*}} :
// CHECK-NOT: reduction
func.func @conv_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x3x3xf32> {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

// A unit-stride convolution reads shifted windows of its padded input: the
// window's three column offsets are gathered first (copy j holds the
// padded columns j .. j + 27 of every padded row: 3 x 8 x 28, flat 672),
// then the flat copies are read at q + 56 kh + 224 kw (dilation 2 along
// rows: two rows of 28), for exactly the 4 x 28 output positions.
// CHECK-DAG: #[[GATHER:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d2 + d4)>
// CHECK-DAG: #[[XMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 56 + d5 * 224)>
// CHECK-LABEL: func @conv_shifted_windows
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[COPIES:.*]] = linalg.generic {indexing_maps = [#[[GATHER]], #{{.*}}], {{.*}} ins(%[[PAD]] : tensor<1x3x8x30xf32>) outs(%{{.*}} : tensor<1x3x3x8x28xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[COPIES]] {{\[}}[0], [1], [2, 3, 4]] : tensor<1x3x3x8x28xf32> into tensor<1x3x672xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[XMAP]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%arg1, %[[FLAT]] : tensor<4x3x3x3xf32>, tensor<1x3x672xf32>) outs(%{{.*}} : tensor<1x4x112xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[SUM]] {{\[}}[0], [1], [2, 3]] output_shape [1, 4, 4, 28]
// CHECK-NOT: tensor.extract_slice
// CHECK: return %[[OUT]]
func.func @conv_shifted_windows(%x: tensor<1x3x6x28xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x28xf32> {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 1>, group = 1 : i64} : tensor<1x3x6x28xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  return %0 : tensor<1x4x4x28xf32>
}

// -----

// Three spatial dimensions: the last one's offsets are gathered (copies of
// 7 x 22 x 8: one more padded plane for the reads past the last), the
// middle one is read padded, so 22 columns are computed per output row of
// 20 (a tenth more) and the 2 past it dropped.
// CHECK-DAG: #[[XMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d3, d2 + d4 * 176 + d5 * 8 + d6 * 1232)>
// CHECK-LABEL: func @conv_shifted_windows_3d
// CHECK: tensor.pad %arg0 low[0, 0, 1, 1, 1] high[0, 0, 2, 1, 1]
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3, 4, 5]] : tensor<1x2x3x7x22x8xf32> into tensor<1x2x3696xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[XMAP]], #{{.*}}], {{.*}} outs(%{{.*}} : tensor<1x3x704xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3, 4]] output_shape [1, 3, 4, 22, 8]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0, 0] [1, 3, 4, 20, 8] [1, 1, 1, 1, 1]
func.func @conv_shifted_windows_3d(%x: tensor<1x2x4x20x8xf32>, %w: tensor<3x2x3x3x3xf32>) -> tensor<1x3x4x20x8xf32> {
  %0 = aiopt.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 1, 1, 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : tensor<1x2x4x20x8xf32>, tensor<3x2x3x3x3xf32>
  return %0 : tensor<1x3x4x20x8xf32>
}

// -----

// Outputs of fewer than 64 positions (here 6 x 4) keep the gathered
// (im2col) form, which the CPU tiler computes transposed, and so do
// three-dimensional ones whose padded middle rows are much wider than the
// output's (6 columns computed for 4: half as much again; more than a
// tenth extra is refused).
// CHECK-LABEL: func @conv_narrow_rows
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x3x3x3x6x4xf32> into tensor<1x27x24xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3, 4], [5, 6, 7]] : tensor<1x2x3x3x3x4x4x8xf32> into tensor<1x54x128xf32>
func.func @conv_narrow_rows(%x: tensor<1x3x6x6xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>, %y: tensor<1x2x4x4x8xf32>, %v: tensor<3x2x3x3x3xf32>) -> (tensor<1x4x6x4xf32>, tensor<1x3x4x4x8xf32>) {
  %0 = aiopt.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 2>, group = 1 : i64} : tensor<1x3x6x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  %1 = aiopt.conv %y, %v {strides = array<i64: 1, 1, 1>, pads = array<i64: 1, 1, 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : tensor<1x2x4x4x8xf32>, tensor<3x2x3x3x3xf32>
  return %0, %1 : tensor<1x4x6x4xf32>, tensor<1x3x4x4x8xf32>
}

// -----

// A stride-2 first layer (three channels: a reduction of 3 x 7 x 7 = 147,
// at most 256, over rows of 16 outputs or more; more than one channel)
// keeps the direct loops,
// reading its padded input at 2 o + k, instead of an im2col gather.
// CHECK-DAG: #[[XMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>
// CHECK-LABEL: func @conv_first_layer
// CHECK-NOT: tensor.collapse_shape {{.*}} into tensor<1x147
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x3x38x38xf32>, tensor<1x8x3x7x7xf32>)
func.func @conv_first_layer(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x7x7xf32>) -> tensor<1x8x16x16xf32> {
  %0 = aiopt.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 3, 3, 3, 3>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x32x32xf32>, tensor<8x3x7x7xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

// Rows narrower than a vector (8 outputs), more channels (32: a reduction
// of 288; 16 in a 1x1 window) and a single channel keep the im2col gather.
// CHECK-LABEL: func @conv_stride2_gathered
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x3x3x3x8x8xf32> into tensor<1x27x64xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x32x3x3x16x16xf32> into tensor<1x288x256xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x1x3x3x16x16xf32> into tensor<1x9x256xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3, 4, 5]] : tensor<1x16x1x1x16x16xf32> into tensor<1x16x256xf32>
func.func @conv_stride2_gathered(%x: tensor<1x3x16x16xf32>, %w: tensor<8x3x3x3xf32>, %y: tensor<1x32x32x32xf32>, %v: tensor<8x32x3x3xf32>, %g: tensor<1x1x32x32xf32>, %u: tensor<8x1x3x3xf32>, %s: tensor<1x16x32x32xf32>, %t: tensor<8x16x1x1xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) {
  %0 = aiopt.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>
  %1 = aiopt.conv %y, %v {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x32x32x32xf32>, tensor<8x32x3x3xf32>
  %2 = aiopt.conv %g, %u {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x1x32x32xf32>, tensor<8x1x3x3xf32>
  %3 = aiopt.conv %s, %t {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x16x32x32xf32>, tensor<8x16x1x1xf32>
  return %0, %1, %2, %3 : tensor<1x8x8x8xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>
}

// -----

// Mixed precision: the shifted windows and im2col's gathered columns stay
// f16 (half the bytes); the products widen them into the f32 sum started
// from the f32 bias.
// CHECK-LABEL: func @conv_f16_accumulate_f32
// CHECK: tensor.pad %arg0
// CHECK: } : tensor<1x3x6x28xf16> to tensor<1x3x8x30xf16>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x3x8x30xf16>) outs(%{{.*}} : tensor<1x3x3x8x28xf16>)
// CHECK: linalg.generic {{.*}} ins(%arg1, %{{.*}} : tensor<4x3x3x3xf16>, tensor<1x3x672xf16>) outs(%{{.*}} : tensor<1x4x168xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x3x8x8xf16>) outs(%{{.*}} : tensor<1x3x3x3x3x3xf16>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x27xf16>, tensor<1x27x9xf16>) outs(%{{.*}} : tensor<1x4x9xf32>)
func.func @conv_f16_accumulate_f32(%x: tensor<1x3x6x28xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<4xf32>, %y: tensor<1x3x6x6xf16>) -> (tensor<1x4x6x28xf32>, tensor<1x4x3x3xf32>) {
  %0 = aiopt.conv %x, %w, %b {accumulate = f32, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x6x28xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>
  %1 = aiopt.conv %y, %w, %b {accumulate = f32, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : tensor<1x3x6x6xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>
  return %0, %1 : tensor<1x4x6x28xf32>, tensor<1x4x3x3xf32>
}
