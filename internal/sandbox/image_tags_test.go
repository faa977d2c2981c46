package sandbox

import (
	"slices"
	"strconv"
	"testing"

	"github.com/digitalocean/godo"
)

// Images (the account's snapshots and backups) are tagged through
// /v2/tags/{name}/resources with resource_type image, as on DigitalOcean;
// GET /v2/images?tag_name= and the snapshot listing then show the tag.
func TestTagImages(t *testing.T) {
	e := newTestEnv(t)
	d, id := e.snapshotOf("web-1")
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "golden"}); err != nil {
		t.Fatal(err)
	}
	image := []godo.Resource{{ID: strconv.Itoa(id), Type: godo.ImageResourceType}}
	if _, err := e.client.Tags.TagResources(e.ctx, "golden", &godo.TagResourcesRequest{Resources: image}); err != nil {
		t.Fatalf("tag the snapshot: %v", err)
	}
	tagged, _, err := e.client.Images.ListByTag(e.ctx, "golden", nil)
	if err != nil || len(tagged) != 1 || tagged[0].ID != id || !slices.Equal(tagged[0].Tags, []string{"golden"}) {
		t.Fatalf("images tagged golden: %+v %v", tagged, err)
	}
	snaps, _, err := e.client.Snapshots.ListDroplet(e.ctx, nil)
	if err != nil || len(snaps) != 1 || !slices.Equal(snaps[0].Tags, []string{"golden"}) {
		t.Fatalf("snapshots: %+v %v", snaps, err)
	}
	tag, _, err := e.client.Tags.Get(e.ctx, "golden")
	if err != nil {
		t.Fatal(err)
	}
	uri := e.http.URL + "/v2/images/" + strconv.Itoa(id)
	if r := tag.Resources; r.Count != 1 || r.Images.Count != 1 || r.Images.LastTaggedURI != uri || r.LastTaggedURI != uri || r.Droplets.Count != 0 {
		t.Errorf("tag resources %+v, images %+v", r, r.Images)
	}

	// Tagging a droplet afterwards makes it the last tagged resource.
	if _, err := e.client.Tags.TagResources(e.ctx, "golden", &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: strconv.Itoa(d.ID), Type: godo.DropletResourceType}}}); err != nil {
		t.Fatal(err)
	}
	if tag, _, _ := e.client.Tags.Get(e.ctx, "golden"); tag.Resources.Count != 2 || tag.Resources.LastTaggedURI != e.http.URL+"/v2/droplets/"+strconv.Itoa(d.ID) {
		t.Errorf("after tagging the droplet: %+v", tag.Resources)
	}

	if _, err := e.client.Tags.UntagResources(e.ctx, "golden", &godo.UntagResourcesRequest{Resources: image}); err != nil {
		t.Fatal(err)
	}
	if tagged, _, _ := e.client.Images.ListByTag(e.ctx, "golden", nil); len(tagged) != 0 {
		t.Errorf("untagged image still listed: %+v", tagged)
	}

	// Deleting a tag takes it off images too.
	if _, err := e.client.Tags.TagResources(e.ctx, "golden", &godo.TagResourcesRequest{Resources: image}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Tags.Delete(e.ctx, "golden"); err != nil {
		t.Fatal(err)
	}
	if img, _, err := e.client.Images.GetByID(e.ctx, id); err != nil || len(img.Tags) != 0 {
		t.Errorf("after deleting the tag: %+v %v", img, err)
	}
}
