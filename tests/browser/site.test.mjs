// Real-browser checks of built sites (run by .ci/run as `node --test tests/browser/`):
// the example digest in content/ and the hostile fixture site in
// tests/fixtures/sites/hostile/ are built with the real binary, served on
// localhost and opened in Debian's Chromium at 375 and 1280 px, light and
// dark, with the response headers netlify.toml declares (its strict
// Content-Security-Policy among them). Every page must be valid HTML (Nu
// HTML Checker), and the pages a reader starts from must have no console
// error, no failed request, no CSP violation, no horizontal scrolling and no
// serious or critical axe-core violation. No hostile input may open a
// dialog, navigate, or reach evil.example. Search works in the browser.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  REPO,
  SCHEMES,
  SCREENSHOT_DIR,
  WIDTHS,
  auditPages,
  buildAndServe,
  cspViolations,
  evaluate,
  launchBrowser,
  netlifyHeaders,
  openContext,
  openPage,
  problemLines,
  tempDir,
  vnuErrors,
} from './harness.mjs';

/// Snapshots from tests/fixtures/snapshots/ that the hostile site adds to its own.
const HOSTILE_SNAPSHOTS = ['atom-xhtml.atom', 'cdata-script.xml', 'javascript-links.xml'];

/// The largest page under `prefix` (the most articles, or the longest body):
/// the one most likely to break the layout.
function largest(site, prefix) {
  const size = (p) => fs.statSync(path.join(site.dir, p, 'index.html')).size;
  const candidates = site.pages.filter((p) => p.startsWith(prefix) && p !== prefix && !p.includes('/page/'));
  assert.ok(candidates.length > 0, `${site.name} has no page under ${prefix}`);
  return candidates.reduce((best, p) => (size(p) > size(best) ? p : best));
}

/// The pages a reader starts from, by the name their screenshots get.
function keyPages(site) {
  const editions = site.pages.filter((p) => /^\/editions\/[^/]+\/$/.test(p)).sort();
  return {
    index: '/',
    article: largest(site, '/articles/'),
    tag: largest(site, '/tags/'),
    author: largest(site, '/authors/'),
    edition: editions[editions.length - 1],
  };
}

let browser;
const sites = {};
/// Served as Netlify would serve the site (see netlify.toml).
const HEADERS = { headers: netlifyHeaders(path.join(REPO, 'netlify.toml')) };

before(async () => {
  sites.example = await buildAndServe('example', REPO, HEADERS);

  const hostileRoot = tempDir('hostile-site');
  fs.cpSync(path.join(REPO, 'tests/fixtures/sites/hostile'), hostileRoot, { recursive: true });
  // The theme being worked on, not only the copy compiled into the binary.
  fs.cpSync(path.join(REPO, 'themes'), path.join(hostileRoot, 'themes'), { recursive: true });
  for (const snapshot of HOSTILE_SNAPSHOTS) {
    fs.copyFileSync(
      path.join(REPO, 'tests/fixtures/snapshots', snapshot),
      path.join(hostileRoot, 'content/feeds', snapshot),
    );
  }
  sites.hostile = await buildAndServe('hostile', hostileRoot, HEADERS);

  browser = await launchBrowser();
  fs.rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  console.log(`browser: Chromium ${browser.version()}`);
  console.log(`example digest: ${sites.example.summary}`);
  console.log(`hostile site: ${sites.hostile.summary}`);
  console.log(`screenshots: ${SCREENSHOT_DIR}`);
});

after(async () => {
  await browser?.close();
  for (const site of Object.values(sites)) await site.close();
});

for (const name of ['example', 'hostile']) {
  describe(`${name} site`, () => {
    test('every HTML page is valid (Nu HTML Checker)', () => {
      const errors = vnuErrors(sites[name].dir);
      assert.deepEqual(errors, [], `vnu found ${errors.length} errors:\n${errors.join('\n')}`);
    });

    for (const width of WIDTHS) {
      for (const scheme of SCHEMES) {
        test(`index, article, tag, author and edition at ${width} px, ${scheme}: no console error, failed request, overflow or serious axe violation`, async () => {
          const failures = await auditPages(browser, sites[name], keyPages(sites[name]), { width, scheme, shots: true });
          assert.deepEqual(failures, [], failures.join('\n'));
        });
      }
    }

    // The narrowest screen the theme supports, for every page.
    test('every page at 320 px: no console error, failed request, overflow or serious axe violation', async () => {
      const pages = Object.fromEntries(sites[name].pages.map((p) => [p, p]));
      const failures = await auditPages(browser, sites[name], pages, { width: 320, scheme: 'light' });
      assert.deepEqual(failures, [], failures.join('\n'));
    });
  });
}

test('a missing page is answered with the theme’s 404 page', async () => {
  const context = await openContext(browser, { width: 375, scheme: 'light' });
  try {
    const { page, problems } = await openPage(context, `${sites.example.url}/no/such/page/`, { expectStatus: 404 });
    assert.equal(await page.locator('h1').innerText(), 'Page not found');
    assert.deepEqual(problemLines(problems), []);
  } finally {
    await context.close();
  }
});

