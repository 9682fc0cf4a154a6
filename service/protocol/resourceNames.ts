// Full resource names, as CX takes them in `targetPage` and `targetFlow`. A bare ID or a symbolic
// page name on its own (`END_FLOW`) is not one: CX wants `…/flows/<flow>/pages/END_FLOW`.
export const PAGE_NAME =
  /^projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+\/flows\/[^/]+\/pages\/[^/]+$/;
export const FLOW_NAME = /^projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+\/flows\/[^/]+$/;
