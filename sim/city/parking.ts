/**
 * The garages of Duisburg's dynamic parking guidance system (Parkleitsystem) as the simulator sees
 * them.
 *
 * SOURCES AND ACCURACY:
 * - The city describes the system (in service since the opening of the Forum, 2008) as about
 *   5,000 spaces in 16 garages and one surface car park, signed in three zones: "City" (yellow
 *   signs), "Innenhafen" (blue) and "Randbereich" (white; e.g. Theater am Marientor, UCI cinema).
 *   The zone names here are those three.
 * - Garage names: from memory and press reports (Königstraße and König-Heinrich-Platz are two
 *   garages of one connected underground car park, entered from Averdunkstraße and Landfermannstraße;
 *   City-Parkhaus in the Unterstraße; the Galeria garage in the Heuserstraße, 400 spaces, reopened
 *   2024; Cityprohouse, Friedrich-Wilhelm-Straße 83, opened 2023 — whether it is connected to the
 *   guidance system is not known). Only 14 of the 16 garages are listed; the surface car park is not.
 * - Capacities are ESTIMATES (`estimated: true`), sized so the total is ~5,000, except the Heuserstraße
 *   garage (400, press report). Positions are approximate (~50-150 m), addresses without house number
 *   where it is not known. Opening hours are plausible, not published ones.
 */
import type { OpeningTimes } from '../../protocol/parking.ts';
import type { LngLat } from './types.ts';

export const PARKING_ZONES = ['City', 'Innenhafen', 'Randbereich'] as const;
export type ParkingZone = (typeof PARKING_ZONES)[number];

/** What drives a garage's demand; weights of the daily profiles in sim/devices/parking.ts. */
export interface DemandMix {
  /** Shoppers: weekdays from 10, strongest on Saturday afternoon, nothing on Sunday. */
  shopping: number;
  /** Commuters and office workers: weekdays 7-18. */
  commuter: number;
  /** Cinema, theatre, concerts, restaurants: evenings, weekends. */
  leisure: number;
  /** Rail travellers: long stays, every day, weekday-heavy. */
  station: number;
  /** Residents' and long-term contract parkers, present around the clock (fraction of capacity). */
  base: number;
}

export interface Garage {
  id: string;
  name: string;
  zone: ParkingZone;
  pos: LngLat;
  address: string;
  capacity: number;
  parkingType: 'carPark' | 'undergroundParking';
  operator?: string;
  openingTimes: OpeningTimes;
  /** True where the capacity is not published (our estimate). */
  estimated: boolean;
  mix: DemandMix;
  /** Mean parking duration, hours. */
  meanStayH: number;
}

