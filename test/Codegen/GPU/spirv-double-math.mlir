// RUN: aiopt-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(aiopt-gpu-spirv-double-math))" --verify-diagnostics | FileCheck %s
// RUN: aiopt-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(aiopt-gpu-spirv-double-math),aiopt-gpu-spirv-kernel-abi,gpu.module(convert-math-to-spirv),convert-gpu-to-spirv,spirv.module(aiopt-gpu-spirv-exact-doubles))" --verify-diagnostics | FileCheck %s --check-prefix=SPIRV

// f64 exp: round(x log2 e) multiples of ln 2 in two parts off x, a
// polynomial, then 2^k from exponent bits in two factors; beyond the
// range, infinity or 0; NaN stays. f32 exp is left to GLSL.
// CHECK-LABEL: gpu.func @exp
// CHECK-NOT: math.exp {{.*}} : f64
// CHECK-NOT: math.roundeven {{.*}} : f64
// CHECK: arith.constant 0x4330000000000000 : f64
// CHECK-DAG: arith.constant 0.69314718036912382 : f64
// CHECK-DAG: arith.constant 1.9082149292705877E-10 : f64
// CHECK: arith.fptosi {{.*}} : f64 to i64
// CHECK: arith.shrsi
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : i64 to f64
// CHECK: arith.cmpf uno
// CHECK: math.exp {{.*}} : f32
// f64 arithmetic is decorated NoContraction (each op rounds once); f32
// arithmetic is not.
// SPIRV-LABEL: spirv.func @exp
// SPIRV-NOT: spirv.GL.Exp {{.*}} : f64
// SPIRV-NOT: spirv.GL.RoundEven {{.*}} : f64
// SPIRV: spirv.FMul {{.*}} {no_contraction} : f64
// SPIRV: spirv.FSub {{.*}} {no_contraction} : f64
// SPIRV: spirv.GL.Exp {{.*}} : f32
gpu.module @m {
  gpu.func @exp(%x: memref<4xf64>, %y: memref<4xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %x[%i] : memref<4xf64>
    %e = math.exp %v : f64
    memref.store %e, %x[%i] : memref<4xf64>
    %w = memref.load %y[%i] : memref<4xf32>
    %f = math.exp %w : f32
    memref.store %f, %y[%i] : memref<4xf32>
    gpu.return
  }
}

// -----

// f64 log: exponent and mantissa from the bits (subnormals scaled by 2^54),
// the mantissa within sqrt(2) of 1, then the atanh series; -inf at 0, NaN
// below it.
// CHECK-LABEL: gpu.func @log
// CHECK-NOT: math.log
// CHECK: arith.constant 0x4350000000000000 : f64
// CHECK: arith.bitcast {{.*}} : f64 to i64
// CHECK: arith.shrui
// CHECK: arith.constant 1.4142135623730951 : f64
// CHECK: arith.divf
// The quotient's remainder from Dekker's product (2^27 + 1 splits).
// CHECK: arith.constant 0x41A0000002000000 : f64
// CHECK-NOT: math.fma
// CHECK: arith.cmpf oge
// pow: squaring for integer exponents up to 64, exp(y log |x|) otherwise.
// CHECK-LABEL: gpu.func @pow
// CHECK-NOT: math.powf
// CHECK: math.floor
// CHECK: arith.constant 6.400000e+01 : f64
// CHECK-COUNT-7: arith.shrui
// CHECK-NOT: math.roundeven
// CHECK-NOT: math.powf
// CHECK: gpu.return
gpu.module @m {
  gpu.func @log(%x: memref<4xf64>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %x[%i] : memref<4xf64>
    %e = math.log %v : f64
    memref.store %e, %x[%i] : memref<4xf64>
    gpu.return
  }
  gpu.func @pow(%x: memref<4xf64>, %y: memref<4xf64>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %a = memref.load %x[%i] : memref<4xf64>
    %b = memref.load %y[%i] : memref<4xf64>
    %p = math.powf %a, %b : f64
    memref.store %p, %x[%i] : memref<4xf64>
    gpu.return
  }
}

// -----

