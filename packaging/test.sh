#!/usr/bin/env bash
# Packaging check, run by .ci/run: installs goreleaser at a pinned version,
# validates .goreleaser.yaml, builds a snapshot release twice (the second must
# be byte-identical: reproducible builds), checks what the archives, the .deb
# and the .rpm contain, installs the .rpm into a scratch root (rpm -V, runs it),
# then installs the .deb and uses what it installed:
# the binary through the PATH link, the man pages and the bash completion.
# Needs root (or sudo) for apt-get and dpkg; removes the package again.
set -euo pipefail
cd "$(dirname "$0")/.."
# v2.15.1: the newest goreleaser that builds with Go 1.26 (v2.18 wants Go
# 1.27) and whose dependencies all come from the Go module proxy (v2.16 and
# v2.17 need go.digitalxero.dev/go-msix, which a restricted proxy may refuse).
GORELEASER_VERSION=v2.15.1
export PATH="$PATH:$(go env GOPATH)/bin"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

step() { printf -- '-- %s\n' "$*"; }
fail() {
	echo "packaging: FAIL: $*" >&2
	exit 1
}
# has LIST PATTERN: the listing has a line matching the extended regex
has() { grep -Eq -- "$2" <<<"$1" || fail "no line matching '$2' in:"$'\n'"$1"; }

# the Debian tools the checks use: rpm (to read the .rpm), unzip, man-db and
# bash-completion (to use what the .deb installs)
need=()
command -v rpm >/dev/null || need+=(rpm)
command -v unzip >/dev/null || need+=(unzip)
command -v man >/dev/null || need+=(man-db)
[ -f /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
if [ ${#need[@]} -gt 0 ]; then
	step "apt-get install ${need[*]}"
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ "$(goreleaser --version 2>/dev/null | awk '/^GitVersion:/ {print $2}')" != "$GORELEASER_VERSION" ]; then
	step "go install goreleaser $GORELEASER_VERSION (a large build: several minutes, ~1.6 GB of memory)"
	start=$SECONDS
	go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
	echo "   took $((SECONDS - start)) s"
fi

# goreleaser reads the repository's remote; a local worktree may have none.
if ! git remote get-url origin >/dev/null 2>&1; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/healthprobe/healthprobe.git
fi

step "goreleaser check"
goreleaser check

step "goreleaser release --snapshot --clean (twice: the builds must be reproducible)"
start=$SECONDS
goreleaser release --snapshot --clean >/tmp/healthprobe-goreleaser.log 2>&1 || { cat /tmp/healthprobe-goreleaser.log; fail "snapshot build"; }
cp dist/checksums.txt /tmp/healthprobe-checksums.1
goreleaser release --snapshot --clean >/tmp/healthprobe-goreleaser.log 2>&1 || { cat /tmp/healthprobe-goreleaser.log; fail "snapshot build"; }
diff /tmp/healthprobe-checksums.1 dist/checksums.txt || fail "two snapshot builds of the same commit differ"
echo "   took $((SECONDS - start)) s; $(wc -l <dist/checksums.txt) artifacts, identical checksums"

step "static binaries with the version, commit and date built in"
bin=dist/healthprobe_linux_amd64_v1/healthprobe
meta=$(go version -m "$bin")
has "$meta" $'\tbuild\tCGO_ENABLED=0$'
has "$meta" $'\tbuild\t-trimpath=true$'
commit=$(git rev-parse HEAD)
has "$("$bin" -V)" "^healthprobe [0-9]+\.[0-9]+\.[0-9]+-snapshot\.[0-9a-f]+ \(commit $commit, built 20[0-9-]+T[0-9:]+Z\)$"
for target in linux_amd64_v1 linux_arm64_v8.0 darwin_amd64_v1 darwin_arm64_v8.0; do
	[ -x "dist/healthprobe_$target/healthprobe" ] || fail "no binary for $target"
done
for target in windows_amd64_v1 windows_arm64_v8.0; do
	[ -f "dist/healthprobe_$target/healthprobe.exe" ] || fail "no binary for $target"
done

step "archives: binary, README, LICENSE, completions, man pages, contrib"
tgz=$(ls dist/healthprobe_*_linux_amd64.tar.gz)
list=$(tar -tzf "$tgz")
for f in healthprobe README.md LICENSE completions/healthprobe.bash completions/_healthprobe \
	completions/healthprobe.fish completions/healthprobe.ps1 man/healthprobe.1.gz man/healthprobe-http.1.gz \
	contrib/icinga2/healthprobe.conf contrib/nagios/healthprobe.cfg docs/notify.md; do
	has "$list" "^$f\$"
done
zip=$(ls dist/healthprobe_*_windows_amd64.zip)
has "$(unzip -Z1 "$zip")" '^healthprobe\.exe$'

has "$(cat dist/checksums.txt)" "  $(basename "$tgz")\$"

step "the .deb: binary in the Nagios plugin directory, link in the PATH"
deb=$(ls dist/healthprobe_*_amd64.deb)
list=$(dpkg-deb -c "$deb")
has "$list" '^-rwxr-xr-x root/root +[0-9]+ .* \./usr/lib/nagios/plugins/healthprobe$'
has "$list" '^l.* \./usr/bin/healthprobe -> /usr/lib/nagios/plugins/healthprobe$'
has "$list" ' \./usr/share/man/man1/healthprobe\.1\.gz$'
has "$list" ' \./usr/share/man/man1/healthprobe-http\.1\.gz$'
has "$list" ' \./usr/share/bash-completion/completions/healthprobe$'
has "$list" ' \./usr/share/zsh/vendor-completions/_healthprobe$'
has "$list" ' \./usr/share/fish/vendor_completions\.d/healthprobe\.fish$'
has "$list" ' \./usr/share/healthprobe/contrib/icinga2/healthprobe\.conf$'
has "$list" ' \./usr/share/healthprobe/contrib/nagios/healthprobe\.cfg$'
has "$list" ' \./usr/share/doc/healthprobe/copyright$'
has "$list" ' \./usr/share/doc/healthprobe/docs/notify\.md$'
has "$(dpkg-deb -f "$deb" Package Architecture)" '^Architecture: amd64$'

step "the .rpm: binary in /usr/lib64/nagios/plugins, link in the PATH"
rpmfile=$(ls dist/healthprobe-*.x86_64.rpm)
list=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES} -> %{FILELINKTOS}\n]' "$rpmfile" 2>/dev/null)
has "$list" '^-rwxr-xr-x /usr/lib64/nagios/plugins/healthprobe -> $'
has "$list" '^l[rwx-]+ /usr/bin/healthprobe -> /usr/lib64/nagios/plugins/healthprobe$'
has "$list" '^-rw-r--r-- /usr/share/man/man1/healthprobe-http\.1\.gz -> $'
has "$list" '^-rw-r--r-- /usr/share/zsh/site-functions/_healthprobe -> $'
has "$list" '^d[rwx-]+ /usr/share/healthprobe/contrib/icinga2 -> $'
has "$(rpm -qp --qf '%{ARCH} %{LICENSE}\n' "$rpmfile" 2>/dev/null)" '^x86_64 MIT$'

