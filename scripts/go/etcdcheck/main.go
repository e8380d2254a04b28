// Command etcdcheck validates an etcd configuration file (etcd --config-file) with
// etcd's own code: the keys are decoded strictly (a misspelled key is an error,
// where etcd itself would ignore it), then embed.ConfigFromFile loads the file as
// `etcd --config-file` does and Config.Validate checks the combination (URLs,
// TLS and feature flags). Like a starting member, it also checks that the member
// is in initial-cluster with the peer URLs it advertises.
//
// scripts/tools.py builds it in a generated module that requires the pinned
// go.etcd.io/etcd/server/v3.
//
// Usage: etcdcheck FILE   prints "FILE: message" per problem, exit 1 if any
package main

import (
	"fmt"
	"os"
	"strings"

	"go.etcd.io/etcd/server/v3/embed"
	"sigs.k8s.io/yaml"
)

// securityConfig and the extra fields of fileConfig mirror the unexported
// configJSON of go.etcd.io/etcd/server/v3/embed (config.go): the keys that only
// the configuration file has. embed.Config supplies every other key.
type securityConfig struct {
	CertFile            string   `json:"cert-file"`
	KeyFile             string   `json:"key-file"`
	ClientCertFile      string   `json:"client-cert-file"`
	ClientKeyFile       string   `json:"client-key-file"`
	CertAuth            bool     `json:"client-cert-auth"`
	TrustedCAFile       string   `json:"trusted-ca-file"`
	AutoTLS             bool     `json:"auto-tls"`
	AllowedCNs          []string `json:"allowed-cn"`
	AllowedHostnames    []string `json:"allowed-hostname"`
	SkipClientSANVerify bool     `json:"skip-client-san-verification,omitempty"`
}

type fileConfig struct {
	embed.Config
	ListenPeerURLs         string         `json:"listen-peer-urls"`
	ListenClientURLs       string         `json:"listen-client-urls"`
	ListenClientHTTPURLs   string         `json:"listen-client-http-urls"`
	AdvertisePeerURLs      string         `json:"initial-advertise-peer-urls"`
	AdvertiseClientURLs    string         `json:"advertise-client-urls"`
	CORSJSON               string         `json:"cors"`
	HostWhitelistJSON      string         `json:"host-whitelist"`
	ClientSecurityJSON     securityConfig `json:"client-transport-security"`
	PeerSecurityJSON       securityConfig `json:"peer-transport-security"`
	ServerFeatureGatesJSON string         `json:"feature-gates"`
}

func check(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	strict := fileConfig{Config: *embed.NewConfig()}
	if err := yaml.UnmarshalStrict(data, &strict); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error unmarshaling JSON: ")
		return []string{strings.TrimPrefix(msg, "while decoding JSON: ")}
	}
	cfg, err := embed.ConfigFromFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	if err := cfg.Validate(); err != nil {
		return []string{err.Error()}
	}
	// What etcd checks when a new member starts: it is in initial-cluster, with the
	// peer URLs it advertises.
	if cfg.ClusterState == embed.ClusterStateFlagNew && cfg.InitialCluster != "" {
		urlsmap, _, err := cfg.PeerURLsMapAndToken("etcd")
		if err != nil {
			return []string{err.Error()}
		}
		own, ok := urlsmap[cfg.Name]
		if !ok {
			return []string{fmt.Sprintf("initial-cluster has no member named %q (the name key)", cfg.Name)}
		}
		advertised := map[string]bool{}
		for _, u := range cfg.AdvertisePeerUrls {
			advertised[u.String()] = true
		}
		for _, u := range own {
			if !advertised[u.String()] {
				return []string{fmt.Sprintf("initial-cluster gives %s=%s, which is not in initial-advertise-peer-urls", cfg.Name, u.String())}
			}
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: etcdcheck FILE")
		os.Exit(2)
	}
	msgs := check(os.Args[1])
	for _, m := range msgs {
		fmt.Printf("%s: %s\n", os.Args[1], strings.ReplaceAll(m, "\n", " "))
	}
	if len(msgs) > 0 {
		os.Exit(1)
	}
}
