#!/usr/bin/env bash
# Proves the linux-arm64 build here, under emulation (docs/arm64.md):
#   1. arm64 Debian 12 root filesystems by debootstrap + qemu-user-static: a build one (packages-build.txt) and a
#      runtime one (packages-runtime.txt, the edgeinspect user), made by the same scripts/image/build-arm64.sh steps
#      as Dockerfile.arm64's stages;
#   2. the OpenCV shim built inside the arm64 build root, a self-contained linux-arm64 publish on this machine, the
#      ELF check, and the publish's shared-library closure installed into the runtime root;
#   3. under qemu-aarch64, in the runtime root, as the edgeinspect user: `edgeinspect doctor`,
#      `edgeinspect model verify`, and `edgeinspect replay` over tests/data/phone-v1/holdout;
#   4. the replay's per-frame predictions compared with this machine's x64 run: the same class for every frame,
#      every probability within 1e-4. Any difference fails the check and lists the frames.
#
# Usage: sudo bash scripts/arm64-check.sh [--reduced]
#   --reduced  only the linux-arm64 publish and its ELF check (no root filesystem, no emulation): what CI runs.
# Needs root (debootstrap, chroot, mounts). Installs qemu-user-static, debootstrap and binfmt-support if missing.
# Caches outside the clone, in ${XDG_CACHE_HOME:-$HOME/.cache}/edgeinspect/arm64/: the debootstrapped base, build and
# runtime roots as tarballs named by a hash of their package list and setup step (build-arm64.sh fingerprint), and
# the extracted build root (and the runtime root of the last run). Delete that folder to start from nothing.
# The publish and the figures of the last run stay in .native/arm64/ (last-check.txt).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=scripts/image/build-arm64.sh
SUITE=bookworm
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/edgeinspect/arm64"
WORK="$ROOT/.native/arm64"
TOLERANCE=1e-4
REDUCED=0
[ "${1:-}" = --reduced ] && REDUCED=1

