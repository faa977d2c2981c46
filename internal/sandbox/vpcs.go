package sandbox

import (
	"fmt"
	"time"
)

// VPC is a virtual private cloud. Every region has a default one, created
// the first time something is placed in the region without a vpc_uuid.
type VPC struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Region     string    `json:"region"`
	IPRange    string    `json:"ip_range"`
	Default    bool      `json:"default"`
	CreatedAt  time.Time `json:"created_at"`
	Descriptor string    `json:"description"`
}

// defaultVPC returns the region's default VPC, creating it on first use.
func (w *World) defaultVPC(now time.Time, region string) *VPC {
	for _, v := range w.VPCs {
		if v.Default && v.Region == region {
			return v
		}
	}
	v := &VPC{
		ID:        newUUID(),
		Name:      "default-" + region,
		Region:    region,
		IPRange:   fmt.Sprintf("10.%d.0.0/20", 100+len(w.VPCs)%150),
		Default:   true,
		CreatedAt: now,
	}
	w.VPCs[v.ID] = v
	return v
}

func (s *Server) vpcRoutes() {}
