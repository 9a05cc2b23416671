// Helpers for the browser checks: build a site with the real binary, serve
// it on localhost, open pages in Debian's Chromium and collect everything a
// reader would notice going wrong. The tests are in *.test.mjs beside this.

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { parse as parseToml } from 'smol-toml';

const require = createRequire(import.meta.url);

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/// Where screenshots go: beside cargo's build output, so they are ignored by git.
export const SCREENSHOT_DIR = path.join(
  process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, 'target'),
  'screenshots',
);

/// Chromium from Debian (installed by .ci/run), never a downloaded browser.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/// The widths every page is checked at: a small phone and a laptop.
export const WIDTHS = [375, 1280];
export const SCHEMES = ['light', 'dark'];

/// A fresh temporary directory, removed when the process exits.
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `broadsheet-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/// Builds the site at `root` into `output` with `broadsheet build` (through
/// cargo, so CARGO_TARGET_DIR and an up-to-date release binary are honoured).
export function buildSite(root, output) {
  const run = spawnSync(
    'cargo',
    ['run', '--locked', '--release', '--quiet', '--', 'build', '--quiet', '--root', root, '--output', output],
    { cwd: REPO, encoding: 'utf8' },
  );
  if (run.status !== 0) {
    throw new Error(`broadsheet build --root ${root} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return run.stdout.trim();
}

/// Builds the site at `root` into a temp dir and serves it (`serve`'s
/// options pass through): `{ name, dir, summary, pages, url, close }`.
export async function buildAndServe(name, root, serveOptions = {}) {
  const dir = path.join(tempDir(name), 'public');
  const summary = buildSite(root, dir);
  const server = await serve(dir, serveOptions);
  return { name, dir, summary, pages: htmlPages(dir), ...server };
}

