resource "scalable_web_tier" "web" {
  name   = "hits"
  region = "nyc3"
  tags   = ["env:prod"]

  droplet {
    instances = 3
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
    user_data = file("${path.module}/cloud-init.yaml")

    backups {
      plan    = "weekly"
      weekday = "SUN"
      hour    = 4
    }
  }

  load_balancer {
    redirect_http_to_https = true

    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }

    forwarding_rule {
      entry_protocol   = "https"
      entry_port       = 443
      target_protocol  = "http"
      target_port      = 80
      certificate_name = "hits-cert"
    }

    healthcheck {
      protocol = "http"
      port     = 80
      path     = "/health"
    }
  }

  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 80
    window  = "10m"
    emails  = ["ops@example.com"]
  }

  alert {
    metric  = "memory"
    compare = "GreaterThan"
    value   = 85
    window  = "10m"
    emails  = ["ops@example.com"]
  }

  # Replace droplets one extra at a time, never below 3 in service; a new
  # droplet counts once the load balancer's health check passes.
  rollout {
    max_surge       = 1
    max_unavailable = 0
    health          = "load_balancer"
    health_timeout  = "10m"
  }

  timeouts {
    update = "60m"
  }
}

output "url" {
  value = "https://${scalable_web_tier.web.load_balancer_ip}"
}
