package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

func TestParseImportID(t *testing.T) {
	const lbID = "4de7ac8b-495b-4884-9a69-1050c6793cd6"
	const a1, a2 = "669adfc9-3b3e-4ee8-9bcd-9b3d1b4e0a8c", "78b3da62-27e5-49ba-ac70-5db0b5935c64"
	ok := []struct {
		name, id string
		adopt    bool
		want     tier.AdoptRequest
	}{
		{"a bare name imports the tier's own objects", "hits", false, tier.AdoptRequest{Name: "hits"}},
		{"load balancer by name, droplets by tag", "name=legacy,load_balancer=legacy-lb,droplets=tag:web", true,
			tier.AdoptRequest{Name: "legacy", LoadBalancer: "legacy-lb", DropletTag: "web"}},
		{"droplet ids after droplets= continue with commas", "name=legacy,droplets=11,12,13,load_balancer=" + lbID, true,
			tier.AdoptRequest{Name: "legacy", LoadBalancer: lbID, DropletIDs: []int{11, 12, 13}}},
		{"droplet ids separated by bars", "name=legacy,droplets=11|12", true, tier.AdoptRequest{Name: "legacy", DropletIDs: []int{11, 12}}},
		{"alert policies and user_data", "name=legacy,load_balancer=lb.example,alert_policies=" + a1 + "|" + a2 + ",user_data=differs", true,
			tier.AdoptRequest{Name: "legacy", LoadBalancer: "lb.example", AlertIDs: []string{a1, a2}, ReplaceDroplets: true}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got, adopt, err := parseImportID(c.id)
			if err != nil || adopt != c.adopt || !reflect.DeepEqual(got, c.want) {
				t.Errorf("parseImportID(%q) = %+v, %v, %v; want %+v, %v", c.id, got, adopt, err, c.want, c.adopt)
			}
		})
	}
	bad := []struct{ name, id, want string }{
		{"not a name", "Legacy Tier", `"Legacy Tier": not a tier name`},
		{"no name", "load_balancer=legacy-lb", `name="": the tier's name is required`},
		{"bad name", "name=Legacy,load_balancer=x", `name="Legacy": a tier name is 1 to 40 characters`},
		{"unknown key", "name=legacy,lb=legacy-lb", `lb="legacy-lb": unknown key; the keys are name, load_balancer, droplets, alert_policies and user_data`},
		{"bad droplet id", "name=legacy,droplets=12|web", `droplets="web": tag:<tag>, or droplet ids`},
		{"bare value after another key", "name=legacy,load_balancer=a,b", `"b": not a key=value pair`},
		{"bad alert id", "name=legacy,load_balancer=a,alert_policies=cpu-high", `alert_policies="cpu-high": alert policy ids are UUIDs, separated by '|'`},
		{"bad load balancer", "name=legacy,load_balancer=my_lb", `load_balancer="my_lb": a load balancer's id (a UUID) or its name`},
		{"twice", "name=legacy,name=other,load_balancer=a", `name="other": the key is given twice`},
		{"nothing to adopt", "name=legacy", `name a load balancer or droplets to adopt`},
		{"bad user_data", "name=legacy,load_balancer=a,user_data=yes", `user_data="yes": one of "matches"`},
		{"tag and ids", "name=legacy,droplets=tag:web,12", `"12": not a key=value pair`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseImportID(c.id)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("parseImportID(%q) error %v, want it to contain %q", c.id, err, c.want)
			}
		})
	}
}

// An import of our own tier warns about user_data only when the droplets'
// revision says they were built with some.
func TestImportNotesUserData(t *testing.T) {
	spec := tier.DropletSpec{Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", Monitoring: true}
	fleetWith := func(d tier.DropletSpec) tier.Fleet {
		return tier.Fleet{Droplets: []tier.Droplet{{ID: 1, Status: "active", Size: d.Size, Image: d.Image, Monitoring: true, Tags: []string{tier.Tag("web"), d.RevisionTag()}}}}
	}
	m := &webTierModel{Name: types.StringValue("web"), Droplet: &dropletModel{
		Size: types.StringValue(spec.Size), Image: types.StringValue(spec.Image), Monitoring: types.BoolValue(true), IPv6: types.BoolValue(false),
		SSHKeys: types.ListNull(types.StringType), UserData: types.StringNull(),
	}}
	if d := importNotes(m, fleetWith(spec)); len(d) != 0 {
		t.Errorf("no user_data, yet: %v", d)
	}
	withUserData := spec
	withUserData.UserData = "#cloud-config\n"
	d := importNotes(m, fleetWith(withUserData))
	if len(d) != 1 || !strings.Contains(d[0].Summary(), "set droplet.user_data and droplet.ssh_keys") {
		t.Errorf("built with user_data: %v", d)
	}
}
