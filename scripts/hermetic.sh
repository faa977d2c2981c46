#!/usr/bin/env bash
# hermetic.sh CMD...: runs CMD in a network namespace that holds only a
# loopback interface (127.0.0.0/8 and ::1), so anything that tries to reach
# another address fails at once ("network is unreachable") instead of
# leaving the machine. Root uses `unshare --net`; other users need
# unprivileged user namespaces (`unshare --net --map-root-user`).
#
# Nothing can be downloaded inside: fetch modules and build first (.ci/run
# and `make test-hermetic` do), and GOPROXY=off makes a missing module an
# error instead of a hang. SCALABLE_HERMETIC=1 tells the tests where they
# are (internal/stacktest/hermetic_test.go checks it).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }
command -v unshare >/dev/null || { echo "hermetic: unshare (util-linux) is needed" >&2; exit 1; }
command -v ip >/dev/null || { echo "hermetic: ip (iproute2) is needed to bring up lo" >&2; exit 1; }
args=(--net)
[ "$(id -u)" = 0 ] || args+=(--map-root-user)
if ! unshare "${args[@]}" true 2>/dev/null; then
  echo "hermetic: cannot create a network namespace (unshare ${args[*]} failed): run as root, or enable unprivileged user namespaces" >&2
  exit 1
fi
export SCALABLE_HERMETIC=1 GOPROXY=off GOFLAGS="${GOFLAGS:--mod=readonly}"
exec unshare "${args[@]}" -- bash -c 'ip link set lo up && exec "$@"' hermetic "$@"
