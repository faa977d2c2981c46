package stacktest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// moduleBlocks parses the module's .tf files and returns, per block type
// ("variable", "output"), each block's name and whether it has a default.
func moduleBlocks(t *testing.T, dir string) map[string]map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s: %v", dir, err)
	}
	schema := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "output", LabelNames: []string{"name"}},
	}}
	inner := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}}
	parser := hclparse.NewParser()
	out := map[string]map[string]bool{"variable": {}, "output": {}}
	for _, f := range files {
		file, diags := parser.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("parse %s: %s", f, diags.Error())
		}
		content, _, diags := file.Body.PartialContent(schema)
		if diags.HasErrors() {
			t.Fatalf("read %s: %s", f, diags.Error())
		}
		for _, b := range content.Blocks {
			attrs, _, _ := b.Body.PartialContent(inner)
			_, hasDefault := attrs.Attributes["default"]
			out[b.Type][b.Labels[0]] = hasDefault
		}
	}
	return out
}

// readmeTable returns the rows of the markdown table under "## <heading>":
// the name in the first cell (in backticks) and the row's cells.
func readmeTable(t *testing.T, readme, heading string) map[string][]string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", "## "+heading)
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	nameCell := regexp.MustCompile("^`([a-z0-9_]+)`$")
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if m := nameCell.FindStringSubmatch(cells[0]); m != nil {
			if _, dup := rows[m[1]]; dup {
				t.Errorf("README %s lists %s twice", heading, m[1])
			}
			rows[m[1]] = cells
		}
	}
	return rows
}

func diffNames(code map[string]bool, doc map[string][]string) (undocumented, stale []string) {
	for n := range code {
		if _, ok := doc[n]; !ok {
			undocumented = append(undocumented, n)
		}
	}
	for n := range doc {
		if _, ok := code[n]; !ok {
			stale = append(stale, n)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(stale)
	return undocumented, stale
}

// TestModuleReadmeMatchesInterface keeps modules/*/README.md in step with
// variables.tf and outputs.tf: every input and output is documented, nothing
// documented is gone, and the Required column says what the code says.
func TestModuleReadmeMatchesInterface(t *testing.T) {
	modules, err := filepath.Glob(filepath.Join(repoRoot, "modules", "*"))
	if err != nil || len(modules) == 0 {
		t.Fatalf("no modules under %s/modules: %v", repoRoot, err)
	}
	for _, dir := range modules {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatalf("every module needs a README.md: %v", err)
			}
			readme := string(data)
			code := moduleBlocks(t, dir)

			inputs := readmeTable(t, readme, "Inputs")
			missing, stale := diffNames(code["variable"], inputs)
			for _, n := range missing {
				t.Errorf("input %q (variables.tf) is missing from the README's Inputs table", n)
			}
			for _, n := range stale {
				t.Errorf("README documents input %q, which variables.tf no longer declares", n)
			}
			for n, hasDefault := range code["variable"] {
				cells, ok := inputs[n]
				if !ok {
					continue
				}
				want := "no"
				if !hasDefault {
					want = "yes"
				}
				if got := cells[len(cells)-1]; got != want {
					t.Errorf("README says input %q required = %q, variables.tf says %q", n, got, want)
				}
			}

			outputs := readmeTable(t, readme, "Outputs")
			missing, stale = diffNames(code["output"], outputs)
			for _, n := range missing {
				t.Errorf("output %q (outputs.tf) is missing from the README's Outputs table", n)
			}
			for _, n := range stale {
				t.Errorf("README documents output %q, which outputs.tf no longer declares", n)
			}
		})
	}
}

// TestReadmeTableParsing guards the parser itself: a drifted README is
// caught, in both directions.
func TestReadmeTableParsing(t *testing.T) {
	readme := "# m\n\n## Inputs\n\n| Name | Description | Required |\n|---|---|:---:|\n" +
		"| `a` | first | yes |\n| `gone` | removed | no |\n\n## Outputs\n\n| Name | Description |\n|---|---|\n| `url` | where |\n"
	inputs := readmeTable(t, readme, "Inputs")
	missing, stale := diffNames(map[string]bool{"a": false, "b": true}, inputs)
	if !slices.Equal(missing, []string{"b"}) || !slices.Equal(stale, []string{"gone"}) {
		t.Errorf("inputs: missing %v, stale %v; want [b], [gone]", missing, stale)
	}
	outputs := readmeTable(t, readme, "Outputs")
	if _, ok := outputs["url"]; !ok || len(outputs) != 1 {
		t.Errorf("outputs = %v, want just url", outputs)
	}
}

// TestModuleReadmeExamplesUseTheInterface keeps the README's HCL examples
// honest: each block parses, every argument of a module block using the
// module is one of its variables (or source), every required variable is
// given, and every module.<name>.<output> it refers to is an output.
func TestModuleReadmeExamplesUseTheInterface(t *testing.T) {
	dir := filepath.Join(repoRoot, "modules", "web-stack")
	data, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	code := moduleBlocks(t, dir)
	blocks := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 2 {
		t.Fatalf("the README shows %d HCL examples, want the usage and the databases one", len(blocks))
	}
	modules := 0
	for i, b := range blocks {
		file, diags := hclsyntax.ParseConfig([]byte(b[1]), fmt.Sprintf("README block %d", i+1), hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("README HCL block %d does not parse: %s", i+1, diags.Error())
			continue
		}
		body := file.Body.(*hclsyntax.Body)
		for _, blk := range body.Blocks {
			if blk.Type != "module" || !strings.Contains(sourceOf(blk), "modules/web-stack") {
				continue
			}
			modules++
			name := blk.Labels[0]
			for arg := range blk.Body.Attributes {
				if _, ok := code["variable"][arg]; !ok && arg != "source" {
					t.Errorf("README block %d: module %q sets %q, which variables.tf does not declare", i+1, name, arg)
				}
			}
			for v, hasDefault := range code["variable"] {
				if _, ok := blk.Body.Attributes[v]; !ok && !hasDefault {
					t.Errorf("README block %d: module %q leaves out the required input %q", i+1, name, v)
				}
			}
			for _, ref := range regexp.MustCompile(`module\.`+regexp.QuoteMeta(name)+`\.([a-z0-9_]+)`).FindAllStringSubmatch(b[1], -1) {
				if _, ok := code["output"][ref[1]]; !ok {
					t.Errorf("README block %d refers to module.%s.%s, which outputs.tf does not declare", i+1, name, ref[1])
				}
			}
		}
	}
	if modules < 2 {
		t.Errorf("found %d module blocks using modules/web-stack in the README, want at least 2", modules)
	}
}

func sourceOf(b *hclsyntax.Block) string {
	a, ok := b.Body.Attributes["source"]
	if !ok {
		return ""
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type().FriendlyName() != "string" {
		return ""
	}
	return v.AsString()
}
