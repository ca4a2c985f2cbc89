import { hasRole, type Role, type Viewer } from '../auth/roles.js';
import { AppError } from '../errors.js';
import type { RequestContext } from './router.js';

/** For plain-HTTP endpoints: the caller, with at least `role`, or a 401/403 naming what is missing. */
export async function requireViewer(
  rc: RequestContext,
  viewerOf: (rc: RequestContext, authorization?: string) => Promise<Viewer | null>,
  role: Role,
  authorization?: string,
): Promise<Viewer> {
  const viewer = await viewerOf(rc, authorization);
  if (!viewer) throw new AppError('UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <api key or JWT>');
  if (!hasRole(viewer.role, role)) throw new AppError('FORBIDDEN', `this needs the ${role} role; you are ${viewer.role}`);
  return viewer;
}
