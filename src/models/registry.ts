import { assertModel, type EstimationModel } from './model.js';

/** Models by name. Names are unique: registering a second model under a taken name throws. */
export class ModelRegistry {
  readonly #models = new Map<string, EstimationModel>();

  /** Validates with `assertModel` (so user modules fail with a clear message) and adds. */
  register<S>(model: EstimationModel<S>): this {
    const m = assertModel(model);
    if (this.#models.has(m.name)) {
      throw new Error(`a model named "${m.name}" is already registered (version ${this.#models.get(m.name)!.version})`);
    }
    this.#models.set(m.name, m);
    return this;
  }

  has(name: string): boolean {
    return this.#models.has(name);
  }

  /** Throws when unknown, listing what is registered. */
  get(name: string): EstimationModel {
    const m = this.#models.get(name);
    if (!m) throw new Error(`no model named "${name}"; registered: ${[...this.#models.keys()].join(', ') || 'none'}`);
    return m;
  }

  /** In registration order. */
  list(): EstimationModel[] {
    return [...this.#models.values()];
  }
}
