// Command terraform-provider-scalable serves the scalable Terraform provider,
// or, as `terraform-provider-scalable sandbox`, a local DigitalOcean API.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/scalable-tf/terraform-provider-scalable/internal/provider"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// version is set by goreleaser at build time.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(sandbox.Main(os.Args[2:], os.Stdout, os.Stderr))
	}

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/scalable-tf/scalable",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
