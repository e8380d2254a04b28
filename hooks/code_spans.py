"""Drop the <span class="w"> that Pygments puts around whitespace in highlighted code.

The theme gives whitespace no style, so the spans change nothing a reader sees, but
they are about a third of the elements on a page with long manifests, and every
element costs style and layout time on a phone. The text, and so what the copy
button copies, stays the same.
"""

from __future__ import annotations

import re

WHITESPACE_SPAN = re.compile(r'<span class="w">(\s*)</span>')


def on_page_content(content, page, config, files):
    return WHITESPACE_SPAN.sub(r"\1", content)
