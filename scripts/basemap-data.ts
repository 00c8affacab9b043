/**
 * Hand-authored base-map data for Duisburg, turned into static/basemap/*.geojson by
 * `node scripts/basemap.ts`. The inner-city streets are NOT here: they come from the simulator's
 * LINKS (sim/city/duisburg.ts), as do the Rhine centreline and the city boundary.
 *
 * ACCURACY: written from memory, without survey data, OSM extracts or internet access. Positions
 * are approximate (typically 100-300 m, motorways and rivers better than minor arterials); the
 * aim is a recognisable, calm backdrop for a control room, not a map to navigate by. Street names
 * of the arterials outside the centre are real Duisburg names, but their exact courses are
 * simplified.
 */
import type { LngLat, RoadClass } from '../sim/city/types.ts';

export interface LineDef {
  name: string;
  coords: LngLat[];
}

export interface RoadDef extends LineDef {
  class: RoadClass;
  ref?: string;
}

/** A water body drawn as a buffered centreline of the given width. */
export interface WaterLineDef extends LineDef {
  kind: 'river' | 'canal' | 'harbour';
  widthM: number;
}

export interface EllipseDef {
  name: string;
  centre: LngLat;
  /** Semi-axes in metres (east-west, north-south). */
  rxM: number;
  ryM: number;
  /** Rotation, degrees clockwise. */
  rotDeg?: number;
}

export interface AreaDef {
  name: string;
  ring: LngLat[];
}

export interface PlaceDef {
  name: string;
  kind: 'district' | 'landmark';
  pos: LngLat;
}

// ---- motorways and main roads ------------------------------------------------------------------

export const MOTORWAYS: RoadDef[] = [
  {
    name: 'A59',
    ref: 'A59',
    class: 'motorway',
    // Kreuz Duisburg-Süd (A524) - Wanheimerort - in a cutting west of the tracks past the
    // Hauptbahnhof - Kreuz Duisburg (A40) - Berliner Brücke - Kreuz Duisburg-Nord (A42) - Dinslaken
    coords: [
      [6.7605, 51.3525],
      [6.7625, 51.36],
      [6.766, 51.37],
      [6.77, 51.379],
      [6.773, 51.388],
      [6.7745, 51.398],
      [6.7745, 51.4086],
      [6.7748, 51.415],
      [6.7748, 51.42],
      [6.7745, 51.4255],
      [6.7744, 51.4297],
      [6.7742, 51.4354],
      [6.7748, 51.44],
      [6.776, 51.4458],
      [6.7768, 51.452],
      [6.7775, 51.46],
      [6.777, 51.468],
      [6.7745, 51.4745],
      [6.775, 51.485],
      [6.7775, 51.495],
      [6.776, 51.505],
      [6.77, 51.515],
      [6.762, 51.525],
      [6.756, 51.538],
      [6.753, 51.55],
    ],
  },
  {
    name: 'A40',
    ref: 'A40',
    class: 'motorway',
    // Kreuz Moers - Homberg - Rhine bridge Neuenkamp - Kreuz Duisburg - Kreuz Kaiserberg - Mülheim
    coords: [
      [6.61, 51.448],
      [6.64, 51.447],
      [6.665, 51.444],
      [6.69, 51.442],
      [6.71, 51.4425],
      [6.73, 51.4432],
      [6.745, 51.4442],
      [6.76, 51.4452],
      [6.776, 51.4458],
      [6.79, 51.444],
      [6.804, 51.442],
      [6.8135, 51.4405],
      [6.83, 51.439],
      [6.85, 51.4385],
    ],
  },
  {
    name: 'A3',
    ref: 'A3',
    class: 'motorway',
    // Oberhausen - Kreuz Kaiserberg - through the Stadtwald along the eastern city border - Breitscheid
    coords: [
      [6.835, 51.485],
      [6.826, 51.472],
      [6.82, 51.46],
      [6.816, 51.45],
      [6.8135, 51.4405],
      [6.815, 51.43],
      [6.82, 51.415],
      [6.826, 51.4],
      [6.83, 51.385],
      [6.835, 51.37],
      [6.845, 51.358],
      [6.86, 51.353],
    ],
  },
  {
    name: 'A42',
    ref: 'A42',
    class: 'motorway',
    // Kamp-Lintfort - Baerl - Rhine bridge Beeckerwerth - Beeck - Kreuz Duisburg-Nord - Oberhausen
    coords: [
      [6.63, 51.498],
      [6.66, 51.493],
      [6.69, 51.488],
      [6.712, 51.485],
      [6.73, 51.482],
      [6.75, 51.479],
      [6.765, 51.4765],
      [6.7745, 51.4745],
      [6.79, 51.474],
      [6.805, 51.475],
      [6.82, 51.477],
      [6.84, 51.48],
    ],
  },
  {
    name: 'A57',
    ref: 'A57',
    class: 'motorway',
    // Krefeld - Kreuz Moers, just outside the western city border (Rumeln-Kaldenhausen)
    coords: [
      [6.608, 51.35],
      [6.612, 51.38],
      [6.615, 51.41],
      [6.613, 51.445],
      [6.61, 51.47],
    ],
  },
  {
    name: 'A524',
    ref: 'A524',
    class: 'motorway',
    // Kreuz Duisburg-Süd - Rahm - Kreuz Breitscheid (A3)
    coords: [
      [6.7605, 51.3525],
      [6.78, 51.35],
      [6.8, 51.348],
      [6.82, 51.35],
      [6.845, 51.354],
      [6.86, 51.356],
    ],
  },
];

