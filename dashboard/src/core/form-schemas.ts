/**
 * The request schemas the console's forms check before sending: the hub's own, from protocols.
 * Imported lazily (see field-errors.ts) so zod stays out of the main bundle; module paths, not
 * the package index, so the chunk holds these schemas and no others.
 */
export {
  AppealInput,
  ExclusionDecision,
  ExclusionInput,
  IncidentInput,
  SubjectInput,
} from '../../../protocols/src/governance';
export { describeIssues } from '../../../protocols/src/errors';
