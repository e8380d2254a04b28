"""The real nodes of the kubeadm runtime (cka.cluster.kubeadm), one module per job.

  layout    where everything lives and which addresses the nodes get (pure data)
  config    the files a node needs, rendered from templates in files/ (pure functions)
  rootfs    the nodes' shared root filesystem: debootstrap of Debian plus systemd units
  images    the container images, built locally as OCI archives from the pinned binaries
  network   the network namespace with the nodes' bridge, their veths and routes
  node      one node: its cgroups, overlay root, systemd-nspawn machine, and running commands in it
"""
