/**
 * Duisburg's public transport as the simulator sees it: the tram lines 901 and 903, the Stadtbahn
 * U79, six DVG bus lines, and generated bus lines over the outer districts that bring the fleet in
 * service to a full-city size (~400 vehicles at the weekday peak).
 *
 * SOURCES AND ACCURACY (read before trusting anything here):
 * - Line routes and the *order* of stops come from memory of the DVG network, checked against the
 *   stop names that appear in public DVG/press notices about diversions (Umleitungen, Busse statt
 *   Bahnen) — e.g. 903 Dinslaken Bf … Watereck … Marxloh Pollmann … Hamborn Rathaus … Meiderich …
 *   Hbf … Platanenhof … Brückenplatz … Pauluskirche … Rheintörchenstraße … Berzelius … Mannesmann
 *   Tor 2; 901 Mülheim … Zoo/Uni … Duissern … Hbf … König-Heinrich-Platz … Rathaus … Landesarchiv NRW
 *   … Ruhrort … Scholtenhofstraße … Thyssen Tor 30 … Obermarxloh Schleife; U79 Meiderich Süd Bf …
 *   Duissern … Hbf … Platanenhof … Grunewald … Kulturstraße … Sittardsberg … Im Schlenk … Kesselsberg.
 *   Not every real stop is listed (lines have fewer stops than in reality), and a few stops carry a
 *   descriptive placeholder name (marked `placeholder: true`) where the real name is not known.
 * - Coordinates are approximate (no survey, no operator GTFS, no OSM): typically 100-300 m off,
 *   and chosen to lie on the simulator's own road network (sim/city/duisburg.ts) and base map, so
 *   that buses cross the modelled signalised junctions. Geometry is a simplification of the track.
 * - Timetables are *patterns* (headway by time of day, run times from distance and mode speed),
 *   not the published DVG timetable.
 * - Lines 901, 903 and U79 continue beyond Duisburg (Mülheim an der Ruhr, Düsseldorf); only the
 *   part in Duisburg (plus 903 to Dinslaken Bf) is modelled.
 * Everything is flagged `estimated: true` in the meta the devices announce; generated lines are
 * flagged `generated: true` and have no real counterpart.
 */
import type { DayType, HeadwayBand, TransitMode } from '../../protocol/transit.ts';
import { Rng } from '../rng.ts';
import { CITY_BOUNDARY, INTERSECTIONS, LINKS, RHINE_CENTRELINE, bearingDeg, distanceM, pointInRing, polylineDistance } from './duisburg.ts';
import type { Intersection, LngLat } from './types.ts';

// ---- stops ------------------------------------------------------------------------------------------

export interface StopDef {
  id: string;
  name: string;
  pos: LngLat;
  /** Descriptive stand-in: the real stop's name is not known. */
  placeholder?: boolean;
  /** Outside the city of Duisburg (903 into Dinslaken). */
  outsideCity?: boolean;
}

const S = (id: string, name: string, lon: number, lat: number, extra: Partial<StopDef> = {}): StopDef => ({ id, name, pos: [lon, lat], ...extra });

