#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's fixtures, then (with an
# argument) runs one target for that many seconds:
#   bash fuzz/seed.sh            # seed only
#   bash fuzz/seed.sh 1800       # seed, then run every target for 30 minutes
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/ingest corpus/sanitize corpus/slug_url
cp ../tests/fixtures/snapshots/*.* ../content/feeds/*.xml corpus/ingest/ 2>/dev/null || true
rm -f corpus/ingest/README.md
# Bodies: each seed article's HTML, plus the hostile inputs of the sanitizer tests.
python3 - <<'PY'
import glob, html, os, re
n = 0
for path in glob.glob("../content/feeds/*.xml"):
    for body in re.findall(r"<description>(.*?)</description>", open(path, encoding="utf-8").read(), re.S):
        open(f"corpus/sanitize/seed-{n:03}.html", "w").write(html.unescape(body)); n += 1
for path in glob.glob("../tests/fixtures/hostile/*.html"):
    open(f"corpus/sanitize/{os.path.basename(path)}", "w").write(open(path).read())
for i, s in enumerate(["c++", "C#", "日本語", "../../etc/passwd", "https://Blog.Example/Post/?utm_source=x#y", "javascript:alert(1)", "//evil.example/x", " \t", "a\nA\na-2"]):
    open(f"corpus/slug_url/seed-{i}", "w").write(s)
PY
if [ $# -gt 0 ]; then
  # cargo-fuzz sets RUSTFLAGS, which replaces .cargo/config.toml's flags; it
  # keeps what RUSTFLAGS already holds, so the cfg the crate needs goes there.
  export RUSTFLAGS="--cfg ammonia_unstable ${RUSTFLAGS:-}"
  for target in ingest sanitize slug_url; do
    cargo +nightly fuzz run -O "$target" "corpus/$target" -- -max_total_time="$1" -rss_limit_mb=4096 -timeout=10
  done
fi
