import { beforeEach, vi } from 'vitest';
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

/** All elements matching a selector right now. */
export function all<T extends Element = HTMLElement>(selector: string): T[] {
  return [...document.querySelectorAll<T>(selector)];
}

/** Waits until an element matching the selector exists and returns it. */
export async function bySelector<T extends Element = HTMLElement>(selector: string): Promise<T> {
  return waitFor(() => {
    const el = document.querySelector<T>(selector);
    if (!el) throw new Error(`${selector} is not in the document`);
    return el;
  });
}

/** Sets a date input's value the way a browser's date picker does (typing into one is not portable). */
export async function setDate(input: HTMLInputElement, value: string): Promise<void> {
  const { fireEvent } = await import('@testing-library/svelte');
  await fireEvent.input(input, { target: { value } });
  await fireEvent.change(input, { target: { value } });
}

type User = ReturnType<typeof renderApp>['user'];

/** Fills in and submits the sign-in form (a select of logins or a text field). */
export async function signInWith(user: User, login: string, password: string): Promise<void> {
  const field = await byId<HTMLInputElement | HTMLSelectElement>('sign-in-login');
  if (field instanceof HTMLSelectElement) {
    await user.selectOptions(field, login);
  } else {
    await user.clear(field);
    await user.type(field, login);
  }
  const pass = await byId<HTMLInputElement>('sign-in-password');
  await user.clear(pass);
  await user.type(pass, password);
  await user.click(await byId('sign-in-submit'));
}

/** Draws one stroke on a signature pad with pointer events (jsdom has no 2D context: it is kept, not drawn). */
export async function drawStroke(canvas: HTMLElement, points: Array<[number, number]>, pointerId = 1, pointerType = 'pen') {
  const { fireEvent } = await import('@testing-library/svelte');
  const [first, ...rest] = points;
  await fireEvent.pointerDown(canvas, { pointerId, pointerType, button: 0, clientX: first[0], clientY: first[1] });
  for (const [x, y] of rest) {
    await fireEvent.pointerMove(canvas, { pointerId, pointerType, clientX: x, clientY: y });
  }
  const last = points.at(-1)!;
  await fireEvent.pointerUp(canvas, { pointerId, pointerType, clientX: last[0], clientY: last[1] });
}

/** Signs the open signature form (#signature-pad) as `name` and submits it. */
export async function signOnPad(user: User, name: string): Promise<void> {
  await drawStroke(await byId('signature-pad'), [
    [20, 100],
    [80, 60],
    [140, 140],
  ]);
  await user.type(await byId('signature-typed-name'), name);
  await user.click(await byId('signature-intent'));
  await user.click(await byId('signature-submit'));
}

/** jsdom has no 2D canvas: in the calling file's tests a signature pad captures strokes without drawing them. */
export function withoutCanvasDrawing() {
  beforeEach(() => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  });
}
