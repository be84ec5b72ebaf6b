#!/bin/sh
# CUDA end-to-end checks and benchmark, for a GPU on another machine.
#
#   scripts/gpu-check.sh build DIR [sm_90]   (here: aiopt built in build/;
#                                             FAMILIES="mlp cnn" picks the
#                                             models, NO_NODE=1 skips the node
#                                             suite, NODE_CASES="test_conv*
#                                             test_gemm*" takes only the
#                                             cases those patterns name,
#                                             PRECISION=f16|bf16|tf32 compiles
#                                             the models and the benchmark
#                                             so, their products on tensor
#                                             cores (`products` has three);
#                                             give it to run as well;
#                                             RANDOM_SEEDS=N random models
#                                             of scripts/random-check.py
#                                             (default 48);
#                                             VARIANTS="LABEL=FLAGS;..."
#                                             replaces bench/gpu.py's
#                                             variants, "" leaves them out)
#   scripts/gpu-check.sh run DIR [sm_90]     (on the GPU machine: python3 with
#                                             numpy, onnx, ml_dtypes and
#                                             onnxruntime; no compiler;
#                                             ENV_VARIANTS="LABEL[@VARIANT]=
#                                             VAR=VALUE;..." replaces the
#                                             runtime's variants (CUDA
#                                             graphs), "" leaves them out)
#
# build compiles, for the CUDA target, the end-to-end models of
# integration_test/cuda-run.test and more, the ONNX node suite's cases
# (aiopt-conformance --build-only) and bench/gpu.py's models, and packs the
# programs with the node suite's data into DIR/*.tar.xz (small enough to
# travel). run unpacks them, checks every model against onnxruntime on the
# CPU, the node cases against their reference outputs (a case that passes on
# the CPU and not on the GPU is a REGRESSION) and, when onnxruntime has the
# CUDA execution provider, runs bench/gpu.py. The exit status is non-zero
# when a check fails.
set -eu
step=$1 dir=$2 arch=${3:-sm_90}
root=$(cd "$(dirname "$0")/.." && pwd)
families=${FAMILIES:-"mlp cnn transformer aliasing bert mobilenetv2 products light_squeezenet light_shufflenet light_inception_v1"}
case $step in
build)
  python=${AIOPT_PYTHON:-$root/.venv/bin/python}
  rm -rf "$dir/work" && mkdir -p "$dir/work/models"
  for f in $families; do
    "$python" "$root/integration_test/lib/models.py" $f "$dir/work/models/$f" --compile-only \
      --target=cuda --gpu-arch=$arch ${PRECISION:+--precision=$PRECISION}
  done
  # PTX compiled by the driver for a newer GPU.
  "$python" "$root/integration_test/lib/models.py" mlp "$dir/work/models/mlp80" --compile-only \
    --target=cuda --gpu-arch=sm_80
  if [ -z "${NO_NODE:-}" ]; then
    "$python" "$root/tools/aiopt-conformance/onnx_node_suite.py" "$root/build/onnx-node-suite"
    mkdir -p "$dir/work/node-suite"
    for pattern in ${NODE_CASES:-"*"}; do
      cp -r "$root/build/onnx-node-suite/"$pattern "$dir/work/node-suite/"
    done
    "$root/build/bin/aiopt-conformance" -j "$(nproc)" --target=cuda --gpu-arch=$arch \
      --timeout 300 --build-only "$dir/work/node" "$dir/work/node-suite" | tail -1
  fi
  # Random valid models (scripts/random-check.py), compared with
  # onnxruntime on the GPU machine: RANDOM_SEEDS of them (default 48).
  # A model that fails to compile stops the build (its line is printed).
  "$python" "$root/scripts/random-check.py" "$dir/work/random" --seeds "0:${RANDOM_SEEDS:-48}" \
    --target cuda --compile-only -- --gpu-arch=$arch ${PRECISION:+--precision=$PRECISION} \
    > "$dir/random-build.log" || { grep -v '^BUILT' "$dir/random-build.log"; exit 1; }
  tail -1 "$dir/random-build.log"
  # The benchmark also times programs without one optimization each (each
  # variant's time over the default's; unmeasured on a GPU so far): the
  # GPU fusion, narrow tiles, reading around padding, and 8 x 8 blocks of
  # outputs per thread (CUDA's default is 4 x 4); and f32 products on TF32
  # tensor cores (mma.sync; to set beside onnxruntime's TF32 default), in
  # tiles shrunk towards 128 workgroups (BERT's: mostly 32 x 32, a 16 x 16
  # block per warp) and, as tf32-64, kept 64 x 64 (K split further); and
  # products whose K is never split (no zero fill and no epilogue kernel
  # per split product: 38 launches become 24 in a one-layer BERT-base), in
  # f32 and TF32; and products whose split parts meet in a workspace that
  # a second kernel sums with the epilogue (no fill, no epilogue kernel,
  # no atomics: 38 launches become 31), in f32 and TF32.
  default_variants="no-fusion=--skip-pass=aiopt-gpu-fuse-producers;no-merge=--skip-pass=aiopt-merge-products;no-fit=--gpu-tiles=fit-tiles=false;no-read-around=--skip-pass=aiopt-gpu-read-around-padding;thread-tile-8=--gpu-tiles=thread-tile=8;tf32=--precision=tf32;tf32-64=--precision=tf32 --gpu-tiles=target-workgroups=1;no-split=--gpu-tiles=split-k=false;tf32-no-split=--precision=tf32 --gpu-tiles=split-k=false;sums-kernel=--gpu-tiles=split-k-sums=kernel;tf32-sums-kernel=--precision=tf32 --gpu-tiles=split-k-sums=kernel"
  set --
  old_ifs=$IFS IFS=';'
  for v in ${VARIANTS-$default_variants}; do
    [ -n "$v" ] && set -- "$@" --variant "$v"
  done
  IFS=$old_ifs
  "$python" "$root/bench/gpu.py" prepare "$dir/work/bench" --gpu-arch $arch \
    --precision "${PRECISION:-f32}" "$@"
  # Programs and data only (models.py --run-only writes the models again).
  find "$dir/work" \( -name '*.o' -o -name '*.h' -o -name '*-kernels' \) -prune -exec rm -rf {} +
  find "$dir/work/models" -name '*.onnx' -delete
  for part in models node node-suite bench random; do
    [ -d "$dir/work/$part" ] && tar -C "$dir/work" -cf - $part | xz -T0 -6 > "$dir/$part.tar.xz"
  done
  rm -rf "$dir/work"
  ls -l "$dir"
  ;;
