package sandbox

import "testing"

// Public distribution images are type "snapshot" on DigitalOcean, like
// 1-Click apps; the official provider's TestAccDigitalOceanImage_PublicSlug
// checks it for ubuntu-22-04-x64 and failed against the sandbox's "base".
func TestCompatDistributionImagesAreSnapshots(t *testing.T) {
	e := newTestEnv(t)
	img, _, err := e.client.Images.GetBySlug(e.ctx, "ubuntu-22-04-x64")
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != "snapshot" || img.Public != true || img.MinDiskSize != 7 || img.Distribution != "Ubuntu" {
		t.Errorf("ubuntu-22-04-x64: %+v", img)
	}
	dists, _, err := e.client.Images.ListDistribution(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dists {
		if d.Type != "snapshot" {
			t.Errorf("distribution image %s has type %q", d.Slug, d.Type)
		}
	}
	if len(dists) == 0 {
		t.Error("no distribution images")
	}
}
