package sandbox

import (
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func miscVPC(t *testing.T, e *testEnv, req *godo.VPCCreateRequest) *godo.VPC {
	t.Helper()
	v, resp, err := e.client.VPCs.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create VPC: status %d", resp.StatusCode)
	}
	return v
}

func TestVPCLifecycle(t *testing.T) {
	e := newTestEnv(t)
	first := miscVPC(t, e, &godo.VPCCreateRequest{Name: "prod-net", RegionSlug: "nyc1", IPRange: "10.10.10.0/24", Description: "production"})
	if first.ID == "" || first.URN != "do:vpc:"+first.ID || first.Name != "prod-net" || first.RegionSlug != "nyc1" ||
		first.IPRange != "10.10.10.0/24" || first.Description != "production" || !first.CreatedAt.Equal(testEpoch) {
		t.Fatalf("created %+v", first)
	}
	// The first VPC of a region becomes its default.
	if !first.Default {
		t.Error("first VPC in nyc1 is not the default")
	}
	e.advance(time.Second) // lists are oldest first
	second := miscVPC(t, e, &godo.VPCCreateRequest{Name: "staging.net", RegionSlug: "nyc1"})
	p, err := netip.ParsePrefix(second.IPRange)
	if err != nil || p.Bits() != VPCGeneratedPrefix || p.Overlaps(netip.MustParsePrefix(first.IPRange)) || second.Default {
		t.Fatalf("second VPC %+v", second)
	}

	raw, err := miscRaw(t, e, http.MethodGet, "v2/vpcs/"+second.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	vpc := raw["vpc"].(map[string]any)
	for _, k := range []string{"id", "urn", "name", "description", "region", "ip_range", "default", "created_at"} {
		if _, ok := vpc[k]; !ok {
			t.Errorf("vpc JSON lacks %q: %v", k, vpc)
		}
	}
	if vpc["default"] != false || vpc["description"] != "" {
		t.Errorf("vpc JSON %v", vpc)
	}

	list, resp, err := e.client.VPCs.List(e.ctx, &godo.ListOptions{PerPage: 1})
	if err != nil || len(list) != 1 || list[0].ID != first.ID || resp.Meta.Total != 2 || resp.Links.IsLastPage() {
		t.Fatalf("list: %v %v", err, list)
	}

	upd, _, err := e.client.VPCs.Update(e.ctx, second.ID, &godo.VPCUpdateRequest{Name: "staging-2", Description: "renamed"})
	if err != nil || upd.Name != "staging-2" || upd.Description != "renamed" || upd.IPRange != second.IPRange {
		t.Fatalf("update: %v %+v", err, upd)
	}
	patched, _, err := e.client.VPCs.Set(e.ctx, second.ID, godo.VPCSetDescription("patched"))
	if err != nil || patched.Name != "staging-2" || patched.Description != "patched" {
		t.Fatalf("patch: %v %+v", err, patched)
	}

	// Making the second the default takes the default from the first.
	if _, _, err := e.client.VPCs.Set(e.ctx, second.ID, godo.VPCSetDefault()); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := e.client.VPCs.Get(e.ctx, first.ID); v.Default {
		t.Error("previous default kept default")
	}
	_, err = e.client.VPCs.Delete(e.ctx, second.ID)
	miscMessage(t, e.apiError(err, http.StatusForbidden, "forbidden"), "Can not delete default VPC")
	_, _, err = e.client.VPCs.Update(e.ctx, second.ID, &godo.VPCUpdateRequest{Name: "staging-2", Default: godo.PtrTo(false)})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "default cannot be unset")

	resp, err = e.client.VPCs.Delete(e.ctx, first.ID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, _, err = e.client.VPCs.Get(e.ctx, first.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.VPCs.Delete(e.ctx, first.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestVPCValidation(t *testing.T) {
	cases := []struct {
		name string
		req  godo.VPCCreateRequest
		want string
	}{
		{"name missing", godo.VPCCreateRequest{RegionSlug: "nyc3"}, "name is required"},
		{"name with space", godo.VPCCreateRequest{Name: "my net", RegionSlug: "nyc3"}, `"my net"`},
		{"name taken", godo.VPCCreateRequest{Name: "taken", RegionSlug: "ams3"}, `"taken" is already used`},
		{"region missing", godo.VPCCreateRequest{Name: "n"}, "region is required"},
		{"region unknown", godo.VPCCreateRequest{Name: "n", RegionSlug: "mars1"}, `region "mars1" is not available`},
		{"region unavailable", godo.VPCCreateRequest{Name: "n", RegionSlug: "sfo1"}, `region "sfo1" is not available`},
		{"description too long", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", Description: strings.Repeat("d", 256)}, "at most 255"},
		{"range not a CIDR", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "10.0.0.0"}, `"10.0.0.0" is not a valid IPv4 CIDR`},
		{"range IPv6", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "fd00::/64"}, "not a valid IPv4 CIDR"},
		{"range not a network address", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "10.20.0.5/24"}, "did you mean 10.20.0.0/24"},
		{"range too large", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "10.0.0.0/15"}, "/15 prefix"},
		{"range too small", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "10.20.0.0/29"}, "/29 prefix"},
		{"range public", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "8.8.8.0/24"}, "not in a private RFC 1918 range"},
		{"range straddles private", godo.VPCCreateRequest{Name: "n", RegionSlug: "nyc3", IPRange: "172.0.0.0/16"}, "not in a private RFC 1918 range"},
		{"range overlaps", godo.VPCCreateRequest{Name: "n", RegionSlug: "sfo3", IPRange: "192.168.0.0/16"}, "overlaps the range 192.168.4.0/24 of VPC taken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			miscVPC(t, e, &godo.VPCCreateRequest{Name: "taken", RegionSlug: "lon1", IPRange: "192.168.4.0/24"})
			_, _, err := e.client.VPCs.Create(e.ctx, &tc.req)
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			e.srv.Inspect(func(w *World) {
				if len(w.VPCs) != 1 {
					t.Errorf("%d VPCs after a refused create", len(w.VPCs))
				}
			})
		})
	}
}

