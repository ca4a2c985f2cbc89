import type { AuthCheckerFn } from 'type-graphql';
import { AppError } from '../errors.js';
import { hasRole, isRole, type Role } from '../auth/roles.js';
import type { Context } from './context.js';

/** `@Authorized()` needs any caller; `@Authorized('ADMIN')` needs that role or a higher one. */
export const authChecker: AuthCheckerFn<Context> = ({ context }, roles) => {
  const viewer = context.viewer;
  if (!viewer) throw context.authError ?? new AppError('UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <api key or JWT>');
  // a misspelt role must close the field, not drop out of the list and leave it open to any caller
  const misspelt = roles.filter((role) => !isRole(role));
  if (misspelt.length > 0) throw new Error(`@Authorized names no role of ${JSON.stringify(roles)}: ${misspelt.join(', ')}`);
  const required = roles as readonly Role[];
  if (required.length === 0 || required.some((role) => hasRole(viewer.role, role))) return true;
  throw new AppError('FORBIDDEN', `this needs the ${required.join(' or ')} role; you are ${viewer.role}`);
};
