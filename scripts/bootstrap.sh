#!/usr/bin/env bash
# Installs and builds everything native that EdgeInspect binds, then gets out of the way.
#   1. Debian packages: OpenCV module dev packages, the mosquitto broker (tests and demo; MQTT itself is MQTTnet), libgpiod, build tools,
#      and chromium (with its Debian dependencies) for the browser tests of the replay report and the dashboard: Playwright
#      drives Debian's chromium (the same major version as Playwright 1.64's Chrome for Testing) because Playwright's own
#      download host, cdn.playwright.dev, cannot be reached from the build machines (`playwright install` fails there);
#      and libjs-dygraphs, the dashboard's charts, which the build compiles into the executable (docs/dashboard.md);
#      and ffmpeg, the network camera of the lost-camera reliability test (MJPEG over HTTP on loopback).
#   2. The OpenCV shim (src/native/opencv-shim), built with CMake.
#   3. Debian 13's libgpiod 2 (libgpiod.so.3) for the GPIO binding's v2 tests, through a private apt state.
# Everything lands in .native/ (git-ignored). Idempotent: a second run checks and does nothing.
# ONNX Runtime is not fetched here: the Microsoft.ML.OnnxRuntime NuGet package brings it with the build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NATIVE="$ROOT/.native"
LOG="$NATIVE/bootstrap.log"
# Downloads are kept per user, so fresh clones on the same machine need not download again.
DOWNLOADS="${XDG_CACHE_HOME:-$HOME/.cache}/edgeinspect"

DEB_PACKAGES=(
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  libturbojpeg0 libturbojpeg0-dev
  mosquitto
  libgpiod2 libgpiod-dev gpiod
  cmake g++ make
  openssl ca-certificates
  chromium
  libjs-dygraphs
  ffmpeg
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
# Nothing comes from npm any more: the dashboard's charts were uPlot from npm before they were Debian's dygraphs.
rm -rf "$NATIVE/web"

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

# --- 3. libgpiod 2 from Debian 13, for the GPIO binding's v2 tests -------------------------
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

say "native stack ready in .native/lib (OpenCV shim; system libgpiod; ONNX Runtime comes with the build)"
