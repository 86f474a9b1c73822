#!/usr/bin/env bash
# Installs and builds everything native that EdgeInspect binds, then gets out of the way.
#   1. Debian packages: OpenCV module dev packages, mosquitto + libmosquitto, libgpiod, build tools,
#      and chromium for the replay report's browser test (Playwright drives it; it downloads no browser).
#   2. The OpenCV shim (src/native/opencv-shim), built with CMake.
# Everything lands in .native/ (git-ignored). Idempotent: a second run checks and does nothing.
# ONNX Runtime is not fetched here: the Microsoft.ML.OnnxRuntime NuGet package brings it with the build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NATIVE="$ROOT/.native"
LOG="$NATIVE/bootstrap.log"

DEB_PACKAGES=(
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  mosquitto libmosquitto-dev
  libgpiod2 libgpiod-dev gpiod
  cmake g++ make
  openssl ca-certificates
  chromium
)

say() { echo "bootstrap: $*"; }
die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

mkdir -p "$NATIVE/lib"
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

# Checkouts bootstrapped before ONNX Runtime came from NuGet hold the npm-era copy (1.24, which the package's API
# version refuses); the build would keep copying it next to the app. Remove it.
rm -rf "$NATIVE/onnxruntime" "$NATIVE/lib/libonnxruntime.so.1"

# --- 2. OpenCV shim -------------------------------------------------------------------------
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

say "native stack ready in .native/lib (OpenCV shim; system libmosquitto and libgpiod; ONNX Runtime comes with the build)"
