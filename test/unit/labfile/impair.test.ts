// The language of link impairment: durations, percentages, rates, targets, and `topology.impair`
// and an exercise's `impair` fault in a lab file, with errors at the line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../../src/core/errors.js';
import { describeImpairment, parseDuration, parsePercent, parseRate, readImpairment, resolveImpairTarget } from '../../../src/labfile/impair.js';
import { loadLab } from '../../../src/labfile/load.js';
import { pod, twoNodeLab } from '../../helpers/plan-fixtures.js';
import { summary } from '../../helpers/labfile-fixtures.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

describe('impairment values', () => {
  it('reads durations: ms, s, us, bare milliseconds', () => {
    expect(parseDuration('100ms')).toEqual({ value: 100 });
    expect(parseDuration('1s')).toEqual({ value: 1000 });
    expect(parseDuration('1.5s')).toEqual({ value: 1500 });
    expect(parseDuration('250us')).toEqual({ value: 0.25 });
    expect(parseDuration(20)).toEqual({ value: 20 });
    expect(parseDuration('0ms')).toEqual({ value: 0 });
    expect(parseDuration('fast')).toMatchObject({ error: 'delay "fast" is not a time' });
    expect(parseDuration('10 min')).toMatchObject({ error: 'delay "10 min" is not a time' });
    expect(parseDuration('-5ms')).toMatchObject({ error: 'delay "-5ms" is not a time' });
    expect(parseDuration('2m', 'jitter')).toMatchObject({ error: 'jitter "2m" is not a time' });
    expect(parseDuration('61s')).toMatchObject({ error: 'delay "61s" is out of range', hint: expect.stringContaining('at most 60s') });
  });

  it('reads percentages, with or without %', () => {
    expect(parsePercent('5%')).toEqual({ value: 5 });
    expect(parsePercent('0.5%')).toEqual({ value: 0.5 });
    expect(parsePercent('100%')).toEqual({ value: 100 });
    expect(parsePercent(12)).toEqual({ value: 12 });
    expect(parsePercent('101%')).toMatchObject({ error: 'loss "101%" is more than 100%' });
    expect(parsePercent('half')).toMatchObject({ error: 'loss "half" is not a percentage' });
  });

  it("reads rates in tc's units: bits and bytes per second", () => {
    expect(parseRate('10mbit')).toEqual({ value: 10_000_000 });
    expect(parseRate('512kbit')).toEqual({ value: 512_000 });
    expect(parseRate('1gbit')).toEqual({ value: 1_000_000_000 });
    expect(parseRate('1.5Mbit')).toEqual({ value: 1_500_000 });
    expect(parseRate('100kbps')).toEqual({ value: 800_000 });
    expect(parseRate('10')).toMatchObject({ error: 'rate "10" is not a rate', hint: expect.stringContaining('10mbit') });
    expect(parseRate('10mb')).toMatchObject({ error: 'rate "10mb" is not a rate' });
    expect(parseRate('100bit')).toMatchObject({ error: 'rate "100bit" is too slow' });
  });

  it('reads an impairment whole: at least one value, jitter only with a delay', () => {
    expect(readImpairment({ delay: '100ms', jitter: '20ms', loss: '5%', rate: '10mbit' })).toEqual({
      value: { delayMs: 100, jitterMs: 20, lossPercent: 5, rateBitsPerSecond: 10_000_000 },
    });
    expect(readImpairment({})).toMatchObject({ error: 'an impairment needs at least one of delay, jitter, loss or rate' });
    expect(readImpairment({ jitter: '10ms' })).toMatchObject({ error: 'jitter spreads the delay: it needs a delay', field: 'jitter' });
    expect(readImpairment({ delay: '1s', loss: 'lots' })).toMatchObject({ error: 'loss "lots" is not a percentage', field: 'loss' });
    expect(describeImpairment({ delayMs: 200, jitterMs: 20, lossPercent: 5, rateBitsPerSecond: 10_000_000 })).toBe('delay 200ms ±20ms, loss 5%, rate 10mbit');
    expect(describeImpairment({ delayMs: 1000 })).toBe('delay 1s');
  });
});

describe('impairment targets', () => {
  const lab = twoNodeLab([pod('client', { nodeName: 'node1' })]);

  it('names a part (eth0 by default, or another interface), a pod, or a link', () => {
    expect(resolveImpairTarget(lab, 'node1')).toEqual({ value: { kind: 'part', part: { kind: 'node', name: 'node1' }, iface: 'eth0' } });
    expect(resolveImpairTarget(lab, 'node2:cbr0')).toEqual({ value: { kind: 'part', part: { kind: 'node', name: 'node2' }, iface: 'cbr0' } });
    expect(resolveImpairTarget(lab, 'router')).toEqual({ value: { kind: 'part', part: { kind: 'router' }, iface: 'eth0' } });
    expect(resolveImpairTarget(lab, 'client')).toEqual({ value: { kind: 'part', part: { kind: 'pod', namespace: 'default', name: 'client' }, iface: 'eth0' } });
    expect(resolveImpairTarget(lab, 'node1--router')).toEqual({ value: { kind: 'link', a: { kind: 'node', name: 'node1' }, b: { kind: 'router' } } });
  });

  it('refuses what has no interface to impair, with the fix', () => {
    expect(resolveImpairTarget(lab, 'node3')).toMatchObject({ error: expect.stringContaining('node3') });
    expect(resolveImpairTarget(lab, 'client:cbr0')).toEqual({ error: 'pod client has one interface, eth0 (not cbr0)', hint: 'write client' });
    expect(resolveImpairTarget(lab, 'node1:bad/name')).toMatchObject({ error: '"bad/name" is not an interface name' });
    expect(resolveImpairTarget(lab, 'node1--client')).toMatchObject({ error: 'link node1--client: client is a pod; links join nodes and the router' });
    expect(resolveImpairTarget(lab, 'node1--node1')).toMatchObject({ error: 'link node1--node1 joins node1 to itself' });
    expect(resolveImpairTarget(lab, 'node1--')).toMatchObject({ error: 'link "node1--" must name two parts' });
    expect(resolveImpairTarget(twoNodeLab([], 'direct'), 'router')).toMatchObject({ error: 'this lab has no router (topology.routing is direct)' });
  });
});

