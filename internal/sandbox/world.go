package sandbox

// stateVersion is bumped whenever the persisted shape of World changes in a
// way an older file cannot be read into.
const stateVersion = 2

// minStateVersion is the oldest state file the sandbox still reads:
// version 1 predates the address plan, and its routable public addresses
// are moved into the sandbox's block on load (addresses.go).
const minStateVersion = 1

// World is everything the sandbox account holds. It is guarded by Server.mu
// and persisted as JSON when the sandbox runs with a state file, so every
// field is exported and every time is absolute.
type World struct {
	Version int `json:"version"`

	// Sequences hand out DigitalOcean-shaped numeric ids; they survive a
	// reset so an id is never reused, as on DigitalOcean.
	NextDropletID int `json:"next_droplet_id"`
	NextActionID  int `json:"next_action_id"`
	NextImageID   int `json:"next_image_id"`

	// AddressBlock is B of the 127.B.0.0/16 public addresses come from and
	// NextAddress the offset within it handed out next (addresses.go).
	AddressBlock int `json:"address_block"`
	NextAddress  int `json:"next_address"`

	Account Account `json:"account"`

	// The service units (units.go), in the order they settle: autoscale
	// pools first, as the droplets they make then boot with the rest.
	AutoscaleUnit
	DropletsUnit
	LoadBalancersUnit
	FirewallsUnit
	DomainsUnit
	CertificatesUnit
	MonitoringUnit
	TagsUnit
	UptimeUnit
	VPCsUnit
	KeysUnit
	ImagesUnit
	CatalogUnit
	AccountUnit
	DatabasesUnit
	// Projects settle last: objects the units above deleted leave their
	// projects.
	ProjectsUnit

	deletions []DropletDeletion // not persisted: see DropletDeletions
	// catalog is the server's (built-in or Options.CatalogFile); not
	// persisted, so a restart serves the catalog it is started with.
	catalog *Catalog
}

// Account is the single account the sandbox token belongs to.
type Account struct {
	UUID          string `json:"uuid"`
	Email         string `json:"email"`
	DropletLimit  int    `json:"droplet_limit"`
	FloatingLimit int    `json:"floating_ip_limit"`
	VolumeLimit   int    `json:"volume_limit"`
}

func newWorld(dropletLimit int, cat *Catalog) *World {
	w := &World{
		Version:       stateVersion,
		NextDropletID: 510000001,
		NextActionID:  2400000001,
		NextImageID:   180000001,
	}
	w.useCatalog(cat)
	w.Account = Account{
		UUID:          newAccountUUID(),
		Email:         "sandbox@example.com",
		DropletLimit:  dropletLimit,
		FloatingLimit: 3,
		VolumeLimit:   100,
	}
	w.ensureMaps()
	return w
}

// useCatalog makes cat the world's catalog. The account's snapshots are
// numbered after the catalog's images, in one sequence as on DigitalOcean,
// so an id never names both.
func (w *World) useCatalog(cat *Catalog) {
	w.catalog = cat
	w.NextImageID = max(w.NextImageID, cat.maxImageID()+1)
}
