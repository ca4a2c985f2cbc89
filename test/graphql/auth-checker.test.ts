import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authChecker } from '../../src/graphql/auth-checker.js';
import type { Context } from '../../src/graphql/context.js';

const call = (role: 'VIEWER' | 'ADMIN', roles: string[]) =>
  authChecker({ context: { viewer: { orgId: 'o', principalId: 'p', role, kind: 'API_KEY', name: 'k' } } as Context, root: {}, args: {}, info: {} as never }, roles);

describe('authChecker', () => {
  test('a role name it does not know closes the field to every caller instead of being dropped', () => {
    // filtered out, 'ADMN' left an empty list, which is @Authorized(): any caller passed
    assert.throws(() => call('VIEWER', ['ADMN']), /ADMN/);
    assert.throws(() => call('ADMIN', ['ADMIN', 'ANALYTS']), /ANALYTS/);
  });

  test('known roles rank as before', () => {
    assert.equal(call('ADMIN', ['ANALYST']), true);
    assert.equal(call('VIEWER', []), true);
    assert.throws(() => call('VIEWER', ['ANALYST']), (e: unknown) => (e as { code?: string }).code === 'FORBIDDEN');
  });
});
