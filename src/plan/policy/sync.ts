// The policy engine's part of a node's sync, in the lab's proxy-mode family: iptables filter
// chains (iptables and userspace modes) or the `inet netlab-policy` table (nftables mode).
// It rides along kube-proxy's sync (withPolicies): its loads and reads join the same toolbox
// exec, and what both find left to do is loaded together. Pure.
import type { ProxyMode } from '../../core/proxy-modes.js';
import { type AgentStep, lastWords, type NamespaceRef, type StepResult } from '../../core/toolbox-request.js';
import type { NodeSync } from '../proxy/driver.js';
import { LOAD_TIMEOUT_MS, loadStep } from '../proxy/shared.js';
import { planNodePolicies } from './compile.js';
import { declaredPolicyChains, policyFix, policyRestore } from './iptables.js';
import { policyScript } from './nftables.js';
import type { PolicyInput } from './types.js';

const RESTORE: AgentStep['argv'] = ['iptables-restore', '-w', '--noflush'];

/** Does the mode's family write nftables (else iptables)? */
export const policyFamily = (mode: ProxyMode): 'iptables' | 'nftables' => (mode === 'nftables' ? 'nftables' : 'iptables');

/** One node's policy rules as agent steps. With no policy in the lab, what an earlier sync wrote is removed. */
export function policySync(mode: ProxyMode, input: PolicyInput, node: string, ref: NamespaceRef): NodeSync {
  const active = input.policies.length > 0;
  const plan = planNodePolicies(input, node);
  if (policyFamily(mode) === 'nftables') return { steps: [loadStep(ref, ['nft', '-f', '-'], policyScript(plan, active))], checks: [], after: () => [] };
  const rules = active ? policyRestore(plan) : '';
  const declared = declaredPolicyChains(rules);
  return {
    steps: active ? [loadStep(ref, RESTORE, rules)] : [],
    checks: [{ argv: ['iptables-save', '-t', 'filter'], netns: ref, timeoutMs: LOAD_TIMEOUT_MS }],
    after(results: StepResult[]): AgentStep[] {
      const r = results[0];
      if (!r) throw new Error('iptables-save -t filter gave no result');
      if (r.exitCode !== 0) throw new Error(`iptables-save -t filter failed: ${lastWords(r) || `exit code ${r.exitCode}`}`);
      const fix = policyFix(r.stdout, declared, active);
      return fix ? [loadStep(ref, RESTORE, fix)] : [];
    },
  };
}

/**
 * kube-proxy's sync and the policies' as one: steps and reads together; what is left, with
 * iptables-restore loads into one namespace merged in order (kube-proxy's first), so that the
 * policy jump it puts first in FORWARD stays ahead of kube-proxy's own jumps.
 */
export function withPolicies(kube: NodeSync, policy: NodeSync): NodeSync {
  const merged: NodeSync = {
    steps: [...kube.steps, ...policy.steps],
    checks: [...kube.checks, ...policy.checks],
    after(results: StepResult[]): AgentStep[] {
      const left = [...kube.after(results.slice(0, kube.checks.length)), ...policy.after(results.slice(kube.checks.length))];
      const out: AgentStep[] = [];
      for (const step of left) {
        const same = out.find((s) => s.argv.join(' ') === step.argv.join(' ') && s.argv[0] === 'iptables-restore' && s.netns?.pid === step.netns?.pid);
        if (same) same.stdin = `${same.stdin ?? ''}${step.stdin ?? ''}`;
        else out.push({ ...step });
      }
      return out;
    },
  };
  return kube.files ? { ...merged, files: kube.files } : merged;
}
