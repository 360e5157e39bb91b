#!/usr/bin/env node
// The bundled CLI when built (fast start-up), else the plain compiled modules.
import { existsSync, readFileSync } from 'node:fs';

// `netlab --version` answers without loading the CLI at all.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const bundled = new URL('../dist/bundle/main.js', import.meta.url);
  const { main } = await import(existsSync(bundled) ? bundled.href : '../dist/cli/main.js');
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err?.stack ?? String(err));
      process.exitCode = 70;
    },
  );
}
