// Step results as the toolbox's agent gives them, for judging probes without a lab.
import type { StepResult } from '../../src/core/toolbox-request.js';

/** A step that ran: what it printed on stdout (and stderr), how it exited. */
export function ran(stdout: string, exitCode = 0, stderr = ''): StepResult {
  return { exitCode, stdout, stderr, ms: 1 };
}

/** A step that failed, saying why on stderr only. */
export function said(stderr: string, exitCode = 1): StepResult {
  return ran('', exitCode, stderr);
}
