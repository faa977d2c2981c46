#!/usr/bin/env bash
# build-static.sh OUT: the provider (and sandbox) as a static binary, the
# way the Dockerfile builds it for its distroless image and .ci/run checks
# it: no cgo, so it needs no libc and runs on `scratch`-like bases.
# GOOS/GOARCH from the environment cross-compile; VERSION sets main.version.
set -euo pipefail
out=${1:?usage: build-static.sh OUT}
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION:-dev}" -o "$out" .
