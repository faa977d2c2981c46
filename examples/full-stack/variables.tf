variable "name" {
  description = "Name of the tier."
  type        = string
  default     = "full-stack"
}

variable "region" {
  description = "DigitalOcean region slug."
  type        = string
  default     = "nyc3"
}

variable "instances" {
  description = "Number of droplets."
  type        = number
  default     = 3
}

variable "size" {
  description = "Droplet size slug."
  type        = string
  default     = "s-1vcpu-1gb"
}

variable "certificate_name" {
  description = "Name of a DigitalOcean certificate for HTTPS; null serves plain HTTP."
  type        = string
  default     = null
}

variable "domain" {
  description = "Domain pointing at the load balancer, for the url output."
  type        = string
  default     = null
}

variable "alert_emails" {
  description = "Who is emailed when CPU, memory or disk run high."
  type        = list(string)
  default     = ["ops@example.com"]
}