/** Stops by id. Ids are ours (short, topic-safe); names as signed where known. */
export const STOPS: ReadonlyMap<string, StopDef> = new Map(
  [
    // Centre: underground Stadtbahn stations and the two sides of the Hauptbahnhof bus station
    S('HBF_U', 'Duisburg Hbf', 6.7745, 51.4305),
    S('HBF_W', 'Duisburg Hbf. Westeingang', 6.7737, 51.43),
    S('HBF_O', 'Duisburg Hbf. Osteingang', 6.7786, 51.4297),
    S('KHP', 'König-Heinrich-Platz', 6.7652, 51.4328),
    S('RATHAUS', 'Rathaus', 6.7622, 51.4362),
    S('MUSFELD_U', 'Musfeldstraße', 6.7722, 51.424),
    S('PLATANENHOF', 'Platanenhof', 6.7716, 51.4207),
    S('DUISSERN', 'Duissern', 6.78, 51.4395),
    S('AUF_DEM_DAMM', 'Auf dem Damm', 6.779, 51.45),
    S('TONHALLE', 'Tonhallenstraße', 6.7716, 51.4296),
    S('LEHMBRUCK', 'Lehmbruck-Museum', 6.7675, 51.4304),
    S('FW_PLATZ', 'Friedrich-Wilhelm-Platz', 6.7635, 51.4314),
    S('MARIENTOR', 'Marientor', 6.7551, 51.4353),
    // 901 north: Innenhafen - Kaßlerfeld - Ruhrort - Laar - Beeck - Bruckhausen - Marxloh
    S('LANDESARCHIV', 'Landesarchiv NRW', 6.7606, 51.441),
    S('KASSLERFELDER', 'Kaßlerfelder Straße', 6.7592, 51.445),
    S('ALBERTSTR', 'Albertstraße', 6.753, 51.4488),
    S('KARLSTR', 'Karlstraße', 6.7478, 51.4535),
    S('FRIEDRICHSPLATZ', 'Friedrichsplatz', 6.7435, 51.4575),
    S('RUHRORT_BF', 'Ruhrort Bf.', 6.7375, 51.4593),
    S('RUHRORT_VK', 'Ruhrort Verteilerkreis', 6.7356, 51.4635),
    S('SCHOLTENHOF', 'Scholtenhofstraße', 6.7365, 51.4705),
    S('THYSSEN30', 'Thyssen Tor 30', 6.741, 51.4768),
    S('BRUCKHAUSEN', 'Bruckhausen', 6.748, 51.488, { placeholder: true }),
    S('POLLMANN_901', 'Marxloh Pollmann', 6.7585, 51.5012),
    S('OBERMARXLOH', 'Obermarxloh Schleife', 6.7755, 51.5078),
    // 901 east: Duissern - Neudorf - Zoo/Uni
    S('LUTHERPLATZ', 'Lutherplatz', 6.7852, 51.4378),
    S('SCHWEIZER', 'Schweizer Straße', 6.7962, 51.437),
    S('ZOO_UNI', 'Zoo/Uni', 6.808, 51.4388),
    // 903 / U79 north: Meiderich - Hamborn - Marxloh - Walsum - Dinslaken
    S('MEIDERICH_SUED', 'Meiderich Süd Bf', 6.7745, 51.461),
    S('EMILSTR', 'Emilstraße', 6.7716, 51.468),
    S('BRUECKELSTR', 'Brückelstraße', 6.7703, 51.4735),
    S('LAPANO', 'Landschaftspark Nord', 6.7696, 51.479),
    S('THEODOR_HEUSS', 'Theodor-Heuss-Straße', 6.769, 51.4842),
    S('AMSTERDAMER', 'Amsterdamer Straße', 6.7685, 51.4885),
    S('HAMBORN_FW', 'Hamborn Feuerwache', 6.768, 51.4922),
    S('HAMBORN_RATHAUS', 'Hamborn Rathaus', 6.7662, 51.4975),
    S('POLLMANN_903', 'Marxloh Pollmann', 6.7605, 51.503),
    S('WOLFSTR', 'Wolfstraße', 6.7565, 51.5075),
    S('HECKMANN', 'Heckmann', 6.7522, 51.5115),
    S('STRIEPWEG', 'Striepweg', 6.7465, 51.5158),
    S('SONNENSTR', 'Sonnenstraße', 6.7365, 51.5228),
    S('WATERECK', 'Watereck', 6.7305, 51.5292),
    S('BAERENSTR', 'Bärenstraße', 6.7332, 51.5355),
    S('POLLENKAMP', 'Pollenkamp', 6.736, 51.5425),
    S('TRABRENNBAHN', 'Trabrennbahn', 6.7392, 51.5502),
    S('NEUSTR_DIN', 'Neustraße', 6.7418, 51.558, { outsideCity: true }),
    S('DINSLAKEN_BF', 'Dinslaken Bf', 6.7435, 51.5628, { outsideCity: true }),
    // 903 south: Hochfeld - Wanheimerort - Wanheim-Angerhausen - Hüttenheim
    S('BRUECKENPLATZ', 'Brückenplatz', 6.763, 51.4185),
    S('MARIENHOSPITAL', 'Marienhospital', 6.7619, 51.4145),
    S('PAULUSKIRCHE', 'Pauluskirche', 6.7624, 51.4118),
    S('HOCHFELD_SUED', 'Hochfeld-Süd Bahnhof', 6.7633, 51.4097),
    S('FISCHERSTR', 'Fischerstraße', 6.7625, 51.4045),
    S('RHEINTOERCHEN', 'Rheintörchenstraße', 6.76, 51.4),
    S('WANHEIM', 'Wanheim', 6.7545, 51.3957, { placeholder: true }),
    S('BERZELIUS', 'Berzelius', 6.7452, 51.3875),
    S('ANGERHAUSEN', 'Angerhausen', 6.7365, 51.3785, { placeholder: true }),
    S('HUETTENHEIM', 'Hüttenheim', 6.7305, 51.3718, { placeholder: true }),
    S('MANNESMANN2', 'Mannesmann Tor 2', 6.7262, 51.3655),
    // U79 south along the Düsseldorfer Straße / B8
    S('GRUNEWALD', 'Grunewald', 6.7714, 51.4135),
    S('GRUNEWALD_BH', 'Grunewald Betriebshof', 6.7711, 51.4055),
    S('KULTURSTR', 'Kulturstraße', 6.7707, 51.399),
    S('SITTARDSBERG', 'Sittardsberg', 6.7702, 51.3935),
    S('MUENCHENER', 'Münchener Straße', 6.7663, 51.383),
    S('IM_SCHLENK', 'Im Schlenk', 6.7601, 51.373),
    S('HUCKINGEN', 'Huckingen', 6.756, 51.36, { placeholder: true }),
    S('KESSELSBERG', 'Kesselsberg', 6.7552, 51.348),
    // Bus: Hochfeld, the Rhine bridge and Rheinhausen / Bergheim / Rumeln
    S('PAULUSKIRCHE_BUS', 'Pauluskirche', 6.7585, 51.416),
    S('HOCHFELD_BK', 'Hochfeld Brückenkopf', 6.7468, 51.4159),
    S('WERTHAUSER', 'Werthauser Straße', 6.7252, 51.4121),
    S('ATROPER', 'Atroper Straße', 6.7125, 51.4066),
    S('RH_MARKT', 'Rheinhausen Markt', 6.706, 51.4038),
    S('FR_EBERT_RH', 'Friedrich-Ebert-Straße', 6.7148, 51.4052),
    S('RH_RATHAUS', 'Rheinhausen Rathaus', 6.7065, 51.3992),
    S('LINDENALLEE', 'Lindenallee', 6.6995, 51.3962),
    S('BEHRINGSTR', 'Behringstraße', 6.6938, 51.3946),
    S('UHLANDSTR', 'Uhlandstraße', 6.6882, 51.3935),
    S('STADTWERKE', 'Stadtwerke', 6.683, 51.3926),
    S('BEGUINENSTR', 'Beguinenstraße', 6.6772, 51.3925),
    S('BUCHENSTR', 'Buchenstraße', 6.6712, 51.393),
    S('IMPELMANN', 'Impelmann', 6.6652, 51.394),
    S('KOENIGSBERGER', 'Königsberger Straße', 6.6962, 51.4013),
    S('TROMPET_BF', 'Trompet Bahnhof', 6.6805, 51.4072),
    S('AN_DER_COELVE', 'An der Cölve', 6.6712, 51.4025),
    S('BINDESTR', 'Bindestraße', 6.6645, 51.3978),
    S('RUMELN_MARKT', 'Rumeln Markt', 6.6585, 51.3948),
    S('RUMELN_RATHAUS', 'Rumeln Rathaus', 6.6532, 51.3922),
    // Bus: Baerl - Homberg - Essenberg - Rheinhausen - Friemersheim
    S('BAERL_KIRCHE', 'Baerl Kirche', 6.687, 51.4985),
    S('BAERL_KREISBF', 'Baerl Kreisbahnhof', 6.6905, 51.493),
    S('HEINRICH_KERLEN', 'Heinrich-Kerlen-Straße', 6.6925, 51.4862),
    S('HOMBERG_NORD', 'Homberg Nord', 6.695, 51.472, { placeholder: true }),
    S('BISMARCKPLATZ', 'Bismarckplatz', 6.6985, 51.458),
    S('DUISBURGER_STR_HO', 'Duisburger Straße', 6.701, 51.4545),
    S('EISENBAHNSTR', 'Eisenbahnstraße', 6.7038, 51.4505),
    S('CHEMIEWERK', 'Chemiewerk Essenberg', 6.706, 51.447),
    S('KAISERSTR_ES', 'Essenberg Kaiserstraße', 6.7075, 51.443),
    S('ESSENBERG_BR', 'Essenberg Brücke', 6.708, 51.4395),
    S('BUSINESSPARK', 'Businesspark', 6.7062, 51.43),
    S('ASTERLAGEN', 'Asterlagen', 6.7035, 51.421),
    S('DIERGARDT', 'Diergardt 1', 6.7045, 51.413),
    S('BUECKEN', 'Bücken', 6.7019, 51.3945),
    S('FRIEMERSHEIM', 'Friemersheim', 6.6976, 51.386, { placeholder: true }),
    // Bus 926: Hochheide - Homberg - A40 - Altstadt - Hbf - Neudorf - Zoo/Uni
    S('HOCHHEIDE_MARKT', 'Hochheide Markt', 6.676, 51.4515),
    S('OTTOSTR', 'Ottostraße', 6.688, 51.454),
    S('UNI_NORD_LOTHAR', 'Uni Nord/Lotharstraße', 6.7936, 51.434),
    // Bus 920: Koloniestraße - Universität - Uni Nord
    S('WILDSTR', 'Wildstraße', 6.78, 51.4228),
    S('UNIVERSITAET', 'Universität', 6.797, 51.4213),
    S('UNI_NORD', 'Uni Nord', 6.7993, 51.4292),
    // Bus 934: Duissern - Hbf Ost - Neudorf - Wedau - Großenbaum
    S('SCHILLERPLATZ', 'Schillerplatz', 6.7878, 51.4425),
    S('FALKSTR', 'Falkstraße', 6.785, 51.4394),
    S('ORANIENSTR', 'Oranienstraße', 6.7829, 51.4374),
    S('ALTER_FRIEDHOF', 'Alter Friedhof', 6.79, 51.4283),
    S('STERNBUSCHWEG', 'Sternbuschweg', 6.7942, 51.4232, { placeholder: true }),
    S('WEDAUER_STR', 'Wedauer Straße', 6.7927, 51.411, { placeholder: true }),
    S('SPORTPARK', 'Sportpark Duisburg', 6.7936, 51.4045, { placeholder: true }),
    S('WEDAU', 'Wedau', 6.7958, 51.3965, { placeholder: true }),
    S('SECHS_SEEN', 'Sechs-Seen-Platte', 6.7905, 51.385, { placeholder: true }),
    S('GROSSENBAUM_BF', 'Großenbaum Bf', 6.7868, 51.373),
  ].map((s) => [s.id, s] as const),
);

