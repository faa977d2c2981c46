package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/console"
)

// Main runs `terraform-provider-scalable sandbox [flags]` until interrupted
// and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr)
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: terraform-provider-scalable sandbox [flags]\n\n"+
			"Serves a local DigitalOcean API v2 on loopback. Point godo, doctl (--api-url),\n"+
			"the DigitalOcean provider (DIGITALOCEAN_API_URL) or this provider (api_endpoint)\n"+
			"at the printed URL with the printed token.\n\n"+
			"Every flag can also be set as SANDBOX_<FLAG> in the environment (SANDBOX_TIME_SCALE=0.05,\n"+
			"SANDBOX_TOKEN=...), for CI services that take no arguments; arguments win.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\n%s", CatalogFileHelp)
	}
	var (
		listen    = fs.String("listen", "127.0.0.1:0", "address to listen on, loopback unless --allow-remote (port 0 picks a free one)")
		remote    = fs.Bool("allow-remote", false, fmt.Sprintf("allow --listen on a non-loopback address such as 0.0.0.0:8080 (a container); needs a --token of at least %d characters", MinRemoteTokenLength))
		token     = fs.String("token", "", "bearer token to accept (default: a random one, printed)")
		timeScale = fs.Float64("time-scale", 1, "multiplier for every realistic delay, e.g. 0.05 boots a 45 s droplet in 2.25 s")
		stateFile = fs.String("state", "", "file to persist the world in (written atomically after each change)")
		limit     = fs.Int("droplet-limit", 25, "the account's droplet limit")
		perMinute = fs.Int("rate-limit-minute", 250, "requests allowed per (scaled) minute")
		perHour   = fs.Int("rate-limit-hour", 5000, "requests allowed per (scaled) hour")
		seed      = fs.Uint64("seed", 0, "seed for fault injection (0: random)")
		verbose   = fs.Bool("log", false, "log one line per request to stderr (bodies are never logged)")
		envFile   = fs.String("env-file", "", "also write DIGITALOCEAN_API_URL and DIGITALOCEAN_TOKEN lines to this file once listening")
		catalog   = fs.String("catalog", "", "serve the regions, sizes and distribution images saved from your DigitalOcean account in this file (see Catalog file below) instead of the built-in catalog")
		traffic   = fs.Bool("traffic", true, "droplets serve HTTP and load balancers balance it, on their own 127.x.y.z addresses and on 127.0.0.1 ports (see GET /_sandbox/load_balancers/{id}/listeners); -traffic=false opens no port but the API's")
		dnsListen = fs.String("dns-listen", "127.0.0.1:0", "loopback address (UDP and TCP) of the DNS server answering for the account's domains, with -traffic (port 0 picks a free one)")
		bindAddrs = fs.Bool("bind-addresses", true, "serve droplets and load balancers on the addresses the sandbox hands out (127.B.x.y, DigitalOcean's ports; below 1024 needs root); -bind-addresses=false serves them on 127.0.0.1 ports only")
	)
	if err := flagsFromEnv(fs); err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	opts := Options{
		Token:              *token,
		TimeScale:          *timeScale,
		StateFile:          *stateFile,
		DropletLimit:       *limit,
		RateLimitPerMinute: *perMinute,
		RateLimitPerHour:   *perHour,
		Seed:               *seed,
		Traffic:            *traffic,
		LocalPortsOnly:     !*bindAddrs,
		Notices:            log.New(stderr, "sandbox: ", 0),
		CatalogFile:        *catalog,
		AllowRemote:        *remote,
		DNSListen:          *dnsListen,
	}
	if *verbose {
		opts.Logger = log.New(stderr, "sandbox: ", log.LstdFlags|log.Lmicroseconds)
	}
	s, err := New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 1
	}
	if err := s.Start(*listen); err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 1
	}
	env := fmt.Sprintf("DIGITALOCEAN_API_URL=%s\nDIGITALOCEAN_TOKEN=%s\n", s.URL(), s.Token())
	if *envFile != "" {
		if err := writeFileAtomic(*envFile, []byte(env)); err != nil {
			fmt.Fprintf(stderr, "sandbox: %v\n", err)
			_ = s.Close()
			return 1
		}
	}
	fmt.Fprint(stdout, env)
	fmt.Fprintf(stderr, "sandbox: DigitalOcean API v2 on %s (time scale %g); control API under %s/_sandbox/\n", s.URL(), *timeScale, s.URL())
	fmt.Fprintf(stderr, "sandbox: live console at %s%s (asks for the token once)\n", s.URL(), console.Prefix)
	fmt.Fprintf(stderr, "sandbox: public addresses come from %s (IPv6 from 2001:db8::/32): nothing handed out routes off this machine\n", s.AddressBlock())
	if *remote {
		fmt.Fprintf(stderr, "sandbox: --allow-remote: the API listens on %s for other hosts too (with the token); the droplets' and load balancers' 127.x.y.z addresses stay on this host's loopback\n", *listen)
	}
	if *traffic {
		fmt.Fprintf(stderr, "sandbox: traffic emulation on: droplets serve HTTP and load balancers balance it on their addresses and on 127.0.0.1 ports; find them at %s/_sandbox/load_balancers/{id}/listeners and %s/_sandbox/droplets/{id}/http\n", s.URL(), s.URL())
		if addr, err := s.DNSAddress(); err == nil {
			host, port, _ := net.SplitHostPort(addr)
			fmt.Fprintf(stderr, "sandbox: DNS for the account's domains on %s (UDP and TCP): dig @%s -p %s www.example.com\n", addr, host, port)
		}
	}

	<-ctx.Done()
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return 1
	}
	return 0
}

// flagsFromEnv sets each flag given as SANDBOX_<FLAG> in the environment
// (SANDBOX_TIME_SCALE=0.05): CI services such as GitHub Actions' take an
// image and its environment, not arguments. Arguments still win.
func flagsFromEnv(fs *flag.FlagSet) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := "SANDBOX_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
