import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HubError } from '../errors';
import { type BagFile, SIGNATURE, TAG_MANIFEST, makeBag, sha256 } from './bagit';
import { type ExportDeps, type Requester, continuity, copyMasters, resolveCase } from './evidence-case';
import { SigningKey, publicPem } from './keys';
import { type EvidenceRecord, renderRecordHtml, toHubClock } from './record';
import { type WorkingCopy, makeWorkingCopy } from './working-copy';
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
  candidateId: string;
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
 * Builds a police evidence package for one confirmed gallery match and writes it to `out` (a
 * new file). Everything that can fail (finding the case, checking the masters, making the
 * working copy) runs before the disclosure is recorded, so a refused export leaves no false
 * "exported" in the custody log; the package then carries that very entry in its continuity log.
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
  const scheme = await deps.repo.getScheme(c.scheme);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-export-'));
  let recorded = false;
  try {
    const { masters, notes } = await copyMasters(deps, c, work);
    const clip = masters.find((m) => m.kind === 'clip');
    let working: WorkingCopy | null = null;
    if (clip) {
      fs.mkdirSync(path.join(work, 'working'), { recursive: true });
      try {
        working = await makeWorkingCopy(work, clip.copy);
      } catch (err) {
        const why = (err as Error).message.split('\n')[0];
        notes.push(`WORKING COPY NOT MADE: ffmpeg failed (${why}); the master clip is included`);
      }
    }
    const key = SigningKey.loadOrCreate(deps.dataDir);
    const actor = `${who.kind}:${who.id}`;
    const detail = { exhibit: order.exhibit, to: order.to, organisation: order.organisation, reason: order.reason };
    const names = masters.map((m) => m.name);
    for (const m of masters) {
      const check = { sha256: m.sha256, verified: true, to: `exhibit ${order.exhibit}` };
      await deps.evidence.custody(c.id, m.name, actor, 'transferred', check);
    }
    const exported = { ...detail, files: names, keyFingerprint: key.fingerprint };
    await deps.evidence.custody(c.id, null, actor, 'exported', exported);
    deps.audit.append({
      scheme: c.scheme, actor: { kind: who.kind, id: who.id }, action: 'disclose',
      object: { kind: 'candidate', id: c.id }, subjectId: c.subjectId,
      detail: { ...detail, why: order.reason, alertId: c.alertId, files: names },
    });
    recorded = true;

    const generatedAt = new Date().toISOString();
    const files: EvidenceRecord['files'] = masters.map((m) => ({
      name: m.name, kind: m.kind, sha256: m.sha256, bytes: m.bytes, path: `data/${m.copy}`, role: 'master',
    }));
    const payload: BagFile[] = masters.map((m) => ({ path: `data/${m.copy}`, data: m.data }));
    if (working) {
      const data = fs.readFileSync(path.join(work, working.file));
      payload.push({ path: `data/${working.file}`, data });
      const name = path.basename(working.file);
      const bagPath = `data/${working.file}`;
      files.push({ name, kind: 'clip', sha256: sha256(data), bytes: data.length, path: bagPath, role: 'working copy' });
      const how = `WORKING COPY made from the master for viewing; it is not the master.\n` +
        `Run in the bag's data/ folder:\n${working.command}\n${working.ffmpegVersion}\nmethod: ${working.method}\n`;
      payload.push({ path: `data/${working.file.replace(/\.mp4$/, '.txt')}`, data: Buffer.from(how) });
    }
    const { claimedBy: _b, claimedUntil: _u, files: _f, ...rest } = c;
    const record: EvidenceRecord = {
      kind: 'shopwatch-evidence-record', version: 1, exhibit: order.exhibit, generatedAt,
      producer: { id: who.id, name: who.name, scheme: { id: c.scheme, name: scheme?.name ?? c.scheme } },
      disclosure: { to: order.to, organisation: order.organisation, reason: order.reason },
      candidate: { ...rest, subjectAlias: deps.alias(c.scheme, c.subjectId) },
      review: { status: c.status, decidedBy: c.decidedBy, decidedAt: c.decidedAt, reason: c.reason },
      alert,
      clock: {
        edgeClockOffsetMs: c.clockOffsetMs,
        capturedAtEdgeClock: c.capturedAt,
        capturedAtHubClock: toHubClock(c.capturedAt, c.clockOffsetMs),
      },
      files,
      workingCopy: working
        ? { path: `data/${working.file}`, command: working.command, ffmpegVersion: working.ffmpegVersion,
            method: working.method }
        : null,
      notes,
    };
    const log = await continuity(deps, c);
    payload.push(
      { path: 'data/record.json', data: Buffer.from(`${JSON.stringify(record, null, 2)}\n`) },
      { path: 'data/record.html', data: Buffer.from(renderRecordHtml(record, log)) },
      { path: 'data/continuity.json', data: Buffer.from(`${JSON.stringify(log, null, 2)}\n`) },
    );

    const info: [string, string][] = [
      ['Source-Organization', scheme?.name ?? c.scheme],
      ['Contact-Name', who.name ?? who.id],
      ['External-Description', `Gallery-match evidence (candidate ${c.id}) from camera ${c.cameraId}` +
        `${c.store ? ` at store ${c.store}` : ''}, captured ${c.capturedAt}, ` +
        `confirmed by ${c.decidedBy ?? 'a reviewer'}; ` +
        `disclosed to ${order.to}, ${order.organisation}.`],
      ['Bagging-Date', generatedAt.slice(0, 10)],
      ['External-Identifier', order.exhibit],
      ['Bag-Software-Agent', PRODUCER],
      ['Exhibit-Producer', `${who.name ?? who.id} (${who.kind}:${who.id})`],
      ['Scheme', `${scheme?.name ?? c.scheme} (${c.scheme})`],
      ['Disclosed-To', order.to],
      ['Disclosed-To-Organisation', order.organisation],
      ['Disclosure-Reason', order.reason],
      ['Candidate-Id', c.id],
      ['Alert-Id', c.alertId ?? 'none'],
      ['Camera-Id', c.cameraId],
      ['Edge-Device', c.deviceId],
      ['Captured-At-Edge-Clock', c.capturedAt],
      ['Edge-Clock-Offset-Ms', String(c.clockOffsetMs)],
      ['Captured-At-Hub-Clock', record.clock.capturedAtHubClock],
      ['Signature', `${SIGNATURE}: Ed25519 over ${TAG_MANIFEST}, base64`],
      ['Signing-Key-Fingerprint', key.fingerprint],
      ...notes.map((n): [string, string] => ['Evidence-Note', n]),
    ];
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
    const logged = { candidateId: c.id, exhibit: order.exhibit, to: order.organisation, bytes: zip.bytes };
    deps.log.info(logged, 'evidence package exported');
    return {
      file: out, bagName, candidateId: c.id, bytes: zip.bytes, sha256: zip.sha256, payloadFiles: payload.length,
      notes, keyFingerprint: key.fingerprint,
    };
  } catch (err) {
    const failed = { exhibit: order.exhibit, error: (err as Error).message };
    if (recorded) await deps.evidence.custody(c.id, null, `${who.kind}:${who.id}`, 'export_failed', failed);
    throw err;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
