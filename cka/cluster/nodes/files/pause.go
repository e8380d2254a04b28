// pause: the sandbox process of every Pod in the kubeadm runtime's nodes (cka.cluster.nodes.images).
// It sleeps until SIGINT or SIGTERM, and reaps children when it is a PID namespace's init.
// `pause -v` prints a version and exits, as the upstream pause does: kubeadm's upgrade health
// check runs it that way in a Job that must complete.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (cka-guide, files/pause.go)")
		os.Exit(0)
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