const ALWAYS: OpeningTimes = { alwaysOpen: true };
const SHOP_HOURS: OpeningTimes = {
  alwaysOpen: false,
  periods: [
    { days: ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'], from: '07:00', to: '24:00' },
    { days: ['Su'], from: '10:00', to: '24:00' },
  ],
};

export const GARAGES: Garage[] = [
  // ---- City (yellow) ----
  {
    id: 'P-KOENIGSTRASSE',
    name: 'Parkhaus Königstraße',
    zone: 'City',
    pos: [6.7672, 51.4322],
    address: 'Averdunkstraße (Zufahrt), 47051 Duisburg',
    capacity: 500,
    parkingType: 'undergroundParking',
    operator: 'Goldbeck Parking Services',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.6, commuter: 0.35, leisure: 0.15, station: 0, base: 0.06 },
    meanStayH: 2.5,
  },
  {
    id: 'P-KHP',
    name: 'Tiefgarage König-Heinrich-Platz',
    zone: 'City',
    pos: [6.7652, 51.4335],
    address: 'Landfermannstraße (Zufahrt), 47051 Duisburg',
    capacity: 450,
    parkingType: 'undergroundParking',
    operator: 'Goldbeck Parking Services',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.45, commuter: 0.3, leisure: 0.35, station: 0, base: 0.05 },
    meanStayH: 2.5,
  },
  {
    id: 'P-FORUM',
    name: 'Parkhaus Forum',
    zone: 'City',
    pos: [6.7695, 51.4314],
    address: 'Königstraße 48 (Forum Duisburg), 47051 Duisburg',
    capacity: 650,
    parkingType: 'carPark',
    operator: 'Goldbeck Parking Services',
    openingTimes: SHOP_HOURS,
    estimated: true,
    mix: { shopping: 0.95, commuter: 0.1, leisure: 0.05, station: 0, base: 0.02 },
    meanStayH: 2,
  },
  {
    id: 'P-KOENIGSGALERIE',
    name: 'Parkhaus Königsgalerie',
    zone: 'City',
    pos: [6.7718, 51.4322],
    address: 'Königstraße (Königsgalerie), 47051 Duisburg',
    capacity: 400,
    parkingType: 'carPark',
    operator: 'Goldbeck Parking Services',
    openingTimes: SHOP_HOURS,
    estimated: true,
    mix: { shopping: 0.92, commuter: 0.15, leisure: 0.05, station: 0, base: 0.02 },
    meanStayH: 2,
  },
  {
    id: 'P-CITYPALAIS',
    name: 'Parkhaus CityPalais',
    zone: 'City',
    pos: [6.7638, 51.4327],
    address: 'Königstraße / Landfermannstraße (CityPalais), 47051 Duisburg',
    capacity: 450,
    parkingType: 'undergroundParking',
    operator: 'Vollmer-Gruppe',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.45, commuter: 0.2, leisure: 0.5, station: 0, base: 0.04 },
    meanStayH: 2.5,
  },
  {
    id: 'P-CITYPARKHAUS',
    name: 'City-Parkhaus',
    zone: 'City',
    pos: [6.7622, 51.4348],
    address: 'Unterstraße 19, 47051 Duisburg',
    capacity: 300,
    parkingType: 'carPark',
    openingTimes: SHOP_HOURS,
    estimated: true,
    mix: { shopping: 0.6, commuter: 0.4, leisure: 0.1, station: 0, base: 0.03 },
    meanStayH: 3,
  },
  {
    id: 'P-HEUSERSTRASSE',
    name: 'Parkhaus Heuserstraße',
    zone: 'City',
    pos: [6.7696, 51.4286],
    address: 'Heuserstraße, 47051 Duisburg',
    capacity: 400,
    parkingType: 'carPark',
    operator: 'Parkbetriebe Gathen',
    openingTimes: SHOP_HOURS,
    estimated: false,
    mix: { shopping: 0.55, commuter: 0.35, leisure: 0.05, station: 0, base: 0.02 },
    meanStayH: 3,
  },
  {
    id: 'P-AVERDUNK',
    name: 'Parkhaus Averdunk-Zentrum',
    zone: 'City',
    pos: [6.7684, 51.4306],
    address: 'Averdunkstraße, 47051 Duisburg',
    capacity: 250,
    parkingType: 'carPark',
    openingTimes: SHOP_HOURS,
    estimated: true,
    mix: { shopping: 0.5, commuter: 0.45, leisure: 0.05, station: 0, base: 0.04 },
    meanStayH: 3.5,
  },
  {
    id: 'P-CITYPROHOUSE',
    name: 'Parkhaus Cityprohouse',
    zone: 'City',
    pos: [6.7692, 51.4297],
    address: 'Friedrich-Wilhelm-Straße 83, 47051 Duisburg',
    capacity: 120,
    parkingType: 'carPark',
    openingTimes: SHOP_HOURS,
    estimated: true,
    mix: { shopping: 0.5, commuter: 0.4, leisure: 0.05, station: 0.1, base: 0.03 },
    meanStayH: 1.5,
  },
  {
    id: 'P-HBF',
    name: 'Parkhaus Hauptbahnhof',
    zone: 'City',
    pos: [6.7762, 51.4281],
    address: 'Portsmouthplatz / Hauptbahnhof, 47051 Duisburg',
    capacity: 350,
    parkingType: 'carPark',
    operator: 'DB BahnPark',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.1, commuter: 0.3, leisure: 0.1, station: 0.75, base: 0.08 },
    meanStayH: 6,
  },
  // ---- Innenhafen (blue) ----
  {
    id: 'P-INNENHAFEN',
    name: 'Parkhaus Innenhafen',
    zone: 'Innenhafen',
    pos: [6.7662, 51.4402],
    address: 'Philosophenweg / Innenhafen, 47051 Duisburg',
    capacity: 350,
    parkingType: 'carPark',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.05, commuter: 0.6, leisure: 0.45, station: 0, base: 0.05 },
    meanStayH: 4,
  },
  {
    id: 'P-SCHWANENTOR',
    name: 'Parkhaus Schwanentor (Landesarchiv)',
    zone: 'Innenhafen',
    pos: [6.7624, 51.4386],
    address: 'Schwanentor / Schifferstraße, 47051 Duisburg',
    capacity: 250,
    parkingType: 'carPark',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.15, commuter: 0.6, leisure: 0.35, station: 0, base: 0.05 },
    meanStayH: 4,
  },
  // ---- Randbereich (white) ----
  {
    id: 'P-TAM',
    name: 'Parkhaus Theater am Marientor',
    zone: 'Randbereich',
    pos: [6.7562, 51.4343],
    address: 'Plessingstraße / Marientor, 47051 Duisburg',
    capacity: 400,
    parkingType: 'carPark',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.15, commuter: 0.35, leisure: 0.8, station: 0, base: 0.03 },
    meanStayH: 3,
  },
  {
    id: 'P-UCI',
    name: 'Parkhaus UCI Kinowelt',
    zone: 'Randbereich',
    pos: [6.7822, 51.4291],
    address: 'Neudorfer Straße, 47057 Duisburg',
    capacity: 350,
    parkingType: 'carPark',
    openingTimes: ALWAYS,
    estimated: true,
    mix: { shopping: 0.05, commuter: 0.3, leisure: 0.9, station: 0.1, base: 0.03 },
    meanStayH: 3,
  },
];

export const TOTAL_PARKING_CAPACITY = GARAGES.reduce((s, g) => s + g.capacity, 0);
