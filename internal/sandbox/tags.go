package sandbox

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tag is a tag the account has created (explicitly or by tagging).
type Tag struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// LastTaggedDropletID is the droplet most recently tagged through
	// POST /v2/tags/{name}/resources; DigitalOcean reports it as
	// last_tagged_uri for as long as the droplet keeps the tag.
	LastTaggedDropletID int `json:"last_tagged_droplet_id,omitempty"`
	// LastTaggedImageID is the image (snapshot or backup) most recently
	// tagged; LastTaggedType says which kind was tagged last of all.
	LastTaggedImageID int    `json:"last_tagged_image_id,omitempty"`
	LastTaggedType    string `json:"last_tagged_type,omitempty"`
}

// tagNamePattern is DigitalOcean's rule for tag names.
var tagNamePattern = regexp.MustCompile(`^[a-zA-Z0-9:_\-]{1,255}$`)

// TagNameMaxLength is DigitalOcean's limit on a tag name.
const TagNameMaxLength = 255

// TaggableResourceTypes are the resource_type values DigitalOcean accepts
// in POST|DELETE /v2/tags/{name}/resources.
var TaggableResourceTypes = []string{"droplet", "image", "volume", "volume_snapshot", "database"}

// ensureTags records tags that resources are created with; DigitalOcean
// creates missing tags implicitly. Tag names are case stable: a tag that
// exists with another capitalisation is not created again.
func (w *World) ensureTags(now time.Time, names []string) {
	for _, n := range names {
		if w.tagFold(n) == nil {
			w.Tags[n] = &Tag{Name: n, CreatedAt: now}
		}
	}
}

