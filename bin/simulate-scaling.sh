#!/bin/sh
# Times `p2pdma simulate` at 10^4, 10^5 and 10^6 I/Os of 4 KiB (README "Performance of simulate"):
# examples/simulate/million-4k.yaml with its four workloads scaled to 2500, 25000 and 250000 I/Os
# each, one process per size, wall time and peak RSS from GNU time, the I/O phase from --timing.
set -eu
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp examples/simulate/switch-machine.yaml "$tmp/"
echo "| I/Os | size per workload | I/O phase | I/Os per second | wall (whole process) | peak RSS |"
echo "|---|---|---|---|---|---|"
for per in 2500 25000 250000; do
  bytes=$((per * 4096))
  sed "s/size: 1GiB/size: $bytes/" examples/simulate/million-4k.yaml > "$tmp/scaled.yaml"
  /usr/bin/time -f '%e %M' -o "$tmp/time" ./p2pdma simulate "$tmp/scaled.yaml" --timing > "$tmp/out" 2> "$tmp/err"
  phase="$(sed -n 's/^p2pdma: \([0-9]*\) I\/Os in \([0-9.]*\) s (\([0-9]*\) I\/Os per second)$/\2 s|\3/p' "$tmp/err")"
  set -- $(cat "$tmp/time")
  echo "| $((per * 4)) | $bytes bytes | ${phase%%|*} | ${phase##*|} | $1 s | $(( $2 / 1024 )) MiB |"
  if ! grep -q ' 0 errors' "$tmp/out" || grep -q ' [1-9][0-9]* mismatches' "$tmp/out"; then
    echo "simulate-scaling: errors or mismatches at $per I/Os per workload" >&2
    exit 1
  fi
done
