// A real loopback endpoint with a fault proxy in front, for the tests of one describe block.
import { afterAll, beforeAll } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

export interface ProxiedEndpoint {
  endpoint: EndpointHandle;
  proxy: FaultProxy;
}

/** Starts both before the block's tests and stops both after them (the proxy set back to pass first). */
export function useProxiedEndpoint(): ProxiedEndpoint {
  const handle = {} as ProxiedEndpoint;
  beforeAll(async () => {
    handle.endpoint = await startEndpoint();
    handle.proxy = await startFaultProxy({ target: handle.endpoint });
  });
  afterAll(async () => {
    handle.proxy?.setMode("pass");
    await handle.proxy?.close();
    await handle.endpoint?.stop();
  });
  return handle;
}
