#!/usr/bin/env bash
# Build native llama.cpp tools (llama-bench, llama-perplexity, llama-quantize, ...) from the
# llama.cpp source that node-llama-cpp ships as a git bundle. For benchmarks and KL-divergence
# checks only; nothing here is a product dependency and nothing is downloaded.
#
#   tools/llama-cpp/build-native.sh            # build (idempotent), print binary dir
#   tools/llama-cpp/build-native.sh --print    # print binary dir if built, else exit 1
#   tools/llama-cpp/build-native.sh --source-only  # only clone the source (vocab GGUFs, gguf-py), print it
#   JOBS=4 tools/llama-cpp/build-native.sh     # parallelism (default 2)
#   NATIVE_AMX=1 tools/llama-cpp/build-native.sh  # keep Intel AMX kernels (off by default, see below)
#
# Output: tools/llama-cpp/.cache/llama.cpp/build/bin/  (git-ignored)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
SRC="$CACHE/llama.cpp"
BUILD="$SRC/build"
BIN="$BUILD/bin"
STAMP="$CACHE/native-build.stamp"
JOBS="${JOBS:-2}"
BUNDLE="$HERE/node_modules/node-llama-cpp/llama/gitRelease.bundle"

TARGETS=(llama-bench llama-batched-bench llama-perplexity llama-quantize llama-gguf llama-simple llama-completion llama-tokenize)

CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release
  -DGGML_NATIVE=ON
  -DLLAMA_CURL=OFF            # deprecated no-op in this version (kept for older bundles)
  -DLLAMA_OPENSSL=OFF         # no HTTPS model download support
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=ON   # llama-gguf, llama-simple live under examples/
  -DLLAMA_BUILD_TOOLS=ON
  -DLLAMA_BUILD_SERVER=OFF    # also drops llama-cli (it lives with the server); use llama-completion
  -DLLAMA_BUILD_APP=OFF
  -DLLAMA_BUILD_UI=OFF
  -DLLAMA_USE_PREBUILT_UI=OFF # would fetch web UI assets
  -DGGML_CCACHE=OFF
)
# AMX is OFF by default: with GGML_NATIVE=ON gcc 12 compiles ggml's AMX kernels on AMX CPUs, and on
# this VM (Sapphire Rapids class) they die with SIGILL in tinygemm_kernel_amx (tilezero) on
# Q8_0/Q4_0 matmuls: the tile config is lost (llama.cpp PR #26954: tile config on the stack is
# optimised away / XFD permission per thread). gcc lets explicit -mno-* win over -march=native.
# NATIVE_AMX=1 keeps AMX.
if [[ "${NATIVE_AMX:-0}" != "1" ]]; then
  CMAKE_FLAGS+=(
    "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    "-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  )
fi

all_built() {
  for t in "${TARGETS[@]}"; do [[ -x "$BIN/$t" ]] || return 1; done
}

clone_source() {
  HEAD_WANT="$(git bundle list-heads "$BUNDLE" | awk '$2=="HEAD"{print $1}')"
  if [[ -d "$SRC/.git" ]] && [[ "$(git -C "$SRC" rev-parse HEAD)" == "$HEAD_WANT" ]]; then
    echo "[build-native] source already at $HEAD_WANT" >&2
  else
    echo "[build-native] cloning bundle -> $SRC" >&2
    rm -rf "$SRC"
    mkdir -p "$CACHE"
    git -c advice.detachedHead=false clone -q "$BUNDLE" "$SRC"
  fi
}

if [[ "${1:-}" == "--print" ]]; then
  if all_built; then echo "$BIN"; exit 0; else echo "native llama.cpp not built; run $0" >&2; exit 1; fi
fi

if [[ ! -f "$BUNDLE" ]]; then
  echo "[build-native] node-llama-cpp not installed; running setup.sh" >&2
  "$HERE/setup.sh" >&2
fi

BUNDLE_SHA="$(sha256sum "$BUNDLE" | cut -d' ' -f1)"
WANT_STAMP="bundle=$BUNDLE_SHA flags=${CMAKE_FLAGS[*]} targets=${TARGETS[*]}"

if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$WANT_STAMP" ]] && all_built; then
  echo "[build-native] up to date (bundle sha256 ${BUNDLE_SHA:0:12})" >&2
  echo "$BIN"
  exit 0
fi

if [[ "${1:-}" == "--source-only" ]]; then
  clone_source
  echo "$SRC"
  exit 0
fi

mkdir -p "$CACHE"
clone_source

T0=$(date +%s)
cmake -S "$SRC" -B "$BUILD" "${CMAKE_FLAGS[@]}" >"$CACHE/cmake-configure.log" 2>&1 \
  || { tail -50 "$CACHE/cmake-configure.log" >&2; exit 1; }
cmake --build "$BUILD" --config Release -j "$JOBS" --target "${TARGETS[@]}" >"$CACHE/cmake-build.log" 2>&1 \
  || { tail -50 "$CACHE/cmake-build.log" >&2; exit 1; }
T1=$(date +%s)

VERSION_LINE="$(grep -m1 'llama.cpp version' "$CACHE/cmake-configure.log" | sed 's/^-- //')"
{
  echo "llama.cpp source: node-llama-cpp $(node -p "require('$HERE/node_modules/node-llama-cpp/package.json').version") gitRelease.bundle"
  echo "bundle sha256:    $BUNDLE_SHA"
  echo "commit:           $(git -C "$SRC" rev-parse HEAD) ($(git -C "$SRC" log -1 --format=%cI))"
  echo "release tag:      $(node -p "require('$HERE/node_modules/node-llama-cpp/llama/llama.cpp.info.json').tag")"
  echo "$VERSION_LINE"
  echo "built:            $(date -u +%FT%TZ) in $((T1 - T0)) s with -j$JOBS"
} >"$CACHE/native-version.txt"
echo "$WANT_STAMP" >"$STAMP"

cat "$CACHE/native-version.txt" >&2
echo "[build-native] binaries:" >&2
for t in "${TARGETS[@]}"; do echo "  $BIN/$t" >&2; done
echo "$BIN"
