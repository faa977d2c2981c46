package stacktest

import (
	"context"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// exampleDirs lists the directories under examples/ that hold .tf files.
func exampleDirs(t *testing.T, root string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".terraform" {
			return filepath.SkipDir
		}
		if !e.IsDir() && filepath.Ext(p) == ".tf" {
			seen[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// TestAccExamples runs terraform init, validate and fmt -check over every
// example, with the provider installed from a local mirror: what a user
// copying an example gets must at least be valid and formatted. The module
// is formatted-checked too.
func TestAccExamples(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	work := t.TempDir()
	copyTree(t, work, "examples", "modules")
	tf := newTerraform(t)

	t.Run("fmt", func(t *testing.T) {
		tf := *tf
		tf.t = t
		tf.run(t.Context(), work, "fmt", "-check", "-recursive", "-diff", "examples", "modules")
	})

	dirs := exampleDirs(t, work)
	if len(dirs) < 4 {
		t.Fatalf("found only %d example directories under examples/: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		name, _ := filepath.Rel(filepath.Join(work, "examples"), dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			tf := *tf
			tf.t = t
			tf.run(ctx, dir, "init", "-backend=false")
			tf.run(ctx, dir, "validate")
		})
	}
}
