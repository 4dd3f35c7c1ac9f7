import type { ErrorBody } from '@shopwatch/protocols';
import { HubError } from '../errors';

/** Smallest face (box side, in photo pixels) that gives a usable template. */
export const MIN_FACE_PX = 60;

type Box = { x: number; y: number; w: number; h: number };

export interface CheckedPhoto {
  width: number;
  height: number;
  face: { score: number; box: Box };
  descriptor: Float32Array;
}

export interface FaceChecker {
  check(image: Buffer): Promise<CheckedPhoto>;
}

/**
 * A photo refused for its faces (none, several, too small). The error body carries the boxes
 * found, in pixels of a photo of `width` × `height`, so the console can draw them on a preview
 * and the coordinator sees what to crop.
 */
export class PhotoRefused extends HubError {
  constructor(
    message: string,
    readonly faces: NonNullable<ErrorBody['faces']>,
  ) {
    super('bad_request', message);
  }
  override toBody(): ErrorBody {
    return { ...super.toBody(), faces: this.faces };
  }
}

/**
 * Checks an enrolment photo with the vision library: it must decode, hold exactly one face, and
 * that face must be big enough. Then computes its descriptor. The models load on first use.
 */
export class VisionFaceChecker implements FaceChecker {
  private vision: Promise<import('@shopwatch/models').Vision> | null = null;

  private load() {
    return (this.vision ??= import('@shopwatch/models').then((m) => m.loadVision()));
  }

  async check(image: Buffer): Promise<CheckedPhoto> {
    const models = await import('@shopwatch/models');
    let img: { rgb: Buffer; width: number; height: number };
    try {
      img = await models.decodeImage(image, { maxSide: 2048 });
    } catch (e) {
      throw new HubError('bad_request', `the photo could not be read as an image: ${(e as Error).message}`);
    }
    const vision = await this.load();
    const faces = await vision.detectFaces(img.rgb, img.width, img.height);
    const found = {
      width: img.width,
      height: img.height,
      boxes: faces.map(({ box: b, score }) => ({
        x: Math.round(b.x),
        y: Math.round(b.y),
        w: Math.round(b.w),
        h: Math.round(b.h),
        score: Math.round(score * 100) / 100,
      })),
    };
    if (faces.length === 0) {
      throw new PhotoRefused('no face found in the photo: use a clear, frontal photo of the subject', found);
    }
    if (faces.length > 1) {
      throw new PhotoRefused(`the photo holds ${faces.length} faces: crop it so that only the subject is in it`, found);
    }
    const face = faces[0]!;
    const side = Math.min(face.box.w, face.box.h);
    if (side < MIN_FACE_PX) {
      const px = Math.round(side);
      const why = `the face is ${px} px across; at least ${MIN_FACE_PX} px is needed for a usable template`;
      throw new PhotoRefused(why, found);
    }
    const descriptor = await vision.describeFace(vision.alignFace(img.rgb, img.width, img.height, face));
    return { width: img.width, height: img.height, face: { score: face.score, box: face.box }, descriptor };
  }
}
