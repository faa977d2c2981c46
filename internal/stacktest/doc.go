// Package stacktest tests what a registry user runs: the web-stack module's
// `terraform test` suite against an in-process sandbox, every example under
// examples/ through init, validate and fmt, and the module README against
// the module's variables and outputs. The Terraform-driven tests build the
// provider into a local filesystem mirror (scripts/tf-cli-config.sh) and
// never download anything; like the acceptance tests they run only with
// TF_ACC=1, which `make test` sets.
package stacktest
