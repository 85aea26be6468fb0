#!/bin/sh
# Writes what the archives and packages ship besides the binary, generated
# from the command tree so that nothing is a hand-written copy:
#   OUT/completions/  healthprobe.bash _healthprobe healthprobe.fish healthprobe.ps1
#   OUT/man/          healthprobe.1.gz, healthprobe-http.1.gz ... (one per command)
# Usage: packaging/assets.sh OUT [VERSION [SOURCE_DATE_EPOCH]]
# goreleaser runs it as a before hook with the release's version and commit time.
set -eu
out=${1:?usage: packaging/assets.sh OUT [VERSION [SOURCE_DATE_EPOCH]]}
version=${2:-}
if [ -n "${3:-}" ]; then
	SOURCE_DATE_EPOCH=$3
	export SOURCE_DATE_EPOCH
fi
rm -rf "$out"
mkdir -p "$out/completions" "$out/man"
bin="$out/healthprobe.tmp"
go build -trimpath -ldflags "-X main.version=$version" -o "$bin" ./cmd/healthprobe
"$bin" completion bash >"$out/completions/healthprobe.bash"
"$bin" completion zsh >"$out/completions/_healthprobe"
"$bin" completion fish >"$out/completions/healthprobe.fish"
"$bin" completion powershell >"$out/completions/healthprobe.ps1"
"$bin" man "$out/man" >/dev/null
gzip -9n "$out"/man/*.1
rm -f "$bin"
