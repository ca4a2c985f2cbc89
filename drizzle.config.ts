import { defineConfig } from 'drizzle-kit';

// drizzle-kit reads the compiled tables: the sources use NodeNext `.js` import specifiers.
export default defineConfig({
  dialect: 'postgresql',
  schema: './dist/src/db/schema/*.js',
  out: './drizzle',
  strict: true,
  verbose: true,
});