// ---- lines ------------------------------------------------------------------------------------------

/**
 * A line's path in direction 0, in travel order: a stop id, a signalised intersection id of
 * sim/city/duisburg.ts ('K001' …: the vehicle passes its stop line, and may be held at red), or a
 * shape point [lon, lat]. Direction 1 runs the same path backwards.
 */
export type PathStep = string | LngLat;

export interface LineDef {
  id: string;
  name: string;
  longName: string;
  mode: TransitMode;
  colour: string;
  operator: string;
  path: PathStep[];
  headways: HeadwayBand[];
  /** Own right of way with signal pre-emption (Stadtbahn): never held at red. */
  signalPriority?: boolean;
  generated?: boolean;
}

/** Headway pattern builders. Hours are of the service day (GTFS style: 24.5 = 00:30 next day). */
function bands(days: DayType, spec: [from: number, to: number, min: number][]): HeadwayBand[] {
  return spec.map(([fromHour, toHour, headwayMin]) => ({ days, fromHour, toHour, headwayMin }));
}

/** Tram / Stadtbahn: 10-minute service by day, 15 in the evening, 30 late. */
const RAIL_HEADWAYS: HeadwayBand[] = [
  ...bands('weekday', [[4.5, 6, 15], [6, 19, 10], [19, 23, 15], [23, 25, 30]]),
  ...bands('saturday', [[5, 9, 15], [9, 19, 10], [19, 23, 15], [23, 25, 30]]),
  ...bands('sunday', [[6, 10, 30], [10, 20, 15], [20, 25, 30]]),
];

/** Main bus line: 15 minutes by day on weekdays, 20/30 otherwise. */
const BUS_MAIN_HEADWAYS: HeadwayBand[] = [
  ...bands('weekday', [[5, 6, 30], [6, 19, 15], [19, 22, 30], [22, 24.5, 60]]),
  ...bands('saturday', [[6, 9, 30], [9, 19, 20], [19, 24.5, 30]]),
  ...bands('sunday', [[7, 24, 30]]),
];

/** Secondary bus line (924-like): half-hourly by day, hourly in the evening and on Sundays. */
const BUS_MINOR_HEADWAYS: HeadwayBand[] = [
  ...bands('weekday', [[5, 19, 30], [19, 24, 60]]),
  ...bands('saturday', [[7, 16, 30], [16, 24, 60]]),
  ...bands('sunday', [[8, 23, 60]]),
];

/**
 * Generated district lines: each stands for the several real DVG/NIAG lines of its corridor (which
 * is why it is this dense): every 5 minutes at the weekday peaks.
 */
const BUS_GENERATED_HEADWAYS: HeadwayBand[] = [
  ...bands('weekday', [[5, 6, 15], [6, 9, 5], [9, 15, 7.5], [15, 19, 5], [19, 22, 15], [22, 24.5, 30]]),
  ...bands('saturday', [[6, 9, 20], [9, 18, 10], [18, 24, 20]]),
  ...bands('sunday', [[7, 23, 20]]),
];

