export type { CostRow, QuarantinedRow } from './cost-row.js';
export { CostFileFormatError } from './errors.js';
export { openCostFile, type CostBasisLines, type CostFile, type CostFileItem, type OpenCostFileOptions } from './open-cost-file.js';
export type { CostBasis, CostFormat } from './mapper.js';
export { costRowHash, canonicalCostRow, legacyCanonicalCostRow, CostRowHasher, namespacedHash, type CostRowHashing } from './row-hash.js';
export { parseDecimal, canonicalDecimal } from './decimal.js';
export { parseAzureDay, parseTimestamp } from './dates.js';
export { parseTags } from './tags.js';
export { providerKey } from './provider.js';
