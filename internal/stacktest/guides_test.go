package stacktest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The guides mark their fenced blocks so a test can tell a script from a
// fragment. A marker is an HTML comment (invisible on the registry) on the
// line before the block:
//
//	<!-- script: NAME -->  the next sh/bash block is a script: TestAccGuideScripts runs it with bash, as written
//	<!-- file: PATH -->    the next block is written to PATH, next to the guide's scripts, before they run
//	<!-- snippet -->       the next sh/bash block is a fragment: only its syntax is checked
//
// An sh/bash block without a marker fails TestGuideShellBlocksAreMarked:
// nothing a guide shows as shell goes unchecked.
var markerLine = regexp.MustCompile(`^<!-- (script|file): (\S+) -->$|^<!-- (snippet) -->$`)

// guideBlock is one fenced block of a guide.
type guideBlock struct {
	kind string // "script", "file", "snippet", or "" when unmarked
	name string // the script's name or the file's path
	lang string // the fence's info string: sh, terraform, yaml, ...
	body string
	line int // of the opening fence, 1-based
}

// parseGuide returns the fenced blocks of a markdown guide with their
// markers. A marker not directly followed by a block is an error.
func parseGuide(text string) ([]guideBlock, error) {
	var blocks []guideBlock
	lines := strings.Split(text, "\n")
	var pending *guideBlock
	pendingLine := 0
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \r")
		if m := markerLine.FindStringSubmatch(line); m != nil {
			kind := m[1] + m[3]
			pending, pendingLine = &guideBlock{kind: kind, name: m[2]}, i+1
			continue
		}
		lang, isFence := strings.CutPrefix(line, "```")
		if !isFence {
			if pending != nil && line != "" {
				return nil, fmt.Errorf("line %d: marker %q is not followed by a fenced block", pendingLine, lines[pendingLine-1])
			}
			continue
		}
		b := guideBlock{lang: strings.TrimSpace(lang), line: i + 1}
		if pending != nil {
			b.kind, b.name = pending.kind, pending.name
			pending = nil
		}
		var body []string
		for i++; i < len(lines) && strings.TrimRight(lines[i], " \r") != "```"; i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: fenced block never closed", b.line)
		}
		b.body = strings.Join(body, "\n") + "\n"
		blocks = append(blocks, b)
	}
	if pending != nil {
		return nil, fmt.Errorf("line %d: marker at the end of the guide", pendingLine)
	}
	return blocks, nil
}

func isShell(lang string) bool {
	switch lang {
	case "sh", "bash", "shell":
		return true
	}
	return false
}

// guides reads docs/guides/*.md (what the registry shows) and parses them.
func guides(t *testing.T) map[string][]guideBlock {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "guides", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no guides under docs/guides: %v", err)
	}
	out := map[string][]guideBlock{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := parseGuide(string(data))
		if err != nil {
			t.Fatalf("%s: %v", rel(f), err)
		}
		out[rel(f)] = blocks
	}
	return out
}

// startsSomething matches a script line that starts a process or makes
// something to clean up: the cleanup trap must come before the first.
var startsSomething = regexp.MustCompile(`[^&]&\s*$|\bmktemp\b|\binitdb\b|\bpg_ctl\b.*\bstart\b|^\s*terraform\s+(init|apply|plan)`)

// checkScriptShape: a script stops at the first error and sets its cleanup
// trap before it starts anything.
func checkScriptShape(body string) error {
	lines := strings.Split(body, "\n")
	first, trap, start := -1, -1, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
			continue
		case first < 0:
			first = i
			if l != "set -euo pipefail" {
				return fmt.Errorf("the first command is %q, want `set -euo pipefail`", l)
			}
		case trap < 0 && regexp.MustCompile(`^trap \S+ EXIT$`).MatchString(l):
			trap = i
		case start < 0 && startsSomething.MatchString(l):
			start = i
		}
	}
	switch {
	case first < 0:
		return fmt.Errorf("the script is empty")
	case trap < 0:
		return fmt.Errorf("no `trap cleanup EXIT`: an early failure would leave what it started running")
	case start >= 0 && start < trap:
		return fmt.Errorf("line %d (%q) starts something before the cleanup trap is set (line %d)", start+1, strings.TrimSpace(lines[start]), trap+1)
	}
	return nil
}

