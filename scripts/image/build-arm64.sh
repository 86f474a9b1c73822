#!/usr/bin/env bash
# The station's linux-arm64 build, one step at a time. Dockerfile.arm64 runs these steps in its stages, and
# scripts/arm64-check.sh runs the same steps in arm64 Debian 12 root filesystems under qemu, so what the check proves
# is what the image does (docs/arm64.md).
#
#   build-arm64.sh deps                 arm64 Debian 12, as root: install packages-build.txt
#   build-arm64.sh shim OUT             arm64 Debian 12 with deps: build the OpenCV shim into OUT/lib/libedgeinspect_cv.so
#   build-arm64.sh publish NATIVE OUT [--without-shim]
#                                       any machine with the .NET 10 SDK: self-contained linux-arm64 publish into OUT,
#                                       carrying NATIVE/lib/*.so (the arm64 shim) like .native/lib on a developer's machine
#   build-arm64.sh elf-check APP        every ELF file in APP is aarch64 (an x86-64 library there would fail on the box)
#   build-arm64.sh runtime-libs APP OUT arm64 Debian 12 with deps: copy every shared library that APP's ELF files need
#                                       (ldd, transitively) into the tree OUT (paths under /usr), with OUT/MANIFEST
#   build-arm64.sh runtime-setup        arm64 Debian 12 (slim), as root: install packages-runtime.txt, the edgeinspect
#                                       user in the video and gpio groups, the state folders; drop docs and apt lists
#   build-arm64.sh install-libs LIBS    the runtime system, as root: copy from LIBS what the system lacks, refresh the
#                                       loader cache, fail naming any library that still does not resolve
#   build-arm64.sh fingerprint build|runtime   a hash of what a root filesystem built by deps or runtime-setup holds
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP_DIR=/opt/edgeinspect
STATE_DIR=/var/lib/edgeinspect

# Files of the publish that nothing needs to resolve: CoreCLR loads its LTTng trace provider only where liblttng-ust
# is installed, and carries on without it.
OPTIONAL_ELF='libcoreclrtraceptprovider.so'

say() { echo "build-arm64: $*"; }
die() { echo "build-arm64: ERROR: $*" >&2; exit 1; }

