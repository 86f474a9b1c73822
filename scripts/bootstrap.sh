#!/usr/bin/env bash
# Installs and builds everything native that EdgeInspect binds, then gets out of the way.
#   1. Debian packages: OpenCV module dev packages, the mosquitto broker (tests and demo; MQTT itself is MQTTnet), libgpiod, build tools,
#      and chromium for the replay report's browser test (Playwright drives it; it downloads no browser).
#   2. ONNX Runtime's native library, taken from the onnxruntime-node npm tarball (no package scripts run).
#   3. The OpenCV shim (src/native/opencv-shim), built with CMake.
# Everything lands in .native/ (git-ignored). Idempotent: a second run checks and does nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NATIVE="$ROOT/.native"
LOG="$NATIVE/bootstrap.log"
ORT_VERSION=1.24.3
# sha256 of libonnxruntime.so.1 inside onnxruntime-node@1.24.3, so a corrupt or different download is caught.
ORT_SHA256_linux_x64=92ba8e44d31b80a34f5e805076a044122c3be1fffe0d88ed790de7267b0b2682
ORT_SHA256_linux_arm64=33032cb5b91c12edbf028d7c69fa40a31848d66c0095448758af237d5e0b07db
# Downloaded tarballs are kept per user, so fresh clones on the same machine need not download again.
DOWNLOADS="${XDG_CACHE_HOME:-$HOME/.cache}/edgeinspect"

DEB_PACKAGES=(
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  mosquitto
  libgpiod2 libgpiod-dev gpiod
  cmake g++ make
  openssl ca-certificates
  chromium
)
# npm fetches ONNX Runtime. Machines with Node.js from elsewhere already have it, and Debian's npm would conflict.
command -v npm >/dev/null 2>&1 || DEB_PACKAGES+=(npm)

say() { echo "bootstrap: $*"; }
die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

mkdir -p "$NATIVE/lib" "$NATIVE/onnxruntime"
: > "$LOG"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 127; fi
}

# --- 1. Debian packages -------------------------------------------------------------------
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} Debian package(s): ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages with your package manager: ${missing[*]}"
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >>"$LOG" 2>&1; then
    tail -n 5 "$LOG" >&2 || true
    die "could not install: ${missing[*]} (details in .native/bootstrap.log). Install them as root: apt-get install -y --no-install-recommends ${missing[*]}"
  fi
fi

# --- 2. ONNX Runtime native library -------------------------------------------------------
host_rid() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64|arm64) echo linux-arm64 ;;
    *) die "unsupported CPU architecture $(uname -m); EdgeInspect ships ONNX Runtime for x86_64 and aarch64" ;;
  esac
}

ort_ok() { # rid
  local file="$NATIVE/onnxruntime/$1/libonnxruntime.so.1" var="ORT_SHA256_${1//-/_}"
  [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "${!var}" ]
}

if ! ort_ok linux-x64 || ! ort_ok linux-arm64; then
  tarball="$DOWNLOADS/onnxruntime-node-$ORT_VERSION.tgz"
  if [ ! -s "$tarball" ]; then
    say "downloading ONNX Runtime $ORT_VERSION (onnxruntime-node npm tarball, 86 MB; no package scripts run)"
    mkdir -p "$DOWNLOADS"
    if ! (cd "$DOWNLOADS" && npm pack --silent --ignore-scripts "onnxruntime-node@$ORT_VERSION") >>"$LOG" 2>&1; then
      tail -n 5 "$LOG" >&2 || true
      die "could not download onnxruntime-node@$ORT_VERSION from the npm registry (details in .native/bootstrap.log). Check npm's registry access, or put libonnxruntime.so.1 (1.24+) somewhere and set EDGEINSPECT_ORT_LIBRARY to it"
    fi
  fi
  say "extracting ONNX Runtime $ORT_VERSION for linux-x64 and linux-arm64 into .native/onnxruntime"
  for rid in linux-x64 linux-arm64; do
    arch=${rid#linux-}
    mkdir -p "$NATIVE/onnxruntime/$rid"
    tar -xzf "$tarball" -O "package/bin/napi-v6/linux/$arch/libonnxruntime.so.1" > "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1.tmp"
    mv "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1.tmp" "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1"
    if ! ort_ok "$rid"; then
      rm -f "$tarball" "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1"
      die "libonnxruntime.so.1 for $rid does not match its pinned sha256; the download was removed, run this script again"
    fi
  done
fi
rid=$(host_rid)
if ! cmp -s "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1" "$NATIVE/lib/libonnxruntime.so.1"; then
  cp "$NATIVE/onnxruntime/$rid/libonnxruntime.so.1" "$NATIVE/lib/libonnxruntime.so.1"
fi

# --- 3. OpenCV shim -------------------------------------------------------------------------
SHIM_SRC="$ROOT/src/native/opencv-shim"
SHIM_BUILD="$NATIVE/build/opencv-shim"
SHIM_LIB="$NATIVE/lib/libedgeinspect_cv.so"
if [ ! -f "$SHIM_LIB" ] || [ -n "$(find "$SHIM_SRC" -newer "$SHIM_LIB" -print -quit)" ]; then
  say "building the OpenCV shim (src/native/opencv-shim -> .native/lib/libedgeinspect_cv.so)"
  if ! { cmake -S "$SHIM_SRC" -B "$SHIM_BUILD" -DCMAKE_BUILD_TYPE=Release && cmake --build "$SHIM_BUILD" --parallel; } >>"$LOG" 2>&1; then
    grep -E "error|Error" "$LOG" | head -n 10 >&2 || true
    die "the OpenCV shim did not build (details in .native/bootstrap.log)"
  fi
  cp "$SHIM_BUILD/libedgeinspect_cv.so" "$SHIM_LIB.tmp" && mv "$SHIM_LIB.tmp" "$SHIM_LIB"
fi

say "native stack ready in .native/lib (ONNX Runtime $ORT_VERSION $rid, OpenCV shim, system libgpiod)"
