#!/usr/bin/env bash
# Integration test: healthprobe's pushgateway sink into a real Prometheus
# Pushgateway from Debian (prometheus-pushgateway). Installs it when it is
# missing, starts it on loopback without persistence, pushes the results of
# single checks (--push pushgateway=URL) and of a batch (a pushgateway sink
# in --notify-config, a job of its own), then scrapes /metrics and asserts
# the series: healthprobe_state, healthprobe_up, healthprobe_duration_seconds
# and healthprobe_perfdata under each group's job and instance labels,
# the base64 path form for an instance with a /, and that a second push
# replaces the group. Run by .ci/run; standalone:
#
#   contrib/pushgateway/test/run.sh
#
# Environment: PUSHGATEWAY_TEST_PORT (default 9091), KEEP=1 keeps the
# temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../../.."
port=${PUSHGATEWAY_TEST_PORT:-9091}
start_all=$SECONDS

source contrib/test/lib.sh
fail() {
	echo "pushgateway test: FAIL: $*" >&2
	if [ -s "${work:-/nonexistent}/pushgateway.log" ]; then
		echo "--- last lines of the Pushgateway's log:" >&2
		tail -n 10 "$work/pushgateway.log" >&2
	fi
	exit 1
}

if ! command -v prometheus-pushgateway >/dev/null || ! command -v curl >/dev/null; then
	step "installing prometheus-pushgateway and curl from Debian"
	apt_install prometheus-pushgateway curl
fi
prometheus-pushgateway --version 2>&1 | head -n 1

start_work pushgateway
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
	fail "something already listens on 127.0.0.1:$port (set PUSHGATEWAY_TEST_PORT)"
fi
build_and_start_emulators
web_url=$(grep '^WEB_URL=' "$work/vars.env" | cut -d= -f2-)
gateway=http://127.0.0.1:$port

step "starting the Pushgateway on 127.0.0.1:$port"
prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="" >"$work/pushgateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
for _ in $(seq 100); do
	curl -sf -o /dev/null "$gateway/-/ready" && break
	kill -0 "$gateway_pid" 2>/dev/null || fail "the Pushgateway exited"
	sleep 0.1
done
curl -sf -o /dev/null "$gateway/-/ready" || fail "the Pushgateway was not ready within 10 s"

hp() { "$work/plugins/healthprobe" "$@"; }
# run WANT_CODE ARGS...: healthprobe, its exit code asserted, its output in $work/out
run() {
	local want=$1 code=0
	shift
	hp "$@" --state-dir "$work/state" -t 5 >"$work/out" 2>&1 || code=$?
	[ "$code" -eq "$want" ] || fail "healthprobe $* exited $code, want $want: $(cat "$work/out")"
	grep -q 'notify pushgateway.*: delivered the result' "$work/out" || fail "no delivery line: $(cat "$work/out")"
}

step "pushing single checks (--push pushgateway=$gateway)"
run 0 http "$web_url/ready" -s "service ready" --name web-ready --push "pushgateway=$gateway"
run 2 http "$web_url/fail" --push "pushgateway=$gateway" # no --name: the instance holds a /
noname="http $web_url/fail"

step "pushing a batch (a pushgateway sink with job: batch)"
cat >"$work/batch.yaml" <<BATCH
checks:
  - name: batch-ok
    kind: http
    url: $web_url/ready
  - name: batch-slow
    kind: http
    url: $web_url/slow?delay=100ms
    warning: 0.05
BATCH
cat >"$work/sinks.yaml" <<SINKS
sinks:
  - name: pushgateway
    format: pushgateway
    url: $gateway
    job: batch
SINKS
code=0
hp run -c "$work/batch.yaml" --notify-config "$work/sinks.yaml" --state-dir "$work/state" >"$work/out" 2>&1 || code=$?
[ "$code" -eq 1 ] || fail "run -c exited $code, want 1: $(cat "$work/out")"
[ "$(grep -c 'notify pushgateway: delivered the result' "$work/out")" -eq 2 ] || fail "not every result delivered: $(cat "$work/out")"

step "scraping $gateway/metrics and asserting the series"
curl -sf "$gateway/metrics" >"$work/metrics" || fail "scraping /metrics failed"
failures=0
# series REGEX: a line of the scrape must match (labels as the Pushgateway sorts them)
series() {
	if grep -Eq "^$1\$" "$work/metrics"; then
		printf '   ok   %s\n' "$(grep -Em1 "^$1\$" "$work/metrics")"
	else
		printf '   FAIL no series matching %s\n' "$1"
		failures=$((failures + 1))
	fi
}
re_url=$(sed 's/[.[\*^$()+?{}|/]/\\&/g' <<<"$noname")
series 'healthprobe_state\{check="web-ready",instance="web-ready",job="healthprobe",kind="http"\} 0'
series 'healthprobe_up\{check="web-ready",instance="web-ready",job="healthprobe",kind="http"\} 1'
series 'healthprobe_duration_seconds\{check="web-ready",instance="web-ready",job="healthprobe",kind="http"\} [0-9.e+-]+'
series 'healthprobe_perfdata\{check="web-ready",instance="web-ready",job="healthprobe",kind="http",label="size",uom="B"\} 96'
series 'healthprobe_perfdata\{check="web-ready",instance="web-ready",job="healthprobe",kind="http",label="time",uom="s"\} [0-9.e+-]+'
series "healthprobe_state\\{check=\"$re_url\",instance=\"$re_url\",job=\"healthprobe\",kind=\"http\"\\} 2"
series "healthprobe_up\\{check=\"$re_url\",instance=\"$re_url\",job=\"healthprobe\",kind=\"http\"\\} 0"
series 'healthprobe_state\{check="batch-ok",instance="batch-ok",job="batch",kind="http"\} 0'
series 'healthprobe_state\{check="batch-slow",instance="batch-slow",job="batch",kind="http"\} 1'
series 'healthprobe_up\{check="batch-slow",instance="batch-slow",job="batch",kind="http"\} 1'
series 'push_time_seconds\{instance="web-ready",job="healthprobe"\} [0-9.e+-]+'
series 'push_failure_time_seconds\{instance="web-ready",job="healthprobe"\} 0'
[ "$failures" -eq 0 ] || fail "$failures series missing from the scrape"

step "a second push replaces the group (PUT): web-ready is now CRITICAL, its old perfdata gone"
run 2 http "$web_url/fail" --name web-ready --push "pushgateway=$gateway"
curl -sf "$gateway/metrics" >"$work/metrics" || fail "scraping /metrics failed"
series 'healthprobe_state\{check="web-ready",instance="web-ready",job="healthprobe",kind="http"\} 2'
series 'healthprobe_perfdata\{check="web-ready",instance="web-ready",job="healthprobe",kind="http",label="size",uom="B"\} 56'
if grep -q '^healthprobe_perfdata{check="web-ready",.*label="size",uom="B"} 96$' "$work/metrics"; then
	fail "the first push's perfdata is still in the group"
fi
[ "$failures" -eq 0 ] || fail "the second push did not replace the group"
if grep -q 'push_failure_time_seconds{[^}]*} [1-9]' "$work/metrics"; then
	fail "the Pushgateway refused a push: $(grep 'push_failure_time_seconds' "$work/metrics")"
fi

echo "pushgateway test: OK: 4 groups pushed and scraped in $((SECONDS - start_all)) s"
