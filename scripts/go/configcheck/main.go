// Command configcheck validates configuration files of Kubernetes components that
// have no OpenAPI schema: kubeconfig (v1 Config), KubeletConfiguration,
// KubeProxyConfiguration, KubeSchedulerConfiguration, the API server's
// apiserver.config.k8s.io files (EncryptionConfiguration, AdmissionConfiguration,
// AuthenticationConfiguration, ...) and audit.k8s.io Policy.
//
// scripts/tools.py builds it in a generated module that requires the published
// staging modules of the pinned Kubernetes version, so the Go types are exactly
// the ones the v1.35 components decode. Each YAML document is decoded strictly
// into its versioned type (unknown or duplicate fields and wrong types are
// errors); a kubeconfig's contexts must name existing clusters and users.
//
// Usage: configcheck FILE...   prints "FILE:LINE: message" per problem, exit 1 if any
//        configcheck -list     prints the apiVersion/kind pairs it knows, one per line
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	apiserverv1alpha1 "k8s.io/apiserver/pkg/apis/apiserver/v1alpha1"
	apiserverv1beta1 "k8s.io/apiserver/pkg/apis/apiserver/v1beta1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	proxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	schedulerv1 "k8s.io/kube-scheduler/config/v1"
	kubeletv1 "k8s.io/kubelet/config/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		apiserverv1.AddToScheme, apiserverv1alpha1.AddToScheme, apiserverv1beta1.AddToScheme,
		auditv1.AddToScheme, clientcmdv1.AddToScheme, proxyv1alpha1.AddToScheme,
		schedulerv1.AddToScheme, kubeletv1.AddToScheme, kubeletv1beta1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

// Kinds every group gets from metav1.AddToGroupVersion; not configuration files.
var metaKinds = regexp.MustCompile(`^(WatchEvent|Status|\w+Options)$`)

func known() []string {
	var out []string
	for gvk := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || metaKinds.MatchString(gvk.Kind) {
			continue
		}
		out = append(out, gvk.GroupVersion().String()+"/"+gvk.Kind)
	}
	sort.Strings(out)
	return out
}

type document struct {
	line int
	data []byte
}

var separator = regexp.MustCompile(`^---(\s.*)?$`)

func split(data []byte) []document {
	var docs []document
	cur, start, n := &bytes.Buffer{}, 1, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		n++
		if separator.MatchString(sc.Text()) {
			docs = append(docs, document{start, append([]byte(nil), cur.Bytes()...)})
			cur.Reset()
			start = n + 1
			continue
		}
		cur.WriteString(sc.Text() + "\n")
	}
	return append(docs, document{start, cur.Bytes()})
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

func checkDoc(doc document) []string {
	var tm typeMeta
	if err := yaml.Unmarshal(doc.data, &tm); err != nil {
		return []string{err.Error()}
	}
	if tm.APIVersion == "" && tm.Kind == "" {
		return nil // empty document or comments only
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return []string{err.Error()}
	}
	obj, err := scheme.New(gv.WithKind(tm.Kind))
	if err != nil {
		return nil // not a configuration kind: another checker owns it
	}
	if err := yaml.UnmarshalStrict(doc.data, obj); err != nil {
		return []string{fmt.Sprintf("%s %s: %s", tm.APIVersion, tm.Kind, cleanup(err.Error()))}
	}
	if cfg, ok := obj.(*clientcmdv1.Config); ok {
		return checkKubeconfig(cfg)
	}
	return nil
}

func cleanup(msg string) string {
	msg = strings.TrimPrefix(msg, "error unmarshaling JSON: ")
	return strings.TrimPrefix(msg, "while decoding JSON: ")
}

func checkKubeconfig(cfg *clientcmdv1.Config) []string {
	var out []string
	clusters, users, contexts := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cfg.Clusters {
		clusters[c.Name] = true
		if c.Cluster.Server == "" {
			out = append(out, fmt.Sprintf("cluster %q has no server", c.Name))
		}
	}
	for _, u := range cfg.AuthInfos {
		users[u.Name] = true
	}
	for _, c := range cfg.Contexts {
		contexts[c.Name] = true
		if !clusters[c.Context.Cluster] {
			out = append(out, fmt.Sprintf("context %q names cluster %q, which is not in clusters", c.Name, c.Context.Cluster))
		}
		if c.Context.AuthInfo != "" && !users[c.Context.AuthInfo] {
			out = append(out, fmt.Sprintf("context %q names user %q, which is not in users", c.Name, c.Context.AuthInfo))
		}
	}
	if cfg.CurrentContext != "" && !contexts[cfg.CurrentContext] {
		out = append(out, fmt.Sprintf("current-context %q is not in contexts", cfg.CurrentContext))
	}
	return out
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-list" {
		fmt.Println(strings.Join(known(), "\n"))
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: configcheck FILE... | configcheck -list")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("%s:1: %v\n", path, err)
			failed = true
			continue
		}
		for _, doc := range split(data) {
			for _, msg := range checkDoc(doc) {
				failed = true
				fmt.Printf("%s:%d: %s\n", path, doc.line, strings.ReplaceAll(msg, "\n", " "))
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}
