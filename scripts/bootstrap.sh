#!/usr/bin/env bash
# Installs and builds everything native that EdgeInspect binds, then gets out of the way.
#   1. Debian packages: OpenCV module dev packages, mosquitto + libmosquitto, libgpiod, build tools,
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
  mosquitto libmosquitto-dev
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

# --- libgpiod 2 from Debian 13, for the GPIO binding's v2 tests -----------------------------------
# The tests run the v2 binding against the real libgpiod 2.2.1 (libgpiod.so.3, needs glibc 2.33; Debian 12 has 2.36).
# Debian 12 has no libgpiod3, so `apt-get download` fetches Debian 13's through a private apt state whose only source
# is the trixie suite of the mirror this system already uses: the system's sources, lists and dpkg state stay as they
# are, and nothing is installed. The .so lands in .native/libgpiod3 (not .native/lib, whose files travel with every
# build: an app would then pick libgpiod 2 over the system's 1.6). The .deb is kept per user, so fresh clones do not
# download it again.
GPIOD3_DIR="$NATIVE/libgpiod3"
if [ ! -f "$GPIOD3_DIR/libgpiod.so.3" ] || [ ! -s "$GPIOD3_DIR/version" ]; then
  gpiod3_arch=$(dpkg --print-architecture)
  gpiod3_debs="$DOWNLOADS/debs"
  gpiod3_deb=$(ls "$gpiod3_debs"/libgpiod3_2.*_"$gpiod3_arch".deb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$gpiod3_deb" ]; then
    # The first Debian mirror of the system's own sources (deb822 or one-line format); deb.debian.org otherwise.
    gpiod3_mirror=$( { grep -hs -oE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
                       grep -hs -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
                     | grep -v -- '-security' | head -n 1 || true)
    gpiod3_mirror=${gpiod3_mirror:-http://deb.debian.org/debian}
    gpiod3_apt="$NATIVE/apt-trixie"
    mkdir -p "$gpiod3_apt/lists/partial" "$gpiod3_apt/cache/archives/partial" "$gpiod3_apt/sources" "$gpiod3_apt/preferences" "$gpiod3_debs"
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$gpiod3_mirror" > "$gpiod3_apt/sources/trixie.sources"
    gpiod3_opts=(-o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$gpiod3_apt/sources"
                 -o "Dir::Etc::preferences=/dev/null" -o "Dir::Etc::preferencesparts=$gpiod3_apt/preferences"
                 -o "Dir::State::Lists=$gpiod3_apt/lists" -o "Dir::Cache=$gpiod3_apt/cache"
                 -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
                 -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
                 -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
                 -o "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false")
    say "downloading libgpiod3 (libgpiod 2) from Debian 13 (trixie) at $gpiod3_mirror, with a private apt state; the system's sources are not changed"
    if ! { apt-get -q "${gpiod3_opts[@]}" update && (cd "$gpiod3_debs" && apt-get -q "${gpiod3_opts[@]}" download "libgpiod3:$gpiod3_arch"); } >>"$LOG" 2>&1; then
      tail -n 5 "$LOG" >&2 || true
      die "could not download libgpiod3 from the trixie suite of $gpiod3_mirror (details in .native/bootstrap.log). The GPIO v2 tests need it. Check that this machine reaches the mirror, or download libgpiod3_2.2.1-*_$gpiod3_arch.deb from https://packages.debian.org/trixie/libgpiod3 into $gpiod3_debs and run this script again"
    fi
    rm -rf "$gpiod3_apt" # 20 MB of trixie's package lists; the .deb is cached, so they are not needed again
    gpiod3_deb=$(ls "$gpiod3_debs"/libgpiod3_2.*_"$gpiod3_arch".deb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$gpiod3_deb" ] || die "apt-get download reported success but left no libgpiod3_2.*_$gpiod3_arch.deb in $gpiod3_debs (details in .native/bootstrap.log)"
  fi
  say "extracting libgpiod.so.3 from $(basename "$gpiod3_deb") into .native/libgpiod3"
  gpiod3_tmp=$(mktemp -d)
  if ! dpkg-deb -x "$gpiod3_deb" "$gpiod3_tmp" >>"$LOG" 2>&1; then
    rm -rf "$gpiod3_tmp" "$gpiod3_deb"
    die "$(basename "$gpiod3_deb") is not a readable Debian package; it was removed, run this script again"
  fi
  gpiod3_so=$(find "$gpiod3_tmp/usr/lib" -name 'libgpiod.so.3.*' -type f | head -n 1)
  [ -n "$gpiod3_so" ] || { rm -rf "$gpiod3_tmp"; die "$(basename "$gpiod3_deb") holds no libgpiod.so.3.*"; }
  mkdir -p "$GPIOD3_DIR"
  cp "$gpiod3_so" "$GPIOD3_DIR/libgpiod.so.3.tmp" && mv "$GPIOD3_DIR/libgpiod.so.3.tmp" "$GPIOD3_DIR/libgpiod.so.3"
  # The upstream version the library must report (gpiod_api_version), e.g. 2.2.1 from 2.2.1-2+deb13u1.
  dpkg-deb -f "$gpiod3_deb" Version | sed -E 's/^[0-9]+://; s/-[^-]*$//' > "$GPIOD3_DIR/version"
  rm -rf "$gpiod3_tmp"
fi

say "native stack ready in .native/lib (ONNX Runtime $ORT_VERSION $rid, OpenCV shim, system libmosquitto and libgpiod)"
