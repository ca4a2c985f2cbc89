import { medianBaseline } from './median-baseline.js';
import { priceSheetModel } from './price-sheet.js';
import { regressionModel } from './regression.js';
import { ModelRegistry } from './registry.js';

/** A registry with every built-in: price-sheet, and median + regression for runtime and peak memory. */
export function builtinRegistry(): ModelRegistry {
  return new ModelRegistry()
    .register(priceSheetModel)
    .register(medianBaseline({ target: 'runtimeMs' }))
    .register(medianBaseline({ target: 'peakRssBytes' }))
    .register(regressionModel({ target: 'runtimeMs' }))
    .register(regressionModel({ target: 'peakRssBytes' }));
}