describe('impair in a lab file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-impair-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problems = async (file: string) => {
    try {
      await loadLab(file);
    } catch (err) {
      if (err instanceof LabFileError) return summary(err.problems);
      throw err;
    }
    throw new Error('loaded');
  };
  const head = `name: imp
topology:
  nodes: [{ name: node1 }, { name: node2 }]
  impair:
`;
  const workloads = `workloads:
  - { apiVersion: v1, kind: Pod, metadata: { name: client }, spec: { containers: [{ name: app, image: netlab/app }] } }
`;

  it('reads topology.impair into the model', async () => {
    const { lab } = await loadLab(
      write(
        'good.yaml',
        `${head}    - { target: node1, delay: 100ms, loss: 5% }\n    - { target: node1--router, delay: 20ms, jitter: 5ms }\n    - { target: client, rate: 1mbit }\n${workloads}`,
      ),
    );
    expect(lab.topology.impair?.map((i) => [i.target, i.impairment, i.at.line])).toEqual([
      ['node1', { delayMs: 100, lossPercent: 5 }, 5],
      ['node1--router', { delayMs: 20, jitterMs: 5 }, 6],
      ['client', { rateBitsPerSecond: 1_000_000 }, 7],
    ]);
  });

  it('says what is wrong with a value at its line', async () => {
    const file = write('bad-values.yaml', `${head}    - { target: node1, delay: soon }\n    - { target: node2, jitter: 5ms }\n${workloads}`);
    expect(await problems(file)).toEqual([
      ['5:31', 'delay "soon" is not a time', 'write a time such as 100ms or 1s (a bare number is milliseconds), at most 60s'],
      ['6:32', 'jitter spreads the delay: it needs a delay', 'write delay too, e.g. delay: 100ms, jitter: 20ms (each packet waits 80-120 ms)'],
    ]);
  });

  it('says what is wrong with a target at its line', async () => {
    const file = write(
      'bad-targets.yaml',
      `${head}    - { target: node3, loss: 5% }\n    - { target: node1--router, rate: 10mbit }\n    - { target: node1, loss: 1% }\n    - { target: node1, delay: 1s }\n${workloads}`,
    );
    expect(await problems(file)).toEqual([
      ['5:17', 'impair target node3: no pod or node named "node3"', 'did you mean "node1"?'],
      [
        '6:17',
        'impair target node1--router: rate shapes a whole interface (tbf), not a link',
        "impair an end's interface with rate (target: node1), and the link with delay, jitter and loss",
      ],
      ['8:17', expect.stringMatching(/^node1 is impaired twice \(first at .*:7:17\)$/), 'write one entry per target, with all its values'],
    ]);
  });

  it('takes an impair fault in an exercise and checks its target', async () => {
    const exercise = (target: string) => `name: imp
topology:
  nodes: [{ name: node1 }, { name: node2 }]
${workloads}checks:
  - { name: reach, from: client, to: node2, probe: ping, maxMs: 300 }
exercises:
  - id: lossy
    title: { en: t, ko: t }
    instructions: { en: i, ko: i }
    hints: [{ en: h, ko: h }]
    faults:
      - impair: { target: ${target}, loss: 100% }
    checks: [reach]
    solution: ["netlab impair {lab} ${target} --clear"]
`;
    const { lab } = await loadLab(write('ex.yaml', exercise('node1--router')));
    expect(lab.exercises[0]!.faults).toEqual([{ kind: 'impair', target: 'node1--router', impairment: { lossPercent: 100 }, at: expect.anything() }]);
    expect(lab.checks[0]!.maxMs).toBe(300);
    expect(await problems(write('ex-bad.yaml', exercise('node9')))).toEqual([
      ['14:27', 'impair target node9: no pod or node named "node9"', 'did you mean "node1"?'],
    ]);
  });

  it('takes maxMs only on http, tcp and ping checks', async () => {
    const file = write(
      'maxms.yaml',
      `name: imp\n${workloads}checks:\n  - { name: a, from: client, to: node1, probe: traceroute, maxMs: 100 }\n  - { name: b, from: client, to: node1, probe: ping, maxMs: -1 }\n`,
    );
    expect(await problems(file)).toEqual([
      ['5:60', '`maxMs` only applies to http, tcp and ping checks, and this is a traceroute check', 'remove maxMs, or use probe: http, tcp or ping'],
      ['6:61', expect.stringContaining('maxMs'), expect.anything()],
    ]);
  });
});
