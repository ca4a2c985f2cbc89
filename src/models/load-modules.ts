/**
 * User model modules (GCT_MODEL_MODULES): each named module is imported at start and must export
 * an estimation model, as its default export, as `model`, or as an array in `models` (or a default
 * array). Every model is checked with `assertModel`; anything wrong stops the boot with a message
 * naming the module and the field, because a lab that configured a model expects it to be used.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinRegistry } from './builtins.js';
import { assertModel, InvalidModelError, type EstimationModel } from './model.js';
import type { ModelRegistry } from './registry.js';

export class ModelModuleError extends Error {
  constructor(
    readonly module: string,
    message: string,
  ) {
    super(`GCT_MODEL_MODULES: ${JSON.stringify(module)} ${message}`);
    this.name = 'ModelModuleError';
  }
}

/** A path (absolute, or `./`, `../` relative to `cwd`) becomes a file URL; anything else is a package name. */
export function moduleSpecifier(spec: string, cwd = process.cwd()): string {
  if (path.isAbsolute(spec) || spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('.\\') || spec.startsWith('..\\')) {
    return pathToFileURL(path.resolve(cwd, spec)).href;
  }
  return spec;
}

function modelsOf(spec: string, mod: Record<string, unknown>): unknown[] {
  const candidates = [mod.default, mod.models, mod.model].filter((c) => c !== undefined);
  if (candidates.length === 0) throw new ModelModuleError(spec, 'exports no model: export one as default or `model`, or an array as `models`');
  return candidates.flatMap((c) => (Array.isArray(c) ? c : [c]));
}

/** Imports and validates the models of one module. */
export async function loadModelModule(spec: string, cwd = process.cwd()): Promise<EstimationModel[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleSpecifier(spec, cwd))) as Record<string, unknown>;
  } catch (err) {
    throw new ModelModuleError(spec, `could not be loaded: ${(err as Error).message}`);
  }
  const models = modelsOf(spec, mod);
  return models.map((m, i) => {
    try {
      return assertModel(m, `export ${i + 1}`);
    } catch (err) {
      if (err instanceof InvalidModelError) throw new ModelModuleError(spec, `is not a valid model module: ${err.message}`);
      throw err;
    }
  });
}

/** The built-ins, then every configured module's models, in order; a clash of names is an error. */
export async function loadModelRegistry(modules: readonly string[], cwd = process.cwd()): Promise<ModelRegistry> {
  const registry = builtinRegistry();
  for (const spec of modules) {
    for (const model of await loadModelModule(spec, cwd)) {
      try {
        registry.register(model);
      } catch (err) {
        throw new ModelModuleError(spec, (err as Error).message);
      }
    }
  }
  return registry;
}
