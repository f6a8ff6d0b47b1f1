// Runs the npm filters Vigil is compared with over the same corpus as vigil-bench-scan and prints
// one JSON line per filter: recall on lines that must be flagged, false positives on lines that
// must stay clean, and throughput over prose text units. Usage:
//   node compare_filters.js MUST_FLAG_TSV MUST_STAY_CLEAN_TXT PROSE_UNITS_TXT
'use strict';
const fs = require('fs');
const { RegExpMatcher, englishDataset, englishRecommendedTransformers } = require('obscenity');
const allprofanity = require('allprofanity').default;

const THROUGHPUT_SECONDS = 2;

function versionOf(name) {
  // Some packages do not export package.json; read it from where npm installed it.
  const file = require('path').join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function lines(path) {
  return fs.readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0 && !l.startsWith('#'));
}

const [flaggedPath, cleanPath, prosePath] = process.argv.slice(2);
const flagged = lines(flaggedPath).map((l) => l.slice(l.indexOf('\t') + 1));
const clean = lines(cleanPath);
const prose = lines(prosePath);
const proseBytes = prose.reduce((n, l) => n + Buffer.byteLength(l), 0);

const obscenity = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
const filters = {
  obscenity: (text) => obscenity.hasMatch(text),
  allprofanity: (text) => allprofanity.check(text),
};

for (const [name, hit] of Object.entries(filters)) {
  const caught = flagged.filter(hit).length;
  const falsePositives = clean.filter(hit).length;
  let bytes = 0;
  const start = process.hrtime.bigint();
  // Bytes per CPU second, as vigil-bench-scan measures: other load on the machine doesn't count.
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < THROUGHPUT_SECONDS) {
    for (const unit of prose) hit(unit);
    bytes += proseBytes;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({
    filter: `${name} ${versionOf(name)}`,
    recall: caught / flagged.length,
    false_positive_rate: falsePositives / clean.length,
    caught, flagged: flagged.length, false_positives: falsePositives, clean: clean.length,
    mb_per_s: bytes / 1e6 / cpuSeconds,
  }));
}
