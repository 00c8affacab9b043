/**
 * The live picture on the map: each drone's newest frame draped on its camera footprint as a
 * deck.gl BitmapLayer. The frame is warped onto a north-up ground rectangle first (warp.ts, from
 * the frame's own pose), because a BitmapLayer with four free corners maps the picture affinely per
 * triangle and would misplace the middle of a tilted view.
 */
import { BitmapLayer } from '@deck.gl/layers';
import type { DroneFeed } from './video.svelte.ts';

export function videoDrapeLayers(feeds: readonly DroneFeed[], _drapeVersion: number, opacity = 0.92): BitmapLayer[] {
  const out: BitmapLayer[] = [];
  for (const f of feeds) {
    if (!f.drapeBitmap || !f.drapeBounds) continue;
    out.push(
      new BitmapLayer({
        id: `drone-video-${f.droneId}`,
        image: f.drapeBitmap,
        bounds: f.drapeBounds,
        opacity,
        pickable: false,
      } as never),
    );
  }
  return out;
}