step "install the .rpm into a scratch root and use it"
# rpm on Debian installs into --root without touching the system: the
# files land where an RPM distribution puts them, the package verifies
# (rpm -V: sizes, digests, modes) and the installed binary runs
root=$(mktemp -d)
rpm --root "$root" --initdb
rpm -i --root "$root" --nodeps --noscripts "$rpmfile" 2>/dev/null || fail "rpm -i into $root failed"
has "$(rpm -q --root "$root" healthprobe)" '^healthprobe-[0-9.]+~snapshot'
rpm -V --root "$root" healthprobe || fail "rpm -V: the installed files differ from the package"
[ "$(readlink "$root/usr/bin/healthprobe")" = /usr/lib64/nagios/plugins/healthprobe ] || fail "/usr/bin/healthprobe is not a link to the plugin"
has "$("$root/usr/lib64/nagios/plugins/healthprobe" -V)" '^healthprobe [0-9.]+-snapshot'
[ -s "$root/usr/share/healthprobe/contrib/icinga2/healthprobe.conf" ] || fail "no Icinga 2 definitions in the installed .rpm"
rm -rf "$root"

step "install the .deb and use it"
if dpkg -s healthprobe >/dev/null 2>&1; then
	fail "a healthprobe package is already installed; not replacing it"
fi
trap '$SUDO dpkg -r healthprobe >/dev/null 2>&1 || true' EXIT
$SUDO dpkg -i "$deb" >/dev/null
[ "$(command -v healthprobe)" = /usr/bin/healthprobe ] || fail "healthprobe is not /usr/bin/healthprobe in the PATH"
has "$(healthprobe -V)" "^healthprobe [0-9.]+-snapshot"
[ "$(man -w healthprobe-http)" = /usr/share/man/man1/healthprobe-http.1.gz ] || fail "man -w healthprobe-http: $(man -w healthprobe-http 2>&1)"
has "$(MANWIDTH=80 man healthprobe-http 2>/dev/null)" '^ +-s, --keyword stringArray$'
# bash-completion loads the installed script on demand, which calls back into healthprobe
got=$(bash -c 'source /usr/share/bash-completion/bash_completion
	_completion_loader healthprobe
	COMP_WORDS=(healthprobe ht); COMP_CWORD=1; COMP_LINE="healthprobe ht"; COMP_POINT=${#COMP_LINE}
	__start_healthprobe 2>/dev/null; echo "${COMPREPLY[*]}"')
[ "$got" = "http" ] || fail "bash completion of 'healthprobe ht' gave '$got', want 'http'"
$SUDO dpkg -r healthprobe >/dev/null
[ ! -e /usr/bin/healthprobe ] || fail "dpkg -r left /usr/bin/healthprobe"
trap - EXIT
echo "packaging: OK"
