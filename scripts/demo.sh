#!/usr/bin/env bash
# make demo: the full-stack example, applied to a local sandbox, with traffic.
#
# Builds the provider into a local mirror under .demo/, starts the sandbox
# (traffic emulation on, time scale 0.05), applies examples/full-stack,
# sends requests through the load balancer, kills a droplet and shows the
# site still answering, lets `terraform apply` heal the tier, then destroys
# it and stops the sandbox. Everything it writes stays under .demo/; a trap
# destroys and stops whatever was started, even on failure or Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
example="$root/examples/full-stack"
scale=0.05
TERRAFORM=${TERRAFORM:-$(command -v terraform || echo /usr/local/bin/terraform)}

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'; else bold='' dim='' off=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
note() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ -x "$TERRAFORM" ] || die "terraform not found (set TERRAFORM=/path/to/terraform; the demo never downloads one)"
command -v curl >/dev/null || die "curl is needed to send requests through the load balancer"
command -v go >/dev/null || die "go is needed to build the provider"

sandbox_pid=''
state="$demo/terraform.tfstate"
applied=''

tf() { "$TERRAFORM" -chdir="$example" "$@"; }

# terraform_step runs apply or destroy with the output in .demo/<log>, and
# shows the resource progress lines and the summary.
terraform_step() {
  local log="$demo/$1.log"
  shift
  if ! tf "$@" -auto-approve -input=false -no-color -compact-warnings -state="$state" \
    -var 'alert_emails=["ops@example.com"]' >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "terraform $1 failed (full output: ${log#"$root"/})"
  fi
  grep -E '^(module\.|Apply complete|Destroy complete|  - scalable_web_tier)' "$log" | sed 's/^/  /' || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$applied" ]; then
    say "Cleaning up: terraform destroy"
    tf destroy -auto-approve -input=false -no-color -state="$state" >"$demo/destroy.log" 2>&1 ||
      note "destroy failed (see .demo/destroy.log); the sandbox is stopped anyway"
  fi
  if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    note "sandbox stopped"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$demo"
rm -f "$state" "$state.backup" "$demo/sandbox.env"

say "Building the provider into a local mirror (.demo/provider)"
eval "$("$root/scripts/tf-cli-config.sh" "$demo/provider")"
bin="$demo/provider/bin/terraform-provider-scalable"
export TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_DATA_DIR="$demo/tf-data"

say "Starting the sandbox (time scale $scale)"
traffic_flag=()
if "$bin" sandbox -h 2>&1 | grep -q -- '-traffic'; then
  traffic_flag=(--traffic)
else
  note "this build's sandbox has no --traffic flag: traffic emulation not available in this build"
fi
# SANDBOX_FLAGS adds sandbox flags, e.g. --bind-addresses=false to see
# the demo as a user without root sees it.
read -r -a extra_flags <<<"${SANDBOX_FLAGS:-}"
"$bin" sandbox "${traffic_flag[@]}" ${extra_flags[@]+"${extra_flags[@]}"} --time-scale "$scale" --env-file "$demo/sandbox.env" >"$demo/sandbox.log" 2>&1 &
sandbox_pid=$!

deadline=$((SECONDS + 30))
until [ -s "$demo/sandbox.env" ]; do
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$demo/sandbox.log" >&2; die "the sandbox exited before listening"; }
  [ "$SECONDS" -lt "$deadline" ] || die "the sandbox did not write .demo/sandbox.env within 30 s"
  sleep 0.1
done
set -a
# shellcheck disable=SC1091
. "$demo/sandbox.env"
set +a
export SCALABLE_TIME_SCALE="$scale"
note "DIGITALOCEAN_API_URL=$DIGITALOCEAN_API_URL (log: .demo/sandbox.log)"

say "terraform apply examples/full-stack"
# dev_overrides serve the provider, so only the module needs installing
# (`get`, not `init`): nothing is written into examples/full-stack.
tf get >"$demo/get.log" 2>&1 || { cat "$demo/get.log" >&2; die "terraform get failed"; }
applied=yes
start=$SECONDS
terraform_step apply apply
note "applied in $((SECONDS - start)) s"

output() { tf output -state="$state" -raw "$1"; }
output_list() { tf output -state="$state" -json "$1" | tr -d '[]" \n' | tr ',' ' '; }
url=$(output url)
lb_id=$(output load_balancer_id)
read -r -a droplet_ids <<<"$(output_list droplet_ids)"
read -r -a droplet_names <<<"$(output_list droplet_names)"

control() { curl -sS -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" "$@"; }

# The load balancer's IP is one of the sandbox's own, in 127.B.0.0/16: it
# never leaves this machine. The sandbox serves the load balancer there on
# port 80 when it may bind it (root); otherwise on a 127.0.0.1 port. The
# listeners call names the address that answers.
address=''
listeners=$(control -w '\n%{http_code}' "$DIGITALOCEAN_API_URL/_sandbox/load_balancers/$lb_id/listeners" || true)
if [ "${listeners##*$'\n'}" = 200 ]; then
  address=$(printf '%s' "${listeners%$'\n'*}" | tr '{}' '\n\n' | grep '"entry_port":80[,}]*' | grep -o '"address":"[^"]*"' | head -n1 | cut -d'"' -f4 || true)
fi
lb_ip=$(output load_balancer_ip)
if [ "$address" = "$lb_ip:80" ]; then
  url="http://$lb_ip"
  say "The site: $url"
  note "the load balancer's own address (127.x.y.z stays on this machine): try curl $url/"
elif [ -n "$address" ]; then
  url="http://$address"
  say "The site: $url"
  note "the load balancer's address is http://$lb_ip; binding its port 80 needs root, so the sandbox serves it here instead: try curl $url/"
else
  say "The site: $url"
fi
note "load balancer $lb_id in front of ${droplet_names[*]}"

# request prints one line per response: status and the droplet that served it.
last_droplet_id=''
request() {
  local headers status name id
  headers=$(curl -sS -o /dev/null -D - --max-time 3 "http://$address/" 2>/dev/null | tr -d '\r') || true
  status=$(printf '%s\n' "$headers" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
  name=$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Dd]roplet-[Nn]ame: //p')
  id=$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Dd]roplet-[Ii]d: //p')
  last_droplet_id=$id
  printf '  GET %s -> %s %s\n' "$url/" "${status:-no answer}" "${name:+from $name (id $id)}"
  [ "$status" = 200 ]
}

# in_rotation counts the droplets that answer through the load balancer.
in_rotation() {
  local seen='' name i
  for i in $(seq 1 12); do
    name=$(curl -sS -o /dev/null -D - --max-time 3 "http://$address/" 2>/dev/null | tr -d '\r' | sed -n 's/^[Xx]-[Dd]roplet-[Nn]ame: //p') || true
    [ -n "$name" ] && case " $seen " in *" $name "*) ;; *) seen="$seen $name" ;; esac
  done
  set -- $seen
  echo $#
}

