#!/usr/bin/env python3
"""Whole-build benchmark: Broadsheet side by side with the floor and Hugo.

usage: benches/whole_build.py [--articles N] [--large N] [--runs R]
                              [--work DIR] [--binary PATH] [--no-hugo] [--verbose]

Builds one deterministic synthetic corpus (the benchmark kit's make-corpus, in
<repo>/../shared/bench) and measures, in each of R rounds, alternating:

  floor            the kit's floor binary on the corpus (parse every snapshot
                   and sanitize every body on all cores, writing nothing)
  hugo             Hugo on the same articles as a Hugo site (HTML pages only)
  broadsheet cold  `broadsheet build` with an empty --cache-dir
  broadsheet warm  `broadsheet build` into the cold run's output, with the
                   cache that run filled and ONE snapshot changed (a
                   different title edit each round): an editor's first
                   rebuild, which has no spare site yet and links every
                   unchanged page into a new tree
  broadsheet rebuild  the same once more, the snapshot edited again: the
                   editor's next rebuilds, which stage in the spare site

Each command runs under `/usr/bin/time -f '%e %U %S %M'`: wall seconds,
user+sys CPU seconds and peak resident memory (KB; shown as MB = 1024 KB).
Rows show medians over the rounds (--verbose also prints every run).

Then, once: the last rebuild's site is built again with a fresh, empty
cache and the two output trees are compared file by file (names and bytes),
and, unless --large 0, one cold build of a larger corpus measures how the
build scales (skipped when the disk has too little free space), next to the
floor on that corpus: how the unavoidable work itself grows on the machine.

No measured run follows a mass deletion: outputs to clear are moved into
<work>/trash and deleted after the last run (see Trash for why). Every cold
command (floor, hugo, broadsheet cold, the large floor and build) starts
from the same memory state: the page cache is emptied (as root; otherwise a
note says so) and only the command's program and inputs are read back in. A warm build and
a rebuild follow the build before them as they would on an editor's machine.

The table and the raw numbers are also written to <work>/results.json.
Corpora (corpus-N/) and Hugo sites (hugo-N/) are cached in <work> keyed by
article count, so a second run does not regenerate them; delete them to force
it. Targets are set for the default sizes (10000 and 100000 articles); at
other sizes the large-build ratio target is scaled (1.1 x the size ratio) and
the others are indicative. A missed target does not fail the run.

Exit status: 0 when everything ran (targets met or not), 1 when a command
failed (its stderr tail is printed), 2 for bad arguments, 3 when the cold and
warm outputs differ.

Python 3.11 standard library only; needs GNU time (/usr/bin/time) and cargo.
"""
import argparse
import filecmp
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KIT = REPO.parent / "shared" / "bench"
TIME = "/usr/bin/time"
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
SITE_YAML = "title: Bench digest\nbase_url: https://bench.example/\n"
# Free disk the large build needs: at least 10 GB per 100,000 articles, and at
# least the corpus (about 31 KB an article, unless cached) plus the site (about
# 70 KB an article at 1,000 articles: 2,409 files, 69 MB) plus 2 GB headroom.
LARGE_DISK_GB_PER_100K = 10.0
CORPUS_KB_PER_ARTICLE, OUTPUT_KB_PER_ARTICLE, HEADROOM_GB = 31, 75, 2.0
MB = 1024  # KB per MB for peak memory (GNU time reports KB)


class BenchError(Exception):
    """A step failed; the message says which and why."""


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def tail(path, lines=25):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    rows = text.rstrip("\n").splitlines()[-lines:]
    return "\n".join("    " + r for r in rows) if rows else "    (empty)"


