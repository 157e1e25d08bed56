import '@testing-library/jest-dom/vitest';
import { afterEach, expect } from 'vitest';
import { cleanup } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { takeUnanswered } from './stub';

afterEach(() => {
  // Unmount first, so a failing check below never leaves this test's screen in the next test's page.
  cleanup();
  clearMocks();
  // A command the test did not answer (./stub.ts) fails it, even when the screen swallowed the error.
  expect(takeUnanswered().map((c) => c.cmd), 'commands the test did not answer').toEqual([]);
});
