package provider_test

import "github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

func tfpath(name string) tfjsonpath.Path { return tfjsonpath.New(name) }
