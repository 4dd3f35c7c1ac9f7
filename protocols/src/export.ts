import { z } from 'zod';
import { EvidenceId } from './evidence';

/**
 * An exhibit reference as police forces write them: the producer's initials and a number
 * ("JD/1"), or a force's own reference. It becomes the bag's External-Identifier and its folder
 * name, so it is kept to plain characters.
 */
export const ExhibitRef = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/, 'letters, digits, space, ".", "_", "/" or "-" (at most 64)');

/**
 * `POST /api/exports`: build a police evidence package (BagIt, signed) of one confirmed gallery
 * match, named by its candidate or by the alert its confirmation raised. The reply is the ZIP.
 * The export is a disclosure: to whom, which organisation and why are kept in the audit log.
 */
export const ExportRequest = z
  .strictObject({
    candidateId: EvidenceId.optional(),
    alertId: z.string().min(1).max(64).optional(),
    exhibit: ExhibitRef,
    to: z.string().trim().min(2).max(200),
    organisation: z.string().trim().min(2).max(200),
    reason: z.string().trim().min(5).max(2000),
  })
  .refine((r) => (r.candidateId === undefined) !== (r.alertId === undefined), {
    message: 'give exactly one of candidateId or alertId',
  });
export type ExportRequest = z.infer<typeof ExportRequest>;
