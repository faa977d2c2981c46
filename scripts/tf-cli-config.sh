#!/usr/bin/env bash
# Builds the provider into a local filesystem mirror and writes a Terraform
# CLI config that installs it from there, never from the registry.
#
#   eval "$(scripts/tf-cli-config.sh .tf-local)"   # exports TF_CLI_CONFIG_FILE
#
# Layout under DIR (created, absolute paths in the config):
#   bin/terraform-provider-scalable                 dev_overrides: plan/apply use this build
#   mirror/registry.terraform.io/scalable-tf/scalable/0.1.0/<os>_<arch>/...
#                                                   filesystem_mirror: init, modules, tests
#   terraformrc                                     the CLI config
# The mirror holds the same binary, so `terraform init` and the lock file
# work; a rebuild invalidates lock files (delete .terraform.lock.hcl).
set -euo pipefail

dir=${1:?usage: tf-cli-config.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

address=registry.terraform.io/scalable-tf/scalable
version=0.1.0
platform="$(go env GOOS)_$(go env GOARCH)"
bin="$dir/bin"
mirror="$dir/mirror"
platform_dir="$mirror/$address/$version/$platform"

mkdir -p "$bin" "$platform_dir"
(cd "$root" && go build -o "$bin/terraform-provider-scalable" .)
rm -f "$platform_dir"/terraform-provider-scalable_*
cp "$bin/terraform-provider-scalable" "$platform_dir/terraform-provider-scalable_v$version"

cat > "$dir/terraformrc" <<CONFIG
# Written by scripts/tf-cli-config.sh: the scalable provider comes from this
# machine only; nothing is downloaded.
provider_installation {
  dev_overrides {
    "$address" = "$bin"
  }
  filesystem_mirror {
    path    = "$mirror"
    include = ["$address"]
  }
  direct {
    exclude = ["$address"]
  }
}
CONFIG

echo "export TF_CLI_CONFIG_FILE='$dir/terraformrc' CHECKPOINT_DISABLE=1"
