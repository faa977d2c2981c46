package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

func TestDatabasePools(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	if _, _, err := e.client.Databases.CreateUser(e.ctx, db.ID, &godo.DatabaseCreateUserRequest{Name: "app"}); err != nil {
		t.Fatal(err)
	}
	p, resp, err := e.client.Databases.CreatePool(e.ctx, db.ID, &godo.DatabaseCreatePoolRequest{Name: "web", Mode: "transaction", Size: 10, Database: "defaultdb", User: "app"})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create pool: %v", err)
	}
	u, _ := url.Parse(p.Connection.URI)
	if p.Connection.Port != 25061 || u.Path != "/web" || u.User.Username() != "app" || p.Connection.Database != "web" ||
		p.Connection.Host != db.Connection.Host || p.PrivateConnection.Host != db.PrivateConnection.Host {
		t.Errorf("pool %+v %+v", p, p.Connection)
	}
	// 1 GB of memory: 22 backend connections shared by the pools.
	cases := []struct {
		req  godo.DatabaseCreatePoolRequest
		want string
	}{
		{godo.DatabaseCreatePoolRequest{Name: "big", Mode: "session", Size: 13, Database: "defaultdb"}, "share 22 backend connections"},
		{godo.DatabaseCreatePoolRequest{Name: "web", Mode: "session", Size: 1, Database: "defaultdb"}, "taken"},
		{godo.DatabaseCreatePoolRequest{Name: "x2", Mode: "session", Size: 1, Database: "defaultdb"}, "3 to 60"},
		{godo.DatabaseCreatePoolRequest{Name: "odd", Mode: "batch", Size: 1, Database: "defaultdb"}, "session, transaction, statement"},
		{godo.DatabaseCreatePoolRequest{Name: "nodb", Mode: "session", Size: 1, Database: "missing"}, "no such database"},
		{godo.DatabaseCreatePoolRequest{Name: "nouser", Mode: "session", Size: 1, Database: "defaultdb", User: "ghost"}, "no such user"},
	}
	for _, tc := range cases {
		_, _, err := e.client.Databases.CreatePool(e.ctx, db.ID, &tc.req)
		if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, tc.want) {
			t.Errorf("%s: %q, want %q", tc.req.Name, er.Message, tc.want)
		}
	}
	if _, err := e.client.Databases.UpdatePool(e.ctx, db.ID, "web", &godo.DatabaseUpdatePoolRequest{Size: 20, Database: "defaultdb", Mode: "session"}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := e.client.Databases.GetPool(e.ctx, db.ID, "web")
	if got.Size != 20 || got.Mode != "session" || got.User != "app" {
		t.Errorf("updated pool %+v", got)
	}
	_, err = e.client.Databases.DeleteUser(e.ctx, db.ID, "app")
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity") // the pool uses it
	if _, err := e.client.Databases.DeletePool(e.ctx, db.ID, "web"); err != nil {
		t.Fatal(err)
	}
	if pools, _, _ := e.client.Databases.ListPools(e.ctx, db.ID, nil); len(pools) != 0 {
		t.Errorf("pools after delete %+v", pools)
	}
	my := e.onlineDatabase(mysqlRequest("shop"))
	_, _, err = e.client.Databases.ListPools(e.ctx, my.ID, nil)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestDatabaseConfigKeepsWhatWasSet(t *testing.T) {
	e := newTestEnv(t)
	db := e.onlineDatabase(pgRequest("hits-db"))
	if cfg, _, err := e.client.Databases.GetPostgreSQLConfig(e.ctx, db.ID); err != nil || cfg.Timezone != nil {
		t.Errorf("fresh config %+v, %v", cfg, err)
	}
	tz, workMem := "UTC", 8
	if _, err := e.client.Databases.UpdatePostgreSQLConfig(e.ctx, db.ID, &godo.PostgreSQLConfig{Timezone: &tz, WorkMem: &workMem}); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := e.client.Databases.GetPostgreSQLConfig(e.ctx, db.ID)
	if err != nil || cfg.Timezone == nil || *cfg.Timezone != "UTC" || cfg.WorkMem == nil || *cfg.WorkMem != 8 {
		t.Errorf("config %+v, %v", cfg, err)
	}
}