class Runner:
    """Runs commands with their output in <work>/logs/, failing clearly."""

    def __init__(self, work):
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.cache_drop_error = None

    def reset_page_cache(self, program, inputs):
        """Empties the page cache (when allowed) and reads `program` and
        `inputs` into it. What an earlier command left cached (a
        100,000-article build writes 10 GB) otherwise has to be reclaimed
        while the next one runs: the same 100,000-article build took 68 s
        with 20 GB of memory free and 72 s with 10 GB (5 s more kernel
        time)."""
        try:
            DROP_CACHES.write_text("1\n")
        except OSError as exc:
            self.cache_drop_error = f"page cache not emptied before cold commands ({DROP_CACHES}: {exc.strerror})"
        warm_page_cache(shutil.which(str(program)) or program, *inputs)

    def run(self, cmd, name, cwd=None, env=None, shown=None):
        out, err = self.logs / f"{name}.stdout", self.logs / f"{name}.stderr"
        with open(out, "wb") as o, open(err, "wb") as e:
            try:
                rc = subprocess.run([str(c) for c in cmd], stdout=o, stderr=e, cwd=cwd, env=env).returncode
            except OSError as exc:
                raise BenchError(f"cannot run {cmd[0]}: {exc}") from None
        if rc != 0:
            raise BenchError(
                f"command failed (exit {rc}): {' '.join(map(str, shown or cmd))}\n"
                f"  stderr tail ({err}):\n{tail(err)}")
        return out

    def timed(self, cmd, name, inputs=None, cwd=None):
        """One measured run: {'wall', 'user', 'sys', 'cpu', 'peak_kb'}. With
        `inputs` (paths), a cold command: the page cache holds only those and
        the program when it starts."""
        tfile = self.logs / f"{name}.time"
        tfile.unlink(missing_ok=True)
        # Every measured command starts with nothing left to write back: the
        # one before it (Hugo writes a gigabyte) would otherwise be flushed
        # while it runs.
        os.sync()
        if inputs is not None:
            self.reset_page_cache(cmd[0], inputs)
        self.run([TIME, "-f", "%e %U %S %M", "-o", tfile, *cmd], name, cwd=cwd, shown=cmd)
        try:
            wall, user, sys_, peak = tfile.read_text().strip().splitlines()[-1].split()
            m = {"wall": float(wall), "user": float(user), "sys": float(sys_), "peak_kb": int(peak)}
        except (OSError, ValueError) as exc:
            raise BenchError(f"cannot parse {tfile} from {TIME}: {exc}") from None
        m["cpu"] = round(m["user"] + m["sys"], 2)
        return m


# ---------------------------------------------------------------- inputs

def file_sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cached_dir(path, stamp, make):
    """Returns `path`, made by make(tmp) into a temporary dir and renamed into
    place, unless it already exists with the same stamp."""
    stamp_file = path.parent / f"{path.name}.stamp"
    if path.is_dir() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return False
    tmp = path.parent / f"{path.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)
    stamp_file.unlink(missing_ok=True)
    make(tmp)
    tmp.rename(path)
    stamp_file.write_text(stamp)
    return True


