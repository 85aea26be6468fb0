# Shared by the Icinga 2 and Nagios integration tests (contrib/*/test/run.sh),
# which source it from the repository root. Each script defines its own
# fail(), which these functions call.

step() { printf -- '-- %s\n' "$*"; }

# apt_install PKG...: installs Debian packages (as root, or with sudo).
apt_install() {
	local sudo="" start=$SECONDS
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
	echo "   took $((SECONDS - start)) s"
}

# start_work NAME: a temporary directory in $work, and a trap that stops
# every process in $pids and removes it (KEEP=1 keeps it).
start_work() {
	work=$(mktemp -d "/tmp/healthprobe-$1.XXXXXX")
	pids=()
	trap cleanup EXIT
}

cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# build_and_start_emulators: healthprobe into $work/plugins, and the demo's
# emulators served by it (healthprobe demo --serve) with their variables
# (URLs, credentials) in $work/vars.env.
build_and_start_emulators() {
	step "building healthprobe into $work/plugins"
	mkdir -p "$work/plugins"
	go build -o "$work/plugins/healthprobe" ./cmd/healthprobe

	step "starting the emulators: healthprobe demo --serve"
	"$work/plugins/healthprobe" demo --serve --vars "$work/vars.env" >"$work/emulators.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		[ -s "$work/vars.env" ] && break
		kill -0 "${pids[0]}" 2>/dev/null || fail "the emulators exited: $(cat "$work/emulators.log")"
		sleep 0.1
	done
	[ -s "$work/vars.env" ] || fail "the emulators wrote no $work/vars.env within 10 s"
}
