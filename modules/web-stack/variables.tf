# Inputs of the web-stack module. README.md lists every one of them; a test
# (internal/stacktest) fails when the two drift apart.

variable "name" {
  description = "Name of the tier: droplets are named <name>-xxxx, the load balancer <name>-lb. 1 to 40 lowercase letters, digits or hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1 to 40 characters of a-z, 0-9 and '-', starting with a letter or digit."
  }
}

variable "region" {
  description = "DigitalOcean region slug, such as nyc3 or fra1. Changing it replaces the whole stack."
  type        = string
  default     = "nyc3"

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.region))
    error_message = "region must be a region slug such as nyc3, ams3 or fra1."
  }
}

variable "vpc_uuid" {
  description = "VPC for the droplets and the load balancer. null: the region's default VPC."
  type        = string
  default     = null
}

variable "instances" {
  description = "Number of droplets serving the app. Scaled in place without downtime. Ignored with autoscale."
  type        = number
  default     = 2

  validation {
    condition     = var.instances >= 1 && var.instances <= 100 && floor(var.instances) == var.instances
    error_message = "instances must be a whole number from 1 to 100."
  }
}

variable "autoscale" {
  description = "Let the tier scale itself instead of running `instances` droplets: a DigitalOcean Droplet Autoscale Pool of min_instances (1 to 500) to max_instances (1 to 1000) members aiming at target_cpu_utilization and/or target_memory_utilization (fractions, 0.05 to 1), scaling at most every cooldown_minutes (5 to 20, default 10). Needs ssh_keys. null: a fixed number of droplets (`instances`)."
  type = object({
    min_instances             = number
    max_instances             = number
    target_cpu_utilization    = optional(number)
    target_memory_utilization = optional(number)
    cooldown_minutes          = optional(number)
  })
  default = null

  validation {
    condition = var.autoscale == null ? true : (
      var.autoscale.min_instances >= 1 && var.autoscale.min_instances <= 500 && floor(var.autoscale.min_instances) == var.autoscale.min_instances &&
      var.autoscale.max_instances >= 1 && var.autoscale.max_instances <= 1000 && floor(var.autoscale.max_instances) == var.autoscale.max_instances &&
      var.autoscale.min_instances <= var.autoscale.max_instances
    )
    error_message = "autoscale.min_instances must be a whole number from 1 to 500 and autoscale.max_instances one from 1 to 1000, at least min_instances."
  }

  validation {
    condition = var.autoscale == null ? true : (
      (var.autoscale.target_cpu_utilization != null || var.autoscale.target_memory_utilization != null) &&
      alltrue([for t in [var.autoscale.target_cpu_utilization, var.autoscale.target_memory_utilization] : t == null ? true : t >= 0.05 && t <= 1])
    )
    error_message = "autoscale needs target_cpu_utilization or target_memory_utilization (or both), each a fraction from 0.05 to 1 (0.6 is 60%)."
  }

  validation {
    condition     = var.autoscale == null ? true : (var.autoscale.cooldown_minutes == null ? true : var.autoscale.cooldown_minutes >= 5 && var.autoscale.cooldown_minutes <= 20)
    error_message = "autoscale.cooldown_minutes must be from 5 to 20."
  }

  validation {
    condition     = var.autoscale == null || length(var.ssh_keys) > 0
    error_message = "autoscale needs ssh_keys: DigitalOcean requires SSH keys in an autoscale pool's droplet template."
  }
}

variable "size" {
  description = "Droplet size slug. A change rolls new droplets through the tier."
  type        = string
  default     = "s-1vcpu-1gb"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]*$", var.size))
    error_message = "size must be a size slug such as s-1vcpu-1gb."
  }
}

variable "image" {
  description = "Droplet image slug or snapshot id. The bundled templates need an Ubuntu or Debian image. A change rolls new droplets through the tier."
  type        = string
  default     = "ubuntu-24-04-x64"

  validation {
    condition     = can(regex("^([a-z0-9][a-z0-9.-]*|[0-9]+)$", var.image))
    error_message = "image must be an image slug such as ubuntu-24-04-x64 or a numeric snapshot id."
  }
}

variable "ssh_keys" {
  description = "SSH key ids or MD5 fingerprints installed on every droplet."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags on every droplet (firewalls, projects, billing)."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.tags : can(regex("^[A-Za-z0-9:_-]{1,255}$", t))])
    error_message = "Each tag must be 1 to 255 characters of letters, digits, ':', '-' and '_'."
  }
}

variable "app" {
  description = "Which bundled cloud-init template serves the app: nginx-static (a static nginx site naming the droplet that serves it) or docker-app (docker_image run with docker). Ignored when user_data is set."
  type        = string
  default     = "nginx-static"

  validation {
    condition     = contains(["nginx-static", "docker-app"], var.app)
    error_message = "app must be \"nginx-static\" or \"docker-app\"."
  }
}

