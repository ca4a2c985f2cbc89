import { CostFileFormatError } from './errors.js';

export interface HeaderColumn {
  /** 0-based position in the record. */
  index: number;
  /** As written in the file, without BOM and surrounding spaces: what error messages quote. */
  name: string;
  /** The English column name: `name`, or for localized headers the name in the parentheses. */
  english: string;
  /** `english` lower-cased: the lookup key. */
  key: string;
  /** Written as `Localized name (EnglishName)`, as German Azure exports do. */
  localized: boolean;
}

/** `Abonnement-GUID (SubscriptionGuid)` -> SubscriptionGuid. */
const LOCALIZED = /^(.*?)\s*\(([A-Za-z][A-Za-z0-9]*)\)$/;

export function readHeader(fields: readonly string[]): HeaderColumn[] {
  return fields.map((raw, index) => {
    const name = raw.replace(/^\uFEFF+/, '').trim();
    const m = LOCALIZED.exec(name);
    return m && m[1] !== ''
      ? { index, name, english: m[2], key: m[2].toLowerCase(), localized: true }
      : { index, name, english: name, key: name.toLowerCase(), localized: false };
  });
}

/** Finds columns by case-insensitive key, in alias priority order. */
export class ColumnIndex {
  readonly #byKey = new Map<string, HeaderColumn[]>();

  constructor(readonly columns: readonly HeaderColumn[]) {
    for (const column of columns) {
      const list = this.#byKey.get(column.key);
      if (list) list.push(column);
      else this.#byKey.set(column.key, [column]);
    }
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /**
   * The first alias present in the header. A column we read that appears twice is refused:
   * picking one of two `Cost` columns would be a guess about money.
   */
  find(...aliases: string[]): HeaderColumn | undefined {
    for (const alias of aliases) {
      const found = this.#byKey.get(alias);
      if (!found) continue;
      if (found.length > 1) {
        const where = found.map((c) => `${c.index + 1}`).join(' and ');
        throw new CostFileFormatError(`column "${found[0].name}" appears more than once in the header (columns ${where})`);
      }
      return found[0];
    }
    return undefined;
  }
}