export const ARTERIALS: RoadDef[] = [
  {
    name: 'B288',
    ref: 'B288',
    class: 'trunk',
    // Kreuz Duisburg-Süd - Mündelheim - Uerdingen bridge (Krefeld)
    coords: [
      [6.7605, 51.3525],
      [6.74, 51.3525],
      [6.72, 51.3545],
      [6.7, 51.356],
      [6.685, 51.357],
      [6.671, 51.3572],
      [6.655, 51.358],
    ],
  },
  {
    name: 'Düsseldorfer Landstraße',
    ref: 'B8',
    class: 'primary',
    coords: [
      [6.77, 51.392],
      [6.765, 51.38],
      [6.758, 51.37],
      [6.756, 51.36],
      [6.7555, 51.35],
      [6.754, 51.34],
      [6.752, 51.33],
    ],
  },
  {
    name: 'Ruhrorter Straße',
    class: 'primary',
    // Karl-Lehr-Brücke over the Ruhr and the harbour canal to Ruhrort
    coords: [
      [6.758, 51.4472],
      [6.75, 51.45],
      [6.746, 51.456],
      [6.738, 51.459],
    ],
  },
  {
    name: 'Kaiser-Wilhelm-Straße',
    class: 'primary',
    coords: [
      [6.738, 51.459],
      [6.735, 51.466],
      [6.742, 51.478],
      [6.748, 51.488],
      [6.758, 51.501],
    ],
  },
  {
    name: 'Duisburger Straße',
    class: 'secondary',
    coords: [
      [6.77, 51.469],
      [6.769, 51.48],
      [6.768, 51.492],
      [6.764, 51.502],
    ],
  },
  {
    name: 'Weseler Straße',
    class: 'primary',
    coords: [
      [6.76, 51.503],
      [6.752, 51.512],
      [6.74, 51.52],
      [6.73, 51.527],
      [6.723, 51.54],
      [6.718, 51.556],
    ],
  },
  {
    name: 'Friedrich-Ebert-Brücke',
    class: 'primary',
    coords: [
      [6.73, 51.4575],
      [6.722, 51.4568],
      [6.71, 51.4562],
      [6.698, 51.4565],
    ],
  },
  {
    name: 'Moerser Straße',
    class: 'primary',
    // Homberg - Hochheide - Moers
    coords: [
      [6.698, 51.4565],
      [6.68, 51.452],
      [6.66, 51.45],
      [6.64, 51.451],
    ],
  },
  {
    name: 'Brücke der Solidarität',
    class: 'primary',
    coords: [
      [6.744, 51.4158],
      [6.73, 51.414],
    ],
  },
  {
    name: 'Friedrich-Alfred-Straße',
    class: 'primary',
    coords: [
      [6.73, 51.414],
      [6.718, 51.409],
      [6.706, 51.404],
    ],
  },
  {
    name: 'Krefelder Straße',
    class: 'secondary',
    coords: [
      [6.706, 51.404],
      [6.7, 51.39],
      [6.694, 51.38],
      [6.688, 51.37],
    ],
  },
  {
    name: 'Moerser Straße',
    class: 'secondary',
    // Rheinhausen - Moers
    coords: [
      [6.706, 51.404],
      [6.69, 51.4],
      [6.67, 51.415],
      [6.65, 51.43],
    ],
  },
  {
    name: 'Mülheimer Straße',
    class: 'primary',
    coords: [
      [6.806, 51.4385],
      [6.815, 51.4392],
      [6.83, 51.438],
    ],
  },
  {
    name: 'Wanheimer Straße',
    class: 'secondary',
    coords: [
      [6.764, 51.4082],
      [6.76, 51.4],
      [6.75, 51.392],
    ],
  },
  {
    name: 'Ehinger Straße',
    class: 'secondary',
    coords: [
      [6.75, 51.392],
      [6.74, 51.382],
      [6.73, 51.372],
      [6.726, 51.365],
    ],
  },
  {
    name: 'Großenbaumer Allee',
    class: 'secondary',
    coords: [
      [6.758, 51.37],
      [6.77, 51.371],
      [6.788, 51.37],
      [6.8, 51.368],
    ],
  },
  {
    name: 'Sittardsberger Allee',
    class: 'secondary',
    coords: [
      [6.755, 51.39],
      [6.77, 51.392],
      [6.785, 51.395],
    ],
  },
  {
    name: 'Wedauer Straße',
    class: 'secondary',
    coords: [
      [6.7808, 51.4205],
      [6.792, 51.416],
      [6.7935, 51.405],
      [6.796, 51.396],
    ],
  },
  {
    name: 'Schifferstraße',
    class: 'tertiary',
    coords: [
      [6.7612, 51.4392],
      [6.766, 51.4396],
      [6.7705, 51.4403],
    ],
  },
];

