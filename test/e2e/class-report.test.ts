// The class report in a real browser (Debian's chromium, driven by playwright-core): what an
// instructor sees, with every network request blocked and none attempted. No Docker needed;
// it is an e2e file because it needs the browser.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassGrade } from '../../src/checks/class-grade.js';
import { formatClassHtml } from '../../src/checks/class-report.js';
import { CHECK_NAMES, classGrade, DNS_DIAGNOSIS, FIXTURE_PASS_RATES } from '../helpers/class-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-class-report-'));
let browser: Browser;

/** Opens `html` from a file at 1280 px; every request but the file's own is aborted and recorded. */
async function open(name: string, html: string): Promise<{ page: Page; url: string; requested: string[]; blocked: string[] }> {
  const file = join(dir, name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requested: string[] = [];
  const blocked: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  await page.route('**', (route) => {
    if (route.request().url() === url) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, url, requested, blocked };
}

const CHROMIUM = '/usr/bin/chromium';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`This test needs Debian's chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it).`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

describe('the class report in chromium', () => {
  let view: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    view = await open('report.html', formatClassHtml(classGrade()));
  });

  it('loads nothing but the page itself', () => {
    expect(view.requested).toEqual([view.url]);
    expect(view.blocked).toEqual([]);
  });

  it('shows the header: lab, exercise, when, class score and full marks', async () => {
    const header = await view.page.locator('header').textContent();
    expect(header).toContain('pod-to-service');
    expect(header).toContain('exercise 2');
    expect(header).toContain('2026-11-27 14:40 UTC');
    // alice 9 + bob 6 + carol 6 + erin 5 + frank 9 of 5 × 9 (dave was not graded).
    expect(header).toMatch(/class score\s*35\/45\s*77%/i);
    expect(header).toMatch(/full marks\s*2\s*of 6 students/i);
    expect(header).toMatch(/not graded\s*1/i);
  });

  it('shows the grid: students by name, checks in lab order, a mark per cell titled with the check', async () => {
    const heads = await view.page.$$eval('table.grid thead th.check', (ths) => ths.map((th) => th.getAttribute('title')));
    expect(heads).toEqual([...CHECK_NAMES]);
    const rows = await view.page.$$eval('table.grid tbody tr', (trs) =>
      trs.map((tr) => ({
        student: tr.querySelector('th a')?.textContent,
        score: tr.querySelector('td.score')?.textContent,
        marks: [...tr.querySelectorAll('td.cell')].map((td) => td.textContent).join(''),
        titles: [...tr.querySelectorAll('td.cell')].map((td) => td.getAttribute('title')),
        error: tr.querySelector('td.error')?.textContent,
      })),
    );
    expect(rows.map((r) => r.student)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    expect(rows.map((r) => r.marks)).toEqual(['✓✓✓✓✓✓✓✓', '✓✓✓✗✓✗✓!', '✓✓✗✓⊘✓✓✓', '', '✓✓✗✓⊘✓✗✓', '✓✓✓✓✓✓✓✓']);
    expect(rows.map((r) => r.score)).toEqual(['9/9', '6/9', '6/9', '–', '5/9', '9/9']);
    expect(rows[3]!.error).toMatch(/^not graded: lab pod-to-service-dave is not up on netlab-d2/);
    expect(rows[2]!.titles[4]).toBe('client reaches service-test by name: blocked by "CoreDNS answers service-test"');
    expect(rows[1]!.titles[3]).toMatch(/^client reaches service-test by ClusterIP: failed: timed out after 1000ms/);
    // The colours say it too: a failed cell is red on pink, a passed one green.
    // (Page-side code as text: the tests type-check without the DOM's globals.)
    const [pass, fail] = await view.page.evaluate<string[]>(
      "[...document.querySelectorAll('table.grid tbody tr:nth-child(2) td.cell')].filter((_, i) => i === 0 || i === 3).map((td) => getComputedStyle(td).color)",
    );
    expect(pass).toBe('rgb(26, 127, 55)');
    expect(fail).toBe('rgb(207, 34, 46)');
  });

  it('shows every check’s pass rate as text beside its bar', async () => {
    const rates = await view.page.$$eval('svg.chart text.value', (ts) => ts.map((t) => t.textContent));
    expect(rates).toEqual(FIXTURE_PASS_RATES);
    // The chart is drawn: each bar's passed part is as long as its rate.
    const widths = await view.page.evaluate<number[]>(
      "[...document.querySelectorAll('svg.chart g.rate')].map((g) => g.querySelector('rect[fill=\"#2da44e\"]').getBBox().width)",
    );
    // (960 user units drawn 960 px wide: the page has room for the whole chart.)
    expect(widths.map((w) => Math.round(w))).toEqual([440, 440, 264, 352, 264, 352, 352, 352]);
  });

  it('shows each student’s failed checks with what was seen and the diagnosis', async () => {
    const carol = view.page.locator('#students article', { hasText: 'carol' });
    expect(await carol.getByText(DNS_DIAGNOSIS).isVisible()).toBe(true);
    // Every diagnosis is on screen (bob's two, carol's, erin's two), none hidden or clipped away.
    const whys = view.page.locator('#students .why');
    expect(await whys.count()).toBe(5);
    for (const why of await whys.all()) expect(await why.isVisible()).toBe(true);
    expect(await carol.textContent()).toContain('NXDOMAIN for service-test.default.svc.cluster.local');
    expect(await carol.textContent()).toContain('kubectl get endpoints service-test');
    const bob = await view.page.locator('#students article', { hasText: 'bob' }).textContent();
    expect(bob).toContain("node1's KUBE-SERVICES has no rule for 10.3.241.152:80");
    expect(bob).toContain('The ClusterIP should answer');
    expect(await view.page.locator('#students article', { hasText: 'dave' }).textContent()).toContain('is not up on netlab-d2');
    // Students with every check passed are listed, not given a section.
    expect(await view.page.locator('#students .clean').textContent()).toBe('Every check passed: alice, frank');
    // The name in the grid leads to the student's section.
    await view.page.locator('table.grid a', { hasText: 'erin' }).click();
    expect(await view.page.locator(':target h3 .name').textContent()).toBe('erin');
    expect(await view.page.locator(':target').isVisible()).toBe(true);
  });

  it('fits 1280 px without scrolling sideways, and is saved as a screenshot', async () => {
    const [scroll, client] = await view.page.$eval('html', (h) => [h.scrollWidth, h.clientWidth]);
    expect(scroll).toBeLessThanOrEqual(client);
    const grid = await view.page.$eval('div.scroll', (d) => [d.scrollWidth, d.clientWidth]);
    expect(grid[0]).toBeLessThanOrEqual(grid[1]!);
    await view.page.mouse.move(0, 0);
    await view.page.$eval('html', (h) => h.scrollTo(0, 0));
    const png = join(dir, 'class-report.png');
    await view.page.screenshot({ path: png, fullPage: true });
    console.log(`class report screenshot: ${png}`);
  });
});

describe('untrusted values in the report', () => {
  it('are shown as text: no element, no script, no request comes from them', async () => {
    const hostile = '<img src="http://203.0.113.9/x.png"><script>document.title="owned"</script>';
    const g: ClassGrade = classGrade();
    const bob = g.students.find((s) => s.student === 'bob')!;
    bob.student = `bob ${hostile} "quoted" 'single'`;
    bob.checks[3] = { ...bob.checks[3]!, name: `${bob.checks[3]!.name} ${hostile}`, detail: `</p></li>${hostile}`, diagnosis: `" onmouseover="x" ${hostile}` };
    const { page, url, requested, blocked } = await open('hostile.html', formatClassHtml(g));
    expect(requested).toEqual([url]);
    expect(blocked).toEqual([]);
    expect(await page.title()).toBe('pod-to-service · exercise 2 · netlab class report');
    expect(await page.$$eval('body img, body script', (els) => els.length)).toBe(0);
    expect(await page.locator('table.grid tbody th a').nth(1).textContent()).toBe(bob.student);
    expect(await page.locator('#students').textContent()).toContain(`" onmouseover="x" ${hostile}`);
  });

  it('the blocking is real: a page that does ask the network is seen asking', async () => {
    const { url, requested, blocked } = await open('asks.html', '<!doctype html><img src="http://203.0.113.9/x.png">');
    expect(requested).toEqual([url, 'http://203.0.113.9/x.png']);
    expect(blocked).toEqual(['http://203.0.113.9/x.png']);
  });
});
