// TraCI command, variable and type ids used by this client. Values from SUMO 1.15
// $SUMO_HOME/tools/traci/constants.py (TraCI API version 20); names kept as in that file so they can
// be looked up there and in https://sumo.dlr.de/docs/TraCI/ .

// --- base commands
export const CMD_GETVERSION = 0x00;
export const CMD_SIMSTEP = 0x02;
export const CMD_SETORDER = 0x03;
export const CMD_CLOSE = 0x7f;

// --- domains: get command ids. set = get + 0x20, subscribe = get + 0x30,
// get response = get + 0x10, subscription response = get + 0x40.
export const CMD_GET_INDUCTIONLOOP_VARIABLE = 0xa0;
export const CMD_GET_MULTIENTRYEXIT_VARIABLE = 0xa1;
export const CMD_GET_TL_VARIABLE = 0xa2;
export const CMD_GET_LANE_VARIABLE = 0xa3;
export const CMD_GET_VEHICLE_VARIABLE = 0xa4;
export const CMD_GET_VEHICLETYPE_VARIABLE = 0xa5;
export const CMD_GET_JUNCTION_VARIABLE = 0xa9;
export const CMD_GET_EDGE_VARIABLE = 0xaa;
export const CMD_GET_SIM_VARIABLE = 0xab;
export const CMD_GET_LANEAREA_VARIABLE = 0xad;

export const SET_OFFSET = 0x20;
export const SUBSCRIBE_OFFSET = 0x30;
export const GET_RESPONSE_OFFSET = 0x10;
export const SUBSCRIBE_RESPONSE_OFFSET = 0x40;

// --- data types
export const POSITION_LON_LAT = 0x00;
export const POSITION_2D = 0x01;
export const POSITION_LON_LAT_ALT = 0x02;
export const POSITION_3D = 0x03;
export const POSITION_ROADMAP = 0x04;
export const TYPE_POLYGON = 0x06;
export const TYPE_UBYTE = 0x07;
export const TYPE_BYTE = 0x08;
export const TYPE_INTEGER = 0x09;
export const TYPE_DOUBLE = 0x0b;
export const TYPE_STRING = 0x0c;
export const TYPE_STRINGLIST = 0x0e;
export const TYPE_COMPOUND = 0x0f;
export const TYPE_DOUBLELIST = 0x10;
export const TYPE_COLOR = 0x11;

// --- result codes of the status response
export const RTYPE_OK = 0x00;
export const RTYPE_NOTIMPLEMENTED = 0x01;
export const RTYPE_ERR = 0xff;

export const INVALID_DOUBLE_VALUE = -1073741824.0;

// --- generic variables
export const TRACI_ID_LIST = 0x00;
export const ID_COUNT = 0x01;

// --- detectors (induction loop, lane area)
export const LAST_STEP_VEHICLE_NUMBER = 0x10;
export const LAST_STEP_MEAN_SPEED = 0x11;
export const LAST_STEP_VEHICLE_ID_LIST = 0x12;
export const LAST_STEP_OCCUPANCY = 0x13;
export const LAST_STEP_VEHICLE_HALTING_NUMBER = 0x14;
export const LAST_STEP_LENGTH = 0x15;
export const LAST_STEP_TIME_SINCE_DETECTION = 0x16;
export const JAM_LENGTH_VEHICLE = 0x18;
export const JAM_LENGTH_METERS = 0x19;
export const VAR_POSITION = 0x42;
export const VAR_LANE_ID = 0x51;
export const VAR_LENGTH = 0x44;

// --- traffic lights
export const TL_RED_YELLOW_GREEN_STATE = 0x20;
export const TL_PHASE_INDEX = 0x22;
export const TL_PROGRAM = 0x23;
export const TL_PHASE_DURATION = 0x24;
export const TL_CONTROLLED_LANES = 0x26;
export const TL_CONTROLLED_LINKS = 0x27;
export const TL_CURRENT_PHASE = 0x28;
export const TL_CURRENT_PROGRAM = 0x29;
export const TL_CONTROLLED_JUNCTIONS = 0x2a;
export const TL_COMPLETE_DEFINITION_RYG = 0x2b;
export const TL_COMPLETE_PROGRAM_RYG = 0x2c;
export const TL_NEXT_SWITCH = 0x2d;

// --- vehicles
export const VAR_SPEED = 0x40;
export const VAR_ANGLE = 0x43;
export const VAR_VEHICLECLASS = 0x49;
export const VAR_TYPE = 0x4f;
export const VAR_ROAD_ID = 0x50;
export const VAR_LINE = 0xbd;

// --- simulation
export const VAR_TIME = 0x66;
export const VAR_LOADED_VEHICLES_NUMBER = 0x71;
export const VAR_DEPARTED_VEHICLES_NUMBER = 0x73;
export const VAR_DEPARTED_VEHICLES_IDS = 0x74;
export const VAR_ARRIVED_VEHICLES_NUMBER = 0x79;
export const VAR_ARRIVED_VEHICLES_IDS = 0x7a;
export const VAR_DELTA_T = 0x7b;
export const VAR_MIN_EXPECTED_VEHICLES = 0x7d;
export const VAR_NET_BOUNDING_BOX = 0x7c;

export const TRAFFICLIGHT_TYPE_STATIC = 0x00;
export const TRAFFICLIGHT_TYPE_ACTUATED = 0x03;
export const TRAFFICLIGHT_TYPE_DELAYBASED = 0x04;

/** Human-readable names of command ids, for error messages. */
const COMMAND_NAMES: Record<number, string> = {
  [CMD_GETVERSION]: 'getVersion',
  [CMD_SIMSTEP]: 'simulationStep',
  [CMD_SETORDER]: 'setOrder',
  [CMD_CLOSE]: 'close',
};
const DOMAIN_NAMES: Record<number, string> = {
  [CMD_GET_INDUCTIONLOOP_VARIABLE]: 'inductionloop',
  [CMD_GET_MULTIENTRYEXIT_VARIABLE]: 'multientryexit',
  [CMD_GET_TL_VARIABLE]: 'trafficlight',
  [CMD_GET_LANE_VARIABLE]: 'lane',
  [CMD_GET_VEHICLE_VARIABLE]: 'vehicle',
  [CMD_GET_VEHICLETYPE_VARIABLE]: 'vehicletype',
  [CMD_GET_JUNCTION_VARIABLE]: 'junction',
  [CMD_GET_EDGE_VARIABLE]: 'edge',
  [CMD_GET_SIM_VARIABLE]: 'simulation',
  [CMD_GET_LANEAREA_VARIABLE]: 'lanearea',
};

export function commandName(cmdId: number): string {
  const base = COMMAND_NAMES[cmdId];
  if (base) return base;
  for (const [kind, offset] of [
    ['get', 0],
    ['set', SET_OFFSET],
    ['subscribe', SUBSCRIBE_OFFSET],
  ] as const) {
    const domain = DOMAIN_NAMES[cmdId - offset];
    if (domain) return `${domain}.${kind}`;
  }
  return `0x${cmdId.toString(16).padStart(2, '0')}`;
}