// ---- railways ------------------------------------------------------------------------------------

export const RAILWAYS: LineDef[] = [
  {
    name: 'Düsseldorf - Duisburg Hbf - Oberhausen',
    coords: [
      [6.81, 51.33],
      [6.806, 51.34],
      [6.799, 51.352],
      [6.79, 51.365],
      [6.783, 51.378],
      [6.7795, 51.39],
      [6.7782, 51.4],
      [6.7778, 51.41],
      [6.7775, 51.42],
      [6.777, 51.426],
      [6.7768, 51.4297],
      [6.777, 51.434],
      [6.7778, 51.438],
      [6.78, 51.442],
      [6.784, 51.449],
      [6.79, 51.456],
      [6.8, 51.464],
      [6.815, 51.47],
      [6.835, 51.474],
      [6.852, 51.4745],
    ],
  },
  {
    name: 'Duisburg Hbf - Mülheim (Ruhr)',
    coords: [
      [6.7778, 51.438],
      [6.784, 51.444],
      [6.795, 51.4468],
      [6.81, 51.4465],
      [6.83, 51.4455],
      [6.855, 51.4455],
    ],
  },
  {
    name: 'Duisburg Hbf - Hochfeld Süd - Rheinhausen - Krefeld',
    coords: [
      [6.7775, 51.42],
      [6.776, 51.415],
      [6.77, 51.412],
      [6.76, 51.4105],
      [6.75, 51.41],
      [6.74, 51.409],
      [6.734, 51.407],
      [6.725, 51.404],
      [6.715, 51.4],
      [6.7, 51.393],
      [6.685, 51.385],
      [6.665, 51.375],
    ],
  },
];