variable "site_title" {
  description = "Title of the page served by the nginx-static app."
  type        = string
  default     = "Served by scalable_web_tier"

  validation {
    condition     = can(regex("^[^$`\\\\\\n]{1,100}$", var.site_title))
    error_message = "site_title must be 1 to 100 characters on one line, without $, ` or backslash (it is written by a shell script)."
  }
}

variable "docker_image" {
  description = "Container image run by the docker-app app, such as ghcr.io/acme/shop:1.4.2. Required when app is docker-app; a new tag rolls new droplets through the tier."
  type        = string
  default     = null

  validation {
    condition     = var.app != "docker-app" || var.user_data != null || try(length(var.docker_image) > 0, false)
    error_message = "docker_image is required when app is \"docker-app\" (unless you bring your own user_data)."
  }
}

variable "container_port" {
  description = "Port the container listens on (docker-app). It is published on app_port of the droplet."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port must be a port number from 1 to 65535."
  }
}

variable "docker_env" {
  description = "Environment variables passed to the container (docker-app)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "user_data" {
  description = "Your own cloud-init user data instead of a bundled template. It must serve HTTP on app_port and answer health_path with 200."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.user_data == null || try(length(var.user_data) <= 65536, false)
    error_message = "user_data must be at most 64 KiB."
  }
}

variable "app_port" {
  description = "Droplet port the app serves HTTP on; the load balancer forwards to it and checks its health there."
  type        = number
  default     = 80

  validation {
    condition     = var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port
    error_message = "app_port must be a port number from 1 to 65535."
  }
}

variable "health_path" {
  description = "Path the load balancer requests to decide a droplet is healthy; it must answer 200."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_path, "/")
    error_message = "health_path must start with '/'."
  }
}

variable "certificate_name" {
  description = "Name of a DigitalOcean certificate. Set: the load balancer serves HTTPS on 443 with it and redirects HTTP to HTTPS. null: plain HTTP on 80."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_name == null || try(length(var.certificate_name) >= 1 && length(var.certificate_name) <= 255, false)
    error_message = "certificate_name must be 1 to 255 characters, or null for plain HTTP."
  }
}

variable "domain" {
  description = "The site's domain. With record: a domain of the DigitalOcean account, in which the tier keeps the A record `record` pointing at the load balancer (the url and fqdn are record.domain). Alone: only the host of the url output; pointing DNS at load_balancer_ip is yours. null: the url uses the load balancer IP."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain))
    error_message = "domain must be a lower-case domain name such as example.com, without a trailing dot; got \"${coalesce(var.domain, "null")}\"."
  }
}

variable "record" {
  description = "Name of the site in domain: www, app.eu, or @ for the domain itself. Set: the tier keeps an A record (and AAAA with IPv6) of that name pointing at its load balancer, also when the load balancer is replaced. null: no DNS record is managed."
  type        = string
  default     = null

  validation {
    condition     = var.record == null || var.domain != null
    error_message = "record needs domain: the domain of your DigitalOcean account that holds the record, such as example.com."
  }

  validation {
    condition     = var.record == null || can(regex("^(@|(\\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*)$", var.record))
    error_message = "record must be @ (the domain itself) or a name relative to the domain such as www or app.eu (lower-case labels, no trailing dot); got \"${coalesce(var.record, "null")}\"."
  }

  validation {
    condition     = var.record == null || var.domain == null || !(var.record == var.domain || endswith(coalesce(var.record, "-"), ".${coalesce(var.domain, "-")}"))
    error_message = "record is \"${coalesce(var.record, "null")}\", which includes domain \"${coalesce(var.domain, "null")}\": give the name relative to it (www for www.example.com in example.com), or @ for the domain itself."
  }
}

variable "dns_ttl" {
  description = "Time to live of the DNS records, in seconds (at least 30)."
  type        = number
  default     = 1800

  validation {
    condition     = var.dns_ttl >= 30 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "dns_ttl must be a whole number of seconds, at least 30."
  }
}

variable "lets_encrypt" {
  description = "Serve HTTPS on 443 with a DigitalOcean Let's Encrypt certificate issued for record.domain (named <name>-cert, renewals followed), HTTP redirected to HTTPS. Needs domain and record. The apply waits until the certificate is issued."
  type        = bool
  default     = false

  validation {
    condition     = !var.lets_encrypt || (var.domain != null && var.record != null)
    error_message = "lets_encrypt needs domain and record: the certificate is issued for the name the tier keeps in your DigitalOcean domain (record = \"www\", domain = \"example.com\")."
  }

  validation {
    condition     = !var.lets_encrypt || var.certificate_name == null
    error_message = "lets_encrypt and certificate_name both serve HTTPS on 443: set lets_encrypt for a certificate the tier obtains, or certificate_name for one of your own, not both."
  }
}

