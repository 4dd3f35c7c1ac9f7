import { readFileSync } from 'node:fs';
import { MANIFEST_PATH } from './paths.ts';

export type Point = [number, number];

export interface ModelEntry {
  task: string;
  file: string;
  sha256: string | null;
  source: { npm: string; version: string; integrity?: string; files: string[]; how: string; origin: string };
  licence: { weights: string; statedIn: string };
  input: { name: string; shape: (number | string)[]; layout: string; range: [number, number]; normalise: string };
  outputs: { name: string; shape: (number | string)[]; meaning: string }[];
}

export interface BlazeFaceEntry extends ModelEntry {
  postprocess: {
    heads: { scores: string; boxes: string; grid: number; anchorsPerCell: number }[];
    scoreThreshold: number;
    nms: { iouThreshold: number };
    keypoints: string[];
  };
}

export interface Manifest {
  models: { blazeface: BlazeFaceEntry; facerec: ModelEntry };
  alignment: {
    template112: { rightEye: Point; leftEye: Point; noseTip: Point; mouthCentre: Point };
    chip: { size: number; templateSquare: { x: number; y: number; size: number } };
  };
  match: { metric: 'euclidean'; threshold: number; chosenBy: string; [k: string]: unknown };
}

export type ModelName = keyof Manifest['models'];

export function readManifest(path = MANIFEST_PATH): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}