/** The real lines (routes approximate, see the file header). */
export const REAL_LINES: LineDef[] = [
  {
    id: '901',
    name: '901',
    longName: 'Obermarxloh Schleife – Ruhrort – Duisburg Hbf – Zoo/Uni (– Mülheim Hbf)',
    mode: 'tram',
    colour: '#E3000F',
    operator: 'DVG',
    headways: RAIL_HEADWAYS,
    path: [
      'OBERMARXLOH', [6.7665, 51.5055], 'POLLMANN_901', [6.758, 51.501], 'BRUCKHAUSEN', 'THYSSEN30', [6.742, 51.478],
      'SCHOLTENHOF', [6.735, 51.466], 'RUHRORT_VK', 'RUHRORT_BF', [6.738, 51.459], 'FRIEDRICHSPLATZ', [6.746, 51.456], 'KARLSTR',
      [6.75, 51.45], 'ALBERTSTR', 'K043', [6.7592, 51.445], 'KASSLERFELDER', 'K042', 'LANDESARCHIV', 'K041',
      // ramp down at the Schwanentor, then the city tunnel (no signals)
      [6.7612, 51.4385], 'RATHAUS', [6.764, 51.434], 'KHP', [6.77, 51.432], 'HBF_U',
      [6.777, 51.4345], 'DUISSERN', 'LUTHERPLATZ', 'K045', 'K046', 'SCHWEIZER', 'K047', [6.8025, 51.4378], 'K061', 'ZOO_UNI',
    ],
  },
  {
    id: '903',
    name: '903',
    longName: 'Dinslaken Bf – Marxloh – Meiderich – Duisburg Hbf – Hochfeld – Hüttenheim (Mannesmann Tor 2)',
    mode: 'tram',
    colour: '#0069B4',
    operator: 'DVG',
    headways: RAIL_HEADWAYS,
    path: [
      'DINSLAKEN_BF', 'NEUSTR_DIN', 'TRABRENNBAHN', 'POLLENKAMP', 'BAERENSTR', 'WATERECK', [6.73, 51.527], 'SONNENSTR', [6.74, 51.52],
      'STRIEPWEG', [6.752, 51.512], 'HECKMANN', 'WOLFSTR', 'POLLMANN_903', [6.764, 51.502], 'HAMBORN_RATHAUS', [6.768, 51.492],
      'HAMBORN_FW', 'AMSTERDAMER', 'THEODOR_HEUSS', 'LAPANO', 'BRUECKELSTR', 'EMILSTR', [6.77, 51.4675],
      // Rampe Meiderich, then the north-south tunnel under the Ruhr and Duissern (shared with the U79)
      'MEIDERICH_SUED', [6.7775, 51.456], 'AUF_DEM_DAMM', [6.7805, 51.445], 'DUISSERN', [6.777, 51.4345], 'HBF_U',
      [6.7728, 51.427], 'MUSFELD_U', 'PLATANENHOF', 'K024', 'K029', 'BRUECKENPLATZ', 'K030', 'MARIENHOSPITAL', 'PAULUSKIRCHE',
      'HOCHFELD_SUED', 'K057', 'FISCHERSTR', 'RHEINTOERCHEN', 'WANHEIM', [6.75, 51.392], 'BERZELIUS', [6.74, 51.382], 'ANGERHAUSEN',
      'HUETTENHEIM', [6.73, 51.372], 'MANNESMANN2',
    ],
  },
  {
    id: 'U79',
    name: 'U79',
    longName: 'Meiderich Süd Bf – Duisburg Hbf – Grunewald – Kesselsberg (– Düsseldorf)',
    mode: 'lightrail',
    colour: '#7F3F98',
    operator: 'DVG / Rheinbahn',
    headways: RAIL_HEADWAYS,
    signalPriority: true,
    path: [
      'MEIDERICH_SUED', [6.7775, 51.456], 'AUF_DEM_DAMM', [6.7805, 51.445], 'DUISSERN', [6.777, 51.4345], 'HBF_U', [6.7728, 51.427],
      'MUSFELD_U', 'PLATANENHOF', 'K024', [6.7714, 51.414], 'GRUNEWALD', 'K055', 'GRUNEWALD_BH', [6.7708, 51.4], 'KULTURSTR',
      'SITTARDSBERG', 'K058', 'MUENCHENER', [6.765, 51.38], 'IM_SCHLENK', [6.758, 51.37], 'HUCKINGEN', [6.7555, 51.35], 'KESSELSBERG',
    ],
  },
  {
    id: '920',
    name: '920',
    longName: 'Rheinhausen Markt – Hochfeld – Duisburg Hbf – Universität – Uni Nord',
    mode: 'bus',
    colour: '#009FE3',
    operator: 'DVG',
    headways: BUS_MAIN_HEADWAYS,
    path: [
      'RH_MARKT', 'ATROPER', [6.718, 51.409], 'WERTHAUSER', [6.73, 51.414], 'K060', 'HOCHFELD_BK', 'K031', 'K030', 'K029', 'K028',
      'K027', 'K025', 'LEHMBRUCK', 'K004', 'TONHALLE', 'K001', 'K005', 'HBF_W', 'HBF_O', 'K008', 'K021', 'WILDSTR', 'K020',
      [6.7875, 51.4208], 'K052', 'UNIVERSITAET', 'K053', [6.7993, 51.43], 'UNI_NORD',
    ],
  },
  {
    id: '921',
    name: '921',
    longName: 'Duisburg Hbf – Hochfeld Pauluskirche – Rheinhausen Rathaus – Bergheim Impelmann (– Moers)',
    mode: 'bus',
    colour: '#95C11F',
    operator: 'DVG',
    headways: BUS_MAIN_HEADWAYS,
    path: [
      'HBF_W', 'K005', 'K001', 'K016', 'K022', 'K027', 'K028', 'K029', 'K030', 'PAULUSKIRCHE_BUS', 'K031', 'HOCHFELD_BK', 'K060',
      [6.73, 51.414], 'WERTHAUSER', [6.7195, 51.4085], 'FR_EBERT_RH', 'RH_RATHAUS', 'LINDENALLEE', 'BEHRINGSTR', 'UHLANDSTR',
      'STADTWERKE', 'BEGUINENSTR', 'BUCHENSTR', 'IMPELMANN',
    ],
  },
  {
    id: '923',
    name: '923',
    longName: 'Baerl Kirche – Homberg – Essenberg – Rheinhausen Markt – Friemersheim',
    mode: 'bus',
    colour: '#F39200',
    operator: 'DVG',
    headways: BUS_MINOR_HEADWAYS,
    path: [
      'BAERL_KIRCHE', 'BAERL_KREISBF', 'HEINRICH_KERLEN', [6.6935, 51.48], 'HOMBERG_NORD', [6.6975, 51.4625], 'BISMARCKPLATZ',
      'DUISBURGER_STR_HO', 'EISENBAHNSTR', 'CHEMIEWERK', 'KAISERSTR_ES', 'ESSENBERG_BR', 'BUSINESSPARK', 'ASTERLAGEN', 'DIERGARDT',
      'RH_MARKT', 'BUECKEN', [6.7, 51.39], 'FRIEMERSHEIM',
    ],
  },
  {
    id: '924',
    name: '924',
    longName: 'Duisburg Hbf – Hochfeld – Rheinhausen Markt – Trompet – Rumeln Rathaus',
    mode: 'bus',
    colour: '#A3195B',
    operator: 'DVG',
    headways: BUS_MINOR_HEADWAYS,
    path: [
      'HBF_W', 'K005', 'K001', 'TONHALLE', 'K004', 'LEHMBRUCK', 'K025', 'K027', 'K028', 'K029', 'K030', 'PAULUSKIRCHE_BUS', 'K031',
      'HOCHFELD_BK', 'K060', [6.73, 51.414], [6.718, 51.409], 'ATROPER', 'RH_MARKT', 'KOENIGSBERGER', [6.69, 51.4], 'TROMPET_BF',
      'AN_DER_COELVE', 'BINDESTR', 'RUMELN_MARKT', 'RUMELN_RATHAUS',
    ],
  },
  {
    id: '926',
    name: '926',
    longName: 'Hochheide Markt – Homberg – Essenberg – Innenhafen – Duisburg Hbf – Uni Nord – Zoo/Uni',
    mode: 'bus',
    colour: '#00A19A',
    operator: 'DVG',
    headways: BUS_MAIN_HEADWAYS,
    path: [
      'HOCHHEIDE_MARKT', 'OTTOSTR', [6.698, 51.4565], 'BISMARCKPLATZ', 'DUISBURGER_STR_HO', 'EISENBAHNSTR', 'CHEMIEWERK',
      'KAISERSTR_ES', [6.712, 51.4428], [6.73, 51.4432], [6.745, 51.4442], [6.754, 51.4455], 'K043', [6.7592, 51.445], 'KASSLERFELDER',
      'K042', 'LANDESARCHIV', 'K041', 'K040', [6.758, 51.4374], [6.7555, 51.4371], 'K037', 'MARIENTOR', [6.7558, 51.4345], 'K036',
      'K026', 'FW_PLATZ', 'K025', 'LEHMBRUCK', 'K004', 'TONHALLE', 'K001', 'K005', 'HBF_W', 'HBF_O', 'K008', 'K050', 'ALTER_FRIEDHOF',
      'K051', 'UNI_NORD_LOTHAR', 'K046', 'SCHWEIZER', 'K047', [6.8025, 51.4378], 'K061', 'ZOO_UNI',
    ],
  },
  {
    id: '934',
    name: '934',
    longName: 'Duissern Schillerplatz – Duisburg Hbf Ost – Neudorf – Wedau – Großenbaum Bf',
    mode: 'bus',
    colour: '#662483',
    operator: 'DVG',
    headways: BUS_MAIN_HEADWAYS,
    path: [
      'SCHILLERPLATZ', 'K049', 'FALKSTR', 'K048', 'ORANIENSTR', 'K044', 'K007', [6.7791, 51.4328], 'HBF_O', 'K008', 'K050',
      'ALTER_FRIEDHOF', 'K051', 'K052', 'STERNBUSCHWEG', [6.792, 51.416], 'WEDAUER_STR', [6.7935, 51.405], 'SPORTPARK',
      [6.796, 51.396], 'WEDAU', [6.791, 51.388], 'SECHS_SEEN', 'GROSSENBAUM_BF',
    ],
  },
];

