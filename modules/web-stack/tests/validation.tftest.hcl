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
