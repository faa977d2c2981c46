# The stack's life against the sandbox: create (the firewall is always on),
# scale out, scale in, switch to HTTPS with your own certificate, open SSH and
# extra ports, keep a DNS name, serve it with Let's Encrypt, move into a
# project, change the app (a rolling replace, leaving the name), switch to
# autoscale. DIGITALOCEAN_API_URL and DIGITALOCEAN_TOKEN point the provider at
# the sandbox, SCALABLE_TIME_SCALE matches its --time-scale. The sandbox
# account needs the domain example.com, a certificate named "stack-own-cert"
# for www.example.com, and a project whose id is passed as
# -var 'test_project_id="<uuid>"' (README.md, "Tests").
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
  assert {
    condition     = try(length(output.firewall_id) > 0, false)
    error_message = "the droplets' cloud firewall is not on by default"
  }
  assert {
    condition     = scalable_web_tier.this.firewall.ssh_sources == null && length(scalable_web_tier.this.firewall.inbound) == 0
    error_message = "SSH must be closed and no extra port open by default"
  }
  assert {
    condition     = output.fqdn == null && output.dns_record_ids == null && output.certificate_id == null && scalable_web_tier.this.project_id == null
    error_message = "without domain, record and project_id the tier keeps no DNS name, certificate or project"
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
  assert {
    condition     = output.firewall_id == run.create.firewall_id
    error_message = "scaling out replaced the firewall"
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
    certificate_name = "stack-own-cert"
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
  assert {
    condition     = output.fqdn == null && output.dns_record_ids == null
    error_message = "domain without record names the url only: the tier must keep no DNS record"
  }
}

run "ssh_and_extra_ports" {
  variables {
    instances   = 1
    ssh_sources = ["203.0.113.0/24", "tag:bastion"]
    inbound_rules = [
      { protocol = "tcp", ports = "9100", sources = ["10.0.0.0/8"] },
      { protocol = "icmp", sources = ["10.0.0.0/8"] },
    ]
  }
  assert {
    condition     = scalable_web_tier.this.firewall.ssh_sources == tolist(["203.0.113.0/24", "tag:bastion"])
    error_message = "ssh_sources do not reach the firewall"
  }
  assert {
    condition     = [for r in scalable_web_tier.this.firewall.inbound : "${r.protocol}:${coalesce(r.ports, "-")}"] == ["tcp:9100", "icmp:-"]
    error_message = "the extra inbound rules do not reach the firewall"
  }
  assert {
    condition     = output.firewall_id == run.create.firewall_id && output.droplet_ids == run.scale_in.droplet_ids
    error_message = "opening ports replaced the firewall or droplets"
  }
}

run "dns_name" {
  variables {
    instances = 1
    domain    = "example.com"
    record    = "shop"
    dns_ttl   = 300
  }
  assert {
    condition     = output.fqdn == "shop.example.com" && output.url == "http://shop.example.com"
    error_message = "fqdn ${coalesce(output.fqdn, "null")} / url ${output.url} are not shop.example.com over http"
  }
  assert {
    condition     = length(output.dns_record_ids) == 1 && output.certificate_id == null
    error_message = "expected one A record (no IPv6) and no certificate"
  }
  assert {
    condition     = scalable_web_tier.this.domain.ttl == 300 && scalable_web_tier.this.domain.certificate == null
    error_message = "dns_ttl does not reach the records"
  }
  assert {
    condition     = scalable_web_tier.this.firewall.ssh_sources == null
    error_message = "SSH is still open without ssh_sources"
  }
}

run "lets_encrypt" {
  variables {
    instances    = 1
    domain       = "example.com"
    record       = "shop"
    lets_encrypt = true
  }
  assert {
    condition     = output.url == "https://shop.example.com" && output.fqdn == "shop.example.com"
    error_message = "url ${output.url} is not https on the tier's name"
  }
  assert {
    condition     = try(length(output.certificate_id) > 0, false)
    error_message = "no Let's Encrypt certificate was issued"
  }
  assert {
    condition     = scalable_web_tier.this.domain.certificate == "lets_encrypt" && !scalable_web_tier.this.load_balancer.redirect_http_to_https
    error_message = "lets_encrypt must ask the tier for the certificate (which adds HTTPS and the redirect itself), not write its own rule"
  }
  assert {
    condition     = output.dns_record_ids == run.dns_name.dns_record_ids && output.droplet_ids == run.scale_in.droplet_ids
    error_message = "adding the certificate replaced the records or droplets"
  }
}

run "project" {
  variables {
    instances    = 2
    domain       = "example.com"
    record       = "shop"
    lets_encrypt = true
    project_id   = var.test_project_id
  }
  assert {
    condition     = scalable_web_tier.this.project_id == var.test_project_id
    error_message = "project_id does not reach the tier"
  }
  assert {
    condition     = output.certificate_id == run.lets_encrypt.certificate_id && output.firewall_id == run.create.firewall_id
    error_message = "moving into a project replaced the certificate or firewall"
  }
}

# A refresh reads everything back from the sandbox: a droplet or load
# balancer outside the project would read as project_id null, a missing
# firewall, record or certificate as a changed id.
run "project_holds_everything" {
  command = plan
  plan_options {
    mode = refresh-only
  }
  variables {
    instances    = 2
    domain       = "example.com"
    record       = "shop"
    lets_encrypt = true
    project_id   = var.test_project_id
  }
  assert {
    condition     = scalable_web_tier.this.project_id == var.test_project_id
    error_message = "some droplet or the load balancer is not in the project"
  }
  assert {
    condition     = length(scalable_web_tier.this.droplets) == 2 && output.firewall_id == run.create.firewall_id
    error_message = "the sandbox does not hold the 2 droplets and the firewall"
  }
  assert {
    condition     = output.dns_record_ids == run.dns_name.dns_record_ids && output.certificate_id == run.lets_encrypt.certificate_id
    error_message = "the sandbox does not hold the record and the certificate"
  }
}

# The name and certificate are left out: the tier deletes them; the
# project stays, so rolled-in droplets join it.
run "rolling_replace" {
  variables {
    instances    = 2
    project_id   = var.test_project_id
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
  assert {
    condition     = output.fqdn == null && output.dns_record_ids == null && output.certificate_id == null && startswith(output.url, "http://")
    error_message = "leaving out domain and record must remove the DNS name and certificate"
  }
}

run "rolled_in_droplets_joined_the_project" {
  command = plan
  plan_options {
    mode = refresh-only
  }
  variables {
    instances    = 2
    project_id   = var.test_project_id
    app          = "docker-app"
    docker_image = "ghcr.io/example/shop:1.0.0"
    rollout = {
      max_surge = 2
    }
  }
  assert {
    condition     = scalable_web_tier.this.project_id == var.test_project_id && [for d in scalable_web_tier.this.droplets : d.id] == run.rolling_replace.droplet_ids
    error_message = "a droplet rolled in is not in the project"
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