// ---- generated district lines ---------------------------------------------------------------------

/** Approximate Stadtteil centres used to lay out the generated lines (same as duisburg.ts' areas). */
const PLACES: Record<string, LngLat> = {
  Aldenrade: [6.73, 51.523],
  Vierlinden: [6.748, 51.518],
  Wehofen: [6.757, 51.532],
  'Alt-Walsum': [6.709, 51.532],
  Overbruch: [6.722, 51.543],
  Fahrn: [6.74, 51.508],
  Marxloh: [6.763, 51.503],
  'Alt-Hamborn': [6.768, 51.492],
  Obermarxloh: [6.781, 51.505],
  Neumühl: [6.793, 51.495],
  Röttgersbach: [6.781, 51.517],
  Mittelmeiderich: [6.775, 51.466],
  Untermeiderich: [6.76, 51.47],
  Obermeiderich: [6.797, 51.472],
  Beeck: [6.742, 51.478],
  Laar: [6.733, 51.4665],
  Ruhrort: [6.7325, 51.4585],
  Kaßlerfeld: [6.754, 51.446],
  Neuenkamp: [6.742, 51.4435],
  Duissern: [6.795, 51.443],
  Hauptbahnhof: [6.7786, 51.4297],
  Neudorf: [6.789, 51.426],
  Hochfeld: [6.752, 51.41],
  Wanheimerort: [6.758, 51.402],
  'Wanheim-Angerhausen': [6.745, 51.392],
  Buchholz: [6.765, 51.386],
  Wedau: [6.797, 51.398],
  Bissingheim: [6.813, 51.399],
  Großenbaum: [6.788, 51.37],
  Rahm: [6.796, 51.356],
  Huckingen: [6.752, 51.372],
  Hüttenheim: [6.726, 51.365],
  Ungelsheim: [6.737, 51.36],
  Mündelheim: [6.704, 51.353],
  Serm: [6.735, 51.342],
  Homberg: [6.697, 51.4565],
  Hochheide: [6.678, 51.449],
  Essenberg: [6.706, 51.44],
  Baerl: [6.686, 51.497],
  Hochemmerich: [6.706, 51.404],
  'Rheinhausen-Mitte': [6.716, 51.3985],
  Bergheim: [6.676, 51.389],
  Friemersheim: [6.697, 51.384],
  Rumeln: [6.652, 51.392],
  Oestrum: [6.686, 51.41],
};