// TestGuideShellBlocksAreMarked: every shell block in a guide is either a
// script (run by TestAccGuideScripts) or a snippet; each parses with
// bash -n; scripts stop at the first error with their cleanup trap first;
// and the offline CI guide keeps its script and configuration.
func TestGuideShellBlocksAreMarked(t *testing.T) {
	scripts := 0
	for guide, blocks := range guides(t) {
		for _, b := range blocks {
			where := fmt.Sprintf("%s:%d", guide, b.line)
			if isShell(b.lang) && b.kind != "script" && b.kind != "snippet" {
				t.Errorf("%s: a ```%s block with no marker: put <!-- script: NAME --> before it to have it run, or <!-- snippet --> if it is a fragment (in templates/guides, then make docs)", where, b.lang)
				continue
			}
			if (b.kind == "script" || b.kind == "snippet") && !isShell(b.lang) {
				t.Errorf("%s: <!-- %s --> marks a ```%s block; scripts and snippets are sh or bash", where, b.kind, b.lang)
				continue
			}
			if !isShell(b.lang) {
				continue
			}
			if out, err := exec.Command("bash", "-n", "-c", b.body).CombinedOutput(); err != nil {
				t.Errorf("%s: bash -n: %v\n%s", where, err, out)
			}
			if b.kind == "script" {
				scripts++
				if err := checkScriptShape(b.body); err != nil {
					t.Errorf("%s: script %s: %v", where, b.name, err)
				}
			}
		}
	}
	ci := guides(t)["docs/guides/offline-ci.md"]
	if s := findBlock(ci, "script", "offline-ci"); s == nil {
		t.Error("docs/guides/offline-ci.md has no <!-- script: offline-ci --> block: its script would go untested")
	}
	if f := findBlock(ci, "file", "main.tf"); f == nil {
		t.Error("docs/guides/offline-ci.md has no <!-- file: main.tf --> block for its script to apply")
	}
	t.Logf("%d scripts in the guides", scripts)
}

func findBlock(blocks []guideBlock, kind, name string) *guideBlock {
	for i := range blocks {
		if blocks[i].kind == kind && blocks[i].name == name {
			return &blocks[i]
		}
	}
	return nil
}

// TestGuideParsing guards the parser and the shape check: markers bind to
// the next block, a stray marker is an error, and broken scripts are told.
func TestGuideParsing(t *testing.T) {
	blocks, err := parseGuide("# g\n\n<!-- script: s -->\n```sh\nset -euo pipefail\n```\n\n```sh\nls\n```\n<!-- file: a.tf -->\n```terraform\nx = 1\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, b := range blocks {
		got = append(got, fmt.Sprintf("%s:%s:%s:%d:%q", b.kind, b.name, b.lang, b.line, b.body))
	}
	want := []string{`script:s:sh:4:"set -euo pipefail\n"`, `::sh:8:"ls\n"`, `file:a.tf:terraform:12:"x = 1\n"`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("blocks\n%v\nwant\n%v", got, want)
	}
	if _, err := parseGuide("<!-- snippet -->\ntext\n```sh\nls\n```\n"); err == nil {
		t.Error("a marker followed by text was accepted")
	}
	for body, want := range map[string]string{
		"ls\n":                                  "want `set -euo pipefail`",
		"set -euo pipefail\nls\n":               "no `trap cleanup EXIT`",
		"set -euo pipefail\nx &\ntrap c EXIT\n": `line 2 ("x &") starts something before the cleanup trap`,
		"set -euo pipefail\nd=$(mktemp -d)\ntrap c EXIT\n": "starts something before the cleanup trap",
		"set -euo pipefail\ntrap c EXIT\nx &\n":            "",
	} {
		err := checkScriptShape(body)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("checkScriptShape(%q) = %v, want %q", body, err, want)
		}
	}
}

