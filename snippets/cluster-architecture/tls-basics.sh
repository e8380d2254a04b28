#!/usr/bin/env bash
# TLS basics with openssl: symmetric and asymmetric encryption, a signature,
# a small CA, a key, a CSR, a signed certificate, and how to inspect and verify it.
# Page: docs/cluster-architecture/tls-basics
# Runs on: any Linux or macOS host with openssl 1.1.1 or later; needs no cluster.
#   Works in a temporary directory and removes it at the end.
set -euo pipefail

WORK_DIR=${WORK_DIR:-$(mktemp -d)}
CA_NAME=${CA_NAME:-demo-ca}
SERVER_NAME=${SERVER_NAME:-demo-server}
SERVER_SAN=${SERVER_SAN:-DNS:demo-server,DNS:demo-server.example.com,IP:127.0.0.1}
DAYS=${DAYS:-365}

cleanup() { rm -rf "$WORK_DIR"; }
trap cleanup EXIT
cd "$WORK_DIR"

# --8<-- [start:symmetric]
# Symmetric: one shared secret both encrypts and decrypts.
echo "hello from the client" > message.txt
openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:shared-secret -in message.txt -out message.enc
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:shared-secret -in message.enc
# --8<-- [end:symmetric]

# --8<-- [start:keypair]
# Asymmetric: a private key (keep it secret) and the public key derived from it (share it).
openssl genrsa -out server.key 2048
openssl pkey -in server.key -pubout -out server.pub
grep -- '-----BEGIN' server.key server.pub
# --8<-- [end:keypair]

# --8<-- [start:asymmetric]
# What the public key locks, only the private key opens.
openssl pkeyutl -encrypt -pubin -inkey server.pub -in message.txt -out message.rsa
openssl pkeyutl -decrypt -inkey server.key -in message.rsa
# --8<-- [end:asymmetric]

# --8<-- [start:sign]
# The reverse direction: the private key signs, anyone with the public key verifies.
openssl dgst -sha256 -sign server.key -out message.sig message.txt
openssl dgst -sha256 -verify server.pub -signature message.sig message.txt
# --8<-- [end:sign]

# --8<-- [start:ca]
# A certificate authority is a key pair plus a self-signed certificate.
openssl genrsa -out ca.key 2048
openssl req -x509 -new -key ca.key -subj "/CN=${CA_NAME}" -days 3650 -out ca.crt
# --8<-- [end:ca]

# --8<-- [start:csr]
# A certificate signing request: the public key, the subject and the names, signed by the key.
openssl req -new -key server.key -subj "/CN=${SERVER_NAME}" \
  -addext "subjectAltName=${SERVER_SAN}" -out server.csr
openssl req -in server.csr -noout -verify -subject
# --8<-- [end:csr]

# --8<-- [start:sign-csr]
# The CA signs the request. openssl x509 does not copy extensions from a CSR by
# default, so name them again in an extension file.
cat > server-ext.cnf <<EOF
subjectAltName = ${SERVER_SAN}
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
EOF
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days "$DAYS" -extfile server-ext.cnf -out server.crt
# --8<-- [end:sign-csr]

# --8<-- [start:inspect]
# Read a certificate: the full text, then only the fields you usually need.
openssl x509 -in server.crt -text -noout | sed -n '1,15p'
openssl x509 -in server.crt -noout -subject -issuer -dates -ext subjectAltName
# --8<-- [end:inspect]

# --8<-- [start:verify]
# Check the chain: the certificate was signed by our CA.
openssl verify -CAfile ca.crt server.crt
# A certificate from another CA fails the same check.
openssl req -x509 -new -key server.key -subj "/CN=${SERVER_NAME}" -days 1 -out rogue.crt
if openssl verify -CAfile ca.crt rogue.crt; then
  echo "unexpected: rogue.crt verified" >&2
  exit 1
else
  echo "rogue.crt rejected: not signed by ${CA_NAME}"
fi
# --8<-- [end:verify]

# --8<-- [start:match]
# Does this key belong to this certificate? Compare the public keys.
if cmp -s <(openssl x509 -in server.crt -noout -pubkey) <(openssl pkey -in server.key -pubout); then
  echo "server.key matches server.crt"
fi
# --8<-- [end:match]