/** Generated lines as chains of places (all on one bank of the Rhine). */
const GENERATED_CHAINS: string[][] = [
  ['Alt-Walsum', 'Aldenrade', 'Vierlinden', 'Röttgersbach'],
  ['Overbruch', 'Aldenrade', 'Fahrn', 'Marxloh'],
  ['Wehofen', 'Vierlinden', 'Fahrn', 'Marxloh'],
  ['Wehofen', 'Röttgersbach', 'Obermarxloh', 'Alt-Hamborn'],
  ['Overbruch', 'Wehofen', 'Röttgersbach', 'Neumühl'],
  ['Alt-Walsum', 'Overbruch', 'Vierlinden', 'Obermarxloh'],
  ['Marxloh', 'Alt-Hamborn', 'Neumühl', 'Obermeiderich'],
  ['Obermarxloh', 'Neumühl', 'Obermeiderich', 'Mittelmeiderich'],
  ['Röttgersbach', 'Obermarxloh', 'Alt-Hamborn', 'Mittelmeiderich'],
  ['Fahrn', 'Marxloh', 'Beeck', 'Laar'],
  ['Alt-Hamborn', 'Beeck', 'Untermeiderich', 'Mittelmeiderich'],
  ['Laar', 'Beeck', 'Untermeiderich', 'Obermeiderich'],
  ['Ruhrort', 'Laar', 'Beeck', 'Alt-Hamborn'],
  ['Ruhrort', 'Untermeiderich', 'Mittelmeiderich', 'Obermeiderich'],
  ['Mittelmeiderich', 'Kaßlerfeld', 'Hauptbahnhof'],
  ['Obermeiderich', 'Duissern', 'Hauptbahnhof'],
  ['Neuenkamp', 'Kaßlerfeld', 'Duissern', 'Neudorf'],
  ['Duissern', 'Neudorf', 'Wedau', 'Bissingheim'],
  ['Hauptbahnhof', 'Neudorf', 'Bissingheim'],
  ['Hauptbahnhof', 'Hochfeld', 'Wanheimerort', 'Buchholz'],
  ['Hochfeld', 'Wanheimerort', 'Wanheim-Angerhausen', 'Hüttenheim'],
  ['Neudorf', 'Wanheimerort', 'Buchholz', 'Großenbaum'],
  ['Wedau', 'Buchholz', 'Huckingen', 'Ungelsheim'],
  ['Bissingheim', 'Wedau', 'Großenbaum', 'Rahm'],
  ['Buchholz', 'Großenbaum', 'Rahm', 'Huckingen'],
  ['Wanheim-Angerhausen', 'Huckingen', 'Rahm'],
  ['Hüttenheim', 'Ungelsheim', 'Huckingen', 'Großenbaum'],
  ['Mündelheim', 'Ungelsheim', 'Huckingen', 'Buchholz'],
  ['Serm', 'Mündelheim', 'Hüttenheim', 'Wanheim-Angerhausen'],
  ['Serm', 'Ungelsheim', 'Rahm', 'Großenbaum'],
  ['Baerl', 'Homberg', 'Hochheide'],
  ['Hochheide', 'Homberg', 'Essenberg', 'Oestrum'],
  ['Baerl', 'Hochheide', 'Essenberg'],
  ['Oestrum', 'Hochemmerich', 'Rheinhausen-Mitte', 'Friemersheim'],
  ['Rumeln', 'Bergheim', 'Hochemmerich', 'Rheinhausen-Mitte'],
  ['Rumeln', 'Oestrum', 'Essenberg', 'Homberg'],
  ['Bergheim', 'Friemersheim', 'Rheinhausen-Mitte', 'Hochemmerich'],
  ['Rumeln', 'Friemersheim', 'Bergheim', 'Oestrum'],
  ['Aldenrade', 'Fahrn', 'Alt-Hamborn', 'Neumühl'],
  ['Alt-Walsum', 'Fahrn', 'Beeck', 'Ruhrort'],
  ['Vierlinden', 'Marxloh', 'Alt-Hamborn', 'Untermeiderich'],
  ['Neumühl', 'Mittelmeiderich', 'Kaßlerfeld', 'Neuenkamp'],
  ['Obermeiderich', 'Duissern', 'Neudorf', 'Wedau'],
  ['Hauptbahnhof', 'Wanheimerort', 'Wanheim-Angerhausen', 'Ungelsheim'],
  ['Buchholz', 'Huckingen', 'Mündelheim', 'Serm'],
  ['Homberg', 'Essenberg', 'Hochemmerich', 'Bergheim'],
];

/** The seed of the generated network: fixed, so the network is the same in every run. */
export const GENERATED_NETWORK_SEED = 20_260_911;
const GENERATED_STOP_SPACING_M = 450;

function rhineSide(p: LngLat): number {
  return polylineDistance(p, RHINE_CENTRELINE).side;
}

/** Point at `d` metres along a polyline. */
function along(line: readonly LngLat[], d: number): LngLat {
  let acc = 0;
  for (let i = 1; i < line.length; i++) {
    const seg = distanceM(line[i - 1]!, line[i]!);
    if (acc + seg >= d) {
      const t = seg === 0 ? 0 : (d - acc) / seg;
      const a = line[i - 1]!;
      const b = line[i]!;
      return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    }
    acc += seg;
  }
  return line[line.length - 1]!;
}

const r5 = (x: number): number => Math.round(x * 1e5) / 1e5;

/**
 * Generated district bus lines (not real). Each chain of places becomes a line whose course wiggles
 * a little between the places (deterministic), with stops every ~450 m named after the district.
 * Every point stays inside the city and on the bank of the Rhine the chain starts on.
 */
