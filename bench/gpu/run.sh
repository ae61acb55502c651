#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool, carry [".device"], after bench/gpu/pack.sh here): unpacks node
# and node_modules, says what the machine has (GPU, CUDA/cuDNN libraries, onnxruntime's CUDA
# provider), then runs the scoring bench on the native kernel and onnxruntime's CPU and CUDA
# providers at 2^16 and 2^20 records, k = 128 (bench/scoringKernel.bench.ts --only onnx). About 3-5
# minutes; the log also goes to $OUT/scoring.log. A CUDA provider that cannot open is reported with
# its reason and the bench goes on with the CPU provider.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}
if [ ! -d node_modules/tsx ] || ! command -v node >/dev/null; then
  tar -C .device -xJf .device/pack.tar.xz || exit 1
  [ -e node_modules ] || ln -s .device/node_modules node_modules
  export PATH=$PWD/.device/node/bin:$PATH
fi
echo "node $(node --version) at $(command -v node); $(nproc) cores"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv 2>&1 | head -3
binding=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
py_ort=$(python3 -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))' 2>/dev/null)
for dir in .device/ort-cuda "$py_ort"; do
  if [ -n "$dir" ] && [ -f "$dir/libonnxruntime_providers_cuda.so" ]; then cp "$dir"/libonnxruntime_providers_*.so "$binding/" && echo "CUDA provider libraries from $dir"; break; fi
done
ls "$binding"
# CUDA runtime, cuBLAS and cuDNN: the image's Python wheels (nvidia-*), else the system's.
libs=$(python3 -c 'import glob, site; print(":".join(sorted({d for p in site.getsitepackages() for d in glob.glob(p + "/nvidia/*/lib")})))' 2>/dev/null)
export LD_LIBRARY_PATH=${libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
ldconfig -p 2>/dev/null | grep -E 'libcudart|libcublas\.|libcudnn\.' | head -5
timeout 290 node --import tsx bench/scoringKernel.bench.ts --sizes "${SIZES:-16,20}" --only onnx --providers cpu,cuda 2>&1 | tee "$out/scoring.log"
