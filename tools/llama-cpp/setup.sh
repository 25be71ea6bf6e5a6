#!/usr/bin/env bash
# Install the reference engine (node-llama-cpp 3.21.1 + prebuilt @node-llama-cpp/linux-x64 CPU
# binaries) from the npm registry, offline-safe: no postinstall, no GitHub download, no source build.
# See tools/llama-cpp/README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
# .npmrc here sets omit=optional (skips the CUDA/Vulkan/other-platform binary packages) and
# ignore-scripts=true (skips node-llama-cpp's postinstall, which may try to download/build).
# The env vars are belt and braces in case someone runs npm with a different config.
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
export NODE_LLAMA_CPP_POSTINSTALL=skip
export NODE_LLAMA_CPP_GPU=false
LOCK_SHA="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" ]] && [[ -d node_modules/node-llama-cpp ]] \
   && [[ "$(cat node_modules/.llama3j-lock.sha256 2>/dev/null)" == "$LOCK_SHA" ]]; then
  echo "[setup] node_modules up to date" >&2
else
  npm ci --no-audit --no-fund --omit=optional --ignore-scripts >&2
  echo "$LOCK_SHA" >node_modules/.llama3j-lock.sha256
fi
node "$HERE/llama-ref.mjs" check >&2