packages() { grep -vE '^\s*(#|$)' "$HERE/$1" | tr '\n' ' '; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2046
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  apt-get clean
  rm -rf /var/lib/apt/lists/*
}

deps() {
  [ "$(id -u)" -eq 0 ] || die "deps installs Debian packages: run it as root"
  # shellcheck disable=SC2046
  apt_install $(packages packages-build.txt)
  say "build packages installed: $(packages packages-build.txt)"
}

shim() {
  local out=${1:?usage: shim OUT}
  local build
  build=$(mktemp -d)
  cmake -S "$ROOT/src/native/opencv-shim" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build/cmake.log" 2>&1 \
    || { tail -n 20 "$build/cmake.log" >&2; die "cmake could not configure the shim (is 'deps' done?)"; }
  cmake --build "$build" --parallel "$(nproc)" >>"$build/cmake.log" 2>&1 \
    || { grep -iE 'error' "$build/cmake.log" | head -n 20 >&2; die "the shim did not build"; }
  mkdir -p "$out/lib"
  cp "$build/libedgeinspect_cv.so" "$out/lib/libedgeinspect_cv.so"
  rm -rf "$build"
  say "shim built: $out/lib/libedgeinspect_cv.so ($(uname -m))"
}

publish() {
  local native=${1:?usage: publish NATIVE OUT [--without-shim]} out=${2:?usage: publish NATIVE OUT [--without-shim]}
  [ -f "$native/lib/libedgeinspect_cv.so" ] || [ "${3:-}" = --without-shim ] \
    || die "$native/lib/libedgeinspect_cv.so is missing: run the shim step first"
  native=$(cd "$native" && pwd)
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  # Self-contained: the box needs no .NET installed, and the runtime is the one the app was tested with
  # (docs/arm64.md). ReadyToRun comes from the project's publish settings. The artifacts path keeps this build's
  # bin/obj apart from the developer's x64 ones.
  local artifacts=${EDGEINSPECT_ARM64_ARTIFACTS:-$ROOT/.native/arm64/artifacts}
  rm -rf "$out"/*
  dotnet publish "$ROOT/src/EdgeInspect.Worker/EdgeInspect.Worker.csproj" -c Release -r linux-arm64 --self-contained true \
    --artifacts-path "$artifacts" -p:NativeCacheDir="$native/" -o "$out" --nologo -v quiet -tl:off -clp:NoSummary
  say "published linux-arm64 into $out ($(du -sh "$out" | cut -f1))"
}

# An ELF file's machine: e_machine is the 16-bit little-endian field at offset 18.
elf_machine() { od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'; }
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

elf_check() {
  local app=${1:?usage: elf-check APP [--without-shim]} bad=0 count=0 f
  while IFS= read -r -d '' f; do
    is_elf "$f" || continue
    count=$((count + 1))
    if [ "$(elf_machine "$f")" != b700 ]; then
      echo "build-arm64: not aarch64 (e_machine $(elf_machine "$f")): ${f#"$app"/}" >&2
      bad=$((bad + 1))
    fi
  done < <(find "$app" -type f -print0)
  [ "$count" -gt 0 ] || die "no ELF file in $app"
  [ "$bad" -eq 0 ] || die "$bad of $count ELF files in $app are not aarch64"
  [ -f "$app/edgeinspect" ] || die "$app lacks the edgeinspect executable"
  [ -f "$app/libedgeinspect_cv.so" ] || [ "${2:-}" = --without-shim ] || die "$app lacks libedgeinspect_cv.so"
  say "ELF check: all $count ELF files in $app are aarch64"
}

# Canonical path of a library as ldd names it: Debian 12 merged /lib into /usr/lib.
canonical() { echo "$(readlink -f "$(dirname "$1")")/$(basename "$1")"; }

runtime_libs() {
  local app=${1:?usage: runtime-libs APP OUT} out=${2:?usage: runtime-libs APP OUT} f lib dest missing=""
  rm -rf "$out" && mkdir -p "$out"
  local list
  list=$(mktemp)
  while IFS= read -r -d '' f; do
    is_elf "$f" || continue
    [ "$(basename "$f")" != "$OPTIONAL_ELF" ] || continue
    # ldd lists the whole closure; "not found" means the build system itself lacks a library.
    ldd "$f" 2>/dev/null | awk -v file="${f#"$app"/}" '/=> not found/ { print "MISSING " $1 " (needed by " file ")"; next } /=> \// { print $3 }' >>"$list" || true
  done < <(find "$app" -type f -print0)
  missing=$(grep '^MISSING ' "$list" | sort -u || true)
  [ -z "$missing" ] || die "libraries not found on the build system: $missing"
  local libs
  libs=$(sort -u "$list")
  for lib in $libs; do
    dest=$(canonical "$lib")
    mkdir -p "$out$(dirname "$dest")"
    cp -L "$lib" "$out$dest"
  done
  # Which package each file comes from, for the manifest: one dpkg query for all (each call is slow under qemu).
  local owners versions
  # shellcheck disable=SC2046
  owners=$(dpkg -S $(for lib in $libs; do basename "$lib"; done) 2>/dev/null || true)
  versions=$(dpkg-query -W -f='${Package} ${Version}\n' 2>/dev/null || true)
  for lib in $libs; do
    local base pkg
    base=$(basename "$lib")
    pkg=$(echo "$owners" | awk -v b="/$base" 'length($NF) >= length(b) && substr($NF, length($NF) - length(b) + 1) == b { sub(/:.*/, "", $1); sub(/,$/, "", $1); print $1; exit }')
    echo "$(canonical "$lib") ${pkg:-?} $(echo "$versions" | awk -v p="${pkg%%:*}" '$1 == p { print $2; exit }')"
  done >"$out/MANIFEST"
  rm -f "$list"
  say "runtime libraries staged in $out: $(wc -l <"$out/MANIFEST") files, $(du -sh --exclude=MANIFEST "$out" | cut -f1)"
}

