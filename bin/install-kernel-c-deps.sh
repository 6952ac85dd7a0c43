#!/usr/bin/env bash
# Installs what ./bench needs to build and run the kernel's own C beside the JMH rows, from Debian's
# packages: linux-source-6.12 (lib/scatterlist.c, drivers/iommu/iova.c), gcc and python3 (run.sh's table).
# As root it installs whatever is missing with apt-get; otherwise it says what to install and exits 1.
set -euo pipefail
missing=()
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing+=(linux-source-6.12)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-kernel-c-deps: missing Debian packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-kernel-c-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-kernel-c-deps: installed ${missing[*]}"
