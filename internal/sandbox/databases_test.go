package sandbox

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func pgRequest(name string) *godo.DatabaseCreateRequest {
	return &godo.DatabaseCreateRequest{Name: name, EngineSlug: "pg", Version: "17", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc3", NumNodes: 1}
}

func (e *testEnv) createDatabase(req *godo.DatabaseCreateRequest) *godo.Database {
	e.t.Helper()
	db, resp, err := e.client.Databases.Create(e.ctx, req)
	if err != nil {
		e.t.Fatalf("create database %s: %v", req.Name, err)
	}
	if resp.StatusCode != http.StatusCreated {
		e.t.Errorf("create database answered %d, want 201", resp.StatusCode)
	}
	return db
}

// onlineDatabase creates a cluster and lets it provision.
func (e *testEnv) onlineDatabase(req *godo.DatabaseCreateRequest) *godo.Database {
	e.t.Helper()
	db := e.createDatabase(req)
	e.advance(e.srv.delays.DatabaseProvision)
	return e.getDatabase(db.ID)
}

func (e *testEnv) getDatabase(id string) *godo.Database {
	e.t.Helper()
	db, _, err := e.client.Databases.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("get database %s: %v", id, err)
	}
	return db
}

var databasePasswordShape = regexp.MustCompile(`^AVNS_[A-Za-z0-9_-]{19}$`)

func TestDatabaseOptions(t *testing.T) {
	e := newTestEnv(t)
	o, _, err := e.client.Databases.ListOptions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg := o.PostgresSQLOptions
	if !slices.Equal(pg.Versions, []string{"13", "14", "15", "16", "17"}) || !slices.Contains(pg.Regions, "nyc3") || len(pg.Layouts) != 3 {
		t.Errorf("pg options %+v", pg)
	}
	if !slices.Contains(pg.Layouts[0].Sizes, "db-s-1vcpu-1gb") || slices.Contains(pg.Layouts[1].Sizes, "db-s-1vcpu-1gb") {
		t.Errorf("1 GB is for single nodes only: %v / %v", pg.Layouts[0].Sizes, pg.Layouts[1].Sizes)
	}
	if slices.Contains(o.ValkeyOptions.Regions, "nyc2") || o.MySQLOptions.Versions[0] != "8" || len(o.RedisOptions.Versions) != 1 {
		t.Errorf("valkey %+v mysql %+v redis %+v", o.ValkeyOptions, o.MySQLOptions, o.RedisOptions)
	}
	raw := e.rawGet("/v2/databases/options")
	avail := raw["version_availability"].(map[string]any)["pg"].([]any)
	last := avail[len(avail)-1].(map[string]any)
	if last["version"] != "17" || last["default"] != true || last["end_of_availability"] != "2029-05-08T00:00:00Z" {
		t.Errorf("pg 17 availability %v", last)
	}
	if raw["options"].(map[string]any)["pg"].(map[string]any)["default_version"] != "17" {
		t.Errorf("pg default_version %v", raw["options"].(map[string]any)["pg"])
	}
}

