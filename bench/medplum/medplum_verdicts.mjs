// Medplum's verdicts for bench/medplum/compare-verdicts.py: reads file names from stdin (one a
// line), validates each with validateResource against base R4 and writes one JSON line per file:
//   {"file": …, "parse": null | "message", "exception": null | "message",
//    "issues": [{"severity", "expression", "text"}…]}
// Run with node --experimental-websocket (bench/medplum/medplum_load.mjs says why).
import { readFileSync } from 'node:fs';
import { loadMedplum, verdict } from './medplum_load.mjs';

const { core } = loadMedplum();
const names = readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
for (const file of names) {
  const out = { file, parse: null, exception: null, issues: [] };
  let resource;
  try {
    resource = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    out.parse = String(e.message);
  }
  if (out.parse === null) {
    const v = verdict(core, resource);
    out.exception = v.exception;
    out.issues = v.issues.map((i) => ({
      severity: i.severity,
      expression: (i.expression || []).join(', '),
      text: i.details?.text ?? i.diagnostics ?? '',
    }));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
