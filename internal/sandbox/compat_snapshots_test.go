package sandbox

import (
	"strconv"
	"testing"

	"github.com/digitalocean/godo"
)

// snapshotOf takes a snapshot of a fresh droplet and returns both.
func (e *testEnv) snapshotOf(name string) (*godo.Droplet, int) {
	e.t.Helper()
	d := e.activeDroplet(name)
	if _, _, err := e.client.DropletActions.Snapshot(e.ctx, d.ID, name+"-snap"); err != nil {
		e.t.Fatalf("snapshot: %v", err)
	}
	e.advance(e.srv.delays.DropletAction)
	d = e.getDroplet(d.ID)
	if len(d.SnapshotIDs) != 1 {
		e.t.Fatalf("snapshot ids %v", d.SnapshotIDs)
	}
	return d, d.SnapshotIDs[0]
}

// doctl's `compute snapshot list|get|delete` and the official provider's
// droplet snapshot resources use /v2/snapshots; the sandbox answered 404.
func TestCompatSnapshotsEndpoints(t *testing.T) {
	e := newTestEnv(t)
	d, id := e.snapshotOf("web-1")
	sid := strconv.Itoa(id)

	list, _, err := e.client.Snapshots.ListDroplet(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("droplet snapshots %+v", list)
	}
	s := list[0]
	if s.ID != sid || s.Name != "web-1-snap" || s.ResourceID != strconv.Itoa(d.ID) || s.ResourceType != "droplet" ||
		len(s.Regions) != 1 || s.Regions[0] != "nyc3" || s.MinDiskSize != 25 || s.Created == "" || s.Tags == nil {
		t.Errorf("snapshot %+v", s)
	}
	if vols, _, err := e.client.Snapshots.ListVolume(e.ctx, nil); err != nil || len(vols) != 0 {
		t.Errorf("volume snapshots %+v %v", vols, err)
	}
	if all, _, err := e.client.Snapshots.List(e.ctx, nil); err != nil || len(all) != 1 {
		t.Errorf("all snapshots %+v %v", all, err)
	}

	got, _, err := e.client.Snapshots.Get(e.ctx, sid)
	if err != nil || got.ID != sid || got.Name != "web-1-snap" {
		t.Fatalf("get snapshot %+v %v", got, err)
	}

	if _, err := e.client.Snapshots.Delete(e.ctx, sid); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Snapshots.Get(e.ctx, sid)
	e.apiError(err, 404, "not_found")
	if ids := e.getDroplet(d.ID).SnapshotIDs; len(ids) != 0 {
		t.Errorf("droplet still lists snapshots %v", ids)
	}
	if _, _, err := e.client.Images.GetByID(e.ctx, id); err == nil {
		t.Error("the deleted snapshot is still an image")
	}
}

func TestCompatSnapshotErrors(t *testing.T) {
	cases := []struct {
		name, id string
		status   int
		errID    string
		want     string
	}{
		{"public image is not a snapshot", "174690466", 400, "bad_request", "the resource is not a snapshot"},
		{"unknown id", "999", 404, "not_found", "could not be found"},
		{"volume snapshot uuid", "fbe805e8-866b-11e6-96bf-000f53315a41", 404, "not_found", "could not be found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			_, _, err := e.client.Snapshots.Get(e.ctx, tc.id)
			miscMessage(t, e.apiError(err, tc.status, tc.errID), tc.want)
			_, err = e.client.Snapshots.Delete(e.ctx, tc.id)
			e.apiError(err, tc.status, tc.errID)
		})
	}
}

// doctl's `compute image update|delete` (and the provider's snapshot
// cleanup) change the account's images through /v2/images/{id}.
func TestCompatImageUpdateAndDelete(t *testing.T) {
	e := newTestEnv(t)
	d, id := e.snapshotOf("web-1")

	img, _, err := e.client.Images.Update(e.ctx, id, &godo.ImageUpdateRequest{Name: "golden"})
	if err != nil || img.Name != "golden" || img.ID != id {
		t.Fatalf("update image %+v %v", img, err)
	}
	if got, _, err := e.client.Images.GetByID(e.ctx, id); err != nil || got.Name != "golden" {
		t.Errorf("image after update %+v %v", got, err)
	}

	// Public images are DigitalOcean's, not the account's.
	_, _, err = e.client.Images.Update(e.ctx, 174690466, &godo.ImageUpdateRequest{Name: "mine"})
	e.apiError(err, 404, "not_found")
	_, err = e.client.Images.Delete(e.ctx, 174690466)
	e.apiError(err, 404, "not_found")

	if _, err := e.client.Images.Delete(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Images.GetByID(e.ctx, id)
	e.apiError(err, 404, "not_found")
	if ids := e.getDroplet(d.ID).SnapshotIDs; len(ids) != 0 {
		t.Errorf("droplet still lists snapshots %v", ids)
	}
	_, err = e.client.Images.Delete(e.ctx, id)
	e.apiError(err, 404, "not_found")
}