func TestDatabaseCreateIsOnlineByDueTime(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	req := pgRequest("hits-db")
	req.Tags, req.ProjectID = []string{"env:prod"}, p.ID
	db := e.createDatabase(req)
	if db.Status != "creating" || db.EngineSlug != "pg" || db.VersionSlug != "17" || db.NumNodes != 1 || db.SizeSlug != "db-s-1vcpu-1gb" ||
		db.RegionSlug != "nyc3" || db.ProjectID != p.ID || !slices.Equal(db.Tags, []string{"env:prod"}) || db.StorageSizeMib != 10240 {
		t.Errorf("created %+v", db)
	}
	c := db.Connection
	u, err := url.Parse(c.URI)
	if err != nil || u.Scheme != "postgresql" || u.User.Username() != "doadmin" || u.Path != "/defaultdb" || u.RawQuery != "sslmode=require" ||
		c.Port != 25060 || c.Database != "defaultdb" || !c.SSL || c.User != "doadmin" || !databasePasswordShape.MatchString(c.Password) {
		t.Errorf("connection %+v", c)
	}
	if pw, _ := u.User.Password(); pw != c.Password || u.Host != c.Host+":25060" {
		t.Errorf("uri %s does not hold the connection's password and host", c.URI)
	}
	var block, defaultVPC, vpcRange string
	e.srv.Inspect(func(w *World) {
		block = fmt.Sprintf("127.%d.", w.AddressBlock)
		v := w.defaultVPC(e.clock.Now(), "nyc3")
		defaultVPC, vpcRange = v.ID, v.IPRange
	})
	if a := netip.MustParseAddr(c.Host); !strings.HasPrefix(c.Host, block) || !a.Is4() {
		t.Errorf("public host %s is not an address of the sandbox's block", c.Host)
	}
	if pfx := netip.MustParsePrefix(vpcRange); !pfx.Contains(netip.MustParseAddr(db.PrivateConnection.Host)) || db.PrivateNetworkUUID != defaultVPC {
		t.Errorf("private host %s not in the default VPC %s (%s); private_network_uuid %s", db.PrivateConnection.Host, defaultVPC, vpcRange, db.PrivateNetworkUUID)
	}
	if len(db.Users) != 1 || db.Users[0].Name != "doadmin" || db.Users[0].Role != "primary" || !slices.Equal(db.DBNames, []string{"defaultdb"}) {
		t.Errorf("users %+v dbs %v", db.Users, db.DBNames)
	}
	if db.MaintenanceWindow == nil || db.MaintenanceWindow.Day == "" || len(db.MaintenanceWindow.Hour) != len("15:04:05") {
		t.Errorf("maintenance window %+v", db.MaintenanceWindow)
	}
	if _, _, err := e.client.Tags.Get(e.ctx, "env:prod"); err != nil {
		t.Errorf("the create's tag was not made: %v", err)
	}
	if got := e.projectURNs(p.ID); !slices.Equal(got, []string{db.URN()}) {
		t.Errorf("project holds %v", got)
	}

	e.advance(e.srv.delays.DatabaseProvision - time.Second)
	if got := e.getDatabase(db.ID); got.Status != "creating" {
		t.Errorf("a second before its due time the cluster is %s", got.Status)
	}
	e.advance(time.Second)
	if got := e.getDatabase(db.ID); got.Status != "online" || got.Connection.Password != c.Password {
		t.Errorf("at its due time the cluster is %s", got.Status)
	}
}

func TestDatabaseListByTagAndVPCMembers(t *testing.T) {
	e := newTestEnv(t)
	req := pgRequest("hits-db")
	req.Tags = []string{"env:prod"}
	db := e.createDatabase(req)
	var defaultVPC string
	e.srv.Inspect(func(w *World) { defaultVPC = w.defaultVPC(e.clock.Now(), "nyc3").ID })
	tagged, _, err := e.client.Databases.List(e.ctx, nil)
	if err != nil || len(tagged) != 1 {
		t.Errorf("list: %d, %v", len(tagged), err)
	}
	e.advance(time.Minute)
	e.createDatabase(pgRequest("other-db"))
	byTag := e.rawGet("/v2/databases?tag_name=env:prod")["databases"].([]any)
	if len(byTag) != 1 || byTag[0].(map[string]any)["name"] != "hits-db" {
		t.Errorf("tag_name=env:prod lists %v", byTag)
	}
	members, _, err := e.client.VPCs.ListMembers(e.ctx, defaultVPC, &godo.VPCListMembersRequest{ResourceType: "database"}, nil)
	if err != nil || len(members) != 2 || members[0].URN != db.URN() {
		t.Errorf("VPC members %+v, %v", members, err)
	}
}

