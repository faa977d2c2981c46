package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The provider's peak memory: Terraform starts the provider (several times
// per command: schema, plan, apply), so the bench puts a copy of itself
// where Terraform looks for the provider. Run with wrapEnv set, it runs the
// real provider as its child with the same arguments, environment and
// standard streams, and when the child exits appends the child's peak
// resident set size (the kernel's ru_maxrss from wait4, in KiB: exact, not
// sampled) to the file rssEnv names.
const (
	wrapEnv = "TIERBENCH_WRAP_PROVIDER"
	rssEnv  = "TIERBENCH_PROVIDER_RSS"
)

// wrapProvider runs when the bench binary stands in for the provider; it
// never returns.
func wrapProvider(real string) {
	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "tierbench provider wrapper:", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if f, err := os.OpenFile(os.Getenv(rssEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, ru.Maxrss) // KiB on Linux
			_ = f.Close()
		}
	}
	os.Exit(cmd.ProcessState.ExitCode())
}

// installWrapper puts a copy of the running bench binary at bin/name and
// returns the environment that makes it run the real provider at real.
func installWrapper(bin, name, real, rssFile string) ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	src, err := os.Open(self)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(bin, name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return nil, err
	}
	if err := dst.Close(); err != nil {
		return nil, err
	}
	return []string{wrapEnv + "=" + real, rssEnv + "=" + rssFile}, nil
}

// providerPeak reads and clears the peaks the wrapper recorded: the
// largest, in KiB, and how many provider processes ran.
func providerPeak(rssFile string) (peakKiB, processes int) {
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, 0
	}
	_ = os.Remove(rssFile)
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			peakKiB, processes = max(peakKiB, n), processes+1
		}
	}
	return peakKiB, processes
}