export function generateBusLines(seed = GENERATED_NETWORK_SEED): { lines: LineDef[]; stops: StopDef[] } {
  const rng = new Rng(seed);
  const lines: LineDef[] = [];
  const stops: StopDef[] = [];
  GENERATED_CHAINS.forEach((chain, li) => {
    const id = `G${String(li + 1).padStart(2, '0')}`;
    const pts = chain.map((n) => {
      const p = PLACES[n];
      if (!p) throw new Error(`generated line ${id}: unknown place ${n}`);
      return p;
    });
    const side = rhineSide(pts[0]!);
    // Course: through each place, with one jittered intermediate point between consecutive places.
    const course: LngLat[] = [pts[0]!];
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      let mid: LngLat = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      for (let attempt = 0; attempt < 20; attempt++) {
        const jx = (rng.next() - 0.5) * 0.006;
        const jy = (rng.next() - 0.5) * 0.004;
        const cand: LngLat = [mid[0] + jx, mid[1] + jy];
        if (pointInRing(cand, CITY_BOUNDARY) && rhineSide(cand) === side) {
          mid = cand;
          break;
        }
      }
      course.push(mid, b);
    }
    let len = 0;
    for (let i = 1; i < course.length; i++) len += distanceM(course[i - 1]!, course[i]!);
    const n = Math.max(8, Math.round(len / GENERATED_STOP_SPACING_M) + 1);
    // Path: the course's points with stops inserted at even spacing.
    const path: PathStep[] = [];
    const stopAt = Array.from({ length: n }, (_, k) => (len * k) / (n - 1));
    let acc = 0;
    let k = 0;
    const pushStop = (d: number) => {
      const p = along(course, d);
      const district = nearestPlace(p);
      const sid = `${id}_${String(k + 1).padStart(2, '0')}`;
      stops.push({ id: sid, name: `${district} ${id}/${k + 1}`, pos: [r5(p[0]), r5(p[1])], placeholder: true });
      path.push(sid);
      k++;
    };
    pushStop(0);
    for (let i = 1; i < course.length; i++) {
      const seg = distanceM(course[i - 1]!, course[i]!);
      while (k < n - 1 && stopAt[k]! <= acc + seg) pushStop(stopAt[k]!);
      acc += seg;
      if (i < course.length - 1) path.push([r5(course[i]![0]), r5(course[i]![1])]);
    }
    while (k < n) pushStop(stopAt[k] ?? len);
    lines.push({
      id,
      name: id,
      longName: `Generierte Linie ${chain[0]} – ${chain[chain.length - 1]}`,
      mode: 'bus',
      colour: '#8C8C8C',
      operator: 'generated',
      headways: BUS_GENERATED_HEADWAYS,
      path,
      generated: true,
    });
  });
  return { lines, stops };
}

function nearestPlace(p: LngLat): string {
  let best = '';
  let bestD = Infinity;
  for (const [name, q] of Object.entries(PLACES)) {
    const d = distanceM(p, q);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

// ---- built network ----------------------------------------------------------------------------------

export interface BuiltStop {
  id: string;
  name: string;
  pos: LngLat;
  /** Metres along the direction's geometry. */
  distM: number;
}

export interface SignalPass {
  intersectionId: string;
  /** Approach of sim/city/duisburg.ts the vehicle uses to enter the junction. */
  approachId: string;
  /** Position of the stop line along the geometry, metres. */
  distM: number;
  /** |difference| between the vehicle's heading and the approach's bearing, degrees (quality check). */
  headingErrDeg: number;
}

export interface LinkPass {
  linkId: string;
  fromM: number;
  toM: number;
}

export interface BuiltDirection {
  directionId: 0 | 1;
  headsign: string;
  stops: BuiltStop[];
  geometry: LngLat[];
  /** Cumulative distance of each geometry point, metres. */
  cumM: number[];
  signals: SignalPass[];
  links: LinkPass[];
  /** Scheduled running time between consecutive stops (without dwell), seconds. */
  runTimesSec: number[];
  /** Scheduled dwell at intermediate stops, seconds. */
  dwellSec: number;
  lengthM: number;
}

export interface TransitLine extends LineDef {
  directions: [BuiltDirection, BuiltDirection];
}

/** Cruise speed (m/s) a vehicle of the mode runs at between stops in free flow. */
export const MODE_CRUISE_MS: Record<TransitMode, number> = { tram: 10.5, bus: 9.5, lightrail: 15 };
/** Scheduled dwell per intermediate stop, seconds. */
export const SCHEDULED_DWELL_SEC = 25;
/** The timetable's running time: cruise at 85 % plus 8 s for braking and pulling away. */
export const SCHEDULE_SPEED_FACTOR = 0.85;
export const SCHEDULE_STOP_LOSS_SEC = 8;

const INTERSECTION_BY_ID: ReadonlyMap<string, Intersection> = new Map(INTERSECTIONS.map((x) => [x.id, x]));
const LINK_IDS: ReadonlySet<string> = new Set(LINKS.map((l) => l.id));
const TLS_RE = /^K\d+$/;
/** Largest heading error for which a vehicle is taken to use an approach's signal group. */
export const MAX_APPROACH_ERR_DEG = 60;

function angleDiff(a: number, b: number): number {
  const d = Math.abs(((a - b) % 360) + 360) % 360;
  return d > 180 ? 360 - d : d;
}

function buildDirection(def: LineDef, steps: PathStep[], directionId: 0 | 1, stopsById: ReadonlyMap<string, StopDef>): BuiltDirection {
  const geometry: LngLat[] = [];
  const cumM: number[] = [];
  const stops: BuiltStop[] = [];
  const signals: SignalPass[] = [];
  const links: LinkPass[] = [];
  let lastTls: { id: string; distM: number } | null = null;
  const push = (p: LngLat): number => {
    const prev = geometry[geometry.length - 1];
    if (prev && prev[0] === p[0] && prev[1] === p[1]) return cumM[cumM.length - 1]!;
    const d = prev ? cumM[cumM.length - 1]! + distanceM(prev, p) : 0;
    geometry.push(p);
    cumM.push(d);
    return d;
  };
  for (const step of steps) {
    if (typeof step !== 'string') {
      push(step);
      continue;
    }
    if (TLS_RE.test(step)) {
      const x = INTERSECTION_BY_ID.get(step);
      if (!x) throw new Error(`line ${def.id}: unknown intersection ${step}`);
      const prev = geometry[geometry.length - 1];
      const d = push(x.pos);
      if (prev && (prev[0] !== x.pos[0] || prev[1] !== x.pos[1])) {
        const heading = bearingDeg(prev, x.pos);
        let best = x.approaches[0];
        let bestErr = Infinity;
        for (const a of x.approaches) {
          const e = angleDiff(a.bearingDeg, heading);
          if (e < bestErr) {
            bestErr = e;
            best = a;
          }
        }
        // No approach within 60° of the vehicle's heading: it enters the junction where the model has
        // no signal group (e.g. out of the station's bus tunnel); it is not held there.
        if (best && bestErr <= MAX_APPROACH_ERR_DEG) signals.push({ intersectionId: x.id, approachId: best.id, distM: d, headingErrDeg: Math.round(bestErr) });
      }
      if (lastTls && LINK_IDS.has(`${lastTls.id}-${x.id}`)) links.push({ linkId: `${lastTls.id}-${x.id}`, fromM: lastTls.distM, toM: d });
      lastTls = { id: x.id, distM: d };
      continue;
    }
    const s = stopsById.get(step);
    if (!s) throw new Error(`line ${def.id}: unknown stop ${step}`);
    const d = push(s.pos);
    stops.push({ id: s.id, name: s.name, pos: s.pos, distM: d });
  }
  if (stops.length < 2) throw new Error(`line ${def.id}: needs at least two stops`);
  const first = stops[0]!.distM;
  const last = stops[stops.length - 1]!.distM;
  if (first !== 0 || last !== cumM[cumM.length - 1]) throw new Error(`line ${def.id}: the path must start and end at a stop`);
  const cruise = MODE_CRUISE_MS[def.mode];
  const runTimesSec = stops.slice(1).map((s, i) => Math.round((s.distM - stops[i]!.distM) / (cruise * SCHEDULE_SPEED_FACTOR) + SCHEDULE_STOP_LOSS_SEC));
  return {
    directionId,
    headsign: stops[stops.length - 1]!.name,
    stops,
    geometry,
    cumM,
    signals,
    links,
    runTimesSec,
    dwellSec: SCHEDULED_DWELL_SEC,
    lengthM: last,
  };
}

export function buildLine(def: LineDef, stopsById: ReadonlyMap<string, StopDef> = STOPS): TransitLine {
  return {
    ...def,
    directions: [buildDirection(def, def.path, 0, stopsById), buildDirection(def, [...def.path].reverse(), 1, stopsById)],
  };
}

const generated = generateBusLines();

/** Every stop, real and generated. */
export const ALL_STOPS: ReadonlyMap<string, StopDef> = new Map([...STOPS, ...generated.stops.map((s) => [s.id, s] as const)]);

/** The whole network: the real lines, then the generated ones. */
export const TRANSIT_LINES: TransitLine[] = [...REAL_LINES, ...generated.lines].map((d) => buildLine(d, ALL_STOPS));

// ---- local time and the timetable pattern ----------------------------------------------------------

const berlinFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  weekday: 'short',
  hourCycle: 'h23',
});

