import type { NonEmptyArray } from 'type-graphql';
import { MeResolver } from './me.resolver.js';
import { PrincipalResolver } from './principal.resolver.js';
import { ProjectResolver } from './project.resolver.js';
import { RunResolver } from './run.resolver.js';

export const resolvers: NonEmptyArray<Function> = [MeResolver, ProjectResolver, PrincipalResolver, RunResolver];
