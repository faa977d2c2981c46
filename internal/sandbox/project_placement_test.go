package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

func TestProjectsLoadBalancerProjectID(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	req := minimalLB()
	req.ProjectID = p.ID
	lb := e.createLB(req)
	if lb.ProjectID != p.ID || !slices.Equal(e.projectURNs(p.ID), []string{lb.URN()}) {
		t.Errorf("load balancer project_id %q, project holds %v", lb.ProjectID, e.projectURNs(p.ID))
	}
	plain := e.createLB(&godo.LoadBalancerRequest{Name: "lb-2", Region: "nyc3", ForwardingRules: []godo.ForwardingRule{httpRule()}})
	def, _, _ := e.client.Projects.GetDefault(e.ctx)
	if plain.ProjectID != def.ID {
		t.Errorf("load balancer without project_id is in %q, want the default %q", plain.ProjectID, def.ID)
	}
	// Moved through the projects API, it answers its new project.
	if _, _, err := e.client.Projects.AssignResources(e.ctx, p.ID, plain.URN()); err != nil {
		t.Fatal(err)
	}
	got, _, _ := e.client.LoadBalancers.Get(e.ctx, plain.ID)
	if got.ProjectID != p.ID {
		t.Errorf("moved load balancer answers project_id %q", got.ProjectID)
	}
	// An update naming another project moves it there.
	upd := got.AsRequest()
	upd.ProjectID = def.ID
	moved, _, err := e.client.LoadBalancers.Update(e.ctx, got.ID, upd)
	if err != nil || moved.ProjectID != def.ID {
		t.Errorf("update to the default project: %v, %v", moved.ProjectID, err)
	}
	req = &godo.LoadBalancerRequest{Name: "lb-3", Region: "nyc3", ForwardingRules: []godo.ForwardingRule{httpRule()},
		ProjectID: "4e1bfbc3-dc3e-41f2-a18f-1b4d7ba71679"}
	_, _, err = e.client.LoadBalancers.Create(e.ctx, req)
	if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, "no such project") {
		t.Errorf("unknown project_id: %q", er.Message)
	}
}

func TestProjectsAutoscaleMembersLandInTheTemplatesProject(t *testing.T) {
	e := newPoolEnv(t)
	p := e.createProject("hits")
	req := fixedPool("web-pool", 2)
	req.DropletTemplate.ProjectID = p.ID
	pool := e.createPool(req)
	var want []string
	for _, m := range e.members(pool.ID) {
		want = append(want, dropletURN(int(m.DropletID)))
	}
	slices.Sort(want)
	got := e.projectURNs(p.ID)
	slices.Sort(got)
	if len(want) != 2 || !slices.Equal(got, want) {
		t.Errorf("project holds %v, want the pool's members %v", got, want)
	}
	bad := fixedPool("web-pool-2", 1)
	bad.DropletTemplate.ProjectID = "4e1bfbc3-dc3e-41f2-a18f-1b4d7ba71679"
	_, _, err := e.client.DropletAutoscale.Create(e.ctx, bad)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}
