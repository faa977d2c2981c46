package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// tflogLogger forwards the executor's progress ("4/10 droplets active") to
// Terraform's log. Messages never carry user_data or the token.
type tflogLogger struct{}

func (tflogLogger) Info(ctx context.Context, msg string, fields map[string]any) {
	tflog.Info(ctx, msg, fields)
}

// httpProbe requests the health check path on a droplet's public address,
// for rollout health "http". 2xx and 3xx are healthy.
func httpProbe(ctx context.Context, d tier.Droplet, hc tier.HealthCheck) error {
	if d.PublicIPv4 == "" {
		return fmt.Errorf("no public IPv4 address yet")
	}
	timeout := time.Duration(max(hc.ResponseTimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	scheme := "http"
	if hc.Protocol == "https" {
		scheme = "https"
	}
	url := scheme + "://" + net.JoinHostPort(d.PublicIPv4, strconv.Itoa(hc.Port)) + hc.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s answered %d", url, resp.StatusCode)
	}
	return nil
}

// nullTimeouts is an unset timeouts block (after import).
func nullTimeouts() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}