// ---- water ---------------------------------------------------------------------------------------

export const RHINE_WIDTH_M = 350;

export const WATER_LINES: WaterLineDef[] = [
  {
    name: 'Ruhr',
    kind: 'river',
    widthM: 110,
    coords: [
      [6.86, 51.446],
      [6.84, 51.4472],
      [6.825, 51.4482],
      [6.812, 51.4477],
      [6.8, 51.449],
      [6.79, 51.4498],
      [6.778, 51.451],
      [6.765, 51.4513],
      [6.752, 51.4506],
      [6.74, 51.45],
      [6.73, 51.4502],
      [6.7195, 51.4505],
    ],
  },
  {
    name: 'Hafenkanal',
    kind: 'harbour',
    widthM: 120,
    coords: [
      [6.7195, 51.4525],
      [6.73, 51.4537],
      [6.745, 51.455],
      [6.76, 51.4558],
      [6.775, 51.4568],
      [6.785, 51.4585],
    ],
  },
  { name: 'Hafenbecken A', kind: 'harbour', widthM: 110, coords: [[6.753, 51.4553], [6.7515, 51.4635]] },
  { name: 'Hafenbecken B', kind: 'harbour', widthM: 110, coords: [[6.762, 51.4558], [6.7605, 51.464]] },
  { name: 'Hafenbecken C', kind: 'harbour', widthM: 110, coords: [[6.771, 51.4565], [6.7695, 51.464]] },
  {
    name: 'Kaiserhafen',
    kind: 'harbour',
    widthM: 150,
    coords: [
      [6.778, 51.4575],
      [6.785, 51.4598],
      [6.7935, 51.4605],
    ],
  },
  {
    name: 'Rhein-Herne-Kanal',
    kind: 'canal',
    widthM: 60,
    coords: [
      [6.792, 51.4605],
      [6.805, 51.464],
      [6.82, 51.469],
      [6.835, 51.476],
      [6.86, 51.486],
    ],
  },
  {
    name: 'Außenhafen',
    kind: 'harbour',
    widthM: 110,
    coords: [
      [6.7375, 51.4372],
      [6.743, 51.4377],
      [6.7482, 51.4381],
    ],
  },
  {
    name: 'Innenhafen',
    kind: 'harbour',
    widthM: 70,
    coords: [
      [6.748, 51.4381],
      [6.761, 51.4384],
      [6.7712, 51.4394],
    ],
  },
  { name: 'Regattabahn Wedau', kind: 'canal', widthM: 110, coords: [[6.7895, 51.3945], [6.7902, 51.4135]] },
];

export const LAKES: EllipseDef[] = [
  // Sechs-Seen-Platte (positions and outlines only roughly)
  { name: 'Sechs-Seen-Platte', centre: [6.799, 51.389], rxM: 250, ryM: 150, rotDeg: 20 },
  { name: 'Sechs-Seen-Platte', centre: [6.808, 51.388], rxM: 220, ryM: 160, rotDeg: -10 },
  { name: 'Sechs-Seen-Platte', centre: [6.801, 51.381], rxM: 200, ryM: 140, rotDeg: 30 },
  { name: 'Sechs-Seen-Platte', centre: [6.811, 51.38], rxM: 230, ryM: 150 },
  { name: 'Sechs-Seen-Platte', centre: [6.798, 51.376], rxM: 180, ryM: 120, rotDeg: -20 },
  { name: 'Sechs-Seen-Platte', centre: [6.809, 51.3925], rxM: 150, ryM: 110 },
];

