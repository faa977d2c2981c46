package tier

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// planningFiles hold ComputePlan and Preflight and what they call. They
// must stay pure: no context (so no I/O) and no clock (so the same inputs
// give the same answer).
var planningFiles = []string{
	"plan.go", "wave.go", "autoscale_plan.go", "loadbalancer.go", "alerts.go", "firewall.go", "domain.go",
	"rollout_budget.go", "rollout_resize.go", "rollout_checkpoint.go",
	"preflight.go", "preflight_refs.go", "preflight_limit.go", "catalog.go", "path.go", "suggest.go",
}

func TestPlanningFilesImportNoContextOrTime(t *testing.T) {
	fset := token.NewFileSet()
	for _, name := range planningFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch path {
			case "context", "time", "net", "net/http", "os":
				t.Errorf("%s imports %q: planning and preflight are pure functions of their inputs", name, path)
			}
		}
	}
}
