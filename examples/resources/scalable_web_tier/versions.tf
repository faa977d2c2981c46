# Not part of the documented example: lets `terraform validate` run here.
terraform {
  required_providers {
    scalable = {
      source  = "scalable-tf/scalable"
      version = "~> 0.1"
    }
  }
}
