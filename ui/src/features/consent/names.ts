// The typed-name check at signing, as the core does it (consent::signature::same_name): both names are
// decomposed (NFKD), their combining marks dropped, lower-cased (ß as ss, ς as σ), and only letters and digits
// compared.
// The core decides; this lets the signing form say so before anything is sent.

function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // "STRAUSS" is "Strauß"; a Greek word's final sigma is its sigma.
    .replace(/ß/g, 'ss')
    .replace(/ς/g, 'σ')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** Whether `typed` is `expected`, ignoring case, spacing, punctuation and accents. */
export function sameName(typed: string, expected: string): boolean {
  const key = nameKey(typed);
  return key !== '' && key === nameKey(expected);
}

/** The sentence shown at the name field when the typed name is not the signer's. */
export function otherNameMessage(expected: string): string {
  return `This signature is for ${expected}: type that name, or tick “This is my legal name” if the name you typed is your legal name.`;
}

/** A refusal that names the field at fault (the core's field id, e.g. `typed_name`). */
export interface FieldRefusal {
  field: string;
  message: string;
}
