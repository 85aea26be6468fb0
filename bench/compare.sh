#!/usr/bin/env bash
# bench/compare.sh — healthprobe's cost measured beside check_curl
# (monitoring-plugins) and a bare Go net/http GET, on the same static page
# served by nginx on 127.0.0.1. Never part of CI's pass/fail.
#
#   bench/compare.sh            # all three parts, markdown tables on stdout
#   bench/compare.sh single     # 1: one check as a process (RUNS=300 each)
#   bench/compare.sh batch      # 2: N=1000 checks: healthprobe run vs check_curl via xargs -P P=8
#   bench/compare.sh accuracy   # 3: reported response time vs an imposed delay
#
# Needs: go, nginx, hyperfine, check_curl, GNU time (installed with apt-get when
# missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-300}
PORT=${PORT:-18080}
N=${N:-1000}
P=${P:-8}
parts=${*:-single batch accuracy}
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

# built as the release is (.goreleaser.yaml): static, without cgo; a
# dynamically linked Go binary pays the dynamic loader at every start
export CGO_ENABLED=0
go build -trimpath -ldflags "-s -w" -o "$work/healthprobe" ./cmd/healthprobe
go build -trimpath -ldflags "-s -w" -o "$work/bareget" ./bench/bareget
URL="http://127.0.0.1:$PORT/ready"
hp="$work/healthprobe http $URL -s ready"
cc="$CHECK_CURL -H 127.0.0.1 -p $PORT -u /ready -s ready"
bare="$work/bareget $URL"
$hp >/dev/null && $cc >/dev/null && $bare >/dev/null

single() {
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
}

batch() {
  { echo "checks:"; for i in $(seq "$N"); do printf '  - {name: c%d, kind: http, url: "%s", keyword: ready}\n' "$i" "$URL"; done; } > "$work/checks.yaml"
  seq "$N" > "$work/n.txt"
  "$work/healthprobe" run -c "$work/checks.yaml" --concurrency "$P" | tail -n 1
  # a shell runs xargs; its start-up is nothing beside a thousand processes
  hyperfine --style none --warmup 1 --runs "${BATCH_RUNS:-5}" --export-csv "$work/b.csv" \
    -n "healthprobe run" "$work/healthprobe run -c $work/checks.yaml --concurrency $P >/dev/null" \
    -n "check_curl via xargs" "xargs -P $P -I{} $cc < $work/n.txt >/dev/null" >"$work/hyperfine.log" 2>&1 \
    || { cat "$work/hyperfine.log"; exit 1; }
  rss_run=$( { /usr/bin/time -f %M "$work/healthprobe" run -c "$work/checks.yaml" --concurrency "$P" >/dev/null; } 2>&1 | tail -n1)
  awk -F, -v n="$N" -v p="$P" -v rss="$rss_run" '
  NR>1 { name[NR]=$1; mean[$1]=$2 }
  END {
    printf "\n%d checks of the same page, %d at a time:\n\n| route | wall time | per check | speed-up |\n|---|---|---|---|\n", n, p
    hp=mean["healthprobe run"]; cc=mean["check_curl via xargs"]
    printf "| healthprobe run -c (one process) | %.3f s | %.3f ms | %.1fx |\n", hp, hp*1000/n, cc/hp
    printf "| check_curl, one process per check (xargs -P %d) | %.3f s | %.3f ms | 1.0x |\n", p, cc, cc*1000/n
    printf "\nPeak RSS of the batch process: %.1f MiB. Target: at least 10x faster than the process-per-check route.\n", rss/1024
  }' "$work/b.csv"
}

accuracy() {
  go build -o "$work/delayserver" ./bench/delayserver
  dport=$((PORT + 1))
  "$work/delayserver" "127.0.0.1:$dport" &
  dpid=$!
  for _ in $(seq 50); do "$work/bareget" "http://127.0.0.1:$dport/delay?ms=0" >/dev/null 2>&1 && break; sleep 0.1; done
  printf '\nReported response time against an imposed server delay (median of 20 runs):\n\n| imposed delay | reported time | error |\n|---|---|---|\n'
  for ms in 50 200 1000; do
    for _ in $(seq 20); do
      "$work/healthprobe" http "http://127.0.0.1:$dport/delay?ms=$ms" | sed -n 's/.*| time=\([0-9.]*\)s.*/\1/p'
    done | sort -n | awk -v ms="$ms" '{ v[NR]=$1 } END { m=v[int((NR+1)/2)]*1000; printf "| %d ms | %.2f ms | %+.2f%% |\n", ms, m, (m-ms)/ms*100 }'
  done
  kill "$dpid"
  printf '\nTarget: within 5%% of the imposed delay.\n'
}

for part in $parts; do "$part"; done