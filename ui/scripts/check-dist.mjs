// Fails the build if dist/ would break under Saferoom's CSP:
//   default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; ...
// Checks: index.html has no inline <script>/<style>, no style="" or on*="" attributes,
// and loads only relative (same-origin) files; at least one external .css file is
// linked; CSS and JS do not load anything remote; JS does not inject <style> tags.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const problems = [];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const all = files(dist);
const html = readFileSync(join(dist, 'index.html'), 'utf8');

for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  const [, attrs, body] = match;
  if (!/\bsrc\s*=/.test(attrs)) problems.push('index.html: inline <script> without src');
  if (body.trim() !== '') problems.push('index.html: <script> with inline content');
  const src = /\bsrc\s*=\s*"([^"]*)"/.exec(attrs)?.[1] ?? '';
  if (/^[a-z]+:|^\/\//i.test(src)) problems.push(`index.html: remote script ${src}`);
}
if (/<style\b/i.test(html)) problems.push('index.html: inline <style>');
if (/\sstyle\s*=/i.test(html)) problems.push('index.html: style="" attribute');
if (/\son[a-z]+\s*=/i.test(html)) problems.push('index.html: inline event handler attribute');
for (const match of html.matchAll(/\b(?:href|src)\s*=\s*"([^"]*)"/gi)) {
  const url = match[1];
  if (url === 'data:,') continue; // empty favicon, allowed by img-src data:
  if (/^[a-z]+:|^\/\//i.test(url)) problems.push(`index.html: non-local URL ${url}`);
}
const cssLinks = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/gi)].map((m) => m[1]);
if (cssLinks.length === 0) problems.push('index.html: no external stylesheet linked');

const cssFiles = all.filter((f) => f.endsWith('.css'));
if (cssFiles.length === 0) problems.push('dist: no .css file emitted');
for (const file of cssFiles) {
  const css = readFileSync(file, 'utf8');
  if (/@import\b/i.test(css)) problems.push(`${relative(dist, file)}: @import`);
  if (/url\(\s*['"]?(?:https?:|\/\/)/i.test(css)) problems.push(`${relative(dist, file)}: remote url()`);
  if (/@font-face/i.test(css)) problems.push(`${relative(dist, file)}: @font-face (system fonts only)`);
}

for (const file of all.filter((f) => f.endsWith('.js'))) {
  const js = readFileSync(file, 'utf8');
  const name = relative(dist, file);
  if (/createElement\(\s*["'`]style["'`]\s*\)/.test(js)) problems.push(`${name}: creates <style> elements`);
  if (/\bnew Function\s*\(|\beval\s*\(/.test(js)) problems.push(`${name}: eval/new Function`);
  if (/\bimport\(\s*["'`]https?:/.test(js)) problems.push(`${name}: remote import()`);
  if (/sourceMappingURL/.test(js)) problems.push(`${name}: source map reference`);
}
if (all.some((f) => f.endsWith('.map'))) problems.push('dist: source maps emitted');

if (problems.length > 0) {
  console.error('dist/ does not satisfy the CSP constraints:');
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`check-dist: ${all.length} files in dist/ are CSP-safe (no inline script/style, CSS in ${cssFiles.length} external file(s)).`);
