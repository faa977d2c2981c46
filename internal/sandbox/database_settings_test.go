package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func TestDatabaseResizeAndMigrate(t *testing.T) {
	e := newTestEnv(t)
	db := e.createDatabase(pgRequest("hits-db"))
	resize := &godo.DatabaseResizeRequest{SizeSlug: "db-s-2vcpu-4gb", NumNodes: 2}
	_, err := e.client.Databases.Resize(e.ctx, db.ID, resize)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity") // still creating
	e.advance(e.srv.delays.DatabaseProvision)

	resp, err := e.client.Databases.Resize(e.ctx, db.ID, resize)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("resize: %v", err)
	}
	got := e.getDatabase(db.ID)
	if got.Status != "resizing" || got.SizeSlug != "db-s-2vcpu-4gb" || got.NumNodes != 2 || got.StorageSizeMib != 60*1024 {
		t.Errorf("resizing %+v", got)
	}
	e.advance(e.srv.delays.DatabaseResize)
	if got := e.getDatabase(db.ID); got.Status != "online" {
		t.Errorf("after the resize delay the cluster is %s", got.Status)
	}
	_, err = e.client.Databases.Resize(e.ctx, db.ID, &godo.DatabaseResizeRequest{SizeSlug: "db-s-1vcpu-2gb", NumNodes: 2, StorageSizeMib: 30 * 1024})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity") // storage does not shrink
	_, err = e.client.Databases.Resize(e.ctx, db.ID, &godo.DatabaseResizeRequest{SizeSlug: "db-s-2vcpu-4gb"})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity") // num_nodes required

	resp, err = e.client.Databases.Migrate(e.ctx, db.ID, &godo.DatabaseMigrateRequest{Region: "ams3"})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("migrate: %v", err)
	}
	var amsVPC string
	e.srv.Inspect(func(w *World) { amsVPC = w.defaultVPC(e.clock.Now(), "ams3").ID })
	got = e.getDatabase(db.ID)
	if got.Status != "migrating" || got.RegionSlug != "ams3" || got.PrivateNetworkUUID != amsVPC || got.PrivateConnection.Host == db.PrivateConnection.Host {
		t.Errorf("migrating %+v", got)
	}
	e.advance(e.srv.delays.DatabaseMigrate)
	if got := e.getDatabase(db.ID); got.Status != "online" {
		t.Errorf("after the migrate delay the cluster is %s", got.Status)
	}
}

func TestDatabaseSettings(t *testing.T) {
	e := newTestEnv(t)
	pg := e.onlineDatabase(pgRequest("hits-db"))
	if _, err := e.client.Databases.UpdateMaintenance(e.ctx, pg.ID, &godo.DatabaseUpdateMaintenanceRequest{Day: "Tuesday", Hour: "14:00"}); err != nil {
		t.Fatal(err)
	}
	if w := e.getDatabase(pg.ID).MaintenanceWindow; w.Day != "tuesday" || w.Hour != "14:00:00" {
		t.Errorf("maintenance window %+v", w)
	}
	for _, bad := range []godo.DatabaseUpdateMaintenanceRequest{{Day: "someday", Hour: "14:00"}, {Day: "monday", Hour: "25:00"}} {
		_, err := e.client.Databases.UpdateMaintenance(e.ctx, pg.ID, &bad)
		e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	}
	if _, err := e.client.Databases.UpgradeMajorVersion(e.ctx, pg.ID, &godo.UpgradeVersionRequest{Version: "16"}); err == nil {
		t.Error("downgrade from 17 to 16 accepted")
	}
	_, _, err := e.client.Databases.GetEvictionPolicy(e.ctx, pg.ID)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")

	vk := e.onlineDatabase(valkeyRequest("cache"))
	if policy, _, err := e.client.Databases.GetEvictionPolicy(e.ctx, vk.ID); err != nil || policy != "noeviction" {
		t.Errorf("default eviction policy %q, %v", policy, err)
	}
	if _, err := e.client.Databases.SetEvictionPolicy(e.ctx, vk.ID, godo.EvictionPolicyAllKeysLRU); err != nil {
		t.Fatal(err)
	}
	if policy, _, _ := e.client.Databases.GetEvictionPolicy(e.ctx, vk.ID); policy != "allkeys_lru" {
		t.Errorf("eviction policy %q", policy)
	}
	_, err = e.client.Databases.SetEvictionPolicy(e.ctx, vk.ID, "lru")
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")

	my := e.onlineDatabase(mysqlRequest("shop"))
	if mode, _, err := e.client.Databases.GetSQLMode(e.ctx, my.ID); err != nil || !strings.Contains(mode, "STRICT_ALL_TABLES") {
		t.Errorf("default sql_mode %q, %v", mode, err)
	}
	if _, err := e.client.Databases.SetSQLMode(e.ctx, my.ID, godo.SQLModeANSI, godo.SQLModeStrictAllTables); err != nil {
		t.Fatal(err)
	}
	if mode, _, _ := e.client.Databases.GetSQLMode(e.ctx, my.ID); mode != "ANSI,STRICT_ALL_TABLES" {
		t.Errorf("sql_mode %q", mode)
	}
}

func TestDatabaseUpgradeAndBackups(t *testing.T) {
	e := newTestEnv(t)
	req := pgRequest("hits-db")
	req.Version = "15"
	db := e.onlineDatabase(req)
	if _, err := e.client.Databases.UpgradeMajorVersion(e.ctx, db.ID, &godo.UpgradeVersionRequest{Version: "16"}); err != nil {
		t.Fatal(err)
	}
	if got := e.getDatabase(db.ID); got.VersionSlug != "16" {
		t.Errorf("version after upgrade %s", got.VersionSlug)
	}
	e.advance(48 * time.Hour)
	backups, _, err := e.client.Databases.ListBackups(e.ctx, db.ID, nil)
	if err != nil || len(backups) != 2 || !backups[0].CreatedAt.Equal(testEpoch.Add(24*time.Hour)) {
		t.Errorf("backups %+v, %v", backups, err)
	}
}
