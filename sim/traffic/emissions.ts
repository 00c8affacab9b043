/**
 * Extra emissions caused at signals: idling in queues and stop/re-start cycles, for the simulator's
 * ground truth (what an optimiser saves by fewer stops and shorter queues), not an inventory.
 *
 * The factors are HBEFA-like orders of magnitude for the German passenger-car fleet, derived by
 * hand, NOT values taken from the HBEFA 4.x tables (no licensed copy was at hand):
 *
 * - Idling: a warm passenger car burns about 0.6-1.0 l/h at idle. 0.8 l/h of petrol
 *   (0.745 kg/l, 3.17 kg CO2 per kg fuel) is 0.52 g/s CO2; diesel (0.7 l/h, 2.65 kg CO2/l) 0.52 g/s.
 *   -> 0.55 g/s CO2 per idling vehicle.
 * - A stop from and back to 50 km/h costs about 10-20 ml of fuel more than passing at constant
 *   speed (braking wastes the kinetic energy ~0.1 MJ at 50 km/h for a 1.4 t car, at ~25 % engine
 *   efficiency on re-acceleration plus the idle while standing is counted separately).
 *   -> 35 g CO2 per stop.
 * - NOx: fleet mix of about 30 % diesel (Euro 4-6d) and petrol cars; idle NOx of warm cars is low
 *   (about 1-2 mg/s on average, dominated by older diesels), acceleration phases dominate (tens of
 *   mg per re-start from a stop). -> 1.5 mg/s idling, 60 mg per stop.
 *
 * Replace these by HBEFA 4.2 emission factors per traffic situation ("Stop+go" minus "Freeflow",
 * urban main road, 50 km/h) when the data set is licensed for the project.
 */
export const IDLE_CO2_G_PER_S = 0.55;
export const STOP_CO2_G = 35;
export const IDLE_NOX_G_PER_S = 0.0015;
export const STOP_NOX_G = 0.06;

/** CO2 (g) and NOx (g) from idle vehicle-seconds and stops. */
export function emissions(idleVehS: number, stops: number): { co2G: number; noxG: number } {
  return { co2G: IDLE_CO2_G_PER_S * idleVehS + STOP_CO2_G * stops, noxG: IDLE_NOX_G_PER_S * idleVehS + STOP_NOX_G * stops };
}
