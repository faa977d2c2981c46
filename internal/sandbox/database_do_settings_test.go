package sandbox

import (
	"net/http"
	"slices"
	"testing"

	"github.com/digitalocean/godo"
)

// Storage autoscaling and the custom CNAMEs are kept as the create or
// their endpoints set them and answered back through godo; out-of-range
// values are refused naming the field and the range.
func TestDatabaseStorageAutoscaleAndDOSettings(t *testing.T) {
	e := newTestEnv(t)
	req := pgRequest("pg-auto")
	req.StorageAutoscale = &godo.DatabaseStorageAutoscale{Enabled: true, ThresholdPercent: godo.PtrTo(80), IncrementGib: godo.PtrTo(uint64(10))}
	req.DOSettings = &godo.DOSettings{ServiceCnames: []string{"db.example.com"}}
	db := e.createDatabase(req)
	if a := db.StorageAutoscale; a == nil || !a.Enabled || *a.ThresholdPercent != 80 || *a.IncrementGib != 10 {
		t.Fatalf("storage_autoscale answered %+v", db.StorageAutoscale)
	}
	if db.DOSettings == nil || !slices.Equal(db.DOSettings.ServiceCnames, []string{"db.example.com"}) {
		t.Fatalf("do_settings answered %+v", db.DOSettings)
	}
	if obj := e.rawObject("/v2/databases/"+db.ID, "database"); obj["autoscale"] == nil {
		t.Errorf("the spec's autoscale object is not answered: %v", obj["autoscale"])
	}

	if _, err := e.client.Databases.UpdateStorageAutoscale(e.ctx, db.ID, &godo.DatabaseStorageAutoscale{Enabled: false}); err != nil {
		t.Fatal(err)
	}
	a, _, err := e.client.Databases.GetStorageAutoscale(e.ctx, db.ID)
	if err != nil || a == nil || a.Enabled {
		t.Fatalf("after PUT autoscale: %+v %v", a, err)
	}
	if _, err := e.client.Databases.UpdateDOSettings(e.ctx, db.ID, &godo.DatabaseUpdateDOSettingsRequest{DOSettings: &godo.DOSettings{ServiceCnames: []string{"a.example.com", "b.example.com"}}}); err != nil {
		t.Fatal(err)
	}
	s, _, err := e.client.Databases.GetDOSettings(e.ctx, db.ID)
	if err != nil || !slices.Equal(s.ServiceCnames, []string{"a.example.com", "b.example.com"}) {
		t.Fatalf("after PUT do_settings: %+v %v", s, err)
	}

	bad := pgRequest("pg-bad")
	bad.StorageAutoscale = &godo.DatabaseStorageAutoscale{Enabled: true, ThresholdPercent: godo.PtrTo(99)}
	_, _, err = e.client.Databases.Create(e.ctx, bad)
	if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); er.Message != "autoscale.storage.threshold_percent 99 is out of range: it must be between 15 and 95" {
		t.Errorf("message %q", er.Message)
	}
	_, err = e.client.Databases.UpdateDOSettings(e.ctx, db.ID, &godo.DatabaseUpdateDOSettingsRequest{DOSettings: &godo.DOSettings{ServiceCnames: []string{"no_dots"}}})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}
