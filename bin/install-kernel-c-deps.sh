#!/usr/bin/env bash
# Installs what ./bench needs to build and run the kernel's own C beside the JMH rows, from Debian's
# packages: linux-source-6.12 (lib/scatterlist.c, drivers/iommu/iova.c), gcc and python3 (run.sh's table).
# As root it installs whatever is missing with apt-get; otherwise it says what to install and exits 1.
set -euo pipefail
# shellcheck source=bin/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
missing=()
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing+=(linux-source-6.12)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
p2pdma_apt_install install-kernel-c-deps "${missing[@]}"
