"""MkDocs hook: Mermaid diagrams drawn to SVG images at build time (cka.site.diagrams)."""

from cka.site.diagrams import on_build_error, on_config, on_page_content, on_post_build  # noqa: F401
