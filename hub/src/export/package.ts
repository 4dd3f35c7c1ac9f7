import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HubError } from '../errors';
import type { Alert } from '@shopwatch/protocols';
import { type BagFile, SIGNATURE, TAG_MANIFEST, makeBag, sha256 } from './bagit';
import {
  type Candidate,
  type ExportDeps,
  type MasterFile,
  type Requester,
  alertContinuity,
  continuity,
  copyMasters,
  resolveCase,
} from './evidence-case';
import { SigningKey, publicPem } from './keys';
import { bagInfoFields, buildRecord } from './record';
import { renderRecordHtml } from './record-html';
import { makeWorkingCopy } from './working-copy';
import { writeZip } from './zip';

export interface ExportOrder {
  candidateId?: string;
  alertId?: string;
  exhibit: string;
  to: string;
  organisation: string;
  reason: string;
}

export interface ExportResult {
  file: string;
  bagName: string;
  candidateId: string | null;
  alertId: string | null;
  bytes: number;
  sha256: string;
  payloadFiles: number;
  notes: string[];
  keyFingerprint: string;
}

const VERSION = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
const PRODUCER = `ShopWatch hub ${VERSION}`;
export const PUBLIC_KEY_TAG = 'signing-key.pub.pem';

/** The bag's folder name in the ZIP: the exhibit reference with "/" and spaces made safe. */
export const bagNameOf = (exhibit: string) => exhibit.trim().replace(/[^A-Za-z0-9._-]+/g, '-');

/**
 * Builds a police evidence package for one confirmed gallery match (or one alert's record) and
 * writes it to `out` (a new file). Everything that can fail (finding the case, checking the
 * masters, making the working copy) runs before the disclosure is recorded, so a refused export
 * leaves no false "exported" in the custody log; the package then carries that very entry.
 */
