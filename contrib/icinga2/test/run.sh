#!/usr/bin/env bash
# Integration test: the generated contrib/icinga2/healthprobe.conf in a real
# Icinga 2. Installs icinga2 from Debian when it is missing, builds healthprobe
# into a temporary plugin directory, starts the loopback emulators
# (healthprobe demo --serve), writes a minimal Icinga 2 configuration (the
# CheckCommands, services.conf, a REST API on 127.0.0.1), validates it with
# `icinga2 daemon -C`, runs the daemon with temporary state, log and run
# directories, waits (bounded) until every service has a check result and
# asserts through the REST API each service's state, output, executed command
# line and that Icinga 2 parsed its perfdata. A second Icinga 2, an agent on
# its own port with a certificate from the master's CA (agent.conf), runs one
# service's check through command_endpoint; its check_source is asserted.
# Then healthprobe reports into Icinga 2 itself (passive.conf): single checks
# and one `healthprobe run -c` of a thousand checks push their results
# through the REST API (an icinga2 sink), and their state, output, perfdata
# and check source are asserted, with the refusals (no such service, no
# permission, passive checks off, wrong password, an unknown CA) as the
# operator reads them. Run by .ci/run; standalone:
#
#   contrib/icinga2/test/run.sh
#
# Environment: ICINGA2_TEST_API_PORT (default 5665), ICINGA2_TEST_AGENT_PORT
# (default 5667), ICINGA2_TEST_DEADLINE (seconds to wait for check results,
# default 120), ICINGA2_TEST_BATCH (checks in the batch, default 1000),
# KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../../.."
repo=$PWD
port=${ICINGA2_TEST_API_PORT:-5665}
agent_port=${ICINGA2_TEST_AGENT_PORT:-5667}
deadline=${ICINGA2_TEST_DEADLINE:-120}
batch=${ICINGA2_TEST_BATCH:-1000}
start_all=$SECONDS

source contrib/test/lib.sh
fail() {
	echo "icinga2 test: FAIL: $*" >&2
	if [ -s "${work:-/nonexistent}/daemon.log" ]; then
		echo "--- last lines of the daemon log:" >&2
		grep -Ev '/Process: Running command|HttpServerConnection|New client connection' "$work/daemon.log" | tail -n 30 >&2
	fi
	if [ -s "${work:-/nonexistent}/agent/daemon.log" ]; then
		echo "--- last lines of the agent's log:" >&2
		grep -Ev '/Process: Running command|HttpServerConnection|New client connection' "$work/agent/daemon.log" | tail -n 15 >&2
	fi
	exit 1
}

if ! command -v icinga2 >/dev/null || ! command -v jq >/dev/null || ! command -v curl >/dev/null; then
	step "installing icinga2, jq and curl from Debian"
	apt_install icinga2 jq curl
fi
icinga2 --version | head -n 1

start_work icinga2

if curl -sk -o /dev/null "https://127.0.0.1:$port/"; then
	fail "something already listens on 127.0.0.1:$port (set ICINGA2_TEST_API_PORT)"
fi
if curl -sk -o /dev/null "https://127.0.0.1:$agent_port/"; then
	fail "something already listens on 127.0.0.1:$agent_port (set ICINGA2_TEST_AGENT_PORT)"
fi

mkdir -p "$work/etc" "$work/data" "$work/log" "$work/cache" "$work/spool" "$work/run"
mkdir -p "$work/agent/etc" "$work/agent/data" "$work/agent/log" "$work/agent/cache" "$work/agent/spool" "$work/agent/run"
build_and_start_emulators
# every NAME=VALUE becomes an Icinga 2 constant for services.conf
while IFS='=' read -r name value; do
	printf 'const %s = "%s"\n' "$name" "$value"
done <"$work/vars.env" >"$work/etc/emulators.conf"
grep '^WEB_PASSWORD=' "$work/vars.env" | cut -d= -f2- >"$work/web-password"
cp contrib/test/login-flow.yaml "$work/"
web_url=$(grep '^WEB_URL=' "$work/vars.env" | cut -d= -f2-)
report_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$report_password" >"$work/report-password"
printf 'const REPORT_PASSWORD = "%s"\nconst AGENT_PORT = %s\n' "$report_password" "$agent_port" >>"$work/etc/emulators.conf"
# the batch's passive services: batch-0001 ... (every tenth checks a failing page)
for i in $(seq -f '%04g' "$batch"); do
	printf 'object Service "batch-%s" { import "healthprobe-passive"; vars.batch = true }\n' "$i"
