// Detector, simulation and vehicle domains. Semantics:
// https://sumo.dlr.de/docs/TraCI/Induction_Loop_Value_Retrieval.html,
// .../Lane_Area_Detector_Value_Retrieval.html, .../Simulation_Value_Retrieval.html,
// .../Vehicle_Value_Retrieval.html

import * as C from './constants.ts';
import type { Position2D } from './codec.ts';
import { TraciError } from './errors.ts';
import type { TraciClient } from './client.ts';

function num(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TraciError('protocol', `${what}: expected number, got ${typeof v}`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TraciError('protocol', `${what}: expected string, got ${typeof v}`);
  return v;
}
function strs(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new TraciError('protocol', `${what}: expected string list`);
  return v as string[];
}

/**
 * Induction loops (E1, 0xa0) and lane-area detectors (E2, 0xad) share these variables, except the
 * halting number, which SUMO 1.15 only serves for lane-area detectors (an E1 answers "unsupported
 * variable 0x14").
 */
export class DetectorDomain {
  private readonly c: TraciClient;
  readonly domainGetId: number;
  /** variables subscribe() asks for by default */
  readonly defaultVars: readonly number[];
  constructor(c: TraciClient, domainGetId: number) {
    this.c = c;
    this.domainGetId = domainGetId;
    this.defaultVars =
      domainGetId === C.CMD_GET_LANEAREA_VARIABLE
        ? [C.LAST_STEP_VEHICLE_NUMBER, C.LAST_STEP_OCCUPANCY, C.LAST_STEP_VEHICLE_HALTING_NUMBER, C.LAST_STEP_MEAN_SPEED]
        : [C.LAST_STEP_VEHICLE_NUMBER, C.LAST_STEP_OCCUPANCY, C.LAST_STEP_MEAN_SPEED];
  }
  async getIDList(): Promise<string[]> {
    return strs(await this.c.get(this.domainGetId, C.TRACI_ID_LIST, ''), 'getIDList');
  }
  /** vehicles on/over the detector during the last step */
  async getLastStepVehicleNumber(id: string): Promise<number> {
    return num(await this.c.get(this.domainGetId, C.LAST_STEP_VEHICLE_NUMBER, id), 'getLastStepVehicleNumber');
  }
  /** percent of the last step the detector was occupied (E1) / share of its length covered (E2), 0..100 */
  async getLastStepOccupancy(id: string): Promise<number> {
    return num(await this.c.get(this.domainGetId, C.LAST_STEP_OCCUPANCY, id), 'getLastStepOccupancy');
  }
  /** lane-area detectors only: vehicles slower than 0.1 m/s (SUMO's halting threshold) in the last step */
  async getLastStepHaltingNumber(id: string): Promise<number> {
    return num(await this.c.get(this.domainGetId, C.LAST_STEP_VEHICLE_HALTING_NUMBER, id), 'getLastStepHaltingNumber');
  }
  /** m/s; -1 when no vehicle was on the detector */
  async getLastStepMeanSpeed(id: string): Promise<number> {
    return num(await this.c.get(this.domainGetId, C.LAST_STEP_MEAN_SPEED, id), 'getLastStepMeanSpeed');
  }
  async getLastStepVehicleIDs(id: string): Promise<string[]> {
    return strs(await this.c.get(this.domainGetId, C.LAST_STEP_VEHICLE_ID_LIST, id), 'getLastStepVehicleIDs');
  }
  async getLaneID(id: string): Promise<string> {
    return str(await this.c.get(this.domainGetId, C.VAR_LANE_ID, id), 'getLaneID');
  }
  /** E1: position on the lane (m); E2: start position (m) */
  async getPosition(id: string): Promise<number> {
    return num(await this.c.get(this.domainGetId, C.VAR_POSITION, id), 'getPosition');
  }
  subscribe(id: string, varIds: readonly number[] = this.defaultVars) {
    return this.c.subscribe(this.domainGetId, id, varIds);
  }
}

export class SimulationDomain {
  private readonly c: TraciClient;
  constructor(c: TraciClient) {
    this.c = c;
  }
  private async n(varId: number, what: string): Promise<number> {
    return num(await this.c.get(C.CMD_GET_SIM_VARIABLE, varId, ''), what);
  }
  /** current simulation time, s */
  getTime(): Promise<number> {
    return this.n(C.VAR_TIME, 'getTime');
  }
  /** step length, s */
  getDeltaT(): Promise<number> {
    return this.n(C.VAR_DELTA_T, 'getDeltaT');
  }
  getDepartedNumber(): Promise<number> {
    return this.n(C.VAR_DEPARTED_VEHICLES_NUMBER, 'getDepartedNumber');
  }
  getArrivedNumber(): Promise<number> {
    return this.n(C.VAR_ARRIVED_VEHICLES_NUMBER, 'getArrivedNumber');
  }
  getLoadedNumber(): Promise<number> {
    return this.n(C.VAR_LOADED_VEHICLES_NUMBER, 'getLoadedNumber');
  }
  /** vehicles in the network plus those still waiting to be inserted */
  getMinExpectedNumber(): Promise<number> {
    return this.n(C.VAR_MIN_EXPECTED_VEHICLES, 'getMinExpectedNumber');
  }
  async getDepartedIDList(): Promise<string[]> {
    return strs(await this.c.get(C.CMD_GET_SIM_VARIABLE, C.VAR_DEPARTED_VEHICLES_IDS, ''), 'getDepartedIDList');
  }
  async getArrivedIDList(): Promise<string[]> {
    return strs(await this.c.get(C.CMD_GET_SIM_VARIABLE, C.VAR_ARRIVED_VEHICLES_IDS, ''), 'getArrivedIDList');
  }
  subscribe(
    varIds: readonly number[] = [C.VAR_TIME, C.VAR_DEPARTED_VEHICLES_NUMBER, C.VAR_ARRIVED_VEHICLES_NUMBER, C.VAR_MIN_EXPECTED_VEHICLES],
  ) {
    return this.c.subscribe(C.CMD_GET_SIM_VARIABLE, '', varIds);
  }
}

export class VehicleDomain {
  private readonly c: TraciClient;
  constructor(c: TraciClient) {
    this.c = c;
  }
  async getIDList(): Promise<string[]> {
    return strs(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.TRACI_ID_LIST, ''), 'vehicle.getIDList');
  }
  /** network coordinates (m), see the net's <location> for the projection */
  async getPosition(id: string): Promise<Position2D> {
    const v = await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_POSITION, id);
    if (typeof v !== 'object' || v === null || !('x' in v)) throw new TraciError('protocol', 'vehicle.getPosition: expected position');
    return v as Position2D;
  }
  async getSpeed(id: string): Promise<number> {
    return num(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_SPEED, id), 'vehicle.getSpeed');
  }
  /** degrees, navigation convention (0 = north, clockwise) */
  async getAngle(id: string): Promise<number> {
    return num(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_ANGLE, id), 'vehicle.getAngle');
  }
  async getTypeID(id: string): Promise<string> {
    return str(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_TYPE, id), 'vehicle.getTypeID');
  }
  async getVehicleClass(id: string): Promise<string> {
    return str(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_VEHICLECLASS, id), 'vehicle.getVehicleClass');
  }
  /** transit line of the vehicle ("" for private cars) */
  async getLine(id: string): Promise<string> {
    return str(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_LINE, id), 'vehicle.getLine');
  }
  async getRoadID(id: string): Promise<string> {
    return str(await this.c.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_ROAD_ID, id), 'vehicle.getRoadID');
  }
  subscribe(id: string, varIds: readonly number[] = [C.VAR_POSITION, C.VAR_SPEED, C.VAR_ANGLE]) {
    return this.c.subscribe(C.CMD_GET_VEHICLE_VARIABLE, id, varIds);
  }
}
