terraform {
  required_providers {
    scalable = {
      source  = "scalable-tf/scalable"
      version = "~> 0.1"
    }
  }
}

# Reads DIGITALOCEAN_TOKEN (or DIGITALOCEAN_ACCESS_TOKEN) and, when set,
# DIGITALOCEAN_API_URL from the environment.
provider "scalable" {}

# Against the local sandbox (`terraform-provider-scalable sandbox --time-scale 0.05`),
# with the URL and token it prints:
#
# provider "scalable" {
#   api_endpoint = "http://127.0.0.1:41877"
#   token        = "sandbox-..."
#   time_scale   = 0.05
# }
