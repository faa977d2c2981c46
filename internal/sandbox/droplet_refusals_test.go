package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// What the sandbox cannot honour on a droplet create (block storage, VPC
// subnets, GPU partitions) and bodies DigitalOcean's spec does not allow
// are refused with a 422 naming them, never dropped.
func TestCreateDropletRefusesWhatItCannotHonour(t *testing.T) {
	single := func(mutate func(*godo.DropletCreateRequest)) func(e *testEnv) error {
		return func(e *testEnv) error {
			req := dropletRequest("web-1")
			mutate(req)
			_, _, err := e.client.Droplets.Create(e.ctx, req)
			return err
		}
	}
	raw := func(body map[string]any) func(e *testEnv) error {
		return func(e *testEnv) error {
			req, err := e.client.NewRequest(e.ctx, http.MethodPost, "v2/droplets", body)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.client.Do(e.ctx, req, nil)
			return err
		}
	}
	cases := []struct {
		name   string
		create func(e *testEnv) error
		want   string
	}{
		{"a volume by id", single(func(r *godo.DropletCreateRequest) {
			r.Volumes = []godo.DropletCreateVolume{{ID: "7724db7c-e098-11e5-b522-000f53304e51"}}
		}), `invalid volume for Droplet creation: volume "7724db7c-e098-11e5-b522-000f53304e51" does not exist`},
		{"a volume by name", single(func(r *godo.DropletCreateRequest) { r.Volumes = []godo.DropletCreateVolume{{Name: "data"}} }), `volume "data" does not exist`},
		{"a subnet", single(func(r *godo.DropletCreateRequest) { r.SubnetUUID = "a6c4a9f4-0ab1-4bc6-a0d0-7d3bbde0ec9f" }),
			`subnet_uuid "a6c4a9f4-0ab1-4bc6-a0d0-7d3bbde0ec9f" does not match a subnet`},
		{"a GPU partition mode", single(func(r *godo.DropletCreateRequest) { r.GPUPartitionMode = godo.GPUPartitionModeSPXNPS1 }),
			`gpu_partition_mode "PARTITION_MODE_SPX_NPS1" is only for GPU Droplets; size "s-1vcpu-1gb" is not a GPU size`},
		{"name and names", raw(map[string]any{"name": "web-1", "names": []string{"web-2", "web-3"}, "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}),
			"name and names can not be combined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			er := e.apiError(tc.create(e), http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q does not mention %q", er.Message, tc.want)
			}
			if n := e.dropletCount(); n != 0 {
				t.Errorf("a refused create left %d droplets", n)
			}
		})
	}
}

// GET /v2/droplets: the spec says type "can not be combined with tag_name".
func TestListDropletsRefusesTypeWithTagName(t *testing.T) {
	e := newTestEnv(t)
	req, err := e.client.NewRequest(e.ctx, http.MethodGet, "v2/droplets?tag_name=web&type=droplets", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Do(e.ctx, req, nil)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "type can not be combined with tag_name")
	if _, _, err := e.client.Droplets.ListByTag(e.ctx, "web", nil); err != nil {
		t.Errorf("tag_name alone: %v", err)
	}
}
