#!/usr/bin/env bash
# Installs the station as the `edgeinspect` command and service (README.md, "Installing"):
#   /opt/edgeinspect/            the published app (self-contained, ReadyToRun), the model packages, sample station files,
#                                bin/edgeinspect-outputs-off (the service's stop-post, for libgpiod 1.6 and 2)
#   /usr/local/bin/edgeinspect   a link to it, so `edgeinspect <verb>` works from any folder
#   /etc/systemd/system/edgeinspect.service, /etc/udev/rules.d/60-edgeinspect-gpio.rules
#   the `edgeinspect` system user, in the `video` and `gpio` groups (created when missing)
# It prints each thing it does, and a second run changes only what differs. The station file is yours to write:
# /etc/edgeinspect/station.json (samples: /opt/edgeinspect/stations/).
#
# Usage: sudo bash scripts/install.sh [--root DIR] [--from PUBLISH_DIR] [--uninstall [--purge]]
#   --root DIR      install under DIR instead of / (for packaging and tests): no service or udev reload, and users
#                   and groups are written to DIR/etc (only when DIR/etc/passwd exists)
#   --from DIR      install this already published (or built) app folder instead of publishing now
#   --uninstall     remove everything the install put there; keeps /etc/edgeinspect (your station file) and
#                   /var/lib/edgeinspect (the outbox: records not yet published) unless --purge is given
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARGS=("$@")
DEST=/
FROM=""
UNINSTALL=0
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) DEST=${2:?--root needs a folder}; shift 2 ;;
    --from) FROM=${2:?--from needs a folder}; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "install: $*"; }
die() { echo "install: ERROR: $*" >&2; exit 1; }

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
R=${DEST%/}                     # prefix for every path: "" for the real system
SYSTEM=0; [ -z "$R" ] && SYSTEM=1
if [ "$SYSTEM" -eq 1 ] && [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "installing into the system needs root: run it as root, or use --root DIR"
  exec sudo bash "$0" "${ARGS[@]}"
fi

APP=/opt/edgeinspect
LINK=/usr/local/bin/edgeinspect
UNIT=/etc/systemd/system/edgeinspect.service
RULE=/etc/udev/rules.d/60-edgeinspect-gpio.rules
MANIFEST=$APP/INSTALLED   # what the install created outside $APP, so --uninstall removes exactly that
USER_NAME=edgeinspect

# useradd/groupadd write DEST/etc with --prefix (no chroot); the real system needs no prefix.
account_opts=(); [ "$SYSTEM" -eq 0 ] && account_opts=(--prefix "$DEST")
accounts_here() { [ "$SYSTEM" -eq 1 ] || [ -f "$R/etc/passwd" ]; }
has_group() { grep -q "^$1:" "$R/etc/group" 2>/dev/null; }
has_user() { grep -q "^$1:" "$R/etc/passwd" 2>/dev/null; }

reload_system() {
  [ "$SYSTEM" -eq 1 ] || return 0
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload && say "systemd reloaded"
  fi
  if command -v udevadm >/dev/null 2>&1 && [ -S /run/udev/control ]; then
    udevadm control --reload && udevadm trigger --subsystem-match=gpio && say "udev rules reloaded (GPIO chips now belong to group gpio)"
  fi
}

# --- uninstall ------------------------------------------------------------------------------------------------------
if [ "$UNINSTALL" -eq 1 ]; then
  if [ "$SYSTEM" -eq 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 \
     && systemctl list-unit-files edgeinspect.service >/dev/null 2>&1; then
    systemctl disable --now edgeinspect.service >/dev/null 2>&1 && say "stopped and disabled edgeinspect.service" || true
  fi
  for f in "$LINK" "$UNIT" "$RULE"; do
    if [ -e "$R$f" ] || [ -L "$R$f" ]; then rm -f "$R$f" && say "removed $f"; fi
  done
  if accounts_here; then
    # Only the accounts this install created (recorded in the manifest); a gpio group the board had stays.
    if grep -qx "user $USER_NAME" "$R$MANIFEST" 2>/dev/null && has_user "$USER_NAME"; then
      userdel "${account_opts[@]}" "$USER_NAME" && say "removed user $USER_NAME"
    fi
    for g in "$USER_NAME" gpio video; do
      if grep -qx "group $g" "$R$MANIFEST" 2>/dev/null && has_group "$g"; then
        groupdel "${account_opts[@]}" "$g" && say "removed group $g"
      fi
    done
  fi
  if [ -d "$R$APP" ]; then rm -rf "$R$APP" && say "removed $APP"; fi
  if [ "$PURGE" -eq 1 ]; then
    for d in /etc/edgeinspect /var/lib/edgeinspect; do
      if [ -d "$R$d" ]; then rm -rf "$R$d" && say "purged $d"; fi
    done
  else
    for d in /etc/edgeinspect /var/lib/edgeinspect; do
      [ -d "$R$d" ] && say "kept $d (remove it with --uninstall --purge)"
    done
  fi
  # Folders the install made and that are now empty (only below DEST; never the system's own).
  if [ "$SYSTEM" -eq 0 ]; then
    for d in /usr/local/bin /usr/local /usr /etc/systemd/system /etc/systemd /etc/udev/rules.d /etc/udev /etc /opt; do
      rmdir "$R$d" 2>/dev/null || true
    done
  fi
  reload_system
  say "uninstalled"
  exit 0
fi

# --- install --------------------------------------------------------------------------------------------------------
if [ -z "$FROM" ]; then
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;; aarch64|arm64) rid=linux-arm64 ;;
    *) die "unsupported CPU architecture $(uname -m)" ;;
  esac
  say "publishing the station for $rid (self-contained, ReadyToRun; a first run takes a few minutes)"
  bash "$SRC/scripts/bootstrap.sh"
  FROM="$SRC/.native/install/$rid"
  rm -rf "$FROM"
  dotnet publish "$SRC/src/EdgeInspect.Worker/EdgeInspect.Worker.csproj" -c Release -r "$rid" --self-contained true \
    --artifacts-path "$SRC/.native/install/artifacts" -o "$FROM" --nologo -v quiet -tl:off -clp:NoSummary \
    || die "dotnet publish failed (see above)"
