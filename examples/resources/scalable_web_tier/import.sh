# A web tier is imported by its name: the provider finds its droplets by the
# tag scalable-tier:<name> and its load balancer <name>-lb.
terraform import scalable_web_tier.web hits

# A stack made outside Terraform is adopted by an id that names its parts
# (see the guide "Adopting an existing stack"); the import writes nothing.
terraform import scalable_web_tier.web 'name=legacy,load_balancer=legacy-lb,droplets=tag:web'
