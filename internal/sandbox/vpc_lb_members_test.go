package sandbox

import (
	"net/http"
	"testing"

	"github.com/digitalocean/godo"
)

// A load balancer is a member of its VPC (urn do:loadbalancer:<id>): it is
// listed and keeps the VPC from being deleted, as on DigitalOcean.
func TestVPCLoadBalancerMembers(t *testing.T) {
	e := newTestEnv(t)
	miscVPC(t, e, &godo.VPCCreateRequest{Name: "first", RegionSlug: "nyc3"}) // the region's default
	v := miscVPC(t, e, &godo.VPCCreateRequest{Name: "apps", RegionSlug: "nyc3"})
	miscDroplets(t, e, &Droplet{ID: 71, VPCUUID: v.ID})
	req := minimalLB()
	req.VPCUUID = v.ID
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := e.client.VPCs.ListMembers(e.ctx, v.ID, nil, nil)
	if err != nil || len(all) != 2 || all[0].URN != "do:droplet:71" || all[1].URN != "do:loadbalancer:"+lb.ID || all[1].Name != "web-lb" {
		t.Fatalf("members %+v %v", all, err)
	}
	for rt, want := range map[string]int{"load_balancer": 1, "loadbalancer": 1, "droplet": 1, "database": 0} {
		got, _, err := e.client.VPCs.ListMembers(e.ctx, v.ID, &godo.VPCListMembersRequest{ResourceType: rt}, nil)
		if err != nil || len(got) != want {
			t.Errorf("resource_type %s: %+v %v", rt, got, err)
		}
	}

	if _, err := e.client.Droplets.Delete(e.ctx, 71); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.VPCs.Delete(e.ctx, v.ID)
	miscMessage(t, e.apiError(err, http.StatusConflict, "conflict"), "Can not delete VPC with members")
	if _, err := e.client.LoadBalancers.Delete(e.ctx, lb.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.VPCs.Delete(e.ctx, v.ID); err != nil {
		t.Errorf("delete the VPC once its load balancer is gone: %v", err)
	}
}