done >"$work/etc/batch.conf"

step "writing the configuration and the API certificates"
user=$(id -un)
group=$(id -gn)
defines=(-DDataDir="$work/data" -DLogDir="$work/log" -DCacheDir="$work/cache" -DSpoolDir="$work/spool"
	-DInitRunDir="$work/run" -DRunAsUser="$user" -DRunAsGroup="$group")
node=healthprobe-test
icinga2 pki new-ca "${defines[@]}" >/dev/null
icinga2 pki new-cert --cn "$node" --key "$work/data/$node.key" --csr "$work/data/$node.csr" "${defines[@]}" >/dev/null
icinga2 pki sign-csr --csr "$work/data/$node.csr" --cert "$work/data/$node.crt" "${defines[@]}" >/dev/null
api_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
cat >"$work/etc/icinga2.conf" <<EOF
const NodeName = "$node"
const ZoneName = "$node"
const PluginDir = "$work/plugins"
const WORK_DIR = "$work"

include <itl>
include "$repo/contrib/icinga2/healthprobe.conf"
include "$work/etc/emulators.conf"
include "$repo/contrib/icinga2/test/services.conf"
include "$repo/contrib/icinga2/test/passive.conf"
include "$repo/contrib/icinga2/test/agent.conf"
include "$work/etc/batch.conf"

object Endpoint NodeName {}
object Zone ZoneName { endpoints = [ NodeName ] }
object IcingaApplication "app" {}
object CheckerComponent "checker" {}
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = $port
  cert_path = "$work/data/$node.crt"
  key_path = "$work/data/$node.key"
  ca_path = "$work/data/ca/ca.crt"
}
object ApiUser "healthprobe-test" {
  password = "$api_password"
  permissions = [ "objects/query/*", "console" ]
}
EOF

step "the agent: a certificate from the master's CA, its own configuration"
agent=healthprobe-agent
agent_defines=(-DDataDir="$work/agent/data" -DLogDir="$work/agent/log" -DCacheDir="$work/agent/cache"
	-DSpoolDir="$work/agent/spool" -DInitRunDir="$work/agent/run" -DRunAsUser="$user" -DRunAsGroup="$group")
icinga2 pki new-cert --cn "$agent" --key "$work/agent/data/$agent.key" --csr "$work/agent/data/$agent.csr" "${agent_defines[@]}" >/dev/null
icinga2 pki sign-csr --csr "$work/agent/data/$agent.csr" --cert "$work/agent/data/$agent.crt" "${defines[@]}" >/dev/null
cp "$work/data/ca/ca.crt" "$work/agent/data/ca.crt"
cat >"$work/agent/etc/icinga2.conf" <<AGENT
const NodeName = "$agent"
const ZoneName = "$agent"
const PluginDir = "$work/plugins"

include <itl>
include "$repo/contrib/icinga2/healthprobe.conf"   // the agent runs the checks: it needs the CheckCommands too

object Endpoint "$node" {}                          // the master, which connects to the agent
object Zone "$node" { endpoints = [ "$node" ] }
object Endpoint NodeName {}
object Zone ZoneName { endpoints = [ NodeName ]; parent = "$node" }
object IcingaApplication "app" {}
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = $agent_port
  cert_path = "$work/agent/data/$agent.crt"
  key_path = "$work/agent/data/$agent.key"
  ca_path = "$work/agent/data/ca.crt"
  accept_commands = true
  accept_config = false
}
AGENT
icinga2 daemon -C -c "$work/agent/etc/icinga2.conf" "${agent_defines[@]}" >"$work/agent/validate.log" 2>&1 || {
	cat "$work/agent/validate.log" >&2
	fail "icinga2 daemon -C rejected the agent's configuration"
}

step "icinga2 daemon -C: validating the configuration"
icinga2 daemon -C -c "$work/etc/icinga2.conf" "${defines[@]}" >"$work/validate.log" 2>&1 || {
	cat "$work/validate.log" >&2
	fail "icinga2 daemon -C rejected the configuration"
}
grep -E 'Instantiated [0-9]+ (CheckCommands?|Services?)' "$work/validate.log" | sed 's/^.*information\/ConfigItem: /   /'

