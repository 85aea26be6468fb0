#!/usr/bin/env bash
# bench/compare.sh — what one healthprobe check costs as a process, side by side
# with check_curl (monitoring-plugins) and a bare Go net/http GET, against the
# same static page served by nginx on 127.0.0.1. Never part of CI's pass/fail.
#
#   bench/compare.sh            # 300 runs each, prints a markdown table
#   RUNS=1000 bench/compare.sh
#
# Needs: go, nginx, hyperfine, check_curl, GNU time (installed with apt-get when
# missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-300}
PORT=${PORT:-18080}
CHECK_CURL=/usr/lib/nagios/plugins/check_curl

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x "$CHECK_CURL" ] || need+=(monitoring-plugins-standard)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/www" "$work/tmp"
echo '<html><body><p>service ready</p></body></html>' > "$work/www/ready"
sed "s#PREFIX#$work#g; s#PORT#$PORT#" bench/nginx.conf > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" &
for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done

go build -trimpath -ldflags "-s -w" -o "$work/healthprobe" ./cmd/healthprobe
go build -trimpath -ldflags "-s -w" -o "$work/bareget" ./bench/bareget
URL="http://127.0.0.1:$PORT/ready"
hp="$work/healthprobe http $URL -s ready"
cc="$CHECK_CURL -H 127.0.0.1 -p $PORT -u /ready -s ready"
bare="$work/bareget $URL"
$hp >/dev/null && $cc >/dev/null && $bare >/dev/null

hyperfine -N ${HYPERFINE_OPTS:---style none} --warmup 30 --runs "$RUNS" --export-csv "$work/t.csv" \
  -n healthprobe "$hp" -n check_curl "$cc" -n bareget "$bare" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }

peak() { # max RSS in KiB over 30 runs
  local m=0 v
  for _ in $(seq 30); do
    v=$( { /usr/bin/time -f %M "$@" >/dev/null; } 2>&1 | tail -n1)
    [ "$v" -gt "$m" ] && m=$v
  done
  echo "$m"
}
rss_hp=$(peak $hp); rss_cc=$(peak $cc); rss_bare=$(peak $bare)

awk -F, -v rh="$rss_hp" -v rc="$rss_cc" -v rb="$rss_bare" -v runs="$RUNS" '
NR>1 { mean[$1]=$2*1000; sd[$1]=$3*1000 }
END {
  printf "One check as a process, %d runs each against nginx on loopback (hyperfine -N):\n\n", runs
  printf "| command | mean wall time | ± | peak RSS | vs check_curl | vs bare Go GET |\n|---|---|---|---|---|---|\n"
  split("healthprobe check_curl bareget", names, " ")
  rss["healthprobe"]=rh; rss["check_curl"]=rc; rss["bareget"]=rb
  for (i=1;i<=3;i++) { n=names[i]
    printf "| %s | %.2f ms | %.2f ms | %.1f MiB | %.2fx | %.2fx |\n", n, mean[n], sd[n], rss[n]/1024, mean[n]/mean["check_curl"], mean[n]/mean["bareget"] }
  printf "\nTargets: healthprobe at most 0.60x check_curl and 1.50x the bare GET, under 20 MiB peak.\n"
}' "$work/t.csv"