/// Every HTML file under `dir`, as site paths (`/`, `/tags/rust/`, `/404.html`).
export function htmlPages(dir) {
  const pages = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.html')) pages.push(`/${child}`.replace(/(^|\/)index\.html$/, '$1'));
    }
  };
  walk('');
  return pages.sort();
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/// Serves `dir` on a free localhost port the way a static host does:
/// `/x/` is `/x/index.html`, `/x` redirects to `/x/` when that is a
/// directory, anything else is the site's `/404.html` with status 404.
/// `headers(urlPath)` gives extra response headers (for example the ones a
/// netlify.toml declares). Resolves to `{ url, close }`.
export function serve(dir, { headers = () => ({}) } = {}) {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const send = (status, file, extra = {}) => {
      const body = file ? fs.readFileSync(file) : '';
      const type = file ? CONTENT_TYPES[path.extname(file)] || 'application/octet-stream' : 'text/plain';
      res.writeHead(status, { 'content-type': type, ...headers(urlPath), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    let file = path.join(root, urlPath);
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, null);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      if (!urlPath.endsWith('/')) return send(301, null, { location: `${urlPath}/` });
      file = path.join(file, 'index.html');
    }
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return send(200, file);
    const notFound = path.join(root, '404.html');
    return send(404, fs.existsSync(notFound) ? notFound : null);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/// The response headers a `netlify.toml` declares, as `serve`'s `headers`
/// option: every `[[headers]]` table whose `for` pattern matches the request
/// path applies, in file order, as Netlify does (`*` matches anything,
/// also `/`; `:name` one path segment).
export function netlifyHeaders(tomlFile) {
  const config = parseToml(fs.readFileSync(tomlFile, 'utf8'));
  const rules = (config.headers || []).map((rule) => {
    const pattern = rule.for
      .split(/(\*|:[A-Za-z_]+)/)
      .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { regex: new RegExp(`^${pattern}$`), values: rule.values };
  });
  if (rules.length === 0) throw new Error(`${tomlFile} declares no [[headers]]`);
  // Lower-case names, so a declared Content-Type replaces the server's own.
  return (urlPath) =>
    Object.fromEntries(
      rules
        .filter((r) => r.regex.test(urlPath))
        .flatMap((r) => Object.entries(r.values))
        .map(([name, value]) => [name.toLowerCase(), value]),
    );
}

export function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  }
  // playwright gives every launch a fresh, empty profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/// A grey 1200×600 stand-in for images on other hosts: the machine has no
/// network, and a large image also checks that bodies never overflow.
const PLACEHOLDER_IMAGE = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="600"><rect width="1200" height="600" fill="#9aa3ad"/></svg>`;

/// A browser context at `width` px in `scheme` (light or dark). Requests to
/// other hosts never leave the machine: images get a placeholder, anything
/// else an empty 204, and each is recorded in `context.external` so a test
/// can assert that a page asks other hosts for images only.
export async function openContext(browser, { width, scheme }) {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    colorScheme: scheme,
    reducedMotion: 'reduce',
  });
  context.external = [];
  // What the page's Content-Security-Policy refused; read by openPage's
  // `problems` (an init script is not itself subject to the policy).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
    });
  });
  await context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
    (route) => {
      const request = route.request();
      context.external.push({ url: request.url(), type: request.resourceType() });
      if (request.resourceType() === 'image') {
        return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PLACEHOLDER_IMAGE });
      }
      return route.fulfill({ status: 204, body: '' });
    },
  );
  return context;
}

/// Opens `url` in a new page of `context` and records, from then on, what a
/// reader would notice: console errors, uncaught exceptions, failed or
/// erroneous requests, dialogs (which are dismissed) and navigations away
/// from the page. Returns `{ page, problems, cdp }`; `problems` keeps filling
/// while the page stays open.
export async function openPage(context, url, { expectStatus = 200 } = {}) {
  const page = await context.newPage();
  const problems = { console: [], exceptions: [], requests: [], dialogs: [], navigations: [], frames: [] };
  page.on('console', (m) => {
    // Chromium logs every error status, also the one the test asked for.
    const expected = m.location().url === url && m.text().includes(`status of ${expectStatus}`);
    if (m.type() === 'error' && !expected) problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.exceptions.push(String(e)));
  page.on('requestfailed', (r) => problems.requests.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    const expected = r.url() === url ? expectStatus : 200;
    if (r.status() !== expected && r.status() !== 204) problems.requests.push(`${r.url()}: HTTP ${r.status()}`);
  });
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('frameattached', (f) => problems.frames.push(f.url() || '(new frame)'));
  const response = await page.goto(url, { waitUntil: 'load' });
  if (response.status() !== expectStatus) problems.requests.push(`${url}: HTTP ${response.status()}`);
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) problems.navigations.push(f.url());
  });
  const cdp = await context.newCDPSession(page);
  return { page, problems, cdp };
}

/// Content-Security-Policy violations seen on the page so far (the policy
/// comes from the server's headers; see netlifyHeaders).
export function cspViolations(cdp) {
  return evaluate(cdp, 'window.__cspViolations || []');
}

/// The problems that were recorded, as a list of lines (empty when none).
export function problemLines(problems) {
  return Object.entries(problems).flatMap(([kind, list]) => list.map((p) => `${kind}: ${p}`));
}

/// Evaluates `expression` in the page through the DevTools protocol, which a
/// page's Content-Security-Policy does not restrict (a strict policy forbids
/// the inline scripts and eval that page.addScriptTag would need).
export async function evaluate(cdp, expression) {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    expression,
    awaitPromise: true,
    returnByValue: true,
  });
  if (exceptionDetails) {
    throw new Error(`in the page: ${exceptionDetails.exception?.description || exceptionDetails.text}`);
  }
  return result.value;
}

/// How far the page scrolls sideways, and the elements that stick out of
/// the viewport (code blocks and tables scroll inside their own box, so
/// their contents do not count).
export function horizontalOverflow(cdp) {
  return evaluate(
    cdp,
    `(() => {
      const root = document.documentElement;
      const width = root.clientWidth;
      const scrollsItself = (el) => /(auto|scroll|hidden)/.test(getComputedStyle(el).overflowX);
      const culprits = [];
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 0.5) continue;
        let clipped = false;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (scrollsItself(a)) { clipped = true; break; }
        }
        if (!clipped) {
          const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
          culprits.push(name + ' right=' + Math.round(r.right));
        }
      }
      return { overflow: root.scrollWidth - width, culprits: culprits.slice(0, 10) };
    })()`,
  );
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/// Runs axe-core on the page and returns its violations with impact
/// serious or critical, one line each with the nodes involved.
export async function seriousAxeViolations(cdp) {
  await evaluate(cdp, AXE_SOURCE);
  const violations = await evaluate(
    cdp,
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + (n.failureSummary ? ' (' + n.failureSummary.replace(/\\s+/g, ' ') + ')' : '')),
    })))`,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`);
}

/// Runs the Nu HTML Checker (vnu.jar, Java) over every HTML file under
/// `dir`; returns its errors, one line each with the file and line.
export function vnuErrors(dir) {
  const jar = require.resolve('vnu-jar/build/dist/vnu.jar');
  const run = spawnSync('java', ['-jar', jar, '--errors-only', '--skip-non-html', '--format', 'json', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`running java -jar vnu.jar: ${run.error.message} (is Java installed?)`);
  let report;
  try {
    report = JSON.parse(run.stderr || run.stdout);
  } catch {
    throw new Error(`vnu.jar printed no JSON report (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return report.messages
    .filter((m) => m.type === 'error' || m.subType === 'fatal')
    .map((m) => `${path.relative(dir, fileURLToPath(m.url))}:${m.lastLine ?? '?'}: ${m.message}`);
}

/// Saves a full-page screenshot as `<name>.png` under SCREENSHOT_DIR.
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/// Opens `pages` (label -> path) of `site` (from `buildAndServe`) at
/// `width` px in `scheme` and returns everything wrong: console errors,
/// failed requests, Content-Security-Policy violations, sideways scrolling,
/// serious or critical axe violations, requests to other hosts for anything
/// but images. With `shots`, saves a
/// screenshot of each page as `<site>-<label>-<width>-<scheme>.png`.
export async function auditPages(browser, site, pages, { width, scheme, shots = false }) {
  const context = await openContext(browser, { width, scheme });
  const failures = [];
  try {
    for (const [label, pagePath] of Object.entries(pages)) {
      const { page, problems, cdp } = await openPage(context, site.url + pagePath);
      const { overflow, culprits } = await horizontalOverflow(cdp);
      if (overflow > 0) failures.push(`${pagePath}: scrolls ${overflow} px sideways: ${culprits.join(', ')}`);
      for (const v of await seriousAxeViolations(cdp)) failures.push(`${pagePath}: axe ${v}`);
      if (shots) await screenshot(page, `${site.name}-${label}-${width}-${scheme}`);
      for (const v of await cspViolations(cdp)) failures.push(`${pagePath}: CSP ${v}`);
      for (const p of problemLines(problems)) failures.push(`${pagePath}: ${p}`);
      await page.close();
    }
    for (const r of context.external.filter((r) => r.type !== 'image')) {
      failures.push(`asked another host for a ${r.type}: ${r.url}`);
    }
  } finally {
    await context.close();
  }
  return failures;
}
