// Real-browser checks of built sites (run by .ci/run as `node --test tests/browser/`):
// the example digest in content/ and the hostile fixture site in
// tests/fixtures/sites/hostile/ are built with the real binary, served on
// localhost and opened in Debian's Chromium at 375 and 1280 px, light and
// dark. Every page must be valid HTML (Nu HTML Checker), and the pages a
// reader starts from must have no console error, no failed request, no
// horizontal scrolling and no serious or critical axe-core violation. No
// hostile input may open a dialog, navigate, or reach evil.example.

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
  evaluate,
  launchBrowser,
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

before(async () => {
  sites.example = await buildAndServe('example', REPO);

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
  sites.hostile = await buildAndServe('hostile', hostileRoot);

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

    test('every page at 375 px: no console error, failed request, overflow or serious axe violation', async () => {
      const pages = Object.fromEntries(sites[name].pages.map((p) => [p, p]));
      const failures = await auditPages(browser, sites[name], pages, { width: 375, scheme: 'light' });
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
          ...(el.tagName === 'SCRIPT' ? ['a <script> element'] : []),
          ...[...el.attributes]
            .filter((a) => a.name.startsWith('on') || /^\\s*(javascript|data|vbscript):/i.test(a.value))
            .map((a) => el.tagName.toLowerCase() + ' ' + a.name + '="' + a.value + '"'),
        ])`,
      );
      for (const u of unsafe) failures.push(`${pagePath}: ${u}`);
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