if [ -n "$address" ]; then
  say "Waiting for the load balancer's health checks"
  note "apply returns once the droplets and the load balancer are active; the load balancer then routes to a"
  note "droplet after healthy_threshold (5) passing checks, 10 s apart: 50 s on DigitalOcean, 2.5 s at this time scale"
  deadline=$((SECONDS + 30))
  until [ "$(in_rotation)" -ge "${#droplet_ids[@]}" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the load balancer did not route to all ${#droplet_ids[@]} droplets within 30 s"
    sleep 0.2
  done
  say "Requests through the load balancer ($address)"
  for _ in 1 2 3 4 5 6; do request || true; done

  victim=${last_droplet_id:-${droplet_ids[0]}}
  say "Killing droplet $victim"
  control -X POST -o /dev/null "$DIGITALOCEAN_API_URL/_sandbox/droplets/$victim/kill"

  say "The site still answers"
  # Until the health check marks the dead droplet down a request may fail,
  # as on DigitalOcean; wait (bounded) for 5 answers in a row from the others.
  ok=0 deadline=$((SECONDS + 20))
  while [ "$ok" -lt 5 ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the site did not answer 5 times in a row within 20 s of the kill"
    if request && [ "$last_droplet_id" != "$victim" ]; then ok=$((ok + 1)); else ok=0; fi
  done
else
  say "Requests through the load balancer"
  note "traffic emulation not available in this build (GET /_sandbox/load_balancers/$lb_id/listeners answered ${listeners##*$'\n'}): skipping requests"
  victim=${droplet_ids[0]}
  say "Killing droplet $victim"
  control -X POST -o /dev/null "$DIGITALOCEAN_API_URL/_sandbox/droplets/$victim/kill"
fi

say "terraform apply heals the tier: the dead droplet is replaced"
start=$SECONDS
terraform_step heal apply
note "healed in $((SECONDS - start)) s; droplets now: $(output_list droplet_names)"
if [ -n "$address" ]; then
  for _ in 1 2 3 4 5 6; do request || true; done
fi

say "terraform destroy"
terraform_step destroy destroy
applied=''
say "Done: everything was destroyed and the sandbox stops now"
