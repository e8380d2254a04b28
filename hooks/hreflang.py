"""Say which pages translate each other in sitemap.xml only, not in each page's <head>.

mkdocs-static-i18n lists every page's translations in sitemap.xml (xhtml:link
hreflang, absolute URLs), which search engines read. It also gives each page a
<link rel="alternate" hreflang> per language with a relative URL, which search
engines reject, and for which Material's script fetches "<that page>/sitemap.xml":
a 404 and a console error on every page view. The language switcher in the header is
a separate set of links and stays as it is.
"""

from __future__ import annotations

import re

HEAD_ALTERNATE = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def on_post_page(output, page, config):
    head, separator, body = output.partition("</head>")
    return HEAD_ALTERNATE.sub("", head) + separator + body


def on_post_template(output_content, template_name, config):
    """The same for pages rendered from a template alone (404.html)."""
    return on_post_page(output_content, None, config) if template_name.endswith(".html") else output_content
