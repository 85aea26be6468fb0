#!/usr/bin/env bash
# Integration test: the generated contrib/nagios/healthprobe.cfg in a real
# Nagios Core 4. Installs nagios4-core from Debian when it is missing, builds
# healthprobe into a temporary plugin directory ($USER1$), puts the web
# emulator's password into $USER3$ of a resource.cfg, starts the loopback
# emulators, validates the configuration (nagios4 -v), runs Nagios in the
# foreground with temporary files and one-second intervals, waits (bounded)
# until every service was checked, and asserts each service's state, output
# and perfdata from status.dat. Run by .ci/run; standalone:
#
#   contrib/nagios/test/run.sh
#
# Environment: NAGIOS_TEST_DEADLINE (seconds, default 120), KEEP=1 keeps the
# temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../../.."
repo=$PWD
deadline=${NAGIOS_TEST_DEADLINE:-120}
start_all=$SECONDS

source contrib/test/lib.sh
fail() {
	echo "nagios test: FAIL: $*" >&2
	[ -s "${work:-/nonexistent}/nagios.log" ] && tail -n 20 "$work/nagios.log" >&2
	exit 1
}

if ! command -v nagios4 >/dev/null; then
	step "installing nagios4-core from Debian"
	apt_install nagios4-core
fi
nagios4 --version | grep -m1 '^Nagios Core'

start_work nagios

mkdir -p "$work/var" "$work/spool"
build_and_start_emulators
web_password=$(grep '^WEB_PASSWORD=' "$work/vars.env" | cut -d= -f2-)
printf '%s\n' "$web_password" >"$work/web-password"
# the flow reads its URL and password from the environment, which Nagios
# passes on to its plugins
cp contrib/test/login-flow.yaml "$work/"
export LOGIN_API_URL LOGIN_API_PASSWORD
LOGIN_API_URL=$(grep '^LOGIN_API_URL=' "$work/vars.env" | cut -d= -f2-)
LOGIN_API_PASSWORD=$(grep '^LOGIN_API_PASSWORD=' "$work/vars.env" | cut -d= -f2-)

step "writing the configuration"
# services.cfg.in with @NAME@ replaced by the emulators' variables and @WORK_DIR@
sed_args=(-e "s|@WORK_DIR@|$work|g")
while IFS='=' read -r name value; do
	sed_args+=(-e "s|@$name@|$value|g")
