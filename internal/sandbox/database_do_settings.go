package sandbox

import (
	"net/http"
	"regexp"
	"slices"
)

// databaseDOSettingRoutes serves a cluster's storage autoscaling and its
// DigitalOcean settings, also settable on create.
func (s *Server) databaseDOSettingRoutes() {
	s.handle("GET /v2/databases/{id}/autoscale", getDatabaseAutoscale)
	s.handle("PUT /v2/databases/{id}/autoscale", putDatabaseAutoscale)
	s.handle("GET /v2/databases/{id}/do_settings", getDatabaseDOSettings)
	s.handle("PUT /v2/databases/{id}/do_settings", putDatabaseDOSettings)
}

// storageAutoscaleJSON answers a storage autoscale both as the OpenAPI
// spec has it ({"autoscale": {"storage": …}}) and as godo reads it (the
// cluster's storage_autoscale, the endpoint's top-level storage): clients
// of either find it.
func storageAutoscaleJSON(a *DatabaseStorageAutoscale) map[string]any {
	if a == nil {
		return map[string]any{"autoscale": nil, "storage": nil}
	}
	return map[string]any{"autoscale": DatabaseAutoscale{Storage: a}, "storage": a}
}

func getDatabaseAutoscale(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, storageAutoscaleJSON(db.StorageAutoscale)
}

func putDatabaseAutoscale(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	var in DatabaseAutoscale
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Storage == nil {
		return 0, errUnprocessable("storage is required")
	}
	if err := checkDatabaseAutoscale(&in); err != nil {
		return 0, err
	}
	db.StorageAutoscale = in.Storage
	return http.StatusNoContent, nil
}

func getDatabaseDOSettings(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	out := db.DOSettings
	if out == nil {
		out = &DatabaseDOSettings{}
	}
	return http.StatusOK, map[string]any{"do_settings": out}
}

func putDatabaseDOSettings(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	var in struct {
		DOSettings *DatabaseDOSettings `json:"do_settings"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.DOSettings == nil {
		return 0, errUnprocessable("do_settings is required")
	}
	if err := checkDatabaseDOSettings(in.DOSettings); err != nil {
		return 0, err
	}
	db.DOSettings = in.DOSettings
	return http.StatusNoContent, nil
}

// DatabaseAutoscale is a cluster's storage autoscaling, as the create
// request gives it (OpenAPI database_storage_autoscale_params.yml). The
// sandbox keeps and answers it; its clusters hold no data, so storage never
// reaches the threshold.
type DatabaseAutoscale struct {
	Storage *DatabaseStorageAutoscale `json:"storage,omitempty"`
}

// DatabaseStorageAutoscale grows the disk by IncrementGiB above
// ThresholdPercent of use.
type DatabaseStorageAutoscale struct {
	Enabled          *bool `json:"enabled"`
	ThresholdPercent *int  `json:"threshold_percent,omitempty"`
	IncrementGiB     *int  `json:"increment_gib,omitempty"`
}

// DatabaseDOSettings are DigitalOcean's own settings of a cluster: its
// custom CNAMEs (OpenAPI do_settings.yml).
type DatabaseDOSettings struct {
	ServiceCNAMEs []string `json:"service_cnames,omitempty"`
}

// serviceCNAME is the spec's pattern for a CNAME: an RFC 1123 host name
// with at least one dot.
var serviceCNAME = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$`)

// checkDatabaseAutoscale refuses what the spec's ranges refuse.
func checkDatabaseAutoscale(a *DatabaseAutoscale) *APIError {
	if a == nil || a.Storage == nil {
		return nil
	}
	s := a.Storage
	if s.Enabled == nil {
		return errUnprocessable("autoscale.storage.enabled is required")
	}
	if p := s.ThresholdPercent; p != nil && (*p < 15 || *p > 95) {
		return errUnprocessable("autoscale.storage.threshold_percent %d is out of range: it must be between 15 and 95", *p)
	}
	if g := s.IncrementGiB; g != nil && (*g < 10 || *g > 500) {
		return errUnprocessable("autoscale.storage.increment_gib %d is out of range: it must be between 10 and 500", *g)
	}
	return nil
}

// checkDatabaseDOSettings refuses CNAMEs the spec refuses: more than 16,
// longer than 253 characters, not a host name, or given twice.
func checkDatabaseDOSettings(d *DatabaseDOSettings) *APIError {
	if d == nil {
		return nil
	}
	if len(d.ServiceCNAMEs) > 16 {
		return errUnprocessable("do_settings.service_cnames holds %d names: at most 16 are allowed", len(d.ServiceCNAMEs))
	}
	for i, n := range d.ServiceCNAMEs {
		if len(n) > 253 || !serviceCNAME.MatchString(n) {
			return errUnprocessable("do_settings.service_cnames[%d] %q is not a valid RFC 1123 host name (e.g. db.example.com, at most 253 characters)", i, n)
		}
		if slices.Contains(d.ServiceCNAMEs[:i], n) {
			return errUnprocessable("do_settings.service_cnames[%d] %q is given twice", i, n)
		}
	}
	return nil
}
