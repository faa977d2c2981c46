package sandbox

import "testing"

// Public distribution images are type "base" on DigitalOcean, as every
// answer since 2023 shows them (doctl compute image list-distribution in
// 2025, droplet image objects in 2024 and 2026); 1-Click apps are
// "snapshot". The OpenAPI example (2020) and the official provider's
// TestAccDigitalOceanImage_PublicSlug (unchanged since 2018) still say
// "snapshot".
func TestCompatDistributionImagesAreBase(t *testing.T) {
	e := newTestEnv(t)
	img, _, err := e.client.Images.GetBySlug(e.ctx, "ubuntu-22-04-x64")
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != "base" || img.Public != true || img.MinDiskSize != 7 || img.Distribution != "Ubuntu" {
		t.Errorf("ubuntu-22-04-x64: %+v", img)
	}
	dists, _, err := e.client.Images.ListDistribution(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dists {
		if d.Type != "base" {
			t.Errorf("distribution image %s has type %q", d.Slug, d.Type)
		}
	}
	if len(dists) == 0 {
		t.Error("no distribution images")
	}
	apps, _, err := e.client.Images.ListApplication(e.ctx, nil)
	if err != nil || len(apps) == 0 || apps[0].Type != "snapshot" {
		t.Errorf("1-Click images %+v %v", apps, err)
	}
}
