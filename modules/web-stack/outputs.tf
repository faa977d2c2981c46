# Outputs of the web-stack module. README.md lists every one of them.

output "url" {
  description = "Where the app answers: https:// with lets_encrypt or certificate_name, http:// otherwise; on fqdn when the tier keeps a DNS name (domain and record), else on domain if given, else on the load balancer IP."
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
  description = "The tier's own tag, scalable-tier:<name>, carried by every droplet: trust it in database firewalls (digitalocean_database_firewall rule type tag) or target it from other tools."
  value       = scalable_web_tier.this.tag
}

output "alert_policy_ids" {
  description = "UUIDs of the cpu, memory and disk alert policies (empty without alert_emails)."
  value       = scalable_web_tier.this.alert_policy_ids
}

output "fqdn" {
  description = "The site's DNS name kept by the tier, such as www.example.com (record.domain, or domain for @); null without domain and record."
  value       = scalable_web_tier.this.fqdn
}

output "dns_record_ids" {
  description = "IDs of the A (and AAAA) records of fqdn; null without domain and record."
  value       = scalable_web_tier.this.dns_record_ids
}

output "certificate_id" {
  description = "ID of the Let's Encrypt certificate served on 443 (lets_encrypt); null otherwise."
  value       = scalable_web_tier.this.certificate_id
}

output "firewall_id" {
  description = "ID of the droplets' cloud firewall (<name>-fw), which lets in only the load balancer, ssh_sources and inbound_rules."
  value       = scalable_web_tier.this.firewall_id
}