export async function exportEvidence(
  deps: ExportDeps,
  order: ExportOrder,
  who: Requester,
  out: string,
): Promise<ExportResult> {
  if (fs.existsSync(out)) throw new HubError('conflict', `${out} already exists; choose a new file name`);
  try {
    fs.accessSync(path.dirname(out), fs.constants.W_OK);
  } catch {
    throw new HubError('bad_request', `cannot write into ${path.dirname(out)}; choose a folder that exists`);
  }
  const { candidate: c, alert } = await resolveCase(deps, order, who);
  const schemeId = c?.scheme ?? alert!.scheme;
  const scheme = { id: schemeId, name: (await deps.repo.getScheme(schemeId))?.name ?? schemeId };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-export-'));
  let recorded = false;
  try {
    const noMedia =
      `NO MEDIA: alert ${alert?.id} was not raised by a confirmed gallery match; ` +
      'this package holds its record only';
    const { masters, notes } = c ? await copyMasters(deps, c, work) : { masters: [], notes: [noMedia] };
    const working = await workingCopyOf(work, masters, notes);
    const key = SigningKey.loadOrCreate(deps.dataDir);
    await recordDisclosure(deps, order, who, { candidate: c, alert, masters, keyFingerprint: key.fingerprint });
    recorded = true;

    const disclosure = { to: order.to, organisation: order.organisation, reason: order.reason };
    const record = buildRecord({
      exhibit: order.exhibit,
      disclosure,
      who,
      scheme,
      candidate: c,
      alert,
      masters,
      working,
      notes,
      subjectAlias: c ? await deps.alias(c.scheme, c.subjectId) : null,
    });
    const log = c ? await continuity(deps, c) : await alertContinuity(deps, alert!);
    const payload: BagFile[] = masters.map((m) => ({ path: `data/${m.copy}`, data: m.data }));
    if (working) {
      const how =
        `WORKING COPY made from the master for viewing; it is not the master.\n` +
        `Run in the bag's data/ folder:\n${working.command}\n${working.ffmpegVersion}\nmethod: ${working.method}\n`;
      payload.push({ path: `data/${working.file}`, data: working.data });
      payload.push({ path: `data/${working.file.replace(/\.mp4$/, '.txt')}`, data: Buffer.from(how) });
    }
    payload.push(
      { path: 'data/record.json', data: Buffer.from(`${JSON.stringify(record, null, 2)}\n`) },
      { path: 'data/record.html', data: Buffer.from(renderRecordHtml(record, log)) },
      { path: 'data/continuity.json', data: Buffer.from(`${JSON.stringify(log, null, 2)}\n`) },
    );
    const info = bagInfoFields(record, who, PRODUCER, key.fingerprint);
    const bag = makeBag(payload, info, [{ path: PUBLIC_KEY_TAG, data: Buffer.from(publicPem(key.publicKey)) }]);
    const tagManifest = bag.find((f) => f.path === TAG_MANIFEST)!;
    bag.push({ path: SIGNATURE, data: Buffer.from(`${key.sign(tagManifest.data).toString('base64')}\n`) });

    const bagName = bagNameOf(order.exhibit);
    const part = `${out}.part`;
    fs.rmSync(part, { force: true });
    // Media are stored as they are; text (manifests, records) is deflated.
    const deflate = (p: string) => !p.startsWith('data/master/') && !p.endsWith('.mp4');
    const entries = bag.map((f) => ({ name: `${bagName}/${f.path}`, data: f.data, deflate: deflate(f.path) }));
    const zip = writeZip(part, entries);
    fs.renameSync(part, out);
    const logged = { candidateId: c?.id, alertId: alert?.id, exhibit: order.exhibit, bytes: zip.bytes };
    deps.log.info(logged, 'evidence package exported');
    return {
      file: out,
      bagName,
      candidateId: c?.id ?? null,
      alertId: alert?.id ?? null,
      bytes: zip.bytes,
      sha256: zip.sha256,
      payloadFiles: payload.length,
      notes,
      keyFingerprint: key.fingerprint,
    };
  } catch (err) {
    const failed = { exhibit: order.exhibit, error: (err as Error).message };
    if (recorded && c) await deps.evidence.custody(c.id, null, `${who.kind}:${who.id}`, 'export_failed', failed);
    throw err;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The H.264 working copy of the master clip, if there is one; a failure becomes a loud note. */
async function workingCopyOf(work: string, masters: MasterFile[], notes: string[]) {
  const clip = masters.find((m) => m.kind === 'clip');
  if (!clip) return null;
  try {
    const copy = await makeWorkingCopy(work, clip.copy);
    const data = fs.readFileSync(path.join(work, copy.file));
    return { ...copy, data, sha256: sha256(data), bytes: data.length };
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    notes.push(`WORKING COPY NOT MADE: ffmpeg failed (${why}); the master clip is included`);
    return null;
  }
}

/**
 * The export is a disclosure: in the audit log (to whom, organisation, why) and, for an
 * evidence item, in its custody log as one "transferred" entry per master with its hash check
 * and one "exported" entry.
 */
async function recordDisclosure(
  deps: ExportDeps,
  order: ExportOrder,
  who: Requester,
  x: { candidate: Candidate | null; alert: Alert | null; masters: MasterFile[]; keyFingerprint: string },
) {
  const c = x.candidate;
  const actor = `${who.kind}:${who.id}`;
  const detail = { exhibit: order.exhibit, to: order.to, organisation: order.organisation, reason: order.reason };
  const names = x.masters.map((m) => m.name);
  if (c) {
    for (const m of x.masters) {
      const check = { sha256: m.sha256, verified: true, to: `exhibit ${order.exhibit}` };
      await deps.evidence.custody(c.id, m.name, actor, 'transferred', check);
    }
    const exported = { ...detail, files: names, keyFingerprint: x.keyFingerprint };
    await deps.evidence.custody(c.id, null, actor, 'exported', exported);
  }
  // Without a candidate the exhibit is the alert itself (resolveCase returns one or the other).
  const a = x.alert!;
  const about = c
    ? { scheme: c.scheme, object: { kind: 'candidate' as const, id: c.id }, subjectId: c.subjectId, alertId: c.alertId }
    : { scheme: a.scheme, object: { kind: 'alert' as const, id: a.id }, subjectId: a.subjectId, alertId: a.id };
  await deps.audit.append({
    scheme: about.scheme,
    actor: { kind: who.kind, id: who.id },
    action: 'disclose',
    object: about.object,
    subjectId: about.subjectId,
    detail: { ...detail, why: order.reason, alertId: about.alertId, files: names },
  });
}
