package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's control API table is written from controlAPI, the table
// the routes are registered from: a new endpoint, or a changed one, shows
// in the README or this test fails. SANDBOX_UPDATE_DOCS=1 rewrites it.
func TestReadmeControlTableIsTheCodes(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	const begin, end = "<!-- control-api:begin", "<!-- control-api:end -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", begin, end)
	}
	i += strings.Index(readme[i:], "-->\n") + len("-->\n")
	if got, want := readme[i:j], ControlTable(); got != want {
		if os.Getenv("SANDBOX_UPDATE_DOCS") == "1" {
			if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's control API table is not the code's; run SANDBOX_UPDATE_DOCS=1 go test -run TestReadmeControlTable ./internal/sandbox\nwant:\n%s", want)
	}
}

// Every control endpoint is served: an unknown path is the fallback 404,
// so a registered one must answer something else.
func TestEveryControlEndpointIsRouted(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range controlAPI {
		method, path, _ := strings.Cut(c.Pattern, " ")
		path = strings.ReplaceAll(path, "{id}", "1")
		status, body := e.controlJSON(method, path, "{}")
		if msg, _ := body["message"].(string); strings.Contains(msg, "no sandbox control endpoint") {
			t.Errorf("%s answers %d %q", c.Pattern, status, msg)
		}
	}
}
