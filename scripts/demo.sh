#!/usr/bin/env bash
# make demo: the full-stack example, applied to a local sandbox, with traffic.
#
# Builds the provider into a local mirror under .demo/, starts the sandbox
# (traffic emulation and its DNS server on, time scale 0.05), adds the
# domain example.com to the sandbox account, applies examples/full-stack as
# www.example.com with Let's Encrypt, resolves the name at the sandbox's DNS
# server, fetches https://www.example.com/ trusting the sandbox's CA, shows a
# droplet refusing a direct request (the tier's firewall) while the load
# balancer's pass, kills a droplet and shows the site still answering, lets
# `terraform apply` heal the tier, then destroys it and stops the sandbox.
# Everything it writes stays under .demo/; a trap destroys and stops
# whatever was started, even on failure or Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
example="$root/examples/full-stack"
scale=0.05
TERRAFORM=${TERRAFORM:-$(command -v terraform || echo /usr/local/bin/terraform)}
domain=example.com
record=www
fqdn="$record.$domain"

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
tf_vars=(-var 'alert_emails=["ops@example.com"]' -var "domain=$domain" -var "record=$record" -var lets_encrypt=true)

tf() { "$TERRAFORM" -chdir="$example" "$@"; }

# console posts a line to the sandbox console's list of steps, where the
# sandbox has one (older ones answer 404: ignored).
console() {
  [ -n "${DIGITALOCEAN_API_URL:-}" ] || return 0
  local text=${1//\\/\\\\}
  text=${text//\"/\\\"}
  curl -fsS -X POST -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"text\":\"$text\"}" "$DIGITALOCEAN_API_URL/_sandbox/console/steps" >/dev/null 2>&1 || true
}

# step announces a step; outcome prints (and posts) what it showed.
step() {
  say "$*"
  console "$*"
}
outcome() {
  printf '  -> %s\n' "$*"
  console "  -> $*"
}

# terraform_step runs apply or destroy with the output in .demo/<log>, and
# shows the resource progress lines and the summary.
terraform_step() {
  local log="$demo/$1.log"
  shift
  if ! tf "$@" -auto-approve -input=false -no-color -compact-warnings -state="$state" "${tf_vars[@]}" >"$log" 2>&1; then
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
    tf destroy -auto-approve -input=false -no-color -state="$state" "${tf_vars[@]}" >"$demo/destroy.log" 2>&1 ||
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
rm -f "$state" "$state.backup" "$demo/sandbox.env" "$demo/sandbox-ca.pem"

say "Building the provider into a local mirror (.demo/provider)"
eval "$("$root/scripts/tf-cli-config.sh" "$demo/provider")"
bin="$demo/provider/bin/terraform-provider-scalable"
export TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_DATA_DIR="$demo/tf-data"

say "Starting the sandbox (time scale $scale, traffic, DNS on a free 127.0.0.1 port)"
# SANDBOX_FLAGS adds sandbox flags, e.g. --bind-addresses=false to see
# the demo as a user without root sees it.
read -r -a extra_flags <<<"${SANDBOX_FLAGS:-}"
"$bin" sandbox --traffic --dns-listen 127.0.0.1:0 ${extra_flags[@]+"${extra_flags[@]}"} --time-scale "$scale" \
  --env-file "$demo/sandbox.env" >"$demo/sandbox.log" 2>&1 &
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
printf 'Console: %s/_sandbox/console\n' "$DIGITALOCEAN_API_URL"

api() { curl -fsS -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" -H 'Content-Type: application/json' "$@"; }
# json_string prints the first "key":"value" of a JSON text on stdin.
json_string() { grep -o "\"$1\":\"[^\"]*\"" | head -n1 | cut -d'"' -f4; }

dns_address=$(api "$DIGITALOCEAN_API_URL/_sandbox/dns" | json_string address) || die "GET /_sandbox/dns failed: the sandbox runs no DNS server"
dns_port=${dns_address##*:}
note "DNS for the account's domains: $dns_address (dig @127.0.0.1 -p $dns_port $fqdn)"

step "Adding the domain $domain to the sandbox account (POST /v2/domains)"
api -d "{\"name\":\"$domain\"}" "$DIGITALOCEAN_API_URL/v2/domains" >/dev/null || die "POST /v2/domains failed"
outcome "$domain is in the account: the tier may keep records in it and Let's Encrypt may issue for its names"

step "terraform apply examples/full-stack as $fqdn with Let's Encrypt"
# dev_overrides serve the provider, so only the module needs installing
# (`get`, not `init`): nothing is written into examples/full-stack.
tf get >"$demo/get.log" 2>&1 || { cat "$demo/get.log" >&2; die "terraform get failed"; }
applied=yes
start=$SECONDS
terraform_step apply apply
output() { tf output -state="$state" -raw "$1"; }
output_list() { tf output -state="$state" -json "$1" | tr -d '[]" \n' | tr ',' ' '; }
lb_id=$(output load_balancer_id)
lb_ip=$(output load_balancer_ip)
read -r -a droplet_ids <<<"$(output_list droplet_ids)"
read -r -a droplet_names <<<"$(output_list droplet_names)"
outcome "applied in $((SECONDS - start)) s: $(output url), certificate $(output certificate_id), firewall $(output firewall_id)"
note "load balancer $lb_id ($lb_ip) in front of ${droplet_names[*]}"

# resolve_a asks the DNS server on 127.0.0.1:$2 for the A record of $1,
# with dig when there is one, else with a DNS query over TCP from bash.
resolve_a() {
  if command -v dig >/dev/null; then
    dig @127.0.0.1 -p "$2" +short +time=2 +tries=1 "$1" A | head -n1
    return
  fi
  local name=$1 port=$2 q='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' n=17 label
  local -a labels bytes
  IFS=. read -r -a labels <<<"$name"
  for label in "${labels[@]}"; do
    q+=$(printf '\\x%02x' "${#label}")$label
    n=$((n + 1 + ${#label}))
  done
  q+='\x00\x00\x01\x00\x01'
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  # shellcheck disable=SC2059 # q holds the query's escapes
  printf "$(printf '\\x%02x\\x%02x' $((n >> 8)) $((n & 255)))$q" >&3
  read -r -a bytes <<<"$(timeout 3 dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tu1 | tr -s ' \n' '  ')"
  exec 3<&-
  # 2 length bytes, the 12-byte header (answer count at 8-9), the question.
  local i=$((2 + n)) answers=$((bytes[8] * 256 + bytes[9])) type len
  for ((; answers > 0; answers--)); do
    if ((bytes[i] >= 192)); then i=$((i + 2)); else
      while ((bytes[i] != 0)); do i=$((i + bytes[i] + 1)); done
      i=$((i + 1))
    fi
    type=$((bytes[i] * 256 + bytes[i + 1])) len=$((bytes[i + 8] * 256 + bytes[i + 9]))
    i=$((i + 10))
    if ((type == 1 && len == 4)); then
      echo "${bytes[i]}.${bytes[i + 1]}.${bytes[i + 2]}.${bytes[i + 3]}"
      return
    fi
    i=$((i + len))
  done
}

step "Resolving $fqdn at the sandbox's DNS server (127.0.0.1:$dns_port)"
if command -v dig >/dev/null; then note "dig @127.0.0.1 -p $dns_port +short $fqdn"; else note "no dig here: a DNS query over TCP from bash"; fi
resolved=$(resolve_a "$fqdn" "$dns_port" || true)
[ "$resolved" = "$lb_ip" ] || die "$fqdn resolved to '${resolved:-nothing}', not the load balancer's $lb_ip"
outcome "$fqdn A $resolved: the load balancer"

step "The sandbox's CA, which issued the Let's Encrypt certificate (GET /_sandbox/ca.pem)"
api "$DIGITALOCEAN_API_URL/_sandbox/ca.pem" >"$demo/sandbox-ca.pem" || die "GET /_sandbox/ca.pem failed"
if command -v openssl >/dev/null; then
  outcome "saved .demo/sandbox-ca.pem: $(openssl x509 -in "$demo/sandbox-ca.pem" -noout -subject 2>/dev/null || echo 'a PEM certificate')"
else
  outcome "saved .demo/sandbox-ca.pem"
fi

# The load balancer's IP is one of the sandbox's own, in 127.B.0.0/16: it
# never leaves this machine. The sandbox serves the load balancer there on
# ports 80 and 443 when it may bind them (root); otherwise each rule on a
# 127.0.0.1 port. The listeners call names the address that answers.
listeners=$(api "$DIGITALOCEAN_API_URL/_sandbox/load_balancers/$lb_id/listeners") || die "GET /_sandbox/load_balancers/$lb_id/listeners failed"
listener() { printf '%s' "$listeners" | tr '{}' '\n\n' | grep "\"entry_port\":$1[,}]*" | json_string address || true; }
https_address=$(listener 443)
http_address=$(listener 80)
[ -n "$https_address" ] || die "the load balancer has no HTTPS rule on 443 (listeners: $listeners)"
if [ "$https_address" = "$lb_ip:443" ]; then
  site="https://$fqdn"
  resolve=(--resolve "$fqdn:443:$lb_ip")
else
  note "binding the load balancer's ports 80 and 443 needs root: the sandbox serves its rules on $http_address and $https_address"
  site="https://$fqdn:${https_address##*:}"
  resolve=(--resolve "$fqdn:${https_address##*:}:127.0.0.1")
fi
https_get() { curl -sS --max-time 3 --cacert "$demo/sandbox-ca.pem" "${resolve[@]}" "$@"; }

# request prints one line per response: status and the droplet that served it.
last_droplet_id=''
request() {
  local headers status name id
  headers=$(https_get -o /dev/null -D - "$site/" 2>/dev/null | tr -d '\r') || true
  status=$(printf '%s\n' "$headers" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
  name=$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Dd]roplet-[Nn]ame: //p')
  id=$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Dd]roplet-[Ii]d: //p')
  last_droplet_id=$id
  printf '  GET %s -> %s %s\n' "$site/" "${status:-no answer}" "${name:+from $name (id $id)}"
  [ "$status" = 200 ]
}

# in_rotation counts the droplets that answer through the load balancer.
in_rotation() {
  local seen='' name i
  for i in $(seq 1 12); do
    name=$(https_get -o /dev/null -D - "$site/" 2>/dev/null | tr -d '\r' | sed -n 's/^[Xx]-[Dd]roplet-[Nn]ame: //p') || true
    [ -n "$name" ] && case " $seen " in *" $name "*) ;; *) seen="$seen $name" ;; esac
  done
  set -- $seen
  echo $#
}

step "Waiting for the load balancer's health checks"
note "apply returns once the droplets, the certificate and the load balancer are ready; the load balancer then routes to a"
note "droplet after healthy_threshold (5) passing checks, 10 s apart: 50 s on DigitalOcean, 2.5 s at this time scale"
deadline=$((SECONDS + 30))
until [ "$(in_rotation)" -ge "${#droplet_ids[@]}" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "the load balancer did not route to all ${#droplet_ids[@]} droplets within 30 s"
  sleep 0.2
done
outcome "all ${#droplet_ids[@]} droplets in rotation"

step "The site by its name over HTTPS, with the issued certificate"
note "curl --cacert .demo/sandbox-ca.pem ${resolve[*]} $site/"
verbose=$(https_get -v -o /dev/null -D "$demo/https-headers.txt" "$site/" 2>&1) || { printf '%s\n' "$verbose" >&2; die "HTTPS to $site/ failed"; }
status=$(tr -d '\r' <"$demo/https-headers.txt" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
served_by=$(tr -d '\r' <"$demo/https-headers.txt" | sed -n 's/^[Xx]-[Dd]roplet-[Nn]ame: //p')
subject=$(printf '%s\n' "$verbose" | sed -n 's/^\*  *subject: //p' | head -n1)
issuer=$(printf '%s\n' "$verbose" | sed -n 's/^\*  *issuer: //p' | head -n1)
printf '%s\n' "$verbose" | grep -q 'SSL certificate verify ok' || die "curl did not verify the certificate of $site"
[ "$status" = 200 ] || die "GET $site/ answered ${status:-nothing}"
outcome "GET $site/ -> $status from $served_by; certificate subject $subject, issuer $issuer, verified against .demo/sandbox-ca.pem"

if [ -n "$http_address" ]; then
  if [ "$http_address" = "$lb_ip:80" ]; then http_site="http://$fqdn" http_resolve=(--resolve "$fqdn:80:$lb_ip")
  else http_site="http://$fqdn:${http_address##*:}" http_resolve=(--resolve "$fqdn:${http_address##*:}:127.0.0.1"); fi
  redirect=$(curl -sS --max-time 3 "${http_resolve[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "$http_site/" 2>&1 || true)
  outcome "GET $http_site/ -> $redirect (HTTP redirected to HTTPS)"
fi

step "The firewall: a droplet refuses a direct request, the load balancer's requests pass"
victim=${droplet_ids[0]} victim_name=${droplet_names[0]}
http_info=$(api "$DIGITALOCEAN_API_URL/_sandbox/droplets/$victim/http") || die "GET /_sandbox/droplets/$victim/http failed"
public_ip=$(printf '%s' "$http_info" | json_string public_ip)
if [ -n "$public_ip" ] && printf '%s' "$http_info" | grep -q '"public_ports":\[[0-9,]*\b80\b'; then
  direct="http://$public_ip/"
else
  direct="http://$(printf '%s' "$http_info" | json_string address)/"
fi
note "curl $direct   (droplet $victim_name directly)"
if answer=$(curl -sS --max-time 3 -o /dev/null "$direct" 2>&1); then
  die "the droplet answered a direct request: the firewall let it through"
fi
outcome "GET $direct (droplet $victim_name directly) -> no answer, the firewall cut it: ${answer#curl: }"
deadline=$((SECONDS + 20))
until request >/dev/null && [ "$last_droplet_id" = "$victim" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "the load balancer did not reach $victim_name within 20 s"
done
outcome "GET $site/ through the load balancer -> 200 from $victim_name: the firewall admits the load balancer"

step "Requests through the load balancer"
for _ in 1 2 3 4 5 6; do request || true; done

victim=${last_droplet_id:-${droplet_ids[0]}}
step "Killing droplet $victim"
api -X POST -o /dev/null "$DIGITALOCEAN_API_URL/_sandbox/droplets/$victim/kill" || die "the kill failed"
outcome "droplet $victim powered off, as a crash would (POST /_sandbox/droplets/$victim/kill)"

step "The site still answers"
# Until the health check marks the dead droplet down a request may fail,
# as on DigitalOcean; wait (bounded) for 5 answers in a row from the others.
ok=0 deadline=$((SECONDS + 20))
while [ "$ok" -lt 5 ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "the site did not answer 5 times in a row within 20 s of the kill"
  if request && [ "$last_droplet_id" != "$victim" ]; then ok=$((ok + 1)); else ok=0; fi
done
outcome "5 answers in a row from the other droplets"

step "terraform apply heals the tier: the dead droplet is replaced"
start=$SECONDS
terraform_step heal apply
outcome "healed in $((SECONDS - start)) s; droplets now: $(output_list droplet_names)"
for _ in 1 2 3 4 5 6; do request || true; done

step "terraform destroy"
terraform_step destroy destroy
applied=''
# total counts what a list holds (DigitalOcean's meta.total).
total() { api "$DIGITALOCEAN_API_URL/v2/$1" | grep -o '"total":[0-9]*' | tail -n1 | cut -d: -f2; }
left="droplets $(total droplets), load balancers $(total load_balancers), firewalls $(total firewalls), certificates $(total certificates)"
a_records=$(api "$DIGITALOCEAN_API_URL/v2/domains/$domain/records?type=A&per_page=200" | { grep -o '"type":"A"' || true; } | wc -l)
outcome "left in the sandbox: $left, A records in $domain $a_records"
[ "$left $a_records" = "droplets 0, load balancers 0, firewalls 0, certificates 0 0" ] || die "destroy left objects behind"
say "Done: everything was destroyed and the sandbox stops now"
