/**
 * The whole file is refused: it is not a cost export we can read, or it became unreadable
 * part-way (corrupt gzip, a record too large to be real). Row-level problems never throw;
 * they become quarantined rows instead.
 */
export class CostFileFormatError extends Error {
  override readonly name = 'CostFileFormatError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
