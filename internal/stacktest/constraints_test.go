package stacktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// providerConstraint is what every example and module asks of the
// provider; the mirror the tests install from (scripts/tf-cli-config.sh)
// must satisfy it, which TestAccExamples' `terraform init` proves.
const providerConstraint = "~> 0.1"

// moduleSource is how a consumer outside the repository names the module.
const moduleSource = "git::https://github.com/scalable-tf/terraform-provider-scalable.git//modules/web-stack?ref=v0.1.0"

// requiredScalable returns the scalable provider's source and version from
// the terraform.required_providers blocks of the .tf files in dir.
func requiredScalable(t *testing.T, dir string) (source, version string, found bool) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	parser := hclparse.NewParser()
	for _, f := range files {
		file, diags := parser.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("parse %s: %s", f, diags.Error())
		}
		top, _, _ := file.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}})
		for _, tb := range top.Blocks {
			inner, _, _ := tb.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "required_providers"}}})
			for _, rp := range inner.Blocks {
				attrs, _ := rp.Body.JustAttributes()
				a, ok := attrs["scalable"]
				if !ok {
					continue
				}
				v, diags := a.Expr.Value(nil)
				if diags.HasErrors() || !v.Type().IsObjectType() {
					t.Fatalf("%s: required_providers.scalable is not an object: %s", f, diags.Error())
				}
				get := func(name string) string {
					if !v.Type().HasAttribute(name) || v.GetAttr(name).IsNull() {
						return ""
					}
					return v.GetAttr(name).AsString()
				}
				return get("source"), get("version"), true
			}
		}
	}
	return "", "", false
}

// TestProviderConstraintEverywhere: every example and the module declare
// the provider with its registry source and the same version constraint,
// so a consumer's `terraform init` picks a compatible release.
func TestProviderConstraintEverywhere(t *testing.T) {
	dirs := append(exampleDirs(t, repoRoot), filepath.Join(repoRoot, "modules", "web-stack"))
	for _, dir := range dirs {
		source, version, found := requiredScalable(t, dir)
		switch {
		case !found:
			t.Errorf("%s declares no required_providers.scalable", rel(dir))
		case source != "scalable-tf/scalable" || version != providerConstraint:
			t.Errorf("%s: required_providers.scalable = {source = %q, version = %q}, want {source = \"scalable-tf/scalable\", version = %q}",
				rel(dir), source, version, providerConstraint)
		}
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "tf-cli-config.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "\nversion=0.1.") {
		t.Errorf("scripts/tf-cli-config.sh does not build a 0.1.x mirror: `terraform init` with %q would find no release", providerConstraint)
	}
	for _, doc := range []string{"README.md", "modules/web-stack/README.md", "examples/full-stack/main.tf"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, doc))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), moduleSource) {
			t.Errorf("%s does not show consumers the module's address %s", doc, moduleSource)
		}
	}
}