func TestVPCMembersBlockDeletion(t *testing.T) {
	e := newTestEnv(t)
	miscVPC(t, e, &godo.VPCCreateRequest{Name: "default-ish", RegionSlug: "nyc3"})
	v := miscVPC(t, e, &godo.VPCCreateRequest{Name: "apps", RegionSlug: "nyc3"})
	miscDroplets(t, e, &Droplet{ID: 51, VPCUUID: v.ID}, &Droplet{ID: 52, VPCUUID: v.ID}, &Droplet{ID: 53})

	members, resp, err := e.client.VPCs.ListMembers(e.ctx, v.ID, &godo.VPCListMembersRequest{ResourceType: "droplet"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].URN != "do:droplet:51" || members[0].Name != "web-51" || members[1].URN != "do:droplet:52" || resp.Meta.Total != 2 {
		t.Fatalf("members %+v", members)
	}
	if page, _, _ := e.client.VPCs.ListMembers(e.ctx, v.ID, nil, &godo.ListOptions{PerPage: 1, Page: 2}); len(page) != 1 || page[0].URN != "do:droplet:52" {
		t.Errorf("page 2: %+v", page)
	}
	if lbs, _, _ := e.client.VPCs.ListMembers(e.ctx, v.ID, &godo.VPCListMembersRequest{ResourceType: "load_balancer"}, nil); len(lbs) != 0 {
		t.Errorf("load balancer members %+v", lbs)
	}
	_, _, err = e.client.VPCs.ListMembers(e.ctx, "no-such-vpc", nil, nil)
	e.apiError(err, http.StatusNotFound, "not_found")

	_, err = e.client.VPCs.Delete(e.ctx, v.ID)
	miscMessage(t, e.apiError(err, http.StatusConflict, "conflict"), "Can not delete VPC with members")

	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		delete(w.Droplets, 51)
		delete(w.Droplets, 52)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.VPCs.Delete(e.ctx, v.ID); err != nil {
		t.Fatalf("delete emptied VPC: %v", err)
	}
}

func TestDefaultVPCsGetDistinctRanges(t *testing.T) {
	e := newTestEnv(t)
	miscVPC(t, e, &godo.VPCCreateRequest{Name: "squatter", RegionSlug: "tor1", IPRange: "10.100.0.0/16"})
	var ranges []netip.Prefix
	err := e.srv.Mutate(func(w *World, now time.Time) error {
		for _, r := range []string{"nyc1", "nyc3", "ams3", "sfo2", "sfo3", "sgp1", "lon1", "fra1", "blr1", "syd1", "atl1"} {
			v := w.defaultVPC(now, r)
			if again := w.defaultVPC(now, r); again != v {
				t.Errorf("%s: second call made another default VPC", r)
			}
			if !v.Default || v.Name != "default-"+r {
				t.Errorf("%s: %+v", r, v)
			}
			ranges = append(ranges, netip.MustParsePrefix(v.IPRange))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ranges = append(ranges, netip.MustParsePrefix("10.100.0.0/16"))
	for i, a := range ranges {
		for j, b := range ranges[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("ranges %d and %d overlap: %s %s", i, i+1+j, a, b)
			}
		}
	}
	// The default VPC of tor1 is the VPC created there first.
	e.srv.Inspect(func(w *World) {
		if v := w.defaultVPC(time.Time{}, "tor1"); v.Name != "squatter" {
			t.Errorf("tor1 default %s", v.Name)
		}
	})
}

func TestVPCsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	v := miscVPC(t, e, &godo.VPCCreateRequest{Name: "kept", RegionSlug: "fra1", IPRange: "172.16.0.0/20", Description: "d"})
	e = miscRestart(t, e, path)
	got, _, err := e.client.VPCs.Get(e.ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "kept" || got.IPRange != "172.16.0.0/20" || got.Description != "d" || !got.Default || !got.CreatedAt.Equal(v.CreatedAt) {
		t.Errorf("after restart %+v", got)
	}
	// The restored range still blocks overlaps.
	_, _, err = e.client.VPCs.Create(e.ctx, &godo.VPCCreateRequest{Name: "x", RegionSlug: "fra1", IPRange: "172.16.8.0/24"})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}
