/**
 * The device kinds besides signal installations. Each lives in its own file and is listed here.
 */
import { createConstructionHandler } from './construction.ts';
import { createDroneHandler } from './drone.ts';
import { createEnvironmentHandler } from './environment.ts';
import { createLightingHandler } from './lighting.ts';
import { createParkingHandler } from './parking.ts';
import { createTransitHandler } from './transit.ts';
import type { IngestContext, KindHandler } from './types.ts';

export function createOtherHandlers(ctx: IngestContext): KindHandler[] {
  return [
    createTransitHandler(ctx),
    createParkingHandler(ctx),
    createLightingHandler(ctx),
    createEnvironmentHandler(ctx),
    createConstructionHandler(ctx),
    createDroneHandler(ctx),
  ];
}
