# The stack's life against the sandbox: create, scale out, scale in, switch to
# HTTPS, change the app (a rolling replace), switch to autoscale. DIGITALOCEAN_API_URL and
# DIGITALOCEAN_TOKEN point the provider at the sandbox, SCALABLE_TIME_SCALE
# matches its --time-scale. The https run needs a certificate named
# "stack-test-cert" in the sandbox account.
# `TF_ACC=1 go test ./internal/stacktest` sets all of this up and runs them.

provider "scalable" {
  http_retry_wait_min = 0.05
  http_retry_wait_max = 0.5
}

variables {
  name         = "stack-test"
  instances    = 2
  alert_emails = ["ops@example.com"]
}

run "create" {
  assert {
    condition     = length(output.droplet_ids) == 2 && length(output.droplet_ips) == 2 && length(output.droplet_names) == 2
    error_message = "expected 2 droplets, got ${length(output.droplet_ids)}"
  }
  assert {
    condition     = output.url == "http://${output.load_balancer_ip}"
    error_message = "url ${output.url} is not http:// on the load balancer IP ${output.load_balancer_ip}"
  }
  assert {
    condition     = output.tag == "scalable-tier:stack-test"
    error_message = "unexpected tag ${output.tag}"
  }
  assert {
    condition     = alltrue([for n in output.droplet_names : startswith(n, "stack-test-")])
    error_message = "droplets are not named after the tier: ${jsonencode(output.droplet_names)}"
  }
  assert {
    condition     = alltrue([for ip in output.droplet_ips : can(cidrhost("${ip}/32", 0))])
    error_message = "droplet IPs are not IPv4 addresses: ${jsonencode(output.droplet_ips)}"
  }
  assert {
    condition     = length(output.alert_policy_ids) == 3
    error_message = "expected cpu, memory and disk alert policies, got ${length(output.alert_policy_ids)}"
  }
  assert {
    condition     = [for a in scalable_web_tier.this.alert : "${a.metric}>${a.value}"] == ["cpu>80", "disk>90", "memory>85"]
    error_message = "alert thresholds are not the defaults"
  }
  assert {
    condition     = scalable_web_tier.this.droplet.backups.plan == "weekly" && scalable_web_tier.this.droplet.backups.weekday == "SUN"
    error_message = "weekly backups on Sunday are the default"
  }
  assert {
    condition     = length(scalable_web_tier.this.load_balancer.forwarding_rule) == 1 && !scalable_web_tier.this.load_balancer.redirect_http_to_https
    error_message = "without a certificate the load balancer serves plain HTTP only"
  }
  assert {
    condition     = scalable_web_tier.this.load_balancer.healthcheck.path == "/health"
    error_message = "the health check does not request /health"
  }
}

run "scale_out" {
  variables {
    instances = 4
  }
  assert {
    condition     = length(output.droplet_ids) == 4
    error_message = "expected 4 droplets after scaling out, got ${length(output.droplet_ids)}"
  }
  assert {
    condition     = output.load_balancer_ip == run.create.load_balancer_ip
    error_message = "the load balancer IP changed while scaling out"
  }
  assert {
    condition     = slice(output.droplet_ids, 0, 2) == run.create.droplet_ids
    error_message = "scaling out replaced existing droplets"
  }
}

run "scale_in" {
  variables {
    instances = 1
  }
  assert {
    condition     = output.droplet_ids == [run.create.droplet_ids[0]]
    error_message = "scale-in (newest first) should keep the oldest droplet ${run.create.droplet_ids[0]}, kept ${jsonencode(output.droplet_ids)}"
  }
}

run "https_and_no_backups" {
  variables {
    instances        = 1
    certificate_name = "stack-test-cert"
    domain           = "www.example.com"
    backups          = false
  }
  assert {
    condition     = output.url == "https://www.example.com"
    error_message = "url ${output.url} is not the https domain"
  }
  assert {
    condition     = scalable_web_tier.this.load_balancer.redirect_http_to_https
    error_message = "HTTP is not redirected to HTTPS"
  }
  assert {
    condition     = [for r in scalable_web_tier.this.load_balancer.forwarding_rule : "${r.entry_protocol}:${r.entry_port}"] == ["http:80", "https:443"]
    error_message = "expected forwarding rules http:80 and https:443"
  }
  assert {
    condition     = scalable_web_tier.this.droplet.backups == null
    error_message = "backups are still on"
  }
  assert {
    condition     = output.droplet_ids == run.scale_in.droplet_ids
    error_message = "load balancer and backup changes replaced droplets"
  }
}

run "rolling_replace" {
  variables {
    instances    = 2
    app          = "docker-app"
    docker_image = "ghcr.io/example/shop:1.0.0"
    rollout = {
      max_surge = 2
    }
  }
  assert {
    condition     = length(output.droplet_ids) == 2 && !contains(output.droplet_ids, run.scale_in.droplet_ids[0])
    error_message = "a new app should replace every droplet: ${jsonencode(output.droplet_ids)}"
  }
  assert {
    condition     = strcontains(nonsensitive(scalable_web_tier.this.droplet.user_data), "docker run")
    error_message = "user_data is not the docker-app template"
  }
}

run "switch_to_autoscale" {
  variables {
    app          = "docker-app"
    docker_image = "ghcr.io/example/shop:1.0.0"
    # The key internal/stacktest adds to the sandbox account before the run
    # (ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g):
    # DigitalOcean, and the sandbox, refuse keys the account does not hold.
    ssh_keys  = ["05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"]
    autoscale = { min_instances = 2, max_instances = 3, target_cpu_utilization = 0.6 }
    rollout = {
      max_surge = 2
    }
  }
  assert {
    condition     = length(output.droplet_ids) == 2 && length(setintersection(output.droplet_ids, run.rolling_replace.droplet_ids)) == 0
    error_message = "the fixed droplets should have moved into the pool: ${jsonencode(output.droplet_ids)}"
  }
  assert {
    condition     = output.load_balancer_id == run.rolling_replace.load_balancer_id && output.load_balancer_ip == run.rolling_replace.load_balancer_ip
    error_message = "switching to autoscale replaced the load balancer"
  }
  assert {
    condition     = scalable_web_tier.this.autoscale.max_instances == 3 && scalable_web_tier.this.droplet.instances == null
    error_message = "the tier is not autoscaled"
  }
}
