// Medplum's side of bench/validator_compare.sh: validateResource over the given files round robin,
// the same files vft_bench_validator_compare validates in the same run.
//   node --experimental-websocket bench/medplum/medplum_bench.mjs [--seconds S] [--runs N] [--warmup S] FILE...
// Two modes, each N runs of S seconds after a warm-up (the JIT needs it): from the text
// (JSON.parse + validateResource, as vft validates text) and from pre-parsed objects
// (validateResource alone). Prints the median and best of the runs, wall clock and process CPU
// time (process.cpuUsage: every thread of node, garbage collector and compiler included).
import { readFileSync } from 'node:fs';
import { loadMedplum, verdict } from './medplum_load.mjs';

let seconds = 2, runs = 5, warmup = 3;
const files = [];
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; k++) {
  if (argv[k] === '--seconds') seconds = Number(argv[++k]);
  else if (argv[k] === '--runs') runs = Math.max(1, Number(argv[++k]));
  else if (argv[k] === '--warmup') warmup = Number(argv[++k]);
  else if (argv[k].startsWith('--')) { console.error(`unknown option ${argv[k]}`); process.exit(2); }
  else files.push(argv[k]);
}
if (files.length === 0) {
  console.error('usage: medplum_bench.mjs [--seconds S] [--runs N] [--warmup S] FILE...');
  process.exit(2);
}

const { core, loadMs, version } = loadMedplum();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const parsed = texts.map((t) => JSON.parse(t));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
console.log(`medplum: @medplum/core ${version} on node ${process.version}; base R4 indexed in ${loadMs.toFixed(0)} ms`);
console.log(`medplum: ${files.length} files, ${(bytes / files.length).toFixed(0)} bytes average, ${runs} runs of ${seconds} s after ${warmup} s warm-up`);
for (let k = 0; k < files.length; k++) {
  const v = verdict(core, JSON.parse(texts[k]));
  const errors = v.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
  console.log(`medplum: ${files[k]}: ${v.issues.length} issues, ${errors} errors${v.exception ? ', exception ' + v.exception : ''}`);
}

function rate(secs, fn) {
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + secs * 1000;
  let t = t0;
  while (t < until) {
    fn();
    ++n;
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  return { wall: n / ((t - t0) / 1000), cpu: n / ((c.user + c.system) / 1e6) };
}

function measure(fn) {
  rate(warmup, fn);
  const wall = [], cpu = [];
  for (let r = 0; r < runs; r++) {
    const f = rate(seconds, fn);
    wall.push(f.wall);
    cpu.push(f.cpu);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const mid = Math.floor(runs / 2);
  return `wall_median=${wall[mid].toFixed(0)} wall_best=${wall[runs - 1].toFixed(0)} cpu_median=${cpu[mid].toFixed(0)} cpu_best=${cpu[runs - 1].toFixed(0)}`;
}

let i = 0;
console.log(`RATE medplum-text ${measure(() => verdict(core, JSON.parse(texts[i++ % texts.length])))} (files/s, JSON.parse + validateResource)`);
i = 0;
console.log(`RATE medplum-parsed ${measure(() => verdict(core, parsed[i++ % parsed.length]))} (files/s, validateResource alone)`);
