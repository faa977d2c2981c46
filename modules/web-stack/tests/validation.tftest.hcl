# Input validation: plans only, nothing is created.

provider "scalable" {}

variables {
  name = "stack-validation"
}

run "instances_out_of_range" {
  command = plan
  variables {
    instances = 0
  }
  expect_failures = [var.instances]
}

run "bad_name" {
  command = plan
  variables {
    name = "Web_Tier"
  }
  expect_failures = [var.name]
}

run "docker_app_needs_an_image" {
  command = plan
  variables {
    app = "docker-app"
  }
  expect_failures = [var.docker_image]
}

run "rollout_that_cannot_progress" {
  command = plan
  variables {
    rollout = {
      max_surge       = 0
      max_unavailable = 0
    }
  }
  expect_failures = [var.rollout]
}

run "rollout_surge_above_100_percent" {
  command = plan
  variables {
    rollout = {
      max_surge = "150%"
    }
  }
  expect_failures = [var.rollout]
}

run "rollout_surge_as_a_fraction" {
  command = plan
  variables {
    rollout = {
      max_unavailable = 1.5
    }
  }
  expect_failures = [var.rollout]
}

run "alert_threshold_above_100" {
  command = plan
  variables {
    alert_emails     = ["ops@example.com"]
    alert_thresholds = { cpu = 150 }
  }
  expect_failures = [var.alert_thresholds]
}

run "bad_email" {
  command = plan
  variables {
    alert_emails = ["ops"]
  }
  expect_failures = [var.alert_emails]
}

run "bad_backup_hour" {
  command = plan
  variables {
    backup_hour = 3
  }
  expect_failures = [var.backup_hour]
}

run "own_user_data" {
  command = plan
  variables {
    user_data = "#cloud-config\nruncmd: [\"echo hello\"]\n"
  }
  assert {
    condition     = nonsensitive(scalable_web_tier.this.droplet.user_data) == "#cloud-config\nruncmd: [\"echo hello\"]\n"
    error_message = "user_data did not replace the bundled template"
  }
}

run "nginx_template_renders" {
  command = plan
  variables {
    site_title  = "Tom & Jerry <shop>"
    health_path = "/healthz"
    app_port    = 8080
  }
  assert {
    condition     = strcontains(nonsensitive(scalable_web_tier.this.droplet.user_data), "location = /healthz")
    error_message = "the nginx template does not serve the health path"
  }
  assert {
    condition     = strcontains(nonsensitive(scalable_web_tier.this.droplet.user_data), "Tom &amp; Jerry &lt;shop&gt;")
    error_message = "site_title is not HTML-escaped"
  }
  assert {
    condition     = scalable_web_tier.this.load_balancer.forwarding_rule[0].target_port == 8080 && scalable_web_tier.this.load_balancer.healthcheck.port == 8080
    error_message = "the load balancer does not target app_port"
  }
}

run "autoscale_needs_ssh_keys" {
  command = plan
  variables {
    autoscale = { min_instances = 2, max_instances = 4, target_cpu_utilization = 0.6 }
  }
  expect_failures = [var.autoscale]
}

run "autoscale_without_a_target" {
  command = plan
  variables {
    ssh_keys  = ["05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"]
    autoscale = { min_instances = 2, max_instances = 4 }
  }
  expect_failures = [var.autoscale]
}

run "autoscale_min_above_max" {
  command = plan
  variables {
    ssh_keys  = ["05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"]
    autoscale = { min_instances = 5, max_instances = 4, target_cpu_utilization = 0.6 }
  }
  expect_failures = [var.autoscale]
}

run "autoscale_with_backups" {
  command = plan
  variables {
    ssh_keys  = ["05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"]
    autoscale = { min_instances = 2, max_instances = 4, target_cpu_utilization = 0.6 }
    backups   = true
  }
  expect_failures = [var.backups]
}

run "autoscale_plans_a_pool_without_backups" {
  command = plan
  variables {
    ssh_keys  = ["05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"]
    autoscale = { min_instances = 2, max_instances = 4, target_memory_utilization = 0.7 }
  }
  assert {
    condition     = scalable_web_tier.this.autoscale.min_instances == 2 && scalable_web_tier.this.autoscale.target_memory_utilization == 0.7
    error_message = "the autoscale input does not reach the resource"
  }
  assert {
    condition     = scalable_web_tier.this.droplet.instances == null && scalable_web_tier.this.droplet.backups == null
    error_message = "with autoscale, instances and backups must be left out"
  }
}

