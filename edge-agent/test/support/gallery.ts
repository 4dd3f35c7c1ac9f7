import { encodeDescriptor } from '@shopwatch/protocols';
import { GalleryStore } from '../../src/gallery/store';

/**
 * A gallery of one subject, "S", with one template. The default descriptor matches nobody in the
 * test footage: frames are searched in full and every face is judged a non-match.
 */
export function oneSubjectGallery(
  dir: string,
  descriptor: Float32Array = new Float32Array(128).fill(0.05),
): GalleryStore {
  const gallery = new GalleryStore(dir);
  gallery.apply({
    scheme: 'town',
    version: 1,
    templates: [
      {
        subjectId: 'S',
        templateId: 't1',
        version: 1,
        descriptor: encodeDescriptor(descriptor),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    ],
  });
  return gallery;
}
