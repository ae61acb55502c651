#!/usr/bin/env bash
# Run HERE, in the checkout that the device tool sends (node_modules installed), before a device run:
# packs into .device/ (ignored through .git/info/exclude; pass it as `carry`) what a bare GPU machine
# lacks for bench/gpu/run.sh: this node binary and its Node-API headers, and the node_modules the
# scoring bench loads (found from esbuild's metafile of a bundle of it, plus tsx), onnxruntime-node
# for linux-x64 only. Put onnxruntime 1.30's CUDA provider libraries
# (libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so; npm does not ship them) in
# .device/ort-cuda/ first if you have them: run.sh installs them next to the binding.
set -euo pipefail
cd "$(dirname "$0")/../.."
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >> "$exclude"
mkdir -p .device
rm -f .device/pack.tar.xz .device/meta.json
node_modules/.bin/esbuild bench/scoringKernel.bench.ts --bundle --platform=node --format=esm --log-level=error \
  --metafile=.device/meta.json --outfile=/dev/null '--external:*.node'
mapfile -t packages < <(node -e '
  const inputs = Object.keys(JSON.parse(require("fs").readFileSync(".device/meta.json", "utf8")).inputs)
  const names = new Set(["tsx", "esbuild", "@esbuild/linux-x64", "get-tsconfig", "resolve-pkg-maps", "onnxruntime-node", "onnxruntime-common"])
  for (const f of inputs) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f); if (m) names.add(m[1]) }
  for (const n of [...names].sort()) if (require("fs").existsSync(`node_modules/${n}`)) console.log(`node_modules/${n}`)')
node_dir=$(dirname "$(dirname "$(command -v node)")")
headers=$( [ -f "$node_dir/include/node/node_api.h" ] && echo "$node_dir/include/node" || echo /usr/include/node )
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node/bin" "$stage/node/include"
cp "$(command -v node)" "$stage/node/bin/node"
cp -r "$headers" "$stage/node/include/node"
tar -cf "$stage/modules.tar" --exclude='onnxruntime-node/bin/napi-v6/darwin' --exclude='onnxruntime-node/bin/napi-v6/win32' \
  --exclude='onnxruntime-node/bin/napi-v6/linux/arm64' "${packages[@]}"
tar -C "$stage" -xf "$stage/modules.tar" && rm "$stage/modules.tar"
tar -C "$stage" -cf - node node_modules | xz -T2 -6 > .device/pack.tar.xz
echo "packed ${#packages[@]} packages and node $(node --version) into .device/pack.tar.xz ($(du -m .device/pack.tar.xz | cut -f1) MiB); ort-cuda: $(ls .device/ort-cuda 2>/dev/null | tr '\n' ' ' || true)"