// f64 rounding to even from additions of 2^52 (lavapipe's f64 RoundEven
// rounds ties toward zero), with x's sign; each addition rounds once.
// f32 keeps GLSL's RoundEven.
// CHECK-LABEL: gpu.func @round
// CHECK: %[[X:.*]] = memref.load %{{.*}} : memref<4xf64>
// CHECK: %[[BIG:.*]] = arith.constant 0x4330000000000000 : f64
// CHECK: %[[SHIFT:.*]] = math.copysign %[[BIG]], %[[X]] : f64
// CHECK: %[[UP:.*]] = arith.addf %[[X]], %[[SHIFT]] : f64
// CHECK: %[[R:.*]] = arith.subf %[[UP]], %[[SHIFT]] : f64
// CHECK: %[[A:.*]] = math.absf %[[X]] : f64
// CHECK: %[[SMALL:.*]] = arith.cmpf olt, %[[A]], %[[BIG]] : f64
// CHECK: %[[S:.*]] = arith.select %[[SMALL]], %[[R]], %[[X]] : f64
// CHECK: math.copysign %[[S]], %[[X]] : f64
// CHECK: math.roundeven %{{.*}} : f32
// SPIRV-LABEL: spirv.func @round
// SPIRV-NOT: spirv.GL.RoundEven {{.*}} : f64
// SPIRV: spirv.FAdd {{.*}} {no_contraction} : f64
// SPIRV: spirv.FSub {{.*}} {no_contraction} : f64
// SPIRV: spirv.GL.RoundEven {{.*}} : f32
gpu.module @m {
  gpu.func @round(%x: memref<4xf64>, %y: memref<4xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %x[%i] : memref<4xf64>
    %r = math.roundeven %v : f64
    memref.store %r, %x[%i] : memref<4xf64>
    %w = memref.load %y[%i] : memref<4xf32>
    %s = math.roundeven %w : f32
    memref.store %s, %y[%i] : memref<4xf32>
    gpu.return
  }
}

// -----

// The other f64 functions: sin, cos and tan (Payne and Hanek's reduction
// by 2/pi in 48 pieces of 24 bits, each product scaled by 2^600 and its
// operand by 2^-600), the inverse trigonometric and the hyperbolic
// functions, erf and log1p, from arithmetic; their f32 forms are left to
// GLSL.
// CHECK-LABEL: gpu.func @functions
// CHECK: arith.constant 2.4099198651028841E-181 : f64
// CHECK-NOT: math.{{(sin|cos|tan|asin|acos|atan|sinh|cosh|tanh|asinh|acosh|atanh|erf|log1p|expm1)}} {{.*}} : f64
// CHECK: math.sin {{.*}} : f32
// SPIRV-LABEL: spirv.func @functions
// SPIRV-NOT: spirv.GL.{{(Sin|Cos|Tan|Asin|Acos|Atan|Sinh|Cosh|Tanh|Asinh|Acosh|Atanh)}} {{.*}} : f64
// SPIRV: spirv.GL.Sin {{.*}} : f32
gpu.module @m {
  gpu.func @functions(%x: memref<16xf64>, %y: memref<4xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %x[%i] : memref<16xf64>
    %0 = math.sin %v : f64
    %1 = math.cos %0 : f64
    %2 = math.tan %1 : f64
    %3 = math.asin %2 : f64
    %4 = math.acos %3 : f64
    %5 = math.atan %4 : f64
    %6 = math.sinh %5 : f64
    %7 = math.cosh %6 : f64
    %8 = math.tanh %7 : f64
    %9 = math.asinh %8 : f64
    %10 = math.acosh %9 : f64
    %11 = math.atanh %10 : f64
    %12 = math.erf %11 : f64
    %13 = math.log1p %12 : f64
    %14 = math.expm1 %13 : f64
    memref.store %14, %x[%i] : memref<16xf64>
    %w = memref.load %y[%i] : memref<4xf32>
    %f = math.sin %w : f32
    memref.store %f, %y[%i] : memref<4xf32>
    gpu.return
  }
}

// -----

// f64 functions GLSL lacks and aiopt does not compute: an error naming
// the kernel and the op.
gpu.module @m {
  gpu.func @atan2(%x: memref<4xf64>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
    %i = gpu.thread_id x
    %v = memref.load %x[%i] : memref<4xf64>
    // expected-error @+1 {{[E201] kernel 'atan2': 'math.atan2' on f64 has no Vulkan form (GLSL.std.450 has it for 16- and 32-bit floats only)}}
    %s = math.atan2 %v, %v : f64
    memref.store %s, %x[%i] : memref<4xf64>
    gpu.return
  }
}