// tagFold finds a tag ignoring case, as DigitalOcean does when a tag is
// created or referenced by name in a request body.
func (w *World) tagFold(name string) *Tag {
	if t, ok := w.Tags[name]; ok {
		return t
	}
	for _, t := range w.Tags {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// validateTagName answers DigitalOcean's 400 for a tag name outside
// [a-zA-Z0-9:_-]{1,255}. DigitalOcean reports this as a bad request, not a
// 422, with the text of its tag validator.
func validateTagName(name string) *APIError {
	if len(name) > TagNameMaxLength {
		return errBadRequest(`Error validating resource tag: "tag-name \"%s\" is longer than %d characters"`, name, TagNameMaxLength)
	}
	if !tagNamePattern.MatchString(name) {
		return errBadRequest(`Error validating resource tag: "tag-name \"%s\" contains invalid characters"`, name)
	}
	return nil
}

// tagServiceErrorJSON is the body DigitalOcean's tag service answers a
// refused POST /v2/tags with: not the usual {id, message} but
// {error, messages, root_causes} (OpenAPI tags_bad_request, whose example
// is this very validation error). godo cannot decode it and reports the
// raw body as the message.
type tagServiceErrorJSON struct {
	Error      string   `json:"error"`
	Messages   []string `json:"messages"`
	RootCauses []string `json:"root_causes"`
}

func tagServiceError(msg string) tagServiceErrorJSON {
	return tagServiceErrorJSON{Error: msg, RootCauses: []string{"rpc error: code = InvalidArgument desc = " + msg}}
}

// joinAllowed formats allowed values for an error message: "a, b, c".
func joinAllowed(values []string) string { return strings.Join(values, ", ") }

// tagJSON is DigitalOcean's tag object.
type tagJSON struct {
	Name      string          `json:"name"`
	Resources tagResourceJSON `json:"resources"`
}

type tagResourceJSON struct {
	Count           int          `json:"count"`
	LastTaggedURI   string       `json:"last_tagged_uri,omitempty"`
	Droplets        tagCountJSON `json:"droplets"`
	Images          tagCountJSON `json:"images"`
	Volumes         tagCountJSON `json:"volumes"`
	VolumeSnapshots tagCountJSON `json:"volume_snapshots"`
	Databases       tagCountJSON `json:"databases"`
}

type tagCountJSON struct {
	Count         int    `json:"count"`
	LastTaggedURI string `json:"last_tagged_uri,omitempty"`
}

// renderTag counts the resources carrying the tag. Droplets, images
// (snapshots and backups) and database clusters can carry tags in the
// sandbox; volumes and volume snapshots are always zero.
func (c *call) renderTag(t *Tag) tagJSON {
	out := tagJSON{Name: t.Name}
	droplets, images, databases := c.w.dropletsWithTag(t.Name), c.w.imagesWithTag(t.Name), c.w.databasesWithTag(t.Name)
	out.Resources.Droplets.Count, out.Resources.Images.Count = len(droplets), len(images)
	out.Resources.Databases.Count = len(databases)
	out.Resources.Count = len(droplets) + len(images) + len(databases)
	if len(databases) > 0 {
		out.Resources.Databases.LastTaggedURI = c.baseURL() + "/v2/databases/" + databases[len(databases)-1].ID
	}
	if len(droplets) > 0 {
		last := droplets[len(droplets)-1].ID // newest droplet with the tag
		if d := c.w.Droplets[t.LastTaggedDropletID]; d != nil && d.hasTag(t.Name) {
			last = d.ID
		}
		out.Resources.Droplets.LastTaggedURI = c.baseURL() + "/v2/droplets/" + strconv.Itoa(last)
	}
	if len(images) > 0 {
		last := images[len(images)-1].ID
		if img := c.w.Snapshots[t.LastTaggedImageID]; img != nil && slices.Contains(img.Tags, t.Name) {
			last = img.ID
		}
		out.Resources.Images.LastTaggedURI = c.baseURL() + "/v2/images/" + strconv.Itoa(last)
	}
	// The last resource tagged of any kind, as far as it still has the tag.
	out.Resources.LastTaggedURI = out.Resources.Droplets.LastTaggedURI
	if t.LastTaggedType == "image" && out.Resources.Images.LastTaggedURI != "" || out.Resources.LastTaggedURI == "" {
		out.Resources.LastTaggedURI = out.Resources.Images.LastTaggedURI
	}
	if out.Resources.LastTaggedURI == "" {
		out.Resources.LastTaggedURI = out.Resources.Databases.LastTaggedURI
	}
	return out
}

// imagesWithTag lists the account's images (snapshots and backups)
// carrying the tag, oldest first.
func (w *World) imagesWithTag(tag string) []*Snapshot {
	var out []*Snapshot
	for _, img := range w.snapshotsSorted() {
		if slices.Contains(img.Tags, tag) {
			out = append(out, img)
		}
	}
	return out
}

// tagsSorted lists tags by name, as DigitalOcean does.
func (w *World) tagsSorted() []*Tag {
	out := make([]*Tag, 0, len(w.Tags))
	for _, t := range w.Tags {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// tagResourcesRequest is the body of POST|DELETE /v2/tags/{name}/resources.
type tagResourcesRequest struct {
	Resources []struct {
		ID   string `json:"resource_id"`
		Type string `json:"resource_type"`
	} `json:"resources"`
}

// taggedResources are the droplets, images and database clusters a
// tag/untag body names.
type taggedResources struct {
	droplets  []*Droplet
	images    []*Snapshot
	databases []*DatabaseCluster
}

// taggedResources validates a tag/untag body and returns what it names.
// Every resource is checked before anything changes, so a request naming
// one missing resource changes nothing.
func (c *call) taggedResources() (taggedResources, *APIError) {
	var out taggedResources
	var in tagResourcesRequest
	if err := c.decode(&in); err != nil {
		return out, err
	}
	if len(in.Resources) == 0 {
		return out, errParameterMissing("resources")
	}
	for _, r := range in.Resources {
		if !slices.Contains(TaggableResourceTypes, r.Type) {
			return out, errUnprocessable("resource_type %q cannot be tagged; allowed resource types: %s", r.Type, joinAllowed(TaggableResourceTypes))
		}
		id, err := strconv.Atoi(r.ID)
		switch {
		case r.Type == "droplet" && err == nil && c.w.Droplets[id] != nil:
			out.droplets = append(out.droplets, c.w.Droplets[id])
		case r.Type == "image" && err == nil && c.w.Snapshots[id] != nil:
			// The account's snapshots and backups; public images are not
			// the account's to tag.
			out.images = append(out.images, c.w.Snapshots[id])
		case r.Type == "database" && c.w.Databases[r.ID] != nil:
			out.databases = append(out.databases, c.w.Databases[r.ID])
		default:
			// The sandbox holds no volumes or volume snapshots, so any id
			// of those kinds does not exist.
			return out, errNotFound()
		}
	}
	return out, nil
}

// tagResources serves POST /v2/tags/{name}/resources.
func (s *Server) tagResources(c *call) (int, any) {
	t := c.w.Tags[c.r.PathValue("name")]
	if t == nil {
		// DigitalOcean requires the tag to exist before tagging.
		return 0, errNotFound()
	}
	res, err := c.taggedResources()
	if err != nil {
		return 0, err
	}
	for _, d := range res.droplets {
		if !d.hasTag(t.Name) {
			d.Tags = append(d.Tags, t.Name)
			c.firewallsSeeDroplet(d, t.Name, false)
		}
		t.LastTaggedDropletID, t.LastTaggedType = d.ID, "droplet"
	}
	for _, img := range res.images {
		if !slices.Contains(img.Tags, t.Name) {
			img.Tags = append(slices.Clone(img.Tags), t.Name)
		}
		t.LastTaggedImageID, t.LastTaggedType = img.ID, "image"
	}
	for _, db := range res.databases {
		if !slices.Contains(db.Tags, t.Name) {
			db.Tags = append(slices.Clone(db.Tags), t.Name)
		}
	}
	return http.StatusNoContent, nil
}

// untagResources serves DELETE /v2/tags/{name}/resources.
func (s *Server) untagResources(c *call) (int, any) {
	t := c.w.Tags[c.r.PathValue("name")]
	if t == nil {
		return 0, errNotFound()
	}
	res, err := c.taggedResources()
	if err != nil {
		return 0, err
	}
	for _, d := range res.droplets {
		c.untagDroplet(d, t.Name)
	}
	for _, img := range res.images {
		untagImage(img, t.Name)
	}
	for _, db := range res.databases {
		untagDatabase(db, t.Name)
	}
	return http.StatusNoContent, nil
}

func untagImage(img *Snapshot, tag string) {
	img.Tags = slices.DeleteFunc(slices.Clone(img.Tags), func(t string) bool { return t == tag })
}

func untagDatabase(db *DatabaseCluster, tag string) {
	db.Tags = slices.DeleteFunc(slices.Clone(db.Tags), func(t string) bool { return t == tag })
}

// databasesWithTag lists the clusters carrying the tag, oldest first.
func (w *World) databasesWithTag(tag string) []*DatabaseCluster {
	var out []*DatabaseCluster
	for _, db := range w.databasesSorted() {
		if slices.Contains(db.Tags, tag) {
			out = append(out, db)
		}
	}
	return out
}

func (s *Server) tagRoutes() {
	s.handle("GET /v2/tags", listTags)
	s.handle("POST /v2/tags", createTag)
	s.handle("GET /v2/tags/{name}", getTag)
	s.handle("DELETE /v2/tags/{name}", deleteTag)
	s.handle("POST /v2/tags/{name}/resources", s.tagResources)
	s.handle("DELETE /v2/tags/{name}/resources", s.untagResources)
}

// untagDroplet removes a tag from a droplet; firewalls that reached the
// droplet through the tag start removing their rules from it.
func (c *call) untagDroplet(d *Droplet, tag string) {
	if !d.hasTag(tag) {
		return
	}
	d.Tags = slices.DeleteFunc(slices.Clone(d.Tags), func(t string) bool { return t == tag })
	c.firewallsSeeDroplet(d, tag, true)
}

// tagsMustExist resolves tag names referenced in a request body (firewall
// tags, sources, destinations) to their canonical capitalisation; DigitalOcean
// requires referenced tags to exist.
func (w *World) tagsMustExist(field string, names []string) ([]string, *APIError) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if err := validateTagName(n); err != nil {
			return nil, err
		}
		t := w.tagFold(n)
		if t == nil {
			return nil, errUnprocessable("%s: tag %q does not exist; create it with POST /v2/tags first", field, n)
		}
		if !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out, nil
}

// TagsUnit is the sandbox's tags and tagging.
type TagsUnit struct {
	Tags map[string]*Tag `json:"tags"`
}

func (u *TagsUnit) ensure() {
	if u.Tags == nil {
		u.Tags = map[string]*Tag{}
	}
}

func (*TagsUnit) routes(s *Server) {
	s.tagRoutes()
}

// listTags serves GET /v2/tags.
func listTags(c *call) (int, any) {
	tags := c.w.tagsSorted()
	out := make([]tagJSON, len(tags))
	for i, t := range tags {
		out[i] = c.renderTag(t)
	}
	return http.StatusOK, listBody(c, "tags", out)
}

// createTag serves POST /v2/tags.
func createTag(c *call) (int, any) {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if err := validateTagName(in.Name); err != nil {
		return http.StatusBadRequest, tagServiceError(err.Message)
	}
	// Creating a tag that exists (in any capitalisation) answers the
	// existing tag: the official Terraform provider relies on it.
	t := c.w.tagFold(in.Name)
	if t == nil {
		t = &Tag{Name: in.Name, CreatedAt: c.now}
		c.w.Tags[t.Name] = t
	}
	return http.StatusCreated, map[string]any{"tag": c.renderTag(t)}
}

// Paths use the canonical capitalisation, as on DigitalOcean.
func getTag(c *call) (int, any) {
	t := c.w.Tags[c.r.PathValue("name")]
	if t == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"tag": c.renderTag(t)}
}

// deleteTag serves DELETE /v2/tags/{name}.
func deleteTag(c *call) (int, any) {
	t := c.w.Tags[c.r.PathValue("name")]
	if t == nil {
		return 0, errNotFound()
	}
	// Deleting a tag untags every resource that carries it.
	for _, d := range c.w.dropletsWithTag(t.Name) {
		c.untagDroplet(d, t.Name)
	}
	for _, img := range c.w.imagesWithTag(t.Name) {
		untagImage(img, t.Name)
	}
	for _, db := range c.w.databasesWithTag(t.Name) {
		untagDatabase(db, t.Name)
	}
	delete(c.w.Tags, t.Name)
	return http.StatusNoContent, nil
}
