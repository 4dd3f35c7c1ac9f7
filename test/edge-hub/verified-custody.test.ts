import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandidateReport, topics } from '@shopwatch/protocols';
import { uploadFile } from '../../edge-agent/src/uplink/files';
import { addSubject, candidateItem } from './support/evidence';
import { startTestHub, tempDir } from '../../hub/test/support/hub';
import { TestDevice } from '../../hub/test/support/mqtt';

/**
 * A verified evidence file and its "received" custody entry are one fact: nobody (a reviewer,
 * an export, a test) may ever see the file verified while its custody log lacks the entry, and
 * a crash between the two must not leave a verified master with a gap in its chain of custody.
 */
describe('evidence verification and its custody entry', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let edge: TestDevice;
  const dir = tempDir();

  beforeAll(async () => {
    hub = await startTestHub();
    edge = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
    await addSubject(hub, 'subj-1');
  });
  afterAll(async () => {
    await edge?.end();
    await hub?.stop();
  });

  it('never shows a file verified before its received custody entry is there', async () => {
    const item = await candidateItem(dir, 'custody-0001');
    await edge.publish(
      topics.evidence('town', 'edge-boots'),
      CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) }),
    );
    const repo = hub.services.evidenceRepo;
    // Looks at storage once per turn of the event loop while the files upload: each look reads
    // the file and its custody log in the same turn (the SQLite reads run when called), so a
    // verification committed in one transaction and its custody entry in a later one is seen.
    let looks = 0;
    let verifiedSeen = 0;
    const gaps: string[] = [];
    let watching = true;
    const look = () => {
      if (!watching) return;
      looks++;
      for (const f of item.files) {
        void Promise.all([repo.getFile('custody-0001', f.name), repo.custodyLog('custody-0001')]).then(
          ([file, log]) => {
            if (!file?.verifiedAt) return;
            verifiedSeen++;
            if (!log.some((e) => e.action === 'received' && e.name === f.name)) gaps.push(f.name);
          },
        );
      }
      setImmediate(look);
    };
    setImmediate(look);
    const hubHttp = { baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' };
    try {
      for (const f of item.files) {
        expect(await uploadFile(hubHttp, 'custody-0001', f.name, f.path!, f.sha256)).toMatchObject({
          status: 'verified',
        });
      }
    } finally {
      watching = false;
    }
    expect(looks).toBeGreaterThan(10);
    expect(verifiedSeen).toBeGreaterThan(0); // the look did see verified files: it could have found a gap
    expect(gaps, 'files seen verified without their received custody entry').toEqual([]);
    const log = await repo.custodyLog('custody-0001');
    for (const f of item.files) {
      expect(log.filter((e) => e.action === 'received' && e.name === f.name)).toHaveLength(1);
    }
  });
});
