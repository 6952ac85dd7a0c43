#!/usr/bin/env bash
# Installs what the browser test of the HTML report needs, from Debian's packages:
#   chromium, chromium-driver (headless Chromium and its WebDriver) and pci.ids (device names).
# As root it installs whatever is missing with apt-get; otherwise it says what to install and exits 1.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -f /usr/share/misc/pci.ids ] || missing+=(pci.ids)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: chromium, chromium-driver and pci.ids are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing Debian packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-test-deps: installed ${missing[*]}"