done <"$work/vars.env"
sed "${sed_args[@]}" contrib/nagios/test/services.cfg.in >"$work/services.cfg"
cat >"$work/resource.cfg" <<EOF
\$USER1\$=$work/plugins
\$USER3\$=$web_password
\$USER5\$=$(grep '^ITGRIX_PASSWORD=' "$work/vars.env" | cut -d= -f2-)
\$USER10\$=$(grep '^KALEYRA_API_KEY=' "$work/vars.env" | cut -d= -f2-)
\$USER14\$=$(grep '^PEXIP_FLEET_PASSWORD=' "$work/vars.env" | cut -d= -f2-)
EOF
chmod 600 "$work/resource.cfg"
cat >"$work/objects.cfg" <<'EOF'
define command {
    command_name  healthprobe-test-nothing
    command_line  /bin/true
}
define timeperiod {
    timeperiod_name  always
    alias            always
    sunday           00:00-24:00
    monday           00:00-24:00
    tuesday          00:00-24:00
    wednesday        00:00-24:00
    thursday         00:00-24:00
    friday           00:00-24:00
    saturday         00:00-24:00
}
define contact {
    contact_name                   healthprobe-test
    host_notifications_enabled     0
    service_notifications_enabled  0
    host_notification_period       always
    service_notification_period    always
    host_notification_options      n
    service_notification_options   n
    host_notification_commands     healthprobe-test-nothing
    service_notification_commands  healthprobe-test-nothing
}
define host {
    host_name             healthprobe-test
    address               127.0.0.1
    check_command         healthprobe-test-nothing
    max_check_attempts    1
    check_period          always
    notification_period   always
    contacts              healthprobe-test
}
define service {
    name                  healthprobe-test
    register              0
    host_name             healthprobe-test
    max_check_attempts    1
    check_interval        2
    retry_interval        2
    check_period          always
    notification_period   always
    contacts              healthprobe-test
}
EOF
cat >"$work/nagios.cfg" <<EOF
cfg_file=$repo/contrib/nagios/healthprobe.cfg
cfg_file=$work/objects.cfg
cfg_file=$work/services.cfg
resource_file=$work/resource.cfg
log_file=$work/nagios.log
status_file=$work/var/status.dat
status_update_interval=1
object_cache_file=$work/var/objects.cache
precached_object_file=$work/var/objects.precache
temp_file=$work/var/nagios.tmp
temp_path=$work/var
lock_file=$work/var/nagios.lock
state_retention_file=$work/var/retention.dat
retain_state_information=0
check_result_path=$work/spool
command_file=$work/var/nagios.cmd
query_socket=$work/var/nagios.qh
check_external_commands=0
nagios_user=$(id -un)
nagios_group=$(id -gn)
interval_length=1
max_service_check_spread=1
max_host_check_spread=1
enable_notifications=0
use_syslog=0
illegal_macro_output_chars=\`~\$&|'"<>
EOF

step "nagios4 -v: validating the configuration"
nagios4 -v "$work/nagios.cfg" >"$work/validate.log" 2>&1 || {
	cat "$work/validate.log" >&2
	fail "nagios4 -v rejected the configuration"
}
grep -E '^[[:space:]]+Checked [0-9]+ (commands|services)\.' "$work/validate.log"

step "running Nagios (as $(id -un)) with its files in $work"
nagios4 "$work/nagios.cfg" >"$work/nagios.out" 2>&1 &
pids+=($!)

# status.dat as one line per service, fields separated by \x1f (a tab would
# let read merge empty fields): description, checked, state, output, perfdata,
# expected state, expected output, expect perfdata, hidden
table() {
	awk '
		/^servicestatus \{/ { in_svc = 1; delete v; next }
		in_svc && /^\t}/ {
			in_svc = 0
			printf "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\n", v["service_description"], v["has_been_checked"],
				v["current_state"], v["plugin_output"], v["performance_data"], v["_EXPECT_STATE"],
				v["_EXPECT_OUTPUT"], v["_EXPECT_PERF"], v["_EXPECT_HIDDEN"]
			next
		}
		in_svc {
			line = $0; sub(/^\t/, "", line)
			key = line; sub(/=.*/, "", key)
			val = substr(line, length(key) + 2)
			if (key ~ /^_/) sub(/^[0-9]+;/, "", val)   # custom variables: modified;value
			v[key] = val
		}' "$work/var/status.dat"
}

step "waiting (at most $deadline s) until every service was checked"
start=$SECONDS
while :; do
	kill -0 "${pids[1]}" 2>/dev/null || fail "Nagios exited: $(tail -n 5 "$work/nagios.out")"
	if [ -s "$work/var/status.dat" ] && rows=$(table) && [ -n "$rows" ] &&
		! cut -d $'\x1f' -f2 <<<"$rows" | grep -qv '^1$'; then
		break
	fi
	[ $((SECONDS - start)) -lt "$deadline" ] || fail "not every service was checked after $deadline s"
	sleep 1
done
echo "   took $((SECONDS - start)) s"

step "asserting state, output and perfdata of every service"
failures=0
count=0
while IFS=$'\x1f' read -r name _ state output perf want_state want_output want_perf hidden; do
	count=$((count + 1))
	problems=()
	[ "$state" = "$want_state" ] || problems+=("state $state, want $want_state")
	grep -Eq -- "$want_output" <<<"$output" || problems+=("output does not match $want_output")
	[ "$want_perf" = 0 ] || [ -n "$perf" ] || problems+=("no perfdata")
	if [ -n "$hidden" ] && [[ "$output$perf" == *"$hidden"* ]]; then problems+=("the secret shows in the output"); fi
	if [ ${#problems[@]} -gt 0 ]; then
		failures=$((failures + 1))
		printf '   FAIL %-24s %s\n' "$name" "$output"
		printf '        %s\n' "${problems[@]}"
	else
		printf '   ok   %-24s %s\n' "$name" "$output"
	fi
done < <(table | sort)
[ "$count" -gt 0 ] || fail "no services"
[ "$failures" -eq 0 ] || fail "$failures of $count services not as expected"
echo "nagios test: OK: $count services as expected in $((SECONDS - start_all)) s"
