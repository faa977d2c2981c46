package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func mysqlRequest(name string) *godo.DatabaseCreateRequest {
	return &godo.DatabaseCreateRequest{Name: name, EngineSlug: "mysql", Version: "8", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc3", NumNodes: 1}
}

func valkeyRequest(name string) *godo.DatabaseCreateRequest {
	return &godo.DatabaseCreateRequest{Name: name, EngineSlug: "valkey", Version: "8", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc3", NumNodes: 1}
}

func TestDatabaseUsers(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	u, resp, err := e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app"})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create user: %v", err)
	}
	if u.Name != "app" || u.Role != "normal" || !databasePasswordShape.MatchString(u.Password) || u.MySQLSettings != nil || u.Settings != nil {
		t.Errorf("created %+v", u)
	}
	got, _, err := e.client.Databases.GetUser(e.ctx, db.ID, "app")
	if err != nil || got.Password != u.Password {
		t.Errorf("get %+v, %v", got, err)
	}
	users, _, _ := e.client.Databases.ListUsers(e.ctx, db.ID, nil)
	if len(users) != 2 || users[0].Name != "doadmin" || users[1].Name != "app" {
		t.Errorf("users %+v", users)
	}
	_, _, err = e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app"})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	_, _, err = e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app", MySQLSettings: &godo.DatabaseMySQLUserSettings{AuthPlugin: "mysql_native_password"}})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")

	reset, _, err := e.client.Databases.ResetUserAuth(e.ctx, db.ID, "app", &godo.DatabaseResetUserAuthRequest{})
	if err != nil || reset.Password == u.Password || !databasePasswordShape.MatchString(reset.Password) {
		t.Errorf("reset auth: %+v, %v", reset, err)
	}
	_, err = e.client.Databases.DeleteUser(e.ctx, db.ID, "doadmin")
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if _, err := e.client.Databases.DeleteUser(e.ctx, db.ID, "app"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Databases.GetUser(e.ctx, db.ID, "app")
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestDatabaseMySQLUsersCarryTheirAuthPlugin(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(mysqlRequest("shop"))
	plain, _, err := e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app"})
	if err != nil || plain.MySQLSettings == nil || plain.MySQLSettings.AuthPlugin != "caching_sha2_password" {
		t.Fatalf("default plugin: %+v, %v", plain, err)
	}
	legacy, _, err := e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "legacy",
		MySQLSettings: &godo.DatabaseMySQLUserSettings{AuthPlugin: "mysql_native_password"}})
	if err != nil || legacy.MySQLSettings.AuthPlugin != "mysql_native_password" {
		t.Fatalf("native plugin: %+v, %v", legacy, err)
	}
	// The official provider resets auth to change the plugin.
	back, _, err := e.client.Databases.ResetUserAuth(e.ctx, db.ID, "legacy", &godo.DatabaseResetUserAuthRequest{
		MySQLSettings: &godo.DatabaseMySQLUserSettings{AuthPlugin: "caching_sha2_password"}})
	if err != nil || back.MySQLSettings.AuthPlugin != "caching_sha2_password" || back.Password == legacy.Password {
		t.Errorf("reset to caching_sha2_password: %+v, %v", back, err)
	}
	_, _, err = e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "x",
		MySQLSettings: &godo.DatabaseMySQLUserSettings{AuthPlugin: "sha256_password"}})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestDatabaseDBs(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	made, resp, err := e.client.Databases.CreateDB(e.ctx, db.ID, &godo.DatabaseCreateDBRequest{Name: "hits"})
	if err != nil || resp.StatusCode != http.StatusCreated || made.Name != "hits" {
		t.Fatalf("create db: %+v, %v", made, err)
	}
	dbs, _, _ := e.client.Databases.ListDBs(e.ctx, db.ID, nil)
	if len(dbs) != 2 || dbs[0].Name != "defaultdb" || dbs[1].Name != "hits" {
		t.Errorf("dbs %+v", dbs)
	}
	if got := e.getDatabase(db.ID); !slices.Equal(got.DBNames, []string{"defaultdb", "hits"}) {
		t.Errorf("db_names %v", got.DBNames)
	}
	for _, name := range []string{"hits", "", "bad name"} {
		_, _, err = e.client.Databases.CreateDB(e.ctx, db.ID, &godo.DatabaseCreateDBRequest{Name: name})
		e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	}
	if _, _, err := e.client.Databases.GetDB(e.ctx, db.ID, "hits"); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Databases.DeleteDB(e.ctx, db.ID, "hits"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Databases.GetDB(e.ctx, db.ID, "hits")
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Databases.GetDB(e.ctx, "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "hits")
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestDatabaseFirewallRefusals(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	set := func(rules ...*godo.DatabaseFirewallRule) error {
		_, err := e.client.Databases.UpdateFirewallRules(e.ctx, db.ID, &godo.DatabaseUpdateFirewallRulesRequest{Rules: rules})
		return err
	}
	cases := []struct {
		rule godo.DatabaseFirewallRule
		want string
	}{
		{godo.DatabaseFirewallRule{Type: "ip_addr", Value: "2001:db8::/64"}, "IPv6"},
		{godo.DatabaseFirewallRule{Type: "ip_addr", Value: "example.com"}, "IPv4 address or CIDR"},
		{godo.DatabaseFirewallRule{Type: "droplet", Value: "1"}, "no droplet"},
		{godo.DatabaseFirewallRule{Type: "k8s", Value: "ff2a6c52-5a44-4b63-b99c-0e98e7a63d61"}, "no VMs found for Kubernetes cluster"},
		{godo.DatabaseFirewallRule{Type: "app", Value: "ff2a6c52-5a44-4b63-b99c-0e98e7a63d61"}, "App Platform"},
		{godo.DatabaseFirewallRule{Type: "vpc", Value: "x"}, "ip_addr, droplet, k8s, tag, app"},
		{godo.DatabaseFirewallRule{Type: "tag", Value: ""}, "value is required"},
	}
	for _, tc := range cases {
		er := e.apiError(set(&tc.rule), http.StatusUnprocessableEntity, "unprocessable_entity")
		if !strings.Contains(er.Message, tc.want) {
			t.Errorf("%+v: message %q, want %q", tc.rule, er.Message, tc.want)
		}
	}
	many := make([]*godo.DatabaseFirewallRule, 101)
	for i := range many {
		many[i] = &godo.DatabaseFirewallRule{Type: "ip_addr", Value: "10.0.0." + strconv.Itoa(i)}
	}
	e.apiError(set(many...), http.StatusUnprocessableEntity, "unprocessable_entity")
	if rules, _, _ := e.client.Databases.GetFirewallRules(e.ctx, db.ID); len(rules) != 0 {
		t.Errorf("refused updates set rules %+v", rules)
	}
}

func TestDatabaseCachingClustersHaveNoUsersOrDBsToManage(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(valkeyRequest("cache"))
	users, _, err := e.client.Databases.ListUsers(e.ctx, db.ID, nil)
	if err != nil || len(users) != 1 || users[0].Name != "default" {
		t.Errorf("valkey users %+v, %v", users, err)
	}
	_, _, err = e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app"})
	if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, "not supported for valkey") {
		t.Errorf("message %q", er.Message)
	}
	_, _, err = e.client.Databases.CreateDB(e.ctx, db.ID, &godo.DatabaseCreateDBRequest{Name: "x"})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestDatabaseFirewallRules(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	d := e.createDroplet(dropletRequest("web-1"))
	set := func(rules ...*godo.DatabaseFirewallRule) error {
		_, err := e.client.Databases.UpdateFirewallRules(e.ctx, db.ID, &godo.DatabaseUpdateFirewallRulesRequest{Rules: rules})
		return err
	}
	if err := set(&godo.DatabaseFirewallRule{Type: "ip_addr", Value: "192.0.2.10"},
		&godo.DatabaseFirewallRule{Type: "droplet", Value: strconv.Itoa(d.ID)},
		&godo.DatabaseFirewallRule{Type: "tag", Value: "scalable-tier:hits"}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := e.client.Databases.GetFirewallRules(e.ctx, db.ID)
	if len(first) != 3 || first[1].Value != strconv.Itoa(d.ID) || first[0].ClusterUUID != db.ID || !first[0].CreatedAt.Equal(testEpoch.Add(e.srv.delays.DatabaseProvision)) {
		t.Fatalf("rules %+v", first)
	}
	// The official provider sends the rules back with their uuids: kept
	// rules keep uuid and created_at, new ones get their own.
	e.advance(time.Minute)
	keep := first[2]
	if err := set(&godo.DatabaseFirewallRule{UUID: keep.UUID, Type: keep.Type, Value: keep.Value},
		&godo.DatabaseFirewallRule{Type: "ip_addr", Value: "198.51.100.0/24"}); err != nil {
		t.Fatal(err)
	}
	second, _, _ := e.client.Databases.GetFirewallRules(e.ctx, db.ID)
	if len(second) != 2 || second[0].UUID != keep.UUID || !second[0].CreatedAt.Equal(keep.CreatedAt) ||
		second[1].UUID == "" || !second[1].CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("after update %+v", second)
	}
	// doctl's firewalls append re-sends the rules it read without uuids.
	e.advance(time.Minute)
	if err := set(&godo.DatabaseFirewallRule{Type: "tag", Value: "web"},
		&godo.DatabaseFirewallRule{Type: second[0].Type, Value: second[0].Value, ClusterUUID: db.ID},
		&godo.DatabaseFirewallRule{Type: second[1].Type, Value: second[1].Value, ClusterUUID: db.ID}); err != nil {
		t.Fatal(err)
	}
	third, _, _ := e.client.Databases.GetFirewallRules(e.ctx, db.ID)
	if len(third) != 3 || third[1].UUID != second[0].UUID || third[2].UUID != second[1].UUID || !third[2].CreatedAt.Equal(second[1].CreatedAt) {
		t.Errorf("after an append %+v", third)
	}
	// The provider deletes its firewall resource with an empty list.
	if err := set(); err != nil {
		t.Fatal(err)
	}
	if rules, _, _ := e.client.Databases.GetFirewallRules(e.ctx, db.ID); len(rules) != 0 {
		t.Errorf("rules after clearing %+v", rules)
	}
}