// guideRun is one run of a guide's script in its own directory.
type guideRun struct {
	dir, tmp string
	out      string
	err      error
}

// runGuideScript writes the guide's file blocks and the script into a new
// directory and runs `bash ci.sh` there, with a clean environment that
// points at the locally built provider and adds env. TMPDIR is the test's,
// so what the script leaves behind can be seen.
func runGuideScript(t *testing.T, timeout time.Duration, blocks []guideBlock, script *guideBlock, env ...string) guideRun {
	t.Helper()
	dir := t.TempDir()
	for _, b := range blocks {
		if b.kind == "file" {
			if err := os.WriteFile(filepath.Join(dir, b.name), []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ci.sh"), []byte(script.body), 0o755); err != nil {
		t.Fatal(err)
	}
	// The postgres user must reach the script's temporary directories.
	tmp, err := os.MkdirTemp("", "guide-tmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o711); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "ci.sh")
	cmd.Dir = dir
	cmd.Env = append(guideEnv(t, tmp), env...)
	// On timeout the whole process group gets SIGTERM, so the script's trap
	// stops what it started (terraform, the sandbox) instead of orphaning it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	t.Logf("bash ci.sh (%s) in %s: %v", script.name, time.Since(start).Round(time.Millisecond), err)
	return guideRun{dir: dir, tmp: tmp, out: out.String(), err: err}
}

// guideEnv is a CI job's environment: the provider's binary, terraform on
// PATH, and nothing of the caller's DigitalOcean, Terraform or sandbox
// settings, but a DigitalOcean token as a real job might hold.
func guideEnv(t *testing.T, tmp string) []string {
	t.Helper()
	env := []string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DIGITALOCEAN_") || strings.HasPrefix(name, "SCALABLE_") || strings.HasPrefix(name, "SANDBOX_") ||
			strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "PG") || name == "PATH" || name == "TMPDIR" {
			continue
		}
		env = append(env, kv)
	}
	bin := filepath.Join(filepath.Dir(providerCLIConfig(t)), "bin", "terraform-provider-scalable")
	return append(env,
		"PATH="+filepath.Dir(terraformPath(t))+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TMPDIR="+tmp,
		"PROVIDER_BIN="+bin,
		"DIGITALOCEAN_ACCESS_TOKEN=dop_v1_a-real-token-the-script-must-not-use",
	)
}

// leftovers lists what the script left in its TMPDIR: its cleanup removes
// the mirror, the sandbox's env file and PostgreSQL's directory.
func (r guideRun) leftovers(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(r.tmp)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	return left
}

// TestAccGuideScripts runs every script of every guide as written, against
// the sandbox it starts and the PostgreSQL it starts, and checks that it
// applied, converged and destroyed with the state in PostgreSQL, leaving
// nothing behind.
func TestAccGuideScripts(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	ran := 0
	for guide, blocks := range guides(t) {
		for i := range blocks {
			script := &blocks[i]
			if script.kind != "script" {
				continue
			}
			ran++
			t.Run(strings.TrimSuffix(filepath.Base(guide), ".md")+"/"+script.name, func(t *testing.T) {
				t.Parallel()
				r := runGuideScript(t, 5*time.Minute, blocks, script)
				if r.err != nil {
					t.Fatalf("%s:%d: the guide's script %s failed: %v\n%s", guide, script.line, script.name, r.err, r.out)
				}
				for _, want := range []string{"Apply complete! Resources: 1 added", "No changes.", "Destroy complete! Resources: 1 destroyed", "ci: applied, converged and destroyed"} {
					if !strings.Contains(r.out, want) {
						t.Errorf("the script's output lacks %q:\n%s", want, r.out)
					}
				}
				if _, err := os.Stat(filepath.Join(r.dir, "terraform.tfstate")); err == nil {
					t.Error("the script left a local terraform.tfstate: the state should be in PostgreSQL (pg backend)")
				}
				if left := r.leftovers(t); len(left) > 0 {
					t.Errorf("the script's cleanup left %v in TMPDIR", left)
				}
			})
		}
	}
	if ran == 0 {
		t.Fatal("no <!-- script: ... --> block in docs/guides: nothing was run")
	}
}

// TestAccGuideScriptRefuses: the offline CI script stops, before any
// terraform command and without a request, when the API endpoint is not a
// local sandbox, and fails hard when the sandbox does not start. curl is a
// stand-in that records a call and fails, so a broken guard reaches
// nothing; each refusal must come within seconds (a guard that lets the
// script through would leave it waiting for an answer).
func TestAccGuideScriptRefuses(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	blocks := guides(t)["docs/guides/offline-ci.md"]
	script := findBlock(blocks, "script", "offline-ci")
	if script == nil {
		t.Fatal("docs/guides/offline-ci.md has no <!-- script: offline-ci --> block")
	}
	fake := t.TempDir()
	calls := filepath.Join(fake, "curl.calls")
	writeExec(t, filepath.Join(fake, "curl"), "#!/bin/sh\necho \"$*\" >>'"+calls+"'\nexit 7\n")
	writeExec(t, filepath.Join(fake, "dying-sandbox"), "#!/bin/sh\necho 'sandbox: cannot start (test stand-in)' >&2\nexit 1\n")
	path := "PATH=" + fake + string(os.PathListSeparator) + filepath.Dir(terraformPath(t)) + string(os.PathListSeparator) + os.Getenv("PATH")

	refused := "refusing to plan or apply: %s is not a local sandbox"
	t.Cleanup(func() {
		if called, err := os.ReadFile(calls); err == nil {
			t.Errorf("the guard let the script send requests (curl %s)", called)
		}
	})
	for _, tc := range []struct {
		name, want string
		env        []string
	}{
		{"DigitalOcean", fmt.Sprintf(refused, "https://api.digitalocean.com"), []string{"SANDBOX_URL=https://api.digitalocean.com", "SANDBOX_TOKEN=dop_v1_x"}},
		{"a look-alike host", fmt.Sprintf(refused, "http://127.0.0.1.example.com:8080"), []string{"SANDBOX_URL=http://127.0.0.1.example.com:8080", "SANDBOX_TOKEN=x"}},
		{"loopback in the fragment", fmt.Sprintf(refused, "https://api.digitalocean.com#@127.0.0.1:8080"), []string{"SANDBOX_URL=https://api.digitalocean.com#@127.0.0.1:8080", "SANDBOX_TOKEN=x"}},
		{"a host not named in SANDBOX_HOSTS", fmt.Sprintf(refused, "http://sandbox:8080"), []string{"SANDBOX_URL=http://sandbox:8080", "SANDBOX_TOKEN=x", "SANDBOX_HOSTS=postgres"}},
		{"not a URL", fmt.Sprintf(refused, "127.0.0.1:8080"), []string{"SANDBOX_URL=127.0.0.1:8080", "SANDBOX_TOKEN=x"}},
		{"a sandbox that exits", "the sandbox exited before it listened", []string{"PROVIDER_BIN=" + filepath.Join(fake, "dying-sandbox")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runGuideScript(t, 15*time.Second, blocks, script, append(tc.env, path)...)
			if r.err == nil {
				t.Fatalf("the script succeeded, want it refused:\n%s", r.out)
			}
			if !strings.Contains(r.out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, r.out)
			}
			if strings.Contains(r.out, "Initializing") {
				t.Errorf("the script ran terraform init before stopping:\n%s", r.out)
			}
			if left := r.leftovers(t); len(left) > 0 {
				t.Errorf("the script's cleanup left %v in TMPDIR", left)
			}
		})
	}
}

func writeExec(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}