export interface BerlinClock {
  year: number;
  month: number;
  day: number;
  /** Local hour, fractional. */
  hour: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** UTC ms of the local midnight of this calendar day (offset of `tsMs` assumed for the whole day). */
  midnightMs: number;
}

const WD = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Local calendar time in Duisburg (Europe/Berlin) for a UTC instant. Public holidays are not modelled. */
export function berlinClock(tsMs: number): BerlinClock {
  const f: Record<string, string> = {};
  for (const p of berlinFmt.formatToParts(tsMs)) f[p.type] = p.value;
  const year = Number(f.year);
  const month = Number(f.month);
  const day = Number(f.day);
  const h = Number(f.hour);
  const m = Number(f.minute);
  const s = Number(f.second);
  const localAsUtc = Date.UTC(year, month - 1, day, h, m, s);
  const offset = Math.round((localAsUtc - Math.floor(tsMs / 1000) * 1000) / 60_000) * 60_000;
  return { year, month, day, hour: h + m / 60 + s / 3600, weekday: WD.indexOf(f.weekday ?? 'Mon'), midnightMs: Date.UTC(year, month - 1, day) - offset };
}

export function dayTypeOf(weekday: number): DayType {
  return weekday === 5 ? 'saturday' : weekday === 6 ? 'sunday' : 'weekday';
}

/** The service day starts at 04:00 local: trips after midnight belong to the previous day (GTFS). */
export const SERVICE_DAY_START_HOUR = 4;

export interface ServiceDay {
  /** YYYYMMDD (GTFS start_date). */
  date: string;
  dayType: DayType;
  /** UTC ms of local midnight of the service day's date (GTFS times count from here). */
  midnightMs: number;
}

/** The service day a UTC instant belongs to. */
export function serviceDayOf(tsMs: number): ServiceDay {
  let c = berlinClock(tsMs);
  if (c.hour < SERVICE_DAY_START_HOUR) c = berlinClock(tsMs - 12 * 3_600_000);
  const date = `${c.year}${String(c.month).padStart(2, '0')}${String(c.day).padStart(2, '0')}`;
  return { date, dayType: dayTypeOf(c.weekday), midnightMs: c.midnightMs };
}

/** Headway in minutes at `hour` of a service day of type `dayType`, or null when there is no service. */
export function headwayAt(headways: readonly HeadwayBand[], dayType: DayType, hour: number): number | null {
  for (const b of headways) if (b.days === dayType && hour >= b.fromHour && hour < b.toHour) return b.headwayMin;
  return null;
}

/** Scheduled trip duration of a direction (first departure to last arrival), seconds. */
export function tripDurationSec(d: BuiltDirection): number {
  return d.runTimesSec.reduce((s, x) => s + x, 0) + d.dwellSec * Math.max(0, d.stops.length - 2);
}

/** Small stable hash of a string (FNV-1a), for per-line offsets. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Departure times (UTC ms) from the first stop of one direction during one service day, following
 * the headway pattern: the first departure at the start of the first band plus a per-line offset,
 * then every headway of the band the previous departure fell in.
 */
export function departuresOfDay(line: LineDef, directionId: 0 | 1, day: ServiceDay): number[] {
  const own = line.headways.filter((b) => b.days === day.dayType).sort((a, b) => a.fromHour - b.fromHour);
  if (own.length === 0) return [];
  const out: number[] = [];
  const frac = (hashString(`${line.id}/${directionId}`) % 1000) / 1000;
  let hour = own[0]!.fromHour + (frac * own[0]!.headwayMin) / 60;
  const end = own[own.length - 1]!.toHour;
  while (hour < end) {
    const h = headwayAt(own, day.dayType, hour);
    if (h === null) {
      const next = own.find((b) => b.fromHour > hour);
      if (!next) break;
      hour = next.fromHour;
      continue;
    }
    out.push(day.midnightMs + Math.round(hour * 3600) * 1000);
    hour += h / 60;
  }
  return out;
}