variable "project_id" {
  description = "ID of a DigitalOcean project: the droplets (rolled-in ones too) and the load balancer are assigned to it and put back when moved out. null: DigitalOcean's default project."
  type        = string
  default     = null

  validation {
    condition     = var.project_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "project_id must be a project UUID such as 4e1bfbc3-dc3e-41f2-a18f-1b4d7ba71679 (doctl projects list); got \"${coalesce(var.project_id, "null")}\"."
  }
}

variable "sticky_sessions" {
  description = "Pin each client to one droplet with a cookie."
  type        = bool
  default     = false
}

variable "load_balancer_size_unit" {
  description = "Load balancer nodes, 1 to 100."
  type        = number
  default     = 1

  validation {
    condition     = var.load_balancer_size_unit >= 1 && var.load_balancer_size_unit <= 100 && floor(var.load_balancer_size_unit) == var.load_balancer_size_unit
    error_message = "load_balancer_size_unit must be a whole number from 1 to 100."
  }
}

variable "allowed_sources" {
  description = "The load balancer's own firewall: who may reach the load balancer (ip:<address> or cidr:<network>). Empty: everyone. The droplets' cloud firewall (ssh_sources, inbound_rules) is another."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_sources : can(regex("^(ip|cidr):", s))])
    error_message = "Each allowed source must look like ip:203.0.113.7 or cidr:10.0.0.0/8."
  }
}

variable "ssh_sources" {
  description = "Who may reach the droplets' port 22 through the tier's cloud firewall: IPv4 or IPv6 addresses or CIDRs (203.0.113.0/24) and/or tag:<name> for droplets carrying a tag (a bastion; the tag must exist in the account). Empty: SSH is closed. The firewall always lets in the load balancer, and nothing else unless listed here or in inbound_rules."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.ssh_sources : can(cidrhost(s, 0)) || can(cidrhost("${s}/32", 0)) || can(cidrhost("${s}/128", 0)) || can(regex("^tag:[A-Za-z0-9:_-]{1,255}$", s))])
    error_message = "Each of ssh_sources must be an IPv4 or IPv6 address or CIDR (203.0.113.7, 203.0.113.0/24, 2001:db8::/32) or tag:<name> (tag:bastion); got ${jsonencode([for s in var.ssh_sources : s if !(can(cidrhost(s, 0)) || can(cidrhost("${s}/32", 0)) || can(cidrhost("${s}/128", 0)) || can(regex("^tag:[A-Za-z0-9:_-]{1,255}$", s)))])}."
  }
}

variable "inbound_rules" {
  description = "Extra inbound rules of the droplets' cloud firewall, beyond the load balancer and SSH: protocol (tcp, udp or icmp), ports (a port such as 9100, a range such as 8000-9000, or all; none for icmp) and sources (addresses, CIDRs or tag:<name>)."
  type = list(object({
    protocol = string
    ports    = optional(string)
    sources  = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.inbound_rules : contains(["tcp", "udp", "icmp"], r.protocol)])
    error_message = "Each inbound rule's protocol must be tcp, udp or icmp; got ${jsonencode([for r in var.inbound_rules : r.protocol])}."
  }

  validation {
    # Terraform evaluates both sides of || and &&: conditionals keep a bad
    # value from stopping the check with an error.
    condition = alltrue([for r in var.inbound_rules : (
      r.protocol == "icmp" ? r.ports == null :
      r.ports == null ? false :
      r.ports == "all" ? true :
      can(regex("^[0-9]{1,5}(-[0-9]{1,5})?$", r.ports)) ? alltrue([for p in split("-", r.ports) : tonumber(p) >= 1 && tonumber(p) <= 65535]) : false
    )])
    error_message = "Each tcp or udp inbound rule needs ports: a port from 1 to 65535 (9100), a range (8000-9000) or all; icmp rules take no ports. Got ${jsonencode([for r in var.inbound_rules : "${r.protocol} ${coalesce(r.ports, "(no ports)")}"])}."
  }

  validation {
    condition     = alltrue([for r in var.inbound_rules : length(r.sources) > 0 && alltrue([for s in r.sources : can(cidrhost(s, 0)) || can(cidrhost("${s}/32", 0)) || can(cidrhost("${s}/128", 0)) || can(regex("^tag:[A-Za-z0-9:_-]{1,255}$", s))])])
    error_message = "Each inbound rule needs sources, each an IPv4 or IPv6 address or CIDR (10.0.0.0/8) or tag:<name> (tag:monitoring)."
  }
}

variable "alert_emails" {
  description = "Who is emailed when CPU, memory or disk stay above their thresholds. Empty: no alert policies."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Each alert email must be an email address."
  }
}

