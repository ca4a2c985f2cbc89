// ml-regression 6.x ships no type declarations; this declares only what src/models uses.
declare module 'ml-regression' {
  export class MultivariateLinearRegression {
    constructor(x: number[][], y: number[][], options?: { intercept?: boolean; statistics?: boolean });
    /** One row per input feature, then the intercept row; one column per output. */
    weights: number[][];
    predict(x: number[]): number[];
  }
  export class SimpleLinearRegression {
    constructor(x: number[], y: number[]);
    slope: number;
    intercept: number;
    predict(x: number): number;
  }
  export class PolynomialRegression {
    /** `degree` as a number fits powers 0 … degree, in that order. */
    constructor(x: number[], y: number[], degree: number, options?: { interceptAtZero?: boolean });
    powers: number[];
    /** One per power, in the order of `powers`. */
    coefficients: number[];
    predict(x: number): number;
  }
  /** Theil–Sen: the median of the pairwise slopes, then the median of the intercepts. */
  export class TheilSenRegression {
    constructor(x: number[], y: number[]);
    slope: number;
    intercept: number;
    predict(x: number): number;
  }
}
