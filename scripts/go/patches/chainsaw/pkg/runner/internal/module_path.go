// Added by scripts/tools.py when it builds chainsaw (see scripts/go/patches/README.md).
//
// Go 1.25 added ModulePath to the interface that testing.MainStart takes;
// chainsaw v0.2.12 implements that interface itself and predates the method, so it
// does not compile with the Go 1.26 that etcd v3.6 and kwok v0.8 require.
// An empty module path is what `go test` passes for a package outside a module.

package internal

func (*TestDeps) ModulePath() string { return "" }