run)
  work=${TMPDIR:-/tmp}/aiopt-gpu-check
  rm -rf "$work" && mkdir -p "$work"
  for part in models node node-suite bench random; do
    [ -f "$dir/$part.tar.xz" ] && tar -C "$work" -xJf "$dir/$part.tar.xz"
  done
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  status=0
  for f in $families mlp80; do
    [ -d "$work/models/$f" ] || continue
    python3 "$root/integration_test/lib/models.py" ${f%80} "$work/models/$f" --run-only \
      ${PRECISION:+--precision=$PRECISION} || status=1
    # Again with the inputs and outputs in device memory (aiopt_run_on).
    python3 "$root/integration_test/lib/models.py" ${f%80} "$work/models/$f" --run-only \
      --device-buffers ${PRECISION:+--precision=$PRECISION} || status=1
  done
  # The node cases: those that pass on the CPU must pass here.
  if [ -d "$work/node" ]; then
    (cd "$work" && python3 "$root/tools/aiopt-conformance/aiopt_conformance.py" -j 8 \
      --target=cuda --run-built node --tools-dir none --runtime none --include none \
      --expected "$root/integration_test/onnx-node.expected" \
      --json "${OUT:-$work}/node-cuda.json" node-suite) || status=1
  fi
  # The random models. Reduced precisions round more: a wider tolerance,
  # widest for bf16's 8 bits (on the CPU, seed 1 of them is 5.5 % off in
  # bf16 and seed 13 0.8 % in f16; docs/robustness.md).
  if [ -d "$work/random" ]; then
    seeds=$(ls "$work/random" | sed -n 's/^seed_//p' | sort -n | tail -1)
    case ${PRECISION:-f32} in
    f32) tolerance="" ;;
    bf16) tolerance="--rtol 1e-1 --atol 1e-2" ;;
    *) tolerance="--rtol 2e-2 --atol 1e-3" ;;
    esac
    python3 "$root/scripts/random-check.py" "$work/random" --seeds "0:$((seeds + 1))" \
      --target cuda --run-only $tolerance > "$work/random.log" ||
      status=1
    grep -v '^PASS' "$work/random.log"
  fi
  # Where the time goes: the runtime's profile of a few runs; then the
  # launches again as CUDA graphs of 64, with the launch queue's counts.
  for m in resnet50 bert_base; do
    [ -d "$work/bench/$m" ] || continue
    (cd "$work/bench/$m" && AIOPT_CUDA_PROFILE=1 ./$m.exe . --repeat 5 2>&1 >/dev/null |
      head -26) || status=1
    (cd "$work/bench/$m" && AIOPT_CUDA_PROFILE=launches AIOPT_CUDA_GRAPHS=64 ./$m.exe . \
      --repeat 5 2>&1 >/dev/null | tail -2) || status=1
  done
  # The benchmark also times the default program (and the tf32 variant's,
  # where prepared) with its resident launches queued and replayed as CUDA
  # graphs of up to 16, 64 or 1024 launches (AIOPT_CUDA_GRAPHS; off by
  # default until a GPU measures it).
  default_env="graphs-16=AIOPT_CUDA_GRAPHS=16;graphs-64=AIOPT_CUDA_GRAPHS=64;graphs-1024=AIOPT_CUDA_GRAPHS=1024"
  [ -d "$work/bench/bert_base/variant-tf32" ] &&
    default_env="$default_env;tf32-graphs-64@tf32=AIOPT_CUDA_GRAPHS=64"
  set --
  old_ifs=$IFS IFS=';'
  for v in ${ENV_VARIANTS-$default_env}; do
    [ -n "$v" ] && set -- "$@" --env-variant "$v"
  done
  IFS=$old_ifs
  if [ ! -d "$work/bench" ]; then
    :
  elif python3 -c 'import onnxruntime as o, sys; sys.exit("CUDAExecutionProvider" not in o.get_available_providers())'; then
    python3 "$root/bench/gpu.py" run "$work/bench" --markdown "${OUT:-$work}/gpu-bench.md" \
      "$@" || status=1
  else
    echo "onnxruntime has no CUDA execution provider: aiopt-cuda timings only"
    for m in resnet50 bert_base; do
      (cd "$work/bench/$m" && echo "$m: $(./$m.exe . --repeat 20 | tr '\n' ' ')") || status=1
    done
  fi
  exit $status
  ;;
*)
  echo "usage: $0 build|run DIR [sm_XY]" >&2
  exit 2
  ;;
esac
