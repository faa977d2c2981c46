package tier

import (
	"slices"
	"strconv"
	"strings"
)

// Path names a configuration attribute the way Terraform addresses it:
// attribute and block names from the resource's root, and an index for an
// element of a list or a list block. A provider maps it step by step:
// path.Root(p[0].Name), then AtName for a name and AtListIndex for an
// index. String gives the dotted form,
// "load_balancer.forwarding_rule[1].certificate_name".
type Path []PathStep

// PathStep is one step of a Path: a name, or (Name "") a list index.
type PathStep struct {
	Name  string
	Index int
}

// AttrPath is the path through nested attribute or block names.
func AttrPath(names ...string) Path {
	p := make(Path, len(names))
	for i, n := range names {
		p[i] = PathStep{Name: n}
	}
	return p
}

// AtName is p followed by an attribute name; p is not changed.
func (p Path) AtName(name string) Path {
	return append(slices.Clip(p), PathStep{Name: name})
}

// AtIndex is p followed by a list index; p is not changed.
func (p Path) AtIndex(i int) Path {
	return append(slices.Clip(p), PathStep{Index: i})
}

// HasPrefix reports whether p is q or lies inside it.
func (p Path) HasPrefix(q Path) bool {
	return len(q) <= len(p) && slices.Equal(p[:len(q)], q)
}

func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.Name == "":
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case i > 0:
			b.WriteString("." + s.Name)
		default:
			b.WriteString(s.Name)
		}
	}
	return b.String()
}

// The paths preflight problems are reported at, as the provider's schema
// names them.
var (
	pathRegion       = AttrPath("region")
	pathVPC          = AttrPath("vpc_uuid")
	pathInstances    = AttrPath("droplet", "instances")
	pathSize         = AttrPath("droplet", "size")
	pathImage        = AttrPath("droplet", "image")
	pathSSHKeys      = AttrPath("droplet", "ssh_keys")
	pathRules        = AttrPath("load_balancer", "forwarding_rule")
	pathMinInstances = AttrPath("autoscale", "min_instances")
	pathMaxInstances = AttrPath("autoscale", "max_instances")
	pathMaxSurge     = AttrPath("rollout", "max_surge")
	pathMaxUnavail   = AttrPath("rollout", "max_unavailable")
	pathDomainName   = AttrPath("domain", "name")
	pathProject      = AttrPath("project_id")
)

func certificatePath(rule int) Path {
	return pathRules.AtIndex(rule).AtName("certificate_name")
}

// unknownSet is the paths whose values are not known yet (at plan time,
// values that come from resources not created yet).
type unknownSet []Path

// has reports whether p, or a path containing it, is unknown.
func (u unknownSet) has(p Path) bool {
	for _, q := range u {
		if p.HasPrefix(q) {
			return true
		}
	}
	return false
}
