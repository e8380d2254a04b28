"""MkDocs hook: Material's third-party browser scripts served from the site itself (cka.site.assets)."""

from cka.site.assets import on_config, on_page_content, on_post_build, on_pre_build  # noqa: F401
