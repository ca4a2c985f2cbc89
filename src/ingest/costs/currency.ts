const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

/** The upper-case ISO 4217 code, or null when `text` is not one this runtime knows. */
export function parseCurrency(text: string): string | null {
  const code = text.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) && ISO_4217.has(code) ? code : null;
}
