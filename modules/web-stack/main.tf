locals {
  # HTTPS on 443: with your own certificate the module writes the rule; with
  # lets_encrypt the tier adds it (and the redirect) once the certificate is
  # issued.
  own_certificate = var.certificate_name != null
  https           = local.own_certificate || var.lets_encrypt
  managed_dns     = var.domain != null && var.record != null

  # The bundled templates take the same variables; each uses what it needs.
  template_vars = {
    name           = var.name
    site_title     = replace(replace(replace(var.site_title, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    app_port       = var.app_port
    health_path    = var.health_path
    docker_image   = coalesce(var.docker_image, "none")
    container_port = var.container_port
    docker_env     = var.docker_env
  }
  user_data = var.user_data != null ? var.user_data : templatefile("${path.module}/templates/${var.app}.yaml.tftpl", local.template_vars)

  alerts = length(var.alert_emails) == 0 ? {} : {
    cpu    = var.alert_thresholds.cpu
    memory = var.alert_thresholds.memory
    disk   = var.alert_thresholds.disk
  }

  # The tier's DNS name when it keeps one, else the domain you point
  # yourself, else the load balancer's IP.
  host = coalesce(scalable_web_tier.this.fqdn, var.domain, scalable_web_tier.this.load_balancer_ip)
}

resource "scalable_web_tier" "this" {
  name       = var.name
  region     = var.region
  vpc_uuid   = var.vpc_uuid
  tags       = var.tags
  project_id = var.project_id

  droplet {
    instances  = var.autoscale == null ? var.instances : null
    size       = var.size
    image      = var.image
    ssh_keys   = var.ssh_keys
    user_data  = local.user_data
    monitoring = true # the alerts need the metrics agent

    dynamic "backups" {
      for_each = coalesce(var.backups, var.autoscale == null) ? [1] : []
      content {
        plan    = "weekly"
        weekday = var.backup_weekday
        hour    = var.backup_hour
      }
    }
  }

  load_balancer {
    size_unit              = var.load_balancer_size_unit
    redirect_http_to_https = local.own_certificate

    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = var.app_port
    }

    dynamic "forwarding_rule" {
      for_each = local.own_certificate ? [var.certificate_name] : []
      content {
        entry_protocol   = "https"
        entry_port       = 443
        target_protocol  = "http"
        target_port      = var.app_port
        certificate_name = forwarding_rule.value
      }
    }

    healthcheck {
      protocol = "http"
      port     = var.app_port
      path     = var.health_path
    }

    sticky_sessions {
      type               = var.sticky_sessions ? "cookies" : "none"
      cookie_name        = var.sticky_sessions ? "${var.name}-lb" : null
      cookie_ttl_seconds = var.sticky_sessions ? 3600 : null
    }

    dynamic "firewall" {
      for_each = length(var.allowed_sources) > 0 ? [var.allowed_sources] : []
      content {
        allow = firewall.value
      }
    }
  }

  # Always on: the droplets accept the load balancer (forwarding and health
  # checks) and nothing else unless ssh_sources or inbound_rules say so.
  firewall {
    ssh_sources = length(var.ssh_sources) > 0 ? var.ssh_sources : null

    dynamic "inbound" {
      for_each = var.inbound_rules
      content {
        protocol = inbound.value.protocol
        ports    = inbound.value.ports
        sources  = inbound.value.sources
      }
    }
  }

  dynamic "domain" {
    for_each = local.managed_dns ? [1] : []
    content {
      name        = var.domain
      record      = var.record
      ttl         = var.dns_ttl
      certificate = var.lets_encrypt ? "lets_encrypt" : null
    }
  }

  dynamic "autoscale" {
    for_each = var.autoscale == null ? [] : [var.autoscale]
    content {
      min_instances             = autoscale.value.min_instances
      max_instances             = autoscale.value.max_instances
      target_cpu_utilization    = autoscale.value.target_cpu_utilization
      target_memory_utilization = autoscale.value.target_memory_utilization
      cooldown_minutes          = autoscale.value.cooldown_minutes
    }
  }

  dynamic "alert" {
    for_each = local.alerts
    content {
      metric  = alert.key
      compare = "GreaterThan"
      value   = alert.value
      window  = var.alert_thresholds.window
      emails  = var.alert_emails
    }
  }

  rollout {
    max_surge        = var.rollout.max_surge
    max_unavailable  = var.rollout.max_unavailable
    health           = var.rollout.health
    health_timeout   = var.rollout.health_timeout
    scale_in_policy  = var.rollout.scale_in_policy
    min_ready        = var.rollout.min_ready
    on_failure       = var.rollout.on_failure
    resize           = var.rollout.resize
    resize_disk      = var.rollout.resize_disk
    checkpoints      = var.rollout.checkpoints
    checkpoint_delay = var.rollout.checkpoint_delay
    max_error_rate   = var.rollout.max_error_rate
  }
}
