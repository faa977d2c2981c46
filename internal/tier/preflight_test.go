package tier

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	fpOps = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"
	vpcNY = "5a4981aa-9653-4bd1-bef5-d6bff52042e4"
	vpcAM = "0d3176ad-41e0-4021-b831-0c5c45c60959"

	projDefault = "9a2b1c3d-0000-4000-8000-000000000001"
	projWeb     = "9a2b1c3d-0000-4000-8000-000000000002"
)

// testCatalog is a small account: five open regions and a closed one,
// sizes of every kind, public images, regional snapshots and backups,
// certificates in each state, two keys and two VPCs.
func testCatalog() Catalog {
	all := []string{"nyc1", "nyc3", "ams3", "fra1", "sfo2"}
	return Catalog{
		Loaded: PartRegions | PartSizes | PartImages | PartCertificates | PartSSHKeys | PartVPCs | PartAccount | PartDomains | PartProjects | PartTags,
		Regions: []CatalogRegion{
			{"nyc1", "New York 1", true}, {"sfo1", "San Francisco 1", false}, {"nyc3", "New York 3", true},
			{"ams3", "Amsterdam 3", true}, {"fra1", "Frankfurt 1", true}, {"sfo2", "San Francisco 2", true},
		},
		Sizes: []CatalogSize{
			{Slug: "s-1vcpu-512mb-10gb", Available: true, Regions: []string{"nyc1", "nyc3", "ams3"}, Disk: 10},
			{Slug: "s-1vcpu-1gb", Available: true, Regions: all, Disk: 25},
			{Slug: "s-1vcpu-2gb", Available: true, Regions: all, Disk: 50},
			{Slug: "s-2vcpu-4gb", Available: true, Regions: all, Disk: 80},
			{Slug: "s-2vcpu-4gb-amd", Available: true, Regions: []string{"ams3", "fra1"}, Disk: 80},
			{Slug: "512mb", Available: false, Disk: 20},
		},
		Images: []CatalogImage{
			{ID: 1001, Slug: "ubuntu-24-04-x64", Name: "24.04 (LTS) x64", Type: "base", Public: true, Regions: all, MinDiskSize: 15, Status: "available"},
			{ID: 1002, Slug: "debian-12-x64", Name: "12 x64", Type: "base", Public: true, Regions: all, MinDiskSize: 10, Status: "available"},
			{ID: 1003, Slug: "ubuntu-18-04-x64", Name: "18.04 x64", Type: "base", Public: true, Regions: all, MinDiskSize: 15, Status: "retired"},
			{ID: 5001, Name: "web-2026-01", Type: "snapshot", Regions: []string{"ams3"}, MinDiskSize: 40, Status: "available"},
			{ID: 5002, Name: "web-backup", Type: "backup", Regions: []string{"nyc3"}, MinDiskSize: 20, Status: "available"},
		},
		Certificates: []CatalogCertificate{
			{ID: "c1", Name: "hits-cert", Type: "custom", State: CertificateVerified},
			{ID: "c2", Name: "le-pending", Type: "lets_encrypt", State: CertificatePending},
			{ID: "c3", Name: "le-broken", Type: "lets_encrypt", State: CertificateError},
		},
		SSHKeys: []CatalogSSHKey{{ID: 101, Fingerprint: fpOps, Name: "ops"}, {ID: 102, Fingerprint: "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99", Name: "ci"}},
		VPCs: []CatalogVPC{
			{ID: vpcNY, Name: "default-nyc3", Region: "nyc3", Default: true},
			{ID: vpcAM, Name: "default-ams3", Region: "ams3", Default: true},
		},
		Account:  CatalogAccount{DropletLimit: 25},
		Domains:  []string{"example.com", "example.org"},
		Projects: []CatalogProject{{ID: projDefault, Name: "default", Default: true}, {ID: projWeb, Name: "web"}},
		Tags:     []string{"bastion", "office"},
	}
}

// goodSpec names only things testCatalog has.
func goodSpec() Spec {
	s := baseSpec(3)
	s.VPCUUID = vpcNY
	s.Droplet.SSHKeys = []string{"101", fpOps}
	s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules,
		ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateName: "hits-cert"})
	return s
}

// found is what a test expects of one problem.
type found struct {
	path, code  string
	suggestions []string
}