run "bad_ssh_source" {
  command = plan
  variables {
    ssh_sources = ["203.0.113.0/24", "everyone"]
  }
  expect_failures = [var.ssh_sources]
}

run "inbound_rule_with_a_bad_protocol" {
  command = plan
  variables {
    inbound_rules = [{ protocol = "http", ports = "80", sources = ["10.0.0.0/8"] }]
  }
  expect_failures = [var.inbound_rules]
}

run "tcp_inbound_rule_without_ports" {
  command = plan
  variables {
    inbound_rules = [{ protocol = "tcp", sources = ["10.0.0.0/8"] }]
  }
  expect_failures = [var.inbound_rules]
}

run "inbound_port_out_of_range" {
  command = plan
  variables {
    inbound_rules = [{ protocol = "tcp", ports = "70000", sources = ["10.0.0.0/8"] }]
  }
  expect_failures = [var.inbound_rules]
}

run "inbound_rule_without_sources" {
  command = plan
  variables {
    inbound_rules = [{ protocol = "udp", ports = "53", sources = [] }]
  }
  expect_failures = [var.inbound_rules]
}

run "firewall_plans_ssh_and_rules" {
  command = plan
  variables {
    ssh_sources = ["198.51.100.7", "2001:db8::/32", "tag:bastion"]
    inbound_rules = [
      { protocol = "tcp", ports = "8000-9000", sources = ["tag:monitoring"] },
      { protocol = "udp", ports = "all", sources = ["10.0.0.0/8"] },
      { protocol = "icmp", sources = ["0.0.0.0/0"] },
    ]
  }
  assert {
    condition     = scalable_web_tier.this.firewall.ssh_sources == tolist(["198.51.100.7", "2001:db8::/32", "tag:bastion"]) && length(scalable_web_tier.this.firewall.inbound) == 3
    error_message = "ssh_sources and inbound_rules do not reach the firewall"
  }
}

run "record_needs_a_domain" {
  command = plan
  variables {
    record = "www"
  }
  expect_failures = [var.record]
}

run "record_with_the_domain_in_it" {
  command = plan
  variables {
    domain = "example.com"
    record = "www.example.com"
  }
  expect_failures = [var.record]
}

run "domain_with_a_trailing_dot" {
  command = plan
  variables {
    domain = "example.com."
  }
  expect_failures = [var.domain]
}

run "lets_encrypt_needs_a_record" {
  command = plan
  variables {
    domain       = "example.com"
    lets_encrypt = true
  }
  expect_failures = [var.lets_encrypt]
}

run "lets_encrypt_and_own_certificate" {
  command = plan
  variables {
    domain           = "example.com"
    record           = "www"
    lets_encrypt     = true
    certificate_name = "my-cert"
  }
  expect_failures = [var.lets_encrypt]
}

run "dns_ttl_too_short" {
  command = plan
  variables {
    domain  = "example.com"
    record  = "www"
    dns_ttl = 10
  }
  expect_failures = [var.dns_ttl]
}

run "bad_project_id" {
  command = plan
  variables {
    project_id = "my-project"
  }
  expect_failures = [var.project_id]
}

run "apex_with_lets_encrypt_plans_the_domain_block" {
  command = plan
  variables {
    domain       = "example.com"
    record       = "@"
    lets_encrypt = true
  }
  assert {
    condition     = scalable_web_tier.this.domain.name == "example.com" && scalable_web_tier.this.domain.record == "@" && scalable_web_tier.this.domain.certificate == "lets_encrypt"
    error_message = "domain, record and lets_encrypt do not reach the domain block"
  }
  assert {
    condition     = scalable_web_tier.this.fqdn == "example.com" && output.fqdn == "example.com"
    error_message = "the apex record's fqdn is the domain itself"
  }
  assert {
    condition     = length(scalable_web_tier.this.load_balancer.forwarding_rule) == 1 && !scalable_web_tier.this.load_balancer.redirect_http_to_https
    error_message = "with lets_encrypt the tier adds HTTPS 443 itself: the module must not write the rule"
  }
}

run "domain_alone_names_the_url_only" {
  command = plan
  variables {
    domain           = "www.example.com"
    certificate_name = "my-cert"
  }
  assert {
    condition     = scalable_web_tier.this.domain == null && output.url == "https://www.example.com"
    error_message = "domain without record must only name the url, as before"
  }
}