func TestDatabaseEngines(t *testing.T) {
	e := newTestEnv(t)
	my := e.createDatabase(&godo.DatabaseCreateRequest{Name: "shop", EngineSlug: "mysql", SizeSlug: "db-s-1vcpu-2gb", Region: "ams3", NumNodes: 2})
	u, _ := url.Parse(my.Connection.URI)
	if my.VersionSlug != "8" || u.Scheme != "mysql" || u.RawQuery != "ssl-mode=REQUIRED" || my.Users[0].MySQLSettings == nil ||
		my.Users[0].MySQLSettings.AuthPlugin != "caching_sha2_password" {
		t.Errorf("mysql (default version) %+v %+v", my, my.Users[0])
	}
	vk := e.createDatabase(&godo.DatabaseCreateRequest{Name: "cache", EngineSlug: "valkey", Version: "8", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc3", NumNodes: 1})
	if vk.Connection.Port != 25061 || !strings.HasPrefix(vk.Connection.URI, "rediss://default:") || vk.Connection.User != "default" ||
		vk.Connection.Database != "" || vk.DBNames != nil || vk.StorageSizeMib != 0 {
		t.Errorf("valkey %+v %+v", vk, vk.Connection)
	}
}

func TestDatabaseCreateRefusals(t *testing.T) {
	e := newTestEnv(t)
	e.createDatabase(pgRequest("taken"))
	var otherVPC string
	e.srv.Inspect(func(w *World) { otherVPC = w.defaultVPC(e.clock.Now(), "ams3").ID })
	cases := []struct {
		name string
		edit func(r *godo.DatabaseCreateRequest)
		want string
	}{
		{"underscore in name", func(r *godo.DatabaseCreateRequest) { r.Name = "my_db" }, `invalid name "my_db"`},
		{"taken name", func(r *godo.DatabaseCreateRequest) { r.Name = "taken" }, "already used"},
		{"no engine", func(r *godo.DatabaseCreateRequest) { r.EngineSlug = "" }, "engine is required"},
		{"unknown engine", func(r *godo.DatabaseCreateRequest) { r.EngineSlug = "oracle" }, "pg, mysql, valkey"},
		{"engine not emulated", func(r *godo.DatabaseCreateRequest) { r.EngineSlug = "kafka" }, "not emulated"},
		{"unknown version", func(r *godo.DatabaseCreateRequest) { r.Version = "9" }, "13, 14, 15, 16, 17"},
		{"version past availability", func(r *godo.DatabaseCreateRequest) { r.Version = "14" }, "no longer available"},
		{"redis", func(r *godo.DatabaseCreateRequest) { r.EngineSlug, r.Version = "redis", "7" }, "valkey"},
		{"region not offered", func(r *godo.DatabaseCreateRequest) { r.EngineSlug, r.Version, r.Region = "valkey", "8", "nyc2" }, `invalid region "nyc2"`},
		{"four nodes", func(r *godo.DatabaseCreateRequest) { r.NumNodes = 4 }, "invalid num_nodes 4"},
		{"1 GB with a standby", func(r *godo.DatabaseCreateRequest) { r.NumNodes = 2 }, `invalid size "db-s-1vcpu-1gb" for a 2-node`},
		{"no size", func(r *godo.DatabaseCreateRequest) { r.SizeSlug = "" }, "size is required"},
		{"small storage", func(r *godo.DatabaseCreateRequest) { r.StorageSizeMib = 1024 }, "at least 10240 MiB"},
		{"unknown vpc", func(r *godo.DatabaseCreateRequest) { r.PrivateNetworkUUID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30" }, "no such VPC"},
		{"vpc elsewhere", func(r *godo.DatabaseCreateRequest) { r.PrivateNetworkUUID = otherVPC }, "the VPC is in ams3"},
		{"unknown project", func(r *godo.DatabaseCreateRequest) { r.ProjectID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30" }, "no such project"},
		{"bad rule", func(r *godo.DatabaseCreateRequest) {
			r.Rules = []*godo.DatabaseCreateFirewallRule{{Type: "ip_addr", Value: "2001:db8::1"}}
		}, "IPv6"},
		{"backup restore", func(r *godo.DatabaseCreateRequest) {
			r.BackupRestore = &godo.DatabaseBackupRestore{DatabaseName: "taken"}
		}, "no backups"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := pgRequest("new-db")
			tc.edit(req)
			_, _, err := e.client.Databases.Create(e.ctx, req)
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q, want it to say %q", er.Message, tc.want)
			}
		})
	}
	if all, _, _ := e.client.Databases.List(e.ctx, nil); len(all) != 1 {
		t.Errorf("%d clusters after refused creates", len(all))
	}
}

func TestDatabaseCreateWithTrustedSources(t *testing.T) {
	e := newTestEnv(t)
	db := e.createDatabase(&godo.DatabaseCreateRequest{Name: "hits-db", EngineSlug: "pg", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc3", NumNodes: 1,
		Rules: []*godo.DatabaseCreateFirewallRule{{Type: "ip_addr", Value: "10.0.0.0/8"}, {Type: "tag", Value: "web"}}})
	rules, _, err := e.client.Databases.GetFirewallRules(e.ctx, db.ID)
	if err != nil || len(rules) != 2 || rules[0].ClusterUUID != db.ID || rules[0].UUID == "" || !rules[0].CreatedAt.Equal(testEpoch) {
		t.Errorf("rules %+v, %v", rules, err)
	}
}

func TestDatabaseDeleteLeavesProjectVPCAndAddress(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	e.createDatabase(pgRequest("first")) // makes nyc3's default VPC, so the next is not it
	vpc, _, err := e.client.VPCs.Create(e.ctx, &godo.VPCCreateRequest{Name: "data", RegionSlug: "nyc3"})
	if err != nil {
		t.Fatal(err)
	}
	req := pgRequest("hits-db")
	req.ProjectID, req.PrivateNetworkUUID = p.ID, vpc.ID
	db := e.createDatabase(req)
	_, err = e.client.VPCs.Delete(e.ctx, vpc.ID)
	e.apiError(err, http.StatusConflict, "conflict")

	if resp, err := e.client.Databases.Delete(e.ctx, db.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete while creating: %v", err)
	}
	_, _, err = e.client.Databases.Get(e.ctx, db.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	if got := e.projectURNs(p.ID); len(got) != 0 {
		t.Errorf("project still holds %v", got)
	}
	if _, err := e.client.VPCs.Delete(e.ctx, vpc.ID); err != nil {
		t.Errorf("VPC not deletable after its cluster went: %v", err)
	}
	e.srv.Inspect(func(w *World) {
		if w.publicAddresses()[db.Connection.Host] {
			t.Errorf("address %s still held", db.Connection.Host)
		}
	})
}

func TestDatabaseTagsThroughTagResources(t *testing.T) {
	e := newTestEnv(t)
	db := e.createDatabase(pgRequest("hits-db"))
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "data"}); err != nil {
		t.Fatal(err)
	}
	res := &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: db.ID, Type: godo.DatabaseResourceType}}}
	if _, err := e.client.Tags.TagResources(e.ctx, "data", res); err != nil {
		t.Fatal(err)
	}
	tag, _, _ := e.client.Tags.Get(e.ctx, "data")
	if got := e.getDatabase(db.ID); !slices.Equal(got.Tags, []string{"data"}) || tag.Resources.Databases.Count != 1 || tag.Resources.Count != 1 {
		t.Errorf("tagged cluster %v, tag %+v", got.Tags, tag.Resources)
	}
	if _, err := e.client.Tags.UntagResources(e.ctx, "data", &godo.UntagResourcesRequest{Resources: res.Resources}); err != nil {
		t.Fatal(err)
	}
	if got := e.getDatabase(db.ID); len(got.Tags) != 0 {
		t.Errorf("untagged cluster still has %v", got.Tags)
	}
	bad := &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", Type: godo.DatabaseResourceType}}}
	_, err := e.client.Tags.TagResources(e.ctx, "data", bad)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestDatabasesPersistAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newTestEnv(t, func(o *Options) { o.StateFile = path })
	db := first.createDatabase(pgRequest("hits-db"))
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	second := newTestEnv(t, func(o *Options) { o.StateFile = path })
	second.clock.Advance(second.srv.delays.DatabaseProvision)
	got := second.getDatabase(db.ID)
	if got.Status != "online" || got.Connection.URI != db.Connection.URI || got.PrivateConnection.Host != db.PrivateConnection.Host {
		t.Errorf("reloaded %+v", got)
	}
	ca, _, err := second.client.Databases.GetCA(second.ctx, db.ID)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(ca.Certificate)
	if block == nil {
		t.Fatalf("CA %q is no PEM", ca.Certificate)
	}
	if cert, err := x509.ParseCertificate(block.Bytes); err != nil || !cert.IsCA {
		t.Errorf("CA certificate: %v", err)
	}
}