func summarize(ps []Problem) []found {
	var out []found
	for _, p := range ps {
		out = append(out, found{p.Path.String(), string(p.Code), p.Suggestions})
	}
	return out
}

func withRules(s Spec, certs ...string) Spec {
	for _, c := range certs {
		s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules,
			ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateName: c})
	}
	return s
}

func TestPreflightReferences(t *testing.T) {
	cases := []struct {
		name    string
		spec    func(*Spec)
		catalog func(*Catalog)
		unknown []Path
		want    []found
	}{
		{name: "a spec naming only what exists passes"},
		{name: "firewall tags the account has, and the tier's own, pass", spec: func(s *Spec) {
			s.Firewall = &FirewallSpec{SSHSources: []string{"tag:bastion", "192.0.2.0/24", "tag:" + Tag(s.Name)},
				Inbound: []FirewallRuleSpec{{Protocol: "tcp", Ports: "9100", Peers: []string{"tag:office"}}}}
		}},
		{name: "firewall tags the account lacks, by where they are, with the nearest", spec: func(s *Spec) {
			s.Firewall = &FirewallSpec{SSHSources: []string{"10.0.0.0/8", "tag:bastoin"},
				Inbound:  []FirewallRuleSpec{{Protocol: "tcp", Ports: "9100", Peers: []string{"tag:ofice"}}},
				Outbound: []FirewallRuleSpec{{Protocol: "tcp", Ports: "all", Peers: []string{"0.0.0.0/0", "tag:db"}}}}
		}, want: []found{
			{"firewall.ssh_sources[1]", "unknown_tag", []string{"bastion"}},
			{"firewall.inbound[0].sources[0]", "unknown_tag", []string{"office"}},
			{"firewall.outbound[0].destinations[1]", "unknown_tag", nil},
		}},
		{name: "an unknown firewall source waits", spec: func(s *Spec) {
			s.Firewall = &FirewallSpec{SSHSources: []string{"tag:later"}}
		}, unknown: []Path{AttrPath("firewall", "ssh_sources").AtIndex(0)}},
		{name: "a domain and project the account has pass", spec: func(s *Spec) {
			s.Domain = &DomainSpec{Name: "example.com", Record: "www"}
			s.ProjectID = projWeb
		}},
		{name: "a domain the account lacks suggests the nearest", spec: func(s *Spec) { s.Domain = &DomainSpec{Name: "exmple.com", Record: "www"} },
			want: []found{{"domain.name", "unknown_domain", []string{"example.com"}}}},
		{name: "an upper-case domain is refused with the lower-case name", spec: func(s *Spec) { s.Domain = &DomainSpec{Name: "Example.com"} },
			want: []found{{"domain.name", "not_lower_case", []string{"example.com"}}}},
		{name: "an unknown domain name waits", spec: func(s *Spec) { s.Domain = &DomainSpec{Name: "nope.test"} },
			unknown: []Path{AttrPath("domain", "name")}},
		{name: "a project the account lacks", spec: func(s *Spec) { s.ProjectID = "9a2b1c3d-0000-4000-8000-000000000003" },
			want: []found{{"project_id", "unknown_project", []string{projDefault, projWeb}}}},
		{name: "unknown region suggests the nearest open ones and skips in-region checks",
			spec: func(s *Spec) { s.Region = "nyc4"; s.VPCUUID = vpcAM; s.Droplet.Size = "s-2vcpu-4gb-amd" },
			want: []found{{"region", "unknown_region", []string{"nyc1", "nyc3"}}}},
		{name: "closed region", spec: func(s *Spec) { s.Region = "sfo1" },
			want: []found{{"region", "region_unavailable", []string{"sfo2"}}}},
		{name: "upper-case region is refused with the lower-case slug", spec: func(s *Spec) { s.Region = "NYC3" },
			want: []found{{"region", "not_lower_case", []string{"nyc3"}}}},
		{name: "size typo", spec: func(s *Spec) { s.Droplet.Size = "s-1vcpu-1g" },
			want: []found{{"droplet.size", "unknown_size", []string{"s-1vcpu-1gb", "s-1vcpu-2gb"}}}},
		{name: "upper-case size", spec: func(s *Spec) { s.Droplet.Size = "S-1VCPU-1GB" },
			want: []found{{"droplet.size", "not_lower_case", []string{"s-1vcpu-1gb"}}}},
		{name: "retired size", spec: func(s *Spec) { s.Droplet.Size = "512mb" },
			want: []found{{"droplet.size", "size_unavailable", nil}}},
		{name: "size not offered in the region suggests sizes that are", spec: func(s *Spec) { s.Droplet.Size = "s-2vcpu-4gb-amd" },
			want: []found{{"droplet.size", "size_not_in_region", []string{"s-2vcpu-4gb"}}}},
		{name: "size disk smaller than the image needs suggests the smallest that fit", spec: func(s *Spec) { s.Droplet.Size = "s-1vcpu-512mb-10gb" },
			want: []found{{"droplet.size", "disk_too_small", []string{"s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb"}}}},
		{name: "a smaller image fits the small size", spec: func(s *Spec) { s.Droplet.Size = "s-1vcpu-512mb-10gb"; s.Droplet.Image = "debian-12-x64" }},
		{name: "image typo", spec: func(s *Spec) { s.Droplet.Image = "ubuntu-24-04-x6" },
			want: []found{{"droplet.image", "unknown_image", []string{"ubuntu-24-04-x64"}}}},
		{name: "upper-case image", spec: func(s *Spec) { s.Droplet.Image = "Ubuntu-24-04-x64" },
			want: []found{{"droplet.image", "not_lower_case", []string{"ubuntu-24-04-x64"}}}},
		{name: "unknown image id suggests the account's images in the region", spec: func(s *Spec) { s.Droplet.Image = "5003" },
			want: []found{{"droplet.image", "unknown_image", []string{"5002"}}}},
		{name: "a backup in the region", spec: func(s *Spec) { s.Droplet.Image = "5002" }},
		{name: "a snapshot in another region", spec: func(s *Spec) { s.Droplet.Image = "5001" },
			want: []found{{"droplet.image", "image_not_in_region", nil}}},
		{name: "a snapshot whose min disk the size lacks", spec: func(s *Spec) { s.Region = "ams3"; s.VPCUUID = vpcAM; s.Droplet.Image = "5001" },
			want: []found{{"droplet.size", "disk_too_small", []string{"s-1vcpu-2gb", "s-2vcpu-4gb", "s-2vcpu-4gb-amd"}}}},
		{name: "a slug whose old build is retired names the new one",
			catalog: func(c *Catalog) {
				old := CatalogImage{ID: 900, Slug: "ubuntu-24-04-x64", Type: "base", Public: true, Status: "retired"}
				c.Images = append([]CatalogImage{old}, c.Images...)
			}},
		{name: "retired image", spec: func(s *Spec) { s.Droplet.Image = "ubuntu-18-04-x64" },
			want: []found{{"droplet.image", "image_unavailable", []string{"ubuntu-24-04-x64"}}}},
		{name: "unknown SSH keys by id and by fingerprint, each at its index",
			spec: func(s *Spec) {
				s.Droplet.SSHKeys = []string{"101", "103", fpOps[:len(fpOps)-1] + "b", strings.ToUpper(fpOps)}
			},
			want: []found{
				{"droplet.ssh_keys[1]", "unknown_ssh_key", []string{"101", "102"}},
				{"droplet.ssh_keys[2]", "unknown_ssh_key", []string{fpOps}},
				{"droplet.ssh_keys[3]", "not_lower_case", []string{fpOps}},
			}},
		{name: "unknown VPC", spec: func(s *Spec) { s.VPCUUID = vpcNY[:35] + "5" },
			want: []found{{"vpc_uuid", "unknown_vpc", []string{vpcNY}}}},
		{name: "VPC in another region suggests the region's", spec: func(s *Spec) { s.VPCUUID = vpcAM },
			want: []found{{"vpc_uuid", "vpc_not_in_region", []string{vpcNY}}}},
		{name: "certificates: missing, pending and failed, each at its rule",
			spec: func(s *Spec) { *s = withRules(*s, "hits-cret", "le-pending", "le-broken") },
			want: []found{
				{"load_balancer.forwarding_rule[2].certificate_name", "unknown_certificate", []string{"hits-cert"}},
				{"load_balancer.forwarding_rule[3].certificate_name", "certificate_pending", nil},
				{"load_balancer.forwarding_rule[4].certificate_name", "certificate_error", nil},
			}},
		{name: "unknown values are not checked",
			spec: func(s *Spec) {
				s.Region, s.VPCUUID, s.Droplet.Image = "", "", ""
				s.Droplet.SSHKeys = []string{"101", ""}
				*s = withRules(*s, "")
			},
			unknown: []Path{pathRegion, pathVPC, pathImage, pathSSHKeys.AtIndex(1), pathRules},
		},
		{name: "an unknown region still lets the size be checked",
			spec:    func(s *Spec) { s.Region = ""; s.Droplet.Size = "s-1vcpu-1g" },
			unknown: []Path{pathRegion},
			want:    []found{{"droplet.size", "unknown_size", []string{"s-1vcpu-1gb", "s-1vcpu-2gb"}}}},
		{name: "parts not loaded are not checked",
			spec:    func(s *Spec) { *s = withRules(*s, "nope"); s.Droplet.SSHKeys = []string{"9"}; s.VPCUUID = vpcAM },
			catalog: func(c *Catalog) { c.Loaded = PartRegions | PartSizes | PartImages | PartAccount }},
		{name: "every problem at once, in order",
			spec: func(s *Spec) {
				*s = withRules(*s, "nope")
				s.VPCUUID, s.Droplet.Size, s.Droplet.Image, s.Droplet.SSHKeys = vpcAM, "s-1vcpu-1g", "ubuntu-24-04-x6", []string{"999", "101"}
				s.Droplet.Instances = 30
			},
			want: []found{
				{"vpc_uuid", "vpc_not_in_region", []string{vpcNY}},
				{"droplet.size", "unknown_size", []string{"s-1vcpu-1gb", "s-1vcpu-2gb"}},
				{"droplet.image", "unknown_image", []string{"ubuntu-24-04-x64"}},
				{"droplet.ssh_keys[0]", "unknown_ssh_key", nil},
				{"load_balancer.forwarding_rule[2].certificate_name", "unknown_certificate", nil},
				{"droplet.instances", "droplet_limit", []string{"25"}},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, cat := goodSpec(), testCatalog()
			if tc.spec != nil {
				tc.spec(&s)
			}
			if tc.catalog != nil {
				tc.catalog(&cat)
			}
			before := deepCopy(t, cat)
			got := Preflight(s, cat, Fleet{}, tc.unknown...)
			if !reflect.DeepEqual(summarize(got), tc.want) {
				t.Errorf("problems:\n got %+v\nwant %+v\n%s", summarize(got), tc.want, (&PreflightError{got}).Error())
			}
			if !reflect.DeepEqual(cat, before) {
				t.Error("Preflight changed its catalog")
			}
			if again := Preflight(s, cat, Fleet{}, tc.unknown...); !reflect.DeepEqual(again, got) {
				t.Errorf("a second run differs: %v", again)
			}
		})
	}
}

