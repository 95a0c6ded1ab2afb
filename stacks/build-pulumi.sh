#!/usr/bin/env bash
# Builds the Pulumi CLI at the version of node_modules/@pulumi/pulumi from the Go module proxy, once, into a
# versioned cache: ~/.cache/etclab/pulumi/v<version>/bin/pulumi (where `etclab pulumi` looks after $PATH).
# Does nothing when that binary exists and reports the right version.
#
# Why not plain `go install pkg@version`: the CLI's module (pkg/v3) has `replace sdk/v3 => ../sdk`, which
# `go install` refuses, so the pkg and sdk module zips are laid out side by side and built in place.
# About 13 min and ~3 GB of Go caches on 2 cores, cold.
#
# --with-plugins also tries the Node.js language host and the command provider (plain `pulumi up` with
# Pulumi.yaml, and the `command` provider mode, need them). The proxy answers 403 for both (nested modules
# never tagged on their own), so those attempts are reported, never fatal: `etclab pulumi` runs the
# `offline` mode without them.
#
# Exit code: 0 when the CLI exists afterwards; 1 otherwise (the output says which step failed and why).
set -uo pipefail
cd "$(dirname "$0")/.."

PULUMI_VERSION=$(node -p "require('./node_modules/@pulumi/pulumi/package.json').version")
COMMAND_VERSION=$(node -p "require('./node_modules/@pulumi/command/package.json').version")
PULUMI_ROOT=${PULUMI_ROOT:-$HOME/.cache/etclab/pulumi/v$PULUMI_VERSION}
BIN="$PULUMI_ROOT/bin"
WORK=${PULUMI_BUILD_DIR:-/tmp/etclab-pulumi-build}
TIMEOUT=${PULUMI_BUILD_TIMEOUT:-2400}
WITH_PLUGINS=0
[ "${1:-}" = "--with-plugins" ] && WITH_PLUGINS=1
export GOFLAGS=-mod=mod
mkdir -p "$BIN" "$WORK"

t0=$(date +%s)
say() { echo "[build-pulumi +$(( $(date +%s) - t0 ))s] $*"; }

build_cli() {
  if [ -x "$BIN/pulumi" ] && "$BIN/pulumi" version 2>/dev/null | grep -qx "v$PULUMI_VERSION"; then
    say "pulumi v$PULUMI_VERSION already built: $BIN/pulumi"
    return 0
  fi
  command -v go >/dev/null || { say "no go toolchain on PATH (apt-get install golang, or Go from go.dev)"; return 1; }
  local pkg sdk
  say "downloading github.com/pulumi/pulumi/pkg/v3 and sdk/v3 v$PULUMI_VERSION from the Go module proxy"
  pkg=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  sdk=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$pkg" ] && [ -n "$sdk" ] || { say "module download failed"; return 1; }
  rm -rf "$WORK/src" && mkdir -p "$WORK/src"
  cp -r "$pkg" "$WORK/src/pkg" && cp -r "$sdk" "$WORK/src/sdk" && chmod -R u+w "$WORK/src"
  say "compiling the CLI (about 13 min cold on 2 cores; dependencies download first)"
  # A line a minute, so a long compile is visibly alive.
  ( while sleep 60; do say "still compiling…"; done ) &
  local ticker=$! rc
  (cd "$WORK/src/pkg" && timeout "$TIMEOUT" go build \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi.tmp" ./cmd/pulumi)
  rc=$?
  kill "$ticker" 2>/dev/null
  [ $rc -eq 0 ] || { say "go build failed (exit $rc)"; rm -f "$BIN/pulumi.tmp"; return 1; }
  # Renamed into place only when whole: an interrupted build never leaves a binary that looks done.
  mv -f "$BIN/pulumi.tmp" "$BIN/pulumi"
  say "built $("$BIN/pulumi" version) into $BIN/pulumi ($(du -h "$BIN/pulumi" | cut -f1))"
}

build_language_host() {
  [ -x "$BIN/pulumi-language-nodejs" ] && return 0
  GOBIN="$BIN" timeout "$TIMEOUT" go install \
    "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$PULUMI_VERSION"
}

build_command_provider() {
  [ -x "$BIN/pulumi-resource-command" ] && return 0
  GOBIN="$BIN" timeout "$TIMEOUT" go install \
    -ldflags "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION" \
    "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@v$COMMAND_VERSION"
}

build_cli || { say "FAILED: no Pulumi CLI in $BIN"; exit 1; }

if [ $WITH_PLUGINS = 1 ]; then
  for step in build_language_host build_command_provider; do
    say "$step (optional)"
    if $step; then say "$step: ok"; else say "$step: not available here (reported, not fatal: \`etclab pulumi\` uses the offline provider mode)"; fi
  done
fi
say "done: $(ls "$BIN" | tr '\n' ' ')"
