#!/usr/bin/env bash
# bench/compare.sh — healthprobe's cost measured beside check_curl
# (monitoring-plugins) and a bare Go net/http GET, on the same static page
# served by nginx on 127.0.0.1. Never part of CI's pass/fail.
#
#   bench/compare.sh            # all four parts, markdown tables on stdout
#   bench/compare.sh single     # 1: one check as a process (RUNS=300 each)
#   bench/compare.sh batch      # 2: healthprobe run -c with 1k, 10k, 100k checks (SIZES) beside
#                               #    bench/barerun making the same GETs, P=16 at a time
#   bench/compare.sh processes  # 3: N=1000 checks in one process vs check_curl once per check (xargs -P)
#   bench/compare.sh accuracy   # 4: reported response time vs an imposed delay
#
# HEALTHPROBE=PATH measures that binary instead of building this tree's;
# BASELINE=PATH adds that binary (an earlier commit's, built the same way,
# see below) to the batch part's rounds, as a route of its own.
#
# Needs: go, nginx, hyperfine, check_curl, GNU time (installed with apt-get when
# missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-300}
PORT=${PORT:-18080}
N=${N:-1000}
P=${P:-16}
SIZES=${SIZES:-1000 10000 50000 100000}
parts=${*:-single batch processes accuracy}
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
if [ -n "${HEALTHPROBE:-}" ]; then # a binary built elsewhere: an earlier commit, say
  cp "$HEALTHPROBE" "$work/healthprobe"
else
  go build -trimpath -ldflags "-s -w" -o "$work/healthprobe" ./cmd/healthprobe
fi
go build -trimpath -ldflags "-s -w" -o "$work/bareget" ./bench/bareget
go build -trimpath -ldflags "-s -w" -o "$work/barerun" ./bench/barerun
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

# the machine's load (1, 5 and 15 minutes), to read the figures by
load() { cut -d' ' -f1-3 /proc/loadavg; }

# checks N: a batch file of N http checks of the page, each with its url
# (about 55 bytes a check); past the 4 MiB a batch file may have (100,000
# checks), the url is in the defaults and a check is its name and kind
# (about 30 bytes)
checks() {
  { printf 'defaults:\n  keyword: ready\nchecks:\n'
    for i in $(seq "$1"); do printf -- '- {name: c%d, kind: http, url: "%s"}\n' "$i" "$URL"; done
  } > "$work/checks-$1.yaml"
  if [ "$(stat -c %s "$work/checks-$1.yaml")" -gt $((4 << 20)) ]; then
    { printf 'defaults:\n  keyword: ready\n  url: "%s"\nchecks:\n' "$URL"
      for i in $(seq "$1"); do printf -- '- {name: c%d, kind: http}\n' "$i"; done
    } > "$work/checks-$1.yaml"
  fi
}

