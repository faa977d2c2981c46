# Outputs of the web-stack module. README.md lists every one of them.

output "url" {
  description = "Where the app answers: https:// when certificate_name is set, http:// otherwise; the domain if given, else the load balancer IP."
  value       = "${local.https ? "https" : "http"}://${local.host}"
}

output "load_balancer_ip" {
  description = "Public IP of the load balancer; point your DNS here. It survives every in-place change."
  value       = scalable_web_tier.this.load_balancer_ip
}

output "load_balancer_id" {
  description = "ID of the load balancer."
  value       = scalable_web_tier.this.load_balancer_id
}

output "droplet_ids" {
  description = "IDs of the droplets, oldest first."
  value       = [for d in scalable_web_tier.this.droplets : d.id]
}

output "droplet_names" {
  description = "Names of the droplets, oldest first."
  value       = [for d in scalable_web_tier.this.droplets : d.name]
}

output "droplet_ips" {
  description = "Public IPv4 addresses of the droplets, oldest first."
  value       = [for d in scalable_web_tier.this.droplets : d.public_ipv4]
}

output "tag" {
  description = "The tier's own tag, scalable-tier:<name>, carried by every droplet: target it from firewalls or other tools."
  value       = scalable_web_tier.this.tag
}

output "alert_policy_ids" {
  description = "UUIDs of the cpu, memory and disk alert policies (empty without alert_emails)."
  value       = scalable_web_tier.this.alert_policy_ids
}