// Each problem names the bad value, what is allowed and the closest match
// in words a person can act on.
func TestPreflightMessages(t *testing.T) {
	s := withRules(goodSpec(), "le-pending")
	s.Droplet.Size, s.Droplet.Image = "s-2vcpu-4gb-amd", "5001"
	got := Preflight(s, testCatalog(), Fleet{})
	want := []string{
		`droplet.size: droplet size "s-2vcpu-4gb-amd" is not offered in nyc3 (it is in ams3, fra1). Allowed: a size offered in nyc3 (4 sizes). Did you mean "s-2vcpu-4gb"?`,
		`droplet.image: image "5001" (web-2026-01) is not in nyc3; it is in ams3. Allowed: an image in nyc3 (snapshots and backups are regional: transfer it to nyc3 first).`,
		`load_balancer.forwarding_rule[2].certificate_name: certificate "le-pending" is still pending: Let's Encrypt has not issued it yet (retry once it is verified). Allowed: the name of one of the account's 1 verified certificates: hits-cert.`,
	}
	var lines []string
	for _, p := range got {
		lines = append(lines, p.String())
		if p.Summary() == "" {
			t.Errorf("%s has no summary", p.Code)
		}
	}
	if !slices.Equal(lines, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for i, provisional := range []bool{false, false, true} {
		if got[i].Provisional() != provisional {
			t.Errorf("%s: provisional %v, want %v", got[i].Code, got[i].Provisional(), provisional)
		}
	}
	if msg := (&PreflightError{got}).Error(); !strings.HasPrefix(msg, "preflight found 3 problem(s); nothing was created or changed:\n  droplet.size: ") {
		t.Errorf("error text: %s", msg)
	}
}

// What a plan-time check and its catalog fill read agree: a part is asked
// for only when the spec names something in it that is known.
func TestCatalogNeedsFor(t *testing.T) {
	s := goodSpec()
	if got, want := CatalogNeedsFor(s), (CatalogNeeds{Image: "ubuntu-24-04-x64", Certificates: true, SSHKeys: true, VPCs: true}); got != want {
		t.Errorf("needs %+v, want %+v", got, want)
	}
	if got := CatalogNeedsFor(baseSpec(1)); got != (CatalogNeeds{Image: "ubuntu-24-04-x64"}) {
		t.Errorf("a spec without certificates, keys or VPC needs %+v", got)
	}
	unknown := []Path{pathImage, pathSSHKeys, certificatePath(1), pathVPC}
	if got := CatalogNeedsFor(s, unknown...); got != (CatalogNeeds{}) {
		t.Errorf("with every reference unknown: %+v", got)
	}
	if got := (CatalogNeeds{Image: "5001"}).Parts(); got != PartRegions|PartSizes|PartAccount|PartImages {
		t.Errorf("parts %b", got)
	}
	fw := baseSpec(1)
	fw.Firewall = &FirewallSpec{SSHSources: []string{"192.0.2.1"}}
	if CatalogNeedsFor(fw).Tags {
		t.Error("a firewall without tag: peers needs the tags")
	}
	fw.Firewall.Outbound = []FirewallRuleSpec{{Protocol: "tcp", Ports: "443", Peers: []string{"tag:db"}}}
	if !CatalogNeedsFor(fw).Tags || CatalogNeedsFor(fw).Parts()&PartTags == 0 {
		t.Error("a firewall naming a tag does not need the tags")
	}
}

func TestPathStringsAndPrefixes(t *testing.T) {
	p := certificatePath(1)
	if p.String() != "load_balancer.forwarding_rule[1].certificate_name" {
		t.Errorf("path %s", p)
	}
	if !p.HasPrefix(pathRules) || !p.HasPrefix(pathRules.AtIndex(1)) || p.HasPrefix(pathRules.AtIndex(0)) || pathRules.HasPrefix(p) {
		t.Error("prefixes")
	}
	// AtName and AtIndex never write into a shared array.
	base := make(Path, 1, 4)
	base[0] = PathStep{Name: "droplet"}
	a, b := base.AtName("size"), base.AtName("image")
	if a.String() != "droplet.size" || b.String() != "droplet.image" {
		t.Errorf("%s %s", a, b)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"s-1vcpu-1g", "s-1vcpu-1gb", 1}, {"s-1vcpu-1bg", "s-1vcpu-1gb", 1},
		{"nyc4", "nyc3", 1}, {"sfo1", "nyc1", 3}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := closest("nyc9", []string{"lon1", "nyc1", "nyc3", "nyc2", "nyc1"}); !slices.Equal(got, []string{"nyc1", "nyc3", "nyc2"}) {
		t.Errorf("closest: %v", got)
	}
}

// The droplet limit: the tier's steady size and the plan's peak must fit
// in the room the limit leaves after the account's other droplets.
func TestPreflightDropletLimit(t *testing.T) {
	rollout := func(surge, unavailable int) func(*Spec) {
		return func(s *Spec) { s.Rollout.MaxSurge, s.Rollout.MaxUnavailable = Droplets(surge), Droplets(unavailable) }
	}
	pool := func(min, max int) func(*Spec) {
		return func(s *Spec) {
			s.Droplet.Instances = 0
			s.Autoscale = &AutoscaleSpec{MinInstances: min, MaxInstances: max, TargetCPUUtilization: 0.6, CooldownMinutes: 5}
		}
	}
	// outdatedPool is a pool of n members built from another image: the
	// plan replaces the pool and rolls its members out in waves.
	outdatedPool := func(n int) func(Spec) Fleet {
		return func(s Spec) Fleet {
			old := s
			old.Droplet.Image = "debian-12-x64"
			return poolFleet(old, n, append(old.DropletTags(), Tag(s.Name)))
		}
	}
	fixed := func(current, outdated int) func(Spec) Fleet {
		return func(s Spec) Fleet { return fleetOf(s, current, outdated) }
	}
	cases := []struct {
		name      string
		instances int
		spec      func(*Spec)
		fleet     func(Spec) Fleet
		limit     int
		elsewhere int // the account's droplets outside the tier
		unknown   []Path
		peak      int
		want      []found
	}{
		{name: "a new tier that fits exactly", instances: 3, limit: 3, peak: 3},
		{name: "a new tier past the limit", instances: 4, limit: 3, peak: 4,
			want: []found{{"droplet.instances", "droplet_limit", []string{"3"}}}},
		{name: "scale out counts another tier's droplets", instances: 5, fleet: fixed(2, 0), limit: 10, elsewhere: 6, peak: 5,
			want: []found{{"droplet.instances", "droplet_limit", []string{"4"}}}},
		{name: "scale out that fits beside another tier", instances: 4, fleet: fixed(2, 0), limit: 10, elsewhere: 6, peak: 4},
		{name: "a rollout holds instances + max_surge", instances: 3, spec: rollout(1, 0), fleet: fixed(0, 3), limit: 4, peak: 4},
		{name: "a rollout whose surge does not fit suggests one that does", instances: 3, spec: rollout(2, 0), fleet: fixed(0, 3), limit: 4, peak: 5,
			want: []found{{"rollout.max_surge", "droplet_limit", []string{"1"}}}},
		// Droplets a wave takes out first are deleted while its new ones
		// are created (one phase): they count until they are gone.
		{name: "droplets taken out first still count while the wave creates", instances: 3, spec: rollout(0, 1), fleet: fixed(0, 3), limit: 3, peak: 4,
			want: []found{{"rollout.max_surge", "droplet_limit", nil}}},
		{name: "scale in creates nothing: an account over its limit is not this plan's problem", instances: 2, fleet: fixed(5, 0), limit: 1, peak: 5},
		{name: "scale in with a new image: the removed droplets are deleted alongside the first wave", instances: 3, spec: rollout(1, 0), fleet: fixed(0, 5), limit: 5, peak: 6,
			want: []found{{"rollout.max_surge", "droplet_limit", []string{"0"}}}},
		{name: "scale in with a new image fits one droplet at a time", instances: 3, spec: rollout(0, 0), fleet: fixed(0, 5), limit: 5, peak: 5},
		{name: "an autoscale pool's max_instances must fit", spec: pool(2, 10), limit: 8, peak: 2,
			want: []found{{"autoscale.max_instances", "droplet_limit", []string{"8"}}}},
		{name: "an autoscale pool that fits", spec: pool(2, 8), limit: 8, peak: 2},
		{name: "an autoscale pool's max counts droplets elsewhere", spec: pool(2, 8), limit: 8, elsewhere: 1, peak: 2,
			want: []found{{"autoscale.max_instances", "droplet_limit", []string{"7"}}}},
		{name: "a rollout into a new pool holds members + max_surge", spec: func(s *Spec) { pool(2, 4)(s); rollout(1, 0)(s) }, fleet: outdatedPool(3), limit: 4, peak: 4},
		{name: "a pool rollout whose surge does not fit", spec: func(s *Spec) { pool(2, 4)(s); rollout(2, 0)(s) }, fleet: outdatedPool(3), limit: 4, peak: 5,
			want: []found{{"rollout.max_surge", "droplet_limit", []string{"1"}}}},
		{name: "a pool rollout retires its first droplets before it grows", spec: func(s *Spec) { pool(2, 3)(s); rollout(0, 1)(s) }, fleet: outdatedPool(3), limit: 3, peak: 3},
		{name: "an unknown count is checked at apply", instances: 40, limit: 3, unknown: []Path{pathInstances}, peak: 40},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec(tc.instances)
			if tc.spec != nil {
				tc.spec(&s)
			}
			var f Fleet
			if tc.fleet != nil {
				f = tc.fleet(s)
			}
			if got := PeakDroplets(s, f); got != tc.peak {
				t.Errorf("peak %d, want %d\n%s", got, tc.peak, ComputePlan(s, f))
			}
			cat := Catalog{Loaded: PartAccount, Account: CatalogAccount{DropletLimit: tc.limit, Droplets: len(f.Droplets) + tc.elsewhere}}
			got := Preflight(s, cat, f, tc.unknown...)
			if !reflect.DeepEqual(summarize(got), tc.want) {
				t.Errorf("problems:\n got %+v\nwant %+v\n%s", summarize(got), tc.want, (&PreflightError{got}).Error())
			}
		})
	}
}