variable "alert_thresholds" {
  description = "Utilisation thresholds, in percent, for the cpu, memory and disk alerts, and the window they must hold for (5m, 10m, 30m or 1h)."
  type = object({
    cpu    = optional(number, 80)
    memory = optional(number, 85)
    disk   = optional(number, 90)
    window = optional(string, "10m")
  })
  default = {}

  validation {
    condition = alltrue([
      for v in [var.alert_thresholds.cpu, var.alert_thresholds.memory, var.alert_thresholds.disk] : v > 0 && v <= 100
    ])
    error_message = "Alert thresholds are percentages: each must be above 0 and at most 100."
  }

  validation {
    condition     = contains(["5m", "10m", "30m", "1h"], var.alert_thresholds.window)
    error_message = "alert_thresholds.window must be one of 5m, 10m, 30m, 1h."
  }
}

variable "backups" {
  description = "Take weekly droplet backups. null (default): on for fixed droplets, off with autoscale (DigitalOcean's autoscale pool members cannot have backups)."
  type        = bool
  default     = null

  validation {
    condition     = var.backups != true || var.autoscale == null
    error_message = "backups cannot be true with autoscale: DigitalOcean's autoscale pool members have no backups. Leave backups unset or false."
  }
}

variable "backup_weekday" {
  description = "Day of the weekly backup: SUN, MON, TUE, WED, THU, FRI or SAT."
  type        = string
  default     = "SUN"

  validation {
    condition     = contains(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], var.backup_weekday)
    error_message = "backup_weekday must be one of SUN, MON, TUE, WED, THU, FRI, SAT."
  }
}

variable "backup_hour" {
  description = "Start of the 4-hour backup window, UTC: 0, 4, 8, 12, 16 or 20."
  type        = number
  default     = 4

  validation {
    condition     = contains([0, 4, 8, 12, 16, 20], var.backup_hour)
    error_message = "backup_hour must be one of 0, 4, 8, 12, 16, 20."
  }
}

variable "rollout" {
  description = "How droplets are replaced when the image, size or app change: extra droplets allowed (max_surge, a number or a percentage of the fleet such as \"25%\"), droplets allowed out of service (max_unavailable, the same forms), what counts as healthy (load_balancer, droplet_status or http), how long a wave may take, which droplets go first on scale-in (newest_first or oldest_first), how long a new droplet stays healthy before it counts (min_ready), what a failed wave leads to (on_failure: stop or rollback), whether a size change alone resizes in place (resize: replace or in_place; resize_disk), and canary checkpoints (checkpoints as percentages of the fleet, checkpoint_delay, max_error_rate)."
  type = object({
    max_surge        = optional(string, "25%")
    max_unavailable  = optional(string, "0")
    health           = optional(string, "load_balancer")
    health_timeout   = optional(string, "10m")
    scale_in_policy  = optional(string, "newest_first")
    min_ready        = optional(string)
    on_failure       = optional(string, "stop")
    resize           = optional(string, "replace")
    resize_disk      = optional(bool)
    checkpoints      = optional(list(number))
    checkpoint_delay = optional(string)
    max_error_rate   = optional(number)
  })
  default = {}

  validation {
    condition     = contains(["stop", "rollback"], var.rollout.on_failure) && contains(["replace", "in_place"], var.rollout.resize)
    error_message = "rollout.on_failure must be stop or rollback, and rollout.resize replace or in_place."
  }

  validation {
    condition = alltrue([
      for v in [var.rollout.max_surge, var.rollout.max_unavailable] :
      can(regex("^(0|[1-9][0-9]*)%?$", v)) && (endswith(v, "%") ? tonumber(trimsuffix(v, "%")) <= 100 : tonumber(v) <= 1000)
    ])
    error_message = "rollout.max_surge and rollout.max_unavailable must each be a whole number from 0 to 1000 (such as 2) or a percentage from \"0%\" to \"100%\" (such as \"25%\")."
  }

  validation {
    condition = !can(regex("^(0|[1-9][0-9]*)%?$", var.rollout.max_surge)) || !can(regex("^(0|[1-9][0-9]*)%?$", var.rollout.max_unavailable)) || (
      tonumber(trimsuffix(var.rollout.max_surge, "%")) + tonumber(trimsuffix(var.rollout.max_unavailable, "%")) >= 1
    )
    error_message = "rollout.max_surge and rollout.max_unavailable are not both 0 (a rollout could not progress)."
  }

  validation {
    condition     = contains(["load_balancer", "droplet_status", "http"], var.rollout.health)
    error_message = "rollout.health must be load_balancer, droplet_status or http."
  }

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$", var.rollout.health_timeout))
    error_message = "rollout.health_timeout must be a duration such as 90s, 10m or 1h30m."
  }

  validation {
    condition     = contains(["newest_first", "oldest_first"], var.rollout.scale_in_policy)
    error_message = "rollout.scale_in_policy must be newest_first or oldest_first."
  }
}