class Trash:
    """Deletes outputs only after the last measured run. Creating files right
    after deleting many is several times slower on this machine's ext4: a
    file system without a journal skips, when it allocates an inode, every
    inode freed in the last 60 s (360 s while the freed inode's block is not
    yet written back; fs/ext4/ialloc.c, recently_deleted), reading each one,
    and an editor's CI build on a fresh clone does not pay that. So an output
    to clear is renamed into <work>/trash (instant) and the trash is emptied
    at the end; what an earlier run left there is emptied (and synced) first,
    and the first measured run waits until that deletion is DELETE_SETTLE_S
    old: the kernel's longest window, as syncing does not keep the next
    build's new inodes from dirtying the freed ones' blocks again. Seen on
    100,000-article builds after the deletion of a run's outputs: started
    2.3 minutes after it, 18% of the build's samples (31 CPU s) were that
    scan; 2.4 minutes after, 10 s of it; 4.5 minutes after, none."""

    DELETE_SETTLE_S = 370

    def __init__(self, work):
        self.dir = work / "trash"
        # When the last run emptied its trash (a 100,000-article site is
        # 250,000 inodes): a run started right after waits for it too.
        self.stamp = work / "trash.emptied"
        self.count = 0
        self.emptied_at = None
        try:
            age = time.time() - float(self.stamp.read_text())
            if 0 <= age < self.DELETE_SETTLE_S:
                self.emptied_at = time.monotonic() - age
        except (OSError, ValueError):
            pass
        if self.dir.exists():
            self.empty()
        self.dir.mkdir(parents=True, exist_ok=True)

    def discard(self, path):
        if path.exists():
            self.count += 1
            path.rename(self.dir / f"{self.count:04}-{path.name}")

    def empty(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.sync()  # Freed inodes in blocks no build dirties again count for 60 s only.
        self.emptied_at = time.monotonic()
        self.stamp.write_text(f"{time.time()}\n")

    def settle(self):
        """Waits until the last emptying is DELETE_SETTLE_S old."""
        if self.emptied_at is not None:
            wait = self.DELETE_SETTLE_S - (time.monotonic() - self.emptied_at)
            if wait > 0:
                log(f"waiting {wait:.0f} s for the deletion of earlier outputs to settle")
                time.sleep(wait)
            self.emptied_at = None


def corpus(runner, work, n):
    path = work / f"corpus-{n}"
    tool = KIT / "make-corpus"
    t0 = time.monotonic()
    made = cached_dir(path, f"make-corpus {file_sha(tool)} --articles {n}\n",
                      lambda tmp: runner.run([sys.executable, tool, "--articles", n, "--out", tmp],
                                             f"make-corpus-{n}"))
    if made:
        log(f"generated {path} in {time.monotonic() - t0:.0f} s")
    else:
        log(f"using cached {path}")
    return path


def hugo_site(runner, work, n, corpus_dir):
    path = work / f"hugo-{n}"
    tool = KIT / "hugo-site.py"
    stamp = f"hugo-site {file_sha(tool)} {(work / f'corpus-{n}.stamp').read_text()}"
    if cached_dir(path, stamp, lambda tmp: runner.run([sys.executable, tool, corpus_dir, tmp], f"hugo-site-{n}")):
        log(f"generated {path}")
    else:
        log(f"using cached {path}")
    return path


def snapshots(corpus_dir):
    return sorted(p for p in corpus_dir.iterdir() if p.is_file())


def corpus_bytes(corpus_dir):
    return sum(p.stat().st_size for p in snapshots(corpus_dir))


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def broadsheet_site(work, n, corpus_dir):
    """<work>/site-N: site.yaml plus content/feeds/ hard-linked to the corpus
    (made afresh every time, so an edit of an earlier run is undone)."""
    site = work / f"site-{n}"
    content = site / "content"
    shutil.rmtree(content / "feeds", ignore_errors=True)
    (content / "feeds").mkdir(parents=True)
    (content / "site.yaml").write_text(SITE_YAML)
    for p in snapshots(corpus_dir):
        link_or_copy(p, content / "feeds" / p.name)
    return site


def edit_snapshot(corpus_dir, site, round_no):
    """Rewrites one snapshot of the site (the 8th, feed-007 at 10k articles)
    with the title of its first item suffixed by ` [edit R]`, as a NEW file:
    the site's copy is a hard link into the cached corpus, which must not
    change. Each round's edit differs, so each warm build sees one changed
    snapshot. Returns the file name."""
    files = snapshots(corpus_dir)
    src = files[min(7, len(files) - 1)]
    text = src.read_text(encoding="utf-8")
    suffix = f" [edit {round_no}]"
    if src.suffix == ".json":
        feed = json.loads(text)
        feed["items"][0]["title"] += suffix
        new = json.dumps(feed, indent=1, ensure_ascii=False) + "\n"
    else:
        starts = [i for i in (text.find("<item>"), text.find("<entry>")) if i != -1]
        at = text.find("</title>", text.find("<title>", min(starts))) if starts else -1
        if at == -1:
            raise BenchError(f"no item title to edit in {src}")
        new = text[:at] + suffix + text[at:]
    dst = site / "content" / "feeds" / src.name
    dst.unlink()
    dst.write_text(new, encoding="utf-8")
    return src.name


def warm_page_cache(*paths):
    """Reads the inputs (files, or every file under a directory), untimed,
    so that no measured command pays for reading them from disk."""
    for p in paths:
        files = [p] if os.path.isfile(p) else (
            os.path.join(root, f) for root, _, names in os.walk(p) for f in names)
        for f in files:
            with open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass


# ---------------------------------------------------------------- tools

def build_floor(runner, work):
    target = work / "floor-target"
    log(f"building the floor into {target}")
    runner.run(["cargo", "build", "--release", "--manifest-path", KIT / "floor" / "Cargo.toml",
                "--target-dir", target], "cargo-floor", cwd=REPO)
    return target / "release" / "floor"


def build_broadsheet(runner, binary):
    if binary:
        b = Path(binary).resolve()
        if not (b.is_file() and os.access(b, os.X_OK)):
            raise BenchError(f"--binary {binary}: not an executable file")
        return b
    log("building broadsheet (cargo build --release --locked)")
    runner.run(["cargo", "build", "--release", "--locked"], "cargo-broadsheet", cwd=REPO)
    meta = runner.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], "cargo-metadata", cwd=REPO)
    target = Path(json.loads(meta.read_text())["target_directory"])  # honours CARGO_TARGET_DIR
    return target / "release" / "broadsheet"


