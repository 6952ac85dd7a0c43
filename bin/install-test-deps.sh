#!/usr/bin/env bash
# Installs what the browser test of the HTML report needs, from Debian's packages:
#   chromium, chromium-driver (headless Chromium and its WebDriver) and pci.ids (device names).
# As root it installs whatever is missing with apt-get; otherwise it says what to install and exits 1.
set -euo pipefail
# shellcheck source=bin/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -f /usr/share/misc/pci.ids ] || missing+=(pci.ids)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: chromium, chromium-driver and pci.ids are installed"
  exit 0
fi
p2pdma_apt_install install-test-deps "${missing[@]}"
