#!/usr/bin/env bash
# Install the Debian/Ubuntu packages hall needs, only those that are missing.
# Used by `make install`; safe to run again. Needs root or sudo when something is missing.
set -euo pipefail

# package -> a command or file that proves it is installed
declare -A NEEDS=(
  [python3-venv]="python3 -m venv --help"
  # speech: the espeak-ng voices and data, and the library pyttsx3 loads through ctypes
  [espeak-ng]="command -v espeak-ng"
  [libespeak-ng1]="/sbin/ldconfig -p | grep -q libespeak-ng.so.1"
  # browser tests of the widget: Debian's Chromium (never a downloaded browser), a Chinese font
  # so pages render hanzi, and Node.js with npm for axe-core
  [chromium]="test -x /usr/bin/chromium"
  [chromium-driver]="test -x /usr/bin/chromedriver"
  [fonts-wqy-microhei]="test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
  [npm]="command -v npm"
)

missing=()
for package in "${!NEEDS[@]}"; do
  if ! eval "${NEEDS[$package]}" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "system-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "system-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
