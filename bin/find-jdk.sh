# Sourced by ./mvnw, ./p2pdma, ./bench and .ci/run: picks a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is >= 21, then the newest /usr/lib/jvm/* that is >= 21.
# Prints one clear line and returns 1 when there is none.

p2pdma_jdk_major() {
  # prints the major version of the JDK at $1, or nothing; reads the JDK's release file when it has
  # one (no JVM started: this runs on every ./p2pdma launch), else asks javac
  local javac="$1/bin/javac" line
  [ -x "$javac" ] || return 0
  if [ -f "$1/release" ]; then
    line=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1)
    case "$line" in ''|*[!0-9]*) ;; *) printf '%s' "$line"; return 0 ;; esac
  fi
  line=$("$javac" -version 2>&1 | head -n 1)
  line=${line#javac }
  line=${line%%[.+-]*}
  case "$line" in ''|*[!0-9]*) return 0 ;; esac
  printf '%s' "$line"
}

p2pdma_find_jdk() {
  local major best="" best_major=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(p2pdma_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME
      return 0
    fi
  fi
  for dir in /usr/lib/jvm/*; do
    [ -d "$dir" ] || continue
    major=$(p2pdma_jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "p2pdma: no JDK >= 21 found (JAVA_HOME=${JAVA_HOME:-unset}; none under /usr/lib/jvm). Install one, e.g. 'apt-get install openjdk-21-jdk-headless', or set JAVA_HOME." >&2
    return 1
  fi
  JAVA_HOME="$best"
  export JAVA_HOME
  return 0
}
