package provider

// dropDefaultBlocks leaves out of an imported state the optional blocks
// whose observed values are DigitalOcean's defaults (a health check of
// GET / on port 80, no sticky sessions): a configuration that leaves them
// out, the usual one, then plans nothing, and -generate-config-out writes
// none of them.
func (m *webTierModel) dropDefaultBlocks() {
	lb := m.LoadBalancer
	if lb == nil {
		return
	}
	if lb.HealthCheck != nil && healthCheckSpec(lb.HealthCheck) == healthCheckSpec(nil) {
		lb.HealthCheck = nil
	}
	if ss := lb.StickySessions; ss != nil && (ss.Type.IsNull() || ss.Type.ValueString() == "none") {
		lb.StickySessions = nil
	}
}
