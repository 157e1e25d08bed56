import '@testing-library/jest-dom/vitest';
import { afterEach, expect } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { takeUnanswered } from './stub';

afterEach(() => {
  clearMocks();
  // A command the test did not answer (./stub.ts) fails it, even when the screen swallowed the error.
  expect(takeUnanswered().map((c) => c.cmd), 'commands the test did not answer').toEqual([]);
});