test('no hostile input runs script, opens a dialog, navigates or reaches evil.example', async () => {
  const site = sites.hostile;
  const context = await openContext(browser, { width: 375, scheme: 'light' });
  const failures = [];
  try {
    for (const pagePath of site.pages) {
      const { page, problems, cdp } = await openPage(context, site.url + pagePath);
      // What a reader does: tab through the page, point at everything, open
      // every disclosure; then wait past any refresh a <meta> could ask for.
      for (let i = 0; i < 60; i++) await page.keyboard.press('Tab');
      const boxes = await evaluate(
        cdp,
        `[...document.body.querySelectorAll('*')].slice(0, 400).map((el) => {
          el.scrollIntoView({ block: 'center' });
          const r = el.getBoundingClientRect();
          return [r.x + r.width / 2, r.y + r.height / 2];
        })`,
      );
      for (const [x, y] of boxes) await page.mouse.move(x, y);
      await evaluate(cdp, `document.querySelectorAll('details').forEach((d) => { d.open = !d.open; })`);
      await page.waitForTimeout(1500);
      const unsafe = await evaluate(
        cdp,
        `[...document.querySelectorAll('*')].flatMap((el) => [
          ...(el.tagName === 'SCRIPT' && !(location.pathname.endsWith('/search/') && (el.getAttribute('src') || '').startsWith('/search.') && !el.textContent) ? ['a <script> element'] : []),
          ...[...el.attributes]
            .filter((a) => a.name.startsWith('on') || /^\\s*(javascript|data|vbscript):/i.test(a.value))
            .map((a) => el.tagName.toLowerCase() + ' ' + a.name + '="' + a.value + '"'),
        ])`,
      );
      for (const u of unsafe) failures.push(`${pagePath}: ${u}`);
      for (const v of await cspViolations(cdp)) failures.push(`${pagePath}: CSP ${v}`);
      for (const p of problemLines(problems)) failures.push(`${pagePath}: ${p}`);
      await page.close();
    }
    for (const r of context.external) {
      if (new URL(r.url).hostname === 'evil.example' || r.type !== 'image') {
        failures.push(`asked another host for a ${r.type}: ${r.url}`);
      }
    }
  } finally {
    await context.close();
  }
  assert.ok(site.pages.length > 20, `the hostile site has only ${site.pages.length} pages`);
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('pages are served with netlify.toml’s headers, and the CSP is the strict one', async () => {
  const home = await fetch(`${sites.example.url}/`);
  const csp = home.headers.get('content-security-policy') || '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
  const css = fs.readdirSync(sites.example.dir).find((f) => /^style\.[0-9a-f]+\.css$/.test(f));
  assert.ok(css, 'no fingerprinted stylesheet in the output');
  const asset = await fetch(`${sites.example.url}/${css}`);
  assert.match(asset.headers.get('cache-control') || '', /immutable/);
});

describe('search', () => {
  const index = () => JSON.parse(fs.readFileSync(path.join(sites.example.dir, 'search-index.json'), 'utf8'));
  let context;
  before(async () => {
    context = await openContext(browser, { width: 375, scheme: 'light' });
  });
  after(async () => context?.close());

  /// Types `query` into the search page and returns the result links
  /// (text and path) once the status line reports the outcome.
  async function searchFor(page, query) {
    await page.locator('#search-input').fill(query);
    await page.waitForFunction((q) => document.getElementById('search-status').textContent.includes(`“${q}”`), query);
    return page.locator('#search-results li h2 a').evaluateAll((links) =>
      links.map((a) => ({ text: a.textContent, path: new URL(a.href).pathname })),
    );
  }

  test('a word from a title, an author and a tag find their articles; nonsense finds none; no CSP violation', async () => {
    const { articles, authors, tags, articles_path } = index();
    const { page, problems, cdp } = await openPage(context, `${sites.example.url}/search/`);
    assert.equal(await page.locator('#search-nojs').isVisible(), false, 'the no-JavaScript notice is still shown');

    // The longest word of the newest article's title.
    const [title, slug] = articles[0];
    const word = title.split(/[^\p{L}\p{N}]+/u).reduce((a, b) => (b.length > a.length ? b : a));
    const byTitle = await searchFor(page, word);
    assert.ok(byTitle.some((r) => r.path === `${articles_path}${slug}/` && r.text === title), `“${word}” did not find ${title}: ${JSON.stringify(byTitle)}`);
    assert.ok(byTitle.every((r) => r.path.startsWith(articles_path)));

    const author = authors[articles[0][4][0]];
    const byAuthor = await searchFor(page, author);
    const written = articles.filter((a) => a[4].some((i) => authors[i] === author)).length;
    assert.equal(byAuthor.length, Math.min(written, 50), `searching “${author}”`);

    const tag = tags[articles[0][5][0]];
    const byTag = await searchFor(page, tag);
    assert.ok(byTag.some((r) => r.path === `${articles_path}${slug}/`), `“${tag}” did not find ${title}`);

    assert.deepEqual(await searchFor(page, 'zqxjkvw'), []);
    assert.match(await page.locator('#search-status').innerText(), /No articles match/);

    // A result leads to its article page.
    await searchFor(page, word);
    await page.locator('#search-results li h2 a').first().click();
    await page.waitForURL(`**${articles_path}**`);
    assert.equal(await page.locator('h1').count(), 1);

    assert.deepEqual(await cspViolations(cdp), []);
    assert.deepEqual(problemLines(problems).filter((p) => !p.startsWith('navigations:')), []);
    await page.close();
  });

  test('a query in the address (?q=) is searched on arrival', async () => {
    const { articles } = index();
    const word = articles[0][0].split(/\s+/)[0];
    const { page, problems } = await openPage(context, `${sites.example.url}/search/?q=${encodeURIComponent(word)}`);
    await page.waitForFunction(() => document.querySelectorAll('#search-results li').length > 0);
    assert.equal(await page.locator('#search-input').inputValue(), word);
    assert.deepEqual(problemLines(problems), []);
    await page.close();
  });
});
