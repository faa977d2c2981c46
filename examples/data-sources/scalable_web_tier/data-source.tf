# Reads a tier managed elsewhere (another state, another team) by its name.
data "scalable_web_tier" "web" {
  name = "hits"
}

output "hits_load_balancer_ip" {
  value = data.scalable_web_tier.web.load_balancer_ip
}

output "hits_droplet_ids" {
  value = [for d in data.scalable_web_tier.web.droplets : d.id]
}
