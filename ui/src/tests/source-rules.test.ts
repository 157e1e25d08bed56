// Static guards for the CSP and secret-handling rules, run over the app's own
// sources (not the tests).
import { describe, expect, test } from 'vitest';

const sources = import.meta.glob(['../**/*.{ts,svelte}', '!../tests/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const html = import.meta.glob('../../index.html', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

describe('source rules', () => {
  test('the glob sees the app sources', () => {
    expect(Object.keys(sources)).toEqual(expect.arrayContaining(['../lib/api.ts', '../App.svelte']));
  });

  test('only src/lib/api.ts (and the bindings generated for it) imports @tauri-apps/api', () => {
    const importers = Object.entries(sources)
      .filter(([, text]) => /from\s+['"]@tauri-apps\/api|import\(\s*['"]@tauri-apps\/api/.test(text))
      .map(([path]) => path);
    expect(importers).toEqual(['../lib/api.ts', '../lib/bindings.ts']);
    // The generated command functions are called from api.ts only; types.ts takes the types and ERROR_CODES.
    const bindingImporters = Object.entries(sources)
      .filter(([, text]) => /from\s+['"]\.{1,2}\/(lib\/)?bindings['"]/.test(text))
      .map(([path]) => path);
    expect(bindingImporters).toEqual(['../lib/api.ts', '../lib/types.ts']);
  });

  test('no inline style attributes, {@html}, web storage or remote URLs in components', () => {
    for (const [path, text] of Object.entries(sources)) {
      const markup = path.endsWith('.svelte') ? text.replace(/<style[\s\S]*?<\/style>/g, '') : '';
      expect(markup, path).not.toMatch(/\sstyle\s*=/);
      expect(markup, path).not.toMatch(/\sstyle:/);
      expect(text, path).not.toMatch(/\{@html/);
      expect(text, path).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie/);
      expect(text, path).not.toMatch(/(?:src|href)\s*=\s*["']https?:/);
      expect(text, path).not.toMatch(/@import\s+url|@font-face/);
    }
  });

  test('index.html holds only the module script tag', () => {
    const page = Object.values(html)[0];
    const scripts = page.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(scripts).toEqual(['<script type="module" src="/src/main.ts"></script>']);
    expect(page).not.toMatch(/<style|\sstyle=|https?:\/\//);
  });
});
