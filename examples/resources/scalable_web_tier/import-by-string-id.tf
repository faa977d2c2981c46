# A web tier is imported by its name (Terraform 1.5 and later).
import {
  to = scalable_web_tier.web
  id = "hits"
}
