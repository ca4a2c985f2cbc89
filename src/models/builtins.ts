import { medianBaseline } from './median-baseline.js';
import { priceSheetModel } from './price-sheet.js';
import { processSelectorModel } from './process-selector.js';
import { regressionModel } from './regression.js';
import { ModelRegistry } from './registry.js';
import { tokenRidgeModel } from './token-ridge.js';

/** A registry with every built-in: price-sheet, and median, regression, tag-token ridge and the per-process selector for runtime and peak memory. */
export function builtinRegistry(): ModelRegistry {
  return new ModelRegistry()
    .register(priceSheetModel)
    .register(medianBaseline({ target: 'runtimeMs' }))
    .register(medianBaseline({ target: 'peakRssBytes' }))
    .register(regressionModel({ target: 'runtimeMs' }))
    .register(regressionModel({ target: 'peakRssBytes' }))
    .register(tokenRidgeModel({ target: 'runtimeMs' }))
    .register(tokenRidgeModel({ target: 'peakRssBytes' }))
    .register(processSelectorModel({ target: 'runtimeMs' }))
    .register(processSelectorModel({ target: 'peakRssBytes' }));
}
