/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Saferoom's UI is a plain SPA served by Tauri from ui/dist under a strict CSP
// (script-src 'self'; style-src 'self'; ...). The build therefore must emit only
// external .js/.css files: no inline <script>, no inline <style>, no JS-injected
// style tags, no data: URL fonts. `npm run build` ends with
// scripts/check-dist.mjs, which fails the build if dist/ breaks any of that.
export default defineConfig({
  base: './',
  plugins: [svelte(), svelteTesting()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // One CSS file for the whole app, linked from index.html.
    cssCodeSplit: false,
    // Never inline assets as data: URLs.
    assetsInlineLimit: 0,
    // The modulepreload polyfill is bundled JS (not inline), but WebKitGTK and
    // WebView2 support modulepreload natively, so leave it out.
    modulePreload: { polyfill: false },
  },
  server: {
    strictPort: true,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/tests/setup.ts'],
    restoreMocks: true,
  },
});
