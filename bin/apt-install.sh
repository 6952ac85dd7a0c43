# Sourced by bin/install-test-deps.sh and bin/install-kernel-c-deps.sh: installs Debian packages.
# p2pdma_apt_install TAG PACKAGE...: as root with apt-get, installs the packages and says so, prefixed
# with TAG; otherwise says what to install and returns 1.
p2pdma_apt_install() {
  local tag="$1"
  shift
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$tag: missing Debian packages: $*; install them as root: apt-get install $*" >&2
    return 1
  fi
  echo "$tag: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  echo "$tag: installed $*"
}
