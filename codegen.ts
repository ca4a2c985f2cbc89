import type { CodegenConfig } from '@graphql-codegen/cli';

// Runs after `tsc` (npm run codegen builds first): the schema comes from the compiled type-graphql classes.
const config: CodegenConfig = {
  overwrite: true,
  schema: './dist/src/graphql/schema-module.js',
  documents: ['examples/**/*.graphql'],
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false, sort: true } },
    'examples/generated/operations.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: { scalars: { DateTime: 'string', Decimal: 'string', JSONObject: 'Record<string, unknown>', SafeInt: 'number' }, enumsAsTypes: true },
    },
  },
};

export default config;
