import { medianBaseline } from './median-baseline.js';
import { priceSheetModel } from './price-sheet.js';
import { processSelectorModel } from './process-selector.js';
import { regressionModel } from './regression.js';
import { ModelRegistry } from './registry.js';
import { tokenRidgeModel } from './token-ridge.js';
import { unitRateModel } from './unit-rate.js';

/**
 * A registry with every built-in: price-sheet; median, regression, tag-token ridge and the per-process
 * selector for runtime and peak memory; median, regression and unit rate for a run's total cost.
 */
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
    .register(processSelectorModel({ target: 'peakRssBytes' }))
    .register(medianBaseline({ target: 'costPerRun' }))
    .register(regressionModel({ target: 'costPerRun' }))
    .register(unitRateModel({ target: 'costPerRun' }));
}
