// Writes ../build/THIRD_PARTY_NOTICES.txt: the licence of every package bundled into playback.js (the runtime
// dependencies and theirs; esbuild, the build tool, is not bundled). Run by scripts/build_playback.sh.
import fs from 'node:fs';
import path from 'node:path';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const out = ['Third-party software bundled in playback.js (built by scripts/build_playback.sh from package-lock.json)\n'];
for (const [where, info] of Object.entries(lock.packages).sort()) {
  if (!where || info.dev) continue;
  const dir = path.join(where);
  const name = where.replace(/^.*node_modules\//, '');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^(licen[cs]e|copying)/i.test(f)) : [];
  out.push(`${'='.repeat(78)}\n${name} ${info.version} (${info.license || 'see its licence'})\n`);
  for (const f of files) out.push(fs.readFileSync(path.join(dir, f), 'utf8').trim() + '\n');
}
fs.writeFileSync('../build/THIRD_PARTY_NOTICES.txt', out.join('\n'));
