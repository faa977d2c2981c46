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
  description = "Name of a DigitalOcean certificate of your own for HTTPS (instead of lets_encrypt); null serves plain HTTP."
  type        = string
  default     = null
}

variable "domain" {
  description = "A domain of your DigitalOcean account holding the site's record (with record); alone, only the url's host."
  type        = string
  default     = null
}

variable "record" {
  description = "The site's name in domain (www, or @ for the domain itself): the tier keeps it pointing at the load balancer. null: no DNS record."
  type        = string
  default     = null
}

variable "lets_encrypt" {
  description = "Serve HTTPS on 443 with a Let's Encrypt certificate for record.domain, HTTP redirected. Needs domain and record."
  type        = bool
  default     = false
}

variable "ssh_sources" {
  description = "Who may reach the droplets' SSH port (addresses, CIDRs, tag:<name>). Empty: SSH closed; the firewall admits only the load balancer."
  type        = list(string)
  default     = []
}

variable "project_id" {
  description = "Project for the droplets and the load balancer; null: the default project."
  type        = string
  default     = null
}

variable "alert_emails" {
  description = "Who is emailed when CPU, memory or disk run high."
  type        = list(string)
  default     = ["ops@example.com"]
}
