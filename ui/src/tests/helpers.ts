import { render, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from '../App.svelte';

/** Waits until the element with this id is in the document and returns it. */
export async function byId<T extends HTMLElement = HTMLElement>(id: string): Promise<T> {
  return waitFor(() => {
    const el = document.getElementById(id);
    if (!el) throw new Error(`#${id} is not in the document`);
    return el as T;
  });
}

/** The element with this id right now, or null. */
export function maybeId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Waits until the element with this id is gone. */
export async function goneId(id: string): Promise<void> {
  await waitFor(() => {
    if (document.getElementById(id)) throw new Error(`#${id} is still in the document`);
  });
}

export function renderApp() {
  const user = userEvent.setup();
  const result = render(App);
  return { user, ...result };
}

/** Lets pending promise callbacks and Svelte updates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