runtime_setup() {
  [ "$(id -u)" -eq 0 ] || die "runtime-setup changes the system: run it as root"
  # What debian:bookworm-slim already leaves out; a debootstrapped minbase gets the same here.
  cat >/etc/dpkg/dpkg.cfg.d/edgeinspect-slim <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  # shellcheck disable=SC2046
  apt_install $(packages packages-runtime.txt)
  find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find /usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf /usr/share/man/* /usr/share/info/* /usr/share/lintian/* /var/cache/apt/* /var/log/apt/* /var/log/*.log
  find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # The service user: cameras (video) and GPIO (gpio; firmware-config/udev gives the group the chips).
  getent group gpio >/dev/null || groupadd --system gpio
  getent group video >/dev/null || groupadd --system video
  getent group edgeinspect >/dev/null || groupadd --system edgeinspect
  id -u edgeinspect >/dev/null 2>&1 || useradd --system --gid edgeinspect --groups video,gpio \
    --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin edgeinspect
  install -d -o edgeinspect -g edgeinspect -m 0750 "$STATE_DIR" "$STATE_DIR/samples"
  install -d -m 0755 /etc/edgeinspect "$APP_DIR"
  say "runtime system ready: $(packages packages-runtime.txt); user edgeinspect in $(id -nG edgeinspect)"
}

install_libs() {
  local libs=${1:?usage: install-libs LIBS} dest added=0 app=${2:-$APP_DIR}
  [ "$(id -u)" -eq 0 ] || die "install-libs writes under /usr: run it as root"
  while read -r dest _; do
    if [ ! -e "$dest" ]; then
      install -D -m 0644 "$libs$dest" "$dest"
      added=$((added + 1))
    fi
  done <"$libs/MANIFEST"
  ldconfig
  install -D -m 0644 "$libs/MANIFEST" /usr/share/edgeinspect/runtime-libs.txt
  if [ -d "$app" ] && [ -n "$(ls -A "$app" 2>/dev/null)" ]; then
    local f missing=""
    while IFS= read -r -d '' f; do
      is_elf "$f" || continue
      [ "$(basename "$f")" != "$OPTIONAL_ELF" ] || continue
      missing+=$(ldd "$f" 2>/dev/null | awk -v file="${f#"$app"/}" '/not found/ { printf "%s (needed by %s) ", $1, file }' || true)
    done < <(find "$app" -type f -print0)
    [ -z "$missing" ] || die "still unresolved after install-libs: $missing"
  fi
  say "runtime libraries installed: $added added, $(($(wc -l <"$libs/MANIFEST") - added)) already present"
}

fingerprint() {
  case "${1:-}" in
    build) { packages packages-build.txt; declare -f apt_install deps; } | sha256sum | cut -c1-16 ;;
    runtime) { packages packages-runtime.txt; declare -f apt_install runtime_setup; } | sha256sum | cut -c1-16 ;;
    *) die "usage: fingerprint build|runtime" ;;
  esac
}

step=${1:-}
[ $# -gt 0 ] && shift
case "$step" in
  deps) deps "$@" ;;
  shim) shim "$@" ;;
  publish) publish "$@" ;;
  elf-check) elf_check "$@" ;;
  runtime-libs) runtime_libs "$@" ;;
  runtime-setup) runtime_setup "$@" ;;
  install-libs) install_libs "$@" ;;
  fingerprint) fingerprint "$@" ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$step" ] && exit 0; die "unknown step '$step'" ;;
esac
