/**
 * The live picture on the map: each drone's newest frame draped on its camera footprint as a
 * deck.gl BitmapLayer (corners from the frame's own pose, so picture and place always match).
 */
import { BitmapLayer } from '@deck.gl/layers';
import type { DroneFeed } from './video.svelte.ts';

export function videoDrapeLayers(feeds: readonly DroneFeed[], _drapeVersion: number, opacity = 0.92): BitmapLayer[] {
  const out: BitmapLayer[] = [];
  for (const f of feeds) {
    if (!f.drapeBitmap || !f.drapeCorners) continue;
    out.push(
      new BitmapLayer({
        id: `drone-video-${f.droneId}`,
        image: f.drapeBitmap,
        bounds: f.drapeCorners,
        opacity,
        pickable: false,
      } as never),
    );
  }
  return out;
}