def has_cache_dir(runner, binary):
    out = runner.run([binary, "build", "--help"], "broadsheet-build-help")
    return "--cache-dir" in out.read_text(errors="replace")


def memory_policies():
    """What this machine's kernel does with idle and free memory, as far as
    it changes a long build: DAMON schemes that page out what has not been
    touched for a while, and free page reporting (memory handed back to the
    host, slow to touch again). Empty where neither is set up."""
    found = {}
    damon = Path("/sys/kernel/mm/damon/admin/kdamonds")
    for scheme in sorted(damon.glob("*/contexts/*/schemes/*")):
        try:
            if (scheme.parents[3] / "state").read_text().strip() != "on":
                continue
            ctx = scheme.parents[1]
            aggr_s = int((ctx / "monitoring_attrs/intervals/aggr_us").read_text()) / 1e6
            min_age = int((scheme / "access_pattern/age/min").read_text())
            found.setdefault("damon", []).append(
                {"action": (scheme / "action").read_text().strip(),
                 "idle_s": round(min_age * aggr_s, 1)})
        except (OSError, ValueError):
            continue
    reporting = Path("/sys/module/page_reporting/parameters")
    if reporting.is_dir():
        found["page_reporting"] = {f.name: f.read_text().strip() for f in sorted(reporting.iterdir())
                                   if f.name not in ("reported_kib", "passes", "walked")}  # counters
    return found


def find_hugo(notes):
    hugo = shutil.which("hugo")
    if hugo:
        return hugo
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("hugo is missing: apt-get install -y hugo")
        for cmd in (["apt-get", "install", "-y", "hugo"], ["apt-get", "update"], ["apt-get", "install", "-y", "hugo"]):
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode == 0 and shutil.which("hugo"):
                return shutil.which("hugo")
        notes.append(f"hugo: `apt-get install -y hugo` failed ({r.stderr.strip()[-200:]}); Hugo's row skipped")
        return None
    notes.append("hugo: not installed; install it with `sudo apt-get install -y hugo` (Debian); Hugo's row skipped")
    return None


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


# ---------------------------------------------------------------- compare

