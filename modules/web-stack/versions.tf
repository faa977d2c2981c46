terraform {
  # Cross-variable validation needs 1.9.
  required_version = ">= 1.9.0"

  required_providers {
    scalable = {
      source  = "scalable-tf/scalable"
      version = "~> 0.1"
    }
  }
}
