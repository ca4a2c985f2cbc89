export {
  MODEL_TARGETS, NUMERIC_FEATURES, InvalidModelError, assertModel, numericFeature,
  type EstimationModel, type Features, type ModelTarget, type NumericFeature, type Prediction, type TrainingSample, type VmPrice,
} from './model.js';
export { ModelRegistry } from './registry.js';
export {
  MIN_HELD_OUT, applyInterval, byTime, calibrateFromRatios, calibrated, fitCalibrated, heldOutRatios, median, quantile, residualRatios, timeOrderedSplit,
  type CalibratedState, type CalibrationOptions, type IntervalCalibration, type ProcessCalibration,
} from './intervals.js';
export { medianBaseline, fitMedianPoint, predictMedianPoint, pushTo, type MedianBaselineOptions, type MedianPoint, type MedianState } from './median-baseline.js';
export { regressionModel, fitRegressionPoint, predictRegressionPoint, type LinearFit, type RegressionOptions, type RegressionPoint, type RegressionState } from './regression.js';
export {
  INPUT_FEATURES, predictCurvePoint, singleFeatureModel,
  type CurveFamily, type CurveFit, type CurvePoint, type CurveState, type SingleFeatureOptions,
} from './single-feature.js';
export {
  parsePrice, priceDuration, pricePrediction, priceSheetModel, priceTask, toDecimalString, vmShare, type TaskResources,
} from './price-sheet.js';
export { tagTokens } from './tag-tokens.js';
export { isKnown, leaveWordsOutRatios, vocabularyOf, type Vocabulary } from './novelty.js';
export { tokenRidgeModel, fitTokenRidgePoint, predictTokenRidgePoint, type TokenFit, type TokenRidgeOptions, type TokenRidgePoint, type TokenRidgeState } from './token-ridge.js';
export {
  DEFAULT_CANDIDATES, fitSelectorPoint, predictSelectorPoint, processSelectorModel,
  type PointCandidate, type SelectorOptions, type SelectorPoint, type SelectorState,
} from './process-selector.js';
export { MAX_STATE_BYTES, ModelCallError, fitState, predictOnce } from './model-call.js';
export { backtest, evaluate, scorePredictions, type BacktestOptions, type BacktestResult } from './backtest.js';
export { unitRateModel, fitUnitRatePoint, predictUnitRatePoint, type UnitRateOptions, type UnitRatePoint, type UnitRates, type UnitRateState } from './unit-rate.js';
export { builtinRegistry } from './builtins.js';
export { chooseChampion, eligibility, type HoldoutScore, type PromotionRule } from './promotion.js';
