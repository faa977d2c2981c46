output "url" {
  description = "Where the site answers."
  value       = module.web.url
}

output "fqdn" {
  description = "The site's DNS name, when domain and record are set."
  value       = module.web.fqdn
}

output "certificate_id" {
  description = "ID of the Let's Encrypt certificate, with lets_encrypt."
  value       = module.web.certificate_id
}

output "firewall_id" {
  description = "ID of the droplets' cloud firewall."
  value       = module.web.firewall_id
}

output "load_balancer_id" {
  description = "ID of the load balancer."
  value       = module.web.load_balancer_id
}

output "load_balancer_ip" {
  description = "Public IP of the load balancer."
  value       = module.web.load_balancer_ip
}

output "droplet_ids" {
  description = "IDs of the droplets, oldest first."
  value       = module.web.droplet_ids
}

output "droplet_names" {
  description = "Names of the droplets, oldest first."
  value       = module.web.droplet_names
}

output "droplet_ips" {
  description = "Public IPv4 addresses of the droplets."
  value       = module.web.droplet_ips
}

output "tag" {
  description = "The tier's tag."
  value       = module.web.tag
}
