"""plotly.js for the self-contained report: a compact build, loaded once, offline.

The report page carries plotly.js gzip-compressed and base64-encoded and decompresses it in
the browser (``DecompressionStream``), then draws every chart from its figure JSON. The
vendored partial build (``vendor/plotly-recyclopt.min.js.gz``: core + bar, histogram,
waterfall, sankey; 0.45 MB) serves figures made only of those trace types; any other figure,
or a plotly Python package bundling another plotly.js major version, gets the package's full
``plotly.min.js`` (4.8 MB, 1.5 MB gzipped) instead, so a chart never silently fails to draw.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: plotly.js version of the vendored partial build (see ``vendor/README.md``).
BUNDLE_VERSION = "4.1.1"
#: Trace types the vendored build can draw.
BUNDLE_TRACES = frozenset({"scatter", "bar", "histogram", "waterfall", "sankey"})
BUNDLE_FILE = Path(__file__).resolve().parent / "vendor" / "plotly-recyclopt.min.js.gz"


def trace_types(figures: Iterable[Any]) -> set[str]:
    """The trace types (``scatter``, ``sankey`` ...) used by plotly figures."""
    return {str(t.type or "scatter") for f in figures for t in f.data}


def bundle_fits(types: Iterable[str]) -> bool:
    """Whether the vendored build draws these trace types for the installed plotly package
    (same plotly.js major version, so the figure JSON follows the same schema)."""
    from plotly.offline import get_plotlyjs_version

    same_major = get_plotlyjs_version().split(".")[0] == BUNDLE_VERSION.split(".")[0]
    return same_major and set(types) <= BUNDLE_TRACES and BUNDLE_FILE.is_file()


def plotlyjs_gzip(types: Iterable[str]) -> tuple[bytes, str]:
    """gzip-compressed plotly.js for figures of these trace types, and what it is.

    Returns
    -------
    (bytes, str)
        The compressed script and a one-line description (version and build) for the page.
    """
    if bundle_fits(types):
        return BUNDLE_FILE.read_bytes(), f"plotly.js {BUNDLE_VERSION} partial build"
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    data = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return data, f"plotly.js {get_plotlyjs_version()} full build"


def figure_block(fig: Any, div_id: str, config: dict[str, Any]) -> str:
    """A chart placeholder and its figure JSON (drawn by :func:`loader_script`)."""
    height = fig.layout.height or 450
    spec = json.dumps({"id": div_id, "config": config})
    payload = fig.to_json().replace("</", "<\\/")  # never closes the script element early
    return (f"<div id='{html.escape(div_id)}' class='plotly-graph-div' "
            f"style='height:{int(height)}px;width:100%'></div>"
            f"<script type='application/json' class='plotly-figure' "
            f"data-spec='{html.escape(spec)}'>{payload}</script>")


_LOADER = """
(function(){
  function fail(msg){
    document.querySelectorAll('div.plotly-graph-div').forEach(function(d){
      d.innerHTML = "<p class='note'>Chart not drawn: " + msg + "</p>";});
  }
  function draw(){
    document.querySelectorAll('script.plotly-figure').forEach(function(s){
      var spec = JSON.parse(s.dataset.spec), fig = JSON.parse(s.textContent);
      Plotly.newPlot(spec.id, fig.data, fig.layout || {}, spec.config);
    });
  }
  if (typeof DecompressionStream === 'undefined') {
    fail('this browser cannot decompress the embedded plotting library '
         + '(DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+).');
    return;
  }
  var b = atob(document.getElementById('plotlyjs-gz').textContent.trim());
  var u = new Uint8Array(b.length);
  for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);
  var text = new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'));
  new Response(text).text().then(function(js){
    var el = document.createElement('script');
    el.textContent = js;
    document.head.appendChild(el);
    draw();
    document.body.dataset.chartsDrawn = 'yes';
  }).catch(function(e){ fail(String(e)); });
})();
"""


def loader_script(gz: bytes) -> str:
    """The page's plotly.js (base64 of ``gz``) and the script that unpacks it and draws the
    charts; put it at the end of the body."""
    b64 = base64.b64encode(gz).decode("ascii")
    return (f"<script type='application/octet-stream' id='plotlyjs-gz'>{b64}</script>"
            f"<script>{_LOADER}</script>")
