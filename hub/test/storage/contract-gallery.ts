import { decodeDescriptor } from '@shopwatch/protocols';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors';
import type { NewTemplate } from '../../src/storage/gallery-repository';
import type { ContractContext } from './contract';
import { DAY, OTHER_SCHEME, SCHEME, iso } from './contract-fixtures';

const template = (id: string, subjectId: string, expiresAt = iso(30 * DAY)): NewTemplate => ({
  id,
  scheme: SCHEME,
  subjectId,
  photoId: null,
  descriptor: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i + id.length)),
  expiresAt,
});

export function galleryContract({ s, reopen }: ContractContext) {
  describe('GalleryRepository', () => {
    it('bumps the scheme version with every change and hands out the descriptors bit for bit', async () => {
      const g = s().gallery;
      expect(await g.version(SCHEME)).toBe(0);
      const t = template('tpl-1', 'subj-1');
      const v1 = await g.addTemplates(SCHEME, [t, template('tpl-22', 'subj-2')]);
      expect(v1).toBe(1);
      expect(await g.version(SCHEME)).toBe(1);
      expect(await g.version(OTHER_SCHEME)).toBe(0);
      const active = await g.activeTemplates(SCHEME, iso(0));
      expect(active.map((x) => [x.subjectId, x.templateId, x.version])).toEqual([
        ['subj-1', 'tpl-1', 1],
        ['subj-2', 'tpl-22', 1],
      ]);
      expect(decodeDescriptor(active[0]!.descriptor)).toEqual(t.descriptor);
      expect(await g.count('subj-1')).toBe(1);
      const renewedTo = iso(60 * DAY);
      expect(await g.renew(SCHEME, 'subj-1', renewedTo)).toBe(2);
      expect((await g.activeTemplates(SCHEME, iso(0)))[0]!.expiresAt).toBe(renewedTo);
      expect(await g.removeSubject(SCHEME, 'subj-1')).toBe(3);
      expect(await g.count('subj-1')).toBe(0);
      expect((await g.activeTemplates(SCHEME, iso(0))).map((x) => x.templateId)).toEqual(['tpl-22']);
    });

    it('purges expired templates and names the schemes and subjects whose version moved', async () => {
      const g = s().gallery;
      await g.addTemplates(SCHEME, [template('tpl-old', 'subj-old', iso(-1000)), template('tpl-new', 'subj-new')]);
      expect((await g.activeTemplates(SCHEME, iso(0))).map((x) => x.templateId)).toEqual(['tpl-new']);
      expect(await g.purgeExpired(iso(0))).toEqual([{ scheme: SCHEME, version: 2, subjects: ['subj-old'] }]);
      expect(await g.count('subj-old')).toBe(0);
      expect(await g.purgeExpired(iso(0))).toEqual([]); // nothing left: no version bump
      expect(await g.version(SCHEME)).toBe(2);
    });

    it('adds a batch of templates all or nothing: one clashing id changes nothing', async () => {
      const g = s().gallery;
      await g.addTemplates(SCHEME, [template('tpl-1', 'subj-1')]);
      const clash = g.addTemplates(SCHEME, [template('tpl-2', 'subj-2'), template('tpl-1', 'subj-2')]);
      await expect(clash).rejects.toBeInstanceOf(ConflictError);
      expect(await g.version(SCHEME)).toBe(1);
      expect(await g.count('subj-2')).toBe(0);
    });

    it('remembers the last version each edge box applied', async () => {
      const g = s().gallery;
      expect(await g.applied('edge-boots')).toBeNull();
      await g.recordApplied('edge-boots', 3, 12, iso(0));
      const at = iso(1000);
      await g.recordApplied('edge-boots', 4, 11, at);
      expect(await g.applied('edge-boots')).toEqual({ version: 4, templates: 11, appliedAt: at });
    });

    it('keeps what it acknowledged across a close and reopen', async () => {
      await s().gallery.addTemplates(SCHEME, [template('tpl-1', 'subj-1')]);
      const again = await reopen();
      expect(await again.gallery.version(SCHEME)).toBe(1);
      expect(await again.gallery.count('subj-1')).toBe(1);
    });
  });
}
