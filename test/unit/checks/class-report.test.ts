import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassGrade, classTitle } from '../../../src/checks/class-grade.js';
import { formatClassHtml, htmlEscape } from '../../../src/checks/class-report.js';
import { CHECK_NAMES, classGrade, DNS_DIAGNOSIS, FIXTURE_PASS_RATES } from '../../helpers/class-fixtures.js';

/** The text of every match of `re`'s first group. */
const all = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => m[1]);

describe('formatClassHtml', () => {
  const html = formatClassHtml(classGrade());

  it('is one page that loads nothing: no script, no external reference, a CSP that forbids any', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(?!#)/);
    expect(html.length).toBeLessThan(40_000);
  });

  it('heads the page with the lab, exercise, time, class score and full marks', () => {
    expect(html).toContain('<title>pod-to-service · exercise 2 · netlab class report</title>');
    expect(html).toContain('<time datetime="2026-11-27T14:40:12.345Z">2026-11-27 14:40 UTC</time>');
    expect(html).toContain('<dt>class score</dt><dd>35/45 <small>77%</small></dd>');
    expect(html).toContain('<dt>full marks</dt><dd>2 <small>of 6 students</small></dd>');
    expect(html).toContain('<dt>not graded</dt><dd>1 <small>of 6</small></dd>');
  });

  it('puts students in name order and checks in the lab order, one marked cell per check', () => {
    expect(all(html, /<th scope="row"><a href="#s-\d+">([^<]*)<\/a>/g)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    expect(all(html, /<th class="check" scope="col" title="([^"]*)"/g)).toEqual([...CHECK_NAMES]);
    const bob = html.split('\n').find((l) => l.includes('>bob</a>'))!;
    expect(all(bob, /<td class="cell (\w+)"/g)).toEqual(['pass', 'pass', 'pass', 'fail', 'pass', 'fail', 'pass', 'warning']);
    expect(bob).toContain('<td class="score">6/9');
    const dave = html.split('\n').find((l) => l.includes('>dave</a>'))!;
    expect(dave).toContain('<td class="error" colspan="8">not graded: lab pod-to-service-dave is not up on netlab-d2');
  });

  it('takes the columns from the first student, then any check only others have; a missing one is marked', () => {
    const g = classGrade();
    const alice = g.students.find((s) => s.student === 'alice')!;
    const extra = { ...alice.checks[0]!, name: 'only bob has this' };
    g.students.find((s) => s.student === 'bob')!.checks.push(extra);
    alice.checks.reverse();
    const out = formatClassHtml(g);
    expect(all(out, /<th class="check" scope="col" title="([^"]*)"/g)).toEqual([...[...CHECK_NAMES].reverse(), 'only bob has this']);
    const carol = out.split('\n').find((l) => l.includes('>carol</a>'))!;
    expect(carol).toContain(`<td class="cell missing" title="only bob has this: not in this student&#39;s results">–</td>`);
  });

  it('charts every check’s pass rate with the numbers as text', () => {
    expect(all(html, /<text [^>]*class="value">([^<]*)<\/text>/g)).toEqual(FIXTURE_PASS_RATES);
    // CoreDNS: three of five passed, two failed: the bar is 3/5 and 2/5 of its 440 units.
    const dns = html.split('\n').find((l) => l.includes('<title>CoreDNS answers service-test</title>'))!;
    expect(all(dns, /<rect [^>]*width="([\d.]+)"[^>]*fill=/g)).toEqual(['264.0', '176.0']);
  });

  it('lists each failing student’s failed checks with detail, diagnosis and hint; clean students in one line', () => {
    const carol = html.slice(html.indexOf('<article class="student" id="s-3">'));
    expect(carol).toContain('first failing: <b>CoreDNS answers service-test</b> · 2 of 8 checks did not pass');
    expect(carol).toContain('NXDOMAIN for service-test.default.svc.cluster.local');
    expect(carol).toContain(`<p class="why"><b>why</b> ${htmlEscape(DNS_DIAGNOSIS)}</p>`);
    expect(carol).toContain('<p class="hint"><b>hint</b> kubectl get endpoints service-test</p>');
    expect(carol).toContain('not run: it needs “CoreDNS answers service-test”, which did not pass');
    expect(html).toContain('<article class="student errored" id="s-4">');
    expect(html).toContain('<b>Every check passed:</b> <a href="#s-1" id="s-1">alice</a>, <a href="#s-6" id="s-6">frank</a>');
    expect(html).not.toContain('id="s-1"><h3>');
  });

  it('escapes every value from the grade: names, details, diagnoses, contexts, the lab', () => {
    const evil = `<script>alert("x")</script>' onload='x' & "`;
    const g: ClassGrade = classGrade();
    g.class = `class${evil}`;
    g.lab = `lab${evil}`;
    g.exercise = evil;
    g.at = evil;
    for (const s of g.students) {
      s.student += evil;
      s.context += evil;
      s.lab += evil;
      if (s.error !== undefined) s.error += evil;
      s.checks = s.checks.map((c) => ({
        ...c,
        name: c.name + evil,
        from: evil,
        to: evil,
        expect: evil,
        detail: c.detail + evil,
        ...(c.blockedBy !== undefined ? { blockedBy: c.blockedBy + evil } : {}),
        ...(c.ok ? {} : { diagnosis: evil, hint: evil, message: evil }),
      }));
    }
    const out = formatClassHtml(g);
    expect(out).not.toContain('<script');
    expect(out).not.toContain("' onload='");
    expect(out).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
    // Every attribute value is quoted and holds no quote of its own.
    for (const tag of out.match(/<[a-z][^>]*>/g)!) expect(tag).toMatch(/^<[a-z0-9]+(\s+[a-z-]+(="[^"<>]*")?)*\s*\/?>$/i);
    expect(out).toContain(`alice${htmlEscape(evil)}`);
    expect(htmlEscape(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x&#39; &amp; &quot;');
  });

  it('says so of a student graded on no check (not "every check passed")', () => {
    const g = classGrade();
    const frank = g.students.find((s) => s.student === 'frank')!;
    frank.checks = [];
    frank.score = frank.maxScore = 0;
    const out = formatClassHtml(g);
    expect(out).toContain('<b>Every check passed:</b> <a href="#s-1" id="s-1">alice</a></p>');
    expect(out).toContain('<span class="name">frank</span> <span class="score">0/0</span>');
    expect(out).toContain('<p class="stuck">no check was graded</p>');
  });

  it('makes no markup of any text: the page has the same tags whatever the names and details say', () => {
    // Sorted: a name that sorts elsewhere moves its row, not the page's tags.
    const tagsOf = (html: string) => (html.match(/<\/?[a-z][a-z0-9]*/gi) ?? []).sort().join(' ');
    const attributes = /^<[a-z0-9]+(\s+[a-z-]+(="[^"<>]*")?)*\s*\/?>$/i;
    const shape = tagsOf(formatClassHtml(classGrade()));
    // Any text, and text made of what markup is made of.
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('<', '>', '/', '"', "'", '&', '=', ' ', 'a', 'b', 'script', 'img', '\n', '😀') }),
    );
    fc.assert(
      fc.property(text, text, text, (name, detail, diagnosis) => {
        const g = classGrade();
        const bob = g.students.find((s) => s.student === 'bob')!;
        bob.student = name;
        bob.checks[3] = { ...bob.checks[3]!, detail: `x${detail}`, diagnosis: `y${diagnosis}` };
        const out = formatClassHtml(g);
        expect(tagsOf(out)).toBe(shape);
        expect(out.match(/<[a-z][^>]*>/g)!.filter((t) => !attributes.test(t))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('names the lab beside a class named apart from it (class up --name), once when they are the same', () => {
    expect(classTitle({ class: 'week3', lab: 'pod-to-pod' })).toBe('week3 (lab pod-to-pod)');
    expect(classTitle({ class: 'pod-to-pod', lab: 'pod-to-pod' })).toBe('pod-to-pod');
    expect(classTitle({ class: 'week3' })).toBe('week3');
    const out = formatClassHtml({ ...classGrade(), class: 'week3' });
    expect(out).toContain('<title>week3 (lab pod-to-service) · exercise 2 · netlab class report</title>');
    expect(out).toContain('<h1>week3 (lab pod-to-service) <span class="ex">exercise 2</span></h1>');
  });

  it('shows a time it cannot read as given, and a class with no students as empty', () => {
    const out = formatClassHtml({ class: 'nodeport', at: 'yesterday', students: [] });
    expect(out).toContain('<time datetime="yesterday">yesterday</time>');
    expect(out).toContain('<dt>class score</dt><dd>0/0 <small>–</small></dd>');
    expect(out).toContain('No student failed a check.');
  });

  it('numbers the headers and lists the names under the grid when there are many checks', () => {
    const g = classGrade();
    for (const s of g.students) s.checks = Array.from({ length: 14 }, (_, i) => ({ ...s.checks[0]!, name: `check ${i}` }));
    const out = formatClassHtml(g);
    expect(out).toContain('<th class="check" scope="col" title="check 13"><span class="n">14</span></th>');
    expect(out).toContain('<ol class="names"><li>check 0</li>');
    expect(out).toContain('style="min-width:864px"');
  });
});
