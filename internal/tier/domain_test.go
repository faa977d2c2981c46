package tier

import "testing"

func domainSpec(n int, lets bool) Spec {
	s := baseSpec(n)
	s.Domain = &DomainSpec{Name: "example.com", Record: "www", TTL: 300, LetsEncrypt: lets}
	return s
}

func TestPlanDomain(t *testing.T) {
	withIP := func(f Fleet) Fleet {
		f.LoadBalancer.IP = "127.9.0.2"
		return f
	}
	cases := []struct {
		name  string
		spec  Spec
		fleet func() Fleet
		want  string
	}{
		{"a new tier writes the record once the load balancer is active", domainSpec(1, false), func() Fleet { return Fleet{} },
			"1: create_load_balancer | create_droplets wave=1 count=1\n2: wait_droplets wave=1 | wait_load_balancer\n3: set_records\n"},
		{"a new tier with Let's Encrypt asks at once, waits, then adds HTTPS", domainSpec(1, true), func() Fleet { return Fleet{} },
			"1: create_load_balancer | create_certificate | create_droplets wave=1 count=1\n2: wait_droplets wave=1 | wait_load_balancer\n3: set_records\n4: wait_certificate\n5: update_load_balancer\n"},
		{"a record pointing elsewhere is put back", domainSpec(1, false), func() Fleet {
			f := withIP(fleetOf(domainSpec(1, false), 1, 0))
			f.Records = []DomainRecord{{ID: 7, Type: "A", Name: "www", Data: "192.0.2.9", TTL: 300}}
			f.RecordDomain = "example.com"
			return f
		}, "1: set_records\n"},
		{"the right record plans nothing", domainSpec(1, false), func() Fleet {
			f := withIP(fleetOf(domainSpec(1, false), 1, 0))
			f.Records = []DomainRecord{{ID: 7, Type: "A", Name: "www", Data: "127.9.0.2", TTL: 300}}
			f.RecordDomain = "example.com"
			return f
		}, ""},
		{"an issued certificate and its rule plan nothing", domainSpec(1, true), func() Fleet {
			s := domainSpec(1, true)
			f := withIP(fleetOf(s, 1, 0))
			f.Records = []DomainRecord{{ID: 7, Type: "A", Name: "www", Data: "127.9.0.2", TTL: 300}}
			f.RecordDomain = "example.com"
			f.Certificate = &Certificate{ID: "c", Name: CertificateName(s.Name), State: "verified", DNSNames: []string{"www.example.com"}}
			f.LoadBalancer.Spec = loadBalancerFor(s, true)
			return f
		}, ""},
		{"a removed block deletes the record and, after the rule, the certificate", baseSpec(1), func() Fleet {
			s := domainSpec(1, true)
			f := withIP(fleetOf(s, 1, 0))
			f.Records = []DomainRecord{{ID: 7, Type: "A", Name: "www", Data: "127.9.0.2"}}
			f.RecordDomain = "example.com"
			f.Certificate = &Certificate{ID: "c", Name: CertificateName(s.Name), State: "verified", DNSNames: []string{"www.example.com"}}
			f.LoadBalancer.Spec = loadBalancerFor(s, true)
			return f
		}, "1: update_load_balancer | delete_records\n2: delete_certificate\n"},
		{"a name moved to another record deletes the old one's and writes the new", domainSpec(1, false), func() Fleet {
			f := withIP(fleetOf(domainSpec(1, false), 1, 0))
			f.StaleRecords = []DomainRecord{{ID: 5, Type: "A", Name: "old", Data: "127.9.0.2"}}
			f.StaleRecordDomain = "example.com"
			return f
		}, "1: delete_records | set_records\n"},
		{"records observed for the name state knows: the plan writes the new name's", domainSpec(1, false), func() Fleet {
			f := withIP(fleetOf(domainSpec(1, false), 1, 0))
			f.Records = []DomainRecord{{ID: 5, Type: "A", Name: "old", Data: "127.9.0.2", TTL: 300}}
			f.RecordDomain = "example.com"
			return f
		}, "1: set_records\n"},
		{"a certificate for the old name: HTTPS off, replaced, HTTPS back", domainSpec(1, true), func() Fleet {
			s := domainSpec(1, true)
			f := withIP(fleetOf(s, 1, 0))
			f.Records = []DomainRecord{{ID: 7, Type: "A", Name: "www", Data: "127.9.0.2", TTL: 300}}
			f.RecordDomain = "example.com"
			f.Certificate = &Certificate{ID: "c", Name: CertificateName(s.Name), State: "verified", DNSNames: []string{"old.example.com"}}
			f.LoadBalancer.Spec = loadBalancerFor(s, true)
			return f
		}, "1: update_load_balancer\n2: delete_certificate\n3: create_certificate\n4: wait_certificate\n5: update_load_balancer\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkPure(t, tc.spec, tc.fleet()).String(); got != tc.want {
				t.Fatalf("plan\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanProjectAssignsWhatIsNotInIt(t *testing.T) {
	s := baseSpec(2)
	s.ProjectID = "p"
	f := fleetOf(s, 2, 0)
	f.ProjectURNs = f.urns(s)
	if p := ComputePlan(s, f); !p.Empty() {
		t.Fatalf("everything in the project, yet a plan:\n%s", p)
	}
	f.ProjectURNs = f.ProjectURNs[1:] // a droplet moved out by hand
	if got := ComputePlan(s, f).String(); got != "1: assign_project\n" {
		t.Fatalf("plan\n%s", got)
	}
	s.Droplet.Instances = 3
	f.ProjectURNs = f.urns(s)
	if got := ComputePlan(s, f).String(); got != "1: create_droplets wave=1 count=1\n2: wait_droplets wave=1\n3: assign_project\n" {
		t.Fatalf("a scale-out assigns its new droplet at the end:\n%s", got)
	}
}
