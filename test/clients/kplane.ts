// The client-library smoke tests start `kplane up` as the kubectl suite does (test/kubectl/harness.ts:
// the bundle when it is current, else the sources; a scratch dir; the ready line waited for).
export { startKplane, type KplaneServer as Kplane } from "../kubectl/harness.js";
