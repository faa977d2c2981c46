# A full web stack from the web-stack module: droplets serving a static
# nginx site that names the droplet, a load balancer with health checks, a
# cloud firewall letting only the load balancer reach the droplets, the
# site's DNS name with a Let's Encrypt certificate (domain, record,
# lets_encrypt), CPU/memory/disk alerts, weekly backups and zero-downtime
# rollouts.
#
# Credentials come from DIGITALOCEAN_TOKEN; DIGITALOCEAN_API_URL points the
# provider at the sandbox instead of DigitalOcean (`make demo` does that).

terraform {
  required_version = ">= 1.9.0"

  required_providers {
    scalable = {
      source  = "scalable-tf/scalable"
      version = "~> 0.1"
    }
  }
}

provider "scalable" {}

module "web" {
  # Outside this repository:
  # source = "git::https://github.com/scalable-tf/terraform-provider-scalable.git//modules/web-stack?ref=v0.1.0"
  source = "../../modules/web-stack"

  name      = var.name
  region    = var.region
  instances = var.instances
  size      = var.size

  app        = "nginx-static"
  site_title = "Hello from ${var.name}"

  domain           = var.domain
  record           = var.record
  lets_encrypt     = var.lets_encrypt
  certificate_name = var.certificate_name

  ssh_sources = var.ssh_sources
  project_id  = var.project_id

  alert_emails = var.alert_emails
  alert_thresholds = {
    cpu    = 80
    memory = 85
    disk   = 90
    window = "10m"
  }

  backups        = true
  backup_weekday = "SUN"
  backup_hour    = 4

  rollout = {
    max_surge       = 1
    max_unavailable = 0
    health          = "load_balancer"
    health_timeout  = "10m"
  }
}
