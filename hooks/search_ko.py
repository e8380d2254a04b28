"""MkDocs hook: search that finds what a learner types, in Korean and in English (cka.site.search_ko)."""

from cka.site.search_ko import on_config, on_post_build, on_post_page, on_post_template  # noqa: F401