step "running the agent and the master (as $user) with state in $work"
icinga2 daemon -c "$work/agent/etc/icinga2.conf" "${agent_defines[@]}" >"$work/agent/daemon.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
icinga2 daemon -c "$work/etc/icinga2.conf" "${defines[@]}" >"$work/daemon.log" 2>&1 &
master_pid=$!
pids+=("$master_pid")

api() { curl -sS -k --max-time 10 -u "healthprobe-test:$api_password" -H 'Accept: application/json' "$@"; }
url="https://127.0.0.1:$port/v1"

# services FILTER: the services the filter selects, with vars and last check result
services() {
	api -G "$url/objects/services" --data-urlencode "filter=$1" --data-urlencode attrs=name \
		--data-urlencode attrs=vars --data-urlencode attrs=last_check_result
}

step "waiting (at most $deadline s) until every active service has a check result (the agent's from the agent)"
start=$SECONDS
services='{}'
while :; do
	kill -0 "$master_pid" 2>/dev/null || fail "the daemon exited"
	kill -0 "$agent_pid" 2>/dev/null || fail "the agent exited"
	# a command_endpoint service's first result may say the agent is not connected yet
	if services=$(services '!service.vars.passive' 2>/dev/null) &&
		jq -e '.results | length > 0 and all(.attrs.last_check_result != null and
			(.attrs.vars.expect_check_source == null or .attrs.last_check_result.check_source == .attrs.vars.expect_check_source))' <<<"$services" >/dev/null 2>&1; then
		break
	fi
	[ $((SECONDS - start)) -lt "$deadline" ] || fail "not every service had a check result after $deadline s: $(jq -r '[.results[]? | select(.attrs.last_check_result == null or (.attrs.vars.expect_check_source != null and .attrs.last_check_result.check_source != .attrs.vars.expect_check_source)) | "\(.attrs.name) (\(.attrs.last_check_result.output // "no result"))"] | join(", ")' <<<"$services" 2>/dev/null)"
	sleep 1
done
echo "   took $((SECONDS - start)) s"

step "asserting state, output, command line and perfdata of every service"
failures=0
count=0
while IFS= read -r svc; do
	count=$((count + 1))
	name=$(jq -r .name <<<"$svc")
	problems=$(jq -r '
		.vars as $v | .cr as $cr | ($cr.output | split("\n")[0] | sub("\\s+$"; "")) as $line |
		($cr.command | if type == "array" then join(" ") else tostring end) as $cmd |
		[ (if $cr.state != $v.expect_state then "state \($cr.state), want \($v.expect_state)" else empty end),
		  (if ($line | test($v.expect_output) | not) then "output \($line | @json) does not match \($v.expect_output | @json)" else empty end),
		  (if $v.expect_command != null and ($cmd | test($v.expect_command) | not) then "command \($cmd | @json) does not match \($v.expect_command | @json)" else empty end),
		  (if $v.expect_hidden != null and (($cmd + $cr.output) | contains($v.expect_hidden)) then "the secret shows in the command line or output" else empty end),
		  (if $v.expect_perfdata != false and (($cr.performance_data // []) | length) == 0 then "no perfdata" else empty end),
		  (if $v.expect_check_source != null and $cr.check_source != $v.expect_check_source then "check source \($cr.check_source | @json), want \($v.expect_check_source | @json)" else empty end)
		] | .[]' <<<"$svc")
	# Icinga 2 must parse every perfdata value: parse_performance_data() in its own console
	script=$(jq -r '[(.cr.performance_data // [])[] | "parse_performance_data(\(@json))"] | "[" + join(", ") + "]"' <<<"$svc")
	parsed=$(api -X POST "$url/console/execute-script" --data "$(jq -n --arg c "$script" '{command: $c, session: "healthprobe-test"}')")
	if ! jq -e '.results[0].code == 200 and (.results[0].result | all(.type == "PerfdataValue"))' <<<"$parsed" >/dev/null; then
		problems+=$'\n'"Icinga 2 could not parse the perfdata: $(jq -c '.results[0].status // .' <<<"$parsed")"
	fi
	line=$(jq -r '.cr.output | split("\n")[0]' <<<"$svc")
	units=$(jq -r '[.results[0].result[]? | "\(.label)=\(.value)\(if .unit != "" then " " + .unit else "" end)"] | .[0:2] | join(", ")' <<<"$parsed")
	if [ -n "${problems//[$'\n ']/}" ]; then
		failures=$((failures + 1))
		printf '   FAIL %-22s %s\n' "$name" "$line"
		sed '/^$/d; s/^/        /' <<<"$problems"
	else
		printf '   ok   %-22s %s%s\n' "$name" "$line" "${units:+  [parsed: $units ...]}"
	fi
done < <(jq -c '.results[] | {name: .attrs.name, vars: .attrs.vars, cr: .attrs.last_check_result}' <<<"$services" | sort)

[ "$count" -gt 0 ] || fail "no services"
[ "$failures" -eq 0 ] || fail "$failures of $count services not as expected"
jq -e '.results[] | select(.attrs.name == "agent-http-ready") | .attrs.last_check_result.check_source == "healthprobe-agent"' <<<"$services" >/dev/null ||
	fail "agent-http-ready's result did not come from the agent"
echo "   agent-http-ready ran on the agent: check_source healthprobe-agent"
active=$count

# report_config FILE [username=U] [ca=LINE]: the icinga2 sink healthprobe reports through
report_config() {
	local file=$1 username=healthprobe-report ca="ca_file: $work/data/ca/ca.crt" kv
	shift
	for kv in "$@"; do
		case $kv in
		username=*) username=${kv#username=} ;;
		ca=*) ca=${kv#ca=} ;;
		esac
	done
	cat >"$file" <<REPORT
sinks:
  - name: icinga
    format: icinga2
    url: https://127.0.0.1:$port
    username: $username
    password_file: $work/report-password
    $ca
    tls_server_name: $node      # the certificate names the node, not 127.0.0.1
    host: healthprobe-test
    check_source: healthprobe-push
REPORT
}
report_config "$work/report.yaml"
hp() { "$work/plugins/healthprobe" "$@"; }

# push NAME WANT_CODE ARGS...: a single check that reports its result, its exit code asserted
push() {
	local name=$1 want=$2 code=0
	shift 2
	hp "$@" --name "$name" --state-dir "$work/hp-state" -t 5 >"$work/push-$name.out" 2>&1 || code=$?
	[ "$code" -eq "$want" ] || fail "healthprobe for $name exited $code, want $want: $(cat "$work/push-$name.out")"
}

step "healthprobe reports single checks into passive services"
push passive-http-ok 0 http "$web_url/ready" -s "service ready" --notify-config "$work/report.yaml"
push passive-http-fail 2 http "$web_url/fail" --notify-config "$work/report.yaml"
for name in passive-http-ok passive-http-fail; do
	grep -qF '\_ [OK] notify icinga: delivered the result (seq 1)' "$work/push-$name.out" ||
		fail "$name: no delivery line in: $(cat "$work/push-$name.out")"
	sed -n 1p "$work/push-$name.out" | cut -c1-110 | sed 's/^/   /'
done

step "asserting through the REST API what the single checks pushed"
assert_passive() { # NAME STATE OUTPUT_REGEX
	local svc
	# no blanks in a filter: curl sends them as +, which Icinga 2 does not read as blanks
	svc=$(services "service.name==\"$1\"") || fail "querying $1"
	jq -e --argjson state "$2" --arg out "$3" '.results[0].attrs.last_check_result as $cr |
		$cr.state == $state and ($cr.output | test($out)) and ($cr.output | contains(" | ") | not) and
		$cr.check_source == "healthprobe-push" and ($cr.performance_data | length) > 0 and
		($cr.performance_data | any(startswith("time=")))' <<<"$svc" >/dev/null ||
		fail "$1 in Icinga 2: $(jq -c '.results[0].attrs.last_check_result | {state, output, performance_data, check_source}' <<<"$svc")"
	printf '   ok   %-20s %s\n' "$1" "$(jq -r '.results[0].attrs.last_check_result | "state \(.state): \(.output | split("\n")[0] | .[0:60]) [\(.performance_data | length) perfdata, from \(.check_source)]"' <<<"$svc")"
}
# the output is line 1 and the long output, without perfdata
assert_passive passive-http-ok 0 '^HTTP OK - 200 OK, keyword "service ready" found, [0-9.]+ s\n\\_ \[OK\] status 200 OK'
assert_passive passive-http-fail 2 '^HTTP CRITICAL - status 503 Service Unavailable'

step "what the operator reads when a report is refused (exit 1: the check was OK, its report not delivered)"
refusal() { # NAME WANT_REGEX ARGS...
	local name=$1 want=$2
	shift 2
	push "$name" 1 http "$web_url/ready" "$@"
	grep -Eq "$want" "$work/push-$name.out" || fail "$name: no line matching $want in: $(cat "$work/push-$name.out")"
	printf '   ok   %s\n' "$(grep -Eo "$want" "$work/push-$name.out")"
}
report_config "$work/no-permission.yaml" username=healthprobe-no-permission
report_config "$work/wrong-password.yaml"
sed -i "s|password_file: .*|password: not-the-password|" "$work/wrong-password.yaml"
report_config "$work/no-ca.yaml" ca="connect_timeout: 5s"
refusal passive-missing 'Icinga 2 has no service healthprobe-test!passive-missing \(404 Not Found\)' --notify-config "$work/report.yaml"
refusal passive-refused 'passive checks are disabled for the Icinga 2 service healthprobe-test!passive-refused \(403 Forbidden\)' --notify-config "$work/report.yaml"
refusal passive-http-ok 'the Icinga 2 API user "healthprobe-no-permission" lacks the permission actions/process-check-result \(404 Not Found\)' --notify-config "$work/no-permission.yaml"
refusal passive-http-ok 'Icinga 2 refused the credentials of API user "healthprobe-report" \(401 Unauthorized\)' --notify-config "$work/wrong-password.yaml"
refusal passive-http-ok 'TLS certificate of 127\.0\.0\.1:[0-9]+ is signed by an unknown authority \(use ca_file, or verify_tls: false\)' --notify-config "$work/no-ca.yaml"
if grep -q "not-the-password" "$work"/push-*.out; then fail "a password shows in the output"; fi

step "one healthprobe run -c of $batch checks reports each check's result into its own service"
{
	echo "defaults:"
	echo "  timeout: 20s"
	echo "checks:"
	for i in $(seq -f '%04g' "$batch"); do
		page=ready
		[ $((10#$i % 10)) -ne 0 ] || page=fail
		printf '  - name: batch-%s\n    kind: http\n    url: %s/%s\n' "$i" "$web_url" "$page"
	done
} >"$work/batch.yaml"
t0=$(date +%s%N)
code=0
hp run -c "$work/batch.yaml" --notify-config "$work/report.yaml" --state-dir "$work/hp-batch" -t 30 >"$work/batch.out" 2>&1 || code=$?
t1=$(date +%s%N)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
[ "$code" -eq 2 ] || fail "run -c exited $code, want 2 (a tenth of the pages fail): $(tail -n 3 "$work/batch.out")"
delivered=$(grep -cF '\_ [OK] notify icinga: delivered the result (seq 1)' "$work/batch.out" || true)
[ "$delivered" -eq "$batch" ] || fail "$delivered of $batch results delivered: $(grep 'notify icinga' "$work/batch.out" | grep -v 'delivered the result' | head -n 3)"
tail -n 1 "$work/batch.out" | cut -c1-100 | sed 's/^/   /'
echo "   $batch checks run and $batch results accepted by Icinga 2 in $elapsed s"

step "asserting through the REST API the $batch results of the batch"
services 'service.vars.batch' >"$work/batch-services.json" || fail "querying the batch's services"
problems=$(jq -r '.results[] | .attrs as $a | $a.last_check_result as $cr |
	($a.name | ltrimstr("batch-") | tonumber) as $i | (if $i % 10 == 0 then 2 else 0 end) as $want |
	if $cr == null then "\($a.name): no result"
	elif $cr.state != $want then "\($a.name): state \($cr.state), want \($want)"
	elif ($cr.output | startswith(if $want == 0 then "HTTP OK - 200 OK" else "HTTP CRITICAL - status 503" end) | not) then "\($a.name): output \($cr.output | @json)"
	elif ($cr.performance_data | length) == 0 then "\($a.name): no perfdata"
	elif $cr.check_source != "healthprobe-push" then "\($a.name): check source \($cr.check_source)"
	else empty end' "$work/batch-services.json")
count=$(jq '.results | length' "$work/batch-services.json")
[ "$count" -eq "$batch" ] || fail "$count batch services in Icinga 2, want $batch"
[ -z "$problems" ] || fail "batch results not as pushed: $(head -n 5 <<<"$problems")"
echo "   all $batch: state, output, perfdata and check source as pushed"

echo "icinga2 test: OK: $active services as expected (one run by the agent), 2 single and $batch batch results pushed, in $((SECONDS - start_all)) s"
