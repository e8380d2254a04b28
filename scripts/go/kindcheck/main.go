// Command kindcheck validates kind cluster configuration files with kind's own code.
//
// scripts/tools.py builds it inside a copy of the pinned sigs.k8s.io/kind module
// (as package sigs.k8s.io/kind/pkg/ckaguide/kindcheck), because the loader that
// `kind create cluster --config` uses lives in kind's internal packages. For each
// file it runs exactly what kind runs before creating a cluster: strict decoding of
// kind.x-k8s.io/v1alpha4 (unknown fields are errors), defaulting and conversion
// (encoding.Load), the default cluster name when the file sets none, then
// Cluster.Validate().
//
// Usage: kindcheck FILE...
// Output: one line per problem, "FILE: message"; exit status 1 if any file fails.
package main

import (
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/kind/pkg/cluster/constants"
	"sigs.k8s.io/kind/pkg/errors"
	"sigs.k8s.io/kind/pkg/internal/apis/config/encoding"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kindcheck FILE...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		for _, msg := range check(path) {
			failed = true
			fmt.Printf("%s: %s\n", path, strings.ReplaceAll(msg, "\n", " "))
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) []string {
	cfg, err := encoding.Load(path)
	if err != nil {
		return []string{err.Error()}
	}
	if cfg.Name == "" {
		// `kind create cluster` names an unnamed cluster before validating it.
		cfg.Name = constants.DefaultClusterName
	}
	if err := cfg.Validate(); err != nil {
		var out []string
		for _, e := range errors.Errors(err) {
			out = append(out, e.Error())
		}
		if len(out) == 0 {
			out = append(out, err.Error())
		}
		return out
	}
	return nil
}