batch() {
  printf '\nhealthprobe run -c with N http checks of the page, %d at a time, beside bench/barerun\n' "$P"
  printf 'making the same N GETs (a fresh connection each, body read, keyword searched).\n'
  printf 'Medians of rounds of one hyperfine run of each (wall time, CPU = user+system), peak RSS the largest of 3 runs:\n\n'
  printf '| checks | route | wall time | CPU | peak RSS | wall vs barerun | load before/after |\n|---|---|---|---|---|---|---|\n'
  for n in $SIZES; do
    checks "$n"
    label=$n
    if grep -q '^  url:' "$work/checks-$n.yaml"; then label="$n (url in defaults)"; fi
    runs=${BATCH_RUNS:-$(( n >= 100000 ? 3 : n >= 10000 ? 7 : 15 ))}
    names=("healthprobe run -c") cmds=("$work/healthprobe run -c $work/checks-$n.yaml --concurrency $P")
    # an earlier build, measured in the same rounds, where it takes the file
    # (a build from before url: in the defaults does not)
    if [ -n "${BASELINE:-}" ] && "$BASELINE" run -c "$work/checks-$n.yaml" --dry-run >/dev/null 2>&1; then
      names+=("healthprobe run -c (baseline)") cmds+=("$BASELINE run -c $work/checks-$n.yaml --concurrency $P")
    fi
    names+=(barerun) cmds+=("$work/barerun $n $P ready $URL")
    out=$("${cmds[0]%% *}" run -c "$work/checks-$n.yaml" --dry-run | sed -n 1p || true)
    if [[ $out == "RUN UNKNOWN"* ]]; then # a file over the cap, say
      printf '| %d | (a file of %d bytes: %s) | | | | | |\n' "$n" "$(stat -c %s "$work/checks-$n.yaml")" "$out"
      continue
    fi
    "${cmds[0]%% *}" run -c "$work/checks-$n.yaml" --concurrency "$P" | sed -n 1p >&2
    before=$(load)
    # hyperfine once per round, each round one run of each route, so that a
    # change in the machine's load falls on all; medians over the rounds
    : > "$work/rounds.csv"
    args=()
    for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    for r in $(seq 0 "$runs"); do
      hyperfine -N --style none --runs 1 --export-csv "$work/b.csv" "${args[@]}" >"$work/hyperfine.log" 2>&1 \
        || { cat "$work/hyperfine.log"; exit 1; }
      [ "$r" -gt 0 ] && tail -n +2 "$work/b.csv" >> "$work/rounds.csv" # round 0 warms up
    done
    after=$(load)
    : > "$work/rss.txt"
    for i in "${!names[@]}"; do
      m=0
      for _ in 1 2 3; do
        v=$( { /usr/bin/time -f %M ${cmds[$i]} >/dev/null; } 2>&1 | tail -n1); [ "$v" -gt "$m" ] && m=$v
      done
      printf '%s,%s\n' "${names[$i]}" "$m" >> "$work/rss.txt"
    done
    awk -F, -v n="$label" -v before="$before" -v after="$after" '
    function median(name, a,   k, i, j, t) { # a[name, 1..k]
      k=cnt[name]; for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[name,j]<a[name,i]) { t=a[name,i]; a[name,i]=a[name,j]; a[name,j]=t }
      return k%2 ? a[name,(k+1)/2] : (a[name,k/2]+a[name,k/2+1])/2 }
    FILENAME ~ /rss/ { rss[$1]=$2; next }
    { if (!($1 in cnt)) order[++nn]=$1; c=++cnt[$1]; wall[$1,c]=$2; cpu[$1,c]=$5+$6 }
    END {
      b=median("barerun", wall)
      for (i=1;i<=nn;i++) { name=order[i]; w=median(name, wall)
        printf "| %s | %s | %.3f s | %.3f s | %.1f MiB | %.2fx | %s |\n", n, name, w, median(name, cpu), rss[name]/1024, w/b, (i==1 ? before " / " after : "") }
    }' "$work/rss.txt" "$work/rounds.csv"
  done
  printf '\nTargets: at most 1.5x barerun at 1k and 10k checks, at most 40 MiB peak at 10k.\n'
}

# processes: N checks in one healthprobe process against check_curl started
# once per check
processes() {
  checks "$N"
  seq "$N" > "$work/n.txt"
  # a shell runs xargs; its start-up is nothing beside a thousand processes
  hyperfine --style none --warmup 1 --runs "${XARGS_RUNS:-5}" --export-csv "$work/b.csv" \
    -n "healthprobe run" "$work/healthprobe run -c $work/checks-$N.yaml --concurrency $P >/dev/null" \
    -n "check_curl via xargs" "xargs -P $P -I{} $cc < $work/n.txt >/dev/null" >"$work/hyperfine.log" 2>&1 \
    || { cat "$work/hyperfine.log"; exit 1; }
  awk -F, -v n="$N" -v p="$P" '
  NR>1 { med[$1]=$4 }
  END {
    printf "\n%d checks of the same page, %d at a time, against a process per check:\n\n| route | wall time | per check | speed-up |\n|---|---|---|---|\n", n, p
    hp=med["healthprobe run"]; cc=med["check_curl via xargs"]
    printf "| healthprobe run -c (one process) | %.3f s | %.3f ms | %.1fx |\n", hp, hp*1000/n, cc/hp
    printf "| check_curl, one process per check (xargs -P %d) | %.3f s | %.3f ms | 1.0x |\n", p, cc, cc*1000/n
    printf "\nTarget: at least 10x faster than the process-per-check route.\n"
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