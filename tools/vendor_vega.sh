#!/usr/bin/env bash
# Regenerates book/_static/vega-bundle.js: vega + vega-lite + vega-embed (UMD builds, BSD-3-Clause)
# from the npm registry, in one file because Jupyter Book 1 adds every *.js under _static/ to every
# page in file-system order. Run it by hand when Altair's expected versions change
# (altair.vegalite.v6.display.VEGA_VERSION etc.); the build itself never downloads anything.
set -euo pipefail
VEGA=${VEGA:-6.4.0}; VEGALITE=${VEGALITE:-6.4.1}; EMBED=${EMBED:-7.3.0}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "vega@$VEGA" "vega-lite@$VEGALITE" "vega-embed@$EMBED" >/dev/null
for pkg in vega-$VEGA vega-lite-$VEGALITE vega-embed-$EMBED; do mkdir "$pkg"; tar xzf "$pkg.tgz" -C "$pkg" --strip-components 1; done
out="$top/book/_static/vega-bundle.js"
{
  echo "/*! talks2022 vendored chart bundle: vega $VEGA, vega-lite $VEGALITE, vega-embed $EMBED (BSD-3-Clause, see vega-LICENSE.txt). */"
  # Hide AMD/CommonJS so the UMD builds attach to window even if a page loads require.js.
  echo "(function(define, module, exports){"
  cat "vega-$VEGA/build/vega.min.js"; echo ";"
  cat "vega-lite-$VEGALITE/build/vega-lite.min.js"; echo ";"
  cat "vega-embed-$EMBED/build/vega-embed.min.js"; echo ";"
  echo "}).call(window, undefined, undefined, undefined);"
} | sed '/^\/\/# sourceMappingURL=/d' > "$out"
{
  for pkg in vega-$VEGA vega-lite-$VEGALITE vega-embed-$EMBED; do echo "== $pkg =="; cat "$pkg/LICENSE"; echo; done
} > "$top/book/_static/vega-LICENSE.txt"
echo "wrote $out ($(wc -c < "$out") bytes)"
