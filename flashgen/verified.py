"""The library versions flashgen's hand-written fast paths were checked against.

`extract.blocks` reads blocks with markdown-it-pyrs the way markdown-it-py does, and `render`
builds common fields' HTML the way markdown-it-py and nh3 would; both were checked against
those libraries on generated inputs (tests/test_blocks.py with BLOCKS_EXAMPLES=12000,
tests/test_render_fast_path.py with RENDER_EXAMPLES=20000). With any other version the
fast paths stand aside and the libraries do all the work: the same output, only slower,
until those long runs pass with the new versions and they are added here.
"""

from __future__ import annotations

import markdown_it
import markdown_it_pyrs
import mdit_py_plugins
import nh3

VERIFIED_WITH = {
    "markdown-it-py": ("4.3.0",),
    "markdown-it-pyrs": ("0.4.0",),
    "mdit-py-plugins": ("0.7.0",),
    "nh3": ("0.3.8",),
}
INSTALLED = {
    "markdown-it-py": markdown_it.__version__,
    "markdown-it-pyrs": str(getattr(markdown_it_pyrs, "__version__", "")),  # not in its stub
    "mdit-py-plugins": mdit_py_plugins.__version__,
    "nh3": str(getattr(nh3, "__version__", "")),  # not in its type stubs
}
FAST_PATHS = all(INSTALLED[name] in known for name, known in VERIFIED_WITH.items())
"""Whether markdown-it-pyrs and the render shortcuts may run with the libraries installed."""
