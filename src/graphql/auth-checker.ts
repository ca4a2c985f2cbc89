import type { AuthCheckerFn } from 'type-graphql';
import { AppError } from '../errors.js';
import { hasRole, isRole } from '../auth/roles.js';
import type { Context } from './context.js';

/** `@Authorized()` needs any caller; `@Authorized('ADMIN')` needs that role or a higher one. */
export const authChecker: AuthCheckerFn<Context> = ({ context }, roles) => {
  const viewer = context.viewer;
  if (!viewer) throw context.authError ?? new AppError('UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <api key or JWT>');
  const required = roles.filter(isRole);
  if (required.length === 0 || required.some((role) => hasRole(viewer.role, role))) return true;
  throw new AppError('FORBIDDEN', `this needs the ${required.join(' or ')} role; you are ${viewer.role}`);
};