// ---- green -----------------------------------------------------------------------------------------

export const GREEN: AreaDef[] = [
  {
    name: 'Duisburger Stadtwald',
    ring: [
      [6.803, 51.424],
      [6.816, 51.427],
      [6.825, 51.423],
      [6.827, 51.412],
      [6.823, 51.405],
      [6.81, 51.406],
      [6.803, 51.412],
      [6.801, 51.419],
    ],
  },
  {
    name: 'Sportpark Wedau',
    ring: [
      [6.7815, 51.415],
      [6.7925, 51.415],
      [6.7925, 51.4],
      [6.7915, 51.3935],
      [6.785, 51.3935],
      [6.781, 51.4],
    ],
  },
  {
    name: 'Sechs-Seen-Platte',
    ring: [
      [6.792, 51.374],
      [6.806, 51.372],
      [6.818, 51.376],
      [6.82, 51.393],
      [6.805, 51.396],
      [6.793, 51.39],
    ],
  },
  {
    name: 'Landschaftspark Duisburg-Nord',
    ring: [
      [6.777, 51.477],
      [6.795, 51.477],
      [6.8, 51.482],
      [6.796, 51.4885],
      [6.782, 51.489],
      [6.777, 51.484],
    ],
  },
  {
    name: 'Kantpark',
    ring: [
      [6.7663, 51.4303],
      [6.7697, 51.4296],
      [6.7699, 51.4274],
      [6.7665, 51.4275],
    ],
  },
  {
    name: 'Kaiserberg',
    ring: [
      [6.802, 51.4362],
      [6.812, 51.4366],
      [6.816, 51.44],
      [6.812, 51.4448],
      [6.803, 51.4442],
      [6.8, 51.44],
    ],
  },
  {
    name: 'RheinPark',
    ring: [
      [6.741, 51.4175],
      [6.748, 51.4175],
      [6.749, 51.426],
      [6.742, 51.4265],
    ],
  },
];

// ---- places -----------------------------------------------------------------------------------------

export const PLACES: PlaceDef[] = [
  // The seven Stadtbezirke (label positions)
  { name: 'Walsum', kind: 'district', pos: [6.728, 51.53] },
  { name: 'Hamborn', kind: 'district', pos: [6.772, 51.499] },
  { name: 'Meiderich/Beeck', kind: 'district', pos: [6.762, 51.472] },
  { name: 'Homberg/Ruhrort/Baerl', kind: 'district', pos: [6.688, 51.468] },
  { name: 'Mitte', kind: 'district', pos: [6.768, 51.42] },
  { name: 'Rheinhausen', kind: 'district', pos: [6.69, 51.398] },
  { name: 'Süd', kind: 'district', pos: [6.765, 51.368] },
  // Landmarks
  { name: 'Hauptbahnhof', kind: 'landmark', pos: [6.7756, 51.4297] },
  { name: 'Innenhafen', kind: 'landmark', pos: [6.765, 51.4387] },
  { name: 'Rathaus', kind: 'landmark', pos: [6.7625, 51.4365] },
  { name: 'Landschaftspark Nord', kind: 'landmark', pos: [6.7835, 51.4815] },
  { name: 'MSV-Arena', kind: 'landmark', pos: [6.7835, 51.4095] },
  { name: 'Duisburger Hafen (Ruhrort)', kind: 'landmark', pos: [6.7325, 51.458] },
  { name: 'Zoo Duisburg', kind: 'landmark', pos: [6.809, 51.439] },
  { name: 'Universität Duisburg-Essen', kind: 'landmark', pos: [6.7985, 51.4295] },
  { name: 'Lehmbruck-Museum', kind: 'landmark', pos: [6.768, 51.43] },
  { name: 'Brücke der Solidarität', kind: 'landmark', pos: [6.7365, 51.4152] },
];
