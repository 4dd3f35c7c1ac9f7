import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../src/files/local-blob-store';
import { tempDir } from './support/hub';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

describe('the local blob store', () => {
  it('refuses keys that would leave its directory, and writes nothing for them', async () => {
    const root = path.join(tempDir(), 'blobs');
    const store = new LocalBlobStore(root);
    for (const key of ['../x', 'evidence/../../x', '/etc/passwd', 'a//b', '.hidden', 'evidence/.', 'a/b\\c']) {
      await expect(store.put(key, Buffer.from('x')), key).rejects.toMatchObject({ code: 'bad_request' });
      expect(() => store.localPath(key), key).toThrow();
    }
    expect(fs.readdirSync(path.dirname(root))).toEqual(['blobs']);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('writes at the offset it is given: a second writer of the same bytes leaves the same file', async () => {
    const store = new LocalBlobStore(tempDir());
    expect(await store.writeAt('e/c1/clip.mp4.part', 0, chunks('abc', 'def'), () => {})).toBe(6);
    // A late first try re-sends bytes 2..5 after a retry finished the file: nothing moves or grows.
    await store.writeAt('e/c1/clip.mp4.part', 2, chunks('cdef'), () => {});
    expect((await store.read('e/c1/clip.mp4.part')).toString()).toBe('abcdef');
    expect(await store.size('e/c1/clip.mp4.part')).toBe(6);
  });

  it('keeps what was written before a chunk was refused, and publishes once', async () => {
    const store = new LocalBlobStore(tempDir());
    const refuse = (c: Buffer) => {
      if (c.toString() === 'bad') throw new Error('refused');
    };
    await expect(store.writeAt('k/f.part', 0, chunks('good', 'bad'), refuse)).rejects.toThrow('refused');
    expect((await store.read('k/f.part')).toString()).toBe('good');
    expect(await store.publish('k/f.part', 'k/f')).toBe(true);
    expect(await store.publish('k/f.part', 'k/f')).toBe(false); // another replica was first
    expect(await store.size('k/f.part')).toBeNull();
    expect((await store.head('k/f', 2)).toString()).toBe('go');
  });
});
