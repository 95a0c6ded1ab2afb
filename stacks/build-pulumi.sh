#!/usr/bin/env bash
# Builds the Pulumi CLI, the Node.js language host and the command provider from the Go module proxy,
# at the versions package.json pins, into $PULUMI_BIN (default ~/.etclab/pulumi/bin).
#
# Why not plain `go install pkg@version`: the CLI's module (pkg/v3) has `replace sdk/v3 => ../sdk`, which
# `go install` refuses, so the pkg and sdk module zips are laid out side by side and built in place.
# The language host (sdk/nodejs/cmd/pulumi-language-nodejs) and the command provider
# (pulumi-command/provider) are nested modules that are never tagged on their own: the proxy answers
# 403 for them at any version, so those two steps are attempted and reported, not assumed.
#
# Exit code: 0 when all three binaries exist afterwards; 1 otherwise (the log says which failed and why).
set -uo pipefail
cd "$(dirname "$0")/.."

PULUMI_VERSION=$(node -p "require('./node_modules/@pulumi/pulumi/package.json').version")
COMMAND_VERSION=$(node -p "require('./node_modules/@pulumi/command/package.json').version")
PULUMI_BIN=${PULUMI_BIN:-$HOME/.etclab/pulumi/bin}
WORK=${PULUMI_BUILD_DIR:-/tmp/etclab-pulumi-build}
TIMEOUT=${PULUMI_BUILD_TIMEOUT:-2400}
export GOFLAGS=-mod=mod
mkdir -p "$PULUMI_BIN" "$WORK"

build_cli() {
  [ -x "$PULUMI_BIN/pulumi" ] && "$PULUMI_BIN/pulumi" version 2>/dev/null | grep -q "v$PULUMI_VERSION" && return 0
  local pkg sdk
  pkg=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  sdk=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$pkg" ] && [ -n "$sdk" ] || { echo "cli: module download failed"; return 1; }
  rm -rf "$WORK/src" && mkdir -p "$WORK/src"
  cp -r "$pkg" "$WORK/src/pkg" && cp -r "$sdk" "$WORK/src/sdk" && chmod -R u+w "$WORK/src"
  (cd "$WORK/src/pkg" && timeout "$TIMEOUT" go build \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$PULUMI_BIN/pulumi" ./cmd/pulumi)
}

build_language_host() {
  [ -x "$PULUMI_BIN/pulumi-language-nodejs" ] && return 0
  GOBIN="$PULUMI_BIN" timeout "$TIMEOUT" go install \
    "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$PULUMI_VERSION"
}

build_command_provider() {
  [ -x "$PULUMI_BIN/pulumi-resource-command" ] && return 0
  GOBIN="$PULUMI_BIN" timeout "$TIMEOUT" go install \
    -ldflags "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION" \
    "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@v$COMMAND_VERSION"
}

status=0
for step in build_cli build_language_host build_command_provider; do
  echo "== $step"
  if $step; then echo "== $step: ok"; else echo "== $step: FAILED"; status=1; fi
done
echo "binaries in $PULUMI_BIN: $(ls "$PULUMI_BIN" 2>/dev/null | tr '\n' ' ')"
exit $status
