"""The labs: manifests (`make lab`: every manifest applied, every lab test run), etcd (the TLS etcd
backup and restore harness), ha (the live HA lab)."""
