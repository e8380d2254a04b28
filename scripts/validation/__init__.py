"""Helpers of scripts/validate.py: file discovery, one module per checking tool, reporting."""
