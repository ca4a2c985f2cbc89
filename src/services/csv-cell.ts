/**
 * A text cell of a CSV a person will open in a spreadsheet. Excel, LibreOffice and Sheets run a cell
 * that starts with = + - @ (or a tab or carriage return before one) as a formula; names and tag values
 * come from anyone who can tag a cloud resource or register a run, so such a text is written with a
 * leading apostrophe, which spreadsheets show as text (OWASP "CSV injection"). Only text columns pass
 * through this: an amount of -1.20 must stay a number.
 */
export function textCell(value: string | null | undefined): string | null {
  if (value == null) return null;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