say() { echo "arm64-check: $*"; }
die() { echo "arm64-check: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$WORK"
RESULT="$WORK/last-check.txt"
: >"$RESULT.tmp"
record() { echo "$*" | tee -a "$RESULT.tmp"; }
started=$(now)

# --- 0. the x64 side first: the bootstrap (native stack) and the build the comparison runs ------------------------------
bash scripts/bootstrap.sh

publish_arm64() { # NATIVE OUT [--without-shim]
  local t
  t=$(now)
  bash "$BUILD" publish "$1" "$2" ${3:-}
  bash "$BUILD" elf-check "$2" ${3:-}
  record "publish linux-arm64 (self-contained, ReadyToRun): $(since "$t") s, $(du -sm "$2" | cut -f1) MB"
}

if [ "$REDUCED" -eq 1 ]; then
  # No arm64 shim without an arm64 root: the publish goes without it, and the ELF check covers the rest.
  native="$WORK/reduced-native"
  rm -rf "$native" && mkdir -p "$native/lib"
  say "reduced check: linux-arm64 publish and ELF check only (no shim, no emulation)"
  publish_arm64 "$native" "$WORK/reduced-app" --without-shim
  mv "$RESULT.tmp" "$RESULT"
  say "reduced check passed in $(since "$started") s"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run it as root (debootstrap, chroot and mounts need it): sudo bash scripts/arm64-check.sh"

# --- 1. emulation: qemu-user-static through binfmt_misc ----------------------------------------------------------------
missing=()
for pkg in qemu-user-static debootstrap binfmt-support; do
  dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Containers and some VMs boot without binfmt_misc mounted; the F flag of Debian's qemu-aarch64 entry opens the
# interpreter now, so it also works inside a chroot.
mountpoint -q /proc/sys/fs/binfmt_misc || mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || die "qemu-aarch64 is not registered with binfmt_misc (update-binfmts --enable qemu-aarch64)"

# Every mount made below is undone on any exit.
MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount_in() { # ROOTFS: /proc for .NET (without it CoreCLR stops with HRESULT 0x8007000E) and apt
  mountpoint -q "$1/proc" || { mount -t proc proc "$1/proc"; MOUNTS+=("$1/proc"); }
}
bind_in() { # SOURCE ROOTFS TARGET [ro]
  mkdir -p "$2$3"
  mount --bind "$1" "$2$3"
  MOUNTS+=("$2$3")
  [ "${4:-}" = ro ] && mount -o remount,bind,ro "$2$3"
  return 0
}
in_root() { # ROOTFS [--user U] COMMAND...
  local rootfs=$1 spec=()
  shift
  if [ "${1:-}" = --user ]; then
    # Numeric ids from the root's own files, with the user's supplementary groups (video, gpio).
    local uid gid groups
    uid=$(awk -F: -v u="$2" '$1 == u { print $3 }' "$rootfs/etc/passwd")
    gid=$(awk -F: -v u="$2" '$1 == u { print $4 }' "$rootfs/etc/passwd")
    groups=$(awk -F: -v u="$2" '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) printf "%s%s", (c++ ? "," : ""), $3 }' "$rootfs/etc/group")
    [ -n "$uid" ] || die "no user $2 in $rootfs"
    spec=(--userspec="$uid:$gid" ${groups:+--groups="$groups"})
    shift 2
  fi
  mount_in "$rootfs"
  chroot "${spec[@]}" "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# The Debian mirror this system already uses (deb822 or one-line sources); deb.debian.org otherwise.
mirror=$( { grep -hs -oE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
            grep -hs -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
          | grep -v -- '-security' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$CACHE"
base_key="$SUITE-arm64-minbase"
base_tar="$CACHE/base-$base_key.tar.gz"
build_key="$(bash "$BUILD" fingerprint build)"
build_tar="$CACHE/build-$build_key.tar.gz"
runtime_key="$(bash "$BUILD" fingerprint runtime)"
runtime_tar="$CACHE/runtime-$runtime_key.tar.gz"

pack() { tar -C "$1" -cf - . | gzip -1 >"$2.tmp" && mv "$2.tmp" "$2"; }
unpack() { rm -rf "$2" && mkdir -p "$2" && tar -C "$2" -xzf "$1"; }
# The scripts the roots run, copied in (the roots never see the clone itself, as a Docker build context would not).
copy_sources() { # ROOTFS
  rm -rf "$1/edgeinspect-src" && mkdir -p "$1/edgeinspect-src/scripts" "$1/edgeinspect-src/src/native"
  cp -a scripts/image "$1/edgeinspect-src/scripts/"
  cp -a src/native/opencv-shim "$1/edgeinspect-src/src/native/"
  cp /etc/resolv.conf "$1/etc/resolv.conf"
}

if [ ! -s "$base_tar" ]; then
  t=$(now)
  say "debootstrap --arch=arm64 --variant=minbase $SUITE from $mirror (a few minutes)"
  tmp="$CACHE/base-root.tmp"
  rm -rf "$tmp"
  debootstrap --arch=arm64 --variant=minbase "$SUITE" "$tmp" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (details in $WORK/debootstrap.log)"; }
  rm -rf "$tmp"/var/cache/apt/archives/*.deb
  pack "$tmp" "$base_tar"
  rm -rf "$tmp"
  record "base root (debootstrap minbase $SUITE arm64): built in $(since "$t") s"
fi

if [ ! -s "$build_tar" ]; then
  t=$(now)
  say "build root: base + packages-build.txt, installed under qemu (several minutes)"
  tmp="$CACHE/build-root.tmp"
  unpack "$base_tar" "$tmp"
  copy_sources "$tmp"
  in_root "$tmp" bash /edgeinspect-src/scripts/image/build-arm64.sh deps
  cleanup; MOUNTS=()
  pack "$tmp" "$build_tar"
  rm -rf "$tmp"
  record "build root: built in $(since "$t") s"
fi

if [ ! -s "$runtime_tar" ]; then
  t=$(now)
  say "runtime root: base + build-arm64.sh runtime-setup, under qemu"
  tmp="$CACHE/runtime-root.tmp"
  unpack "$base_tar" "$tmp"
  copy_sources "$tmp"
  in_root "$tmp" bash /edgeinspect-src/scripts/image/build-arm64.sh runtime-setup
  cleanup; MOUNTS=()
  rm -rf "$tmp/edgeinspect-src" "$tmp/etc/resolv.conf"
  pack "$tmp" "$runtime_tar"
  rm -rf "$tmp"
  record "runtime root: built in $(since "$t") s"
fi

# The extracted build root is kept beside its tarball and reused while the fingerprint matches.
build_root="$CACHE/build-root"
if [ "$(cat "$build_root/.edgeinspect-key" 2>/dev/null)" != "$build_key" ]; then
  say "extracting the build root"
  unpack "$build_tar" "$build_root"
  echo "$build_key" >"$build_root/.edgeinspect-key"
fi

# --- 2. shim under qemu, publish here, closure -------------------------------------------------------------------------
# The shim is rebuilt only when its sources or the build root change (a build under qemu takes minutes).
shim_key=$( { echo "$build_key"; find src/native/opencv-shim -type f | sort | xargs sha256sum; } | sha256sum | cut -c1-16)
copy_sources "$build_root"
if [ "$(cat "$build_root/edgeinspect-out/native/.key" 2>/dev/null)" = "$shim_key" ] && [ -f "$build_root/edgeinspect-out/native/lib/libedgeinspect_cv.so" ]; then
  say "the arm64 shim is up to date (sources unchanged)"
else
  t=$(now)
  rm -rf "$build_root/edgeinspect-out"
  in_root "$build_root" bash /edgeinspect-src/scripts/image/build-arm64.sh shim /edgeinspect-out/native
  echo "$shim_key" >"$build_root/edgeinspect-out/native/.key"
  record "shim built under qemu: $(since "$t") s"
fi
cleanup; MOUNTS=()
native="$WORK/native"
rm -rf "$native" && mkdir -p "$native/lib"
cp "$build_root/edgeinspect-out/native/lib/libedgeinspect_cv.so" "$native/lib/"
app="$WORK/app"
publish_arm64 "$native" "$app"

t=$(now)
bind_in "$app" "$build_root" /edgeinspect-app ro
rm -rf "$build_root/edgeinspect-out/libs"
in_root "$build_root" bash /edgeinspect-src/scripts/image/build-arm64.sh runtime-libs /edgeinspect-app /edgeinspect-out/libs
cleanup; MOUNTS=()
record "runtime library closure staged: $(since "$t") s, $(wc -l <"$build_root/edgeinspect-out/libs/MANIFEST") files"

# --- 3. the runtime root: what Dockerfile.arm64's last stage holds ---------------------------------------------------
rt="$CACHE/runtime-root"
unpack "$runtime_tar" "$rt"
size_setup=$(du -sxm "$rt" | cut -f1)
# As Dockerfile.arm64's runtime stage: the app, the models and station samples, then the libraries it links to.
cp -a "$app/." "$rt/opt/edgeinspect/"
mkdir -p "$rt/opt/edgeinspect/models" "$rt/opt/edgeinspect/stations"
cp -a models/. "$rt/opt/edgeinspect/models/"
cp -a firmware-config/stations/. "$rt/opt/edgeinspect/stations/"
size_app=$(du -sxm "$rt" | cut -f1)
copy_sources "$rt"
bind_in "$build_root/edgeinspect-out/libs" "$rt" /edgeinspect-libs ro
in_root "$rt" bash /edgeinspect-src/scripts/image/build-arm64.sh install-libs /edgeinspect-libs /opt/edgeinspect
cleanup; MOUNTS=()
ln -sfn /opt/edgeinspect/edgeinspect "$rt/usr/local/bin/edgeinspect"
rm -rf "$rt/edgeinspect-src" "$rt/edgeinspect-libs" "$rt/etc/resolv.conf"
size_total=$(du -sxm "$rt" | cut -f1)
record "runtime root size: $size_total MB (Debian 12 minbase, trimmed, + packages-runtime.txt: $size_setup MB; app and models: $((size_app - size_setup)) MB; linked libraries: $((size_total - size_app)) MB)"

# --- 4. run under qemu-aarch64 as the edgeinspect user ------------------------------------------------------------------
mkdir -p "$rt/check"
cp -a tests/data/phone-v1/holdout "$rt/check/holdout"
in_root "$rt" chown -R edgeinspect:edgeinspect /check
say "edgeinspect doctor (arm64, qemu)"
in_root "$rt" --user edgeinspect sh -c 'cd /check && edgeinspect doctor' | tee "$WORK/doctor.txt" || die "edgeinspect doctor failed under emulation"
say "edgeinspect model verify (arm64, qemu)"
in_root "$rt" --user edgeinspect sh -c 'cd /check && edgeinspect model verify /opt/edgeinspect/models/reference' | tee "$WORK/verify.txt" \
  || die "edgeinspect model verify failed under emulation"
say "edgeinspect replay over the holdout frames (arm64, qemu)"
t=$(now)
in_root "$rt" --user edgeinspect sh -c 'cd /check && edgeinspect replay --source holdout --model /opt/edgeinspect/models/reference --report report --predictions report/predictions.csv' \
  >"$WORK/replay-arm64.txt" 2>&1 || { tail -n 20 "$WORK/replay-arm64.txt" >&2; die "edgeinspect replay failed under emulation"; }
grep -E '^replay: done|^Replayed' "$WORK/replay-arm64.txt" || true
record "replay under emulation: $(grep -oE '[0-9.]+ fps' "$WORK/replay-arm64.txt" | tail -n 1) ($(grep -oE 'done, [0-9]+ frames in [0-9.]+ s' "$WORK/replay-arm64.txt" | tail -n 1); process $(since "$t") s)"
cp "$rt/check/report/predictions.csv" "$WORK/predictions-arm64.csv"

say "the same replay on this machine (x64)"
dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off -clp:NoSummary >/dev/null
rm -rf "$WORK/x64-report"
dotnet src/EdgeInspect.Worker/bin/Release/net10.0/edgeinspect.dll replay --source tests/data/phone-v1/holdout --model models/reference \
  --report "$WORK/x64-report" --predictions "$WORK/predictions-x64.csv" >"$WORK/replay-x64.txt" 2>&1 \
  || { tail -n 20 "$WORK/replay-x64.txt" >&2; die "the x64 replay failed"; }

# --- 5. compare: same class for every frame, probabilities within the tolerance -----------------------------------------
if ! bash scripts/image/compare-predictions.sh "$WORK/predictions-x64.csv" "$WORK/predictions-arm64.csv" "$TOLERANCE" | tee "$WORK/compare.txt"; then
  die "arm64 predictions differ from x64 (see above and $WORK/compare.txt)"
fi
record "predictions: $(tail -n 1 "$WORK/compare.txt")"
record "whole check: $(since "$started") s"
mv "$RESULT.tmp" "$RESULT"
say "PASSED: doctor, model verify and replay under qemu-aarch64; predictions equal x64's (figures in .native/arm64/last-check.txt)"
