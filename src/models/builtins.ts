import { medianBaseline } from './median-baseline.js';
import { priceSheetModel } from './price-sheet.js';
import { processSelectorModel } from './process-selector.js';
import { regressionModel } from './regression.js';
import { ModelRegistry } from './registry.js';
import { singleFeatureModel } from './single-feature.js';
import { tokenRidgeModel } from './token-ridge.js';
import { unitRateModel } from './unit-rate.js';

/**
 * A registry with every built-in: price-sheet; median, regressions (multivariate, and simple /
 * polynomial / robust on one feature), tag-token ridge and the per-process selector for runtime and
 * peak memory; median, the same regressions and unit rate for a run's total cost, whose features
 * (the run's input bytes and sample count) are what a run's cost follows.
 */
export function builtinRegistry(): ModelRegistry {
  return new ModelRegistry()
    .register(priceSheetModel)
    .register(medianBaseline({ target: 'runtimeMs' }))
    .register(medianBaseline({ target: 'peakRssBytes' }))
    .register(regressionModel({ target: 'runtimeMs' }))
    .register(singleFeatureModel({ target: 'runtimeMs', family: 'simple' }))
    .register(singleFeatureModel({ target: 'runtimeMs', family: 'polynomial' }))
    .register(singleFeatureModel({ target: 'runtimeMs', family: 'robust' }))
    .register(regressionModel({ target: 'peakRssBytes' }))
    .register(singleFeatureModel({ target: 'peakRssBytes', family: 'simple' }))
    .register(singleFeatureModel({ target: 'peakRssBytes', family: 'polynomial' }))
    .register(singleFeatureModel({ target: 'peakRssBytes', family: 'robust' }))
    .register(tokenRidgeModel({ target: 'runtimeMs' }))
    .register(tokenRidgeModel({ target: 'peakRssBytes' }))
    .register(processSelectorModel({ target: 'runtimeMs' }))
    .register(processSelectorModel({ target: 'peakRssBytes' }))
    .register(medianBaseline({ target: 'costPerRun' }))
    .register(regressionModel({ target: 'costPerRun' }))
    .register(singleFeatureModel({ target: 'costPerRun', family: 'simple' }))
    .register(singleFeatureModel({ target: 'costPerRun', family: 'polynomial' }))
    .register(singleFeatureModel({ target: 'costPerRun', family: 'robust' }))
    .register(unitRateModel({ target: 'costPerRun' }));
}
