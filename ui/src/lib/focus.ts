// Svelte action: focus an element when it is mounted (used on screen headings
// so keyboard and screen-reader users land at the top of each new screen).
export function focusOnMount(node: HTMLElement): void {
  queueMicrotask(() => {
    if (node.isConnected) node.focus();
  });
}
