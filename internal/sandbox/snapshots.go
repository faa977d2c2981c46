package sandbox

import (
	"net/http"
	"slices"
	"strconv"
)

// Droplet snapshots are served twice by DigitalOcean: as private images
// under /v2/images and as snapshots under /v2/snapshots (where volume
// snapshots live too). doctl's `compute snapshot` and `compute image
// delete|update` and the official provider's snapshot resources use these.

// SnapshotResourceTypes are the resource_type values of /v2/snapshots.
var SnapshotResourceTypes = []string{"droplet", "volume"}

// errNotASnapshot is DigitalOcean's answer when /v2/snapshots/{id} names an
// image that is not a snapshot (a backup or a public image).
func errNotASnapshot() *APIError { return errBadRequest("the resource is not a snapshot") }

// snapshotJSON is godo's Snapshot: ids are strings, as volume snapshot ids
// are UUIDs.
type snapshotJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	ResourceID    string   `json:"resource_id"`
	ResourceType  string   `json:"resource_type"`
	Regions       []string `json:"regions"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	CreatedAt     string   `json:"created_at"`
	Tags          []string `json:"tags"`
}

func (s *Snapshot) renderSnapshot() snapshotJSON {
	return snapshotJSON{
		ID: strconv.Itoa(s.ID), Name: s.Name, ResourceID: strconv.Itoa(s.DropletID), ResourceType: "droplet",
		Regions: slices.Clone(s.Regions), MinDiskSize: s.MinDiskSize, SizeGigabytes: s.SizeGigabytes,
		CreatedAt: timestamp(s.CreatedAt), Tags: nonNilStrings(s.Tags),
	}
}

// snapshotFromPath resolves /v2/snapshots/{id}: 404 for an unknown id, 400
// for an image that exists but is not a snapshot (a backup or a public
// image). Volume snapshot ids are UUIDs; the sandbox has none.
func (c *call) snapshotFromPath() (*Snapshot, *APIError) {
	id, err := strconv.Atoi(c.r.PathValue("id"))
	if err != nil {
		return nil, errNotFound()
	}
	if snap, ok := c.w.Snapshots[id]; ok {
		if snap.Type != "snapshot" {
			return nil, errNotASnapshot()
		}
		return snap, nil
	}
	if _, public := c.w.catalog.imageByID(id); public {
		return nil, errNotASnapshot()
	}
	return nil, errNotFound()
}

// accountImageFromPath resolves /v2/images/{image} for a change: only the
// account's own images can be changed; a public image is not found there.
func (c *call) accountImageFromPath() (*Snapshot, *APIError) {
	ref, ok := c.w.resolveImage(c.r.PathValue("image"))
	if !ok || ref.snapshot == nil {
		return nil, errNotFound()
	}
	return ref.snapshot, nil
}

// deleteSnapshot removes a snapshot image and the droplet's reference to it.
func (w *World) deleteSnapshot(s *Snapshot) {
	if d := w.Droplets[s.DropletID]; d != nil {
		d.SnapshotIDs = slices.DeleteFunc(slices.Clone(d.SnapshotIDs), func(id int) bool { return id == s.ID })
		d.BackupIDs = slices.DeleteFunc(slices.Clone(d.BackupIDs), func(id int) bool { return id == s.ID })
	}
	delete(w.Snapshots, s.ID)
}

// imageUpdateRequest is godo's ImageUpdateRequest. DigitalOcean changes
// only the name of a snapshot or backup; distribution and description are
// for custom images, which the sandbox does not have.
type imageUpdateRequest struct {
	Name string `json:"name"`
}

func (s *Server) snapshotRoutes() {
	s.handle("GET /v2/snapshots", listSnapshots)
	s.handle("GET /v2/snapshots/{id}", getSnapshot)
	s.handle("DELETE /v2/snapshots/{id}", deleteSnapshot)
	s.handle("PUT /v2/images/{image}", updateImage)
	s.handle("DELETE /v2/images/{image}", deleteImage)
}

// ImagesUnit is the sandbox's images and snapshots.
type ImagesUnit struct {
	Snapshots map[int]*Snapshot `json:"snapshots"`
}

func (u *ImagesUnit) ensure() {
	if u.Snapshots == nil {
		u.Snapshots = map[int]*Snapshot{}
	}
}

func (*ImagesUnit) routes(s *Server) {
	s.snapshotRoutes()
}

// listSnapshots serves GET /v2/snapshots.
func listSnapshots(c *call) (int, any) {
	typ := c.r.URL.Query().Get("resource_type")
	out := []snapshotJSON{}
	if typ == "" || typ == "droplet" { // the sandbox has no volumes
		for _, snap := range c.w.snapshotsSorted() {
			if snap.Type == "snapshot" {
				out = append(out, snap.renderSnapshot())
			}
		}
	}
	return http.StatusOK, listBody(c, "snapshots", out)
}

// getSnapshot serves GET /v2/snapshots/{id}.
func getSnapshot(c *call) (int, any) {
	snap, err := c.snapshotFromPath()
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"snapshot": snap.renderSnapshot()}
}

// deleteSnapshot serves DELETE /v2/snapshots/{id}.
func deleteSnapshot(c *call) (int, any) {
	snap, err := c.snapshotFromPath()
	if err != nil {
		return 0, err
	}
	c.w.deleteSnapshot(snap)
	return http.StatusNoContent, nil
}

// updateImage serves PUT /v2/images/{image}.
func updateImage(c *call) (int, any) {
	img, err := c.accountImageFromPath()
	if err != nil {
		return 0, err
	}
	var in imageUpdateRequest
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Name != "" {
		img.Name = in.Name
	}
	return http.StatusOK, map[string]any{"image": img.render()}
}

// deleteImage serves DELETE /v2/images/{image}.
func deleteImage(c *call) (int, any) {
	img, err := c.accountImageFromPath()
	if err != nil {
		return 0, err
	}
	c.w.deleteSnapshot(img)
	return http.StatusNoContent, nil
}
