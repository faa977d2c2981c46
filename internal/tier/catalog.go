package tier

import "strconv"

// Catalog is what a preflight checks a spec's references against: a
// read-only snapshot of the account's regions, sizes, images, certificates,
// SSH keys, VPCs and droplet limit. internal/doclient fills it; Preflight
// only reads it. Loaded says which parts were filled: a check whose part is
// missing is skipped, so a catalog filled for CatalogNeedsFor(spec) checks
// exactly what that spec names.
type Catalog struct {
	Loaded       CatalogPart
	Regions      []CatalogRegion // DigitalOcean's listing order
	Sizes        []CatalogSize   // listing order
	Images       []CatalogImage  // see PartImages
	Certificates []CatalogCertificate
	SSHKeys      []CatalogSSHKey
	VPCs         []CatalogVPC
	Account      CatalogAccount
	Domains      []string // the account's domains, by name
	Projects     []CatalogProject
	Tags         []string // the account's tags, by name
}

// CatalogPart is a set of catalog parts.
type CatalogPart uint

// The parts of a catalog.
const (
	PartRegions CatalogPart = 1 << iota
	PartSizes
	// PartImages: Images holds the distribution images (when the image to
	// resolve is a slug), the account's snapshots and backups (when it is
	// an id) and the image asked for, looked up by slug or id, when it
	// exists. An image absent from Images does not exist.
	PartImages
	PartCertificates
	PartSSHKeys
	PartVPCs
	PartAccount
	PartDomains
	PartProjects
	PartTags
)

// Has reports whether every part of q was loaded.
func (c Catalog) Has(q CatalogPart) bool { return c.Loaded&q == q }

// CatalogRegion is a region; an unavailable one takes no new resources.
type CatalogRegion struct {
	Slug      string
	Name      string
	Available bool
}

// CatalogSize is a droplet size; Regions are those that offer it.
type CatalogSize struct {
	Slug      string
	Available bool
	Regions   []string
	Disk      int // GB
}

// CatalogImage is an image droplets can be created from: a public image
// (distribution or application, with a slug) or one of the account's
// snapshots and backups (numeric id only, regional).
type CatalogImage struct {
	ID          int
	Slug        string // "" for snapshots and backups
	Name        string
	Type        string // base | snapshot | backup | custom | ...
	Public      bool
	Regions     []string
	MinDiskSize int    // GB
	Status      string // available | pending | retired | deleted | ...
}

// Bootable reports whether droplets can be created from the image: its
// status is "available" (or not reported).
func (i CatalogImage) Bootable() bool { return i.Status == "" || i.Status == "available" }

// CatalogCertificate is a load balancer certificate, known by name.
type CatalogCertificate struct {
	ID    string
	Name  string
	Type  string // custom | lets_encrypt
	State string // pending | verified | error
}

// Certificate states as DigitalOcean reports them.
const (
	CertificatePending  = "pending"
	CertificateVerified = "verified"
	CertificateError    = "error"
)

// CatalogSSHKey is one of the account's SSH keys; a droplet names it by id
// or by MD5 fingerprint.
type CatalogSSHKey struct {
	ID          int
	Fingerprint string
	Name        string
}

// CatalogVPC is one of the account's VPCs.
type CatalogVPC struct {
	ID      string
	Name    string
	Region  string
	Default bool
}

// CatalogProject is one of the account's projects.
type CatalogProject struct {
	ID      string
	Name    string
	Default bool
}

// CatalogAccount is the account's droplet limit and how many droplets it
// holds now, in every tier and outside them.
type CatalogAccount struct {
	DropletLimit int
	Droplets     int
}

// CatalogNeeds is what a preflight of one spec needs besides the regions,
// sizes and account, which every check uses. It is comparable, so fills
// can be cached by it.
type CatalogNeeds struct {
	// Image is the image to resolve (slug or numeric id); "" when it is
	// unknown or not set.
	Image        string
	Certificates bool
	SSHKeys      bool
	VPCs         bool
	Domains      bool
	Projects     bool
	Tags         bool // the firewall names "tag:" peers
}

// Parts is the set of parts a catalog filled for these needs holds.
func (n CatalogNeeds) Parts() CatalogPart {
	p := PartRegions | PartSizes | PartAccount
	if n.Image != "" {
		p |= PartImages
	}
	if n.Certificates {
		p |= PartCertificates
	}
	if n.SSHKeys {
		p |= PartSSHKeys
	}
	if n.VPCs {
		p |= PartVPCs
	}
	if n.Domains {
		p |= PartDomains
	}
	if n.Projects {
		p |= PartProjects
	}
	if n.Tags {
		p |= PartTags
	}
	return p
}

// ImageID reports whether the image to resolve is a numeric id (a
// snapshot, a backup or a public image by id) rather than a slug.
func (n CatalogNeeds) ImageID() (int, bool) {
	id, err := strconv.Atoi(n.Image)
	return id, err == nil && id > 0
}

// CatalogNeedsFor is what Preflight(spec, ...) with the same unknown paths
// reads: certificates only when a forwarding rule names one, SSH keys only
// when there are any, VPCs only when vpc_uuid is set, the image unless it
// is unknown, domains when the tier has a DNS name, projects when it names
// a project.
func CatalogNeedsFor(spec Spec, unknown ...Path) CatalogNeeds {
	u := unknownSet(unknown)
	var n CatalogNeeds
	if !u.has(pathImage) {
		n.Image = spec.Droplet.Image
	}
	for i, r := range spec.LoadBalancer.ForwardingRules {
		if r.CertificateName != "" && !u.has(certificatePath(i)) {
			n.Certificates = true
		}
	}
	for i := range spec.Droplet.SSHKeys {
		if !u.has(pathSSHKeys.AtIndex(i)) {
			n.SSHKeys = true
		}
	}
	n.VPCs = spec.VPCUUID != "" && !u.has(pathVPC)
	n.Domains = spec.Domain != nil && !u.has(pathDomainName)
	n.Projects = spec.ProjectID != "" && !u.has(pathProject)
	n.Tags = len(firewallTagRefs(spec, u)) > 0
	return n
}
