#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's fixtures, then (with an
# argument) runs every target for that many seconds:
#   bash fuzz/seed.sh            # seed only
#   bash fuzz/seed.sh 1800       # seed, then run every target for 30 minutes
# It needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
# The ingest target treats a panic the build catches (inside feed-rs or
# quick-xml, say) as handled input, as a build does; after the first one
# libFuzzer would never report another. To find and triage each new kind,
# run with BROADSHEET_FUZZ_ABORT_ON_CAUGHT_PANIC=1: then such a panic aborts
# like any other and leaves its input in fuzz/artifacts/ingest/.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/ingest corpus/sanitize corpus/slug_url
# Snapshots: the hostile and broken fixtures, the seed feeds, the hostile site.
cp ../tests/fixtures/snapshots/*.* ../content/feeds/*.xml ../tests/fixtures/sites/hostile/content/feeds/* corpus/ingest/
rm -f corpus/ingest/README.md
# Bodies: every body of those snapshots, plus each hostile body of
# tests/hostile.rs (its TECHNIQUES table, read from the Rust source).
python3 - <<'PY'
import glob, html, re

def snapshot_bodies(text):
    pattern = r"<(description|content:encoded|content|summary)\b[^>]*>(.*?)</\1>"
    for _, body in re.findall(pattern, text, re.S):
        cdata = re.fullmatch(r"\s*<!\[CDATA\[(.*)\]\]>\s*", body, re.S)
        yield cdata.group(1) if cdata else html.unescape(body)

def rust_string(literal):
    """The value of a Rust string literal, "..." or r#"..."#."""
    raw = re.fullmatch(r'r(#*)"(.*)"\1', literal, re.S)
    if raw:
        return raw.group(2)
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
    def unescape(m):
        e = m.group(1)
        if e[0] == "u":
            return chr(int(e[2:-1], 16))
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0] == "\n":
            return ""
        return escapes[e]
    return re.sub(r'\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|\n\s*|.)', unescape, literal[1:-1], flags=re.S)

n = 0
def write(body):
    global n
    open(f"corpus/sanitize/seed-{n:03}.html", "w", encoding="utf-8").write(body)
    n += 1

snapshots = glob.glob("../content/feeds/*.xml") + glob.glob("../tests/fixtures/sites/hostile/content/feeds/*") \
    + glob.glob("../tests/fixtures/snapshots/*.*")
for path in sorted(snapshots):
    text = open(path, encoding="utf-8", errors="replace").read()
    for body in snapshot_bodies(text):
        write(body)
from_snapshots = n

source = open("../tests/hostile.rs", encoding="utf-8").read()
techniques = re.search(r"^const TECHNIQUES.*?^\];", source, re.S | re.M).group(0)
# ("name", body): a raw string ends at the first quote followed by its hashes.
pair = r'\(\s*"(?:[^"\\]|\\.)*"\s*,\s*(?P<body>r(?P<hashes>#*)".*?"(?P=hashes)|"(?:[^"\\]|\\.)*")\s*,?\s*\)'
pairs = [m.group("body") for m in re.finditer(pair, techniques, re.S)]
assert pairs, "no hostile body found in tests/hostile.rs: has TECHNIQUES changed shape?"
for body in pairs:
    write(rust_string(body))
print(f"sanitize corpus: {from_snapshots} bodies from snapshots, {len(pairs)} from tests/hostile.rs")

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
