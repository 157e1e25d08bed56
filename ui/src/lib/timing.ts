// Delays shared by the search-as-you-type fields.

/** Wait this long after the last keystroke before searching clients. */
export const SEARCH_DEBOUNCE_MS = 150;

/** Wait this long after the last keystroke before re-filtering the audit trail (each query is itself audited). */
export const FILTER_DEBOUNCE_MS = 400;