fi
[ -f "$FROM/edgeinspect" ] || die "$FROM holds no edgeinspect executable (publish or build src/EdgeInspect.Worker first)"
FROM=$(cd "$FROM" && pwd)

created=()   # lines for the manifest
[ -f "$R$MANIFEST" ] && mapfile -t created < "$R$MANIFEST"
remember() { local l; for l in "${created[@]}"; do [ "$l" = "$1" ] && return 0; done; created+=("$1"); }

# The app: replaced as a whole, so files a newer version no longer ships do not linger.
staging="$R$APP.new"
rm -rf "$staging"
mkdir -p "$staging"
cp -a "$FROM/." "$staging/"
mkdir -p "$staging/models" "$staging/stations" "$staging/bin"
cp -a "$SRC/models/." "$staging/models/"
cp -a "$SRC/firmware-config/stations/." "$staging/stations/"
install -m 0755 "$SRC/firmware-config/systemd/edgeinspect-outputs-off" "$staging/bin/edgeinspect-outputs-off"
if [ -d "$R$APP" ] && diff -rq --no-dereference -x INSTALLED "$R$APP" "$staging" >/dev/null 2>&1; then
  rm -rf "$staging"
  say "$APP is up to date"
else
  [ -f "$R$MANIFEST" ] && cp "$R$MANIFEST" "$staging/INSTALLED"
  rm -rf "$R$APP.old"
  [ -d "$R$APP" ] && mv "$R$APP" "$R$APP.old"
  mv "$staging" "$R$APP"
  rm -rf "$R$APP.old"
  say "installed the app into $APP ($(du -sh "$R$APP" | cut -f1), from $FROM)"
fi

# The command on PATH: a relative link, so it also works inside --root DIR.
mkdir -p "$R/usr/local/bin"
if [ "$(readlink "$R$LINK" 2>/dev/null)" = ../../../opt/edgeinspect/edgeinspect ]; then
  say "$LINK already links to $APP/edgeinspect"
else
  ln -sfn ../../../opt/edgeinspect/edgeinspect "$R$LINK"
  say "linked $LINK -> $APP/edgeinspect"
fi

install_file() { # SOURCE TARGET
  mkdir -p "$(dirname "$R$2")"
  if cmp -s "$1" "$R$2"; then say "$2 is up to date"; else install -m 0644 "$1" "$R$2" && say "installed $2"; fi
}
install_file "$SRC/firmware-config/systemd/edgeinspect.service" "$UNIT"
install_file "$SRC/firmware-config/udev/60-edgeinspect-gpio.rules" "$RULE"

if accounts_here; then
  for g in gpio video; do
    if has_group "$g"; then say "group $g exists"
    else groupadd "${account_opts[@]}" --system "$g" && remember "group $g" && say "created group $g"; fi
  done
  if ! has_group "$USER_NAME"; then
    groupadd "${account_opts[@]}" --system "$USER_NAME" && remember "group $USER_NAME" && say "created group $USER_NAME"
  fi
  if has_user "$USER_NAME"; then
    usermod "${account_opts[@]}" -a -G video,gpio "$USER_NAME"
    say "user $USER_NAME exists (in groups video and gpio)"
  else
    useradd "${account_opts[@]}" --system --gid "$USER_NAME" --groups video,gpio --home-dir /var/lib/edgeinspect \
      --no-create-home --shell /usr/sbin/nologin "$USER_NAME" && remember "user $USER_NAME" \
      && say "created system user $USER_NAME (groups video, gpio; home /var/lib/edgeinspect)"
  fi
else
  say "no $DEST/etc/passwd: users and groups not created (the real system gets them)"
fi
printf '%s\n' "${created[@]}" > "$R$MANIFEST"

reload_system
if [ -f "$R/etc/edgeinspect/station.json" ]; then
  say "station file: /etc/edgeinspect/station.json"
else
  say "next: write /etc/edgeinspect/station.json (samples in $APP/stations/), then: sudo systemctl enable --now edgeinspect"
fi
say "done: run \`edgeinspect doctor\` from any folder"
