/**
 * The built schema as a module's default export, for graphql-codegen's code-file loader (`codegen.ts`),
 * which loads the compiled JavaScript: the decorators need tsc's metadata, which codegen's loader cannot emit.
 */
import { lexicographicSortSchema } from 'graphql';
import { buildAppSchema } from './build-schema.js';

export default lexicographicSortSchema(buildAppSchema());
