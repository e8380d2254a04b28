#!/usr/bin/env bash
# A terminal setup for the exam: a kubectl alias with completion, a dry-run
# variable for generating YAML, and vim settings for editing YAML.
# Page: docs/exam/guide
# Runs on: any host with bash (the lab points BASHRC and VIMRC at temporary files).
set -euo pipefail

BASHRC=${BASHRC:-$HOME/.bashrc}
VIMRC=${VIMRC:-$HOME/.vimrc}

# --8<-- [start:alias]
cat >>"$BASHRC" <<'RC'
alias k=kubectl
source <(kubectl completion bash)
complete -o default -F __start_kubectl k
export do="--dry-run=client -o yaml"
export now="--force --grace-period=0"
RC
# --8<-- [end:alias]

# --8<-- [start:vim]
cat >>"$VIMRC" <<'RC'
set expandtab
set tabstop=2
set shiftwidth=2
set autoindent
RC
# --8<-- [end:vim]