def tree(root):
    """{relative path: kind} of everything under root."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirs:
            out[os.path.normpath(os.path.join(rel, d))] = "dir"
        for f in files:
            out[os.path.normpath(os.path.join(rel, f))] = "file"
    return out


def compare_trees(a, b):
    """(number of files, list of differences)."""
    ta, tb = tree(a), tree(b)
    diffs = [f"only in {a.name}: {p}" for p in sorted(ta.keys() - tb.keys())]
    diffs += [f"only in {b.name}: {p}" for p in sorted(tb.keys() - ta.keys())]
    for p in sorted(ta.keys() & tb.keys()):
        if ta[p] != tb[p]:
            diffs.append(f"{p}: a {ta[p]} in one, a {tb[p]} in the other")
        elif ta[p] == "file" and not filecmp.cmp(a / p, b / p, shallow=False):
            diffs.append(f"bytes differ: {p}")
    return sum(1 for k in ta.values() if k == "file"), diffs


# ---------------------------------------------------------------- report

def summarize(runs):
    if not runs:
        return None
    return {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "user", "sys", "peak_kb")}


def fmt_row(label, med, skip_note):
    if med is None:
        return f"{label:<24}{'(' + skip_note + ')' if skip_note else '(skipped)'}"
    return f"{label:<24}{med['wall']:>6.2f}  {med['cpu']:>6.2f}  {med['peak_kb'] / MB:>8.0f}"


def fmt_mb(kb):
    mb = kb / MB
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def ratio_line(label, value, shown, target_text, ok):
    verdict = "n/a" if value is None else ("ok" if ok else "MISSED")
    shown = "-" if value is None else shown
    return f"  {label:<30}{shown:<9}({target_text}){' ' * max(1, 19 - len(target_text))}{verdict}"


def main():
    paras = __doc__.split("\n\n")
    ap = argparse.ArgumentParser(description="\n\n".join(paras[:1] + paras[2:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10000, metavar="N", help="articles in the main corpus (default 10000)")
    ap.add_argument("--large", type=int, default=100000, metavar="N",
                    help="articles in the large corpus, built once cold (default 100000; 0 skips it)")
    ap.add_argument("--runs", type=int, default=3, metavar="R", help="rounds; rows show medians (default 3)")
    ap.add_argument("--work", type=Path, default=REPO / "target" / "bench", metavar="DIR",
                    help="work dir: cached corpora, sites, outputs, logs, results.json (default <repo>/target/bench)")
    ap.add_argument("--binary", type=Path, metavar="PATH",
                    help="broadsheet binary to measure (default: cargo build --release --locked, then "
                         "<target dir>/release/broadsheet; CARGO_TARGET_DIR is honoured)")
    ap.add_argument("--no-hugo", action="store_true", help="skip Hugo's row (it is the slowest)")
    ap.add_argument("--verbose", action="store_true", help="also print every run of every row")
    args = ap.parse_args()
    if args.articles < 1 or args.runs < 1 or args.large < 0:
        ap.error("--articles and --runs must be at least 1, --large at least 0")
    try:
        return bench(args)
    except BenchError as exc:
        print(f"whole_build: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("whole_build: interrupted", file=sys.stderr)
        return 130


def bench(args):
    if not KIT.is_dir():
        raise BenchError(f"the benchmark kit is not at {KIT} (clone the repo with ../shared beside it)")
    if not os.access(TIME, os.X_OK):
        raise BenchError(f"{TIME} (GNU time) is missing: apt-get install -y time")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(work)
    trash = Trash(work)
    notes = []
    n = args.articles

    # Tools and inputs (none of this is measured).
    binary = build_broadsheet(runner, args.binary)
    warm_ok = has_cache_dir(runner, binary)
    if not warm_ok:
        notes.append("broadsheet: `build --help` has no --cache-dir; warm row and the cold/warm output check skipped")
    floor = build_floor(runner, work)
    hugo = None if args.no_hugo else find_hugo(notes)
    if args.no_hugo:
        notes.append("hugo: skipped (--no-hugo)")
    corpus_dir = corpus(runner, work, n)
    hsite = hugo_site(runner, work, n, corpus_dir) if hugo else None
    site = broadsheet_site(work, n, corpus_dir)
    nsnap, nbytes = len(snapshots(corpus_dir)), corpus_bytes(corpus_dir)

    outs = work / f"out-{n}"  # every output in its own parent: staging dirs go beside the output
    cache = work / f"cache-{n}"
    out_dir = {k: outs / k / "public" for k in ("hugo", "cold", "check")}
    for d in out_dir.values():
        d.parent.mkdir(parents=True, exist_ok=True)

    def bs_cmd(site_dir, out, cache_dir):
        cmd = [binary, "build", "--quiet", "--root", site_dir, "--output", out]
        return cmd + (["--cache-dir", cache_dir] if warm_ok else [])

    rows = {"floor": [], "hugo": [], "broadsheet cold": [], "broadsheet warm": [], "broadsheet rebuild": []}
    trash.settle()
    edited = None
    for r in range(1, args.runs + 1):
        log(f"round {r}/{args.runs}: floor")
        rows["floor"].append(runner.timed([floor, corpus_dir], f"floor-{n}-r{r}", inputs=[corpus_dir]))
        if hugo:
            log(f"round {r}/{args.runs}: hugo")
            trash.discard(out_dir["hugo"])
            rows["hugo"].append(runner.timed([hugo, "--source", hsite, "--quiet", "--destination", out_dir["hugo"]],
                                             f"hugo-{n}-r{r}", inputs=[hsite]))
        log(f"round {r}/{args.runs}: broadsheet cold")
        trash.discard(cache)
        # The whole parent: the output and the spare an incremental build
        # keeps beside it (.public.spare), so nothing of an earlier build is reused.
        trash.discard(out_dir["cold"].parent)
        out_dir["cold"].parent.mkdir(parents=True)
        rows["broadsheet cold"].append(runner.timed(bs_cmd(site, out_dir["cold"], cache), f"broadsheet-cold-{n}-r{r}",
                                                    inputs=[site]))
        if warm_ok:
            edited = edit_snapshot(corpus_dir, site, r)
            log(f"round {r}/{args.runs}: broadsheet warm ({edited} changed)")
            # An editor's rebuild: the same output as the cold build, which
            # is still in place, and the cache that build filled.
            rows["broadsheet warm"].append(runner.timed(bs_cmd(site, out_dir["cold"], cache),
                                                        f"broadsheet-warm-{n}-r{r}"))
            # The editor's next rebuild, another snapshot edit later: the
            # site the warm build replaced is now the spare it stages in.
            edited = edit_snapshot(corpus_dir, site, f"{r}b")
            log(f"round {r}/{args.runs}: broadsheet rebuild ({edited} changed again)")
            rows["broadsheet rebuild"].append(runner.timed(bs_cmd(site, out_dir["cold"], cache),
                                                           f"broadsheet-rebuild-{n}-r{r}"))

    identical = None
    if warm_ok:
        log("cold/warm check: the last rebuild's site again, with an empty cache")
        fresh_cache = work / f"cache-{n}-check"
        trash.discard(fresh_cache)
        trash.discard(out_dir["check"])
        runner.run(bs_cmd(site, out_dir["check"], fresh_cache), f"broadsheet-check-{n}")
        nfiles, diffs = compare_trees(out_dir["cold"], out_dir["check"])
        identical = {"identical": not diffs, "files": nfiles, "differences": diffs[:50],
                     "warm": str(out_dir["cold"]), "fresh": str(out_dir["check"]), "edited": edited}
        trash.discard(fresh_cache)

    large = None
    if args.large > 0:
        large = large_build(runner, work, args.large, bs_cmd, floor, notes, trash)
    trash.empty()
    if runner.cache_drop_error:
        notes.append(runner.cache_drop_error)

    # Report.
    med = {k: summarize(v) for k, v in rows.items()}
    skip = {"hugo": "skipped: see notes" if not hugo else "",
            "broadsheet warm": "skipped: no --cache-dir" if not warm_ok else "",
            "broadsheet rebuild": "skipped: no --cache-dir" if not warm_ok else ""}
    lines = [f"corpus: {n} articles, {nsnap} snapshots, {nbytes / 1e6:.0f} MB      (machine: {os.cpu_count()} cores)",
             f"{'':<24}{'wall s':>6}  {'cpu s':>6}  {'peak MB':>8}"]
    for k in rows:
        lines.append(fmt_row(k, med[k], skip.get(k)))
    if args.large > 0:
        skipped = large.get("skipped", "") if large else ""
        lines.append(fmt_row(f"floor {args.large}", large.get("floor") if large else None, skipped))
        lines.append(fmt_row(f"broadsheet {args.large} cold", large.get("run") if large else None, skipped))

    cold, floor_m, hugo_m, warm_m = med["broadsheet cold"], med["floor"], med["hugo"], med["broadsheet warm"]
    ratios = []

    def add(key, label, value, shown, target_text, ok):
        ratios.append({"name": key, "value": value, "target": target_text,
                       "ok": None if value is None else bool(ok)})
        lines.append(ratio_line(label, value, shown, target_text, ok))

    lines.append("ratios and targets:")
    v = cold["cpu"] / floor_m["cpu"] if floor_m["cpu"] > 0 else None
    add("cold_cpu_over_floor_cpu", "cold cpu / floor cpu", v, f"{v:.2f}" if v is not None else "", "target <= 1.3", v is not None and v <= 1.3)
    v = cold["wall"] / hugo_m["wall"] if hugo_m and hugo_m["wall"] > 0 else None
    add("cold_wall_over_hugo_wall", "cold wall / hugo wall", v, f"{v:.2f}" if v is not None else "", "target <= 0.25", v is not None and v <= 0.25)
    v = cold["peak_kb"]
    add("cold_peak_kb", f"cold peak ({n})", v, fmt_mb(v), "target < 200 MB", v < 200 * MB)
    v = warm_m["wall"] / cold["wall"] if warm_m and cold["wall"] > 0 else None
    add("warm_wall_over_cold_wall", "warm wall / cold wall", v, f"{v:.2f}" if v is not None else "", "target <= 0.15",
        v is not None and v <= 0.15)
    rebuild_m = med["broadsheet rebuild"]
    v = rebuild_m["wall"] / cold["wall"] if rebuild_m and cold["wall"] > 0 else None
    add("rebuild_wall_over_cold_wall", "rebuild wall / cold wall", v, f"{v:.2f}" if v is not None else "",
        "target <= 0.15", v is not None and v <= 0.15)
    if args.large > 0:
        run = large.get("run") if large else None
        limit = round(1.1 * args.large / n, 2)
        v = run["wall"] / cold["wall"] if run and cold["wall"] > 0 else None
        add("large_wall_over_cold_wall", f"{args.large} wall / {n} wall", v, f"{v:.2f}" if v is not None else "",
            f"target <= {limit:g}", v is not None and v <= limit)
        v = run["peak_kb"] if run else None
        add("large_peak_kb", f"{args.large} peak", v, fmt_mb(v) if v is not None else "", "target < 1 GB",
            v is not None and v < 1024 * MB)
        # Context, not a target: how the floor's own time grows on this
        # machine between the two corpora.
        large_floor = large.get("floor") if large else None
        if large_floor and floor_m and floor_m["wall"] > 0:
            lines.append(f"  (floor {args.large} wall / floor {n} wall  {large_floor['wall'] / floor_m['wall']:.2f}, "
                         f"cpu {large_floor['cpu'] / floor_m['cpu']:.2f}: the unavoidable work's own growth here)")
    if identical:
        lines.append(f"cold and warm outputs identical: {'yes' if identical['identical'] else 'no'} "
                     f"({identical['files']} files)")
        for d in identical["differences"][:10]:
            lines.append(f"  {d}")
    policies = memory_policies()
    for scheme in policies.get("damon", []):
        if scheme["action"] == "pageout":
            notes.append(f"this machine pages out memory idle for {scheme['idle_s']:g} s (DAMON): a build that "
                         "runs longer reads back from disk some of what it read or wrote earlier")
    if (n, args.large) not in ((10000, 100000), (10000, 0)):
        notes.append("targets are set for --articles 10000 --large 100000; at other sizes they are indicative "
                     "(the large ratio's target is 1.1 x the size ratio)")
    lines += [f"note: {x}" for x in notes]
    verbose = []
    for k, runs in list(rows.items()) + ([(f"floor {args.large}", [large["floor"]]),
                                          (f"broadsheet {args.large} cold", [large["run"]])]
                                         if large and large.get("run") else []):
        if runs:
            verbose.append(f"{k}: " + "; ".join(f"{x['wall']:.2f} s wall, {x['cpu']:.2f} cpu s, "
                                                  f"{x['peak_kb'] / MB:.0f} MB" for x in runs))
    table = "\n".join(lines)
    print(table)
    if args.verbose:
        print("runs:")
        print("\n".join("  " + v for v in verbose))

    results = {
        "table": table,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "memory_policies": policies},
        "versions": {"broadsheet": version([binary, "--version"]), "broadsheet_binary": str(binary),
                     "git": version(["git", "-C", REPO, "describe", "--always", "--dirty"]),
                     "hugo": version([hugo, "version"]) if hugo else None},
        "args": {"articles": n, "large": args.large, "runs": args.runs, "work": str(work)},
        "corpus": {"articles": n, "snapshots": nsnap, "bytes": nbytes, "dir": str(corpus_dir)},
        "runs": rows,
        "medians": med,
        "large": large,
        "ratios": ratios,
        "cold_warm_identical": identical,
        "notes": notes,
    }
    (work / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    log(f"results in {work / 'results.json'}; logs in {runner.logs}")
    if identical and not identical["identical"]:
        print(f"whole_build: error: the warm build's output differs from a fresh build's "
              f"({len(identical['differences'])} difference(s)): compare {identical['warm']} with {identical['fresh']}",
              file=sys.stderr)
        return 3
    return 0


def large_build(runner, work, n, bs_cmd, floor, notes, trash):
    """One cold build of an n-article corpus, and the floor on it (how the
    unavoidable work itself grows on this machine); {'run': ..., 'floor':
    ...} or {'skipped': why}."""
    corpus_cached = (work / f"corpus-{n}").is_dir() and (work / f"corpus-{n}.stamp").is_file()
    estimate = ((0 if corpus_cached else CORPUS_KB_PER_ARTICLE) + OUTPUT_KB_PER_ARTICLE) * n / 1e6 + HEADROOM_GB
    need = max(LARGE_DISK_GB_PER_100K * n / 100000, estimate)
    free = shutil.disk_usage(work).free / 1e9
    if free < need:
        why = f"{free:.1f} GB free in {work}, {need:.0f} GB needed"
        notes.append(f"large build skipped: {why}")
        log(f"large build skipped: {why}")
        return {"skipped": f"skipped: {free:.0f} GB free, needs {need:.0f}"}
    if not corpus_cached:
        log(f"generating the {n}-article corpus (not measured; slow at 100k)")
    corpus_dir = corpus(runner, work, n)
    site = broadsheet_site(work, n, corpus_dir)
    out = work / f"out-{n}" / "cold" / "public"
    cache = work / f"cache-{n}"
    out.parent.mkdir(parents=True, exist_ok=True)
    trash.discard(out)
    trash.discard(cache)
    log(f"large: floor at {n} articles")
    floor_run = runner.timed([floor, corpus_dir], f"floor-{n}", inputs=[corpus_dir])
    log(f"large: broadsheet cold at {n} articles")
    run = runner.timed(bs_cmd(site, out, cache), f"broadsheet-cold-{n}", inputs=[site])
    # The large output and cache can take gigabytes: drop them (with the
    # trash, at the end), keep the corpus.
    trash.discard(out)
    trash.discard(cache)
    return {"run": run, "floor": floor_run, "articles": n, "snapshots": len(snapshots(corpus_dir)),
            "bytes": corpus_bytes(corpus_dir), "disk_free_gb": round(free, 1)}


if __name__ == "__main__":
    sys.exit(main())
