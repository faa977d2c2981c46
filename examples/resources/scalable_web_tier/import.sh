# A web tier is imported by its name: the provider finds its droplets by the
# tag scalable-tier:<name> and its load balancer <name>-lb.
terraform import scalable_web_tier.web hits
