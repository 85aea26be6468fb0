#!/usr/bin/env bash
# Integration test: the generated contrib/icinga2/healthprobe.conf in a real
# Icinga 2. Installs icinga2 from Debian when it is missing, builds healthprobe
# into a temporary plugin directory, starts the loopback emulators
# (healthprobe demo --serve), writes a minimal Icinga 2 configuration (the
# CheckCommands, services.conf, a REST API on 127.0.0.1), validates it with
# `icinga2 daemon -C`, runs the daemon with temporary state, log and run
# directories, waits (bounded) until every service has a check result and
# asserts through the REST API each service's state, output, executed command
# line and that Icinga 2 parsed its perfdata. Run by .ci/run; standalone:
#
#   contrib/icinga2/test/run.sh
#
# Environment: ICINGA2_TEST_API_PORT (default 5665), ICINGA2_TEST_DEADLINE
# (seconds to wait for check results, default 120), KEEP=1 keeps the
# temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../../.."
repo=$PWD
port=${ICINGA2_TEST_API_PORT:-5665}
deadline=${ICINGA2_TEST_DEADLINE:-120}
start_all=$SECONDS

source contrib/test/lib.sh
fail() {
	echo "icinga2 test: FAIL: $*" >&2
	if [ -s "${work:-/nonexistent}/daemon.log" ]; then
		echo "--- last lines of the daemon log:" >&2
		grep -Ev '/Process: Running command|HttpServerConnection|New client connection' "$work/daemon.log" | tail -n 30 >&2
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

mkdir -p "$work/etc" "$work/data" "$work/log" "$work/cache" "$work/spool" "$work/run"
build_and_start_emulators
# every NAME=VALUE becomes an Icinga 2 constant for services.conf
while IFS='=' read -r name value; do
	printf 'const %s = "%s"\n' "$name" "$value"
done <"$work/vars.env" >"$work/etc/emulators.conf"
grep '^WEB_PASSWORD=' "$work/vars.env" | cut -d= -f2- >"$work/web-password"

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

step "icinga2 daemon -C: validating the configuration"
icinga2 daemon -C -c "$work/etc/icinga2.conf" "${defines[@]}" >"$work/validate.log" 2>&1 || {
	cat "$work/validate.log" >&2
	fail "icinga2 daemon -C rejected the configuration"
}
grep -E 'Instantiated [0-9]+ (CheckCommands?|Services?)' "$work/validate.log" | sed 's/^.*information\/ConfigItem: /   /'

step "running the daemon (as $user) with state in $work"
icinga2 daemon -c "$work/etc/icinga2.conf" "${defines[@]}" >"$work/daemon.log" 2>&1 &
pids+=($!)

api() { curl -sS -k --max-time 10 -u "healthprobe-test:$api_password" -H 'Accept: application/json' "$@"; }
url="https://127.0.0.1:$port/v1"

step "waiting (at most $deadline s) until every service has a check result"
start=$SECONDS
services='{}'
while :; do
	kill -0 "${pids[1]}" 2>/dev/null || fail "the daemon exited"
	if services=$(api "$url/objects/services?attrs=name&attrs=vars&attrs=last_check_result" 2>/dev/null) &&
		jq -e '.results | length > 0 and all(.attrs.last_check_result != null)' <<<"$services" >/dev/null 2>&1; then
		break
	fi
	[ $((SECONDS - start)) -lt "$deadline" ] || fail "not every service had a check result after $deadline s: $(jq -r '[.results[]? | select(.attrs.last_check_result == null) | .attrs.name] | join(", ")' <<<"$services" 2>/dev/null)"
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
		  (if $v.expect_perfdata != false and (($cr.performance_data // []) | length) == 0 then "no perfdata" else empty end)
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
echo "icinga2 test: OK: $count services as expected in $((SECONDS - start_all)) s"
